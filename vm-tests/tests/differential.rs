//! The wasm artifacts in cosmwasm-vm and the native contracts in cw-multi-test run the same
//! sequence of messages and must agree on every outcome: each message succeeds or fails alike
//! (with the same error), emits the same events, and leaves the same state (the hub's core state,
//! its configuration, token balances, the governance contract's storage). Every contract takes
//! part: the hub, its governance contract (governance actions and treasury operations, applied
//! by the hub), the pair and the cw20 tokens. Both chains name accounts and contracts alike.

use cosmwasm_std::{coin, Addr, Coin, Empty, Event};
use cw_multi_test::{App, BankSudo, ContractWrapper, Executor, SudoMsg};
use serde_json::{json, Value};
use std::rc::Rc;
use usdm_vm_tests::{artifacts, world::World};

/// One chain, native or wasm.
trait Chain {
    fn store(&mut self, which: &str) -> u64;
    fn checksum(&self, code_id: u64) -> String;
    fn instantiate(&mut self, code: u64, sender: &Addr, msg: &Value, label: &str) -> Addr;
    fn exec(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &Value,
        funds: &[Coin],
    ) -> Result<Vec<Event>, String>;
    fn query(&self, contract: &Addr, msg: &Value) -> Result<Value, String>;
    /// Every key and value `contract` stored, in key order.
    fn storage(&self, contract: &Addr) -> Vec<(Vec<u8>, Vec<u8>)>;
    fn advance(&mut self, blocks: u64);
    fn fund(&mut self, who: &Addr, c: Coin);
    fn balance(&self, who: &Addr, denom: &str) -> u128;
    fn addr(&self, name: &str) -> Addr;
    fn now(&self) -> u64;
}

struct Vm(Rc<World>);

impl Chain for Vm {
    fn store(&mut self, which: &str) -> u64 {
        let creator = self.0.addr("creator");
        self.0
            .store_code(&artifacts::load(which), &creator)
            .unwrap()
    }
    fn checksum(&self, code_id: u64) -> String {
        self.0.checksum(code_id).to_hex()
    }
    fn instantiate(&mut self, code: u64, sender: &Addr, msg: &Value, label: &str) -> Addr {
        self.0
            .instantiate(code, sender, msg, &[], label, None)
            .unwrap()
            .0
    }
    fn exec(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &Value,
        funds: &[Coin],
    ) -> Result<Vec<Event>, String> {
        self.0
            .execute(sender, contract, msg, funds)
            .map(|tx| tx.events)
    }
    fn query(&self, contract: &Addr, msg: &Value) -> Result<Value, String> {
        self.0.query(contract, msg)
    }
    fn storage(&self, contract: &Addr) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.0.storage(contract).into_iter().collect()
    }
    fn advance(&mut self, blocks: u64) {
        self.0.advance(blocks, blocks * 3);
    }
    fn fund(&mut self, who: &Addr, c: Coin) {
        self.0.fund(who, &[c]);
    }
    fn balance(&self, who: &Addr, denom: &str) -> u128 {
        self.0.balance(who, denom).u128()
    }
    fn addr(&self, name: &str) -> Addr {
        self.0.addr(name)
    }
    fn now(&self) -> u64 {
        self.0.block().time.seconds()
    }
}

struct Native(App);

