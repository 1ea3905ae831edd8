//! Regression tests for the findings of the independent security review (issue 9), one test
//! (or a few) per finding, named after it. Each failed on the code the review looked at.

mod common;
use common::*;
use ethnum::U256;
use usdm_core::prelude::*;

/// Every tier uncapped, so that deposits are limited only by what the test means to test.
fn uncap_tiers(s: &mut Suite) {
    for tier in Tier::ALL {
        s.govern(GovAction::SetParam {
            change: ParamChange::TierMaxShare {
                tier,
                share: Ratio::ONE,
            },
        });
    }
}

/// `amount` base units of a token worth `dollars` at `price` with `decimals`.
fn worth(dollars: u128, price: &str, decimals: u8) -> Amount {
    // dollars * 10^decimals / price, with price in 18-decimal fixed point.
    let raw =
        U256::from(dollars) * U256::from(10u8).pow(u32::from(decimals)) * U256::from(10u8).pow(18)
            / U256::from(Price::parse(price).unwrap().raw());
    Amount::new(raw.as_u128())
}

// ---- finding 1: pool valuation overflowed -------------------------------------------------

/// Finding 1 (HIGH): the fair-reserves computation multiplied both reserves, a price and a
/// decimal scale in 256 bits and overflowed for 18/18-decimal pools from about $340 a side,
/// which failed every mint once the treasury held a share of such a pool. Pools of every
/// decimal pairing against USDm are now valued from dust to ten trillion dollars a side, and
/// the treasury's claim is what its shares say.
#[test]
fn finding_1_pools_of_every_decimal_pairing_are_valued_from_dust_to_1e13_a_side() {
    for (asset, price_s, decimals) in [("USDC", "1", 6u8), ("BTC", "50000", 8), ("ETH", "3000", 18)]
    {
        let mut s = Suite::new(Preset::Mars);
        // XMS at $1M makes the supply cap $40T, room for the whale's USDm.
        s.set_prices(&[
            ("USDC", "1"),
            ("BTC", "50000"),
            ("ETH", "3000"),
            ("XMS", "1000000"),
            ("USDm", "1"),
        ]);
        s.roll_epoch();
        uncap_tiers(&mut s);
        s.give("whale", "USDC", "30000000000000");
        s.mint("whale", "USDC", "30000000000000").unwrap();
        // The treasury holds some of the asset to pair.
        let seed = worth(1_000_000, price_s, decimals);
        s.give(
            "whale",
            asset,
            &Amount::new(seed.raw() * 100_000_000).to_decimal(decimals),
        );
        s.mint_request(
            "whale",
            &MintRequest::collateral(sym(asset), seed, Amount::ZERO, Amount::ZERO),
        )
        .unwrap();
        let pool = s.create_pool("USDm", asset);
        // Dust: the treasury's own liquidity, one cent a side.
        s.treasury_op(TreasuryOp::ProvideLiquidity {
            pool,
            asset_amount: Amount::new(worth(1, price_s, decimals).raw() / 100),
        })
        .unwrap();
        let treasury_shares = s.p.pool(pool).unwrap().shares_of(&treasury_account());
        assert!(!treasury_shares.is_zero());
        for dollars in [
            1u128,
            340,
            1_000,
            1_000_000,
            34_000_000,
            1_000_000_000,
            1_000_000_000_000,
            10_000_000_000_000,
        ] {
            // The whale tops the pool up to `dollars` a side at the oracle price.
            let p = s.p.pool(pool).unwrap().clone();
            let usdm_side = p.side(USDM).unwrap();
            let want = [
                Amount::new(dollars * 10u128.pow(18)),
                worth(dollars, price_s, decimals),
            ];
            let want = if usdm_side == 0 {
                want
            } else {
                [want[1], want[0]]
            };
            let add = [
                want[0].saturating_sub(p.reserves[0]),
                want[1].saturating_sub(p.reserves[1]),
            ];
            let _ = s.add_liquidity_raw("whale", pool, add);
            let p = s.p.pool(pool).unwrap().clone();
            let side = 1 - p.side(USDM).unwrap();

            // Every query and operation that values the pool works.
            let v =
                s.p.valuation(s.now)
                    .unwrap_or_else(|e| panic!("{asset} ${dollars}: {e}"));
            let circulating = s.p.circulating_usdm(s.now).unwrap();
            s.p.cap_status(s.now).unwrap();
            s.p.max_deposit(sym("BTC"), s.now).unwrap();
            s.p.backing_ratio(s.now).unwrap();
            s.give("minnow", "USDC", "10");
            s.mint("minnow", "USDC", "10")
                .unwrap_or_else(|e| panic!("{asset} ${dollars}: {e}"));

            // The claim is the treasury's share of the reserve (the pool sits at the oracle
            // price, so fair reserves equal the reserves up to rounding).
            let expected = U256::from(treasury_shares.raw()) * U256::from(p.reserves[side].raw())
                / U256::from(p.total_shares.raw());
            let position = v.positions.iter().find(|x| x.symbol == sym(asset)).unwrap();
            let got = U256::from(position.in_pools.raw());
            let tolerance = expected / 1_000_000_000 + 2;
            assert!(
                got.abs_diff(expected) <= tolerance,
                "{asset} ${dollars}: claim {got} vs {expected}"
            );
            // The treasury's USDm in the pool is protocol-owned, not circulating.
            let owned = U256::from(treasury_shares.raw()) * U256::from(p.reserves[1 - side].raw())
                / U256::from(p.total_shares.raw());
            let circulating_expected = U256::from(s.p.supply().usdm.raw()) - owned;
            let tolerance = U256::from(s.p.supply().usdm.raw()) / 1_000_000_000 + 2;
            assert!(
                U256::from(circulating.raw()).abs_diff(circulating_expected) <= tolerance,
                "{asset} ${dollars}: circulating"
            );
        }
    }
}

