//! Regression tests for the independent security review's findings (issue 9), on chain:
//! each failed against the hub and pair the review looked at.

mod common;
use common::*;
use cosmwasm_std::{coin, Addr, Checksum, Decimal, Uint128};
use cw20::{Cw20Coin, Cw20ExecuteMsg, MinterResponse};
use cw_multi_test::Executor;
use usdm_interface::governance::{GovMsg, ParamMsg, TreasuryMsg};
use usdm_interface::hub::{ExecuteMsg, InstantiateMsg, QueryMsg, TreasuryResponse};
use usdm_interface::pair::{ExecuteMsg as PairExecute, PoolResponse, QueryMsg as PairQuery};

fn native_denom(symbol: &str) -> &'static str {
    match symbol {
        "USDC" => "uusdc",
        "BTC" => "ubtc",
        "ETH" => "aeth",
        other => panic!("no denom for {other}"),
    }
}

/// `who` deposits `usdm` USDm (cw20, approved first) and `asset` of a native token into a
/// USDm/asset pair.
fn provide(s: &mut Suite, who: &Addr, pair: &Addr, usdm: Uint128, symbol: &str, asset: Uint128) {
    let pool: PoolResponse = s
        .app
        .wrap()
        .query_wasm_smart(pair, &PairQuery::Pool {})
        .unwrap();
    let usdm_side = pool.tokens.iter().position(|t| t == "USDm").unwrap();
    let mut max = [Uint128::zero(); 2];
    max[usdm_side] = usdm;
    max[1 - usdm_side] = asset;
    let usdm_token = s.usdm.clone();
    s.app
        .execute_contract(
            who.clone(),
            usdm_token,
            &Cw20ExecuteMsg::IncreaseAllowance {
                spender: pair.to_string(),
                amount: usdm,
                expires: None,
            },
            &[],
        )
        .unwrap();
    s.app
        .execute_contract(
            who.clone(),
            pair.clone(),
            &PairExecute::ProvideLiquidity {
                max,
                min_shares: Uint128::zero(),
            },
            &[coin(asset.u128(), native_denom(symbol))],
        )
        .unwrap();
}

fn uncap_tiers(s: &mut Suite) {
    for tier in 1..=5 {
        s.govern(GovMsg::SetParam {
            param: ParamMsg::TierMaxShare {
                tier,
                value: Decimal::one(),
            },
        })
        .unwrap();
    }
}

