//! Mars Swap through the protocol: swaps, liquidity, fees, pool-sourced prices, and the
//! manipulation resistance of protocol-favouring valuation.

mod common;
use common::*;
use usdm_core::prelude::*;

/// Mars suite with USDC, XMS and USDm priced, a USDm/USDC pool holding 1M of each from "lp".
fn with_pool() -> (Suite, PoolId) {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5"), ("USDm", "1")]);
    s.roll_epoch();
    s.give("lp", "USDC", "3000000");
    s.mint("lp", "USDC", "2000000").unwrap();
    let pool = s.create_pool("USDm", "USDC");
    s.add_liquidity("lp", pool, ["1000000", "1000000"]).unwrap();
    (s, pool)
}

#[test]
fn a_swap_follows_the_constant_product_with_a_thirty_bps_fee() {
    let (mut s, pool) = with_pool();
    s.give("trader", "USDC", "10000");
    let q = s.swap("trader", pool, "USDC", "10000").unwrap();
    // out = 1e6 * (10000 * 0.997) / (1e6 + 9970) USDm, rounded down at 18 decimals.
    assert_eq!(q.amount_out, usdm("9871.580343970612988504"));
    assert_eq!(q.fee, amt("30", 6));
    assert_eq!(q.protocol_fee, amt("5", 6));
    let p = s.p.pool(pool).unwrap();
    assert_eq!(p.protocol_fees[1], amt("5", 6));
    assert_eq!(
        p.reserves[1],
        amt("1009995", 6),
        "LP share of the fee stays in the reserves"
    );
}

#[test]
fn sweeping_fees_credits_the_treasury_and_burns_usdm() {
    let (mut s, pool) = with_pool();
    s.give("trader", "USDC", "10000");
    s.swap("trader", pool, "USDC", "10000").unwrap();
    let usdm_out = s.balance(&Account::new("trader"), USDM);
    s.swap_raw("trader", pool, USDM, usdm_out).unwrap();
    let treasury_usdc = s.p.holding(0).unwrap().balance;
    let supply = s.p.supply().usdm;
    let fees = s.sweep(pool);
    assert_eq!(
        s.p.holding(0).unwrap().balance,
        Amount::new(treasury_usdc.raw() + fees[1].raw())
    );
    assert_eq!(s.p.supply().usdm, Amount::new(supply.raw() - fees[0].raw()));
    assert_eq!(s.p.pool(pool).unwrap().protocol_fees, [Amount::ZERO; 2]);
}

#[test]
fn swap_and_liquidity_errors() {
    let (mut s, pool) = with_pool();
    s.give("trader", "USDC", "100");
    let req = SwapRequest {
        pool,
        token_in: sym("USDC"),
        amount_in: amt("100", 6),
        min_out: usdm("100"),
    };
    let err =
        s.p.clone()
            .swap(&Account::new("trader"), &req, s.now)
            .unwrap_err();
    assert!(matches!(err, Error::SlippageExceeded { .. }), "{err}");
    let req = SwapRequest {
        pool: 7,
        token_in: sym("USDC"),
        amount_in: amt("1", 6),
        min_out: Amount::ZERO,
    };
    assert!(matches!(
        s.p.clone().swap(&Account::new("trader"), &req, s.now),
        Err(Error::UnknownPool { pool: 7, .. })
    ));
    assert!(matches!(
        s.swap("trader", pool, "BTC", "1"),
        Err(Error::NotInPool { .. })
    ));
    assert!(matches!(
        s.swap_raw("trader", pool, sym("USDC"), Amount::ZERO),
        Err(Error::ZeroAmount { .. })
    ));
    let empty = s.create_pool("USDm", "DAI");
    s.give("trader", "DAI", "1");
    assert_eq!(
        s.swap("trader", empty, "DAI", "1").unwrap_err(),
        Error::EmptyPool
    );
    assert!(matches!(
        s.add_liquidity(
            "lp",
            empty,
            ["0.000000000000000001", "0.000000000000000001"]
        ),
        Err(Error::OutputTooSmall { .. })
    ));
    let err = s
        .remove_liquidity("trader", pool, Amount::new(1))
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientShares { .. }), "{err}");
}