/// Finding 1 at the edge of the types: a pool whose reserves are both near `u128::MAX` base
/// units is still valued (the fair reserve needs a 512-bit intermediate).
#[test]
fn finding_1_pools_near_the_limit_of_the_types_are_valued() {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("ETH", "3000"), ("XMS", "2.5"), ("USDm", "1")]);
    s.roll_epoch();
    uncap_tiers(&mut s);
    let pool = s.create_pool("ETH", "XMS");
    let big = Amount::new(u128::MAX / 4);
    s.give("whale", "ETH", &big.to_decimal(18));
    s.give_xms("whale", "1000");
    // XMS is scarce in the suite, so pair a huge ETH reserve with a modest XMS one: the fair
    // reserves still multiply two reserves, a price and a scale far beyond 256 bits.
    s.add_liquidity_raw("whale", pool, [big, amt("1000", 18)])
        .unwrap();
    let fair = s.p.fair_reserves(
        s.p.pool(pool).unwrap(),
        s.now.seconds,
        usdm_core::treasury::PriceMode::Spot,
    );
    // The fair ETH reserve is sqrt(k * P_xms / P_eth): it exists and keeps k.
    let [f0, f1] = fair.unwrap();
    let k = U256::from(big.raw()) * U256::from(amt("1000", 18).raw());
    let k_fair = U256::from(f0.raw()) * U256::from(f1.raw());
    assert!(k_fair <= k && k - k_fair <= U256::from(f0.raw()) + U256::from(f1.raw()));
}

// ---- finding 2: the share cap read a pool-priced token's spot ------------------------------

/// A treasury of $9M USDC and $1M XMS, XMS priced by a XMS/USDm pool whose history covers the
/// TWAP window, and an attacker holding USDm and BTC.
fn treasury_with_pool_priced_xms() -> (Suite, PoolId) {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[
        ("USDC", "1"),
        ("BTC", "50000"),
        ("XMS", "2.5"),
        ("USDm", "1"),
    ]);
    s.roll_epoch();
    s.give("lp", "USDC", "3000000");
    s.mint("lp", "USDC", "3000000").unwrap();
    s.give_xms("lp", "1000000");
    let pool = s.create_pool("XMS", "USDm");
    s.add_liquidity("lp", pool, ["400000", "1000000"]).unwrap();
    s.govern(GovAction::SetPriceSource {
        symbol: XMS,
        source: PriceSource::Pool { pool },
    });
    s.prices.remove(&XMS);
    for _ in 0..5 {
        s.roll_epoch();
    }
    // The treasury: $9M of USDC (the LP's $3M, the attacker's $0.6M and $5.4M more) and $1M
    // of XMS (10%, its cap).
    s.give("whale", "USDC", "5400000");
    s.mint("whale", "USDC", "5400000").unwrap();
    s.give("attacker", "USDC", "600000");
    s.mint("attacker", "USDC", "600000").unwrap();
    s.give_xms("whale", "400000");
    s.mint("whale", "XMS", "400000").unwrap();
    s.give("attacker", "BTC", "1000");
    (s, pool)
}

