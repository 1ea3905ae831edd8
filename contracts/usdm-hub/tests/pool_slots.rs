//! Issue 20, review finding (LOW): `MAX_POOLS = 8` counted retired pools and ids were never
//! reused, so after eight registrations over a hub's life no pair could ever be registered
//! again. A retired pool's slot is now free for the next pair.

mod common;
use common::*;
use usdm_interface::governance::GovMsg;

#[test]
fn after_twenty_register_and_retire_cycles_a_new_pair_still_registers() {
    let mut s = Suite::new("mars");
    s.open_market();
    for cycle in 0..20 {
        let (_, pool) = s.deploy_pair_of("USDm", "USDC", 600);
        assert!(pool < 8, "cycle {cycle}: pool id {pool}");
        s.govern(GovMsg::UnregisterPair { pool }).unwrap();
    }
    assert!(s.state().pool_count() <= 8);
    let (pair, pool) = s.deploy_pair_of("USDm", "DAI", 600);
    let c: usdm_interface::hub::ConfigResponse = s.query(&usdm_interface::hub::QueryMsg::Config {});
    assert_eq!(c.pairs.len(), 1, "one live pair");
    assert_eq!(c.pairs[0].address, pair.as_str());
    assert_eq!(c.pairs[0].pool, pool);
    assert!(!s.state().pool(pool).unwrap().retired);
}
