// cw20 hook payloads travel base64-encoded inside a cw20 `send` to the hub or the pair: mint
// with a cw20 collateral, redeem, recollateralize and buy back (hub), swap a cw20 (pair).
import { toBase64, toUtf8 } from "@cosmjs/encoding";
import type { ReceiveMsg as HubReceiveMsg } from "./generated/UsdmHubHooks.types";
import type { ReceiveMsg as PairReceiveMsg } from "./generated/MarsSwapPairHooks.types";

/** The cw20 execute message that sends `amount` base units to `contract` with `hook`. */
export function cw20Send(contract: string, amount: string, hook: HubReceiveMsg | PairReceiveMsg) {
  return { send: { contract, amount, msg: toBase64(toUtf8(JSON.stringify(hook))) } };
}
