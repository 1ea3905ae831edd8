#!/usr/bin/env bash
# The simulator's outputs as an analyst meets them (step 6 of scripts/test.sh):
#   - every built-in scenario's report, and a sweep's, rendered in headless Chromium and
#     checked by rule (no overlapping or clipped labels, no empty chart or table, no NaN shown);
#   - summary.json and sweep.json, and the same documents on stdout under --json, validated
#     against schemas/*.schema.json; `usdm recommend --quick`'s front.json likewise, and its
#     instantiate and governance messages against the contracts' committed schemas;
#   - series.parquet (--series all) read back with pandas/pyarrow, with typed columns that
#     match outcomes.csv path for path.
# Needs the `sim` build of usdm (built here), python3 with venv, and Chromium (apt: chromium).
# Python packages are pinned in scripts/requirements-check.txt and installed into
# target/check-venv on first use (`--venv-only` does only that, as .ci/run does in the
# background while the Rust builds run).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target

out="${USDM_CHECK_DIR:-target/check-outputs}"
venv="${USDM_CHECK_VENV:-target/check-venv}"

# One writer at a time (a background preparation may be under way).
exec 9>target/.check-venv.lock
flock 9
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import jsonschema, pandas, pyarrow" >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r scripts/requirements-check.txt
fi
exec 9>&-
py="$venv/bin/python"
if [ "${1:-}" = --venv-only ]; then
    exit 0
fi
# Chromium may still be installing in the background (.ci/run): wait for it.
if [ -e target/.chromium.lock ]; then
    flock target/.chromium.lock true
fi

rm -rf "$out"
mkdir -p "$out"

cargo build --profile sim --bin usdm --quiet
usdm=target/sim/usdm

echo "-- reports of every built-in scenario and a sweep"
for s in $("$usdm" --json scenarios | "$py" -c 'import json,sys; print(" ".join(x["name"] for x in json.load(sys.stdin)))'); do
    "$usdm" --json simulate "$s" --paths 30 --quiet --out "$out/$s" > "$out/$s.stdout.json"
done
"$usdm" --json simulate bank-run --preset frax --paths 20 --quiet --series all --out "$out/bank-run-frax" > "$out/bank-run-frax.stdout.json"
"$usdm" --json sweep xms-crash --preset mars,mars-guarded --set breaker_xms_minted=off,0.005 --paths 20 --quiet --out "$out/sweep" > "$out/sweep.stdout.json"

"$usdm" --json recommend --quick --quiet --out "$out/recommend" > "$out/recommend.stdout.json"

echo "-- JSON against the schemas"
"$py" scripts/check-schemas.py --self-test
"$py" scripts/check-schemas.py "$out"/*/summary.json "$out"/sweep/sweep.json
mapfile -t runs < <(ls "$out"/*.stdout.json | grep -v -e '/sweep.stdout.json$' -e '/recommend.stdout.json$')
"$py" scripts/check-schemas.py --schema summary "${runs[@]}"
"$py" scripts/check-schemas.py --schema sweep "$out/sweep.stdout.json"
# usdm recommend: the front, and the chosen point's messages against the contracts' schemas.
"$py" scripts/check-schemas.py "$out"/recommend/front.json "$out"/recommend/instantiate.json "$out"/recommend/configure.json
"$py" scripts/check-schemas.py --schema front "$out/recommend.stdout.json"

echo "-- series.parquet read back with pandas"
"$py" - "$out/bank-run-frax" <<'EOF'
import sys, pandas as pd
d = sys.argv[1]
series = pd.read_parquet(f"{d}/series.parquet")
outcomes = pd.read_csv(f"{d}/outcomes.csv")
assert str(series["path"].dtype) == "int64", series.dtypes
assert str(series["block"].dtype) == "int64" and str(series["cap_refusals"].dtype) == "int64"
floats = [c for c in series.columns if c not in ("path", "block", "cap_refusals", "breaker_trips")]
bad = [c for c in floats if str(series[c].dtype) != "float64"]
assert not bad, bad
assert sorted(series["path"].unique()) == sorted(outcomes["path"]), "one series per path"
# outcomes.csv's floats load as float64 even when every value is whole.
for c in ("max_depeg", "hours_below_097", "xms_dilution", "hours_above_103"):
    assert str(outcomes[c].dtype) == "float64", (c, outcomes[c].dtype)
# The last sample's XMS supply ratio matches each path's dilution.
last = series.sort_values(["path", "block"]).groupby("path").tail(1).set_index("path")
first = series.sort_values(["path", "block"]).groupby("path").head(1).set_index("path")
ratio = (last["xms_supply"] / first["xms_supply"]).sort_index()
dil = outcomes.set_index("path")["xms_dilution"].sort_index()
assert ((ratio - dil).abs() <= 1e-9 * dil.abs().clip(lower=1)).all(), (ratio, dil)
print(f"ok series.parquet: {len(series)} rows, {series['path'].nunique()} paths, {len(series.columns)} typed columns")
EOF

echo "-- reports in headless Chromium"
scripts/report-check/selftest.sh
scripts/report-check/check.sh "$out"
echo "outputs: ok"