/// Finding 1 (HIGH), through the hub: once the treasury held a share of a USDm/ETH pair with
/// about $340 a side, every mint and the treasury and supply-cap queries failed with an
/// overflow. Pairs of USDm with 6-, 8- and 18-decimal assets are now valued from one cent to
/// ten trillion dollars a side, and minting goes on.
#[test]
fn finding_1_the_hub_values_pairs_of_every_decimal_pairing_at_any_size() {
    for (symbol, price, decimals) in [("USDC", "1", 6u8), ("BTC", "50000", 8), ("ETH", "3000", 18)]
    {
        let mut s = Suite::new("mars");
        for (sym, p) in [
            ("USDC", "1"),
            ("DAI", "1"),
            ("BTC", "50000"),
            ("ETH", "3000"),
            ("UNI", "10"),
            ("XMS", "1000000"),
            ("USDm", "1"),
        ] {
            s.set_price(sym, p);
        }
        s.roll_epoch();
        uncap_tiers(&mut s);
        let whale = s.addr("whale");
        let denom = native_denom(symbol);
        s.fund(&whale, coin(3 * 10u128.pow(13 + 6), "uusdc"));
        s.fund(&whale, coin(10u128.pow(20 + u32::from(decimals)), denom));
        s.mint_native(&whale, "USDC", coin(2 * 10u128.pow(13 + 6), "uusdc"))
            .unwrap();
        // The treasury holds $1M of the asset.
        let price_raw = usdm_core::units::Price::parse(price).unwrap().raw();
        let worth = |dollars: u128| {
            let raw = cosmwasm_std::Uint256::from(dollars)
                * cosmwasm_std::Uint256::from(10u128.pow(u32::from(decimals)))
                * cosmwasm_std::Uint256::from(10u128.pow(18))
                / cosmwasm_std::Uint256::from(price_raw);
            Uint128::try_from(raw).unwrap().u128()
        };
        if symbol != "USDC" {
            s.mint_native(&whale, symbol, coin(worth(1_000_000), denom))
                .unwrap();
        }
        let (pair, pool) = s.deploy_pair_of("USDm", symbol, 600);
        s.treasury(TreasuryMsg::ProvideLiquidity {
            pool,
            asset_amount: Uint128::new(worth(1) / 100),
        })
        .unwrap();
        for dollars in [
            1u128,
            340,
            1_000_000,
            34_000_000,
            10u128.pow(9),
            10u128.pow(12),
            10u128.pow(13),
        ] {
            let current: PoolResponse = s
                .app
                .wrap()
                .query_wasm_smart(&pair, &PairQuery::Pool {})
                .unwrap();
            let usdm_side = current.tokens.iter().position(|t| t == "USDm").unwrap();
            let usdm_add =
                Uint128::new(dollars * 10u128.pow(18)).saturating_sub(current.reserves[usdm_side]);
            let asset_add =
                Uint128::new(worth(dollars)).saturating_sub(current.reserves[1 - usdm_side]);
            if !usdm_add.is_zero() && !asset_add.is_zero() {
                provide(&mut s, &whale, &pair, usdm_add, symbol, asset_add);
            }
            let t: TreasuryResponse = s.query(&QueryMsg::Treasury {});
            let position = t.positions.iter().find(|p| p.symbol == symbol).unwrap();
            assert!(!position.in_pools.is_zero(), "{symbol} ${dollars}");
            let cap = s.supply_cap();
            assert!(cap.supply_cap.is_some(), "{symbol} ${dollars}");
            let minnow = s.addr("minnow");
            s.fund(&minnow, coin(10_000_000, "uusdc"));
            s.mint_native(&minnow, "USDC", coin(10_000_000, "uusdc"))
                .unwrap_or_else(|e| panic!("{symbol} ${dollars}: {}", err(e)));
            s.check_custody();
        }
    }
}

/// A hub priced by a XMS/USDm pair whose history covers the TWAP window.
fn hub_with_pool_priced_xms() -> (Suite, Addr, u32) {
    let mut s = Suite::new("mars");
    s.open_market();
    let lp = s.addr("lp");
    s.fund(&lp, coin(10u128.pow(13), "uusdc"));
    s.mint_native(&lp, "USDC", coin(2_000_000 * 10u128.pow(6), "uusdc"))
        .unwrap();
    let market = s.market.clone();
    let xms = s.xms.clone();
    s.transfer(&xms, &market, &lp, units("1000000", 18));
    let (pair, pool) = s.deploy_pair_of("XMS", "USDm", 600);
    for (token, amount) in [
        (s.xms.clone(), units("400000", 18)),
        (s.usdm.clone(), units("1000000", 18)),
    ] {
        s.app
            .execute_contract(
                lp.clone(),
                token,
                &Cw20ExecuteMsg::IncreaseAllowance {
                    spender: pair.to_string(),
                    amount,
                    expires: None,
                },
                &[],
            )
            .unwrap();
    }
    s.app
        .execute_contract(
            lp.clone(),
            pair.clone(),
            &PairExecute::ProvideLiquidity {
                max: [units("400000", 18), units("1000000", 18)],
                min_shares: Uint128::zero(),
            },
            &[],
        )
        .unwrap();
    for _ in 0..5 {
        s.roll_epoch();
    }
    s.govern(GovMsg::SetPriceSource {
        symbol: "XMS".into(),
        pool: Some(pool),
    })
    .unwrap();
    s.prices.retain(|(sym, _)| sym != "XMS");
    (s, pair, pool)
}

