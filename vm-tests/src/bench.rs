//! The gas benchmark: each of the hub's main messages (and a swap on the pair, and governance's
//! messages through the governance contract) run once through the wasm artifacts on a
//! deployment of `assets` whitelisted assets, `pools` registered pairs (the first with
//! protocol-owned liquidity) and `pending` redemptions waiting from as many owners; reported as
//! the SDK gas a wasmd chain charges (see [`crate::gas`]), the message itself and each
//! submessage apart. Every measured message is also checked to read each of the hub's keys at
//! most once.

use crate::deploy::{units, Chain};
use crate::world::Tx;
use cosmwasm_std::{coin, Uint128};
use cw20::Cw20ExecuteMsg;
use usdm_interface::governance::{GovMsg, ParamMsg, TreasuryMsg};
use usdm_interface::hub::{ExecuteMsg, ReceiveMsg};

/// The state a measurement runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Whitelisted assets (at least 4).
    pub assets: usize,
    /// Registered pairs, 1 to 8: USDm with USDC (holding protocol-owned liquidity), then with
    /// the other assets in whitelist order.
    pub pools: usize,
    /// Redemptions pending when the messages run, each from its own owner.
    pub pending: usize,
    /// `mars` or `frax`.
    pub preset: &'static str,
}

/// One message's measurement.
#[derive(Debug)]
pub struct Measured {
    /// What ran.
    pub message: &'static str,
    /// The contract it is addressed to (`hub`, `governance` for governance's messages, `pair`
    /// for the swap): its executions and queries are the message's own gas, everything else
    /// (the hub applying what governance decided, say) is submessages.
    pub contract: &'static str,
    /// The transaction.
    pub tx: Tx,
}

impl Measured {
    /// The message's own gas.
    pub fn own(&self) -> u64 {
        self.tx.contract_gas(self.contract)
    }
}

/// USDm each pending redemption burns (well above any minimum redemption size).
pub const PENDING_USDM: u128 = 10;

/// A deployment of `shape`: the treasury funded ($10M USDC, $2M BTC, $1M DAI), a USDm/USDC pair
/// with $100k of protocol-owned liquidity, `shape.pending` redemptions waiting; or the message
/// with which building it failed (after how many pending redemptions).
pub fn deploy(shape: Shape) -> Result<Chain, String> {
    let mut c = Chain::deploy(shape.preset, shape.assets);
    c.open_market();
    let whale = c.addr("whale");
    c.fund(&whale, 10u128.pow(16), "uusdc");
    c.fund(&whale, 10u128.pow(12), "ubtc");
    c.mint_native(&whale, "USDC", coin(10_000_000 * 10u128.pow(6), "uusdc"))
        .expect("whale USDC mint");
    c.mint_native(&whale, "BTC", coin(33 * 10u128.pow(8), "ubtc"))
        .expect("whale BTC mint");
    let (dai, market) = (c.dai.clone(), c.market.clone());
    c.w.execute(
        &market,
        &dai,
        &Cw20ExecuteMsg::Transfer {
            recipient: whale.to_string(),
            amount: units(10_000_000, 18),
        },
        &[],
    )
    .expect("DAI to the whale");
    c.send(
        &whale,
        &dai,
        units(1_000_000, 18),
        &ReceiveMsg::Mint {
            max_xms_in: Uint128::MAX,
            min_usdm_out: Uint128::zero(),
        },
    )
    .expect("whale DAI mint");
    c.deploy_pair(c.usdm_usdc(), 600).expect("the pair");
    c.treasury(TreasuryMsg::ProvideLiquidity {
        pool: 0,
        asset_amount: Uint128::new(100_000 * 10u128.pow(6)),
    })
    .expect("protocol-owned liquidity");
    // More pairs, up to the slots' bound: USDm with the next assets (XMS skipped: its pair
    // would price nothing here and hold nothing of the treasury's either way).
    let mut i = 1;
    for _ in 1..shape.pools {
        while crate::deploy::asset_symbol(i) == "XMS" {
            i += 1;
        }
        let symbol = crate::deploy::asset_symbol(i);
        let label = format!("pair USDm/{symbol}");
        c.deploy_pair_as(&label, [c.pair_token("USDm"), c.pair_token(&symbol)], 600, None)
            .map_err(|e| format!("pair USDm/{symbol}: {e}"))?;
        i += 1;
    }
    let usdm = c.usdm.clone();
    for k in 0..shape.pending {
        let owner = c.addr(&format!("owner{k}"));
        c.w.execute(
            &whale,
            &usdm,
            &Cw20ExecuteMsg::Transfer {
                recipient: owner.to_string(),
                amount: units(PENDING_USDM, 18),
            },
            &[],
        )
        .expect("USDm to an owner");
        let asset = (shape.preset == "frax").then_some("USDC");
        c.redeem(&owner, units(PENDING_USDM, 18), asset)
            .map_err(|e| format!("redemption {} of {} failed: {e}", k + 1, shape.pending))?;
    }
    c.advance(1);
    Ok(c)
}

