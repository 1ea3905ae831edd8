#!/usr/bin/env python3
"""The Python package's benchmarks (BENCHMARKS.md#python-and-ray), run with the venv of
scripts/check-python.sh:

    target/py-venv/bin/python bench/python_bench.py [--paths 1000] [--ray-paths 10000] [--chunk 250]

1. The Python call against the CLI: `usdm bench xms-crash --paths N` and
   `usdm.simulate("xms-crash", paths=N, series=False)`, interleaved, twice each.
2. Ray against the local thread pool: M three-day `xms-crash` paths on a two-node Ray cluster
   started on this machine (one CPU a node) and with the local pool on the same two cores.
Prints one JSON object with every time measured.
"""
import argparse
import json
import os
import subprocess
import time
from pathlib import Path

import usdm

ROOT = Path(__file__).resolve().parents[1]
ap = argparse.ArgumentParser()
ap.add_argument("--paths", type=int, default=1000)
ap.add_argument("--ray-paths", type=int, default=10000)
ap.add_argument("--chunk", type=int, default=250)
ap.add_argument("--usdm", default=str(ROOT / "target" / "sim" / "usdm"))
args = ap.parse_args()
out = {"machine": os.uname().machine, "cpus": os.cpu_count()}


def cli_bench():
    r = subprocess.run([args.usdm, "--json", "bench", "xms-crash", "--paths", str(args.paths), "-q"],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["elapsed_seconds"]


def py_call():
    t = time.perf_counter()
    usdm.simulate("xms-crash", preset="mars", paths=args.paths, seed=42, series=False, progress=False)
    return time.perf_counter() - t


out["cli_bench_s"], out["python_s"] = [], []
for _ in range(2):
    out["cli_bench_s"].append(round(cli_bench(), 3))
    out["python_s"].append(round(py_call(), 3))

import ray  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

t = time.perf_counter()
local = usdm.simulate("xms-crash", preset="mars", paths=args.ray_paths, seed=42, series=False, progress=False)
out["local_pool_s"] = round(time.perf_counter() - t, 2)

c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
c.add_node(num_cpus=1)
c.wait_for_nodes()
ray.init(address=c.address, logging_level="ERROR")
# Warm the workers (their first task imports usdm) before timing.
ray.get([ray.remote(num_cpus=1)(lambda: __import__("usdm").__version__).remote() for _ in range(2)])
t = time.perf_counter()
dist = usdm.simulate("xms-crash", preset="mars", paths=args.ray_paths, seed=42, series=False,
                     backend="ray", chunk=args.chunk, progress=False)
out["ray_two_nodes_s"] = round(time.perf_counter() - t, 2)
out["ray_chunk"] = args.chunk
out["ray_paths"] = args.ray_paths
out["same_outcomes"] = bool(local.outcomes.equals(dist.outcomes))
ray.shutdown()
c.shutdown()
print(json.dumps(out))
