// What an integrator writes with the client (type-checked by `npm run typecheck`, not run).
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import {
  cw20Send,
  MarsSwapPairQueryClient,
  UsdmGovernanceClient,
  UsdmGovernanceMsgComposer,
  UsdmHubClient,
  UsdmHubMsgComposer,
} from "../src/index";

export async function example(signer: SigningCosmWasmClient, sender: string, hub: string, pair: string, usdm: string) {
  const h = new UsdmHubClient(signer, sender, hub);
  // Queries are typed: parameters as decimals and integers, not base64.
  const config = await h.config();
  const tier1MintFee: string = config.params.tier_mint_fee[0];
  const window: number = config.params.twap_window;
  const quote = await h.quoteMint({ asset: "USDC", amount: "1000000000" });
  // Execute: mint with native USDC, taking the quote's output as the minimum.
  await h.mint({ asset: "USDC", maxXmsIn: "0", minUsdmOut: quote.usdm_out }, "auto", undefined, [
    { denom: "ibc/USDC", amount: "1000000000" },
  ]);
  // Redeem: a cw20 send of USDm to the hub with the hook payload.
  await signer.execute(sender, usdm, cw20Send(hub, "1000000000000000000", {
    redeem: { asset: null, min_collateral_out: "0", min_xms_out: "0" },
  }), "auto");
  const treasury = await h.treasury();
  const cap = await h.supplyCap();
  // The pair has exactly two tokens.
  const [a, b] = await new MarsSwapPairQueryClient(signer, pair).tokens();
  const composed = new UsdmHubMsgComposer(sender, hub).refreshRatio();
  return {
    tier1MintFee,
    window,
    total: treasury.total_value,
    headroom: cap.headroom,
    pair: `${a.symbol}/${b.symbol}`,
    typeUrl: composed.typeUrl,
  };
}

// The governor: governance actions and treasury operations go to the governance contract the
// hub names in its config (`governance`), never to the hub.
export async function governor(signer: SigningCosmWasmClient, gov: string, hub: string) {
  const { governance } = await new UsdmHubClient(signer, gov, hub).config();
  if (!governance) throw new Error("the hub has no governance contract yet: register_governance first");
  const g = new UsdmGovernanceClient(signer, gov, governance);
  // Parameters with one value are newtypes; tier parameters name the tier.
  await g.govern({ set_param: { param: { twap_window: 900 } } });
  await g.govern({ set_param: { param: { tier_mint_fee: { tier: 1, value: "0.002" } } } });
  await g.govern({ pause: { target: { mint_asset: "BTC" } } });
  await g.govern({ unpause: { target: "mint" } });
  await g.govern({ start_support_ramp: { to: "4", seconds: 2592000 } });
  // Treasury operations, and the hub's `treasury` query, which does not clash with them.
  await g.treasuryOp({ provide_liquidity: { pool: 0, asset_amount: "1000000" } });
  // Or compose several for one transaction (a multisig proposal, say).
  const composer = new UsdmGovernanceMsgComposer(gov, governance);
  const batch = [
    composer.govern({ add_feeder: { feeder: "wasm1oracle2..." } }),
    composer.govern({ remove_feeder: { feeder: "wasm1oracle..." } }),
  ];
  await signer.signAndBroadcast(gov, batch, "auto");
  // A proposed successor accepts through the governance contract too.
  await g.govern({ propose_governor: { candidate: "wasm1newgov..." } });
  return new UsdmGovernanceClient(signer, "wasm1newgov...", governance).acceptGovernor();
}
