//! The upgrades through the wasm, from each earlier release:
//! - 0.1 (the artifacts built from commit 7ebb74f, `fixtures/v0.1/`): a deployment with mints,
//!   pending redemptions, nine pairs registered over its life (more than this version's pool
//!   slots; all retired before the upgrade, as the migration demands: a registered pair has no
//!   admin, so it stays 0.1 code), one of them with protocol-owned liquidity and trades, and a
//!   standalone pair with an admin, is migrated (the standalone pair to this version; the hub to
//!   usdm-hub-migrator, then to this version), registers its governance contract, and then
//!   answers as it did and keeps working: the same treasury, cap and queue, the migrated
//!   redemptions collected, new mints, redemptions and swaps, a new pair registered.
//! - 0.2 (built from commit 6fe56ef, `fixtures/v0.2/`): a deployment with a live registered
//!   pair holding protocol-owned liquidity and pending redemptions migrates the same way, the
//!   pair staying registered; then the same answers, and governance through the new contract.

use cosmwasm_std::{coin, Uint128};
use serde_json::{json, Value};
use usdm_interface::governance::{GovMsg, TreasuryMsg};
use usdm_interface::hub::{
    ExecuteMsg, MigrateMsg, PendingResponse, QueryMsg, SupplyCapResponse, TreasuryResponse,
};
use usdm_vm_tests::artifacts;
use usdm_vm_tests::deploy::{self, units, Chain};

