//! The protocol deployed on a [`World`] in the documented order (hub, its governance contract,
//! XMS and USDm as cw20 tokens minted by the hub, registration, assets whitelisted through
//! governance, prices), with one method per action. Older releases (0.1, 0.2: assets at
//! instantiation, `register_tokens`, governance on the hub) deploy with their own messages.

use crate::artifacts;
use crate::world::{Tx, World};
use cosmwasm_std::{coin, to_json_binary, Addr, Coin, Decimal, Uint128};
use cw20::{BalanceResponse, Cw20Coin, Cw20ExecuteMsg, Cw20QueryMsg, MinterResponse};
use std::rc::Rc;
use usdm_interface::governance::{
    AssetMsg, ExecuteMsg as GovernanceMsg, GovMsg, InstantiateMsg as GovernanceInstantiate,
    TreasuryMsg,
};
use usdm_interface::hub::{ExecuteMsg, InstantiateMsg, QueryMsg, ReceiveMsg};
use usdm_interface::pair::{InstantiateMsg as PairInstantiate, PairToken};
use usdm_interface::AssetInfo;

/// Seconds per block.
pub const BLOCK_SECONDS: u64 = 3;

/// Whole tokens as base units.
pub fn units(whole: u128, decimals: u32) -> Uint128 {
    Uint128::new(whole * 10u128.pow(decimals))
}

/// The code ids of the artifacts.
#[derive(Clone, Copy, Debug)]
pub struct Codes {
    /// The hub.
    pub hub: u64,
    /// The governance contract (none stored for an older release).
    pub governance: Option<u64>,
    /// The Mars Swap pair.
    pub pair: u64,
    /// cw20-base.
    pub cw20: u64,
}

/// The deployed protocol and its actors.
pub struct Chain {
    /// The chain.
    pub w: Rc<World>,
    /// Code ids.
    pub codes: Codes,
    /// The hub.
    pub hub: Addr,
    /// The hub's governance contract; none on an older release, whose hub takes governance
    /// messages itself.
    pub governance: Option<Addr>,
    /// The USDm token.
    pub usdm: Addr,
    /// The XMS token.
    pub xms: Addr,
    /// A cw20 collateral (DAI).
    pub dai: Addr,
    /// Governance.
    pub gov: Addr,
    /// The price feeder.
    pub feeder: Addr,
    /// Holds the XMS supply and the DAI.
    pub market: Addr,
    /// Prices the feeder re-posts on every advance.
    pub prices: Vec<(String, Decimal)>,
}

/// The first assets whitelisted, with their price: a native and a cw20 stablecoin, BTC
/// (share-capped), XMS (tier 5), ETH and UNI; then native stablecoins `S05`, `S06`, ...
pub const BASE_ASSETS: [(&str, &str); 6] = [
    ("USDC", "1"),
    ("DAI", "1"),
    ("BTC", "60000"),
    ("XMS", "2.5"),
    ("ETH", "3000"),
    ("UNI", "10"),
];

/// The symbol of the `i`-th whitelisted asset (0-based).
pub fn asset_symbol(i: usize) -> String {
    BASE_ASSETS
        .get(i)
        .map_or_else(|| format!("S{:02}", i + 1), |(s, _)| s.to_string())
}

/// A whitelist of `n` assets (at least 4): see [`BASE_ASSETS`].
pub fn assets(dai: &Addr, n: usize) -> Vec<AssetMsg> {
    assert!(n >= 4, "the whitelist needs USDC, DAI, BTC and XMS");
    (0..n)
        .map(|i| {
            let symbol = asset_symbol(i);
            let (decimals, tier, info) = match symbol.as_str() {
                "USDC" => (
                    6,
                    1,
                    AssetInfo::Native {
                        denom: "uusdc".into(),
                    },
                ),
                "DAI" => (
                    18,
                    1,
                    AssetInfo::Cw20 {
                        contract: dai.to_string(),
                    },
                ),
                "BTC" => (
                    8,
                    2,
                    AssetInfo::Native {
                        denom: "ubtc".into(),
                    },
                ),
                "XMS" => (
                    18,
                    5,
                    AssetInfo::Native {
                        denom: "placeholder".into(),
                    },
                ),
                "ETH" => (
                    18,
                    3,
                    AssetInfo::Native {
                        denom: "aeth".into(),
                    },
                ),
                "UNI" => (
                    18,
                    4,
                    AssetInfo::Native {
                        denom: "auni".into(),
                    },
                ),
                s => (
                    6,
                    1,
                    AssetInfo::Native {
                        denom: format!("u{}", s.to_lowercase()),
                    },
                ),
            };
            AssetMsg {
                symbol,
                decimals,
                tier,
                info,
                max_share: None,
                mint_fee: None,
                redeem_fee: None,
            }
        })
        .collect()
}