/// Sells `amount` USDm into a pair.
fn sell_usdm(s: &mut Suite, who: &Addr, pair: &Addr, amount: Uint128) {
    let usdm = s.usdm.clone();
    s.app
        .execute_contract(
            who.clone(),
            usdm,
            &Cw20ExecuteMsg::Send {
                contract: pair.to_string(),
                amount,
                msg: cosmwasm_std::to_json_binary(&usdm_interface::pair::ReceiveMsg::Swap {
                    min_out: Uint128::zero(),
                })
                .unwrap(),
            },
            &[],
        )
        .unwrap();
}

/// Finding 3 (MEDIUM), on chain: `UnregisterPair` left the pool's last mirrored state in the
/// core, so XMS kept a price that never went stale (redeeming at it netted 9,578.87 USDm), and
/// the pair could never be registered again. Now it is refused while the pool prices a token;
/// once refused nothing changed; unregistering sweeps the fees; the pair can come back.
#[test]
fn finding_3_a_pair_that_prices_a_token_cannot_be_unregistered() {
    let (mut s, pair, pool) = hub_with_pool_priced_xms();
    let before = s.snapshot();
    let e = err(s.govern(GovMsg::UnregisterPair { pool }).unwrap_err());
    assert!(e.contains("prices XMS"), "{e}");
    assert_eq!(s.snapshot(), before);

    // Back to a feed; a swap leaves protocol fees in the pair; unregistering sweeps them.
    s.govern(GovMsg::SetPriceSource {
        symbol: "XMS".into(),
        pool: None,
    })
    .unwrap();
    s.set_price("XMS", "2.5");
    let lp = s.addr("lp");
    sell_usdm(&mut s, &lp, &pair, units("10000", 18));
    let supply = s.cw20_supply(&s.usdm);
    s.govern(GovMsg::UnregisterPair { pool }).unwrap();
    assert!(
        s.cw20_supply(&s.usdm) < supply,
        "the USDm fees were swept and burned"
    );
    let fees: PoolResponse = s
        .app
        .wrap()
        .query_wasm_smart(&pair, &PairQuery::Pool {})
        .unwrap();
    assert!(fees.protocol_fees.iter().all(|f| f.is_zero()));
    s.check_custody();
    assert!(s.state().pool(pool).unwrap().retired);

    // The pair can be registered again, as a new pool in the slot the retired one freed, and
    // price XMS at once (its history lives in the pair).
    s.govern(GovMsg::RegisterPair {
        pair: pair.to_string(),
    })
    .unwrap();
    let c: usdm_interface::hub::ConfigResponse = s.query(&QueryMsg::Config {});
    let again = c
        .pairs
        .iter()
        .find(|p| p.address == pair.as_str())
        .unwrap()
        .pool;
    assert_eq!(again, pool, "the retired pool's slot is reused");
    assert!(!s.state().pool(again).unwrap().retired);
    s.govern(GovMsg::SetPriceSource {
        symbol: "XMS".into(),
        pool: Some(again),
    })
    .unwrap();
    let p: usdm_interface::hub::PriceResponse = s.query(&QueryMsg::Price {
        symbol: "XMS".into(),
    });
    assert!(p.spot > dec("2.5"), "the pair's own price: {}", p.spot);
}

