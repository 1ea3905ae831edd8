//! Issue 20, review finding (MEDIUM, both ways): the supply cap could be moved by a swap around
//! a hub call. The treasury's claim on a pair was valued at the pair's live reserves, and the
//! one sample taken at the next call stood for all the time since the previous one (a whole
//! epoch after an epoch without a call). Buying 5M XMS from a pair holding protocol liquidity,
//! poking and selling back in one block raised the next cap from $80.00M to $84.91M; selling,
//! poking and buying back cut it below the USDm already out.
//!
//! Here the same attacks, on a pair holding protocol XMS liquidity, must move the caps of the
//! epoch they fall in and of the two after it by less than 0.1% from the caps the same history
//! gives without them. With the two causes put back (live reserves, the sample taken at the
//! call), this deployment's caps moved 0.22% up and 0.29% down: the test fails.

mod common;
use common::*;
use cosmwasm_std::{coin, to_json_binary, Addr, Uint128};
use cw20::Cw20ExecuteMsg;
use cw_multi_test::Executor;
use usdm_interface::governance::TreasuryMsg;
use usdm_interface::hub::ExecuteMsg;

#[derive(Clone, Copy, Debug)]
enum Attack {
    /// Buy XMS with USDm, poke, sell it back.
    BuyPokeSell,
    /// Sell XMS for USDm, poke, buy it back.
    SellPokeBuy,
}

/// Mars with $10M of USDC minted, 400k XMS deposited as collateral, a USDm/XMS pair holding
/// 300k of that XMS as protocol liquidity, and an attacker holding USDm and XMS.
fn deployment() -> (Suite, Addr) {
    let mut s = Suite::new("mars");
    s.open_market();
    let alice = s.addr("alice");
    s.fund(&alice, coin(20_000_000 * 10u128.pow(6), "uusdc"));
    s.mint_native(&alice, "USDC", coin(10_000_000 * 10u128.pow(6), "uusdc"))
        .unwrap();
    let (market, xms) = (s.market.clone(), s.xms.clone());
    s.transfer(&xms, &market, &alice, units("400000", 18));
    s.mint_cw20(&alice, &xms, units("400000", 18)).unwrap();
    let (pair, pool) = s.deploy_pair_of("USDm", "XMS", 600);
    s.treasury(TreasuryMsg::ProvideLiquidity {
        pool,
        asset_amount: units("300000", 18),
    })
    .unwrap();
    let attacker = s.addr("attacker");
    s.fund(&attacker, coin(3_000_000 * 10u128.pow(6), "uusdc"));
    s.mint_native(&attacker, "USDC", coin(2_000_000 * 10u128.pow(6), "uusdc"))
        .unwrap();
    s.transfer(&xms, &market, &attacker, units("1000000", 18));
    for _ in 0..3 {
        s.roll_epoch();
    }
    (s, pair)
}

/// Sends `amount` of `token` to the pair with a swap hook; returns what came back.
fn swap(s: &mut Suite, pair: &Addr, token: &Addr, out: &Addr, amount: Uint128) -> Uint128 {
    let attacker = s.addr("attacker");
    let before = s.cw20(out, &attacker);
    s.app
        .execute_contract(
            attacker.clone(),
            token.clone(),
            &Cw20ExecuteMsg::Send {
                contract: pair.to_string(),
                amount,
                msg: to_json_binary(&usdm_interface::pair::ReceiveMsg::Swap {
                    min_out: Uint128::zero(),
                })
                .unwrap(),
            },
            &[],
        )
        .unwrap();
    s.cw20(out, &attacker) - before
}

fn attack(s: &mut Suite, pair: &Addr, how: Attack) {
    let (usdm, xms) = (s.usdm.clone(), s.xms.clone());
    let attacker = s.addr("attacker");
    let poke = |s: &mut Suite| s.execute(&attacker, &ExecuteMsg::Poke {}, &[]).unwrap();
    match how {
        Attack::BuyPokeSell => {
            let bought = swap(s, pair, &usdm, &xms, units("1900000", 18));
            poke(s);
            swap(s, pair, &xms, &usdm, bought);
        }
        Attack::SellPokeBuy => {
            let got = swap(s, pair, &xms, &usdm, units("900000", 18));
            poke(s);
            swap(s, pair, &usdm, &xms, got);
        }
    }
}

/// When the attack comes.
#[derive(Clone, Copy, Debug)]
enum Quiet {
    /// A minute after the last call, mid-epoch (calls are sparse on a chain).
    Minute,
    /// Early in the epoch after one with no call at all: the call closes that whole epoch.
    Epoch,
}

/// The caps of the epoch the attack (if any) falls in and of the two after it.
fn caps(quiet: Quiet, how: Option<Attack>) -> Vec<Uint128> {
    let (mut s, pair) = deployment();
    // Just before an epoch boundary, prices posted; then no call for `skip` seconds (prices
    // stay fresh throughout: the price age limit is 300 s).
    let to_boundary = s.supply_cap().seconds_to_next_epoch;
    s.advance(to_boundary / BLOCK_SECONDS - 1);
    let skip = match quiet {
        Quiet::Minute => 60,
        Quiet::Epoch => 3 + 180 + 6,
    };
    s.app.update_block(|b| {
        b.height += skip / BLOCK_SECONDS;
        b.time = b.time.plus_seconds(skip);
    });
    match how {
        Some(how) => attack(&mut s, &pair, how),
        None => {
            let someone = s.addr("someone");
            s.execute(&someone, &ExecuteMsg::Poke {}, &[]).unwrap();
        }
    }
    s.advance(0);
    let mut out = vec![s.supply_cap().supply_cap.expect("a cap")];
    for _ in 0..2 {
        s.roll_epoch();
        out.push(s.supply_cap().supply_cap.expect("a cap"));
    }
    out
}

fn assert_unmoved(quiet: Quiet, how: Attack) {
    let honest = caps(quiet, None);
    let attacked = caps(quiet, Some(how));
    for (epoch, (h, a)) in honest.iter().zip(&attacked).enumerate() {
        let moved = h.u128().abs_diff(a.u128());
        assert!(
            moved * 1000 < h.u128(),
            "{how:?} after a quiet {quiet:?}: epoch +{epoch}'s cap moved from {h} to {a} (at most 0.1% allowed)"
        );
    }
}

#[test]
fn a_buy_poke_sell_around_the_hub_does_not_raise_the_cap() {
    assert_unmoved(Quiet::Minute, Attack::BuyPokeSell);
    assert_unmoved(Quiet::Epoch, Attack::BuyPokeSell);
}

#[test]
fn a_sell_poke_buy_around_the_hub_does_not_cut_the_cap() {
    assert_unmoved(Quiet::Minute, Attack::SellPokeBuy);
    assert_unmoved(Quiet::Epoch, Attack::SellPokeBuy);
}
