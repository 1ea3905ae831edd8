//! Issue 11: what an operation loads from stored parts does not grow with the redemption
//! queue, the number of redemption owners or the length of price history. The suite runs every
//! operation on stored parts (`common::lazy`) and records what it loaded; these tests compare
//! those records between a fresh state and one with a long queue and a long history.

mod common;
use common::*;
use std::collections::BTreeSet;
use usdm_core::prelude::*;

fn ready() -> Suite {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2")]);
    s.roll_epoch();
    s.give("alice", "USDC", "100000");
    s.mint("alice", "USDC", "50000").unwrap();
    s
}

/// The keys loaded by the last operation, with redemption ids folded together (a collect loads
/// the one it pays, whichever id that is).
fn loaded(s: &Suite) -> BTreeSet<PartKey> {
    s.last_loads
        .iter()
        .map(|k| match k {
            PartKey::Redemption(_) => PartKey::Redemption(0),
            k => *k,
        })
        .collect()
}

/// Mint, redeem, collect and post_price, each with the parts it loaded.
fn one_of_each(s: &mut Suite) -> Vec<(&'static str, BTreeSet<PartKey>, usize)> {
    let mut out = Vec::new();
    s.set_price("USDC", "1");
    out.push(("post_price", loaded(s), s.last_loads.len()));
    s.mint("alice", "USDC", "100").unwrap();
    out.push(("mint", loaded(s), s.last_loads.len()));
    let pending = s.redeem("alice", "10", Some("USDC")).unwrap();
    out.push(("redeem", loaded(s), s.last_loads.len()));
    s.advance(s.p.params().redemption_delay);
    s.collect(pending.id).unwrap();
    out.push(("collect", loaded(s), s.last_loads.len()));
    out
}

#[test]
fn loads_do_not_grow_with_the_queue_its_owners_or_history() {
    let mut fresh = ready();
    let before = one_of_each(&mut fresh);

    let mut busy = ready();
    for i in 0..400 {
        let who = format!("holder{i}");
        busy.give(&who, "USDC", "20");
        busy.mint(&who, "USDC", "20").unwrap();
        busy.redeem(&who, "1", Some("USDC")).unwrap();
        if i % 4 == 0 {
            busy.advance(1);
            busy.set_price("USDC", "1");
        }
    }
    assert!(busy.p.redemptions().len() >= 400);
    let after = one_of_each(&mut busy);

    for ((op, keys_before, n_before), (_, keys_after, n_after)) in before.iter().zip(&after) {
        assert_eq!(
            keys_before, keys_after,
            "{op}: loaded other parts with a long queue"
        );
        assert_eq!(
            n_before, n_after,
            "{op}: loaded more often with a long queue"
        );
    }
    let redeem = &after[2];
    assert!(
        !redeem.1.contains(&PartKey::Redemption(0)),
        "redeem needs no stored redemption: {:?}",
        redeem.1
    );
}

#[test]
fn a_collect_loads_one_redemption_and_only_its_asset() {
    let mut s = ready();
    let pending = s.redeem("alice", "10", Some("USDC")).unwrap();
    s.advance(s.p.params().redemption_delay);
    s.collect(pending.id).unwrap();
    let redemptions: Vec<_> = s
        .last_loads
        .iter()
        .filter(|k| matches!(k, PartKey::Redemption(_)))
        .collect();
    assert_eq!(redemptions, vec![&PartKey::Redemption(pending.id)]);
}