#[test]
fn bad_pools_are_refused() {
    let (s, _) = with_pool();
    let g = s.gov.clone();
    for (tokens, why) in [
        (["USDm", "USDm"], "must differ"),
        (["USDC", "USDm"], "exists already"),
        (["USDm", "DOGE"], "USDm, XMS or whitelisted"),
    ] {
        let err =
            s.p.clone()
                .govern(
                    &g,
                    GovAction::CreatePool {
                        tokens: [sym(tokens[0]), sym(tokens[1])],
                    },
                    s.now,
                )
                .unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
    }
}

#[test]
fn the_first_depositor_cannot_inflate_the_share_price() {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5")]);
    s.roll_epoch();
    s.give("attacker", "USDC", "2000000");
    s.mint("attacker", "USDC", "1000000").unwrap();
    let pool = s.create_pool("USDm", "USDC");
    // The smallest deposit that mints anything: 1,000 shares are locked forever.
    let q = s
        .add_liquidity_raw("attacker", pool, [Amount::new(1_001), Amount::new(1_001)])
        .unwrap();
    assert_eq!(q.shares, Amount::new(1));
    assert_eq!(s.p.pool(pool).unwrap().total_shares, Amount::new(1_001));
    // The attacker skews the pool with a large swap so one share is worth a lot.
    s.swap("attacker", pool, "USDC", "100000").unwrap();
    // A victim whose deposit would round to zero shares is refused, not silently taken.
    s.give("victim", "USDC", "1000");
    s.mint("victim", "USDC", "500").unwrap();
    let err = s
        .add_liquidity("victim", pool, ["0.000001", "0.000001"])
        .unwrap_err();
    assert!(matches!(err, Error::OutputTooSmall { .. }), "{err}");
    // And the attacker's single share can never withdraw the locked minimum's part.
    let out = s
        .remove_liquidity("attacker", pool, Amount::new(1))
        .unwrap();
    let p = s.p.pool(pool).unwrap();
    assert!(
        !p.reserves[0].is_zero() && !p.reserves[1].is_zero(),
        "locked liquidity stays: {out:?}"
    );
    assert_eq!(p.total_shares, Amount::new(1_000));
}

#[test]
fn xms_can_be_priced_by_its_pool() {
    let mut s = Suite::new(Preset::Frax);
    s.set_prices(&[("USDC", "1"), ("XMS", "2"), ("USDm", "1")]);
    s.roll_epoch();
    s.give("lp", "USDC", "2000000");
    s.mint("lp", "USDC", "1000000").unwrap();
    s.give_xms("lp", "500000");
    let pool = s.create_pool("XMS", "USDm");
    s.add_liquidity("lp", pool, ["400000", "800000"]).unwrap();
    s.govern(GovAction::SetPriceSource {
        symbol: XMS,
        source: PriceSource::Pool { pool },
    });
    s.prices.remove(&XMS);
    // A pool seeded a moment ago is not an oracle yet.
    let err = s.p.price(XMS, s.now).unwrap_err();
    assert!(
        matches!(
            err,
            Error::PoolTooYoung {
                covered: 0,
                window: 600,
                ..
            }
        ),
        "{err}"
    );
    for _ in 0..4 {
        s.roll_epoch();
    }
    // XMS = 2 USDm per XMS x USDm's $1 feed.
    let q = s.p.price(XMS, s.now).unwrap();
    assert_eq!(q.spot, price("2"));
    // Feeds no longer price XMS.
    let err =
        s.p.clone()
            .post_price(&s.feeder.clone(), XMS, price("3"), s.now.seconds, s.now)
            .unwrap_err();
    assert!(matches!(err, Error::BadPriceSource { .. }), "{err}");
    // The supply cap follows the pool price.
    s.roll_epoch();
    s.roll_epoch();
    let cap = s.p.cap_status(s.now).unwrap().supply_cap.unwrap();
    let circulating_xms = Usd::from_usdm(s.p.circulating_xms(s.now.seconds).unwrap());
    assert_eq!(
        cap,
        Usd::new(circulating_xms.raw() * 2 * 2 / 5),
        "2 x XMS / 250%"
    );
}

