#!/usr/bin/env bash
# The release build: every contract under contracts/ built by the CosmWasm optimizer image,
# pinned by digest, from a clean export of the committed tree (HEAD), into artifacts/release/
# with checksums.txt (sha256, as `sha256sum` prints it) and build-info.txt (commit, image).
# This is how a release's checksums are made, and how anyone verifies them: the same commit
# built with the same image on x86_64 gives the same bytes.
#
#   scripts/optimize.sh                     build, check sizes, print the checksums
#   scripts/optimize.sh --verify FILE       also compare with a published checksums.txt
#
# The recipe (the image's optimize.sh and its builder, `bob`): for each contracts/* member of
# the workspace, one at a time in alphabetical order, `cargo build --release --lib --locked
# --target wasm32-unknown-unknown` with the workspace's release profile (Cargo.toml) and
# RUSTFLAGS="-C link-arg=-s", then `wasm-opt -Os --signext-lowering` on each .wasm.
# scripts/build-artifacts.sh reproduces that recipe locally for the tests (same profile, same
# flags, wasm-opt -Os, plus the lowering passes its newer standard library needs). Its
# artifacts/checksums.txt will not equal this script's: other rustc, other binaryen, other
# source paths. Compare like with like: two runs of this script on the same commit
# (artifacts/release/checksums.txt), and a release's checksums with the chain's
# (`wasmd query wasm code-info CODE_ID -o json | jq -r .data_hash`, upper-case hex).
#
# The image. cosmwasm/optimizer has built multi-contract workspaces in one image since 0.15
# (cosmwasm/workspace-optimizer is its deprecated alias). Two tags matter:
#   0.17.0  Rust 1.86.0, plain `wasm-opt -Os` (the sign-ext lowering was removed): its contracts
#           need CosmWasm 3.0 on the chain (wasmvm 3: wasmd 0.61 and later), which still runs
#           this cosmwasm-std 2.3 code. THE DEFAULT: the one image that can build this tree.
#   0.16.1  Rust 1.81.0, `wasm-opt -Os --signext-lowering`: for CosmWasm 2.x chains (wasmvm 2:
#           wasmd 0.51 to 0.60). It CANNOT build this tree (see below). USDM_OPTIMIZER_TAG=0.16.1.
# (The latest tag is 0.17.0 as of writing; a 0.17.1 with Rust 1.90 was proposed, not released.)
# The local test artifacts (scripts/build-artifacts.sh) are lowered for cosmwasm-vm 2.3 and so
# run on both kinds of chain; the VM tests run them.
#
# THE DIGESTS ARE NOT VERIFIED FROM HERE. This project's machines reach no image registry and
# run no Docker engine, so this script has never run past its preflight. The digests below are
# the ones several public projects pin for these tags. Before the first release the release
# manager confirms them (`docker buildx imagetools inspect cosmwasm/optimizer:0.17.0`, or
# `docker pull` by tag then `docker inspect --format '{{index .RepoDigests 0}}' ...`) and
# corrects them here if they differ. A wrong digest cannot pull another image: Docker checks
# the content against it and fails.
#
# Which Rust the tree needs. Cargo refuses, inside the image, any package whose rust-version
# or edition is newer than the image's Rust. The preflight checks that before Docker: the
# workspace's rust-version, then every package in the contracts' locked wasm32 graph
# (scripts/wasm/check-msrv.py, also run by scripts/test.sh against 1.86 so that a lock update
# cannot silently break the release build). As of 0.3.0:
#   - Rust 1.86 (0.17.0): all 72 packages fit (postcard is held at 1.1.3 in Cargo.lock: 1.2
#     declares 1.88). The workspace's own code is linted against its rust-version 1.85 by
#     clippy's incompatible_msrv. Not yet proven by a build: no Rust 1.86 reaches this machine.
#   - Rust 1.81 (0.16.1): the workspace (1.85: Option::is_none_or and others), and
#     edition-2024 dependencies (indexmap 2.14, hashbrown 0.17, rmp/rmp-serde, zeroize) do
#     not fit. A CosmWasm 2.x release needs either those lowered and pinned in a lock of the
#     contracts' own, or an image built from the optimizer's Dockerfile with a newer Rust and
#     build-artifacts.sh's lowering passes, published and pinned here by digest
#     (USDM_OPTIMIZER_IMAGE; a custom image is then what verifiers must run).
#
# Environment: USDM_OPTIMIZER_TAG (0.17.0, the default, or 0.16.1), USDM_OPTIMIZER_IMAGE (a full image
# reference, overriding the tag's), USDM_OPTIMIZER_RUST (the image's Rust version, for the
# preflight, when the image is not one of the two), MAX_KIB (default 600, as build-artifacts.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# The pins: tag, digest (UNVERIFIED, see above), the image's Rust (from its Dockerfile).
tag="${USDM_OPTIMIZER_TAG:-0.17.0}"
case "$tag" in
    0.16.1) digest="sha256:b9c92b2900b7ebaab3499203615c1b8589592bc557355ed3432e48851ffde69e"; rust="1.81.0" ;;
    0.17.0) digest="sha256:7e0b9229c1a4118d0c9a2af2e7f5d95a91f264c26a2ce5681c779926e74d7f85"; rust="1.86.0" ;;
    *) digest=""; rust="" ;;
esac
if [ -n "${USDM_OPTIMIZER_IMAGE:-}" ]; then
    image="$USDM_OPTIMIZER_IMAGE"
    rust="${USDM_OPTIMIZER_RUST:-}"
