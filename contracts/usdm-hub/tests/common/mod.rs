//! Test suite around cw-multi-test: the hub, its governance contract, the USDm and XMS cw20
//! tokens, a cw20 collateral (DAI) and a USDm/USDC pair, deployed in the documented order, with
//! one method per action.
#![allow(dead_code)]

use cosmwasm_std::{coin, to_json_binary, Addr, Coin, Decimal, Empty, Uint128};
use cw20::{BalanceResponse, Cw20Coin, Cw20ExecuteMsg, Cw20QueryMsg, MinterResponse};
use cw_multi_test::{App, AppResponse, BankSudo, Contract, ContractWrapper, Executor, SudoMsg};
use usdm_core::Protocol;
use usdm_interface::governance::{
    AssetMsg, ExecuteMsg as GovernanceMsg, GovMsg, InstantiateMsg as GovernanceInstantiate,
    TreasuryMsg,
};
use usdm_interface::hub::{ExecuteMsg, InstantiateMsg, QueryMsg, ReceiveMsg, SupplyCapResponse};
use usdm_interface::pair::{
    ExecuteMsg as PairExecute, InstantiateMsg as PairInstantiate, PairToken,
};
use usdm_interface::AssetInfo;

/// A contract's stored keys and values, in key order.
pub type RawStorage = Vec<(Vec<u8>, Vec<u8>)>;

/// Seconds per block.
pub const BLOCK_SECONDS: u64 = 3;

pub fn hub_contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            usdm_hub::contract::execute,
            usdm_hub::contract::instantiate,
            usdm_hub::contract::query,
        )
        .with_migrate(usdm_hub::contract::migrate),
    )
}

pub fn governance_contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            usdm_governance::contract::execute,
            usdm_governance::contract::instantiate,
            usdm_governance::contract::query,
        )
        .with_migrate(usdm_governance::contract::migrate),
    )
}

pub fn pair_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        mars_swap_pair::contract::execute,
        mars_swap_pair::contract::instantiate,
        mars_swap_pair::contract::query,
    ))
}

pub fn cw20_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        cw20_base::contract::execute,
        cw20_base::contract::instantiate,
        cw20_base::contract::query,
    ))
}

/// Whole tokens at `decimals`, as base units.
pub fn units(whole: &str, decimals: u8) -> Uint128 {
    Uint128::new(
        usdm_core::units::Amount::parse(whole, decimals)
            .unwrap()
            .raw(),
    )
}

pub fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// The deployed protocol and its actors.
pub struct Suite {
    pub app: App,
    pub hub: Addr,
    /// The hub's governance contract: governance actions and treasury operations go here.
    pub governance: Addr,
    pub usdm: Addr,
    pub xms: Addr,
    pub dai: Addr,
    pub pair: Option<Addr>,
    pub gov: Addr,
    pub feeder: Addr,
    pub market: Addr,
    pub hub_code: u64,
    /// The Mars Swap pair code the hub accepts.
    pub pair_code: u64,
    /// Prices the feeder re-posts every block it advances.
    pub prices: Vec<(String, Decimal)>,
}

/// The assets whitelisted at launch (through governance): one per tier, native and cw20
/// collateral.
pub fn assets(dai: &Addr) -> Vec<AssetMsg> {
    let a = |symbol: &str, decimals: u8, tier: u8, info: AssetInfo| AssetMsg {
        symbol: symbol.into(),
        decimals,
        tier,
        info,
        max_share: None,
        mint_fee: None,
        redeem_fee: None,
    };
    let native = |d: &str| AssetInfo::Native { denom: d.into() };
    vec![
        a("USDC", 6, 1, native("uusdc")),
        a(
            "DAI",
            18,
            1,
            AssetInfo::Cw20 {
                contract: dai.to_string(),
            },
        ),
        a("BTC", 8, 2, native("ubtc")),
        a("ETH", 18, 3, native("aeth")),
        a("UNI", 18, 4, native("auni")),
        a("XMS", 18, 5, native("placeholder")),
    ]
}