#[test]
fn pumping_the_pool_does_not_cheapen_xms_burned_in_a_mint() {
    let mut s = Suite::new(Preset::Frax);
    s.zero_fees();
    s.set_prices(&[("USDC", "1"), ("XMS", "2"), ("USDm", "1")]);
    s.give("lp", "USDC", "3000000");
    s.roll_epoch();
    s.mint("lp", "USDC", "2000000").unwrap();
    s.give_xms("lp", "500000");
    let pool = s.create_pool("XMS", "USDm");
    s.add_liquidity("lp", pool, ["500000", "1000000"]).unwrap();
    s.govern(GovAction::SetPriceSource {
        symbol: XMS,
        source: PriceSource::Pool { pool },
    });
    s.prices.remove(&XMS);
    for _ in 0..5 {
        s.roll_epoch(); // the pool's history covers the window; feeds stay fresh
    }
    // The attacker buys XMS, pumping its spot price, then mints burning XMS.
    s.give("attacker", "USDC", "1000000");
    s.govern(GovAction::SetCollateralRatio { cr: Ratio::ONE });
    s.mint("attacker", "USDC", "400000").unwrap();
    s.govern(GovAction::SetCollateralRatio { cr: ratio("0.5") });
    s.swap("attacker", pool, "USDm", "300000").unwrap();
    let q = s.p.price(XMS, s.now).unwrap();
    assert!(q.spot > price("3"), "spot pumped: {}", q.spot);
    assert!(q.twap < price("2.01"), "TWAP still near $2: {}", q.twap);
    let mint = s.mint("attacker", "USDC", "1000").unwrap();
    // XMS burned is valued at min(spot, TWAP): the pump buys the attacker nothing.
    assert!(
        mint.xms_in >= usdm("499"),
        "burned {} XMS",
        mint.xms_in.to_decimal(18)
    );
}

#[test]
fn price_sources_must_resolve() {
    let (s, pool) = with_pool();
    let g = s.gov.clone();
    let err =
        s.p.clone()
            .govern(
                &g,
                GovAction::SetPriceSource {
                    symbol: XMS,
                    source: PriceSource::Pool { pool },
                },
                s.now,
            )
            .unwrap_err();
    assert!(err.to_string().contains("does not hold it"), "{err}");
    let err =
        s.p.clone()
            .govern(
                &g,
                GovAction::SetPriceSource {
                    symbol: XMS,
                    source: PriceSource::Pool { pool: 9 },
                },
                s.now,
            )
            .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    // USDm priced by the USDm/USDC pool, and USDC by the same pool: a cycle.
    let mut p = s.p.clone();
    p.govern(
        &g,
        GovAction::SetPriceSource {
            symbol: USDM,
            source: PriceSource::Pool { pool },
        },
        s.now,
    )
    .unwrap();
    let err = p
        .govern(
            &g,
            GovAction::SetPriceSource {
                symbol: sym("USDC"),
                source: PriceSource::Pool { pool },
            },
            s.now,
        )
        .unwrap_err();
    assert!(err.to_string().contains("circular"), "{err}");
}

#[test]
fn the_frax_controller_reads_usdm_from_its_pool() {
    let mut s = Suite::new(Preset::Frax);
    s.set_prices(&[("USDC", "1"), ("XMS", "2")]);
    s.roll_epoch();
    s.give("lp", "USDC", "3000000");
    s.mint("lp", "USDC", "2000000").unwrap();
    let pool = s.create_pool("USDm", "USDC");
    s.add_liquidity("lp", pool, ["1000000", "1000000"]).unwrap();
    s.govern(GovAction::SetPriceSource {
        symbol: USDM,
        source: PriceSource::Pool { pool },
    });
    // Holders dump USDm: its pool price falls below the band.
    s.swap("lp", pool, "USDm", "50000").unwrap();
    s.advance_seconds(700);
    let r = s.p.refresh_ratio(s.now).unwrap().value;
    assert!(r.usdm_price < price("0.995"), "{}", r.usdm_price);
    assert!(
        r.new > r.old || r.old.is_one(),
        "ratio rises (or stays at 100%)"
    );
}
