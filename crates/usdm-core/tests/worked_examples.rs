//! SPEC 12 worked examples A-G, run through the full protocol (prices, epochs, caps, policy),
//! not only the pure formulas. Expected values are the SPEC's, written here by hand.

mod common;
use common::*;
use usdm_core::prelude::*;

/// Prices posted and one epoch rolled, so the cap exists and TWAP equals spot.
fn ready(mut s: Suite, prices: &[(&str, &str)]) -> Suite {
    s.set_prices(prices);
    s.roll_epoch();
    s
}

#[test]
fn a_full_collateral_mint() {
    let mut s = ready(Suite::frax_at("1"), &[("USDC", "1"), ("XMS", "2")]);
    s.give("alice", "USDC", "200");
    let q = s.mint("alice", "USDC", "200").unwrap();
    assert_eq!(q.xms_in, Amount::ZERO);
    assert_eq!(q.usdm_out, usdm("200"));
    assert_eq!(s.balance(&Account::new("alice"), USDM), usdm("200"));
}

#[test]
fn b_fractional_mint_at_80_percent() {
    let mut s = ready(Suite::frax_at("0.8"), &[("USDC", "1"), ("XMS", "2")]);
    s.give("alice", "USDC", "120");
    s.give_xms("alice", "100");
    let q = s.mint("alice", "USDC", "120").unwrap();
    assert_eq!(q.xms_in, usdm("15"));
    assert_eq!(q.usdm_out, usdm("150"));
    assert_eq!(s.balance(&Account::new("alice"), XMS), usdm("85"));
}

#[test]
fn c_fractional_mint_rounds_xms_up_and_ignores_the_frax_misprint() {
    let mut s = ready(Suite::frax_at("0.5"), &[("USDC", "0.9995"), ("XMS", "3.5")]);
    s.give("alice", "USDC", "220");
    s.give_xms("alice", "100");
    let q = s.mint("alice", "USDC", "220").unwrap();
    assert_eq!(q.collateral_value, usd("219.89"));
    assert_eq!(q.xms_in, usdm("62.825714285714285715"));
    assert_eq!(q.usdm_out, usdm("439.78"));
    assert_ne!(q.usdm_out, usdm("437.78"), "the Frax page's misprint");
}

#[test]
fn d_fractional_redemption_rounds_xms_down() {
    let mut s = ready(Suite::frax_at("1"), &[("USDC", "1"), ("XMS", "3.75")]);
    s.give("alice", "USDC", "200");
    s.mint("alice", "USDC", "200").unwrap();
    s.govern(GovAction::SetCollateralRatio { cr: ratio("0.65") });
    let pending = s.redeem("alice", "170", Some("USDC")).unwrap();
    assert_eq!(pending.collateral, amt("110.5", 6));
    assert_eq!(pending.xms, usdm("15.866666666666666666"));
    s.advance(2);
    s.collect(pending.id).unwrap();
    let alice = Account::new("alice");
    assert_eq!(s.balance(&alice, sym("USDC")), amt("110.5", 6));
    assert_eq!(s.balance(&alice, XMS), usdm("15.866666666666666666"));
    assert_eq!(s.balance(&alice, USDM), usdm("30"));
}

#[test]
fn e_mars_mint_with_fee() {
    let mut s = ready(Suite::new(Preset::Mars), &[("USDC", "1"), ("XMS", "2.5")]);
    s.give("alice", "USDC", "1000");
    let q = s.mint("alice", "USDC", "1000").unwrap();
    assert_eq!(q.usdm_out, usdm("998"));
    assert_eq!(q.fee, usd("2"));
    assert_eq!(s.p.fee_totals().unwrap().mint, usd("2"));
}

#[test]
fn f_mars_redemption_into_xms_with_fee() {
    let mut s = ready(Suite::new(Preset::Mars), &[("USDC", "1"), ("XMS", "0.5")]);
    s.give("alice", "USDC", "1000");
    s.mint("alice", "USDC", "1000").unwrap();
    let collected = s.redeem_and_collect("alice", "100", None);
    assert_eq!(collected.xms, usdm("199.4"));
    assert_eq!(collected.collateral, Amount::ZERO);
    assert_eq!(s.balance(&Account::new("alice"), XMS), usdm("199.4"));
    assert_eq!(s.p.fee_totals().unwrap().redeem, usd("0.3"));
}

#[test]
fn g_supply_cap_from_the_average_xms_market_cap() {
    // 100M XMS at $2.50 = $250M market cap; 250% support => $100M cap.
    let mut s = ready(Suite::new(Preset::Mars), &[("USDC", "1"), ("XMS", "2.5")]);
    s.zero_fees();
    let status = s.p.cap_status(s.now).unwrap();
    assert_eq!(status.average_mcap, Some(usd("250000000")));
    assert_eq!(status.supply_cap, Some(usd("100000000")));
    s.give("whale", "USDC", "50000000");
    s.mint("whale", "USDC", "50000000").unwrap();
    let status = s.p.cap_status(s.now).unwrap();
    assert_eq!(status.circulating_usdm, usd("50000000"));
    assert_eq!(status.headroom, usd("50000000"));
    // Next epoch the average is $275M => cap $110M.
    s.set_price("XMS", "2.75");
    s.roll_epoch();
    s.roll_epoch();
    let status = s.p.cap_status(s.now).unwrap();
    assert_eq!(status.average_mcap, Some(usd("275000000")));
    assert_eq!(status.supply_cap, Some(usd("110000000")));
    assert_eq!(status.headroom, usd("60000000"));
}

#[test]
fn g_cap_binds_with_the_headroom_in_the_error() {
    let mut s = ready(Suite::new(Preset::Mars), &[("USDC", "1"), ("XMS", "2.5")]);
    s.zero_fees();
    s.give("whale", "USDC", "100000001");
    s.mint("whale", "USDC", "60000000").unwrap();
    let err = s.mint("whale", "USDC", "40000001").unwrap_err();
    assert_eq!(
        err,
        Error::SupplyCapExceeded {
            requested: usd("40000001"),
            cap: usd("100000000"),
            headroom: usd("40000000"),
        }
    );
    s.mint("whale", "USDC", "40000000").unwrap();
    // Redemption is never limited by the cap.
    s.redeem_and_collect("whale", "1000", None);
}
