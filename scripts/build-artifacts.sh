#!/usr/bin/env bash
# Builds the contracts to wasm with the CosmWasm optimizer's recipe, into artifacts/:
#   usdm_hub.wasm, usdm_governance.wasm, mars_swap_pair.wasm, cw20_token.wasm (cw20-base, for
#   the VM tests), usdm_hub_migrator.wasm (the one-off step of an upgrade from 0.1 or 0.2), and
#   checksums.txt (sha256, as `sha256sum` prints it).
#
#   1. cargo build --release --lib --target wasm32-unknown-unknown with the workspace's release
#      profile (Cargo.toml) and `-C link-arg=-s`, as the optimizer image does;
#   2. wasm-opt -Os, as the optimizer image does, with only the lowering passes this toolchain
#      needs: the standard library of Rust 1.97 uses sign extension, bulk memory and
#      non-trapping float-to-int, which cosmwasm-vm 2.3 does not enable (the --enable flags
#      only let wasm-opt read them; the target-features section that names them goes too).
#      No size- or inlining-specific flag: a team rebuilding with scripts/optimize.sh (the
#      pinned optimizer image) gets what these tests test;
#   3. refuses an artifact over MAX_KIB (default 600 KiB: 25% under wasmd's default
#      MaxWasmSize of 800 KiB, the room future fixes need).
#
# The Rust toolchain here is the pinned third-party bundle of scripts/wasm/install-toolchain.sh
# (this machine has no official wasm32 target): what it builds is a TEST ARTIFACT, never a
# release. A release is built with an official toolchain: `rustup target add
# wasm32-unknown-unknown` and this same script (USDM_WASM_TOOLCHAIN=stable), or the optimizer
# image (see README). `--allow-undefined` is needed from Rust 1.96 on (cosmwasm-std 2.3 declares
# its host imports without a wasm import module); earlier toolchains passed it by default.
#
# Environment: USDM_WASM_TOOLCHAIN (default: usdm-wasm, installing it if missing),
# USDM_WASM_OPT (default: scripts/wasm/node_modules/.bin/wasm-opt), MAX_KIB, CARGO_FLAGS (extra
# cargo arguments, e.g. --config to try another profile).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${USDM_WASM_TOOLCHAIN:-}" ] || [ -z "${USDM_WASM_OPT:-}" ]; then
    eval "$(scripts/wasm/install-toolchain.sh)"
fi
toolchain="${USDM_WASM_TOOLCHAIN}"
wasm_opt="${USDM_WASM_OPT}"
max_kib="${MAX_KIB:-600}"
target_dir="target/wasm"
out="artifacts"

contracts=(usdm-hub usdm-governance mars-swap-pair cw20-token usdm-hub-migrator)
# One cargo build per contract: built together, cargo would unify features, and the migrator's
# and the governance contract's dependency on the hub as a library would take the hub's entry
# points out of the hub's wasm.
for c in "${contracts[@]}"; do
    echo "== cargo +$toolchain build --release --lib --target wasm32-unknown-unknown -p $c" >&2
    # shellcheck disable=SC2086
    RUSTFLAGS="-C link-arg=-s -C link-arg=--allow-undefined" \
        cargo "+$toolchain" build --release --lib --locked --target wasm32-unknown-unknown \
        --target-dir "$target_dir" -p "$c" ${CARGO_FLAGS:-}
done

mkdir -p "$out"
rm -f "$out"/*.wasm "$out/checksums.txt"
status=0
for c in "${contracts[@]}"; do
    name="${c//-/_}"
    raw="$target_dir/wasm32-unknown-unknown/release/$name.wasm"
    "$wasm_opt" -Os \
        --enable-sign-ext --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-mutable-globals --enable-multivalue --enable-reference-types \
        --signext-lowering --llvm-memory-copy-fill-lowering --llvm-nontrapping-fptoint-lowering \
        --strip-target-features \
        "$raw" -o "$out/$name.wasm"
    bytes=$(stat -c %s "$out/$name.wasm")
    kib=$(( (bytes + 1023) / 1024 ))
    printf '%-22s %8d bytes  %4d KiB  (before wasm-opt: %d KiB)\n' "$name.wasm" "$bytes" "$kib" \
        $(( ($(stat -c %s "$raw") + 1023) / 1024 ))
    if [ "$bytes" -gt $(( max_kib * 1024 )) ]; then
        echo "error: $name.wasm is $kib KiB, over the $max_kib KiB limit" >&2
        status=1
    fi
done
(cd "$out" && sha256sum ./*.wasm | sed 's| \./| |' > checksums.txt)
cat "$out/checksums.txt"
exit $status
