//! Issue 20, review finding (MEDIUM, both ways): the supply cap must not move with a swap around
//! an operation. The treasury holds liquidity in an XMS/USDm pool; an attacker swaps a large
//! amount through it, pokes the protocol and swaps back, all in one block. The next epoch's
//! cap must stay within 0.1% of the cap the same history gives without the attack.
//!
//! In the core every swap is itself an operation, which accrues the market cap before it
//! changes anything; on a chain the pairs are contracts of their own and a swap there is no
//! hub operation (`contracts/usdm-hub/tests/cap_manipulation.rs` attacks the hub that way).
//! What the core alone can show: with XMS priced by its pool, a sell, a poke and a buy moved
//! the cap by 0.4% before the fix (the market-cap price was the pool's spot when below its
//! TWAP); now the sample prices a pool-priced XMS at its TWAP, in which a swap undone in the
//! same block weighs nothing.

mod common;
use common::*;
use usdm_core::prelude::*;

/// Which way the attacker swaps first.
#[derive(Clone, Copy, Debug)]
enum Attack {
    /// Buy XMS (USDm in), poke, sell it back.
    BuyPokeSell,
    /// Sell XMS (XMS in), poke, buy it back.
    SellPokeBuy,
}

/// Mars with USDC and XMS whitelisted, $10M minted, and an XMS/USDm pool holding 400k XMS of
/// the treasury's (paired with minted USDm) next to 500k XMS of an outside provider's.
fn deployment(xms_from_pool: bool) -> (Suite, PoolId) {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2"), ("USDm", "1")]);
    s.roll_epoch();
    s.give("alice", "USDC", "10000000");
    s.mint("alice", "USDC", "10000000").unwrap();
    s.give_xms("alice", "500000");
    s.mint("alice", "XMS", "500000").unwrap();
    let pool = s.create_pool("XMS", "USDm");
    s.treasury_op(TreasuryOp::ProvideLiquidity {
        pool,
        asset_amount: amt("400000", 18),
    })
    .unwrap();
    s.give("lp", "USDC", "2000000");
    s.mint("lp", "USDC", "1100000").unwrap();
    s.give_xms("lp", "500000");
    s.add_liquidity("lp", pool, ["500000", "1000000"]).unwrap();
    if xms_from_pool {
        s.govern(GovAction::SetPriceSource {
            symbol: XMS,
            source: PriceSource::Pool { pool },
        });
        s.prices.remove(&XMS);
    }
    // Several epochs, so the pool's history covers the TWAP window and caps are settled.
    for _ in 0..5 {
        s.roll_epoch();
    }
    s.give("attacker", "USDC", "4000000");
    s.mint("attacker", "USDC", "3000000").unwrap();
    s.give_xms("attacker", "2000000");
    (s, pool)
}

/// The swap, the poke and the swap back, in the current block.
fn attack(s: &mut Suite, pool: PoolId, how: Attack) {
    let who = Account::new("attacker");
    match how {
        Attack::BuyPokeSell => {
            let xms_before = s.balance(&who, XMS);
            s.swap("attacker", pool, "USDm", "2000000").unwrap();
            poke(s);
            let bought = s.balance(&who, XMS).raw() - xms_before.raw();
            s.swap_raw("attacker", pool, XMS, Amount::new(bought))
                .unwrap();
        }
        Attack::SellPokeBuy => {
            let usdm_before = s.balance(&who, USDM);
            s.swap("attacker", pool, "XMS", "1500000").unwrap();
            poke(s);
            let got = s.balance(&who, USDM).raw() - usdm_before.raw();
            s.swap_raw("attacker", pool, USDM, Amount::new(got))
                .unwrap();
        }
    }
}

fn poke(s: &mut Suite) {
    let now = s.now;
    run_core!(s, "poke", |p| p.poke(now)).unwrap();
}

/// The cap of the epoch after the one in which `attack` (if any) happens `offset` seconds
/// before its end; with `idle`, the whole epoch before that one passes with no operation.
fn next_cap(xms_from_pool: bool, idle: bool, how: Option<Attack>) -> Usd {
    let (mut s, pool) = deployment(xms_from_pool);
    let e = s.p.params().epoch_seconds;
    let status = s.p.cap_status(s.now).unwrap();
    if idle {
        // No operation for a whole epoch: prices stay fresh (the price age limit is longer
        // than an epoch) and nobody calls until the attacker, early in the epoch after.
        s.now = s.now.advance(
            (status.seconds_to_next_epoch + e) / BLOCK_SECONDS + 2,
            BLOCK_SECONDS,
        );
    } else {
        // Mid-epoch, with ordinary traffic before it.
        s.advance(status.seconds_to_next_epoch / BLOCK_SECONDS / 2);
    }
    if let Some(how) = how {
        attack(&mut s, pool, how);
    }
    s.roll_epoch();
    s.roll_epoch();
    s.p.cap_status(s.now).unwrap().supply_cap.unwrap()
}

fn assert_unmoved(xms_from_pool: bool, idle: bool, how: Attack) {
    let honest = next_cap(xms_from_pool, idle, None);
    let attacked = next_cap(xms_from_pool, idle, Some(how));
    let moved = honest.raw().abs_diff(attacked.raw());
    assert!(
        moved * 1000 < honest.raw(),
        "{how:?} (XMS priced by {}, {}): the cap moved by {moved} from {} to {} (at most 0.1% allowed)",
        if xms_from_pool { "its pool" } else { "feeds" },
        if idle { "after an idle epoch" } else { "mid-epoch" },
        honest.raw(),
        attacked.raw()
    );
}

#[test]
fn a_buy_poke_sell_does_not_raise_the_cap() {
    assert_unmoved(false, false, Attack::BuyPokeSell);
    assert_unmoved(false, true, Attack::BuyPokeSell);
}

#[test]
fn a_sell_poke_buy_does_not_cut_the_cap() {
    assert_unmoved(false, false, Attack::SellPokeBuy);
    assert_unmoved(false, true, Attack::SellPokeBuy);
}

#[test]
fn neither_moves_the_cap_when_xms_is_priced_by_the_pool() {
    for how in [Attack::BuyPokeSell, Attack::SellPokeBuy] {
        assert_unmoved(true, false, how);
        assert_unmoved(true, true, how);
    }
}

/// The record is what the operation left behind: a state that lasted no time weighs nothing,
/// and the sample a call records is not stretched back over the time before it.
#[test]
fn each_operation_records_the_market_cap_it_leaves() {
    let (mut s, pool) = deployment(false);
    let mcap = |s: &Suite| s.p.mintage().sample.unwrap().mcap.unwrap().raw();
    let before = mcap(&s);
    s.swap("attacker", pool, "USDm", "2000000").unwrap();
    let after = mcap(&s);
    // Only the fee the swap leaves in the pool (its `k` grows) moves the treasury's claim.
    assert!(
        before.abs_diff(after) * 10_000 < before,
        "a swap moves live reserves, not the fair-reserve claim the market cap counts: {before} -> {after}"
    );
    let recorded = *s.p.mintage();
    s.redeem("attacker", "0", Some("USDC")).unwrap_err();
    assert_eq!(*s.p.mintage(), recorded, "a refusal records nothing");
}
