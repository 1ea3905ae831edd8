//! How redemption prices the XMS it mints: protocol-favouring max(spot, TWAP) by default, the
//! TWAP alone under the `iron` study preset. Expected amounts are computed here from the SPEC 5
//! formula, `Z = F(1 - fee) / Pz` rounded down.

mod common;
use common::*;
use usdm_core::params::SharePricing;
use usdm_core::prelude::*;

const WAD: u128 = 1_000_000_000_000_000_000;

/// A Mars deployment with 100,000 USDm minted, no fees, XMS at $2.50 for a whole TWAP window
/// and then at `spot`.
fn deployment(spot: &str) -> Suite {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5"), ("USDm", "1")]);
    s.roll_epoch();
    s.zero_fees();
    s.give("alice", "USDC", "100000");
    s.mint("alice", "USDC", "100000").unwrap();
    s.advance_seconds(700);
    s.set_price("XMS", spot);
    s
}

/// $1,000 of XMS at `p`, rounded down (256-bit intermediate).
fn xms_at(p: Price) -> u128 {
    (ethnum::U256::from(1000 * WAD) * ethnum::U256::from(WAD) / ethnum::U256::from(p.raw()))
        .as_u128()
}

fn xms_for_1000(s: &Suite) -> Amount {
    let req = RedeemRequest::new(usdm("1000"), None);
    s.p.quote_redeem(&req, s.now).unwrap().xms_out
}

fn set(s: &mut Suite, pricing: SharePricing) {
    s.govern(GovAction::SetParam {
        change: ParamChange::RedemptionSharePricing(pricing),
    });
}

#[test]
fn a_rising_share_token_pays_more_xms_under_twap_pricing() {
    // Spot $5 over a TWAP still near $2.50: max(spot, TWAP) = $5 pays 200 XMS for $1,000;
    // the TWAP alone pays about 400, worth $2,000 at spot. That is the gift Iron handed out.
    let mut s = deployment("5");
    let twap = s.p.price(XMS, s.now).unwrap().twap;
    assert!(twap < price("2.6") && twap >= price("2.5"), "{twap:?}");
    assert_eq!(xms_for_1000(&s), Amount::new(200 * WAD));
    set(&mut s, SharePricing::Twap);
    let at_twap = xms_for_1000(&s);
    assert_eq!(at_twap.raw(), xms_at(twap));
    assert!(at_twap.raw() > 380 * WAD);
}

#[test]
fn a_falling_share_token_is_priced_at_the_twap_either_way() {
    // Spot $1 under a TWAP near $2.50: max(spot, TWAP) is the TWAP, so the two rules agree.
    let mut s = deployment("1");
    let twap = s.p.price(XMS, s.now).unwrap().twap;
    let want = Amount::new(xms_at(twap));
    assert_eq!(xms_for_1000(&s), want);
    set(&mut s, SharePricing::Twap);
    assert_eq!(xms_for_1000(&s), want);
}

#[test]
fn the_iron_preset_prices_by_twap_mints_at_70_percent_and_redeems_at_75() {
    assert_eq!(
        Preset::Iron.params().redemption_share_pricing,
        SharePricing::Twap
    );
    assert_eq!(Preset::Iron.policy(), PolicyKind::Frax);
    assert_eq!(Preset::Iron.fixed_collateral_ratio(), Some(ratio("0.7")));
    assert_eq!(Preset::Iron.fixed_redemption_ratio(), Some(ratio("0.75")));
    assert!(Preset::Iron.params().breakers.redemption_outflow.is_none());
    for p in [Preset::Mars, Preset::MarsGuarded, Preset::Frax] {
        assert_eq!(
            p.params().redemption_share_pricing,
            SharePricing::ProtocolFavouring
        );
        assert_eq!(p.fixed_collateral_ratio(), None);
        assert_eq!(p.fixed_redemption_ratio(), None);
    }
    assert_eq!("iron".parse::<Preset>().unwrap(), Preset::Iron);
    assert_eq!("twap".parse::<SharePricing>().unwrap(), SharePricing::Twap);
    let e = "spot".parse::<SharePricing>().unwrap_err();
    assert!(e.to_string().contains("protocol-favouring, twap"), "{e}");
}