elif [ -n "$digest" ]; then
    image="cosmwasm/optimizer:$tag@$digest"
else
    echo "error: USDM_OPTIMIZER_TAG=$tag: no pinned digest for it here (known: 0.16.1, 0.17.0); set USDM_OPTIMIZER_IMAGE to a reference with its digest" >&2
    exit 2
fi
case "$image" in
    *@sha256:*) ;;
    *) echo "error: $image is not pinned by digest (name:tag@sha256:...): a tag can be moved, a digest cannot" >&2; exit 2 ;;
esac
max_kib="${MAX_KIB:-600}"
out="artifacts/release"
verify=""

while [ $# -gt 0 ]; do
    case "$1" in
        --verify) verify="${2:?--verify needs a checksums.txt}"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "$0"; exit 0 ;;
        *) echo "error: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ -n "$verify" ] && [ ! -f "$verify" ]; then
    echo "error: --verify $verify: no such file" >&2
    exit 2
fi

# Preflight, before Docker: the image's Rust against the workspace's rust-version and the
# contracts' locked dependencies (cargo would refuse after pulling the image and the registry;
# this says why before either).
version_lt() { # a < b, for dotted numeric versions
    local IFS=. i
    local -a a b
    read -ra a <<<"$1"
    read -ra b <<<"$2"
    for i in 0 1 2; do
        if [ "${a[i]:-0}" -lt "${b[i]:-0}" ]; then return 0; fi
        if [ "${a[i]:-0}" -gt "${b[i]:-0}" ]; then return 1; fi
    done
    return 1
}
needed=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^rust-version *= *"\([^"]*\)".*/\1/p' Cargo.toml)
if [ -z "$rust" ]; then
    echo "note: the Rust version of $image is unknown (set USDM_OPTIMIZER_RUST): no preflight" >&2
elif [ -n "$needed" ] && version_lt "$rust" "$needed"; then
    echo "error: $image has Rust $rust; the workspace needs $needed (Cargo.toml rust-version)." >&2
    echo "See the header of $0 (Which Rust the tree needs) for the ways out." >&2
    exit 1
elif command -v cargo >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    if ! python3 scripts/wasm/check-msrv.py "$rust" >&2; then
        echo "error: $image has Rust $rust; the packages above need newer. See the header of $0 (Which Rust the tree needs)." >&2
        exit 1
    fi
fi

# Docker: without an engine nothing below can run.
if ! command -v docker >/dev/null 2>&1; then
    echo "error: docker is not installed: the release build runs the $image image." >&2
    echo "Install Docker (or run this on a machine that has it); scripts/build-artifacts.sh builds test artifacts without it, never release ones." >&2
    exit 1
fi
if ! docker info >/dev/null 2>&1; then
    echo "error: docker is installed but its engine does not answer (docker info failed): start the Docker daemon, or check that this user may use it." >&2
    exit 1
fi

commit=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    echo "note: the work tree has uncommitted changes; they are not in this build (it builds HEAD, $commit)" >&2
fi

# A clean export of HEAD, mounted read-only at /code: the build sees exactly the commit, and
# the paths compiled into the wasm are the image's (/code, /usr/local/cargo), not this
# machine's. Only artifacts/ is writable, and it is artifacts/release here.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
git archive --format=tar HEAD | tar -x -C "$src"
mkdir -p "$src/artifacts" "$out"
rm -f "$out"/*.wasm "$out/checksums.txt" "$out/build-info.txt"

echo "== $image (linux/amd64) building $commit" >&2
docker run --rm --platform linux/amd64 \
    --mount "type=bind,source=$src,target=/code,readonly" \
    --mount "type=bind,source=$(pwd)/$out,target=/code/artifacts" \
    --mount type=volume,source=usdm_optimizer_target,target=/target \
    --mount type=volume,source=usdm_optimizer_registry,target=/usr/local/cargo/registry \
    "$image"

if [ ! -s "$out/checksums.txt" ]; then
    echo "error: the optimizer wrote no $out/checksums.txt" >&2
    exit 1
fi
{
    echo "commit=$commit"
    echo "image=$image"
    echo "platform=linux/amd64"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$out/build-info.txt"

status=0
for wasm in "$out"/*.wasm; do
    bytes=$(wc -c <"$wasm" | tr -d ' ')
    kib=$(( (bytes + 1023) / 1024 ))
    printf '%-26s %8d bytes  %4d KiB\n' "$(basename "$wasm")" "$bytes" "$kib"
    if [ "$bytes" -gt $(( max_kib * 1024 )) ]; then
        echo "error: $(basename "$wasm") is $kib KiB, over the $max_kib KiB limit" >&2
        status=1
    fi
done
cat "$out/checksums.txt"

if [ -n "$verify" ]; then
    # Every artifact the published file lists must have the same sha256 here.
    mismatch=0
    while read -r sum name; do
        [ -n "$sum" ] || continue
        name="${name#\*}"
        here=$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1 }' "$out/checksums.txt")
        if [ "$here" = "$sum" ]; then
            echo "ok        $name"
        else
            echo "MISMATCH  $name: published $sum, built ${here:-nothing}"
            mismatch=1
        fi
    done < "$verify"
    if [ "$mismatch" -ne 0 ]; then
        echo "error: the build does not reproduce $verify (same commit? same image? x86_64?)" >&2
        status=1
    else
        echo "verified: $verify is reproduced by $commit with $image"
    fi
fi
exit $status
