//! Every error path: each refusal names the problem and what would be accepted, and leaves the
//! state exactly as it was (the suite asserts that on every refused mint, redeem and collect).

mod common;
use common::*;
use usdm_core::prelude::*;

fn mars() -> Suite {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[
        ("USDC", "1"),
        ("XMS", "2.5"),
        ("BTC", "50000"),
        ("ETH", "3000"),
        ("UNI", "10"),
    ]);
    s.roll_epoch();
    s
}

/// Runs `op` on a clone and asserts it fails with `expected` and changes nothing.
fn refused<T: std::fmt::Debug>(s: &Suite, op: impl FnOnce(&mut Protocol) -> Result<T>) -> Error {
    let mut p = s.p.clone();
    let err = op(&mut p).expect_err("operation should have been refused");
    assert_eq!(p, s.p, "refused operation changed state: {err}");
    assert!(!err.to_string().is_empty());
    err
}

#[test]
fn minting_fails_closed_in_the_first_epoch() {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5")]);
    s.give("alice", "USDC", "10");
    let err = s.mint("alice", "USDC", "10").unwrap_err();
    assert!(matches!(err, Error::NoSupplyCap { epoch: 0, .. }), "{err}");
    assert!(err.to_string().contains("first epoch"));
}

#[test]
fn minting_fails_closed_after_an_epoch_without_a_fresh_xms_price() {
    let mut s = Suite::new(Preset::Mars);
    s.set_prices(&[("USDC", "1"), ("XMS", "2.5")]);
    s.prices.remove(&XMS); // the XMS feeder goes quiet
    s.advance_seconds(180 + 300 + 180 + 180);
    s.give("alice", "USDC", "10");
    let err = s.mint("alice", "USDC", "10").unwrap_err();
    assert!(matches!(err, Error::NoSupplyCap { .. }), "{err}");
    assert!(err.to_string().contains("no fresh XMS price"));
}

#[test]
fn unknown_asset_lists_the_whitelist() {
    let s = mars();
    let req = MintRequest::collateral(sym("DOGE"), amt("1", 8), Amount::ZERO, Amount::ZERO);
    let err = refused(&s, |p| p.mint(&Account::new("a"), &req, s.now));
    assert!(matches!(err, Error::UnknownAsset { .. }));
    assert!(err.to_string().contains("USDC, USDT"), "{err}");
}

#[test]
fn zero_amounts_are_refused() {
    let s = mars();
    let req = MintRequest::collateral(sym("USDC"), Amount::ZERO, Amount::ZERO, Amount::ZERO);
    let err = refused(&s, |p| p.mint(&Account::new("a"), &req, s.now));
    assert_eq!(
        err,
        Error::ZeroAmount {
            what: "collateral amount"
        }
    );
    let err = refused(&s, |p| {
        p.redeem(
            &Account::new("a"),
            &RedeemRequest::new(Amount::ZERO, None),
            s.now,
        )
    });
    assert_eq!(
        err,
        Error::ZeroAmount {
            what: "USDm amount"
        }
    );
}

#[test]
fn missing_and_stale_prices_fail_closed_with_the_feed_and_its_age() {
    let mut s = mars();
    // DAI never had a price.
    let req = MintRequest::collateral(sym("DAI"), amt("1", 18), Amount::ZERO, Amount::ZERO);
    let err = refused(&s, |p| p.mint(&Account::new("a"), &req, s.now));
    assert_eq!(err, Error::MissingPrice { symbol: sym("DAI") });
    // USDC goes stale.
    s.prices.remove(&sym("USDC"));
    s.advance_seconds(301);
    let req = MintRequest::collateral(sym("USDC"), amt("1", 6), Amount::ZERO, Amount::ZERO);
    let err = refused(&s, |p| p.mint(&Account::new("a"), &req, s.now));
    assert!(
        matches!(err, Error::StalePrice { max_age: 300, age, .. } if age > 300),
        "{err}"
    );
    assert!(err.to_string().contains("USDC is stale"));
}

