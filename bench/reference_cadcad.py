"""The reference model in cadCAD (see bench/README.md for the model, rule by rule).

Run directly for a quick look:  python bench/reference_cadcad.py --runs 20 --steps 500
"""
import argparse
import contextlib
import json
import math
import os
import time

import numpy as np

PARAMS = {
    "sigma": 0.02,  # XMS exogenous volatility per step
    "base": 0.0002,  # share of USDm redeemed per step in calm
    "k": 0.002,  # extra share redeemed per unit of XMS drawdown
    "cap": 0.5,  # most that can be redeemed in one step
    "depth": 0.2,  # market reserve as a share of XMS supply
    "half_life": 50.0,  # steps for market impact to halve
    "u0": 1e8,
    "s0": 1e8,
    "p0": 2.5,
}


def initial_state(p):
    return {"u": p["u0"], "s": p["s0"], "e": p["p0"], "i": 0.0, "m": p["p0"], "price": p["p0"], "min_price": p["p0"]}


_rng = None


def _step(params, state, z):
    """One step of the model (bench/README.md); `z` is the step's standard normal draw."""
    sigma = params["sigma"]
    e = state["e"] * math.exp(sigma * z - 0.5 * sigma * sigma)
    s = state["s"]
    i = state["i"]
    pre = max(e * params["s0"] / s * math.exp(i), 1e-9)
    m = max(state["m"], pre)
    f = min(params["cap"], params["base"] + params["k"] * max(0.0, 1.0 - pre / m))
    r = f * state["u"]
    u = state["u"] - r
    x = r / pre
    s = s + x
    reserve = params["depth"] * s
    i += 2.0 * math.log(reserve / (reserve + x))
    i *= 0.5 ** (1.0 / params["half_life"])
    price = e * params["s0"] / s * math.exp(i)
    return {"u": u, "s": s, "e": e, "i": i, "m": m, "price": price, "min_price": min(state["min_price"], price)}


# cadCAD's shape: a policy draws the shock and computes the step; one state update function
# per variable applies it.
def p_step(params, substep, history, state):
    return _step(params, state, _rng.standard_normal())


def _suf(name):
    def update(params, substep, history, state, policy):
        return name, policy[name]

    return update


def run_cadcad(runs, steps, seed, params=PARAMS):
    global _rng
    _rng = np.random.default_rng(seed)
    from cadCAD.configuration import Experiment
    from cadCAD.configuration.utils import config_sim
    from cadCAD.engine import ExecutionContext, ExecutionMode, Executor

    psub = [{"policies": {"step": p_step}, "variables": {k: _suf(k) for k in initial_state(params)}}]
    exp = Experiment()
    exp.append_model(
        initial_state=initial_state(params),
        partial_state_update_blocks=psub,
        sim_configs=config_sim({"N": runs, "T": range(steps), "M": {k: [v] for k, v in params.items()}}),
    )
    ctx = ExecutionContext(ExecutionMode().single_mode)
    started = time.perf_counter()
    # cadCAD prints a banner and progress bars; keep the comparison's output readable.
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        raw, _tensor, _sessions = Executor(exec_context=ctx, configs=exp.configs).execute()
    elapsed = time.perf_counter() - started
    outcomes = []
    finals = {}
    for row in raw:
        if row["timestep"] == steps:
            finals[row["run"]] = row
    for run in sorted(finals):
        row = finals[run]
        outcomes.append(
            {
                "dilution": row["s"] / params["s0"],
                "final_price": row["price"],
                "min_price": row["min_price"],
                "usdm_left": row["u"] / params["u0"],
            }
        )
    return outcomes, elapsed


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out, t = run_cadcad(a.runs, a.steps, a.seed)
    print(json.dumps({"seconds": t, "outcomes": out[:3], "runs": len(out)}, indent=1))
