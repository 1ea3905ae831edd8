//! The JSON schema files integrators generate clients from, for the contracts: the messages
//! (`schema/<contract>.json` and `schema/raw/`, what `cosmwasm_schema::write_api!` writes) and
//! the cw20 hook payloads (`schema-hooks/<contract>-hooks.json`), which `write_api!` has no place
//! for. Their `ReceiveMsg` sits under `responses`, so client generators make it a type without
//! making it a message to send to the contract itself. The contracts' schema binaries write
//! these files; their tests check that the committed ones are current.

use cosmwasm_schema::{generate_api, schema_for, Api};
use std::collections::BTreeMap;

/// One file to write: its path relative to the contract's directory, and its text.
pub type SchemaFile = (String, String);

fn files(contract: &str, api: Api, receive: Option<Api>) -> Vec<SchemaFile> {
    let api = api.render();
    let mut out = vec![(
        format!("schema/{contract}.json"),
        api.to_string().expect("the schema serializes") + "\n",
    )];
    for (name, json) in api.to_schema_files().expect("the schema serializes") {
        out.push((format!("schema/raw/{name}"), json + "\n"));
    }
    if let Some(receive) = receive {
        out.push((
            format!("schema-hooks/{contract}-hooks.json"),
            receive.render().to_string().expect("the schema serializes") + "\n",
        ));
    }
    out
}

fn hooks(contract: &str, receive: cosmwasm_schema::schemars::schema::RootSchema) -> Api {
    Api {
        contract_name: format!("{contract}-hooks"),
        contract_version: env!("CARGO_PKG_VERSION").to_string(),
        instantiate: None,
        execute: None,
        query: None,
        migrate: None,
        sudo: None,
        responses: Some(BTreeMap::from([("receive_msg".to_string(), receive)])),
    }
}

/// The hub's schema files.
pub fn hub() -> Vec<SchemaFile> {
    use crate::hub::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, ReceiveMsg};
    let api = generate_api! {
        name: "usdm-hub",
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    };
    files(
        "usdm-hub",
        api,
        Some(hooks("usdm-hub", schema_for!(ReceiveMsg))),
    )
}

/// The governance contract's schema files (it takes no cw20 hooks).
pub fn governance() -> Vec<SchemaFile> {
    use crate::governance::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};
    let api = generate_api! {
        name: "usdm-governance",
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    };
    files("usdm-governance", api, None)
}

/// The pair's schema files.
pub fn pair() -> Vec<SchemaFile> {
    use crate::pair::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, ReceiveMsg};
    let api = generate_api! {
        name: "mars-swap-pair",
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    };
    files(
        "mars-swap-pair",
        api,
        Some(hooks("mars-swap-pair", schema_for!(ReceiveMsg))),
    )
}

/// Files in the directories the schema owns (`schema/raw/`) that no message produces any more,
/// such as the response of a removed query: left behind, a client generator would still emit
/// them.
fn leftovers(dir: &std::path::Path, files: &[SchemaFile]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("schema/raw")) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| format!("schema/raw/{}", e.file_name().to_string_lossy()))
        .filter(|path| !files.iter().any(|(p, _)| p == path))
        .collect();
    out.sort();
    out
}

/// Writes `files` under `dir` (the contract's directory) and removes leftovers of removed
/// messages.
pub fn write(dir: &std::path::Path, files: &[SchemaFile]) -> std::io::Result<()> {
    for path in leftovers(dir, files) {
        std::fs::remove_file(dir.join(&path))?;
        println!("removed {path}");
    }
    for (path, text) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The files under `dir` that differ from `files` (missing ones included), and leftovers.
pub fn stale(dir: &std::path::Path, files: &[SchemaFile]) -> Vec<String> {
    let mut out: Vec<String> = files
        .iter()
        .filter(|(path, text)| std::fs::read_to_string(dir.join(path)).ok().as_ref() != Some(text))
        .map(|(path, _)| path.clone())
        .collect();
    out.extend(leftovers(dir, files));
    out
}
