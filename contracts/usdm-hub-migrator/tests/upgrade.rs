//! The upgrade from 0.1 in cw-multi-test: a hub holding the storage a 0.1 hub wrote
//! (`fixtures/hub-0.1-storage.json`, dumped by `vm-tests/tests/upgrade.rs` from the 0.1
//! artifacts running in cosmwasm-vm, with that hub's answers at the time) is migrated through
//! this code to the 0.2 hub, and answers the treasury, supply-cap and queue queries as 0.1 did.
//! The end-to-end run, with collects, mints and swaps after the upgrade, is the VM test.

use cosmwasm_std::{Addr, Empty, Timestamp};
use cw_multi_test::{App, Contract, ContractWrapper, Executor};
use serde_json::Value;
use usdm_interface::hub::{ConfigResponse, ExecuteMsg, MigrateMsg, PendingResponse, QueryMsg};

fn hub_code() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            usdm_hub::contract::execute,
            usdm_hub::contract::instantiate,
            usdm_hub::contract::query,
        )
        .with_migrate(usdm_hub::contract::migrate),
    )
}

fn migrator_code() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            usdm_hub_migrator::execute,
            usdm_hub_migrator::instantiate,
            usdm_hub_migrator::query,
        )
        .with_migrate(usdm_hub_migrator::migrate),
    )
}

/// A contract that does nothing: the address the 0.1 storage is put under.
fn placeholder_code() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        |_, _, _, _: Empty| -> cosmwasm_std::StdResult<cosmwasm_std::Response> {
            Ok(cosmwasm_std::Response::new())
        },
        |_, _, _, _: Empty| -> cosmwasm_std::StdResult<cosmwasm_std::Response> {
            Ok(cosmwasm_std::Response::new())
        },
        |_, _, _: Empty| -> cosmwasm_std::StdResult<cosmwasm_std::Binary> {
            Ok(cosmwasm_std::Binary::default())
        },
    ))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

struct Upgrade {
    app: App,
    hub: Addr,
    admin: Addr,
    fixture: Value,
    hub_code: u64,
    migrator_code: u64,
}

/// The 0.1 storage under a contract whose admin may migrate it, at the fixture's block.
fn setup() -> Upgrade {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/hub-0.1-storage.json")).expect("the fixture");
    let mut app = App::default();
    app.update_block(|b| {
        b.height = fixture["block"]["height"].as_u64().unwrap();
        b.time = Timestamp::from_seconds(fixture["block"]["time_seconds"].as_u64().unwrap());
    });
    let admin = app.api().addr_make("admin");
    let placeholder = app.store_code(placeholder_code());
    let hub_code = app.store_code(hub_code());
    let migrator_code = app.store_code(migrator_code());
    let hub = app
        .instantiate_contract(
            placeholder,
            admin.clone(),
            &Empty {},
            &[],
            "hub",
            Some(admin.to_string()),
        )
        .unwrap();
    {
        let mut storage = app.contract_storage_mut(&hub);
        for kv in fixture["storage"].as_array().unwrap() {
            storage.set(
                &unhex(kv[0].as_str().unwrap()),
                &unhex(kv[1].as_str().unwrap()),
            );
        }
    }
    Upgrade {
        app,
        hub,
        admin,
        fixture,
        hub_code,
        migrator_code,
    }
}

#[test]
fn the_new_hub_refuses_the_0_1_state_directly() {
    let mut u = setup();
    let err = u
        .app
        .migrate_contract(
            u.admin.clone(),
            u.hub.clone(),
            &MigrateMsg::default(),
            u.hub_code,
        )
        .unwrap_err();
    assert!(format!("{err:?}").contains("usdm-hub-migrator"), "{err:?}");
}

#[test]
fn migrated_through_the_migrator_the_hub_answers_as_0_1_did() {
    let mut u = setup();
    let res = u
        .app
        .migrate_contract(
            u.admin.clone(),
            u.hub.clone(),
            &MigrateMsg::default(),
            u.migrator_code,
        )
        .expect("the migrator moves the state");
    let attr = |k: &str| {
        res.events
            .iter()
            .flat_map(|e| &e.attributes)
            .find(|a| a.key == k)
            .map(|a| a.value.clone())
    };
    assert_eq!(attr("pending_redemptions").as_deref(), Some("3"));
    assert_eq!(attr("assets").as_deref(), Some("6"));
    // Run twice, the migrator finds no 0.1 state.
    assert!(u
        .app
        .migrate_contract(
            u.admin.clone(),
            u.hub.clone(),
            &MigrateMsg::default(),
            u.migrator_code
        )
        .is_err());
    let named = MigrateMsg {
        governance_code: Some(cosmwasm_std::Checksum::from_hex(&"ab".repeat(32)).unwrap()),
    };
    u.app
        .migrate_contract(u.admin.clone(), u.hub.clone(), &named, u.hub_code)
        .expect("then this version's hub, naming the governance contract's code");

    let q =
        |app: &App, msg: &QueryMsg| -> Value { app.wrap().query_wasm_smart(&u.hub, msg).unwrap() };
    assert_eq!(q(&u.app, &QueryMsg::Treasury {}), u.fixture["treasury"]);
    assert_eq!(q(&u.app, &QueryMsg::SupplyCap {}), u.fixture["supply_cap"]);
    let queue: PendingResponse = u
        .app
        .wrap()
        .query_wasm_smart(
            &u.hub,
            &QueryMsg::PendingRedemptions {
                owner: None,
                start_after: None,
                limit: None,
            },
        )
        .unwrap();
    let old = u.fixture["pending_redemptions"]["redemptions"]
        .as_array()
        .unwrap();
    assert_eq!(queue.redemptions.len(), old.len());
    for (new, old) in queue.redemptions.iter().zip(old) {
        assert_eq!(serde_json::to_value(new).unwrap(), *old);
    }
    let config: ConfigResponse = u
        .app
        .wrap()
        .query_wasm_smart(&u.hub, &QueryMsg::Config {})
        .unwrap();
    assert_eq!(config.governor, u.fixture["gov"].as_str().unwrap());
    assert_eq!(
        config.params.min_redemption.u128(),
        10u128.pow(18),
        "the new parameter's default"
    );
    assert!(
        config.pairs.is_empty(),
        "the retired 0.1 pair is not listed"
    );

    // The migrated hub takes price posts from its 0.1 feeder and refuses others.
    let feeder = Addr::unchecked(u.fixture["feeder"].as_str().unwrap());
    u.app.update_block(|b| {
        b.height += 1;
        b.time = b.time.plus_seconds(3);
    });
    let now = u.app.block_info().time.seconds();
    let post = ExecuteMsg::PostPrice {
        symbol: "XMS".into(),
        price: "2.5".parse().unwrap(),
        observed_at: now,
    };
    u.app
        .execute_contract(feeder, u.hub.clone(), &post, &[])
        .expect("a 0.2 price post");
    assert!(u
        .app
        .execute_contract(u.admin.clone(), u.hub.clone(), &post, &[])
        .is_err());
}
