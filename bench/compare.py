"""Runs the reference model in cadCAD and in the Rust simulator, prints both timings, their
ratio, and a two-sample Kolmogorov-Smirnov test per outcome showing the distributions agree.

Usage (bench/run.sh does the setup): python bench/compare.py --runs 300 --steps 1000
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import reference_cadcad  # noqa: E402


def ks_2samp(a, b):
    """Two-sample KS statistic and asymptotic p-value (Numerical Recipes' approximation)."""
    a, b = sorted(a), sorted(b)
    n, m = len(a), len(b)
    i = j = 0
    d = 0.0
    while i < n and j < m:
        x = min(a[i], b[j])
        while i < n and a[i] <= x:
            i += 1
        while j < m and b[j] <= x:
            j += 1
        d = max(d, abs(i / n - j / m))
    ne = n * m / (n + m)
    lam = (math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d
    p = 0.0
    for k in range(1, 101):
        term = 2 * (-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam)
        p += term
        if abs(term) < 1e-12:
            break
    return d, min(max(p, 0.0), 1.0)


def quantiles(v):
    v = sorted(v)
    q = lambda f: v[min(len(v) - 1, int(f * (len(v) - 1) + 0.5))]
    return q(0.05), q(0.5), q(0.95)


def fmt(x):
    return f"{x:.4g}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--usdm", default=os.path.join(HERE, "..", "target", "sim", "usdm"))
    a = ap.parse_args()

    print(f"reference model: {a.runs} runs x {a.steps} steps (bench/README.md)")
    print("cadCAD ...", flush=True)
    started = time.perf_counter()
    cad, cad_engine = reference_cadcad.run_cadcad(a.runs, a.steps, a.seed)
    cad_wall = time.perf_counter() - started

    def rust(threads):
        started = time.perf_counter()
        out = subprocess.run(
            [a.usdm, "--json", "reference", "--runs", str(a.runs), "--steps", str(a.steps),
             "--seed", str(a.seed + 1), "--threads", str(threads)],
            check=True, capture_output=True, text=True,
        )
        wall = time.perf_counter() - started
        return json.loads(out.stdout), wall

    r1, r1_wall = rust(1)
    rn, rn_wall = rust(os.cpu_count() or 1)

    print()
    print(f"  {'engine':<28}{'engine time':>14}{'wall time':>12}{'per step':>12}")
    steps = a.runs * a.steps
    rows = [
        ("cadCAD 0.5 (1 process)", cad_engine, cad_wall),
        ("usdm-sim (1 thread)", r1["seconds"], r1_wall),
        (f"usdm-sim ({rn['threads']} threads)", rn["seconds"], rn_wall),
    ]
    for name, eng, wall in rows:
        print(f"  {name:<28}{eng:>12.3f} s{wall:>10.2f} s{eng / steps * 1e9:>9.0f} ns")
    print(f"  speed-up, one thread against cadCAD: {cad_engine / r1['seconds']:.0f}x "
          f"(wall time, process start included: {cad_wall / r1_wall:.0f}x)")
    print()
    print("  do the outcomes agree? two-sample Kolmogorov-Smirnov, independent seeds")
    print(f"  {'outcome':<12}{'cadCAD p5/p50/p95':>34}{'usdm-sim p5/p50/p95':>34}{'KS D':>8}{'p':>8}")
    worst = 1.0
    for key in ["dilution", "final_price", "min_price", "usdm_left"]:
        x = [o[key] for o in cad]
        y = [o[key] for o in rn["outcomes"]]
        d, p = ks_2samp(x, y)
        worst = min(worst, p)
        qx = "/".join(fmt(v) for v in quantiles(x))
        qy = "/".join(fmt(v) for v in quantiles(y))
        print(f"  {key:<12}{qx:>34}{qy:>34}{d:>8.3f}{p:>8.3f}")
    verdict = "agree" if worst > 0.01 else "DISAGREE"
    print()
    print(f"  verdict: the distributions {verdict} (smallest p = {worst:.3f}; "
          f"a p-value above 0.01 means no detectable difference)")
    return 0 if worst > 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