/// Finding 2 (MEDIUM): the share cap valued the treasury at spot, so pumping a pool-priced
/// token's spot inside one transaction raised the largest acceptable deposit (measured: from
/// 187.46 to 320.11 BTC) and let BTC end at 63% of treasury value against its 50% cap. The cap
/// now values the deposited asset at the higher of spot and TWAP and the rest at the lower,
/// so the pump can only tighten it, and the query agrees with the check to the base unit.
#[test]
fn finding_2_pumping_a_pool_priced_token_cannot_loosen_the_share_cap() {
    let (mut s, pool) = treasury_with_pool_priced_xms();
    let btc = sym("BTC");
    let before = s.p.max_deposit(btc, s.now).unwrap().unwrap();
    // $10M treasury, BTC at most 50%: (0.5 * 10M - 0) / 0.5 = $10M = 200 BTC at $50,000 (the
    // rounding of the fees keeps it a hair under).
    assert!(
        before <= amt("200", 8) && before > amt("199.5", 8),
        "{before:?}"
    );

    // The attacker pumps XMS's spot price with 500k USDm.
    s.swap("attacker", pool, "USDm", "500000").unwrap();
    let q = s.p.price(XMS, s.now).unwrap();
    assert!(q.spot > price("5"), "spot pumped: {}", q.spot);
    let after = s.p.max_deposit(btc, s.now).unwrap().unwrap();
    assert!(
        after <= before,
        "the pump raised the cap: {after:?} > {before:?}"
    );

    // The query agrees with the check: its answer is accepted, one base unit more is not.
    let one_more = Amount::new(after.raw() + 1);
    let refused = s.mint_request(
        "attacker",
        &MintRequest::collateral(btc, one_more, Amount::ZERO, Amount::ZERO),
    );
    assert!(
        matches!(refused, Err(Error::ShareCapExceeded { ref max_deposit, .. }) if max_deposit.amount == after),
        "{refused:?}"
    );
    s.mint_request(
        "attacker",
        &MintRequest::collateral(btc, after, Amount::ZERO, Amount::ZERO),
    )
    .unwrap();

    // The attacker unwinds the pump: BTC is within its cap at spot prices.
    let xms = s.balance(&Account::new("attacker"), XMS);
    s.swap_raw("attacker", pool, XMS, xms).unwrap();
    let v = s.p.valuation(s.now).unwrap();
    let btc_value = v.positions.iter().find(|p| p.symbol == btc).unwrap().value;
    let share = U256::from(btc_value.raw()) * U256::from(10_000u32) / U256::from(v.total.raw());
    assert!(
        share <= U256::from(5_000u32),
        "BTC at {share} bps of treasury value"
    );
}

// ---- finding 3: unregistering a pair froze its pool ----------------------------------------

/// A governance action that must be refused and change nothing.
fn refused(s: &mut Suite, action: GovAction) -> Error {
    let before = s.p.clone();
    let gov = s.gov.clone();
    let e =
        s.p.govern(&gov, action, s.now)
            .expect_err("should be refused");
    assert_eq!(s.p, before, "a refused action changed the state: {e}");
    e
}

/// Finding 3 (MEDIUM): after a pair was unregistered its pool stayed in the core with its last
/// state: a token it priced kept a price that never went stale, the treasury's liquidity in it
/// could not be withdrawn yet was still valued, and the pair could never be registered again.
/// Retiring a pool is now refused while it prices a token, holds treasury liquidity or
/// unswept fees; a retired pool neither trades nor prices; a new pool of its tokens may be
/// created.
#[test]
fn finding_3_a_pool_is_retired_only_once_nothing_depends_on_it() {
    let (mut s, pool) = treasury_with_pool_priced_xms();
    let e = refused(&mut s, GovAction::RetirePool { pool });
    assert!(
        matches!(&e, Error::PoolInUse { reason, .. } if reason.contains("prices XMS")),
        "{e}"
    );
    // XMS back on a feed; the treasury provides liquidity to a USDm/USDC pool.
    s.govern(GovAction::SetPriceSource {
        symbol: XMS,
        source: PriceSource::Feed,
    });
    s.set_price("XMS", "2.5");
    let usdc_pool = s.create_pool("USDm", "USDC");
    s.treasury_op(TreasuryOp::ProvideLiquidity {
        pool: usdc_pool,
        asset_amount: amt("100000", 6),
    })
    .unwrap();
    let e = refused(&mut s, GovAction::RetirePool { pool: usdc_pool });
    assert!(
        matches!(&e, Error::PoolInUse { reason, .. } if reason.contains("treasury holds")),
        "{e}"
    );
    let shares = s.p.pool(usdc_pool).unwrap().shares_of(&treasury_account());
    s.treasury_op(TreasuryOp::WithdrawLiquidity {
        pool: usdc_pool,
        shares,
    })
    .unwrap();

    // The XMS pool: a swap leaves protocol fees in it; they must be swept first.
    s.swap("attacker", pool, "USDm", "1000").unwrap();
    let e = refused(&mut s, GovAction::RetirePool { pool });
    assert!(
        matches!(&e, Error::PoolInUse { reason, .. } if reason.contains("unswept")),
        "{e}"
    );
    s.sweep(pool);
    s.govern(GovAction::RetirePool { pool });
    assert!(s.p.pool(pool).unwrap().retired);

    // Retired: no swaps, no new liquidity, no price source; withdrawing still works.
    let retired = |r: Result<SwapQuote>| matches!(r, Err(Error::PoolRetired { .. }));
    assert!(retired(s.swap("attacker", pool, "USDm", "1000")));
    assert!(matches!(
        s.add_liquidity("lp", pool, ["1", "1"]),
        Err(Error::PoolRetired { .. })
    ));
    let e = refused(
        &mut s,
        GovAction::SetPriceSource {
            symbol: XMS,
            source: PriceSource::Pool { pool },
        },
    );
    assert!(matches!(e, Error::PoolRetired { .. }), "{e}");
    assert!(matches!(
        refused(&mut s, GovAction::RetirePool { pool }),
        Error::PoolRetired { .. }
    ));
    let lp_shares = s.p.pool(pool).unwrap().shares_of(&Account::new("lp"));
    s.remove_liquidity("lp", pool, lp_shares).unwrap();

    // A new pool of the same tokens can be created, and becomes a price source in time.
    let again = s.create_pool("XMS", "USDm");
    assert_ne!(again, pool);
    s.give_xms("lp", "100000");
    s.add_liquidity("lp", again, ["100000", "250000"]).unwrap();
    for _ in 0..5 {
        s.roll_epoch();
    }
    s.govern(GovAction::SetPriceSource {
        symbol: XMS,
        source: PriceSource::Pool { pool: again },
    });
    s.prices.remove(&XMS);
    assert_eq!(s.p.price(XMS, s.now).unwrap().spot, price("2.5"));
}