/// Finding 3: a pair in which the treasury holds liquidity cannot be unregistered either (the
/// liquidity could no longer be withdrawn through the hub).
#[test]
fn finding_3_a_pair_holding_treasury_liquidity_cannot_be_unregistered() {
    let mut s = Suite::new("mars");
    s.open_market();
    let alice = s.addr("alice");
    s.fund(&alice, coin(10u128.pow(13), "uusdc"));
    s.mint_native(&alice, "USDC", coin(10u128.pow(12), "uusdc"))
        .unwrap();
    s.deploy_pair();
    s.treasury(TreasuryMsg::ProvideLiquidity {
        pool: 0,
        asset_amount: units("1000", 6),
    })
    .unwrap();
    let before = s.snapshot();
    let e = err(s.govern(GovMsg::UnregisterPair { pool: 0 }).unwrap_err());
    assert!(e.contains("treasury holds"), "{e}");
    assert_eq!(s.snapshot(), before);
}

/// Finding 4 (LOW), on chain: a pair's checkpoints are spaced for its own window; raising the
/// protocol's window to 1,800 s left a 600 s pair unable to price XMS ever again, halting
/// Mars redemptions and minting. The change is refused while such a pair prices a token; a
/// pair with a longer window (up to 4 times the protocol's) is accepted and allows it.
#[test]
fn finding_4_the_twap_window_cannot_outgrow_a_pairs_checkpoints() {
    let (mut s, _, _) = hub_with_pool_priced_xms();
    let before = s.snapshot();
    let e = err(s
        .govern(GovMsg::SetParam {
            param: ParamMsg::TwapWindow(1_800),
        })
        .unwrap_err());
    assert!(e.contains("records checkpoints for a 600s window"), "{e}");
    assert_eq!(s.snapshot(), before);

    // A pair whose window is more than 4 times the protocol's is refused.
    let too_long = s.instantiate_pair("USDm", "USDC", 2_401);
    let e = err(s
        .govern(GovMsg::RegisterPair {
            pair: too_long.to_string(),
        })
        .unwrap_err());
    assert!(e.contains("TWAP window is 2401s"), "{e}");

    // XMS on a feed again: then the window may rise, and minting and redeeming go on.
    s.govern(GovMsg::SetPriceSource {
        symbol: "XMS".into(),
        pool: None,
    })
    .unwrap();
    s.set_price("XMS", "2.5");
    s.govern(GovMsg::SetParam {
        param: ParamMsg::TwapWindow(1_800),
    })
    .unwrap();
    s.roll_epoch();
    let alice = s.addr("alice");
    s.fund(&alice, coin(10u128.pow(12), "uusdc"));
    s.mint_native(&alice, "USDC", coin(10u128.pow(9), "uusdc"))
        .unwrap();
    s.redeem(&alice, units("100", 18), None).unwrap();
}