impl Suite {
    /// Deploys in the documented order: hub, governance contract (`register_governance`), XMS
    /// and USDm tokens with the hub as minter (`register_tokens` through governance), the assets
    /// whitelisted through governance.
    /// `preset` is `mars`, `mars-guarded` or `frax`.
    pub fn new(preset: &str) -> Self {
        let mut app = App::default();
        let gov = app.api().addr_make("gov");
        let feeder = app.api().addr_make("feeder");
        let market = app.api().addr_make("market");
        let hub_code = app.store_code(hub_contract());
        let governance_code = app.store_code(governance_contract());
        let cw20_code = app.store_code(cw20_contract());
        let pair_code = app.store_code(pair_contract());
        let pair_checksum = app.wrap().query_wasm_code_info(pair_code).unwrap().checksum;
        let governance_checksum = app
            .wrap()
            .query_wasm_code_info(governance_code)
            .unwrap()
            .checksum;
        let dai = app
            .instantiate_contract(
                cw20_code,
                gov.clone(),
                &cw20_base::msg::InstantiateMsg {
                    name: "Dai Stablecoin".into(),
                    symbol: "DAI".into(),
                    decimals: 18,
                    initial_balances: vec![Cw20Coin {
                        address: market.to_string(),
                        amount: units("100000000", 18),
                    }],
                    mint: None,
                    marketing: None,
                },
                &[],
                "dai",
                None,
            )
            .unwrap();
        let hub = app
            .instantiate_contract(
                hub_code,
                gov.clone(),
                &InstantiateMsg {
                    governor: gov.to_string(),
                    feeders: vec![feeder.to_string()],
                    preset: preset.into(),
                    xms_supply: units("100000000", 18),
                    pair_code: Some(pair_checksum),
                    governance_code: governance_checksum,
                },
                &[],
                "usdm-hub",
                Some(gov.to_string()),
            )
            .unwrap();
        let governance = app
            .instantiate_contract(
                governance_code,
                gov.clone(),
                &GovernanceInstantiate {
                    hub: hub.to_string(),
                },
                &[],
                "usdm-governance",
                Some(gov.to_string()),
            )
            .unwrap();
        let token = |app: &mut App, name: &str, symbol: &str, balances: Vec<Cw20Coin>| {
            app.instantiate_contract(
                cw20_code,
                gov.clone(),
                &cw20_base::msg::InstantiateMsg {
                    name: name.into(),
                    symbol: symbol.into(),
                    decimals: 18,
                    initial_balances: balances,
                    mint: Some(MinterResponse {
                        minter: hub.to_string(),
                        cap: None,
                    }),
                    marketing: None,
                },
                &[],
                symbol,
                None,
            )
            .unwrap()
        };
        let xms = token(
            &mut app,
            "Mars Ecosystem Token",
            "XMS",
            vec![Cw20Coin {
                address: market.to_string(),
                amount: units("100000000", 18),
            }],
        );
        let usdm = token(&mut app, "USD Mars", "USDm", vec![]);
        app.execute_contract(
            gov.clone(),
            hub.clone(),
            &ExecuteMsg::RegisterGovernance {
                contract: governance.to_string(),
            },
            &[],
        )
        .unwrap();
        app.execute_contract(
            gov.clone(),
            governance.clone(),
            &GovernanceMsg::Govern(GovMsg::RegisterTokens {
                usdm: usdm.to_string(),
                xms: xms.to_string(),
            }),
            &[],
        )
        .unwrap();
        for asset in assets(&dai) {
            app.execute_contract(
                gov.clone(),
                governance.clone(),
                &GovernanceMsg::Govern(GovMsg::WhitelistAsset { asset }),
                &[],
            )
            .unwrap();
        }
        Suite {
            app,
            hub,
            governance,
            usdm,
            xms,
            dai,
            pair: None,
            gov,
            feeder,
            market,
            hub_code,
            pair_code,
            prices: Vec::new(),
        }
    }

    pub fn addr(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }

    pub fn now(&self) -> u64 {
        self.app.block_info().time.seconds()
    }

    /// Gives `who` native tokens.
    pub fn fund(&mut self, who: &Addr, amount: Coin) {
        self.app
            .sudo(SudoMsg::Bank(BankSudo::Mint {
                to_address: who.to_string(),
                amount: vec![amount],
            }))
            .unwrap();
    }

    /// Transfers a cw20 from one holder to another.
    pub fn transfer(&mut self, token: &Addr, from: &Addr, to: &Addr, amount: Uint128) {
        self.app
            .execute_contract(
                from.clone(),
                token.clone(),
                &Cw20ExecuteMsg::Transfer {
                    recipient: to.to_string(),
                    amount,
                },
                &[],
            )
            .unwrap();
    }

