#!/usr/bin/env bash
# The Python package (step 7 of scripts/test.sh): builds the abi3 wheel of crates/usdm-py with
# maturin (the `sim` profile, sharing target/), installs it into a fresh virtual environment
# with the pinned test dependencies (scripts/requirements-python.txt), runs its pytest suite
# (the CLI comparisons and the two-node Ray cluster's bit-for-bit equality), runs it again at
# the floor of the dependency ranges the wheel declares (scripts/requirements-python-floor.txt:
# the newest pins test the ceiling), and executes the notebook examples/risk-analysis.ipynb
# headless, checking that it draws its figures. `--venv-only` only prepares the virtual
# environments (as .ci/run does in the background while the Rust builds run).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target

venv="${USDM_PY_VENV:-target/py-venv}"
floor="${USDM_PY_FLOOR_VENV:-target/py-floor-venv}"
# A virtual environment with exactly the pins of a requirements file (rebuilt when it changes).
prepare() {
    local dir=$1 reqs=$2 stamp
    stamp="$(sha256sum "$reqs" | cut -c1-16)"
    if [ ! -x "$dir/bin/python" ] || [ "$(cat "$dir/.usdm-stamp" 2>/dev/null)" != "$stamp" ]; then
        rm -rf "$dir"
        python3 -m venv "$dir"
        "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs"
        echo "$stamp" > "$dir/.usdm-stamp"
    fi
}
# One writer at a time (a background preparation may be under way).
exec 9>target/.py-venv.lock
flock 9
prepare "$venv" scripts/requirements-python.txt
prepare "$floor" scripts/requirements-python-floor.txt
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
"$py" -c 'import pandas, numpy; print("  at the ceiling: pandas", pandas.__version__, "numpy", numpy.__version__)'

echo "-- pytest at the floor of the declared ranges"
"$floor/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"
"$floor/bin/python" -c 'import pandas, numpy; print("  at the floor: pandas", pandas.__version__, "numpy", numpy.__version__)'
USDM_BIN="$PWD/target/sim/usdm" "$floor/bin/python" -m pytest -q crates/usdm-py/tests/test_usdm.py

echo "-- the notebook, executed headless"
out=target/notebook
mkdir -p "$out"
RAY_DISABLE_USAGE_STATS=1 "$venv/bin/jupyter" nbconvert --to notebook --execute \
    --ExecutePreprocessor.timeout=900 --output-dir "$out" examples/risk-analysis.ipynb
# Executed, it draws its figures (as the committed copy, executed the same way, shows them).
"$py" - "$out/risk-analysis.ipynb" examples/risk-analysis.ipynb <<'EOF'
import json, sys
for f in sys.argv[1:]:
    nb = json.load(open(f))
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    figures = sum("image/png" in o.get("data", {}) for o in outputs)
    errors = sum(o.get("output_type") == "error" for o in outputs)
    assert figures >= 3 and not errors, f"{f}: {figures} figures (3 expected), {errors} errors"
    print(f"  {f}: {figures} figures")
EOF
echo "python: ok"
