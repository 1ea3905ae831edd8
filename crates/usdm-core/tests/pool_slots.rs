//! Issue 20, review finding (LOW): retired pools counted against the eight pool slots and their
//! ids were never reused, so after eight registrations over a deployment's life no pool could
//! ever be created again. A retired pool now frees its slot for the next one.

mod common;
use common::*;
use usdm_core::prelude::*;
use usdm_core::state::MAX_POOLS;

fn ready() -> Suite {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2"), ("USDm", "1")]);
    s.roll_epoch();
    s
}

#[test]
fn twenty_create_and_retire_cycles_leave_room_for_another_pool() {
    let mut s = ready();
    for cycle in 0..20 {
        let pool = s.create_pool("USDm", "USDC");
        assert!((pool as usize) < MAX_POOLS, "cycle {cycle}: pool id {pool}");
        s.govern(GovAction::RetirePool { pool });
    }
    assert!(s.p.pool_count() <= MAX_POOLS);
    let pool = s.create_pool("XMS", "USDm");
    assert_eq!(pool, 0, "the first retired slot is reused");
    let p = s.p.pool(pool).unwrap();
    assert!(!p.retired);
    assert_eq!(p.tokens, [XMS, USDM]);
    assert_eq!(p.total_shares, Amount::ZERO, "a reused slot starts empty");
}

#[test]
fn every_slot_live_refuses_a_ninth_pool_until_one_retires() {
    let mut s = ready();
    let tokens = ["USDC", "USDT", "DAI", "BTC", "ETH", "XMS"];
    let mut created = Vec::new();
    'all: for (i, a) in tokens.iter().enumerate() {
        for b in tokens.iter().skip(i + 1).chain(["USDm"].iter()) {
            if created.len() == MAX_POOLS {
                break 'all;
            }
            created.push(s.create_pool(a, b));
        }
    }
    assert_eq!(created.len(), MAX_POOLS);
    let before = s.p.clone();
    let now = s.now;
    let gov = s.gov.clone();
    let err =
        s.p.govern(
            &gov,
            GovAction::CreatePool {
                tokens: [sym("ETH"), sym("BTC")],
            },
            now,
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::TooMany { max: MAX_POOLS, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("retire one"), "{err}");
    assert_eq!(s.p, before, "a refused creation changed the state");
    s.govern(GovAction::RetirePool { pool: created[3] });
    assert_eq!(s.create_pool("ETH", "BTC"), created[3]);
}