// ---- finding 4: raising the TWAP window broke pool prices ----------------------------------

/// Finding 4 (LOW): a pool's checkpoints are spaced for the window it was created with; after
/// the protocol's window was raised from 600 s to 1,800 s a pool covered only 1,209 s, never
/// qualified as a price again, and Mars redemptions and the supply cap stopped. The change is
/// now refused while a price-source pool cannot cover it.
#[test]
fn finding_4_the_twap_window_cannot_outgrow_a_price_source_pool() {
    let (mut s, pool) = treasury_with_pool_priced_xms();
    let e = refused(
        &mut s,
        GovAction::SetParam {
            change: ParamChange::TwapWindow(1_800),
        },
    );
    assert!(
        matches!(
            e,
            Error::TwapWindowUncovered {
                window: 1_800,
                pool_window: 600,
                ..
            }
        ),
        "{e}"
    );
    // A shorter window is covered, and so is the pool's own again: the XMS price, Mars
    // redemptions and the supply cap keep working.
    s.govern(GovAction::SetParam {
        change: ParamChange::TwapWindow(300),
    });
    s.p.price(XMS, s.now).unwrap();
    s.govern(GovAction::SetParam {
        change: ParamChange::TwapWindow(600),
    });
    s.roll_epoch();
    let supply_before = s.p.supply().usdm;
    s.redeem("lp", "100", None).unwrap();
    assert!(s.p.supply().usdm < supply_before, "Mars redemptions work");
    s.p.cap_status(s.now).unwrap().supply_cap.unwrap();
    s.p.price(XMS, s.now).unwrap();
    assert_eq!(s.p.pool(pool).unwrap().twap_window, 600);

    // A pool created under a 300 s window spaces its checkpoints for 300 s: once it prices
    // USDm, the window cannot go back to 600 s.
    s.govern(GovAction::SetParam {
        change: ParamChange::TwapWindow(300),
    });
    let usdc_pool = s.create_pool("USDm", "USDC");
    assert_eq!(s.p.pool(usdc_pool).unwrap().twap_window, 300);
    s.give("lp2", "USDC", "200000");
    s.mint("lp2", "USDC", "100000").unwrap();
    s.add_liquidity("lp2", usdc_pool, ["50000", "50000"])
        .unwrap();
    for _ in 0..5 {
        s.roll_epoch();
    }
    s.govern(GovAction::SetPriceSource {
        symbol: USDM,
        source: PriceSource::Pool { pool: usdc_pool },
    });
    s.prices.remove(&USDM);
    let e = refused(
        &mut s,
        GovAction::SetParam {
            change: ParamChange::TwapWindow(600),
        },
    );
    assert!(
        matches!(e, Error::TwapWindowUncovered { pool_window: 300, symbol, .. } if symbol == USDM),
        "{e}"
    );
    // And a pool whose window is shorter than the protocol's cannot become a source.
    s.govern(GovAction::SetPriceSource {
        symbol: USDM,
        source: PriceSource::Feed,
    });
    s.set_price("USDm", "1");
    s.govern(GovAction::SetParam {
        change: ParamChange::TwapWindow(600),
    });
    let e = refused(
        &mut s,
        GovAction::SetPriceSource {
            symbol: USDM,
            source: PriceSource::Pool { pool: usdc_pool },
        },
    );
    assert!(matches!(e, Error::TwapWindowUncovered { .. }), "{e}");
}
