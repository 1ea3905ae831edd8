#!/usr/bin/env bash
# The TypeScript client: installs the pinned npm packages (package-lock.json), checks that the
# committed client in packages/usdm-client-ts/src/generated is what @cosmwasm/ts-codegen makes
# of the committed JSON schemas, type-checks it and the example with `tsc --strict`, and builds
# it to dist/.
set -euo pipefail
cd "$(dirname "$0")/../packages/usdm-client-ts"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent check
echo "ts client: ok"
