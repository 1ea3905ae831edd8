#!/usr/bin/env python3
"""Can a given Rust build the contracts as locked? (the optimizer image's Rust, before Docker)

Walks the locked dependency graph of every contracts/* package for wasm32 (normal and build
dependencies, as `cargo build --release --lib` compiles them) and lists each package whose
declared rust-version, or whose edition (2024 needs Rust 1.85), is newer than the given Rust.
Cargo would refuse those packages inside the image; this says so without the image.

    scripts/wasm/check-msrv.py 1.86      exit 0 if all fit, 1 with the list otherwise

It reads declarations only: a crate that uses a newer API without declaring it is not caught
(clippy's incompatible_msrv lint covers this workspace's own code against its rust-version).
"""
import json
import subprocess
import sys


def version(text):
    return tuple(int(part) for part in text.split(".")[:3])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check-msrv.py RUST_VERSION (e.g. 1.86)")
    rust = version(sys.argv[1])
    meta = json.loads(subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--locked",
         "--filter-platform", "wasm32-unknown-unknown"]))
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    roots = [p["id"] for p in meta["packages"]
             if p["manifest_path"].split("/")[-3] == "contracts"]
    seen, stack = set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        for dep in nodes[pid]["deps"]:
            if any(kind["kind"] in (None, "build") for kind in dep["dep_kinds"]):
                stack.append(dep["pkg"])
    too_new = []
    for pid in seen:
        package = packages[pid]
        need, why = (0,), ""
        if package["edition"] == "2024":
            need, why = (1, 85), "edition 2024"
        if package.get("rust_version") and version(package["rust_version"]) > need:
            need, why = version(package["rust_version"]), "rust-version " + package["rust_version"]
        if need > rust:
            too_new.append(f'{package["name"]} {package["version"]}: {why}')
    print(f"check-msrv: {len(roots)} contracts, {len(seen)} packages in their wasm32 graph, "
          f"checked against Rust {sys.argv[1]}")
    if too_new:
        for line in sorted(too_new):
            print("  needs newer Rust: " + line)
        return 1
    print("check-msrv: all fit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