/// Finding 6 (MEDIUM, deployment): a capped XMS token was accepted, and once its cap was
/// reached `collect` failed for ever with "Minting cannot exceed the cap". Tokens whose minter
/// has a cap are refused at registration, USDm and XMS alike.
#[test]
fn finding_6_capped_protocol_tokens_are_refused() {
    let mut s = Suite::new("mars");
    let cw20_code = s.app.store_code(cw20_contract());
    let governance_code = s.app.store_code(governance_contract());
    let governance_checksum = s
        .app
        .wrap()
        .query_wasm_code_info(governance_code)
        .unwrap()
        .checksum;
    let pair_code = s
        .app
        .wrap()
        .query_wasm_code_info(s.pair_code)
        .unwrap()
        .checksum;
    for capped in ["USDm", "XMS"] {
        let hub = s
            .app
            .instantiate_contract(
                s.hub_code,
                s.gov.clone(),
                &InstantiateMsg {
                    governor: s.gov.to_string(),
                    feeders: vec![],
                    preset: "mars".into(),
                    xms_supply: units("1000", 18),
                    pair_code: Some(pair_code),
                    governance_code: governance_checksum,
                },
                &[],
                "hub",
                None,
            )
            .unwrap();
        let governance = s
            .app
            .instantiate_contract(
                governance_code,
                s.gov.clone(),
                &usdm_interface::governance::InstantiateMsg {
                    hub: hub.to_string(),
                },
                &[],
                "governance",
                None,
            )
            .unwrap();
        let token = |s: &mut Suite, symbol: &str, cap: Option<Uint128>, balances| {
            s.app
                .instantiate_contract(
                    cw20_code,
                    s.gov.clone(),
                    &cw20_base::msg::InstantiateMsg {
                        name: symbol.into(),
                        symbol: symbol.into(),
                        decimals: 18,
                        initial_balances: balances,
                        mint: Some(MinterResponse {
                            minter: hub.to_string(),
                            cap,
                        }),
                        marketing: None,
                    },
                    &[],
                    symbol,
                    None,
                )
                .unwrap()
        };
        let cap = Some(units("2000", 18));
        let market = s.market.to_string();
        let xms = token(
            &mut s,
            "XMS",
            cap.filter(|_| capped == "XMS"),
            vec![Cw20Coin {
                address: market,
                amount: units("1000", 18),
            }],
        );
        let usdm = token(&mut s, "USDm", cap.filter(|_| capped == "USDm"), vec![]);
        s.app
            .execute_contract(
                s.gov.clone(),
                hub,
                &ExecuteMsg::RegisterGovernance {
                    contract: governance.to_string(),
                },
                &[],
            )
            .unwrap();
        let e = err(s
            .app
            .execute_contract(
                s.gov.clone(),
                governance,
                &usdm_interface::governance::ExecuteMsg::Govern(
                    usdm_interface::governance::GovMsg::RegisterTokens {
                        usdm: usdm.to_string(),
                        xms: xms.to_string(),
                    },
                ),
                &[],
            )
            .unwrap_err());
        assert!(
            e.contains(&format!("{capped} token")) && e.contains("caps minting"),
            "{e}"
        );
    }
}

/// Finding 7 (LOW, trust): registration checked a pair's admin and configuration but not its
/// code, so an admin-less contract of other code could report any reserves or shares. The
/// hub now pins the pair code's checksum; governance may change it.
#[test]
fn finding_7_only_pairs_of_the_accepted_code_are_registered() {
    let mut s = Suite::new("mars");
    s.open_market();
    // The same pair, stored again: another code id, another checksum in this test chain.
    let other_code = s.app.store_code(pair_contract());
    let accepted = s.pair_code;
    s.pair_code = other_code;
    let impostor = s.instantiate_pair("USDm", "USDC", 600);
    let before = s.snapshot();
    let e = err(s
        .govern(GovMsg::RegisterPair {
            pair: impostor.to_string(),
        })
        .unwrap_err());
    assert!(e.contains("not the accepted pair code"), "{e}");
    assert_eq!(s.snapshot(), before);

    // Only governance changes the accepted code.
    let checksum: Checksum = s
        .app
        .wrap()
        .query_wasm_code_info(other_code)
        .unwrap()
        .checksum;
    let mallory = s.addr("mallory");
    let e = err(s
        .execute_governance(
            &mallory,
            &usdm_interface::governance::ExecuteMsg::Govern(GovMsg::SetPairCode {
                checksum: Some(checksum),
            }),
        )
        .unwrap_err());
    assert!(e.contains("only governance"), "{e}");
    s.govern(GovMsg::SetPairCode {
        checksum: Some(checksum),
    })
    .unwrap();
    let c: usdm_interface::hub::ConfigResponse = s.query(&QueryMsg::Config {});
    assert_eq!(c.pair_code, Some(checksum));
    s.govern(GovMsg::RegisterPair {
        pair: impostor.to_string(),
    })
    .unwrap();

    // With no accepted code, nothing is registered.
    s.govern(GovMsg::SetPairCode { checksum: None }).unwrap();
    s.pair_code = accepted;
    let pair = s.instantiate_pair("USDm", "DAI", 600);
    let e = err(s
        .govern(GovMsg::RegisterPair {
            pair: pair.to_string(),
        })
        .unwrap_err());
    assert!(e.contains("no pair code is accepted yet"), "{e}");
}
