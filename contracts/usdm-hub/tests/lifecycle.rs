//! The full lifecycle on a simulated chain: tokens, hub and pair; the five tiers; prices;
//! minting in each tier; the share cap and the supply cap; epochs rolled by block time;
//! redemption collected only after the delay; protocol liquidity; a swap; the Frax refresh.
//! After every step the chain's balances must match the core's books.

mod common;
use common::*;
use cosmwasm_std::{coin, Uint128};
use usdm_interface::governance::{GovMsg, TreasuryMsg};
use usdm_interface::hub::{ExecuteMsg, MaxDepositResponse, QueryMsg, TreasuryResponse};

#[test]
fn lifecycle() {
    let mut s = Suite::new("mars");
    let alice = s.addr("alice");

    // Minting fails closed until an epoch has an average XMS market cap.
    s.set_price("USDC", "1");
    s.set_price("XMS", "2.5");
    s.fund(&alice, coin(1_000_000_000_000_000, "uusdc"));
    let e = err(s
        .mint_native(&alice, "USDC", coin(1_000_000, "uusdc"))
        .unwrap_err());
    assert!(e.contains("no supply cap for epoch 0"), "{e}");
    for (sym, p) in [
        ("DAI", "1"),
        ("BTC", "60000"),
        ("ETH", "3000"),
        ("UNI", "10"),
        ("USDm", "1"),
    ] {
        s.set_price(sym, p);
    }
    s.roll_epoch();
    let cap = s.supply_cap();
    assert_eq!(cap.epoch, 1);
    assert_eq!(cap.supply_cap, Some(units("100000000", 18)), "$250M / 250%");

    // One mint per tier, native and cw20 collateral.
    s.mint_native(&alice, "USDC", coin(1_000_000_000_000, "uusdc"))
        .unwrap();
    assert_eq!(s.cw20(&s.usdm, &alice), units("998000", 18), "0.20% fee");
    let market = s.market.clone();
    let dai = s.dai.clone();
    s.transfer(&dai, &market, &alice, units("100000", 18));
    s.mint_cw20(&alice, &dai, units("100000", 18)).unwrap();
    for (asset, denom, amount) in [
        ("BTC", "ubtc", 1_000_000_000u128),
        ("ETH", "aeth", 100 * 10u128.pow(18)),
        ("UNI", "auni", 20_000 * 10u128.pow(18)),
    ] {
        s.fund(&alice, coin(amount, denom));
        s.mint_native(&alice, asset, coin(amount, denom)).unwrap();
        s.check_custody();
    }
    let xms = s.xms.clone();
    s.transfer(&xms, &market, &alice, units("1000000", 18));
    s.mint_cw20(&alice, &xms, units("50000", 18)).unwrap();
    let t: TreasuryResponse = s.query(&QueryMsg::Treasury {});
    assert!(
        t.by_tier.iter().all(|v| !v.is_zero()),
        "every tier holds value: {:?}",
        t.by_tier
    );
    s.check_custody();

    // The share cap: BTC may hold at most 50%; the refusal names the largest deposit.
    let max: MaxDepositResponse = s.query(&QueryMsg::MaxDeposit {
        asset: "BTC".into(),
    });
    let max = max.max_deposit.unwrap();
    s.fund(&alice, coin(max.u128() + 1, "ubtc"));
    let e = err(s
        .mint_native(&alice, "BTC", coin(max.u128() + 1, "ubtc"))
        .unwrap_err());
    assert!(e.contains("at most") && e.contains("BTC"), "{e}");
    s.mint_native(&alice, "BTC", coin(max.u128(), "ubtc"))
        .unwrap();

    // The supply cap: the rest of the $100M, then nothing more this epoch.
    let headroom = s.supply_cap().headroom;
    let e = err(s
        .mint_native(
            &alice,
            "USDC",
            coin(headroom.u128() / 10u128.pow(12) * 2, "uusdc"),
        )
        .unwrap_err());
    assert!(e.contains("exceeds this epoch's supply cap"), "{e}");
    s.check_custody();

    // Epochs roll with block time.
    s.roll_epoch();
    assert_eq!(s.supply_cap().epoch, 2);

    // Redemption: USDm burned at once, XMS collectable only after 2 blocks.
    let usdm_before = s.cw20_supply(&s.usdm);
    let xms_before = s.cw20(&s.xms, &alice);
    let id = s.redeem(&alice, units("1000", 18), None).unwrap();
    assert_eq!(s.cw20_supply(&s.usdm), usdm_before - units("1000", 18));
    let e = err(s.collect(&alice, id).unwrap_err());
    assert!(e.contains("blocks to wait"), "{e}");
    s.advance(2);
    let bob = s.addr("bob");
    s.collect(&bob, id).unwrap();
    // 1,000 USDm less 0.30% at $2.50 = 398.8 XMS, paid to the owner whoever collects.
    assert_eq!(s.cw20(&s.xms, &alice) - xms_before, units("398.8", 18));
    s.check_custody();

    // Protocol-owned liquidity in a USDm/USDC pair, then a swap against it.
    s.deploy_pair();
    s.treasury(TreasuryMsg::ProvideLiquidity {
        pool: 0,
        asset_amount: units("100000", 6),
    })
    .unwrap();
    let pair = s.pair.clone().unwrap();
    assert_eq!(s.native(&pair, "uusdc"), units("100000", 6));
    assert_eq!(s.cw20(&s.usdm, &pair), units("100000", 18));
    s.check_custody();
    let trader = s.addr("trader");
    s.fund(&trader, coin(1_000_000_000, "uusdc"));
    s.swap_usdc(&trader, units("1000", 6)).unwrap();
    assert!(s.cw20(&s.usdm, &trader) > units("980", 18));
    s.check_custody();
    // Sweeping the pair's protocol fees moves them into the treasury.
    s.execute(&trader, &ExecuteMsg::SweepPoolFees { pool: 0 }, &[])
        .unwrap();
    s.check_custody();
    // Withdrawing burns the USDm the pair returns.
    let shares: Uint128 = s
        .app
        .wrap()
        .query_wasm_smart(
            &pair,
            &usdm_interface::pair::QueryMsg::Shares {
                address: s.hub.to_string(),
            },
        )
        .unwrap();
    s.treasury(TreasuryMsg::WithdrawLiquidity { pool: 0, shares })
        .unwrap();
    s.check_custody();
}

#[test]
fn frax_refresh_moves_the_ratio() {
    let mut s = Suite::new("frax");
    s.set_price("USDm", "1.01");
    s.advance(1);
    let anyone = s.addr("anyone");
    s.execute(&anyone, &ExecuteMsg::RefreshRatio {}, &[])
        .unwrap();
    let c: usdm_interface::hub::ConfigResponse = s.query(&QueryMsg::Config {});
    assert_eq!(c.mint_ratio, dec("0.9975"));
    let e = err(s
        .execute(&anyone, &ExecuteMsg::RefreshRatio {}, &[])
        .unwrap_err());
    assert!(e.contains("cooling down"), "{e}");
    s.govern(GovMsg::SetCollateralRatio { cr: dec("0.8") })
        .unwrap();
    let c: usdm_interface::hub::ConfigResponse = s.query(&QueryMsg::Config {});
    assert_eq!(c.mint_ratio, dec("0.8"));
}
