//! Migration of the 7ebb74f state (one serde value) into the parts of `usdm_core::state`.
//!
//! The fixture is the JSON the 7ebb74f code wrote for a realistic deployment, and every
//! expected value below was printed by that same code (`tests/fixtures/README.md` says how);
//! none is computed by the code under test.

mod common;
use common::lazy::Stored;
use common::{amt, price, sym, usdm, BLOCK_SECONDS};
use usdm_core::params::DEFAULT_MIN_REDEMPTION;
use usdm_core::prelude::*;
use usdm_core::prices::{Checkpoint, HISTORY_LEN};
use usdm_core::state::legacy::LegacyProtocol;
use usdm_core::state::{HistoryId, PartSource};

const FIXTURE: &[u8] = include_bytes!("fixtures/legacy-protocol-7ebb74f.json");

fn migrated() -> Protocol {
    let legacy: LegacyProtocol = serde_json::from_slice(FIXTURE).unwrap();
    legacy.into_protocol().unwrap()
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

fn parse(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

/// History `h` in ring order, as the TWAP search reads it.
fn ring(p: &Protocol, h: HistoryId) -> Vec<Option<Checkpoint>> {
    (0..HISTORY_LEN)
        .map(|s| p.checkpoint(h, s as u8).ok())
        .collect()
}

/// Oldest and newest checkpoint times of a history with `len` checkpoints numbered `0..len`.
fn ends(ring: &[Option<Checkpoint>], len: u8) -> (u64, u64) {
    let at = |i: u8| ring[usize::from(i) % HISTORY_LEN].unwrap().at;
    (at(0), at(len - 1))
}

#[test]
fn the_migrated_books_config_and_clock_are_what_the_old_code_reported() {
    let p = migrated();
    assert_eq!(p.last_time(), BlockTime::new(1034, 1_700_002_802));

    // Params as 7ebb74f printed them, and the newer minimum redemption and ramp limits at
    // their defaults, with no ramp running.
    let mut params = json(p.params());
    assert_eq!(p.params().min_redemption, DEFAULT_MIN_REDEMPTION);
    assert_eq!(
        p.params().support_ramp,
        usdm_core::ramp::RampLimits::default()
    );
    assert_eq!(p.config().support_ramp, None);
    params.as_object_mut().unwrap().remove("min_redemption");
    params.as_object_mut().unwrap().remove("support_ramp");
    assert_eq!(
        p.params().redemption_share_pricing,
        usdm_core::params::SharePricing::ProtocolFavouring
    );
    params
        .as_object_mut()
        .unwrap()
        .remove("redemption_share_pricing");
    assert_eq!(
        params,
        parse(
            r#"{"epoch_seconds":180,"xms_support_ratio":"2500000000000000000","max_price_age":300,"twap_window":600,"redemption_delay":5,"max_share":["1000000000000000000","500000000000000000","300000000000000000","150000000000000000","100000000000000000"],"fees":{"mint":["2000000000000000","3000000000000000","4000000000000000","4000000000000000","4500000000000000"],"redeem":["3000000000000000","3000000000000000","3000000000000000","3000000000000000","3000000000000000"]},"frax":{"cr_step":"2500000000000000","price_band":"5000000000000000","refresh_cooldown":3600,"min_cr":"0","bonus_rate":"7500000000000000"},"breakers":{"redemption_outflow":"100000000000000000","xms_minted":null}}"#
        )
    );
    assert_eq!(
        json(p.governance()),
        parse(
            r#"{"governor":"gov","pending_governor":"gov2","feeders":["feeder","feeder2"],"pauses":{"paused":[{"mint_asset":"BUSD"}]}}"#
        )
    );
    assert_eq!(
        json(p.mintage()),
        parse(
            r#"{"epoch":15,"epoch_start":1700002700,"length":180,"accrued_until":1700002802,"integral":"25456893230422098501566874684","covered":102,"average_mcap":"249750060000000000000000000","cap":"99900024000000000000000000","sample":null}"#
        )
    );
    assert_eq!(json(p.policy()), parse(r#""mars""#));
    assert_eq!(
        json(p.breakers()),
        parse(
            r#"{"redemption":{"used":"18888665172158489209935","at":1700002799},"xms":{"used":"0","at":0}}"#
        )
    );

    let s = p.supply();
    assert_eq!(s.usdm.raw(), 2_765_090_376_649_257_010_478_301);
    assert_eq!(s.usdm_minted.raw(), 2_807_214_196_868_227_838_136_734);
    assert_eq!(s.usdm_burned.raw(), 42_123_820_218_970_827_658_433);
    assert_eq!(s.xms.raw(), 100_000_708_677_549_925_564_814_269);
    assert_eq!(s.xms_genesis.raw(), 100_000_000_000_000_000_000_000_000);
    assert_eq!(s.xms_minted.raw(), 708_677_549_925_564_814_269);
    assert_eq!(s.xms_burned.raw(), 0);

    // Symbol, balance, escrow, received, paid, custody, mint fees, redeem fees.
    #[rustfmt::skip]
    let holdings: [(&str, u128, u128, u128, u128, u128, u128, u128); 10] = [
        ("USDC", 1_850_001_275_000, 0, 2_000_001_275_000, 150_000_000_000, 1_850_001_275_000, 4_000_000_000_000_000_000_000, 0),
        ("USDT", 0, 0, 0, 0, 0, 0, 0),
        ("BUSD", 0, 0, 0, 0, 0, 0, 0),
        ("DAI", 0, 0, 0, 0, 0, 0, 0),
        ("BTC", 500_000_000, 0, 500_000_000, 0, 500_000_000, 907_222_103_571_428_571_429, 0),
        ("ETH", 100_000_000_000_000_000_000, 0, 100_000_000_000_000_000_000, 0, 100_000_000_000_000_000_000, 1_217_600_000_000_000_000_000, 0),
        ("BNB", 0, 0, 0, 0, 0, 0, 0),
        ("UNI", 1_000_000_000_000_000_000_000, 0, 1_000_000_000_000_000_000_000, 0, 1_000_000_000_000_000_000_000, 27_815_671_544_804_857_692, 0),
        ("AAVE", 0, 0, 0, 0, 0, 0, 0),
        ("XMS", 40_000_000_000_000_000_000_000, 0, 40_000_000_000_000_000_000_000, 0, 40_000_000_000_000_000_000_000, 450_251_100_000_000_000_000, 0),
    ];
    assert_eq!(p.asset_count(), holdings.len());
    for (i, (symbol, balance, escrow, received, paid, custody, mint_fees, redeem_fees)) in
        holdings.into_iter().enumerate()
    {
        assert_eq!(p.asset(i).unwrap().symbol, sym(symbol));
        let h = p.holding(i).unwrap();
        let got = (
            h.balance.raw(),
            h.escrow.raw(),
            h.received.raw(),
            h.paid.raw(),
            h.custody().unwrap().raw(),
            h.fees.mint.raw(),
            h.fees.redeem.raw(),
        );
        assert_eq!(
            got,
            (
                balance,
                escrow,
                received,
                paid,
                custody,
                mint_fees,
                redeem_fees
            ),
            "{symbol}"
        );
    }
    assert_eq!(
        json(&p.books().unattributed_fees),
        parse(r#"{"mint":"0","redeem":"126368034000000000000"}"#)
    );
    let totals = p.fee_totals().unwrap();
    assert_eq!(totals.mint.raw(), 6_602_888_875_116_233_429_121);
    assert_eq!(totals.redeem.raw(), 126_368_034_000_000_000_000);
    assert_eq!(
        json(&p.strategies()),
        parse(
            r#"[{"name":"lending","asset":"USDC","allocated":"50000000000","reported":"50123456789"}]"#
        )
    );

    let now = p.last_time();
    assert_eq!(
        p.valuation(now).unwrap().total.raw(),
        2_709_937_563_871_419_875_641_050
    );
    assert_eq!(
        json(&p.cap_status(now).unwrap()),
        parse(
            r#"{"epoch":15,"seconds_to_next_epoch":78,"average_mcap":"249750060000000000000000000","supply_cap":"99900024000000000000000000","circulating_usdm":"2665081425173439668729065","headroom":"97234942574826560331270935"}"#
        )
    );
    assert_eq!(
        p.circulating_xms(now.seconds).unwrap().raw(),
        99_960_708_677_549_925_564_814_269
    );
    assert_eq!(
        p.circulating_usdm(now).unwrap().raw(),
        2_665_081_425_173_439_668_729_065
    );
    p.check_invariants().unwrap();
}

#[test]
fn the_migrated_feeds_give_the_old_prices_and_twaps() {
    let p = migrated();
    let now = p.last_time();
    let window = p.params().twap_window;
    // Symbol, latest price, observed at, cumulative, checkpoints, oldest and newest checkpoint,
    // the feed's own TWAP, and the protocol's spot and TWAP (UNI's follow its pool).
    #[rustfmt::skip]
    let feeds: [(&str, u128, u64, u128, u8, u64, u64, u128, (u128, u128)); 11] = [
        ("XMS", 2_440_000_000_000_000_000, 1_700_002_802, 7_002_267_000_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 2_498_679_611_650_485_436, (2_440_000_000_000_000_000, 2_498_679_611_650_485_436)),
        ("USDm", 1_000_000_000_000_000_000, 1_700_002_802, 2_802_000_000_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 1_000_000_000_000_000_000, (1_000_000_000_000_000_000, 1_000_000_000_000_000_000)),
        ("USDC", 1_000_000_000_000_000_000, 1_700_002_802, 2_802_000_000_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 1_000_000_000_000_000_000, (1_000_000_000_000_000_000, 1_000_000_000_000_000_000)),
        ("USDT", 1_000_300_000_000_000_000, 1_700_002_802, 2_802_837_300_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 1_000_297_572_815_533_980, (1_000_300_000_000_000_000, 1_000_297_572_815_533_980)),
        ("BUSD", 999_500_000_000_000_000, 1_700_002_802, 2_800_599_000_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 999_500_000_000_000_000, (999_500_000_000_000_000, 999_500_000_000_000_000)),
        ("DAI", 1_000_000_000_000_000_000, 1_700_002_802, 2_802_000_000_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 1_000_000_000_000_000_000, (1_000_000_000_000_000_000, 1_000_000_000_000_000_000)),
        ("BTC", 60_993_400_000_000_000_000_000, 1_700_002_802, 169_527_497_670_000_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 60_557_108_155_339_805_825_242, (60_993_400_000_000_000_000_000, 60_557_108_155_339_805_825_242)),
        ("ETH", 3_003_000_000_000_000_000_000, 1_700_002_802, 8_545_821_000_000_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 3_050_169_902_912_621_359_223, (3_003_000_000_000_000_000_000, 3_050_169_902_912_621_359_223)),
        ("BNB", 506_000_000_000_000_000_000, 1_700_002_802, 1_423_359_000_000_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 507_951_456_310_679_611_650, (506_000_000_000_000_000_000, 507_951_456_310_679_611_650)),
        ("UNI", 7_000_000_000_000_000_000, 1_700_002_709, 18_963_000_000_000_000_000_000, 32, 1_700_001_482, 1_700_002_691, 7_000_000_000_000_000_000, (6_935_964_106_745_012_867, 6_966_181_528_864_814_504)),
        ("AAVE", 100_000_000_000_000_000_000, 1_700_002_802, 280_200_000_000_000_000_000_000, 32, 1_700_001_560, 1_700_002_769, 100_000_000_000_000_000_000, (100_000_000_000_000_000_000, 100_000_000_000_000_000_000)),
    ];
    assert_eq!(p.config().feeds.len(), feeds.len());
    assert_eq!(p.config().asset_feeds, vec![2, 3, 4, 5, 6, 7, 8, 9, 10, 0]);
    for (i, (symbol, spot, at, cumulative, len, oldest, newest, feed_twap, quote)) in
        feeds.into_iter().enumerate()
    {
        let f = p.feed(i).unwrap();
        assert_eq!(f.symbol, sym(symbol));
        let expected_source = if symbol == "UNI" {
            PriceSource::Pool { pool: 1 }
        } else {
            PriceSource::Feed
        };
        assert_eq!(f.source, expected_source, "{symbol}");
        assert_eq!(f.price.map(|x| x.raw()), Some(spot), "{symbol}");
        assert_eq!((f.observed_at, f.posted_at), (at, at), "{symbol}");
        assert_eq!(f.cumulative, cumulative, "{symbol}");
        assert_eq!(f.history.len, len, "{symbol}");
        let r = ring(&p, HistoryId::Feed(i as u16));
        assert_eq!(ends(&r, len), (oldest, newest), "{symbol}");
        assert_eq!(f.history.newest_at, newest, "{symbol}");
        let t = f.twap(now.seconds, window, r.as_slice()).unwrap();
        assert_eq!(t.price.map(|x| x.raw()), Some(feed_twap), "{symbol}");
        let q = p.price(sym(symbol), now).unwrap();
        assert_eq!((q.spot.raw(), q.twap.raw()), quote, "{symbol}");
    }
}

#[test]
fn the_migrated_pools_keep_reserves_shares_and_twaps() {
    let p = migrated();
    let now = p.last_time().seconds;
    let window = p.params().twap_window;
    assert_eq!(p.pool_count(), 2);
    let treasury = treasury_account();
    let lp = Account::new("lp");

    let p0 = p.pool(0).unwrap();
    assert_eq!(p0.tokens, [USDM, sym("USDC")]);
    assert_eq!(
        p0.reserves.map(Amount::raw),
        [348_569_060_591_929_236_262_529, 351_477_909_733]
    );
    assert_eq!(
        p0.protocol_fees.map(Amount::raw),
        [2_585_783_696_911_361_320, 3_185_500]
    );
    assert_eq!(p0.total_shares.raw(), 350_000_000_000_000_000);
    assert_eq!(p0.shares_of(&treasury).raw(), 100_000_000_000_000_000);
    assert_eq!(p0.shares_of(&lp).raw(), 249_999_999_999_999_000);
    assert_eq!(
        p0.received.map(Amount::raw),
        [357_456_005_335_478_039_559_974, 358_921_000_000]
    );
    assert_eq!(
        p0.paid.map(Amount::raw),
        [8_884_358_959_851_891_936_125, 7_439_904_767]
    );

    let p1 = p.pool(1).unwrap();
    assert_eq!(p1.tokens, [sym("UNI"), USDM]);
    assert_eq!(
        p1.reserves.map(Amount::raw),
        [
            20_092_600_838_574_587_964_068,
            139_361_558_227_508_088_481_386
        ]
    );
    assert_eq!(
        p1.protocol_fees.map(Amount::raw),
        [120_500_000_000_000_000, 519_000_000_000_000_000]
    );
    assert_eq!(p1.total_shares.raw(), 52_915_026_221_291_811_810_032);
    assert_eq!(p1.shares_of(&treasury).raw(), 0);
    assert_eq!(p1.shares_of(&lp).raw(), 52_915_026_221_291_811_809_032);
    assert_eq!(
        p1.received.map(Amount::raw),
        [
            20_241_000_000_000_000_000_000,
            141_038_000_000_000_000_000_000
        ]
    );
    assert_eq!(
        p1.paid.map(Amount::raw),
        [148_278_661_425_412_035_932, 1_675_922_772_491_911_518_614]
    );

    // Pool, side, checkpoints, oldest and newest, cumulative, spot, TWAP.
    #[rustfmt::skip]
    let sides: [(u32, usize, u8, u64, u64, u128, u128, u128); 4] = [
        (0, 0, 23, 1_700_001_809, 1_700_002_799, 990_835_725_110_168_474_931, 1_008_345_115_702_842_489, 1_000_645_104_800_299_552),
        (0, 1, 23, 1_700_001_809, 1_700_002_799, 989_166_641_561_876_743_038, 991_723_948_901_140_133, 999_358_100_073_643_578),
        (1, 0, 24, 1_700_001_809, 1_700_002_775, 6_906_694_043_328_006_025_053, 6_935_964_106_745_012_867, 6_966_181_528_864_814_504),
        (1, 1, 24, 1_700_001_809, 1_700_002_775, 141_906_558_127_095_758_013, 144_176_063_285_496_330, 143_551_041_551_511_795),
    ];
    for (id, side, len, oldest, newest, cumulative, spot, twap) in sides {
        let pool = p.pool(id).unwrap();
        assert_eq!(pool.twap_window, 600);
        let f = &pool.prices[side];
        assert_eq!(f.history.len, len, "pool {id} side {side}");
        assert_eq!(f.cumulative, cumulative, "pool {id} side {side}");
        let r = ring(&p, HistoryId::Pool(id, side as u8));
        assert_eq!(ends(&r, len), (oldest, newest), "pool {id} side {side}");
        let (q, _) = pool
            .price_quote(side, now, window, r.as_slice())
            .unwrap()
            .unwrap();
        assert_eq!(
            (q.spot.raw(), q.twap.raw()),
            (spot, twap),
            "pool {id} side {side}"
        );
    }
}

#[test]
fn the_migrated_queue_keeps_ids_owners_and_amounts() {
    let p = migrated();
    assert_eq!(p.books().next_redemption_id, 5);
    assert!(p.redemptions().is_complete());
    let pending: Vec<_> = p
        .redemptions()
        .iter()
        .map(|r| {
            (
                r.id,
                r.owner.to_string(),
                r.asset,
                r.collateral.raw(),
                r.xms.raw(),
                r.ready_at,
                r.requested_at,
            )
        })
        .collect();
    assert_eq!(
        pending,
        vec![
            (
                1,
                "alice".to_string(),
                None,
                0,
                9_967_408_473_796_812_828_664,
                1033,
                BlockTime::new(1028, 1_700_002_784)
            ),
            (
                2,
                "bob".to_string(),
                None,
                0,
                4_922_176_620_478_675_544_358,
                1033,
                BlockTime::new(1028, 1_700_002_784)
            ),
            (
                4,
                "bob".to_string(),
                None,
                0,
                1_196_878_751_500_600_240_096,
                1038,
                BlockTime::new(1033, 1_700_002_799)
            ),
        ]
    );
    assert_eq!(p.redemptions().of(&Account::new("bob")).count(), 2);
}

/// Every part of the migrated state is new, and stored apart it is the same state.
#[test]
fn every_migrated_part_is_present_and_marked_for_storing() {
    let p = migrated();
    let parts = p.parts();
    let changes = p.changes();
    // 10 assets and holdings, 11 feeds, 2 pools, 3 redemptions, and every checkpoint:
    // 11 feeds x 32, pool 0 2 x 23, pool 1 2 x 24.
    let checkpoints = 11 * 32 + 2 * 23 + 2 * 24;
    assert_eq!(parts.len(), 10 + 10 + 11 + 2 + 3 + checkpoints);
    assert_eq!(changes.len(), parts.len());
    let stored = Stored::of(&p);
    stored.assert_holds(&p, "migrated");
}

const AFTER_PRICES: [(&str, &str); 10] = [
    ("USDC", "1"),
    ("USDT", "1"),
    ("BUSD", "1"),
    ("DAI", "1"),
    ("BTC", "61000"),
    ("ETH", "3100"),
    ("BNB", "510"),
    ("AAVE", "101"),
    ("XMS", "2.55"),
    ("USDm", "1"),
];

/// One operation, answering what the test compares (as text, so every answer has one type).
type Op<'a, S> = &'a mut dyn FnMut(&mut Protocol<S>) -> usdm_core::Result<Vec<String>>;

/// The operations the old program ran after writing the fixture, run by `run` (on the whole
/// protocol, or on stored parts, where an operation may run more than once while it loads what
/// it needs: so answers are compared only once `run` returns them).
fn continue_as_the_old_code_did<S: PartSource>(
    mut run: impl FnMut(Op<S>) -> Vec<String>,
    start: BlockTime,
) {
    let feeder = Account::new("feeder");
    let post_all = |p: &mut Protocol<S>, now: BlockTime| -> usdm_core::Result<Vec<String>> {
        for (s, v) in AFTER_PRICES {
            p.post_price(&feeder, sym(s), price(v), now.seconds, now)?;
        }
        Ok(Vec::new())
    };
    let t1 = start.advance(1, BLOCK_SECONDS);
    run(&mut |p| post_all(p, t1));
    let mint = run(&mut |p| {
        let req =
            MintRequest::collateral(sym("USDC"), amt("10000", 6), usdm("1000000"), Amount::ZERO);
        let q = p.mint(&Account::new("dave"), &req, t1)?.value;
        Ok(vec![
            q.usdm_out.raw().to_string(),
            q.xms_in.raw().to_string(),
            q.collateral_in.raw().to_string(),
            q.fee.raw().to_string(),
        ])
    });
    assert_eq!(
        mint,
        [
            "9980000000000000000000",
            "0",
            "10000000000",
            "20000000000000000000"
        ]
    );
    let redeem = run(&mut |p| {
        let req = RedeemRequest::new(usdm("2000"), Some(sym("ETH")));
        let r = p.redeem(&Account::new("alice"), &req, t1)?.value;
        Ok(vec![
            r.id.to_string(),
            r.collateral.raw().to_string(),
            r.xms.raw().to_string(),
            r.ready_at.to_string(),
        ])
    });
    assert_eq!(redeem, ["5", "0", "781960784313725490196", "1040"]);
    let collect = |id: u64, now: BlockTime| {
        move |p: &mut Protocol<S>| -> usdm_core::Result<Vec<String>> {
            let c = p.collect(id, now)?.value;
            Ok(vec![
                c.owner.to_string(),
                format!("{:?}", c.asset),
                c.collateral.raw().to_string(),
                c.xms.raw().to_string(),
            ])
        }
    };
    // A migrated redemption collected after its delay; another one not yet ready.
    assert_eq!(
        run(&mut collect(1, t1)),
        ["alice", "None", "0", "9967408473796812828664"]
    );
    let early = run(&mut |p| match p.collect(4, t1) {
        Err(e @ Error::NotLoaded(_)) => Err(e),
        other => Ok(vec![format!("{:?}", other.map(|_| ()))]),
    });
    assert_eq!(
        early,
        ["Err(RedemptionNotReady { id: 4, ready_at: 1038, height: 1035 })"]
    );
    let t2 = t1.advance(5, BLOCK_SECONDS);
    run(&mut |p| post_all(p, t2));
    assert_eq!(
        run(&mut collect(2, t2)),
        ["bob", "None", "0", "4922176620478675544358"]
    );
    assert_eq!(
        run(&mut collect(4, t2)),
        ["bob", "None", "0", "1196878751500600240096"]
    );
    assert_eq!(
        run(&mut collect(5, t2)),
        ["alice", "None", "0", "781960784313725490196"]
    );
}

/// What the old code's state was after the continuation.
fn assert_after(p: &Protocol) {
    let s = p.supply();
    assert_eq!(s.usdm.raw(), 2_773_070_376_649_257_010_478_301);
    assert_eq!(s.usdm_minted.raw(), 2_817_194_196_868_227_838_136_734);
    assert_eq!(s.usdm_burned.raw(), 44_123_820_218_970_827_658_433);
    assert_eq!(s.xms.raw(), 100_017_577_102_180_015_378_917_583);
    assert_eq!(s.xms_minted.raw(), 17_577_102_180_015_378_917_583);
    assert_eq!(s.xms_burned.raw(), 0);
    #[rustfmt::skip]
    let balances: [u128; 10] = [
        1_860_001_275_000, 0, 0, 0, 500_000_000, 100_000_000_000_000_000_000, 0,
        1_000_000_000_000_000_000_000, 0, 40_000_000_000_000_000_000_000,
    ];
    for (i, balance) in balances.into_iter().enumerate() {
        let h = p.holding(i).unwrap();
        assert_eq!(
            (h.balance.raw(), h.escrow.raw()),
            (balance, 0),
            "holding {i}"
        );
    }
    assert_eq!(p.redemptions().len(), 0);
    p.check_invariants().unwrap();
}

#[test]
fn after_migration_operations_give_what_the_old_code_gave() {
    let mut p = migrated();
    let start = p.last_time();
    continue_as_the_old_code_did(|op| op(&mut p).unwrap(), start);
    assert_after(&p);
}

/// The same, the adapter's way: the migrated parts stored apart, each operation loading what
/// it needs; the stored state ends where the whole protocol does.
#[test]
fn after_migration_stored_parts_give_what_the_old_code_gave() {
    let whole = migrated();
    let start = whole.last_time();
    let mut stored = Stored::of(&whole);
    continue_as_the_old_code_did(|mut op| stored.run(&mut op).unwrap(), start);
    let mut reference = whole;
    continue_as_the_old_code_did(|op| op(&mut reference).unwrap(), start);
    assert_after(&reference);
    stored.assert_holds(&reference, "after the continuation");
}

#[test]
fn malformed_or_truncated_legacy_json_is_refused_with_an_error() {
    // Cut anywhere: a parse error, never a panic.
    for cut in [0, 1, 100, FIXTURE.len() / 2, FIXTURE.len() - 1] {
        let err = serde_json::from_slice::<LegacyProtocol>(&FIXTURE[..cut]).unwrap_err();
        assert!(err.is_eof() || err.is_syntax(), "cut at {cut}: {err}");
    }
    // Not the old shape: the new layout, or a field missing.
    let new_layout = serde_json::to_vec(&migrated()).unwrap();
    let err = serde_json::from_slice::<LegacyProtocol>(&new_layout).unwrap_err();
    assert!(err.is_data(), "{err}");
    let mut v: serde_json::Value = serde_json::from_slice(FIXTURE).unwrap();
    v.as_object_mut().unwrap().remove("treasury");
    let err = serde_json::from_value::<LegacyProtocol>(v).unwrap_err();
    assert!(
        err.to_string().contains("missing field `treasury`"),
        "{err}"
    );

    // Well-formed but inconsistent: refused by the conversion, saying what is wrong.
    let refused = |edit: &dyn Fn(&mut serde_json::Value)| -> String {
        let mut v: serde_json::Value = serde_json::from_slice(FIXTURE).unwrap();
        edit(&mut v);
        let legacy: LegacyProtocol = serde_json::from_value(v).unwrap();
        match legacy.into_protocol() {
            Err(e @ Error::LegacyState(_)) => e.to_string(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    };
    let msg = refused(&|v| {
        v["treasury"]["holdings"].as_array_mut().unwrap().pop();
    });
    assert!(msg.contains("10 assets but 9 holdings"), "{msg}");
    // Nine pools: this version keeps eight slots and drops retired pools past them; a live
    // one past them is refused, naming it.
    let nine = |retire_last: bool| {
        move |v: &mut serde_json::Value| {
            let pools = v["pools"].as_array_mut().unwrap();
            let template = pools[1].clone();
            for id in 2..9 {
                let mut p = template.clone();
                p["id"] = id.into();
                p["retired"] = (id < 8 || retire_last).into();
                p["shares"] = serde_json::json!({});
                p["total_shares"] = "0".into();
                p["reserves"] = serde_json::json!(["0", "0"]);
                p["protocol_fees"] = serde_json::json!(["0", "0"]);
                p["received"] = serde_json::json!(["0", "0"]);
                p["paid"] = serde_json::json!(["0", "0"]);
                pools.push(p);
            }
        }
    };
    let msg = refused(&nine(false));
    assert!(
        msg.contains("pool 8 is live, and this version keeps 8 pool slots: retire it first"),
        "{msg}"
    );
    let mut v: serde_json::Value = serde_json::from_slice(FIXTURE).unwrap();
    nine(true)(&mut v);
    let p = serde_json::from_value::<LegacyProtocol>(v)
        .unwrap()
        .into_protocol()
        .expect("retired pools past the slots are dropped");
    assert_eq!(p.pool_count(), 8);
    let msg = refused(&|v| v["asset_feeds"][0] = 3.into());
    assert!(msg.contains("USDC is linked to feed 3"), "{msg}");
    let msg = refused(&|v| {
        let pending = v["redemptions"]["pending"].as_array_mut().unwrap();
        pending.swap(0, 1);
    });
    assert!(msg.contains("out of order"), "{msg}");
    let msg = refused(&|v| v["redemptions"]["next_id"] = 4.into());
    assert!(msg.contains("pending redemption 4 out of order"), "{msg}");
    let msg = refused(&|v| {
        let h = v["prices"]["feeds"][4]["history"].as_array_mut().unwrap();
        h.swap(3, 4);
    });
    assert!(msg.contains("the BUSD feed: checkpoint times"), "{msg}");
    let msg = refused(&|v| v["supply"]["usdm"] = "1".into());
    assert!(msg.contains("fails a check"), "{msg}");
    let msg = refused(&|v| {
        let feeders = v["governance"]["feeders"].as_array_mut().unwrap();
        for i in 0..20 {
            feeders.push(format!("f{i:02}").into());
        }
    });
    assert!(
        msg.contains("22 feeders; this version holds at most 16"),
        "{msg}"
    );
}

/// A history longer than the ring (which 7ebb74f never wrote) keeps its newest checkpoints.
#[test]
fn a_history_longer_than_the_ring_keeps_its_newest_checkpoints() {
    let mut v: serde_json::Value = serde_json::from_slice(FIXTURE).unwrap();
    let feed = &mut v["prices"]["feeds"][7]; // ETH
    let history = feed["history"].as_array().unwrap().clone();
    let first = history[0]["at"].as_u64().unwrap();
    // Eight older checkpoints in front (times before the first kept one).
    let mut longer: Vec<serde_json::Value> = (0..8u64)
        .map(|k| serde_json::json!({"at": first - 100 + k, "cumulative": "0"}))
        .collect();
    longer.extend(history);
    feed["history"] = longer.into();
    let legacy: LegacyProtocol = serde_json::from_value(v).unwrap();
    let p = legacy.into_protocol().unwrap();
    let f = p.feed(7).unwrap();
    assert_eq!(f.history.len, 32);
    let r = ring(&p, HistoryId::Feed(7));
    assert_eq!(ends(&r, 32), (1_700_001_560, 1_700_002_769));
    let q = p.price(sym("ETH"), p.last_time()).unwrap();
    assert_eq!(q.twap.raw(), 3_050_169_902_912_621_359_223);
}

/// New checkpoints continue the migrated ring where the old history ended (oldest replaced).
#[test]
fn a_post_after_migration_continues_the_ring() {
    let mut p = migrated();
    let feeder2 = Account::new("feeder2");
    let now = p.last_time().advance(20, BLOCK_SECONDS); // 60 s: a checkpoint is due
    p.post_price(&feeder2, sym("ETH"), price("3100"), now.seconds, now)
        .unwrap();
    let f = p.feed(7).unwrap();
    assert_eq!((f.history.next, f.history.len), (33, 32));
    assert_eq!(f.history.newest_at, now.seconds);
    let r = ring(&p, HistoryId::Feed(7));
    assert_eq!(r[0].unwrap().at, now.seconds);
    assert_eq!(
        r[1].unwrap().at,
        1_700_001_599,
        "the second-oldest is now the oldest"
    );
}