    /// Posts a price now and remembers it for re-posting.
    pub fn set_price(&mut self, symbol: &str, price: &str) {
        let price = dec(price);
        self.post_price(symbol, price).unwrap();
        self.prices.retain(|(s, _)| s != symbol);
        self.prices.push((symbol.to_string(), price));
    }

    pub fn post_price(&mut self, symbol: &str, price: Decimal) -> anyhow::Result<AppResponse> {
        let observed_at = self.now();
        self.app.execute_contract(
            self.feeder.clone(),
            self.hub.clone(),
            &ExecuteMsg::PostPrice {
                symbol: symbol.into(),
                price,
                observed_at,
            },
            &[],
        )
    }

    /// Advances `blocks` blocks and re-posts every remembered price.
    pub fn advance(&mut self, blocks: u64) {
        self.app.update_block(|b| {
            b.height += blocks;
            b.time = b.time.plus_seconds(blocks * BLOCK_SECONDS);
        });
        for (s, p) in self.prices.clone() {
            self.post_price(&s, p).unwrap();
        }
    }

    /// Advances past the next epoch boundary.
    pub fn roll_epoch(&mut self) {
        self.advance(180 / BLOCK_SECONDS);
    }

    pub fn execute(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[Coin],
    ) -> anyhow::Result<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.hub.clone(), msg, funds)
    }

    /// Sends the governance contract a message from `sender`.
    pub fn execute_governance(
        &mut self,
        sender: &Addr,
        msg: &GovernanceMsg,
    ) -> anyhow::Result<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.governance.clone(), msg, &[])
    }

    pub fn govern(&mut self, msg: GovMsg) -> anyhow::Result<AppResponse> {
        let gov = self.gov.clone();
        self.execute_governance(&gov, &GovernanceMsg::Govern(msg))
    }

    pub fn treasury(&mut self, msg: TreasuryMsg) -> anyhow::Result<AppResponse> {
        let gov = self.gov.clone();
        self.execute_governance(&gov, &GovernanceMsg::TreasuryOp(msg))
    }

    /// Mints with native collateral.
    pub fn mint_native(
        &mut self,
        who: &Addr,
        asset: &str,
        funds: Coin,
    ) -> anyhow::Result<AppResponse> {
        self.execute(
            who,
            &ExecuteMsg::Mint {
                asset: asset.into(),
                max_xms_in: Uint128::MAX,
                min_usdm_out: Uint128::zero(),
            },
            &[funds],
        )
    }

    /// Sends a cw20 to the hub with a hook.
    pub fn send(
        &mut self,
        who: &Addr,
        token: &Addr,
        amount: Uint128,
        hook: &ReceiveMsg,
    ) -> anyhow::Result<AppResponse> {
        self.app.execute_contract(
            who.clone(),
            token.clone(),
            &Cw20ExecuteMsg::Send {
                contract: self.hub.to_string(),
                amount,
                msg: to_json_binary(hook).unwrap(),
            },
            &[],
        )
    }

    /// Mints with cw20 collateral (DAI, or XMS as tier 5).
    pub fn mint_cw20(
        &mut self,
        who: &Addr,
        token: &Addr,
        amount: Uint128,
    ) -> anyhow::Result<AppResponse> {
        self.send(
            who,
            token,
            amount,
            &ReceiveMsg::Mint {
                max_xms_in: Uint128::MAX,
                min_usdm_out: Uint128::zero(),
            },
        )
    }

    /// Redeems USDm; returns the redemption id.
    pub fn redeem(
        &mut self,
        who: &Addr,
        usdm: Uint128,
        asset: Option<&str>,
    ) -> anyhow::Result<u64> {
        let usdm_token = self.usdm.clone();
        let r = self.send(
            who,
            &usdm_token,
            usdm,
            &ReceiveMsg::Redeem {
                asset: asset.map(str::to_string),
                min_collateral_out: Uint128::zero(),
                min_xms_out: Uint128::zero(),
            },
        )?;
        let id = r
            .events
            .iter()
            .flat_map(|e| e.attributes.iter())
            .find(|a| a.key == "redemption_id")
            .map(|a| a.value.parse().unwrap())
            .expect("redemption id");
        Ok(id)
    }

    pub fn collect(&mut self, who: &Addr, id: u64) -> anyhow::Result<AppResponse> {
        self.execute(who, &ExecuteMsg::Collect { id }, &[])
    }

    /// Approves the hub to burn `amount` of `who`'s XMS (for minting below ratio 1).
    pub fn approve_xms(&mut self, who: &Addr, amount: Uint128) {
        let hub = self.hub.to_string();
        let xms = self.xms.clone();
        self.app
            .execute_contract(
                who.clone(),
                xms,
                &Cw20ExecuteMsg::IncreaseAllowance {
                    spender: hub,
                    amount,
                    expires: None,
                },
                &[],
            )
            .unwrap();
    }

    /// The pair side of a protocol token (`USDm`, `XMS`) or of a native test asset.
    pub fn pair_token(&self, symbol: &str) -> PairToken {
        let (decimals, info) = match symbol {
            "USDm" => (
                18,
                AssetInfo::Cw20 {
                    contract: self.usdm.to_string(),
                },
            ),
            "XMS" => (
                18,
                AssetInfo::Cw20 {
                    contract: self.xms.to_string(),
                },
            ),
            "DAI" => (
                18,
                AssetInfo::Cw20 {
                    contract: self.dai.to_string(),
                },
            ),
            "USDC" => (
                6,
                AssetInfo::Native {
                    denom: "uusdc".into(),
                },
            ),
            "BTC" => (
                8,
                AssetInfo::Native {
                    denom: "ubtc".into(),
                },
            ),
            "ETH" => (
                18,
                AssetInfo::Native {
                    denom: "aeth".into(),
                },
            ),
            "UNI" => (
                18,
                AssetInfo::Native {
                    denom: "auni".into(),
                },
            ),
            other => panic!("no pair token {other}"),
        };
        PairToken {
            symbol: symbol.into(),
            decimals,
            info,
        }
    }

    /// Instantiates a pair of the accepted code (no admin, the hub as fee recipient).
    pub fn instantiate_pair(&mut self, a: &str, b: &str, twap_window: u64) -> Addr {
        let msg = PairInstantiate {
            tokens: [self.pair_token(a), self.pair_token(b)],
            fee_recipient: self.hub.to_string(),
            twap_window,
        };
        self.app
            .instantiate_contract(
                self.pair_code,
                self.gov.clone(),
                &msg,
                &[],
                format!("{a}-{b}"),
                None,
            )
            .unwrap()
    }

    /// Deploys a pair of `a` and `b` and registers it; returns it and its pool id.
    pub fn deploy_pair_of(&mut self, a: &str, b: &str, twap_window: u64) -> (Addr, u32) {
        let pair = self.instantiate_pair(a, b, twap_window);
        self.govern(GovMsg::RegisterPair {
            pair: pair.to_string(),
        })
        .unwrap();
        let config: usdm_interface::hub::ConfigResponse = self.query(&QueryMsg::Config {});
        let pool = config
            .pairs
            .iter()
            .find(|p| p.address == pair.as_str())
            .expect("the registered pair")
            .pool;
        (pair, pool)
    }

    /// Deploys a USDm/USDC pair with the hub as fee recipient and registers it.
    pub fn deploy_pair(&mut self) -> Addr {
        let (pair, _) = self.deploy_pair_of("USDm", "USDC", 600);
        self.pair = Some(pair.clone());
        pair
    }

    /// Sells native USDC into the pair.
    pub fn swap_usdc(&mut self, who: &Addr, amount: Uint128) -> anyhow::Result<AppResponse> {
        let pair = self.pair.clone().unwrap();
        self.app.execute_contract(
            who.clone(),
            pair,
            &PairExecute::Swap {
                min_out: Uint128::zero(),
            },
            &[coin(amount.u128(), "uusdc")],
        )
    }

    /// Sells USDm into the pair (cw20 Send).
    pub fn swap_usdm(&mut self, who: &Addr, amount: Uint128) -> anyhow::Result<AppResponse> {
        let pair = self.pair.clone().unwrap();
        let usdm = self.usdm.clone();
        self.app.execute_contract(
            who.clone(),
            usdm,
            &Cw20ExecuteMsg::Send {
                contract: pair.to_string(),
                amount,
                msg: to_json_binary(&usdm_interface::pair::ReceiveMsg::Swap {
                    min_out: Uint128::zero(),
                })
                .unwrap(),
            },
            &[],
        )
    }

    // ---- queries -----------------------------------------------------------------------

    pub fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> T {
        self.app.wrap().query_wasm_smart(&self.hub, msg).unwrap()
    }

    /// The hub's whole core state, read from its storage (and its pairs') part by part.
    pub fn state(&self) -> Protocol {
        let storage = self.app.contract_storage(&self.hub);
        let deps = cosmwasm_std::Deps {
            storage: &*storage,
            api: self.app.api(),
            querier: self.app.wrap(),
        };
        usdm_hub::query::whole_state(deps, &self.hub).unwrap()
    }

    /// Every key and value a contract has stored.
    pub fn raw_storage(&self, contract: &Addr) -> RawStorage {
        self.app
            .contract_storage(contract)
            .range(None, None, cosmwasm_std::Order::Ascending)
            .collect()
    }

    pub fn supply_cap(&self) -> SupplyCapResponse {
        self.query(&QueryMsg::SupplyCap {})
    }

    pub fn native(&self, who: &Addr, denom: &str) -> Uint128 {
        self.app.wrap().query_balance(who, denom).unwrap().amount
    }

    pub fn cw20(&self, token: &Addr, who: &Addr) -> Uint128 {
        let r: BalanceResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                token,
                &Cw20QueryMsg::Balance {
                    address: who.to_string(),
                },
            )
            .unwrap();
        r.balance
    }

    pub fn cw20_supply(&self, token: &Addr) -> Uint128 {
        let r: cw20::TokenInfoResponse = self
            .app
            .wrap()
            .query_wasm_smart(token, &Cw20QueryMsg::TokenInfo {})
            .unwrap();
        r.total_supply
    }

    /// Everything that must not change when an operation is refused: the core state, the
    /// token supplies and the hub's holdings.
    pub fn snapshot(&self) -> (RawStorage, Uint128, Uint128, Uint128, Uint128) {
        (
            self.raw_storage(&self.hub),
            self.cw20_supply(&self.usdm),
            self.cw20_supply(&self.xms),
            self.native(&self.hub, "uusdc"),
            self.cw20(&self.dai, &self.hub),
        )
    }

    /// The chain's token balances agree with the core's records: USDm and XMS supplies, and
    /// what the hub holds of each asset against treasury custody.
    pub fn check_custody(&self) {
        let p = self.state();
        p.check_invariants().unwrap();
        assert_eq!(
            self.cw20_supply(&self.usdm).u128(),
            p.supply().usdm.raw(),
            "USDm supply"
        );
        assert_eq!(
            self.cw20_supply(&self.xms).u128(),
            p.supply().xms.raw(),
            "XMS supply"
        );
        for (config, h) in p
            .asset_configs()
            .unwrap()
            .into_iter()
            .zip(p.holdings().unwrap())
        {
            let held = match config.symbol.as_str() {
                "USDC" => self.native(&self.hub, "uusdc"),
                "BTC" => self.native(&self.hub, "ubtc"),
                "ETH" => self.native(&self.hub, "aeth"),
                "UNI" => self.native(&self.hub, "auni"),
                "DAI" => self.cw20(&self.dai, &self.hub),
                "XMS" => self.cw20(&self.xms, &self.hub),
                other => panic!("unexpected asset {other}"),
            };
            assert_eq!(
                held.u128(),
                h.custody().unwrap().raw(),
                "{}: hub holds != treasury custody",
                config.symbol
            );
        }
    }

    /// Prices for every asset and one epoch rolled, so minting is open.
    pub fn open_market(&mut self) {
        for (s, p) in [
            ("USDC", "1"),
            ("DAI", "1"),
            ("BTC", "60000"),
            ("ETH", "3000"),
            ("UNI", "10"),
            ("XMS", "2.5"),
            ("USDm", "1"),
        ] {
            self.set_price(s, p);
        }
        self.roll_epoch();
    }
}

/// Canonical JSON of a serializable value (for equality of whole states).
pub fn serde_json_string<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

/// The root error message of a failed execution.
pub fn err(e: anyhow::Error) -> String {
    format!("{}", e.root_cause())
}
