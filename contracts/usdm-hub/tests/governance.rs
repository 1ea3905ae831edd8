//! Every governance-only message is refused for other senders, with nothing changed; the
//! governor transfer takes two steps; the hub applies only what its own governance contract
//! decided; migration keeps the state.

mod common;
use common::*;
use cosmwasm_std::{Binary, Uint128};
use usdm_interface::governance::{
    AssetMsg, ExecuteMsg as GovernanceMsg, GovMsg, Override, ParamMsg, PauseMsg, SharePricingMsg,
    TokenAmount, TreasuryMsg,
};
use usdm_interface::hub::{ApplyMsg, ExecuteMsg, HubMsg, MigrateMsg, QueryMsg, StorageWrite};
use usdm_interface::AssetInfo;

/// A message to the hub or to its governance contract.
#[derive(Debug)]
enum Msg {
    Hub(ExecuteMsg),
    Governance(GovernanceMsg),
}

fn send(
    s: &mut Suite,
    sender: &cosmwasm_std::Addr,
    msg: &Msg,
) -> anyhow::Result<cw_multi_test::AppResponse> {
    match msg {
        Msg::Hub(m) => s.execute(sender, m, &[]),
        Msg::Governance(m) => s.execute_governance(sender, m),
    }
}

fn gov_messages(s: &Suite) -> Vec<Msg> {
    let someone = s.addr("someone").to_string();
    let govs = vec![
        GovMsg::ProposeGovernor {
            candidate: someone.clone(),
        },
        GovMsg::CancelGovernorProposal {},
        GovMsg::AddFeeder {
            feeder: someone.clone(),
        },
        GovMsg::RemoveFeeder {
            feeder: s.feeder.to_string(),
        },
        GovMsg::WhitelistAsset {
            asset: AssetMsg {
                symbol: "AAVE".into(),
                decimals: 18,
                tier: 4,
                info: AssetInfo::Native {
                    denom: "aaave".into(),
                },
                max_share: None,
                mint_fee: None,
                redeem_fee: None,
            },
        },
        GovMsg::UpdateAsset {
            symbol: "USDC".into(),
            max_share: Some(Override::Set { value: dec("0.5") }),
            mint_fee: None,
            redeem_fee: None,
            mint_enabled: None,
            redeem_enabled: None,
        },
        GovMsg::SetParam {
            param: ParamMsg::EpochSeconds(60),
        },
        GovMsg::SetCollateralRatio { cr: dec("0.9") },
        GovMsg::RegisterPair {
            pair: someone.clone(),
        },
        GovMsg::SetPriceSource {
            symbol: "XMS".into(),
            pool: None,
        },
        GovMsg::StartSupportRamp {
            to: dec("4"),
            seconds: 30 * 86_400,
        },
        GovMsg::StopSupportRamp {},
        GovMsg::Pause {
            target: PauseMsg::Mint,
        },
        GovMsg::Unpause {
            target: PauseMsg::Mint,
        },
    ];
    let treasury = vec![
        TreasuryMsg::ProvideLiquidity {
            pool: 0,
            asset_amount: Uint128::one(),
        },
        TreasuryMsg::WithdrawLiquidity {
            pool: 0,
            shares: Uint128::one(),
        },
        TreasuryMsg::Allocate {
            strategy: someone.clone(),
            asset: "USDC".into(),
            amount: Uint128::one(),
        },
        TreasuryMsg::Report {
            strategy: someone.clone(),
            asset: "USDC".into(),
            balance: Uint128::one(),
        },
        TreasuryMsg::Grant {
            asset: "USDC".into(),
            amount: Uint128::one(),
            recipient: someone.clone(),
            memo: "x".into(),
        },
        TreasuryMsg::ExternalGovernance {
            contract: someone.clone(),
            msg: Binary::from(b"{}".to_vec()),
            description: "vote".into(),
            tokens: vec![TokenAmount {
                symbol: "USDC".into(),
                amount: Uint128::one(),
            }],
        },
    ];
    let mut all: Vec<Msg> = govs
        .into_iter()
        .map(|m| Msg::Governance(GovernanceMsg::Govern(m)))
        .collect();
    all.extend(
        treasury
            .into_iter()
            .map(|m| Msg::Governance(GovernanceMsg::TreasuryOp(m))),
    );
    all.push(Msg::Hub(ExecuteMsg::RegisterGovernance {
        contract: someone.clone(),
    }));
    all.push(Msg::Governance(GovernanceMsg::Govern(
        GovMsg::RegisterTokens {
            usdm: someone.clone(),
            xms: someone,
        },
    )));
    all
}