impl Chain for Native {
    fn store(&mut self, which: &str) -> u64 {
        let creator = self.0.api().addr_make("creator");
        let code: Box<dyn cw_multi_test::Contract<Empty>> = match which {
            "usdm_hub.wasm" => Box::new(
                ContractWrapper::new(
                    usdm_hub::contract::execute,
                    usdm_hub::contract::instantiate,
                    usdm_hub::contract::query,
                )
                .with_migrate(usdm_hub::contract::migrate),
            ),
            "usdm_governance.wasm" => Box::new(
                ContractWrapper::new(
                    usdm_governance::contract::execute,
                    usdm_governance::contract::instantiate,
                    usdm_governance::contract::query,
                )
                .with_migrate(usdm_governance::contract::migrate),
            ),
            "mars_swap_pair.wasm" => Box::new(ContractWrapper::new(
                mars_swap_pair::contract::execute,
                mars_swap_pair::contract::instantiate,
                mars_swap_pair::contract::query,
            )),
            _ => Box::new(ContractWrapper::new(
                cw20_base::contract::execute,
                cw20_base::contract::instantiate,
                cw20_base::contract::query,
            )),
        };
        self.0.store_code_with_creator(creator, code)
    }
    fn checksum(&self, code_id: u64) -> String {
        self.0
            .wrap()
            .query_wasm_code_info(code_id)
            .unwrap()
            .checksum
            .to_hex()
    }
    fn instantiate(&mut self, code: u64, sender: &Addr, msg: &Value, label: &str) -> Addr {
        self.0
            .instantiate_contract(code, sender.clone(), msg, &[], label, None)
            .unwrap()
    }
    fn exec(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &Value,
        funds: &[Coin],
    ) -> Result<Vec<Event>, String> {
        self.0
            .execute_contract(sender.clone(), contract.clone(), msg, funds)
            .map(|r| {
                r.events
                    .into_iter()
                    .filter(|e| e.ty.starts_with("wasm"))
                    .collect()
            })
            .map_err(|e| format!("{e:#}"))
    }
    fn query(&self, contract: &Addr, msg: &Value) -> Result<Value, String> {
        self.0
            .wrap()
            .query_wasm_smart(contract, msg)
            .map_err(|e| e.to_string())
    }
    fn storage(&self, contract: &Addr) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.0
            .contract_storage(contract)
            .range(None, None, cosmwasm_std::Order::Ascending)
            .collect()
    }
    fn advance(&mut self, blocks: u64) {
        self.0.update_block(|b| {
            b.height += blocks;
            b.time = b.time.plus_seconds(blocks * 3);
        });
    }
    fn fund(&mut self, who: &Addr, c: Coin) {
        self.0
            .sudo(SudoMsg::Bank(BankSudo::Mint {
                to_address: who.to_string(),
                amount: vec![c],
            }))
            .unwrap();
    }
    fn balance(&self, who: &Addr, denom: &str) -> u128 {
        self.0
            .wrap()
            .query_balance(who, denom)
            .unwrap()
            .amount
            .u128()
    }
    fn addr(&self, name: &str) -> Addr {
        self.0.api().addr_make(name)
    }
    fn now(&self) -> u64 {
        self.0.block_info().time.seconds()
    }
}

