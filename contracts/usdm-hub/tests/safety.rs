//! Pauses are honoured and bad input is refused (zero amounts, missing or wrong funds,
//! unknown denoms, fake cw20 contracts, stale prices) with the state exactly as it was.

mod common;
use common::*;
use cosmwasm_std::{coin, coins, Coin, Uint128};
use cw20::Cw20Coin;
use cw_multi_test::Executor;
use usdm_interface::governance::{GovMsg, PauseMsg};
use usdm_interface::hub::{ExecuteMsg, ReceiveMsg};

fn ready() -> (Suite, cosmwasm_std::Addr) {
    let mut s = Suite::new("mars");
    s.open_market();
    let alice = s.addr("alice");
    s.fund(&alice, coin(10u128.pow(15), "uusdc"));
    s.fund(&alice, coin(10u128.pow(12), "ubtc"));
    s.fund(&alice, coin(10u128.pow(15), "uevil"));
    s.mint_native(&alice, "USDC", coin(10u128.pow(12), "uusdc"))
        .unwrap();
    (s, alice)
}

/// Asserts `f` fails with a message containing `needle` and changes nothing.
fn refused(
    s: &mut Suite,
    needle: &str,
    f: impl FnOnce(&mut Suite) -> anyhow::Result<cw_multi_test::AppResponse>,
) {
    let before = s.snapshot();
    let e = err(f(s).expect_err("should be refused"));
    assert!(e.contains(needle), "expected '{needle}' in: {e}");
    assert_eq!(
        s.snapshot(),
        before,
        "refused message changed state ({needle})"
    );
}

#[test]
fn bad_funds_are_refused() {
    let (mut s, alice) = ready();
    let mint = |asset: &str| ExecuteMsg::Mint {
        asset: asset.into(),
        max_xms_in: Uint128::MAX,
        min_usdm_out: Uint128::zero(),
    };
    refused(&mut s, "No funds sent", |s| {
        s.execute(&alice, &mint("USDC"), &[])
    });
    refused(&mut s, "is the native denom uusdc", |s| {
        s.execute(&alice, &mint("USDC"), &coins(5, "ubtc"))
    });
    refused(&mut s, "Sent more than one denomination", |s| {
        s.execute(&alice, &mint("USDC"), &[coin(5, "ubtc"), coin(5, "uusdc")])
    });
    refused(&mut s, "unknown asset", |s| {
        s.execute(&alice, &mint("EVIL"), &coins(5, "uevil"))
    });
    refused(&mut s, "cw20 token", |s| {
        s.execute(&alice, &mint("DAI"), &coins(5, "uusdc"))
    });
    refused(&mut s, "must be greater than zero", |s| {
        s.redeem(&alice, Uint128::zero(), None)
            .map(|_| unreachable_response())
    });
    refused(&mut s, "not a whitelisted denom", |s| {
        s.execute(
            &alice,
            &ExecuteMsg::ReturnFromStrategy {},
            &coins(5, "uevil"),
        )
    });
    refused(&mut s, "accept funds", |s| {
        s.execute(&alice, &ExecuteMsg::Collect { id: 0 }, &coins(5, "uusdc"))
    });
}

fn unreachable_response() -> cw_multi_test::AppResponse {
    unreachable!("a zero redemption cannot succeed")
}

#[test]
fn fake_cw20_collateral_is_refused() {
    let (mut s, alice) = ready();
    // A contract that calls itself "DAI" but is not the whitelisted DAI.
    let code = s.app.store_code(cw20_contract());
    let fake = s
        .app
        .instantiate_contract(
            code,
            alice.clone(),
            &cw20_base::msg::InstantiateMsg {
                name: "Dai Stablecoin".into(),
                symbol: "DAI".into(),
                decimals: 18,
                initial_balances: vec![Cw20Coin {
                    address: alice.to_string(),
                    amount: units("1000000", 18),
                }],
                mint: None,
                marketing: None,
            },
            &[],
            "fake-dai",
            None,
        )
        .unwrap();
    refused(&mut s, "is not a whitelisted token", |s| {
        s.mint_cw20(&alice, &fake, units("1000", 18))
    });
    // USDm cannot mint, collateral cannot redeem.
    let usdm = s.usdm.clone();
    refused(&mut s, "cannot be sent with Mint", |s| {
        s.mint_cw20(&alice, &usdm, units("1", 18))
    });
    let market = s.market.clone();
    let dai = s.dai.clone();
    s.transfer(&dai, &market, &alice, units("10", 18));
    refused(&mut s, "only USDm is redeemed", |s| {
        s.send(
            &alice,
            &dai,
            units("1", 18),
            &ReceiveMsg::Redeem {
                asset: None,
                min_collateral_out: Uint128::zero(),
                min_xms_out: Uint128::zero(),
            },
        )
    });
}

#[test]
fn stale_prices_fail_closed() {
    let (mut s, alice) = ready();
    s.prices.retain(|(sym, _)| sym != "BTC");
    s.advance(101); // 303 s: the BTC price is stale
    refused(&mut s, "BTC is stale", |s| {
        s.mint_native(&alice, "BTC", coin(1000, "ubtc"))
    });
}

#[test]
fn pauses_are_honoured_and_redemption_stays_open() {
    let (mut s, alice) = ready();
    for (target, needle) in [
        (PauseMsg::Mint, "minting is paused"),
        (
            PauseMsg::MintAsset("USDC".into()),
            "minting with USDC is paused",
        ),
    ] {
        s.govern(GovMsg::Pause {
            target: target.clone(),
        })
        .unwrap();
        refused(&mut s, needle, |s| {
            s.mint_native(&alice, "USDC", coin(1000, "uusdc"))
        });
        // Redemption stays open while minting is paused.
        let id = s.redeem(&alice, units("1", 18), None).unwrap();
        s.advance(2);
        s.collect(&alice, id).unwrap();
        s.govern(GovMsg::Unpause { target }).unwrap();
    }
    s.govern(GovMsg::Pause {
        target: PauseMsg::Redeem,
    })
    .unwrap();
    refused(&mut s, "redemption is paused", |s| {
        s.redeem(&alice, units("1", 18), None)
            .map(|_| unreachable_response())
    });
    s.govern(GovMsg::Unpause {
        target: PauseMsg::Redeem,
    })
    .unwrap();
    s.govern(GovMsg::Pause {
        target: PauseMsg::TreasuryOps,
    })
    .unwrap();
    refused(&mut s, "treasury operations are paused", |s| {
        s.treasury(usdm_interface::governance::TreasuryMsg::Grant {
            asset: "USDC".into(),
            amount: Uint128::one(),
            recipient: alice.to_string(),
            memo: "x".into(),
        })
    });
    s.mint_native(&alice, "USDC", coin(1000, "uusdc")).unwrap();
    s.check_custody();
}

#[test]
fn limits_and_slippage_are_enforced() {
    let (mut s, alice) = ready();
    let msg = ExecuteMsg::Mint {
        asset: "USDC".into(),
        max_xms_in: Uint128::MAX,
        min_usdm_out: units("1000", 18),
    };
    refused(&mut s, "below the minimum", |s| {
        s.execute(&alice, &msg, &[coin(1_000_000_000, "uusdc")])
    });
    let send: Vec<Coin> = vec![coin(1, "uusdc")];
    let msg = ExecuteMsg::Mint {
        asset: "USDC".into(),
        max_xms_in: Uint128::MAX,
        min_usdm_out: Uint128::zero(),
    };
    s.execute(&alice, &msg, &send).unwrap();
    refused(&mut s, "no pending redemption with id 42", |s| {
        s.collect(&alice, 42)
    });
}
