#!/usr/bin/env bash
# The TypeScript client: checks that its version (package.json and package-lock.json) is the
# workspace's (Cargo.toml's [workspace.package] version, the contracts' version), installs the
# pinned npm packages (package-lock.json), checks that the committed client in
# packages/usdm-client-ts/src/generated is what @cosmwasm/ts-codegen makes of the committed JSON
# schemas, type-checks it and the examples with `tsc --strict`, builds it to dist/ and loads
# dist/ as an ES module in Node.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/packages/usdm-client-ts"

workspace=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml")
client=$(node -p 'require("./package.json").version')
lock=$(node -p 'const l = require("./package-lock.json"); l.version + " " + l.packages[""].version')
if [[ -z "$workspace" || "$client" != "$workspace" || "$lock" != "$workspace $workspace" ]]; then
  echo "ts client: version ${client} (package-lock.json: ${lock}) is not the workspace's ${workspace:-?} (Cargo.toml): set \"version\" in packages/usdm-client-ts/package.json and package-lock.json" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
npm run --silent check
echo "ts client: ok (version $client)"