#[test]
fn bad_price_posts_are_refused() {
    let s = mars();
    let f = s.feeder.clone();
    let err = refused(&s, |p| {
        p.post_price(&f, XMS, price("1"), s.now.seconds + 1, s.now)
    });
    assert!(matches!(err, Error::PriceFromFuture { .. }));
    let err = refused(&s, |p| {
        p.post_price(&f, XMS, price("1"), s.now.seconds - 1_000, s.now)
    });
    assert!(matches!(err, Error::PriceOutOfOrder { .. }));
    let err = refused(&s, |p| {
        p.post_price(&f, sym("DOGE"), price("1"), s.now.seconds, s.now)
    });
    assert!(matches!(err, Error::UnknownAsset { .. }));
    let err = refused(&s, |p| {
        p.post_price(
            &Account::new("mallory"),
            XMS,
            price("1"),
            s.now.seconds,
            s.now,
        )
    });
    assert!(matches!(err, Error::Unauthorized { .. }));
    assert_eq!(Price::new(0), Err(Error::ZeroPrice));
}

#[test]
fn time_cannot_go_backwards() {
    let s = mars();
    let past = BlockTime::new(s.now.height - 1, s.now.seconds);
    let err = refused(&s, |p| p.poke(past));
    assert!(matches!(err, Error::TimeWentBackwards { .. }));
}

#[test]
fn share_cap_rejection_reports_the_largest_accepted_deposit_which_is_then_accepted() {
    let mut s = mars();
    s.give("alice", "USDC", "1000000");
    s.mint("alice", "USDC", "1000000").unwrap();
    // BTC max 50%: with $1M of USDC, at most $1M of BTC = 20 BTC at $50k.
    assert_eq!(
        s.p.max_deposit(sym("BTC"), s.now).unwrap(),
        Some(amt("20", 8))
    );
    s.give("alice", "BTC", "25");
    let err = s.mint("alice", "BTC", "25").unwrap_err();
    let Error::ShareCapExceeded {
        max_deposit,
        max_share,
        ..
    } = err.clone()
    else {
        panic!("{err}")
    };
    assert_eq!(max_share, Ratio::bps(5_000));
    assert_eq!(max_deposit.amount, amt("20", 8));
    assert!(err.to_string().contains("at most 20 BTC"), "{err}");
    // One base unit more than the maximum is refused, the maximum itself accepted.
    let just_over = MintRequest::collateral(
        sym("BTC"),
        Amount::new(amt("20", 8).raw() + 1),
        Amount::ZERO,
        Amount::ZERO,
    );
    assert!(matches!(
        s.mint_request("alice", &just_over),
        Err(Error::ShareCapExceeded { .. })
    ));
    s.mint("alice", "BTC", "20").unwrap();
    assert_eq!(
        s.p.max_deposit(sym("BTC"), s.now).unwrap(),
        Some(Amount::ZERO)
    );
    // Stablecoins are uncapped.
    assert_eq!(s.p.max_deposit(sym("USDC"), s.now).unwrap(), None);
}

