//! Treasury operations, Frax extras and queries on chain: grants, strategies (allocate, report,
//! return), external governance executing a message on another contract, recollateralize and
//! buyback, their pauses, and the quote, pending, supplies and price queries. After each step
//! the chain's balances must match the core's books.

mod common;
use common::*;
use cosmwasm_std::{coin, to_json_binary, Uint128};
use cw20::{AllowanceResponse, Cw20ExecuteMsg, Cw20QueryMsg};
use usdm_interface::governance::{GovMsg, PauseMsg, TokenAmount, TreasuryMsg};
use usdm_interface::hub::{
    ExecuteMsg, MintQuoteResponse, PendingResponse, PriceResponse, QueryMsg, ReceiveMsg,
    RedeemQuoteResponse, SuppliesResponse, TreasuryResponse,
};

fn funded(preset: &str) -> (Suite, cosmwasm_std::Addr) {
    let mut s = Suite::new(preset);
    s.open_market();
    let alice = s.addr("alice");
    s.fund(&alice, coin(10u128.pow(15), "uusdc"));
    s.mint_native(&alice, "USDC", coin(1_000_000 * 10u128.pow(6), "uusdc"))
        .unwrap();
    let (dai, market) = (s.dai.clone(), s.market.clone());
    s.transfer(&dai, &market, &alice, units("1000000", 18));
    s.mint_cw20(&alice, &dai, units("100000", 18)).unwrap();
    (s, alice)
}

#[test]
fn grants_strategies_and_external_governance() {
    let (mut s, _) = funded("mars");
    // A grant in a native and in a cw20 asset.
    let fund = s.addr("dev-fund");
    s.treasury(TreasuryMsg::Grant {
        asset: "USDC".into(),
        amount: units("1000", 6),
        recipient: fund.to_string(),
        memo: "audit".into(),
    })
    .unwrap();
    s.treasury(TreasuryMsg::Grant {
        asset: "DAI".into(),
        amount: units("10", 18),
        recipient: fund.to_string(),
        memo: "audit".into(),
    })
    .unwrap();
    assert_eq!(s.native(&fund, "uusdc"), units("1000", 6));
    assert_eq!(s.cw20(&s.dai, &fund), units("10", 18));
    s.check_custody();

    // A strategy: the hub sends it tokens; its reported balance counts; it returns them.
    let vault = s.addr("vault");
    s.treasury(TreasuryMsg::Allocate {
        strategy: vault.to_string(),
        asset: "USDC".into(),
        amount: units("50000", 6),
    })
    .unwrap();
    assert_eq!(s.native(&vault, "uusdc"), units("50000", 6));
    s.treasury(TreasuryMsg::Report {
        strategy: vault.to_string(),
        asset: "USDC".into(),
        balance: units("51000", 6),
    })
    .unwrap();
    let t: TreasuryResponse = s.query(&QueryMsg::Treasury {});
    assert_eq!(t.positions[0].in_strategies, units("51000", 6));
    s.fund(&vault, coin(1_000 * 10u128.pow(6), "uusdc")); // the yield, earned elsewhere
    s.execute(
        &vault,
        &ExecuteMsg::ReturnFromStrategy {},
        &[coin(51_000 * 10u128.pow(6), "uusdc")],
    )
    .unwrap();
    let t: TreasuryResponse = s.query(&QueryMsg::Treasury {});
    assert_eq!(t.positions[0].in_strategies, Uint128::zero());
    s.check_custody();
    // Someone who is not that strategy cannot "return" tokens into its position.
    let mallory = s.addr("mallory");
    s.fund(&mallory, coin(10, "uusdc"));
    let e = err(s
        .execute(
            &mallory,
            &ExecuteMsg::ReturnFromStrategy {},
            &[coin(10, "uusdc")],
        )
        .unwrap_err());
    assert!(e.contains("no strategy"), "{e}");

    // External governance: the hub executes a governance-approved message on another protocol's
    // contract (here, an allowance on another DAO's token) and records it.
    let code = s.app.store_code(cw20_contract());
    let other = cw_multi_test::Executor::instantiate_contract(
        &mut s.app,
        code,
        s.gov.clone(),
        &cw20_base::msg::InstantiateMsg {
            name: "Other DAO".into(),
            symbol: "ODAO".into(),
            decimals: 6,
            initial_balances: vec![],
            mint: None,
            marketing: None,
        },
        &[],
        "odao",
        None,
    )
    .unwrap();
    let delegate = s.addr("delegate");
    let msg = to_json_binary(&Cw20ExecuteMsg::IncreaseAllowance {
        spender: delegate.to_string(),
        amount: Uint128::new(7),
        expires: None,
    })
    .unwrap();
    let r = s
        .treasury(TreasuryMsg::ExternalGovernance {
            contract: other.to_string(),
            msg,
            description: "delegate voting power in another DAO".into(),
            tokens: vec![TokenAmount {
                symbol: "DAI".into(),
                amount: units("1000", 18),
            }],
        })
        .unwrap();
    assert!(
        r.events
            .iter()
            .any(|e| e.ty == "wasm-usdm-external_governance_recorded"),
        "{:?}",
        r.events
    );
    let a: AllowanceResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            &other,
            &Cw20QueryMsg::Allowance {
                owner: s.hub.to_string(),
                spender: delegate.to_string(),
            },
        )
        .unwrap();
    assert_eq!(a.allowance, Uint128::new(7));
    s.check_custody();
}

