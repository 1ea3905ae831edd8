#!/usr/bin/env bash
# The whole test suite, across its toolchains (the README's test command):
#   1. cargo test --workspace        unit, integration, property, CLI, contracts in cw-multi-test;
#                                    scripts/check-docs.py: every link in README.md and docs/ resolves
#   2. scripts/build-artifacts.sh    the contracts' wasm (installing the pinned wasm toolchain and
#                                    binaryen on first use), each within 800 KiB
#   3. check-artifacts               cosmwasm-check's checks on each artifact (vm-tests/)
#   4. the VM tests                  lifecycle, differential, scaling through cosmwasm-vm 2.3.6
#   5. scripts/check-ts-client.sh    the TypeScript client is fresh and compiles (tsc --strict)
#   6. scripts/check-outputs.sh      the simulator's reports in headless Chromium, its JSON against
#                                    the schemas, its Parquet export read back with pandas
#   7. scripts/check-python.sh       the Python package: wheel, pytest (CLI equality, two-node Ray
#                                    cluster), the notebook executed headless
# USDM_SKIP_WASM=1 runs step 1 alone (what `cargo test --workspace` runs).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "== $* (at $((SECONDS / 60))m$((SECONDS % 60))s)"; }

step "1. cargo test --workspace, and the docs' links"
cargo test --workspace
python3 scripts/check-docs.py --self-test
python3 scripts/check-docs.py
if [ "${USDM_SKIP_WASM:-0}" = 1 ]; then
    echo "test: workspace ok (wasm, VM and TypeScript steps skipped: USDM_SKIP_WASM=1)"
    exit 0
fi

step "2. wasm artifacts"
# The release image's Rust (cosmwasm/optimizer 0.17.0: 1.86) must still fit every package the
# contracts compile, as locked (scripts/optimize.sh runs the same check before Docker).
python3 scripts/wasm/check-msrv.py 1.86
eval "$(scripts/wasm/install-toolchain.sh)"
export USDM_WASM_TOOLCHAIN USDM_WASM_OPT
scripts/build-artifacts.sh

step "3. cosmwasm-check's checks"
(cd vm-tests && cargo "+$USDM_WASM_TOOLCHAIN" run --locked --bin check-artifacts)

step "4. the VM tests"
(cd vm-tests && cargo "+$USDM_WASM_TOOLCHAIN" test --locked)

step "5. the TypeScript client"
scripts/check-ts-client.sh

step "6. the simulator's outputs: reports in Chromium, JSON schemas, Parquet"
scripts/check-outputs.sh

step "7. the Python package: wheel, pytest with a two-node Ray cluster, the notebook"
scripts/check-python.sh

echo "test: all ok in $((SECONDS / 60))m$((SECONDS % 60))s"
