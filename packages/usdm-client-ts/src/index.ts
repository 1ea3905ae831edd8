// Typed clients for the USDm contracts. The generated modules (src/generated/, from the
// contracts' JSON schemas: `npm run codegen`) are re-exported by contract, because the
// contracts' types share names (`ExecuteMsg`, `QueryMsg`, `ConfigResponse`, ...).
//
//   UsdmHub         mint, redeem (cw20 hook), collect, prices, queries; `register_governance`
//   UsdmGovernance  governance actions (`govern`), `accept_governor`, treasury operations
//                   (`treasury_op`): the governor sends these here, not to the hub
//   MarsSwapPair    the constant-product pair
export * as UsdmHub from "./generated/UsdmHub.types";
export * as UsdmHubHooks from "./generated/UsdmHubHooks.types";
export * as UsdmGovernance from "./generated/UsdmGovernance.types";
export * as MarsSwapPair from "./generated/MarsSwapPair.types";
export * as MarsSwapPairHooks from "./generated/MarsSwapPairHooks.types";
export { UsdmHubClient, UsdmHubQueryClient } from "./generated/UsdmHub.client";
export type { UsdmHubInterface, UsdmHubReadOnlyInterface } from "./generated/UsdmHub.client";
export { UsdmHubMsgComposer } from "./generated/UsdmHub.message-composer";
export { UsdmGovernanceClient, UsdmGovernanceQueryClient } from "./generated/UsdmGovernance.client";
export type { UsdmGovernanceInterface, UsdmGovernanceReadOnlyInterface } from "./generated/UsdmGovernance.client";
export { UsdmGovernanceMsgComposer } from "./generated/UsdmGovernance.message-composer";
export { MarsSwapPairClient, MarsSwapPairQueryClient } from "./generated/MarsSwapPair.client";
export type { MarsSwapPairInterface, MarsSwapPairReadOnlyInterface } from "./generated/MarsSwapPair.client";
export { MarsSwapPairMsgComposer } from "./generated/MarsSwapPair.message-composer";
export { cw20Send } from "./hooks";
export type { Cw20InstantiateMsg } from "./hooks";