#[test]
fn recollateralize_and_buyback_on_chain() {
    let (mut s, alice) = funded("frax");
    // A loss: half the USDC granted away, so collateral is below 100% of circulating USDm.
    let sink = s.addr("sink");
    s.treasury(TreasuryMsg::Grant {
        asset: "USDC".into(),
        amount: units("500000", 6),
        recipient: sink.to_string(),
        memo: "loss".into(),
    })
    .unwrap();
    let bob = s.addr("bob");
    s.fund(&bob, coin(10u128.pow(12), "uusdc"));
    s.execute(
        &bob,
        &ExecuteMsg::Recollateralize {
            asset: "USDC".into(),
            min_xms_out: Uint128::zero(),
        },
        &[coin(100_000 * 10u128.pow(6), "uusdc")],
    )
    .unwrap();
    // $100,000 x 1.0075 / $2.50 = 40,300 XMS, minted to bob.
    assert_eq!(s.cw20(&s.xms, &bob), units("40300", 18));
    let (dai, market) = (s.dai.clone(), s.market.clone());
    s.transfer(&dai, &market, &bob, units("1000", 18));
    s.send(
        &bob,
        &dai,
        units("1000", 18),
        &ReceiveMsg::Recollateralize {
            min_xms_out: Uint128::zero(),
        },
    )
    .unwrap();
    s.check_custody();

    // Lower the ratio: collateral now exceeds the target, and XMS buys the excess back.
    s.govern(GovMsg::SetCollateralRatio { cr: dec("0.5") })
        .unwrap();
    let xms = s.xms.clone();
    let before = s.native(&bob, "uusdc");
    s.send(
        &bob,
        &xms,
        units("1000", 18),
        &ReceiveMsg::Buyback {
            asset: "USDC".into(),
            min_collateral_out: Uint128::zero(),
        },
    )
    .unwrap();
    assert_eq!(
        s.native(&bob, "uusdc") - before,
        units("2500", 6),
        "1,000 XMS at $2.50"
    );
    s.check_custody();

    // Pauses: refresh, recollateralize, buyback.
    for (target, needle) in [
        (PauseMsg::Refresh, "refresh is paused"),
        (PauseMsg::Recollateralize, "recollateralization is paused"),
        (PauseMsg::Buyback, "buyback is paused"),
    ] {
        s.govern(GovMsg::Pause { target }).unwrap();
        let before = s.snapshot();
        let e = match needle {
            "refresh is paused" => err(s
                .execute(&bob, &ExecuteMsg::RefreshRatio {}, &[])
                .unwrap_err()),
            "recollateralization is paused" => err(s
                .execute(
                    &bob,
                    &ExecuteMsg::Recollateralize {
                        asset: "USDC".into(),
                        min_xms_out: Uint128::zero(),
                    },
                    &[coin(1, "uusdc")],
                )
                .unwrap_err()),
            _ => err(s
                .send(
                    &bob,
                    &xms,
                    units("1", 18),
                    &ReceiveMsg::Buyback {
                        asset: "USDC".into(),
                        min_collateral_out: Uint128::zero(),
                    },
                )
                .unwrap_err()),
        };
        assert!(e.contains(needle), "{e}");
        assert_eq!(s.snapshot(), before);
    }
    let _ = alice;
}

#[test]
fn queries_answer_with_the_cores_numbers() {
    let (mut s, alice) = funded("mars");
    let p: PriceResponse = s.query(&QueryMsg::Price {
        symbol: "XMS".into(),
    });
    assert_eq!(p.spot, dec("2.5"));
    let q: MintQuoteResponse = s.query(&QueryMsg::QuoteMint {
        asset: "USDC".into(),
        amount: units("1000", 6),
    });
    assert_eq!(q.usdm_out, units("998", 18));
    let q: RedeemQuoteResponse = s.query(&QueryMsg::QuoteRedeem {
        usdm: units("100", 18),
        asset: None,
    });
    assert_eq!(q.xms_out, units("39.88", 18), "99.70 / 2.50");
    let id = s.redeem(&alice, units("100", 18), None).unwrap();
    let pending: PendingResponse = s.query(&QueryMsg::PendingRedemptions {
        owner: Some(alice.to_string()),
        start_after: None,
        limit: None,
    });
    assert_eq!(pending.redemptions.len(), 1);
    assert_eq!(pending.redemptions[0].id, id);
    assert_eq!(pending.redemptions[0].xms, units("39.88", 18));
    let supplies: SuppliesResponse = s.query(&QueryMsg::Supplies {});
    assert_eq!(supplies.usdm, s.cw20_supply(&s.usdm));
    assert_eq!(
        supplies.circulating_usdm, supplies.usdm,
        "no protocol-owned USDm yet"
    );
    let cfg: usdm_interface::hub::ConfigResponse = s.query(&QueryMsg::Config {});
    assert_eq!(cfg.assets.len(), 6);
    assert_eq!(cfg.policy, "mars");
}
