#!/usr/bin/env bash
# The side-by-side benchmark: the reference model (bench/README.md) in cadCAD and in usdm-sim.
# Installs cadCAD into bench/.venv on first use, builds the usdm binary, then runs
# bench/compare.py, which prints both timings, their ratio and the statistical comparison.
#
#   bench/run.sh                 # 300 runs x 1000 steps
#   bench/run.sh --runs 1000     # any flag of compare.py
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x bench/.venv/bin/python ]; then
    echo "installing cadCAD 0.5.3 into bench/.venv ..."
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet "cadCAD==0.5.3"
fi
cargo build --profile sim --quiet --bin usdm
bench/.venv/bin/python bench/compare.py "$@"