#[test]
fn governance_messages_are_refused_for_everyone_else() {
    let mut s = Suite::new("frax");
    s.open_market();
    let mallory = s.addr("mallory");
    let feeder = s.feeder.clone();
    for msg in gov_messages(&s) {
        for sender in [&mallory, &feeder] {
            let before = s.snapshot();
            let e = err(send(&mut s, sender, &msg).unwrap_err());
            assert!(
                e.contains("not allowed") || e.contains("only governance"),
                "{msg:?}: {e}"
            );
            assert_eq!(s.snapshot(), before, "{msg:?} changed state");
        }
    }
}

#[test]
fn feeders_alone_post_prices() {
    let mut s = Suite::new("mars");
    let mallory = s.addr("mallory");
    let now = s.now();
    let before = s.snapshot();
    let e = err(s
        .execute(
            &mallory,
            &ExecuteMsg::PostPrice {
                symbol: "XMS".into(),
                price: dec("100"),
                observed_at: now,
            },
            &[],
        )
        .unwrap_err());
    assert!(e.contains("authorised feeder"), "{e}");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn the_governor_transfer_takes_two_steps() {
    let mut s = Suite::new("mars");
    let dao = s.addr("dao");
    s.govern(GovMsg::ProposeGovernor {
        candidate: dao.to_string(),
    })
    .unwrap();
    let c: usdm_interface::hub::ConfigResponse = s.query(&QueryMsg::Config {});
    assert_eq!(c.governor, s.gov.to_string(), "not until accepted");
    let mallory = s.addr("mallory");
    assert!(err(s
        .execute_governance(&mallory, &GovernanceMsg::AcceptGovernor {})
        .unwrap_err())
    .contains("proposed governor"));
    s.execute_governance(&dao, &GovernanceMsg::AcceptGovernor {})
        .unwrap();
    let c: usdm_interface::hub::ConfigResponse = s.query(&QueryMsg::Config {});
    assert_eq!(c.governor, dao.to_string());
    assert!(err(s
        .govern(GovMsg::Pause {
            target: PauseMsg::Mint
        })
        .unwrap_err())
    .contains("only governance"));
}

#[test]
fn the_governance_contract_and_the_tokens_register_once() {
    let mut s = Suite::new("mars");
    let gov = s.gov.clone();
    let before = s.snapshot();
    let governance = s.governance.to_string();
    let e = err(s
        .execute(
            &gov,
            &ExecuteMsg::RegisterGovernance {
                contract: governance.clone(),
            },
            &[],
        )
        .unwrap_err());
    assert!(
        e.contains(&format!(
            "the governance contract {governance} is already registered"
        )),
        "{e}"
    );
    let (usdm, xms) = (s.usdm.to_string(), s.xms.to_string());
    let e = err(s.govern(GovMsg::RegisterTokens { usdm, xms }).unwrap_err());
    assert!(e.contains("the tokens are registered already"), "{e}");
    assert_eq!(s.snapshot(), before);
}

/// `apply` writes the hub's storage: only the governance contract the hub registered may send
/// it, and even that one only writes the protocol's parts and the hub's records.
#[test]
fn only_the_registered_governance_contract_applies_and_only_to_the_hubs_parts() {
    let mut s = Suite::new("mars");
    s.open_market();
    let apply = |key: &[u8]| {
        ExecuteMsg::Apply(ApplyMsg {
            writes: vec![StorageWrite {
                key: key.to_vec().into(),
                value: Some(b"x".to_vec().into()),
            }],
            messages: vec![],
            attributes: vec![],
            events: vec![],
        })
    };
    let before = s.snapshot();
    for sender in [s.gov.clone(), s.addr("mallory"), s.feeder.clone()] {
        let e = err(s.execute(&sender, &apply(b"config"), &[]).unwrap_err());
        assert!(
            e.contains("only the registered governance contract"),
            "{sender}: {e}"
        );
        assert_eq!(s.snapshot(), before);
    }
    // The governance contract itself may not touch the contract version or the queue.
    let governance = s.governance.clone();
    let mut redemption_key = vec![0, 10];
    redemption_key.extend_from_slice(b"redemption");
    redemption_key.extend_from_slice(&7u64.to_be_bytes());
    for key in [b"contract_info".to_vec(), redemption_key] {
        let e = err(s.execute(&governance, &apply(&key), &[]).unwrap_err());
        assert!(e.contains("governance may not write storage key"), "{e}");
        assert_eq!(s.snapshot(), before);
    }
    // Nor have the hub call itself (a second way in, as the hub), even with allowed writes.
    let to_itself = ExecuteMsg::Apply(ApplyMsg {
        writes: vec![],
        messages: vec![HubMsg::Execute {
            contract: s.hub.to_string(),
            msg: cosmwasm_std::to_json_binary(&ExecuteMsg::Collect { id: 0 }).unwrap(),
            funds: vec![],
        }],
        attributes: vec![],
        events: vec![],
    });
    let e = err(s.execute(&governance, &to_itself, &[]).unwrap_err());
    assert!(
        e.contains("governance may not have the hub send a message to itself"),
        "{e}"
    );
    assert_eq!(s.snapshot(), before);
}

/// The hub applies whatever its governance contract decides, so it registers only one that
/// runs the governance code it was instantiated with, whose admin is the hub's own (or none),
/// and that governs this hub; each refusal says which.
#[test]
fn only_a_governance_contract_of_the_accepted_code_under_the_hubs_admin_registers() {
    use cw_multi_test::Executor;
    let mut app = cw_multi_test::App::default();
    let gov = app.api().addr_make("gov");
    let hub_code = app.store_code(hub_contract());
    let governance_code = app.store_code(governance_contract());
    // Another code (the same contract stored again: another checksum in this test chain).
    let other_code = app.store_code(governance_contract());
    let checksum =
        |app: &cw_multi_test::App, code| app.wrap().query_wasm_code_info(code).unwrap().checksum;
    let accepted = checksum(&app, governance_code);
    let hub = app
        .instantiate_contract(
            hub_code,
            gov.clone(),
            &usdm_interface::hub::InstantiateMsg {
                governor: gov.to_string(),
                feeders: vec![],
                preset: "mars".into(),
                xms_supply: Uint128::zero(),
                pair_code: None,
                governance_code: accepted,
            },
            &[],
            "usdm-hub",
            Some(gov.to_string()),
        )
        .unwrap();
    let instantiate =
        |app: &mut cw_multi_test::App, code, hub: &cosmwasm_std::Addr, admin: Option<String>| {
            app.instantiate_contract(
                code,
                gov.clone(),
                &usdm_interface::governance::InstantiateMsg {
                    hub: hub.to_string(),
                },
                &[],
                "usdm-governance",
                admin,
            )
            .unwrap()
        };
    let mallory = app.api().addr_make("mallory");
    let cases = [
        (
            instantiate(&mut app, other_code, &hub, Some(gov.to_string())),
            "not the governance code this hub accepts",
        ),
        (
            instantiate(&mut app, governance_code, &hub, Some(mallory.to_string())),
            "is not the hub's",
        ),
    ];
    for (contract, needle) in cases {
        let e = app
            .execute_contract(
                gov.clone(),
                hub.clone(),
                &ExecuteMsg::RegisterGovernance {
                    contract: contract.to_string(),
                },
                &[],
            )
            .unwrap_err();
        let e = err(e);
        assert!(e.contains(needle), "{needle}: {e}");
    }
    // One for another hub (a second hub of the same code) is refused too.
    let other_hub = app
        .instantiate_contract(
            hub_code,
            gov.clone(),
            &usdm_interface::hub::InstantiateMsg {
                governor: gov.to_string(),
                feeders: vec![],
                preset: "mars".into(),
                xms_supply: Uint128::zero(),
                pair_code: None,
                governance_code: accepted,
            },
            &[],
            "usdm-hub",
            None,
        )
        .unwrap();
    let elsewhere = instantiate(&mut app, governance_code, &other_hub, None);
    let e = err(app
        .execute_contract(
            gov.clone(),
            hub.clone(),
            &ExecuteMsg::RegisterGovernance {
                contract: elsewhere.to_string(),
            },
            &[],
        )
        .unwrap_err());
    assert!(e.contains("not this hub"), "{e}");
    // The right one registers.
    let good = instantiate(&mut app, governance_code, &hub, None);
    app.execute_contract(
        gov,
        hub,
        &ExecuteMsg::RegisterGovernance {
            contract: good.to_string(),
        },
        &[],
    )
    .unwrap();
}

#[test]
fn migration_keeps_the_state() {
    let mut s = Suite::new("mars");
    s.open_market();
    let before = s.state();
    let new_code = s.app.store_code(hub_contract());
    let (gov, hub) = (s.gov.clone(), s.hub.clone());
    cw_multi_test::Executor::migrate_contract(
        &mut s.app,
        gov,
        hub,
        &MigrateMsg::default(),
        new_code,
    )
    .unwrap();
    assert_eq!(s.state(), before);
    let version = cw2::query_contract_info(&s.app.wrap(), s.hub.to_string()).unwrap();
    assert_eq!(version.contract, "crates.io:usdm-hub");
}

#[test]
fn pairs_are_checked_before_they_are_trusted() {
    use usdm_interface::pair::{InstantiateMsg as PairInit, PairToken};
    let mut s = Suite::new("mars");
    s.open_market();
    let code = s.pair_code;
    let tokens = |usdc_decimals: u8, s: &Suite| {
        [
            PairToken {
                symbol: "USDm".into(),
                decimals: 18,
                info: AssetInfo::Cw20 {
                    contract: s.usdm.to_string(),
                },
            },
            PairToken {
                symbol: "USDC".into(),
                decimals: usdc_decimals,
                info: AssetInfo::Native {
                    denom: "uusdc".into(),
                },
            },
        ]
    };
    let deploy = |s: &mut Suite,
                  fee_recipient: String,
                  decimals: u8,
                  twap_window: u64,
                  admin: Option<String>| {
        let msg = PairInit {
            tokens: tokens(decimals, s),
            fee_recipient,
            twap_window,
        };
        cw_multi_test::Executor::instantiate_contract(
            &mut s.app,
            code,
            s.gov.clone(),
            &msg,
            &[],
            "pair",
            admin,
        )
        .unwrap()
    };
    let hub = s.hub.to_string();
    let gov = s.gov.to_string();
    for (pair, needle) in [
        (deploy(&mut s, gov.clone(), 6, 600, None), "fee recipient"),
        (deploy(&mut s, hub.clone(), 18, 600, None), "decimals"),
        (deploy(&mut s, hub.clone(), 6, 60, None), "TWAP window"),
        (
            deploy(&mut s, hub.clone(), 6, 600, Some(gov.clone())),
            "admin",
        ),
    ] {
        let before = s.snapshot();
        let e = err(s
            .govern(GovMsg::RegisterPair {
                pair: pair.to_string(),
            })
            .unwrap_err());
        assert!(e.contains(needle), "{needle}: {e}");
        assert_eq!(s.snapshot(), before);
    }
    let good = deploy(&mut s, hub, 6, 600, None);
    s.govern(GovMsg::RegisterPair {
        pair: good.to_string(),
    })
    .unwrap();
    let e = err(s
        .govern(GovMsg::RegisterPair {
            pair: good.to_string(),
        })
        .unwrap_err());
    assert!(e.contains("already registered"), "{e}");
    s.govern(GovMsg::UnregisterPair { pool: 0 }).unwrap();
    let e = err(s.govern(GovMsg::UnregisterPair { pool: 0 }).unwrap_err());
    assert!(e.contains("no registered pair"), "{e}");
}

#[test]
fn external_governance_cannot_touch_the_protocols_own_contracts() {
    let mut s = Suite::new("mars");
    s.open_market();
    s.deploy_pair();
    // A pair of the accepted code that is not (or no longer) registered, as well.
    let unregistered_pair = s.instantiate_pair("USDm", "DAI", 600);
    let targets = [
        unregistered_pair,
        s.hub.clone(),
        s.governance.clone(),
        s.usdm.clone(),
        s.xms.clone(),
        s.dai.clone(),
        s.pair.clone().unwrap(),
    ];
    for target in targets {
        let before = s.snapshot();
        let e = err(s
            .treasury(TreasuryMsg::ExternalGovernance {
                contract: target.to_string(),
                msg: Binary::from(b"{}".to_vec()),
                description: "drain".into(),
                tokens: vec![],
            })
            .unwrap_err());
        assert!(e.contains("external governance cannot target"), "{e}");
        assert_eq!(s.snapshot(), before);
    }
}

/// Iron Finance's pricing of redemption's XMS by the TWAP alone lives in the core to study the
/// failure; the hub refuses it at instantiation (preset `iron`) and as a parameter change.
#[test]
fn the_hub_refuses_twap_share_pricing_and_the_iron_preset() {
    use cw_multi_test::Executor;
    let mut s = Suite::new("mars");
    s.open_market();
    let before = s.snapshot();
    let e = err(s
        .govern(GovMsg::SetParam {
            param: ParamMsg::RedemptionSharePricing(SharePricingMsg::Twap),
        })
        .unwrap_err());
    assert!(
        e.contains("redemption share pricing by TWAP alone is refused on chain")
            && e.contains("accepted: protocol_favouring"),
        "{e}"
    );
    assert_eq!(s.snapshot(), before);
    // The default is accepted (and changes nothing).
    s.govern(GovMsg::SetParam {
        param: ParamMsg::RedemptionSharePricing(SharePricingMsg::ProtocolFavouring),
    })
    .unwrap();

    let mut app = cw_multi_test::App::default();
    let gov = app.api().addr_make("gov");
    let code = app.store_code(hub_contract());
    let e = app
        .instantiate_contract(
            code,
            gov.clone(),
            &usdm_interface::hub::InstantiateMsg {
                governor: gov.to_string(),
                feeders: vec![],
                preset: "iron".into(),
                xms_supply: Uint128::zero(),
                pair_code: None,
                governance_code: cosmwasm_std::Checksum::from_hex(&"0".repeat(64)).unwrap(),
            },
            &[],
            "usdm-hub",
            None,
        )
        .unwrap_err();
    let e = err(e);
    assert!(
        e.contains("preset iron is refused on chain")
            && e.contains("accepted: mars, mars-guarded, frax"),
        "{e}"
    );
}
