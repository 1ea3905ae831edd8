//! The deployment both the criterion benches and the callgrind hot loop measure: every example
//! asset whitelisted, prices posted, the first epoch rolled, a $1B USDC and 1,000 BTC treasury,
//! and a cap so large (1e12 XMS at $2.50) that benchmarks never reach it.

use usdm_core::prelude::*;

/// Where the fixture starts.
pub const START: BlockTime = BlockTime::new(1, 1_700_000_000);

/// Whole tokens at `d` decimals.
pub fn amt(s: &str, d: u8) -> Amount {
    Amount::parse(s, d).unwrap()
}

/// The deployment, its governor (also feeder and user), and the current block.
pub fn deployment(preset: Preset) -> (Protocol, Account, BlockTime) {
    let gov = Account::new("gov");
    let g = Genesis::new(preset, gov.clone(), START)
        .with_assets(example_assets())
        .with_feeder(gov.clone())
        .with_xms_supply(amt("1000000000000", 18));
    let mut p = Protocol::genesis(g).unwrap().value;
    let prices = [
        ("USDC", "1"),
        ("BTC", "60000"),
        ("ETH", "3000"),
        ("XMS", "2.5"),
        ("USDm", "1"),
    ];
    let mut now = START;
    for t in [0u64, 180] {
        now = BlockTime::new(START.height + t / 3, START.seconds + t);
        for (s, pr) in prices {
            let price = Price::parse(pr).unwrap();
            p.post_price(&gov, Symbol::new(s).unwrap(), price, now.seconds, now)
                .unwrap();
        }
    }
    for (s, a, d) in [("USDC", "1000000000", 6), ("BTC", "1000", 8)] {
        let req = MintRequest::collateral(
            Symbol::new(s).unwrap(),
            amt(a, d),
            Amount::ZERO,
            Amount::ZERO,
        );
        p.mint(&gov, &req, now).unwrap();
    }
    (p, gov, now)
}

/// The deployment plus a USDm/USDC pool seeded with 10M of protocol-owned liquidity, a
/// trader's USDm/USDC balance, and 50M USDC in a yield strategy: valuation then walks idle
/// balances, pool claims and strategies.
pub fn deployment_with_pools(preset: Preset) -> (Protocol, Account, BlockTime, PoolId) {
    let (mut p, gov, now) = deployment(preset);
    p.govern(
        &gov,
        GovAction::CreatePool {
            tokens: [USDM, Symbol::new("USDC").unwrap()],
        },
        now,
    )
    .unwrap();
    let usdc = Symbol::new("USDC").unwrap();
    p.treasury_op(
        &gov,
        TreasuryOp::ProvideLiquidity {
            pool: 0,
            asset_amount: amt("10000000", 6),
        },
        now,
    )
    .unwrap();
    let strategy = TreasuryOp::Allocate {
        strategy: "vault".into(),
        asset: usdc,
        amount: amt("50000000", 6),
    };
    p.treasury_op(&gov, strategy, now).unwrap();
    (p, gov, now, 0)
}
