#!/usr/bin/env bash
# The Python package (step 7 of scripts/test.sh): builds the abi3 wheel of crates/usdm-py with
# maturin (the `sim` profile, sharing target/), installs it into a fresh virtual environment
# with the pinned test dependencies (scripts/requirements-python.txt), runs its pytest suite
# (the CLI comparisons and the two-node Ray cluster's bit-for-bit equality) and executes the
# notebook examples/risk-analysis.ipynb headless. `--venv-only` only prepares the virtual
# environment (as .ci/run does in the background while the Rust builds run).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target

venv="${USDM_PY_VENV:-target/py-venv}"
stamp="$(sha256sum scripts/requirements-python.txt | cut -c1-16)"
# One writer at a time (a background preparation may be under way).
exec 9>target/.py-venv.lock
flock 9
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.usdm-stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r scripts/requirements-python.txt
    echo "$stamp" > "$venv/.usdm-stamp"
fi
exec 9>&-
py="$venv/bin/python"
if [ "${1:-}" = --venv-only ]; then
    exit 0
fi

echo "-- the wheel"
rm -rf target/wheels
"$venv/bin/maturin" build --quiet -m crates/usdm-py/Cargo.toml --out target/wheels
wheel=$(ls target/wheels/usdm-*.whl)
echo "built $wheel"
"$py" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"

echo "-- pytest"
cargo build --profile sim --bin usdm --quiet
USDM_BIN="$PWD/target/sim/usdm" RAY_DISABLE_USAGE_STATS=1 "$py" -m pytest -q crates/usdm-py/tests

echo "-- the notebook, executed headless"
out=target/notebook
mkdir -p "$out"
RAY_DISABLE_USAGE_STATS=1 "$venv/bin/jupyter" nbconvert --to notebook --execute \
    --ExecutePreprocessor.timeout=900 --output-dir "$out" examples/risk-analysis.ipynb
echo "python: ok"
