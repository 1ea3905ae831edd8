//! The wasm artifacts and the checks a chain makes before it stores one.

use cosmwasm_vm::internals::{check_wasm, compile_module, Logger};
use cosmwasm_vm::{capabilities_from_csv, WasmLimits};
use std::path::PathBuf;

/// The artifacts the VM tests load, by file name.
pub const ARTIFACTS: [&str; 5] = [
    "usdm_hub.wasm",
    "usdm_governance.wasm",
    "mars_swap_pair.wasm",
    "cw20_token.wasm",
    "usdm_hub_migrator.wasm",
];

/// wasmd's default `MaxWasmSize`: a larger code cannot be stored.
pub const MAX_WASM_SIZE: usize = 800 * 1024;

/// The project's budget per contract: 25% under wasmd's default, the room future fixes need.
pub const BUDGET: usize = 600 * 1024;

/// The directory of the artifacts (`artifacts/` at the repository's root, or `USDM_ARTIFACTS`).
pub fn dir() -> PathBuf {
    std::env::var_os("USDM_ARTIFACTS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../artifacts"),
        PathBuf::from,
    )
}

/// The bytes of artifact `name`, or a message saying how to build it.
pub fn load(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the artifacts first: scripts/build-artifacts.sh",
            path.display()
        )
    })
}

/// What `cosmwasm-check` 2.3 checks, through the same functions of cosmwasm-vm it calls:
/// `check_wasm` with the chain's capabilities and the VM's default limits (wasm features, one
/// memory, exports, imports, required capabilities, at most 100 locals per function, ...), then
/// a compile with the VM's singlepass compiler. Plus wasmd's size limit.
pub fn check(wasm: &[u8], capabilities: &str) -> Result<(), String> {
    if wasm.len() > MAX_WASM_SIZE {
        return Err(format!(
            "{} bytes, over wasmd's default MaxWasmSize of {MAX_WASM_SIZE}",
            wasm.len()
        ));
    }
    let caps = capabilities_from_csv(capabilities);
    check_wasm(wasm, &caps, &WasmLimits::default(), Logger::Off).map_err(|e| e.to_string())?;
    compile_module(wasm, None).map_err(|e| e.to_string())?;
    Ok(())
}