fn ok(r: Result<Tx, String>, what: &str) -> Tx {
    r.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Stores `wasm` (`name` for errors) as `creator`, checked as a chain checks it.
fn store(w: &World, creator: &Addr, name: &str, wasm: &[u8]) -> u64 {
    w.store_code(wasm, creator)
        .unwrap_or_else(|e| panic!("{name} fails the chain's checks: {e}"))
}

impl Chain {
    /// Stores the artifacts and deploys under `preset` with `n` whitelisted assets
    /// ([`assets`]).
    pub fn deploy(preset: &str, n: usize) -> Chain {
        let w = World::new();
        let gov = w.addr("gov");
        let codes = Codes {
            hub: store(&w, &gov, "usdm_hub.wasm", &artifacts::load("usdm_hub.wasm")),
            governance: Some(store(
                &w,
                &gov,
                "usdm_governance.wasm",
                &artifacts::load("usdm_governance.wasm"),
            )),
            pair: store(&w, &gov, "mars_swap_pair.wasm", &artifacts::load("mars_swap_pair.wasm")),
            cw20: store(&w, &gov, "cw20_token.wasm", &artifacts::load("cw20_token.wasm")),
        };
        let mut c = Chain::around(w, codes, |c| {
            serde_json::to_value(InstantiateMsg {
                governor: c.gov.to_string(),
                feeders: vec![c.feeder.to_string()],
                preset: preset.into(),
                xms_supply: units(100_000_000, 18),
                pair_code: Some(c.w.checksum(c.codes.pair)),
                governance_code: c.w.checksum(c.codes.governance.expect("stored")),
            })
            .unwrap()
        });
        c.add_governance();
        ok(
            c.govern(GovMsg::RegisterTokens {
                usdm: c.usdm.to_string(),
                xms: c.xms.to_string(),
            }),
            "register the tokens",
        );
        for asset in assets(&c.dai, n) {
            ok(c.govern(GovMsg::WhitelistAsset { asset }), "whitelist an asset");
        }
        c
    }

    /// An older release's hub and pair code (0.1's or 0.2's), deployed with that release's
    /// messages: the assets at instantiation, `register_tokens`, governance on the hub.
    pub fn deploy_legacy(preset: &str, n: usize, hub_wasm: &[u8], pair_wasm: &[u8]) -> Chain {
        let w = World::new();
        let gov = w.addr("gov");
        let codes = Codes {
            hub: store(&w, &gov, "the older hub", hub_wasm),
            governance: None,
            pair: store(&w, &gov, "the older pair", pair_wasm),
            cw20: store(&w, &gov, "cw20_token.wasm", &artifacts::load("cw20_token.wasm")),
        };
        let c = Chain::around(w, codes, |c| {
            serde_json::json!({
                "governor": c.gov,
                "feeders": [c.feeder],
                "preset": preset,
                "assets": assets(&c.dai, n),
                "xms_supply": units(100_000_000, 18),
                "pair_code": c.w.checksum(c.codes.pair),
            })
        });
        ok(
            c.w.execute(
                &c.gov,
                &c.hub,
                &serde_json::json!({"register_tokens": {"usdm": c.usdm, "xms": c.xms}}),
                &[],
            ),
            "register tokens",
        );
        c
    }

    /// DAI, the hub (instantiated with the message `hub_msg` builds), XMS and USDm.
    fn around(w: Rc<World>, codes: Codes, hub_msg: impl FnOnce(&Chain) -> serde_json::Value) -> Chain {
        let gov = w.addr("gov");
        let feeder = w.addr("feeder");
        let market = w.addr("market");
        let cw20 = |symbol: &str, decimals: u8, balances: Vec<Cw20Coin>, minter: Option<&Addr>| {
            let msg = cw20_base::msg::InstantiateMsg {
                name: symbol.into(),
                symbol: symbol.into(),
                decimals,
                initial_balances: balances,
                mint: minter.map(|m| MinterResponse {
                    minter: m.to_string(),
                    cap: None,
                }),
                marketing: None,
            };
            w.instantiate(codes.cw20, &gov, &msg, &[], symbol, None)
                .unwrap_or_else(|e| panic!("instantiate {symbol}: {e}"))
                .0
        };
        let dai = cw20(
            "DAI",
            18,
            vec![Cw20Coin {
                address: market.to_string(),
                amount: units(100_000_000, 18),
            }],
            None,
        );
        let mut c = Chain {
            w: w.clone(),
            codes,
            hub: Addr::unchecked(""),
            governance: None,
            usdm: Addr::unchecked(""),
            xms: Addr::unchecked(""),
            dai,
            gov: gov.clone(),
            feeder,
            market: market.clone(),
            prices: Vec::new(),
        };
        let msg = hub_msg(&c);
        let (hub, _) = w
            .instantiate(codes.hub, &gov, &msg, &[], "hub", Some(&gov))
            .unwrap_or_else(|e| panic!("instantiate the hub: {e}"));
        c.xms = cw20(
            "XMS",
            18,
            vec![Cw20Coin {
                address: market.to_string(),
                amount: units(100_000_000, 18),
            }],
            Some(&hub),
        );
        c.usdm = cw20("USDm", 18, vec![], Some(&hub));
        c.hub = hub;
        c
    }

    /// Instantiates the governance contract for the hub and registers it
    /// (`register_governance`): a new deployment's step before its tokens, an upgraded one's
    /// first.
    pub fn add_governance(&mut self) {
        let governance = self.instantiate_governance();
        ok(
            self.exec(
                &self.gov,
                &ExecuteMsg::RegisterGovernance {
                    contract: governance.to_string(),
                },
                &[],
            ),
            "register the governance contract",
        );
        self.governance = Some(governance);
    }

    /// The governance contract's code id, storing it if need be.
    pub fn governance_code(&mut self) -> u64 {
        match self.codes.governance {
            Some(code) => code,
            None => {
                let code = store(
                    &self.w,
                    &self.gov,
                    "usdm_governance.wasm",
                    &artifacts::load("usdm_governance.wasm"),
                );
                self.codes.governance = Some(code);
                code
            }
        }
    }

    /// A governance contract for the hub (its code stored if need be), not yet registered.
    pub fn instantiate_governance(&mut self) -> Addr {
        let code = self.governance_code();
        let (governance, _) = self
            .w
            .instantiate(
                code,
                &self.gov,
                &GovernanceInstantiate {
                    hub: self.hub.to_string(),
                },
                &[],
                "governance",
                Some(&self.gov),
            )
            .unwrap_or_else(|e| panic!("instantiate the governance contract: {e}"));
        governance
    }

    /// A valid address for `name`.
    pub fn addr(&self, name: &str) -> Addr {
        self.w.addr(name)
    }

    /// Executes `msg` on the hub.
    pub fn exec(&self, sender: &Addr, msg: &ExecuteMsg, funds: &[Coin]) -> Result<Tx, String> {
        self.w.execute(sender, &self.hub, msg, funds)
    }

    /// A governance message from governance: to the governance contract, or to an older
    /// release's hub.
    pub fn govern(&self, msg: GovMsg) -> Result<Tx, String> {
        self.governance_msg(GovernanceMsg::Govern(msg))
    }

    /// A treasury operation from governance.
    pub fn treasury(&self, msg: TreasuryMsg) -> Result<Tx, String> {
        self.governance_msg(GovernanceMsg::TreasuryOp(msg))
    }

    fn governance_msg(&self, msg: GovernanceMsg) -> Result<Tx, String> {
        match &self.governance {
            Some(g) => self.w.execute(&self.gov, g, &msg, &[]),
            None => self.w.execute(&self.gov, &self.hub, &msg, &[]),
        }
    }

    /// Posts `price` for `symbol` now and re-posts it on every advance.
    pub fn set_price(&mut self, symbol: &str, price: &str) -> Tx {
        let price: Decimal = price.parse().expect("a decimal price");
        self.prices.retain(|(s, _)| s != symbol);
        self.prices.push((symbol.to_string(), price));
        self.post_price(symbol, price)
    }

    fn post_price(&self, symbol: &str, price: Decimal) -> Tx {
        ok(self.try_post_price(symbol, price), "post price")
    }

    /// The feeder posts `price` for `symbol`, observed now.
    pub fn try_post_price(&self, symbol: &str, price: Decimal) -> Result<Tx, String> {
        let observed_at = self.w.block().time.seconds();
        self.exec(
            &self.feeder,
            &ExecuteMsg::PostPrice {
                symbol: symbol.into(),
                price,
                observed_at,
            },
            &[],
        )
    }

    /// `lp` deposits `usdm` USDm (approving `pair` for it) and `usdc` base units of native USDC
    /// into a USDm/USDC pair.
    pub fn provide_liquidity(
        &self,
        lp: &Addr,
        pair: &Addr,
        usdm: Uint128,
        usdc: u128,
    ) -> Result<Tx, String> {
        self.w.execute(
            lp,
            &self.usdm,
            &Cw20ExecuteMsg::IncreaseAllowance {
                spender: pair.to_string(),
                amount: usdm,
                expires: None,
            },
            &[],
        )?;
        self.w.execute(
            lp,
            pair,
            &usdm_interface::pair::ExecuteMsg::ProvideLiquidity {
                max: [usdm, Uint128::new(usdc)],
                min_shares: Uint128::zero(),
            },
            &[coin(usdc, "uusdc")],
        )
    }

    /// Advances `blocks` blocks and re-posts every remembered price.
    pub fn advance(&self, blocks: u64) {
        self.w.advance(blocks, blocks * BLOCK_SECONDS);
        for (s, p) in &self.prices {
            self.post_price(s, *p);
        }
    }

    /// A price for every whitelisted asset and USDm, and one epoch rolled, so minting is open.
    pub fn open_market(&mut self) {
        let config: usdm_interface::hub::ConfigResponse =
            self.query(&QueryMsg::Config {}).expect("config");
        let symbols: Vec<String> = config.assets.iter().map(|a| a.symbol.clone()).collect();
        self.open_market_for(&symbols);
    }

    /// [`Chain::open_market`] for the assets `symbols` (without asking the hub which).
    pub fn open_market_for(&mut self, symbols: &[String]) {
        for symbol in symbols {
            let price = BASE_ASSETS
                .iter()
                .find(|(s, _)| s == symbol)
                .map_or("1", |(_, p)| p);
            self.set_price(symbol, price);
        }
        self.set_price("USDm", "1");
        self.advance(180 / BLOCK_SECONDS);
    }

    /// Mints with native collateral.
    pub fn mint_native(&self, who: &Addr, asset: &str, funds: Coin) -> Result<Tx, String> {
        self.exec(
            who,
            &ExecuteMsg::Mint {
                asset: asset.into(),
                max_xms_in: Uint128::MAX,
                min_usdm_out: Uint128::zero(),
            },
            &[funds],
        )
    }

    /// Sends `amount` of the cw20 `token` to the hub with `hook`.
    pub fn send(
        &self,
        who: &Addr,
        token: &Addr,
        amount: Uint128,
        hook: &ReceiveMsg,
    ) -> Result<Tx, String> {
        self.w.execute(
            who,
            token,
            &Cw20ExecuteMsg::Send {
                contract: self.hub.to_string(),
                amount,
                msg: to_json_binary(hook).map_err(|e| e.to_string())?,
            },
            &[],
        )
    }

    /// Redeems USDm through the cw20 hook; returns the redemption id and the transaction.
    pub fn redeem(
        &self,
        who: &Addr,
        usdm: Uint128,
        asset: Option<&str>,
    ) -> Result<(u64, Tx), String> {
        let usdm_token = self.usdm.clone();
        let tx = self.send(
            who,
            &usdm_token,
            usdm,
            &ReceiveMsg::Redeem {
                asset: asset.map(str::to_string),
                min_collateral_out: Uint128::zero(),
                min_xms_out: Uint128::zero(),
            },
        )?;
        let id = redemption_id(&tx).ok_or("no redemption id in the response")?;
        Ok((id, tx))
    }

    /// Collects redemption `id` (anyone may).
    pub fn collect(&self, who: &Addr, id: u64) -> Result<Tx, String> {
        self.exec(who, &ExecuteMsg::Collect { id }, &[])
    }

    /// A cw20 balance.
    pub fn cw20_balance(&self, token: &Addr, who: &Addr) -> Uint128 {
        let r: BalanceResponse = self
            .w
            .query(
                token,
                &Cw20QueryMsg::Balance {
                    address: who.to_string(),
                },
            )
            .expect("cw20 balance");
        r.balance
    }

    /// A hub query.
    pub fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> Result<T, String> {
        self.w.query(&self.hub, msg)
    }

    /// Instantiates a pair of the stored pair code (no admin, the hub as fee recipient) and
    /// registers it.
    pub fn deploy_pair(&self, tokens: [PairToken; 2], twap_window: u64) -> Result<Addr, String> {
        self.deploy_pair_with_admin(tokens, twap_window, None)
    }

    /// [`Chain::deploy_pair`] with an admin (who may migrate it).
    pub fn deploy_pair_with_admin(
        &self,
        tokens: [PairToken; 2],
        twap_window: u64,
        admin: Option<&Addr>,
    ) -> Result<Addr, String> {
        self.deploy_pair_as("pair", tokens, twap_window, admin)
    }

    /// [`Chain::deploy_pair_with_admin`] under another label (a deployment's second pair and
    /// after: gas is reported by label, and `pair` names the first).
    pub fn deploy_pair_as(
        &self,
        label: &str,
        tokens: [PairToken; 2],
        twap_window: u64,
        admin: Option<&Addr>,
    ) -> Result<Addr, String> {
        let (pair, _) = self.w.instantiate(
            self.codes.pair,
            &self.gov,
            &PairInstantiate {
                tokens,
                fee_recipient: self.hub.to_string(),
                twap_window,
            },
            &[],
            label,
            admin,
        )?;
        self.govern(GovMsg::RegisterPair {
            pair: pair.to_string(),
        })?;
        Ok(pair)
    }

    /// The pair side of USDm, XMS or a whitelisted test asset ([`assets`]).
    pub fn pair_token(&self, symbol: &str) -> PairToken {
        let cw20 = |t: &Addr| AssetInfo::Cw20 {
            contract: t.to_string(),
        };
        match symbol {
            "USDm" => PairToken {
                symbol: symbol.into(),
                decimals: 18,
                info: cw20(&self.usdm),
            },
            "XMS" => PairToken {
                symbol: symbol.into(),
                decimals: 18,
                info: cw20(&self.xms),
            },
            _ => {
                let a = assets(&self.dai, 32)
                    .into_iter()
                    .find(|a| a.symbol == symbol)
                    .unwrap_or_else(|| panic!("no test asset {symbol}"));
                PairToken {
                    symbol: a.symbol,
                    decimals: a.decimals,
                    info: a.info,
                }
            }
        }
    }

    /// The USDm and USDC sides of a USDm/USDC pair.
    pub fn usdm_usdc(&self) -> [PairToken; 2] {
        [
            PairToken {
                symbol: "USDm".into(),
                decimals: 18,
                info: AssetInfo::Cw20 {
                    contract: self.usdm.to_string(),
                },
            },
            PairToken {
                symbol: "USDC".into(),
                decimals: 6,
                info: AssetInfo::Native {
                    denom: "uusdc".into(),
                },
            },
        ]
    }

    /// Funds `who` with native coins.
    pub fn fund(&self, who: &Addr, amount: u128, denom: &str) {
        self.w.fund(who, &[coin(amount, denom)]);
    }
}

/// The redemption id a redeem answered with.
pub fn redemption_id(tx: &Tx) -> Option<u64> {
    tx.attribute("redemption_id").and_then(|v| v.parse().ok())
}