/// Runs every measured message once on a fresh deployment of `shape`, in an order that leaves
/// each its preconditions (a redemption to collect, prices fresh); or why the deployment could
/// not be built.
pub fn measure(shape: Shape) -> Result<Vec<Measured>, String> {
    let c = deploy(shape)?;
    let alice = c.addr("alice");
    c.fund(&alice, 10u128.pow(13), "uusdc");
    c.fund(&alice, 10u128.pow(10), "ubtc");
    let (dai, market) = (c.dai.clone(), c.market.clone());
    c.w.execute(
        &market,
        &dai,
        &Cw20ExecuteMsg::Transfer {
            recipient: alice.to_string(),
            amount: units(100_000, 18),
        },
        &[],
    )
    .expect("DAI to alice");
    let mut out = Vec::new();
    let mut keep = |message: &'static str, r: Result<Tx, String>| {
        let tx = r.unwrap_or_else(|e| panic!("{message} under {shape:?}: {e}"));
        let contract = if message.starts_with("swap") {
            "pair"
        } else if message.starts_with("treasury") || message.starts_with("govern") {
            "governance"
        } else {
            "hub"
        };
        for call in tx.calls.iter().filter(|c| c.contract == "hub" && c.entry == "execute") {
            let mut seen = std::collections::BTreeSet::new();
            for key in &call.read_keys {
                assert!(
                    seen.insert(key),
                    "{message} under {shape:?}: the hub read {} twice",
                    String::from_utf8_lossy(key)
                );
            }
        }
        out.push(Measured {
            message,
            contract,
            tx,
        });
    };
    let frax = shape.preset == "frax";
    if frax {
        keep(
            "refresh_ratio (Frax)",
            c.exec(&alice, &ExecuteMsg::RefreshRatio {}, &[]),
        );
        return Ok(out);
    }
    keep(
        "mint, tier 1, native collateral",
        c.mint_native(&alice, "USDC", coin(1_000 * 10u128.pow(6), "uusdc")),
    );
    keep(
        "mint, tier 2, share-capped",
        c.mint_native(&alice, "BTC", coin(1_000_000, "ubtc")),
    );
    keep(
        "mint through cw20 (DAI)",
        c.send(
            &alice,
            &dai,
            units(1_000, 18),
            &ReceiveMsg::Mint {
                max_xms_in: Uint128::MAX,
                min_usdm_out: Uint128::zero(),
            },
        ),
    );
    let redeemed = c.redeem(&alice, units(100, 18), None);
    let id = redeemed.as_ref().ok().map(|(id, _)| *id);
    keep("redeem (cw20 hook)", redeemed.map(|(_, tx)| tx));
    c.advance(2);
    keep("collect", c.collect(&alice, id.expect("a redemption id")));
    c.w.advance(1, 3);
    keep(
        "post_price",
        c.try_post_price("XMS", "2.5".parse().unwrap()),
    );
    c.advance(1);
    keep(
        "treasury: provide liquidity",
        c.treasury(TreasuryMsg::ProvideLiquidity {
            pool: 0,
            asset_amount: Uint128::new(1_000 * 10u128.pow(6)),
        }),
    );
    keep(
        "govern: set_param (TWAP window)",
        c.govern(GovMsg::SetParam {
            param: ParamMsg::TwapWindow(600),
        }),
    );
    let pair = c.w.label_addr("pair").expect("the pair");
    keep(
        "swap on the pair (native USDC in)",
        c.w.execute(
            &alice,
            &pair,
            &usdm_interface::pair::ExecuteMsg::Swap {
                min_out: Uint128::zero(),
            },
            &[coin(1_000 * 10u128.pow(6), "uusdc")],
        ),
    );
    Ok(out)
}
