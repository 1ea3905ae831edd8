// Typed clients for the USDm contracts. The generated modules (src/generated/, from the
// contracts' JSON schemas: `npm run codegen`) are re-exported by contract, because both
// contracts' types share names (`ExecuteMsg`, `QueryMsg`, ...).
export * as UsdmHub from "./generated/UsdmHub.types";
export * as UsdmHubHooks from "./generated/UsdmHubHooks.types";
export * as MarsSwapPair from "./generated/MarsSwapPair.types";
export * as MarsSwapPairHooks from "./generated/MarsSwapPairHooks.types";
export { UsdmHubClient, UsdmHubQueryClient } from "./generated/UsdmHub.client";
export type { UsdmHubInterface, UsdmHubReadOnlyInterface } from "./generated/UsdmHub.client";
export { UsdmHubMsgComposer } from "./generated/UsdmHub.message-composer";
export { MarsSwapPairClient, MarsSwapPairQueryClient } from "./generated/MarsSwapPair.client";
export type { MarsSwapPairInterface, MarsSwapPairReadOnlyInterface } from "./generated/MarsSwapPair.client";
export { MarsSwapPairMsgComposer } from "./generated/MarsSwapPair.message-composer";
export { cw20Send } from "./hooks";
