// What an integrator writes with the client (type-checked by `npm run typecheck`, not run).
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import { cw20Send, MarsSwapPairQueryClient, UsdmHubClient, UsdmHubMsgComposer } from "../src/index";

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
  // Governance's treasury operations (`treasury_op`) and the `treasury` query do not clash.
  await h.treasuryOp({ provide_liquidity: { pool: 0, asset_amount: "1000000" } });
  const treasury = await h.treasury();
  // Redeem: a cw20 send of USDm to the hub with the hook payload.
  await signer.execute(sender, usdm, cw20Send(hub, "1000000000000000000", {
    redeem: { asset: null, min_collateral_out: "0", min_xms_out: "0" },
  }), "auto");
  // The pair has exactly two tokens.
  const [a, b] = await new MarsSwapPairQueryClient(signer, pair).tokens();
  const composed = new UsdmHubMsgComposer(sender, hub).refreshRatio();
  return { tier1MintFee, window, total: treasury.total_value, pair: `${a.symbol}/${b.symbol}`, typeUrl: composed.typeUrl };
}