#[test]
fn a_capped_asset_cannot_be_the_first_deposit() {
    let mut s = mars();
    s.give("alice", "ETH", "1");
    let err = s.mint("alice", "ETH", "1").unwrap_err();
    let Error::ShareCapExceeded { max_deposit, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(max_deposit.amount, Amount::ZERO);
}

#[test]
fn xms_limit_and_slippage_name_the_required_amounts() {
    let mut s = Suite::frax_at("0.8");
    s.set_prices(&[("USDC", "1"), ("XMS", "2")]);
    s.roll_epoch();
    s.give("alice", "USDC", "120");
    let req = MintRequest::collateral(sym("USDC"), amt("120", 6), usdm("14.9"), Amount::ZERO);
    let err = s.mint_request("alice", &req).unwrap_err();
    assert_eq!(
        err,
        Error::XmsLimitExceeded {
            required: Box::new(Quantity::xms(usdm("15"))),
            max: Box::new(Quantity::xms(usdm("14.9")))
        }
    );
    assert!(err.to_string().contains("15 XMS"), "{err}");
    let req = MintRequest::collateral(
        sym("USDC"),
        amt("120", 6),
        usdm("15"),
        usdm("150.000000000000000001"),
    );
    let err = s.mint_request("alice", &req).unwrap_err();
    assert!(matches!(err, Error::SlippageExceeded { .. }), "{err}");
}

#[test]
fn mint_pauses_and_flags_leave_redemption_open() {
    let mut s = mars();
    s.give("alice", "USDC", "100");
    s.mint("alice", "USDC", "50").unwrap();
    s.govern(GovAction::Pause {
        target: PauseTarget::Mint,
    });
    assert_eq!(s.mint("alice", "USDC", "1").unwrap_err(), Error::MintPaused);
    // Redemption still works while minting is paused.
    s.redeem_and_collect("alice", "10", None);
    s.govern(GovAction::Unpause {
        target: PauseTarget::Mint,
    });
    s.govern(GovAction::Pause {
        target: PauseTarget::MintAsset(sym("USDC")),
    });
    assert_eq!(
        s.mint("alice", "USDC", "1").unwrap_err(),
        Error::AssetMintPaused {
            symbol: sym("USDC")
        }
    );
    s.govern(GovAction::Unpause {
        target: PauseTarget::MintAsset(sym("USDC")),
    });
    s.govern(GovAction::UpdateAsset {
        symbol: sym("USDC"),
        update: AssetUpdate {
            mint_enabled: Some(false),
            ..AssetUpdate::default()
        },
    });
    assert_eq!(
        s.mint("alice", "USDC", "1").unwrap_err(),
        Error::MintDisabled {
            symbol: sym("USDC")
        }
    );
}

#[test]
fn redemption_errors() {
    let mut s = Suite::frax_at("1");
    s.set_prices(&[("USDC", "1"), ("DAI", "1"), ("XMS", "2")]);
    s.roll_epoch();
    s.give("alice", "USDC", "100");
    s.mint("alice", "USDC", "100").unwrap();
    // At ratio 1 the redemption must name the collateral.
    assert_eq!(
        s.redeem("alice", "10", None).unwrap_err(),
        Error::AssetRequired { cr: Ratio::ONE }
    );
    // The treasury holds no DAI.
    let err = s.redeem("alice", "10", Some("DAI")).unwrap_err();
    assert!(matches!(err, Error::InsufficientTreasury { .. }), "{err}");
    assert!(err.to_string().contains("nothing was burned"));
    // Redeem pause.
    s.govern(GovAction::Pause {
        target: PauseTarget::Redeem,
    });
    assert_eq!(
        s.redeem("alice", "10", Some("USDC")).unwrap_err(),
        Error::RedeemPaused
    );
    s.govern(GovAction::Unpause {
        target: PauseTarget::Redeem,
    });
    // Redeem-disabled asset.
    s.govern(GovAction::UpdateAsset {
        symbol: sym("USDC"),
        update: AssetUpdate {
            redeem_enabled: Some(false),
            ..AssetUpdate::default()
        },
    });
    assert_eq!(
        s.redeem("alice", "10", Some("USDC")).unwrap_err(),
        Error::RedeemDisabled {
            symbol: sym("USDC")
        }
    );
    s.govern(GovAction::UpdateAsset {
        symbol: sym("USDC"),
        update: AssetUpdate {
            redeem_enabled: Some(true),
            ..AssetUpdate::default()
        },
    });
    // Minimum outputs.
    let req = RedeemRequest {
        min_collateral_out: amt("10.000001", 6),
        ..RedeemRequest::new(usdm("10"), Some(sym("USDC")))
    };
    assert!(matches!(
        s.redeem_request("alice", &req),
        Err(Error::SlippageExceeded { .. })
    ));
    // Dust: below the minimum redemption (1 USDm by default), and below one base unit of
    // output once governance lowers the minimum to one base unit.
    let req = RedeemRequest::new(Amount::new(1), Some(sym("USDC")));
    let err = s.redeem_request("alice", &req).unwrap_err();
    assert!(matches!(err, Error::BelowMinimumRedemption { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "redemption of 0.000000000000000001 USDm is below the minimum of 1 USDm"
    );
    s.govern(GovAction::SetParam {
        change: ParamChange::MinRedemption(Amount::new(1)),
    });
    assert_eq!(
        s.redeem_request("alice", &req).unwrap_err(),
        Error::OutputTooSmall {
            what: "collateral or XMS"
        }
    );
    // More USDm than exists.
    let err = s.redeem("alice", "1000", Some("USDC")).unwrap_err();
    assert!(matches!(err, Error::ExceedsSupply { .. }), "{err}");
    assert!(err.to_string().contains("in circulation"), "{err}");
}

#[test]
fn collect_waits_for_the_delay_and_only_once() {
    let mut s = mars();
    s.give("alice", "USDC", "100");
    s.mint("alice", "USDC", "100").unwrap();
    let pending = s.redeem("alice", "50", None).unwrap();
    assert_eq!(pending.ready_at, s.now.height + 2);
    let err = s.collect(pending.id).unwrap_err();
    assert_eq!(
        err,
        Error::RedemptionNotReady {
            id: pending.id,
            ready_at: pending.ready_at,
            height: s.now.height
        }
    );
    assert!(err.to_string().contains("2 blocks to wait"), "{err}");
    s.advance(1);
    assert!(matches!(
        s.collect(pending.id),
        Err(Error::RedemptionNotReady { .. })
    ));
    s.advance(1);
    s.collect(pending.id).unwrap();
    assert_eq!(
        s.collect(pending.id).unwrap_err(),
        Error::UnknownRedemption { id: pending.id }
    );
    assert_eq!(
        s.collect(999).unwrap_err(),
        Error::UnknownRedemption { id: 999 }
    );
}

#[test]
fn refresh_errors() {
    let mut s = mars();
    let err = refused(&s, |p| p.refresh_ratio(s.now));
    assert_eq!(
        err,
        Error::NotFraxPolicy {
            operation: "refresh"
        }
    );
    let mut f = Suite::new(Preset::Frax);
    f.set_prices(&[("USDm", "1.01")]);
    f.advance(1);
    f.p.refresh_ratio(f.now).unwrap();
    let err = refused(&f, |p| p.refresh_ratio(f.now));
    assert!(matches!(err, Error::RefreshCooldown { .. }));
    f.govern(GovAction::Pause {
        target: PauseTarget::Refresh,
    });
    let err = refused(&f, |p| p.refresh_ratio(f.now));
    assert_eq!(err, Error::RefreshPaused);
    // Stale USDm price.
    s = Suite::new(Preset::Frax);
    let err = refused(&s, |p| p.refresh_ratio(s.now));
    assert_eq!(err, Error::MissingPrice { symbol: USDM });
}

#[test]
fn wrong_mint_input_for_the_ratio() {
    let mut s = Suite::frax_at("0.5");
    s.set_prices(&[("USDC", "1"), ("XMS", "2")]);
    s.roll_epoch();
    s.give_xms("alice", "10");
    let algo = MintRequest {
        input: MintInput::Algorithmic { xms_in: usdm("10") },
        min_usdm_out: Amount::ZERO,
    };
    assert!(matches!(
        s.mint_request("alice", &algo),
        Err(Error::WrongMintInput { .. })
    ));
    s.govern(GovAction::SetCollateralRatio { cr: Ratio::ZERO });
    s.give("alice", "USDC", "1");
    assert!(matches!(
        s.mint("alice", "USDC", "1"),
        Err(Error::WrongMintInput { .. })
    ));
    let q = s.mint_request("alice", &algo).unwrap();
    assert_eq!(q.usdm_out, usdm("20"));
}

#[test]
fn governance_is_refused_to_everyone_else() {
    let s = mars();
    let mallory = Account::new("mallory");
    let actions = vec![
        GovAction::ProposeGovernor {
            candidate: mallory.clone(),
        },
        GovAction::CancelGovernorProposal,
        GovAction::AddFeeder {
            feeder: mallory.clone(),
        },
        GovAction::RemoveFeeder {
            feeder: s.feeder.clone(),
        },
        GovAction::WhitelistAsset {
            config: AssetConfig::new(sym("DOGE"), 8, Tier::DefiBlueChip),
        },
        GovAction::UpdateAsset {
            symbol: sym("USDC"),
            update: AssetUpdate::default(),
        },
        GovAction::SetParam {
            change: ParamChange::EpochSeconds(60),
        },
        GovAction::SetCollateralRatio { cr: Ratio::ONE },
        GovAction::Pause {
            target: PauseTarget::Redeem,
        },
        GovAction::Unpause {
            target: PauseTarget::Redeem,
        },
    ];
    for action in actions {
        let err = refused(&s, |p| p.govern(&mallory, action.clone(), s.now));
        assert!(
            matches!(err, Error::Unauthorized { .. }),
            "{action:?}: {err}"
        );
        // Feeders cannot govern either.
        let err = refused(&s, |p| p.govern(&s.feeder, action.clone(), s.now));
        assert!(
            matches!(err, Error::Unauthorized { .. }),
            "{action:?}: {err}"
        );
    }
}

#[test]
fn governance_transfer_takes_two_steps() {
    let mut s = mars();
    let next = Account::new("dao");
    let err = refused(&s, |p| p.accept_governor(&next, s.now));
    assert_eq!(err, Error::NoPendingGovernor);
    s.govern(GovAction::ProposeGovernor {
        candidate: next.clone(),
    });
    let err = refused(&s, |p| p.accept_governor(&Account::new("mallory"), s.now));
    assert!(matches!(err, Error::Unauthorized { .. }));
    // Still the old governor until accepted.
    assert_eq!(s.p.governance().governor, s.gov);
    s.p.accept_governor(&next, s.now).unwrap();
    assert_eq!(s.p.governance().governor, next);
    let err = refused(&s, |p| {
        p.govern(
            &Account::new("gov"),
            GovAction::CancelGovernorProposal,
            s.now,
        )
    });
    assert!(matches!(err, Error::Unauthorized { .. }));
    s.gov = next;
    let err = refused(&s, |p| {
        p.govern(&s.gov, GovAction::CancelGovernorProposal, s.now)
    });
    assert_eq!(err, Error::NoPendingGovernor);
}

#[test]
fn invalid_governance_inputs_are_refused() {
    let s = mars();
    let g = s.gov.clone();
    let err = refused(&s, |p| {
        p.govern(
            &g,
            GovAction::AddFeeder {
                feeder: s.feeder.clone(),
            },
            s.now,
        )
    });
    assert!(matches!(err, Error::FeederState { present: true, .. }));
    let err = refused(&s, |p| {
        p.govern(
            &g,
            GovAction::RemoveFeeder {
                feeder: Account::new("x"),
            },
            s.now,
        )
    });
    assert!(matches!(err, Error::FeederState { present: false, .. }));
    let err = refused(&s, |p| {
        p.govern(
            &g,
            GovAction::WhitelistAsset {
                config: AssetConfig::new(sym("USDC"), 6, Tier::Stablecoin),
            },
            s.now,
        )
    });
    assert!(matches!(err, Error::AssetAlreadyListed { .. }));
    let err = refused(&s, |p| {
        p.govern(
            &g,
            GovAction::WhitelistAsset {
                config: AssetConfig::new(USDM, 18, Tier::Stablecoin),
            },
            s.now,
        )
    });
    assert_eq!(err, Error::UsdmAsCollateral);
    let err = refused(&s, |p| {
        p.govern(
            &g,
            GovAction::SetParam {
                change: ParamChange::EpochSeconds(5),
            },
            s.now,
        )
    });
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "epoch_seconds",
                ..
            }
        ),
        "{err}"
    );
    let err = refused(&s, |p| {
        p.govern(
            &g,
            GovAction::UpdateAsset {
                symbol: sym("USDC"),
                update: AssetUpdate {
                    mint_fee: Some(Some(Ratio::bps(5_000))),
                    ..AssetUpdate::default()
                },
            },
            s.now,
        )
    });
    assert!(matches!(err, Error::InvalidParameter { name: "fee", .. }));
    let err = refused(&s, |p| {
        p.govern(
            &g,
            GovAction::Pause {
                target: PauseTarget::MintAsset(sym("DOGE")),
            },
            s.now,
        )
    });
    assert!(matches!(err, Error::UnknownAsset { .. }));
    let err = refused(&s, |p| {
        p.govern(&g, GovAction::SetCollateralRatio { cr: Ratio::ONE }, s.now)
    });
    assert!(matches!(err, Error::NotFraxPolicy { .. }));
}

