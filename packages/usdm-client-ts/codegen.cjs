#!/usr/bin/env node
// Generates the CosmJS clients in src/ from the contracts' committed JSON schemas, with the
// programmatic API of @cosmwasm/ts-codegen 0.35.7 (the newest release whose own dependency
// ranges still produce CosmJS clients; the 1.x line produces InterchainJS ones).
//
//   per contract: types, query and signing clients, message composers (schema/);
//   per contract: the cw20 hook payloads as types only (schema-hooks/): they are sent inside a
//   cw20 `send`, never to the contract directly, so no client method sends them.
//
// The hub takes mints, redemptions and prices; its governance contract (usdm-governance) takes
// governance actions and treasury operations, and receives no cw20 hooks (no schema-hooks/).
//
// usage: node codegen.cjs [--check]
//   --check  generate into a temporary folder and fail if src/ differs (the committed client is
//            stale: run `npm run codegen` and commit src/).
const fs = require('fs');
const os = require('os');
const path = require('path');
const codegen = require('@cosmwasm/ts-codegen').default;

const root = path.resolve(__dirname, '..', '..', 'contracts');
const check = process.argv.includes('--check');
const outPath = check ? fs.mkdtempSync(path.join(os.tmpdir(), 'usdm-ts-')) : path.join(__dirname, 'src', 'generated');

const CONTRACTS = [
  ['UsdmHub', 'usdm-hub'],
  ['UsdmGovernance', 'usdm-governance'],
  ['MarsSwapPair', 'mars-swap-pair'],
];
// The contracts that take cw20 hooks (those with a schema-hooks/ folder).
const HOOKS = CONTRACTS.filter(([, dir]) => fs.existsSync(path.join(root, dir, 'schema-hooks')));
const off = { enabled: false };
const common = { bundle: off, reactQuery: off, recoil: off, messageBuilder: off };

async function main() {
  fs.rmSync(outPath, { recursive: true, force: true });
  await codegen({
    contracts: CONTRACTS.map(([name, dir]) => ({ name, dir: path.join(root, dir, 'schema') })),
    outPath,
    options: {
      ...common,
      types: { enabled: true },
      client: { enabled: true, execExtendsQuery: true },
      messageComposer: { enabled: true },
    },
  });
  await codegen({
    contracts: HOOKS.map(([name, dir]) => ({ name: `${name}Hooks`, dir: path.join(root, dir, 'schema-hooks') })),
    outPath,
    options: { ...common, types: { enabled: true }, client: off, messageComposer: off },
  });
  if (!check) {
    console.log(`generated ${fs.readdirSync(outPath).sort().join(' ')}`);
    return;
  }
  const committed = path.join(__dirname, 'src', 'generated');
  const stale = fs.readdirSync(outPath).filter((f) => {
    const c = path.join(committed, f);
    return !fs.existsSync(c) || fs.readFileSync(c, 'utf8') !== fs.readFileSync(path.join(outPath, f), 'utf8');
  });
  const extra = fs.existsSync(committed) ? fs.readdirSync(committed).filter((f) => !fs.existsSync(path.join(outPath, f))) : [];
  fs.rmSync(outPath, { recursive: true, force: true });
  if (stale.length || extra.length) {
    console.error(`the committed client is stale (${[...stale, ...extra].join(', ')}): run \`npm run codegen\` in packages/usdm-client-ts and commit src/generated/`);
    process.exit(1);
  }
  console.log('the committed client matches the schemas');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