fn old(release: &str, name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(release)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The pool id the hub gave `pair`.
fn pool_of(c: &Chain, pair: &cosmwasm_std::Addr) -> u32 {
    let config: Value = c.w.query(&c.hub, &json!({"config": {}})).unwrap();
    config["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["address"] == pair.as_str())
        .and_then(|p| p["pool"].as_u64())
        .expect("a registered pair") as u32
}

#[test]
fn a_0_1_deployment_migrates_and_keeps_working() {
    let mut c = Chain::deploy_legacy(
        "mars",
        6,
        &old("v0.1", "usdm_hub.wasm"),
        &old("v0.1", "mars_swap_pair.wasm"),
    );
    // 0.1's config response has no min_redemption: name the assets rather than ask.
    let symbols: Vec<String> = (0..6).map(deploy::asset_symbol).collect();
    c.open_market_for(&symbols);
    let (alice, bob) = (c.addr("alice"), c.addr("bob"));
    for who in [&alice, &bob] {
        c.fund(who, 10u128.pow(13), "uusdc");
        c.mint_native(who, "USDC", coin(100_000 * 10u128.pow(6), "uusdc"))
            .expect("a 0.1 mint");
    }
    let gov = c.gov.clone();
    // A registered 0.1 pair with protocol-owned liquidity and trades, retired before the
    // upgrade (it has no admin, so it stays 0.1 code: the migration refuses while it is live).
    let old_pair = c.deploy_pair(c.usdm_usdc(), 600).expect("a 0.1 pair");
    c.treasury(TreasuryMsg::ProvideLiquidity {
        pool: 0,
        asset_amount: Uint128::new(10_000 * 10u128.pow(6)),
    })
    .expect("0.1 protocol-owned liquidity");
    let swap = |c: &Chain, pair: &cosmwasm_std::Addr| {
        c.w.execute(
            &bob,
            pair,
            &usdm_interface::pair::ExecuteMsg::Swap {
                min_out: Uint128::zero(),
            },
            &[coin(100 * 10u128.pow(6), "uusdc")],
        )
    };
    for _ in 0..3 {
        swap(&c, &old_pair).expect("a 0.1 swap");
        c.advance(20);
    }
    // A standalone 0.1 pair whose deployer kept the admin: its own migrate moves its pool.
    let (free_pair, _) = c
        .w
        .instantiate(
            c.codes.pair,
            &gov,
            &usdm_interface::pair::InstantiateMsg {
                tokens: c.usdm_usdc(),
                fee_recipient: gov.to_string(),
                twap_window: 600,
            },
            &[],
            "free pair",
            Some(&gov),
        )
        .expect("a standalone 0.1 pair");
    let lp = c.addr("lp");
    c.fund(&lp, 10u128.pow(12), "uusdc");
    let usdm_token = c.usdm.clone();
    c.w.execute(
        &alice,
        &usdm_token,
        &cw20::Cw20ExecuteMsg::Transfer {
            recipient: lp.to_string(),
            amount: units(5_000, 18),
        },
        &[],
    )
    .expect("USDm to the provider");
    c.provide_liquidity(&lp, &free_pair, units(5_000, 18), 5_000 * 10u128.pow(6))
        .expect("liquidity in the standalone pair");
    for _ in 0..3 {
        swap(&c, &free_pair).expect("a 0.1 swap");
        c.advance(20);
    }
    let mut pending = Vec::new();
    for (who, usdm) in [(&alice, 100), (&bob, 250), (&alice, 40)] {
        pending.push(c.redeem(who, units(usdm, 18), None).expect("a 0.1 redemption").0);
    }

    let store = |wasm: &[u8]| c.w.store_code(wasm, &gov).expect("this version's code");
    let (hub2, pair2, migrator) = (
        store(&artifacts::load("usdm_hub.wasm")),
        store(&artifacts::load("mars_swap_pair.wasm")),
        store(&artifacts::load("usdm_hub_migrator.wasm")),
    );
    let refused = c.w.migrate(&gov, &c.hub, migrator, &MigrateMsg::default());
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("is live")),
        "the migration refuses a live 0.1 pair: {refused:?}"
    );
    let shares: Uint128 = c
        .w
        .query(
            &old_pair,
            &usdm_interface::pair::QueryMsg::Shares {
                address: c.hub.to_string(),
            },
        )
        .expect("the treasury's shares");
    c.treasury(TreasuryMsg::WithdrawLiquidity { pool: 0, shares })
        .expect("0.1: the treasury leaves the pair");
    c.govern(GovMsg::UnregisterPair { pool: 0 })
        .expect("0.1: the pair is retired");
    // Eight more pairs over the hub's life, each retired: nine pools, more than this
    // version's eight slots.
    for id in 1..9 {
        c.deploy_pair(c.usdm_usdc(), 600).expect("another 0.1 pair");
        c.govern(GovMsg::UnregisterPair { pool: id })
            .expect("0.1: retired");
    }

    // What 0.1 answers.
    let treasury: TreasuryResponse = c.query(&QueryMsg::Treasury {}).unwrap();
    let cap: SupplyCapResponse = c.query(&QueryMsg::SupplyCap {}).unwrap();
    let queue: Value = c
        .w
        .query(&c.hub, &json!({"pending_redemptions": {"owner": null}}))
        .unwrap();
    let old_queue = queue["redemptions"].as_array().unwrap().clone();
    assert_eq!(old_queue.len(), 3);
    if std::env::var_os("USDM_WRITE_0_1_FIXTURE").is_some() {
        write_fixture(&c, &treasury, &cap, &queue);
    }

    let free_pool: serde_json::Value = c
        .w
        .query(&free_pair, &usdm_interface::pair::QueryMsg::Pool {})
        .unwrap();
    let tx = c
        .w
        .migrate(&gov, &free_pair, pair2, &json!({}))
        .expect("the standalone pair migrates");
    assert!(tx.attribute("checkpoints").is_some_and(|n| n != "0"));
    let free_pool2: serde_json::Value = c
        .w
        .query(&free_pair, &usdm_interface::pair::QueryMsg::Pool {})
        .unwrap();
    assert_eq!(free_pool2, free_pool, "the pool answers as it did");
    let refused = c.w.migrate(&gov, &c.hub, hub2, &MigrateMsg::default());
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("usdm-hub-migrator")),
        "this version's hub refuses a 0.1 state: {refused:?}"
    );
    let tx = c
        .w
        .migrate(&gov, &c.hub, migrator, &MigrateMsg::default())
        .expect("the migrator moves the state");
    assert_eq!(tx.attribute("pending_redemptions"), Some("3"));
    assert_eq!(
        tx.attribute("pairs"),
        Some("8"),
        "retired pairs are carried into the eight slots, the ninth dropped"
    );
    assert!(
        c.exec(&alice, &ExecuteMsg::Collect { id: pending[0] }, &[]).is_err(),
        "the migrator runs nothing else"
    );
    let governance_code = c.governance_code();
    let named = MigrateMsg {
        governance_code: Some(c.w.checksum(governance_code)),
    };
    c.w.migrate(&gov, &c.hub, hub2, &named)
        .expect("then this version's hub");
    c.codes.hub = hub2;
    for old_key in [&b"protocol"[..], b"tokens", b"pairs", b"\x00\x06assets"] {
        assert!(
            c.w.storage(&c.hub).keys().all(|k| !k.starts_with(old_key)),
            "an old key is left: {}",
            String::from_utf8_lossy(old_key)
        );
    }

    // The same answers under this version, its governance contract registered first.
    c.add_governance();
    let treasury2: TreasuryResponse = c.query(&QueryMsg::Treasury {}).unwrap();
    assert_eq!(treasury2, treasury);
    let cap2: SupplyCapResponse = c.query(&QueryMsg::SupplyCap {}).unwrap();
    assert_eq!(cap2, cap);
    let queue2: PendingResponse = c
        .query(&QueryMsg::PendingRedemptions {
            owner: None,
            start_after: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(queue2.redemptions.len(), 3);
    for (new, old) in queue2.redemptions.iter().zip(&old_queue) {
        assert_eq!(serde_json::to_value(new).unwrap(), *old);
    }

    // And it keeps working: the migrated redemptions pay their owners.
    c.advance(2);
    for (id, r) in pending.iter().zip(&queue2.redemptions) {
        let owner = cosmwasm_std::Addr::unchecked(r.owner.clone());
        let before = c.cw20_balance(&c.xms, &owner);
        c.collect(&alice, *id).expect("a migrated redemption is collected");
        assert_eq!(c.cw20_balance(&c.xms, &owner), before + r.xms);
    }
    c.mint_native(&alice, "USDC", coin(1_000 * 10u128.pow(6), "uusdc"))
        .expect("a mint after the upgrade");
    let (id, _) = c
        .redeem(&bob, units(10, 18), None)
        .expect("a redemption after the upgrade");
    swap(&c, &free_pair).expect("a swap on the migrated standalone pair");
    swap(&c, &old_pair).expect("the retired 0.1 pair still trades on its own");
    // New pairs run this version's code: governance accepts it, then one is registered, in a
    // slot a retired pool freed.
    c.govern(GovMsg::SetPairCode {
        checksum: Some(c.w.checksum(pair2)),
    })
    .expect("this version's pair code accepted");
    c.codes.pair = pair2;
    let new_pair = c.deploy_pair(c.usdm_usdc(), 600).expect("a new pair");
    let pool = pool_of(&c, &new_pair);
    assert!(pool < 8, "a freed slot: {pool}");
    c.treasury(TreasuryMsg::ProvideLiquidity {
        pool,
        asset_amount: Uint128::new(1_000 * 10u128.pow(6)),
    })
    .expect("liquidity in the new pair");
    swap(&c, &new_pair).expect("a swap on the new pair");
    c.advance(2);
    c.collect(&bob, id).expect("a collect after the upgrade");
    let after: TreasuryResponse = c.query(&QueryMsg::Treasury {}).unwrap();
    assert!(after.total_value > treasury.total_value);
}

#[test]
fn a_0_2_deployment_migrates_and_keeps_working() {
    let mut c = Chain::deploy_legacy(
        "mars",
        6,
        &old("v0.2", "usdm_hub.wasm"),
        &old("v0.2", "mars_swap_pair.wasm"),
    );
    c.open_market();
    let (alice, bob) = (c.addr("alice"), c.addr("bob"));
    for who in [&alice, &bob] {
        c.fund(who, 10u128.pow(13), "uusdc");
        c.mint_native(who, "USDC", coin(100_000 * 10u128.pow(6), "uusdc"))
            .expect("a 0.2 mint");
    }
    // A live registered 0.2 pair with protocol-owned liquidity and trades: it stays 0.2 code
    // (no admin) and stays registered through the upgrade.
    let pair = c.deploy_pair(c.usdm_usdc(), 600).expect("a 0.2 pair");
    c.treasury(TreasuryMsg::ProvideLiquidity {
        pool: 0,
        asset_amount: Uint128::new(10_000 * 10u128.pow(6)),
    })
    .expect("0.2 protocol-owned liquidity");
    let swap = |c: &Chain| {
        c.w.execute(
            &bob,
            &pair,
            &usdm_interface::pair::ExecuteMsg::Swap {
                min_out: Uint128::zero(),
            },
            &[coin(100 * 10u128.pow(6), "uusdc")],
        )
    };
    for _ in 0..3 {
        swap(&c).expect("a 0.2 swap");
        c.advance(20);
    }
    let mut pending = Vec::new();
    for (who, usdm) in [(&alice, 100), (&bob, 250), (&alice, 40)] {
        pending.push(c.redeem(who, units(usdm, 18), None).expect("a 0.2 redemption").0);
    }
    let answers = |c: &Chain| {
        let treasury: TreasuryResponse = c.query(&QueryMsg::Treasury {}).unwrap();
        let cap: SupplyCapResponse = c.query(&QueryMsg::SupplyCap {}).unwrap();
        let queue: PendingResponse = c
            .query(&QueryMsg::PendingRedemptions {
                owner: None,
                start_after: None,
                limit: None,
            })
            .unwrap();
        (treasury, cap, queue)
    };
    let before = answers(&c);
    assert_eq!(before.2.redemptions.len(), 3);

    let gov = c.gov.clone();
    let store = |wasm: &[u8]| c.w.store_code(wasm, &gov).expect("this version's code");
    let (hub3, migrator) = (
        store(&artifacts::load("usdm_hub.wasm")),
        store(&artifacts::load("usdm_hub_migrator.wasm")),
    );
    let refused = c.w.migrate(&gov, &c.hub, hub3, &MigrateMsg::default());
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("0.2's JSON layout") && e.contains("usdm-hub-migrator")),
        "this version's hub refuses 0.2's layout: {refused:?}"
    );
    let tx = c
        .w
        .migrate(&gov, &c.hub, migrator, &MigrateMsg::default())
        .expect("the migrator rewrites the parts");
    assert_eq!(tx.attribute("layout"), Some("parts rewritten from JSON"));
    assert_eq!(tx.attribute("pairs"), Some("1"));
    let governance_code = c.governance_code();
    let unnamed = c.w.migrate(&gov, &c.hub, hub3, &MigrateMsg::default());
    assert!(
        unnamed.as_ref().is_err_and(|e| e.contains("governance_code")),
        "the upgrade names the governance contract's code: {unnamed:?}"
    );
    let named = MigrateMsg {
        governance_code: Some(c.w.checksum(governance_code)),
    };
    c.w.migrate(&gov, &c.hub, hub3, &named)
        .expect("then this version's hub");
    c.codes.hub = hub3;
    assert!(
        c.govern(GovMsg::SetPairCode { checksum: None }).is_err(),
        "no governance before the governance contract is registered"
    );
    c.add_governance();
    // The tokens are the 0.2 deployment's: registering tokens again is refused, naming them.
    let refused = c.govern(GovMsg::RegisterTokens {
        usdm: c.xms.to_string(),
        xms: c.usdm.to_string(),
    });
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("the tokens are registered already")),
        "{refused:?}"
    );

    // The same answers, the pair still registered and read.
    assert_eq!(answers(&c), before);
    assert_eq!(pool_of(&c, &pair), 0);

    // And it keeps working.
    c.advance(2);
    for id in &pending {
        c.collect(&alice, *id).expect("a migrated redemption is collected");
    }
    c.mint_native(&alice, "USDC", coin(1_000 * 10u128.pow(6), "uusdc"))
        .expect("a mint after the upgrade");
    // The token index came through: a cw20 collateral is known by its contract.
    let (dai, market) = (c.dai.clone(), c.market.clone());
    c.w.execute(
        &market,
        &dai,
        &cw20::Cw20ExecuteMsg::Transfer {
            recipient: alice.to_string(),
            amount: units(1_000, 18),
        },
        &[],
    )
    .expect("DAI to alice");
    c.send(
        &alice,
        &dai,
        units(1_000, 18),
        &usdm_interface::hub::ReceiveMsg::Mint {
            max_xms_in: Uint128::MAX,
            min_usdm_out: Uint128::zero(),
        },
    )
    .expect("a cw20 mint after the upgrade");
    swap(&c).expect("a swap on the 0.2 pair");
    let shares: Uint128 = c
        .w
        .query(
            &pair,
            &usdm_interface::pair::QueryMsg::Shares {
                address: c.hub.to_string(),
            },
        )
        .expect("the treasury's shares");
    c.treasury(TreasuryMsg::WithdrawLiquidity {
        pool: 0,
        shares: shares / Uint128::new(2),
    })
    .expect("half the treasury's liquidity out of the 0.2 pair, through the governance contract");
    let left: Uint128 = c
        .w
        .query(
            &pair,
            &usdm_interface::pair::QueryMsg::Shares {
                address: c.hub.to_string(),
            },
        )
        .unwrap();
    assert_eq!(left, shares - shares / Uint128::new(2));
}

/// Writes the 0.1 hub's storage and answers at this point, for the migration test in
/// cw-multi-test (`contracts/usdm-hub-migrator/tests/`), which has no 0.1 code to run.
fn write_fixture(c: &Chain, treasury: &TreasuryResponse, cap: &SupplyCapResponse, queue: &Value) {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let block = c.w.block();
    let storage: Vec<[String; 2]> = c
        .w
        .storage(&c.hub)
        .iter()
        .map(|(k, v)| [hex(k), hex(v)])
        .collect();
    let fixture = json!({
        "written_by": "vm-tests/tests/upgrade.rs with USDM_WRITE_0_1_FIXTURE=1, on the 0.1 artifacts",
        "hub": c.hub,
        "gov": c.gov,
        "feeder": c.feeder,
        "block": {"height": block.height, "time_seconds": block.time.seconds()},
        "storage": storage,
        "treasury": treasury,
        "supply_cap": cap,
        "pending_redemptions": queue,
    });
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/usdm-hub-migrator/tests/fixtures/hub-0.1-storage.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&fixture).unwrap()).unwrap();
    eprintln!("wrote {}", path.display());
}
