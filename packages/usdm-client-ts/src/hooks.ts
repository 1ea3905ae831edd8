// cw20 hook payloads travel base64-encoded inside a cw20 `send` to the hub or the pair: mint
// with a cw20 collateral, redeem, recollateralize and buy back (hub), swap a cw20 (pair). The
// governance contract takes no cw20 hooks.
import { toBase64, toUtf8 } from "@cosmjs/encoding";
import type { ReceiveMsg as HubReceiveMsg } from "./generated/UsdmHubHooks.types";
import type { ReceiveMsg as PairReceiveMsg } from "./generated/MarsSwapPairHooks.types";

/** The cw20 execute message that sends `amount` base units to `contract` with `hook`. */
export function cw20Send(contract: string, amount: string, hook: HubReceiveMsg | PairReceiveMsg) {
  return { send: { contract, amount, msg: toBase64(toUtf8(JSON.stringify(hook))) } };
}

/**
 * cw20-base 2.x's instantiate message, for the USDm and XMS tokens (cw-plus's `cw20_base.wasm`;
 * governance's `register_tokens` requires 18 decimals, the hub as minter with `cap: null`, no
 * USDm and an XMS supply equal to the hub's `xms_supply`).
 */
export interface Cw20InstantiateMsg {
  name: string;
  symbol: string;
  decimals: number;
  initial_balances: { address: string; amount: string }[];
  mint?: { minter: string; cap?: string | null } | null;
  marketing?: {
    project?: string | null;
    description?: string | null;
    marketing?: string | null;
    logo?: { url: string } | { embedded: { svg: string } | { png: string } } | null;
  } | null;
}
