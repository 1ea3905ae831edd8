// A deployment with CosmJS, in the order the hub requires (docs/deploying.md, "Deploying on a
// CosmWasm chain" does the same with the wasmd CLI). Type-checked by `npm run typecheck`, not
// run. The wasm bytes are the release artifacts (scripts/optimize.sh) and cw-plus's
// cw20_base.wasm; `governor` signs here, as it would through a multisig.
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import {
  Cw20InstantiateMsg,
  MarsSwapPair,
  UsdmGovernance,
  UsdmGovernanceClient,
  UsdmHub,
  UsdmHubClient,
} from "../src/index";

export interface Artifacts {
  hub: Uint8Array;
  governance: Uint8Array;
  pair: Uint8Array;
  cw20Base: Uint8Array;
}

export async function deploy(signer: SigningCosmWasmClient, governor: string, feeder: string, wasm: Artifacts) {
  // 1. Store the codes. The pair's checksum is what the hub accepts for registration.
  const hubCode = await signer.upload(governor, wasm.hub, "auto");
  const governanceCode = await signer.upload(governor, wasm.governance, "auto");
  const pairCode = await signer.upload(governor, wasm.pair, "auto");
  const cw20Code = await signer.upload(governor, wasm.cw20Base, "auto");

  // 2. The hub, with an admin (the governor) so it can be migrated.
  const xmsSupply = "100000000000000000000000000"; // 100M XMS, 18 decimals
  const hubMsg: UsdmHub.InstantiateMsg = {
    governor,
    feeders: [feeder],
    preset: "mars",
    xms_supply: xmsSupply,
    pair_code: pairCode.checksum,
    // The only code the hub takes governance from.
    governance_code: governanceCode.checksum,
  };
  const { contractAddress: hub } = await signer.instantiate(governor, hubCode.codeId, hubMsg, "usdm-hub", "auto", {
    admin: governor,
  });

  // 3. The governance contract for this hub, under the hub's admin; the governor registers it
  // with the hub (once).
  const governanceMsg: UsdmGovernance.InstantiateMsg = { hub };
  const { contractAddress: governance } = await signer.instantiate(
    governor, governanceCode.codeId, governanceMsg, "usdm-governance", "auto", { admin: governor });
  const h = new UsdmHubClient(signer, governor, hub);
  await h.registerGovernance({ contract: governance });

  // 4. The tokens: cw20-base, the hub as minter without a cap, 18 decimals; XMS's initial
  // balances sum to `xms_supply`, USDm has none.
  const token = (name: string, symbol: string, balances: Cw20InstantiateMsg["initial_balances"]): Cw20InstantiateMsg => ({
    name,
    symbol,
    decimals: 18,
    initial_balances: balances,
    mint: { minter: hub, cap: null },
    marketing: null,
  });
  const { contractAddress: xms } = await signer.instantiate(governor, cw20Code.codeId,
    token("Mars Ecosystem Token", "XMS", [{ address: governor, amount: xmsSupply }]), "usdm-xms", "auto");
  const { contractAddress: usdm } = await signer.instantiate(governor, cw20Code.codeId,
    token("USD Mars", "USDm", []), "usdm-usdm", "auto");

  // 5. Register the tokens through the governance contract (governor, once).
  const g = new UsdmGovernanceClient(signer, governor, governance);
  await g.govern({ register_tokens: { usdm, xms } });

  // 6. Whitelist assets through the governance contract.
  const assets: UsdmGovernance.AssetMsg[] = [
    { symbol: "USDC", decimals: 6, tier: 1, info: { native: { denom: "ibc/USDC" } } },
    { symbol: "BTC", decimals: 8, tier: 2, info: { native: { denom: "ibc/WBTC" } } },
    // XMS as tier-5 collateral: the hub records it at the XMS token whatever `info` says.
    { symbol: "XMS", decimals: 18, tier: 5, info: { cw20: { contract: xms } } },
  ];
  for (const asset of assets) {
    await g.govern({ whitelist_asset: { asset } });
  }

  // 7. A USDm/USDC pair: no admin (the hub refuses pairs another admin could migrate), the hub
  // as fee recipient; then register it through governance.
  const pairMsg: MarsSwapPair.InstantiateMsg = {
    tokens: [
      { symbol: "USDm", decimals: 18, info: { cw20: { contract: usdm } } },
      { symbol: "USDC", decimals: 6, info: { native: { denom: "ibc/USDC" } } },
    ],
    fee_recipient: hub,
    twap_window: 600,
  };
  const { contractAddress: pair } = await signer.instantiate(governor, pairCode.codeId, pairMsg, "usdm-usdc", "auto");
  await g.govern({ register_pair: { pair } });

  // Prices come from the feeders (`post_price` on the hub); minting opens once an epoch with
  // fresh XMS prices has passed (`supplyCap()` shows the cap).
  return { hub, governance, usdm, xms, pair, codes: { hub: hubCode.codeId, governance: governanceCode.codeId, pair: pairCode.codeId } };
}