/// The hub's storage but its `hub` key, keys and values as text where they are (hex otherwise).
fn hub_storage(c: &dyn Chain, hub: &Addr) -> Value {
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap_or_else(|_| hex(b));
    Value::Array(
        c.storage(hub)
            .into_iter()
            .filter(|(k, _)| k.as_slice() != b"hub")
            .map(|(k, v)| json!([text(&k), text(&v)]))
            .collect(),
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A step of the sequence and how it ended on one chain: `Ok(events)` or `Err(message)`.
type Outcome = Result<Vec<Event>, String>;

/// Deploys and runs the sequence on `c`; returns every step's outcome and the observed state
/// after each step.
fn run(c: &mut dyn Chain) -> Vec<(String, Outcome, Value)> {
    let (gov, feeder, market, alice, mallory) = (
        c.addr("gov"),
        c.addr("feeder"),
        c.addr("market"),
        c.addr("alice"),
        c.addr("mallory"),
    );
    let hub_code = c.store("usdm_hub.wasm");
    let governance_code = c.store("usdm_governance.wasm");
    let pair_code = c.store("mars_swap_pair.wasm");
    let cw20_code = c.store("cw20_token.wasm");
    let cw20 = |c: &mut dyn Chain, symbol: &str, balances: Value, minter: Option<&Addr>| {
        let mint = minter.map(|m| json!({"minter": m, "cap": null}));
        c.instantiate(
            cw20_code,
            &gov,
            &json!({"name": symbol, "symbol": symbol, "decimals": 18, "initial_balances": balances, "mint": mint, "marketing": null}),
            symbol,
        )
    };
    let dai = cw20(
        c,
        "DAI",
        json!([{"address": market, "amount": "100000000000000000000000000"}]),
        None,
    );
    let assets = json!([
        {"symbol": "USDC", "decimals": 6, "tier": 1, "info": {"native": {"denom": "uusdc"}}, "max_share": null, "mint_fee": null, "redeem_fee": null},
        {"symbol": "DAI", "decimals": 18, "tier": 1, "info": {"cw20": {"contract": dai}}, "max_share": null, "mint_fee": null, "redeem_fee": null},
        {"symbol": "BTC", "decimals": 8, "tier": 2, "info": {"native": {"denom": "ubtc"}}, "max_share": null, "mint_fee": null, "redeem_fee": null},
        {"symbol": "XMS", "decimals": 18, "tier": 5, "info": {"native": {"denom": "placeholder"}}, "max_share": null, "mint_fee": null, "redeem_fee": null}
    ]);
    let pair_checksum = c.checksum(pair_code);
    let hub = c.instantiate(
        hub_code,
        &gov,
        &json!({"governor": gov, "feeders": [feeder], "preset": "mars",
                "xms_supply": "100000000000000000000000000", "pair_code": pair_checksum,
                "governance_code": c.checksum(governance_code)}),
        "hub",
    );
    let governance = c.instantiate(governance_code, &gov, &json!({"hub": hub}), "governance");
    let xms = cw20(
        c,
        "XMS",
        json!([{"address": market, "amount": "100000000000000000000000000"}]),
        Some(&hub),
    );
    let usdm = cw20(c, "USDm", json!([]), Some(&hub));
    c.fund(&alice, coin(10u128.pow(15), "uusdc"));
    c.fund(&alice, coin(10u128.pow(10), "ubtc"));
    c.fund(&mallory, coin(10u128.pow(9), "uusdc"));

    let mut out = Vec::new();
    let observe = |c: &dyn Chain| {
        json!({
            // Every key the hub stored but `hub`, which holds the accepted pair code's checksum
            // (the chains' checksums of the pair differ: wasm bytes against a native wrapper).
            "state": hub_storage(c, &hub),
            "pending": c.query(&hub, &json!({"pending_redemptions": {"owner": null, "start_after": null, "limit": null}})).ok(),
            "treasury": c.query(&hub, &json!({"treasury": {}})).ok(),
            "supply_cap": c.query(&hub, &json!({"supply_cap": {}})).ok(),
            "usdm_supply": c.query(&usdm, &json!({"token_info": {}})).ok(),
            "xms_alice": c.query(&xms, &json!({"balance": {"address": alice}})).ok(),
            "hub_usdc": c.balance(&hub, "uusdc"),
            "governance": c.storage(&governance),
            "alice_usdc": c.balance(&alice, "uusdc"),
        })
    };
    let mut step = |c: &mut dyn Chain,
                    name: &str,
                    sender: &Addr,
                    contract: &Addr,
                    msg: Value,
                    funds: &[Coin]| {
        let outcome = c.exec(sender, contract, &msg, funds);
        let seen = observe(c);
        out.push((name.to_string(), outcome, seen));
    };
    let send = |contract: &Addr, amount: &str, hook: Value| {
        json!({"send": {"contract": contract, "amount": amount,
                        "msg": cosmwasm_std::to_json_binary(&hook).unwrap()}})
    };
    let post = |c: &dyn Chain, symbol: &str, price: &str| json!({"post_price": {"symbol": symbol, "price": price, "observed_at": c.now()}});
    let prices = [
        ("USDC", "1"),
        ("DAI", "1"),
        ("BTC", "60000"),
        ("XMS", "2.5"),
        ("USDm", "1"),
    ];

    step(
        c,
        "register the governance contract",
        &gov,
        &hub,
        json!({"register_governance": {"contract": governance}}),
        &[],
    );
    step(
        c,
        "register the tokens",
        &gov,
        &governance,
        json!({"govern": {"register_tokens": {"usdm": usdm, "xms": xms}}}),
        &[],
    );
    step(
        c,
        "apply from a stranger (refused)",
        &mallory,
        &hub,
        json!({"apply": {"writes": [{"key": "Y29uZmln", "value": "AA=="}], "messages": [], "attributes": [], "events": []}}),
        &[],
    );
    for asset in assets.as_array().unwrap() {
        step(
            c,
            "whitelist an asset",
            &gov,
            &governance,
            json!({"govern": {"whitelist_asset": {"asset": asset}}}),
            &[],
        );
    }
    for (s, p) in prices {
        let m = post(c, s, p);
        step(c, "post price", &feeder, &hub, m, &[]);
    }
    let mint = json!({"mint": {"asset": "USDC", "max_xms_in": "0", "min_usdm_out": "0"}});
    step(
        c,
        "mint before the first epoch (refused)",
        &alice,
        &hub,
        mint.clone(),
        &[coin(1_000_000_000, "uusdc")],
    );
    c.advance(61);
    for (s, p) in prices {
        let m = post(c, s, p);
        step(c, "post price", &feeder, &hub, m, &[]);
    }
    step(
        c,
        "mint USDC",
        &alice,
        &hub,
        mint.clone(),
        &[coin(1_000_000_000_000, "uusdc")],
    );
    step(
        c,
        "mint BTC (share-capped)",
        &alice,
        &hub,
        json!({"mint": {"asset": "BTC", "max_xms_in": "0", "min_usdm_out": "0"}}),
        &[coin(100_000_000, "ubtc")],
    );
    step(
        c,
        "mint too much BTC (refused)",
        &alice,
        &hub,
        json!({"mint": {"asset": "BTC", "max_xms_in": "0", "min_usdm_out": "0"}}),
        &[coin(5_000_000_000, "ubtc")],
    );
    step(
        c,
        "DAI to alice",
        &market,
        &dai,
        json!({"transfer": {"recipient": alice, "amount": "1000000000000000000000"}}),
        &[],
    );
    let m = send(
        &hub,
        "1000000000000000000000",
        json!({"mint": {"max_xms_in": "0", "min_usdm_out": "0"}}),
    );
    step(c, "mint with cw20 DAI", &alice, &dai, m, &[]);
    let m = send(
        &hub,
        "100000000000000000000",
        json!({"redeem": {"asset": null, "min_collateral_out": "0", "min_xms_out": "0"}}),
    );
    step(c, "redeem into XMS", &alice, &usdm, m, &[]);
    step(
        c,
        "collect too early (refused)",
        &mallory,
        &hub,
        json!({"collect": {"id": 0}}),
        &[],
    );
    c.advance(2);
    for (s, p) in prices {
        let m = post(c, s, p);
        step(c, "post price", &feeder, &hub, m, &[]);
    }
    step(
        c,
        "collect",
        &mallory,
        &hub,
        json!({"collect": {"id": 0}}),
        &[],
    );
    step(
        c,
        "pause by a stranger (refused)",
        &mallory,
        &governance,
        json!({"govern": {"pause": {"target": "mint"}}}),
        &[],
    );
    step(
        c,
        "pause mint",
        &gov,
        &governance,
        json!({"govern": {"pause": {"target": "mint"}}}),
        &[],
    );
    step(
        c,
        "mint while paused (refused)",
        &alice,
        &hub,
        mint.clone(),
        &[coin(1_000_000, "uusdc")],
    );
    step(
        c,
        "unpause mint",
        &gov,
        &governance,
        json!({"govern": {"unpause": {"target": "mint"}}}),
        &[],
    );
    let pair = c.instantiate(
        pair_code,
        &gov,
        &json!({"tokens": [
            {"symbol": "USDm", "decimals": 18, "info": {"cw20": {"contract": usdm}}},
            {"symbol": "USDC", "decimals": 6, "info": {"native": {"denom": "uusdc"}}}],
            "fee_recipient": hub, "twap_window": 600}),
        "pair",
    );
    step(
        c,
        "register the pair",
        &gov,
        &governance,
        json!({"govern": {"register_pair": {"pair": pair}}}),
        &[],
    );
    step(
        c,
        "provide protocol liquidity",
        &gov,
        &governance,
        json!({"treasury_op": {"provide_liquidity": {"pool": 0, "asset_amount": "100000000000"}}}),
        &[],
    );
    step(
        c,
        "swap USDC in",
        &alice,
        &pair,
        json!({"swap": {"min_out": "0"}}),
        &[coin(1_000_000_000, "uusdc")],
    );
    step(
        c,
        "sweep pool fees",
        &mallory,
        &hub,
        json!({"sweep_pool_fees": {"pool": 0}}),
        &[],
    );
    step(
        c,
        "set a parameter",
        &gov,
        &governance,
        json!({"govern": {"set_param": {"param": {"twap_window": 900}}}}),
        &[],
    );
    step(
        c,
        "a governance contract's own treasury operation refused for a stranger",
        &mallory,
        &governance,
        json!({"treasury_op": {"grant": {"asset": "USDC", "amount": "1", "recipient": mallory, "memo": "x"}}}),
        &[],
    );
    c.advance(200);
    step(
        c,
        "mint on stale prices (refused)",
        &alice,
        &hub,
        mint,
        &[coin(1_000_000, "uusdc")],
    );
    out
}

#[test]
fn the_wasm_and_the_native_contracts_agree_step_by_step() {
    let vm = run(&mut Vm(World::new()));
    let native = run(&mut Native(App::default()));
    assert_eq!(vm.len(), native.len());
    let mut refusals = 0;
    // The treasury query needs fresh prices: some steps cannot observe it, most must.
    let mut treasury_seen = 0;
    for ((name, a, seen_a), (_, b, seen_b)) in vm.iter().zip(&native) {
        match (a, b) {
            (Ok(ea), Ok(eb)) => assert_eq!(ea, eb, "{name}: events differ"),
            (Err(ea), Err(eb)) => {
                // The VM reports the contract's message (this harness prefixes the submessage it
                // failed in); cw-multi-test wraps it in more context.
                let mut core = ea.as_str();
                while let Some(rest) = core.strip_prefix("submessage to ") {
                    core = rest.split_once(": ").map_or(rest, |(_, r)| r);
                }
                assert!(
                    eb.contains(core),
                    "{name}: errors differ:\n  wasm:   {ea}\n  native: {eb}"
                );
                refusals += 1;
            }
            _ => panic!("{name}: the wasm gave {a:?}, the native contract {b:?}"),
        }
        assert_eq!(seen_a, seen_b, "{name}: state differs");
        assert!(
            seen_a["state"].as_array().is_some_and(|kv| kv.len() > 5),
            "{name}: the hub's storage was observed"
        );
        for key in ["pending", "usdm_supply", "xms_alice"] {
            assert!(!seen_a[key].is_null(), "{name}: {key} was not observed");
        }
        treasury_seen += usize::from(!seen_a["treasury"].is_null());
    }
    assert!(
        refusals >= 6,
        "the sequence exercises refusals ({refusals})"
    );
    assert!(vm.iter().filter(|(_, o, _)| o.is_ok()).count() >= 15);
    assert!(
        treasury_seen * 2 > vm.len(),
        "the treasury was observed at {treasury_seen} of {} steps",
        vm.len()
    );
}