#[test]
fn genesis_refuses_bad_configuration() {
    let g = Genesis::new(Preset::Mars, Account::new("gov"), START).with_assets(vec![
        AssetConfig::new(sym("USDC"), 6, Tier::Stablecoin),
        AssetConfig::new(sym("USDC"), 6, Tier::Stablecoin),
    ]);
    assert!(matches!(
        Protocol::genesis(g),
        Err(Error::AssetAlreadyListed { .. })
    ));
    let mut g = Genesis::new(Preset::Mars, Account::new("gov"), START);
    g.params.redemption_delay = 0;
    assert!(matches!(
        Protocol::genesis(g),
        Err(Error::InvalidParameter {
            name: "redemption_delay",
            ..
        })
    ));
}

#[test]
fn overflow_sized_amounts_are_refused_not_wrapped() {
    let s = mars();
    // 10^38 base units of an 18-decimal token at $60,000 is far beyond 128 bits of USD.
    let req = MintRequest::collateral(
        sym("ETH"),
        Amount::new(10u128.pow(38)),
        Amount::ZERO,
        Amount::ZERO,
    );
    let err = refused(&s, |p| p.mint(&Account::new("a"), &req, s.now));
    assert!(matches!(err, Error::Overflow(_)), "{err}");
    // Redeeming more USDm than can exist is refused too.
    let req = RedeemRequest::new(Amount::new(u128::MAX), None);
    let err = refused(&s, |p| p.redeem(&Account::new("a"), &req, s.now));
    assert!(matches!(err, Error::ExceedsSupply { .. }), "{err}");
}
