//! A small chain around cosmwasm-vm: stored codes (checked as `cosmwasm-check` checks them),
//! contract instances with their own storage, native balances, transactions that route
//! submessages and roll back as a whole when any part fails, smart queries between contracts,
//! and the gas of every call.
//!
//! Each call runs on a fresh instance from the VM's module cache, as wasmd does, so a
//! contract can be queried (even by itself) while it runs: its storage is shared through an
//! `Rc<RefCell<..>>` that is never borrowed across a call into Wasm.

use crate::gas::{event_gas, CallGas, KvGas};
use cosmwasm_std::{
    to_json_binary, Addr, BankMsg, BankQuery, Binary, BlockInfo, Checksum, Coin, ContractInfo,
    ContractResult, CosmosMsg, Empty, Env, MessageInfo, Order, QueryRequest, Record, Response,
    SystemError, SystemResult, Timestamp, TransactionInfo, Uint128, WasmMsg, WasmQuery,
};
use cosmwasm_vm::testing::MockApi;
use cosmwasm_vm::{
    call_execute, call_instantiate, call_migrate, call_query, capabilities_from_csv, Backend,
    BackendError, BackendResult, Cache, CacheOptions, GasInfo, Instance, InstanceOptions, Querier,
    Size, Storage,
};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// The capabilities of a current wasmd chain (what the contracts may require).
pub const CAPABILITIES: &str =
    "iterator,staking,stargate,cosmwasm_1_1,cosmwasm_1_2,cosmwasm_1_3,cosmwasm_1_4,cosmwasm_2_0";

/// Gas limit per call: far above any block's, so that gas is measured, never run out of.
const GAS_LIMIT: u64 = 1_000_000_000_000_000;

/// A contract's key-value storage.
pub type Kv = BTreeMap<Vec<u8>, Vec<u8>>;

/// A contract's storage as one instance sees it: the shared data, metered at the SDK's costs.
pub struct KvStore {
    data: Rc<RefCell<Kv>>,
    meter: Rc<Cell<KvGas>>,
    reads: Rc<RefCell<Vec<Vec<u8>>>>,
    iterators: HashMap<u32, (Vec<Record>, usize)>,
}

impl KvStore {
    fn meter(&self, f: impl FnOnce(&mut KvGas) -> u64) -> GasInfo {
        let mut m = self.meter.get();
        let gas = f(&mut m);
        self.meter.set(m);
        // Reported as used outside the VM, as wasmvm does: it then counts against the limit
        // but not in the VM's own gas (`used_internally`), which stays Wasm and host calls.
        GasInfo::with_externally_used(gas)
    }
}

impl Storage for KvStore {
    fn get(&self, key: &[u8]) -> BackendResult<Option<Vec<u8>>> {
        self.reads.borrow_mut().push(key.to_vec());
        let value = self.data.borrow().get(key).cloned();
        let len = value.as_ref().map_or(0, Vec::len);
        (Ok(value), self.meter(|m| m.read(key.len(), len)))
    }

    fn scan(
        &mut self,
        start: Option<&[u8]>,
        end: Option<&[u8]>,
        order: Order,
    ) -> BackendResult<u32> {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let empty = matches!((start, end), (Some(s), Some(e)) if s >= e);
        let mut items: Vec<Record> = if empty {
            Vec::new()
        } else {
            let lo = start.map_or(Unbounded, |s| Included(s.to_vec()));
            let hi = end.map_or(Unbounded, |e| Excluded(e.to_vec()));
            self.data
                .borrow()
                .range((lo, hi))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        if order == Order::Descending {
            items.reverse();
        }
        // The SDK charges the seek to the first item when the iterator is created.
        let first = items.first().map(|(k, v)| k.len() + v.len());
        let id = self.iterators.len() as u32 + 1;
        self.iterators.insert(id, (items, 0));
        (Ok(id), self.meter(|m| m.step(first)))
    }

    fn next(&mut self, id: u32) -> BackendResult<Option<Record>> {
        let Some((items, pos)) = self.iterators.get_mut(&id) else {
            return (
                Err(BackendError::iterator_does_not_exist(id)),
                GasInfo::free(),
            );
        };
        let Some(item) = items.get(*pos).cloned() else {
            return (Ok(None), GasInfo::free());
        };
        *pos += 1;
        let len = item.0.len() + item.1.len();
        (Ok(Some(item)), self.meter(|m| m.step(Some(len))))
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> BackendResult<()> {
        self.data.borrow_mut().insert(key.to_vec(), value.to_vec());
        (Ok(()), self.meter(|m| m.write(key.len(), value.len())))
    }

    fn remove(&mut self, key: &[u8]) -> BackendResult<()> {
        self.data.borrow_mut().remove(key);
        (Ok(()), self.meter(|m| m.delete()))
    }
}

type Inst = Instance<MockApi, KvStore, WorldQuerier>;

/// One call's storage meter: what its reads and writes cost, and the keys it read.
pub struct Meter {
    gas: Rc<Cell<KvGas>>,
    reads: Rc<RefCell<Vec<Vec<u8>>>>,
}

struct Code {
    checksum: Checksum,
    creator: Addr,
}

struct Contract {
    code_id: u64,
    creator: Addr,
    admin: Option<Addr>,
    label: String,
    data: Rc<RefCell<Kv>>,
}

/// Everything a transaction may change, for rolling back.
type Snapshot = (Vec<(String, Kv)>, HashMap<String, Vec<Coin>>);

/// The chain.
pub struct World {
    /// Addresses: bech32 with the `cosmwasm` prefix, like cw-multi-test's.
    pub api: MockApi,
    _dir: tempfile::TempDir,
    cache: Cache<MockApi, KvStore, WorldQuerier>,
    codes: RefCell<Vec<Code>>,
    contracts: RefCell<BTreeMap<String, Contract>>,
    balances: RefCell<HashMap<String, Vec<Coin>>>,
    block: RefCell<BlockInfo>,
    calls: RefCell<Vec<CallGas>>,
    events: RefCell<Vec<cosmwasm_std::Event>>,
    depth: Cell<usize>,
    /// Labels of the contracts whose Wasm is running, innermost last (the callers of queries).
    running: RefCell<Vec<String>>,
}

/// The response of a transaction's message, the events of every call (as wasmd emits them:
/// a `wasm` event with the response's attributes and one `wasm-<type>` event per custom event,
/// each with `_contract_address` first) and the gas of every call it made, in order.
#[derive(Debug)]
pub struct Tx {
    /// The contract's own response.
    pub response: Response,
    /// The events of the message and of every submessage, in order.
    pub events: Vec<cosmwasm_std::Event>,
    /// Every call: the message (depth 0), the queries it made and its submessages.
    pub calls: Vec<CallGas>,
}

impl Tx {
    /// The value of the first attribute `key` of any event.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.events
            .iter()
            .flat_map(|e| e.attributes.iter())
            .find(|a| a.key == key)
            .map(|a| a.value.as_str())
    }
}

impl Tx {
    /// SDK gas of `contract`'s own executions in this transaction and of the queries they
    /// made (what the contract's code costs, wherever it sits in the call tree).
    pub fn contract_gas(&self, contract: &str) -> u64 {
        self.calls_of(contract).map(CallGas::sdk_gas).sum()
    }

    /// `contract`'s executions and the queries they made.
    pub fn calls_of<'a>(&'a self, contract: &'a str) -> impl Iterator<Item = &'a CallGas> + 'a {
        self.calls.iter().filter(move |c| {
            let asked = matches!(c.entry, "query" | "raw");
            (c.contract == contract && !asked) || (asked && c.caller == contract)
        })
    }

    /// SDK gas of every other contract's executions (with their queries), by contract, in
    /// order of first appearance.
    pub fn other_gas(&self, contract: &str) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = Vec::new();
        for c in &self.calls {
            let owner = if matches!(c.entry, "query" | "raw") {
                &c.caller
            } else {
                &c.contract
            };
            if owner == contract {
                continue;
            }
            match out.iter_mut().find(|(n, _)| n == owner) {
                Some((_, g)) => *g += c.sdk_gas(),
                None => out.push((owner.clone(), c.sdk_gas())),
            }
        }
        out
    }

    /// The whole transaction's contract gas.
    pub fn total_gas(&self) -> u64 {
        self.calls.iter().map(CallGas::sdk_gas).sum()
    }
}

impl World {
    /// An empty chain at the height and time of `cosmwasm_std::testing::mock_env`.
    pub fn new() -> Rc<World> {
        let dir = tempfile::tempdir().expect("a temporary directory for the module cache");
        let options = CacheOptions::new(
            dir.path(),
            capabilities_from_csv(CAPABILITIES),
            Size::mebi(256),
            Size::mebi(64),
        );
        // SAFETY: the cache directory is this world's own, fresh temporary directory.
        let cache = unsafe { Cache::new(options) }.expect("the VM's module cache");
        Rc::new(World {
            api: MockApi::default(),
            _dir: dir,
            cache,
            codes: RefCell::default(),
            contracts: RefCell::default(),
            balances: RefCell::default(),
            block: RefCell::new(BlockInfo {
                height: 12_345,
                time: Timestamp::from_nanos(1_571_797_419_879_305_533),
                chain_id: "cosmos-testnet-14002".to_string(),
            }),
            calls: RefCell::default(),
            events: RefCell::default(),
            depth: Cell::new(0),
            running: RefCell::default(),
        })
    }

    /// A valid address for `name`.
    pub fn addr(&self, name: &str) -> Addr {
        Addr::unchecked(self.api.addr_make(name))
    }

    /// The address of the `instance`-th contract (0-based), instantiated from `code_id`: as
    /// cw-multi-test derives it (a hash of the code id and the instance number), so that both
    /// chains name contracts alike.
    fn contract_address(&self, code_id: u64, instance: u64) -> Addr {
        use sha2::{Digest, Sha256};
        let mut key = b"wasm\0".to_vec();
        key.extend_from_slice(&code_id.to_be_bytes());
        key.extend_from_slice(&instance.to_be_bytes());
        let hash = Sha256::new()
            .chain_update(Sha256::digest(b"module"))
            .chain_update(key)
            .finalize();
        let (human, _) = cosmwasm_vm::BackendApi::addr_humanize(&self.api, &hash);
        Addr::unchecked(human.expect("a 32-byte address humanizes"))
    }

    /// Stores a wasm code after the checks `cosmwasm-check` makes (the chain's capabilities,
    /// the VM's default limits) and compiling it; returns its code id.
    pub fn store_code(&self, wasm: &[u8], creator: &Addr) -> Result<u64, String> {
        let checksum = self
            .cache
            .store_code(wasm, true, true)
            .map_err(|e| e.to_string())?;
        let mut codes = self.codes.borrow_mut();
        codes.push(Code {
            checksum,
            creator: creator.clone(),
        });
        Ok(codes.len() as u64)
    }

    /// The checksum of code `code_id`.
    pub fn checksum(&self, code_id: u64) -> Checksum {
        self.codes.borrow()[code_id as usize - 1].checksum
    }

    /// Gives `who` native coins.
    pub fn fund(&self, who: &Addr, coins: &[Coin]) {
        let mut b = self.balances.borrow_mut();
        let held = b.entry(who.to_string()).or_default();
        for c in coins {
            match held.iter_mut().find(|h| h.denom == c.denom) {
                Some(h) => h.amount += c.amount,
                None => held.push(c.clone()),
            }
        }
    }

    /// `who`'s balance of `denom`.
    pub fn balance(&self, who: &Addr, denom: &str) -> Uint128 {
        self.balances
            .borrow()
            .get(who.as_str())
            .and_then(|v| v.iter().find(|c| c.denom == denom))
            .map_or(Uint128::zero(), |c| c.amount)
    }

    /// Moves to `blocks` blocks and `seconds` seconds later.
    pub fn advance(&self, blocks: u64, seconds: u64) {
        let mut b = self.block.borrow_mut();
        b.height += blocks;
        b.time = b.time.plus_seconds(seconds);
    }

    /// The current block.
    pub fn block(&self) -> BlockInfo {
        self.block.borrow().clone()
    }

    /// The label of the contract at `addr` (the address itself for accounts).
    pub fn label(&self, addr: &str) -> String {
        self.contracts
            .borrow()
            .get(addr)
            .map_or_else(|| addr.to_string(), |c| c.label.clone())
    }

    /// The address of the (first) contract labelled `label`.
    pub fn label_addr(&self, label: &str) -> Option<Addr> {
        self.contracts
            .borrow()
            .iter()
            .find(|(_, c)| c.label == label)
            .map(|(a, _)| Addr::unchecked(a))
    }

    /// Bytes a contract stores (keys and values) and the number of its keys.
    pub fn stored(&self, addr: &Addr) -> (usize, usize) {
        let contracts = self.contracts.borrow();
        let data = contracts[addr.as_str()].data.borrow();
        (
            data.iter().map(|(k, v)| k.len() + v.len()).sum(),
            data.len(),
        )
    }

    /// A copy of a contract's storage (for migrations: the same state under new code).
    pub fn storage(&self, addr: &Addr) -> Kv {
        self.contracts.borrow()[addr.as_str()].data.borrow().clone()
    }

    fn env(&self, contract: &str) -> Env {
        Env {
            block: self.block(),
            transaction: Some(TransactionInfo { index: 0 }),
            contract: ContractInfo {
                address: Addr::unchecked(contract),
            },
        }
    }

    fn instance(self: &Rc<Self>, addr: &str) -> Result<(Inst, Meter), String> {
        let (checksum, data) = {
            let contracts = self.contracts.borrow();
            let c = contracts
                .get(addr)
                .ok_or_else(|| format!("no contract at {addr}"))?;
            (self.checksum(c.code_id), c.data.clone())
        };
        let meter = Meter {
            gas: Rc::new(Cell::new(KvGas::default())),
            reads: Rc::default(),
        };
        let backend = Backend {
            api: self.api,
            storage: KvStore {
                data,
                meter: meter.gas.clone(),
                reads: meter.reads.clone(),
                iterators: HashMap::new(),
            },
            querier: WorldQuerier {
                world: self.clone(),
            },
        };
        let instance = self
            .cache
            .get_instance(
                &checksum,
                backend,
                InstanceOptions {
                    gas_limit: GAS_LIMIT,
                },
            )
            .map_err(|e| e.to_string())?;
        Ok((instance, meter))
    }

    fn record(
        &self,
        addr: &str,
        caller: &str,
        entry: &'static str,
        instance: &mut Inst,
        meter: &Meter,
        response: Option<&Response>,
    ) {
        let events = response.map_or(0, |r| {
            let attrs: Vec<(String, String)> = r
                .attributes
                .iter()
                .map(|a| (a.key.clone(), a.value.clone()))
                .collect();
            let events: Vec<(String, Vec<(String, String)>)> = r
                .events
                .iter()
                .map(|e| {
                    (
                        e.ty.clone(),
                        e.attributes
                            .iter()
                            .map(|a| (a.key.clone(), a.value.clone()))
                            .collect(),
                    )
                })
                .collect();
            event_gas(&attrs, &events)
        });
        self.calls.borrow_mut().push(CallGas {
            depth: self.depth.get(),
            contract: self.label(addr),
            caller: self.label(caller),
            entry,
            vm_gas: instance.create_gas_report().used_internally,
            kv: meter.gas.get(),
            events,
            read_keys: std::mem::take(&mut *meter.reads.borrow_mut()),
        });
        if let Some(r) = response {
            let mut out = self.events.borrow_mut();
            let tagged = |ty: &str, attrs: &[cosmwasm_std::Attribute]| {
                cosmwasm_std::Event::new(ty)
                    .add_attribute("_contract_address", addr)
                    .add_attributes(attrs.iter().cloned())
            };
            if !r.attributes.is_empty() {
                out.push(tagged("wasm", &r.attributes));
            }
            for e in &r.events {
                out.push(tagged(&format!("wasm-{}", e.ty), &e.attributes));
            }
        }
    }

    fn snapshot(&self) -> Snapshot {
        let contracts = self.contracts.borrow();
        (
            contracts
                .iter()
                .map(|(a, c)| (a.clone(), c.data.borrow().clone()))
                .collect(),
            self.balances.borrow().clone(),
        )
    }

    fn restore(&self, (data, balances): Snapshot) {
        let contracts = self.contracts.borrow();
        for (a, kv) in data {
            if let Some(c) = contracts.get(&a) {
                *c.data.borrow_mut() = kv;
            }
        }
        *self.balances.borrow_mut() = balances;
    }

    /// Runs `f` as one transaction: on any error everything it changed is rolled back (and
    /// contracts it instantiated are forgotten). Returns the response and every call's gas.
    fn transaction(
        self: &Rc<Self>,
        f: impl FnOnce(&Rc<Self>) -> Result<Response, String>,
    ) -> Result<Tx, String> {
        let before = self.snapshot();
        let known: Vec<String> = self.contracts.borrow().keys().cloned().collect();
        self.calls.borrow_mut().clear();
        self.events.borrow_mut().clear();
        match f(self) {
            Ok(response) => Ok(Tx {
                response,
                events: std::mem::take(&mut *self.events.borrow_mut()),
                calls: std::mem::take(&mut *self.calls.borrow_mut()),
            }),
            Err(e) => {
                self.contracts.borrow_mut().retain(|a, _| known.contains(a));
                self.restore(before);
                self.calls.borrow_mut().clear();
                self.events.borrow_mut().clear();
                Err(e)
            }
        }
    }

    /// Instantiates code `code_id` as a transaction; returns the new contract's address.
    pub fn instantiate(
        self: &Rc<Self>,
        code_id: u64,
        sender: &Addr,
        msg: &impl serde::Serialize,
        funds: &[Coin],
        label: &str,
        admin: Option<&Addr>,
    ) -> Result<(Addr, Tx), String> {
        let addr = self.contract_address(code_id, self.contracts.borrow().len() as u64);
        let msg = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        let label = label.to_string();
        let admin = admin.cloned();
        let a = addr.clone();
        let tx = self.transaction(move |w| {
            w.contracts.borrow_mut().insert(
                a.to_string(),
                Contract {
                    code_id,
                    creator: sender.clone(),
                    admin,
                    label,
                    data: Rc::default(),
                },
            );
            w.transfer(sender.as_str(), a.as_str(), funds)?;
            let (mut instance, meter) = w.instance(a.as_str())?;
            let info = MessageInfo {
                sender: sender.clone(),
                funds: funds.to_vec(),
            };
            let result = w.running(a.as_str(), || {
                call_instantiate::<_, _, _, Empty>(&mut instance, &w.env(a.as_str()), &info, &msg)
            });
            let result = result.map_err(|e| format!("VM error: {e}"))?;
            let response = result.into_result();
            let m = &meter;
            w.record(
                a.as_str(),
                sender.as_str(),
                "instantiate",
                &mut instance,
                m,
                response.as_ref().ok(),
            );
            drop(instance);
            let response = response?;
            w.dispatch(a.as_str(), &response)?;
            Ok(response)
        })?;
        Ok((addr, tx))
    }

    /// Executes `msg` on `contract` from `sender` with `funds`, as a transaction.
    pub fn execute(
        self: &Rc<Self>,
        sender: &Addr,
        contract: &Addr,
        msg: &impl serde::Serialize,
        funds: &[Coin],
    ) -> Result<Tx, String> {
        let msg = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        self.transaction(|w| w.call_execute(sender, contract.as_str(), &msg, funds))
    }

    /// Migrates `contract` to code `code_id` (as its admin), as a transaction.
    pub fn migrate(
        self: &Rc<Self>,
        sender: &Addr,
        contract: &Addr,
        code_id: u64,
        msg: &impl serde::Serialize,
    ) -> Result<Tx, String> {
        let msg = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        let previous = self
            .contracts
            .borrow()
            .get(contract.as_str())
            .map(|c| c.code_id);
        let result = self.transaction(|w| {
            {
                let mut contracts = w.contracts.borrow_mut();
                let c = contracts
                    .get_mut(contract.as_str())
                    .ok_or("no such contract")?;
                if c.admin.as_ref() != Some(sender) {
                    return Err(format!("{sender} is not the admin of {}", c.label));
                }
                c.code_id = code_id;
            }
            let (mut instance, meter) = w.instance(contract.as_str())?;
            let result = w.running(contract.as_str(), || {
                call_migrate::<_, _, _, Empty>(&mut instance, &w.env(contract.as_str()), &msg)
            });
            let result = result.map_err(|e| format!("VM error: {e}"))?;
            let response = result.into_result();
            let m = &meter;
            w.record(
                contract.as_str(),
                sender.as_str(),
                "migrate",
                &mut instance,
                m,
                response.as_ref().ok(),
            );
            drop(instance);
            let response = response?;
            w.dispatch(contract.as_str(), &response)?;
            Ok(response)
        });
        // A failed migration leaves the contract on its code, as a chain's does.
        if let (Err(_), Some(code)) = (&result, previous) {
            if let Some(c) = self.contracts.borrow_mut().get_mut(contract.as_str()) {
                c.code_id = code;
            }
        }
        result
    }

    fn call_execute(
        self: &Rc<Self>,
        sender: &Addr,
        contract: &str,
        msg: &[u8],
        funds: &[Coin],
    ) -> Result<Response, String> {
        self.transfer(sender.as_str(), contract, funds)?;
        let (mut instance, meter) = self.instance(contract)?;
        let info = MessageInfo {
            sender: sender.clone(),
            funds: funds.to_vec(),
        };
        let result = self.running(contract, || {
            call_execute::<_, _, _, Empty>(&mut instance, &self.env(contract), &info, msg)
        });
        let result = result.map_err(|e| format!("VM error: {e}"))?;
        let response = result.into_result();
        let m = &meter;
        self.record(
            contract,
            sender.as_str(),
            "execute",
            &mut instance,
            m,
            response.as_ref().ok(),
        );
        drop(instance);
        let response = response?;
        self.dispatch(contract, &response)?;
        Ok(response)
    }

    /// Runs a response's messages in order, each with the contract as sender. The contracts
    /// here send plain messages (no replies): any failure fails the whole transaction.
    fn dispatch(self: &Rc<Self>, from: &str, response: &Response) -> Result<(), String> {
        for sub in &response.messages {
            if sub.reply_on != cosmwasm_std::ReplyOn::Never {
                return Err("replies are not supported by this harness".into());
            }
            self.depth.set(self.depth.get() + 1);
            let result = match &sub.msg {
                CosmosMsg::Bank(BankMsg::Send { to_address, amount }) => {
                    self.transfer(from, to_address, amount)
                }
                CosmosMsg::Wasm(WasmMsg::Execute {
                    contract_addr,
                    msg,
                    funds,
                }) => self
                    .call_execute(&Addr::unchecked(from), contract_addr, msg.as_slice(), funds)
                    .map(|_| ()),
                other => Err(format!("unsupported message {other:?}")),
            };
            self.depth.set(self.depth.get() - 1);
            result.map_err(|e| format!("submessage to {}: {e}", self.label(from)))?;
        }
        Ok(())
    }

    fn transfer(&self, from: &str, to: &str, coins: &[Coin]) -> Result<(), String> {
        let mut b = self.balances.borrow_mut();
        for c in coins {
            let held = b.entry(from.to_string()).or_default();
            let h = held
                .iter_mut()
                .find(|h| h.denom == c.denom)
                .filter(|h| h.amount >= c.amount)
                .ok_or_else(|| format!("{from} has less than {c}"))?;
            h.amount -= c.amount;
            let to = b.entry(to.to_string()).or_default();
            match to.iter_mut().find(|t| t.denom == c.denom) {
                Some(t) => t.amount += c.amount,
                None => to.push(c.clone()),
            }
        }
        Ok(())
    }

    /// A smart query from outside the chain.
    pub fn query<T: serde::de::DeserializeOwned>(
        self: &Rc<Self>,
        contract: &Addr,
        msg: &impl serde::Serialize,
    ) -> Result<T, String> {
        let msg = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        let bin = self.smart_query(contract.as_str(), &msg)?;
        cosmwasm_std::from_json(&bin).map_err(|e| e.to_string())
    }

    fn smart_query(self: &Rc<Self>, contract: &str, msg: &[u8]) -> Result<Binary, String> {
        let caller = self.running.borrow().last().cloned().unwrap_or_default();
        let (mut instance, meter) = self.instance(contract)?;
        let result = self.running(contract, || {
            call_query(&mut instance, &self.env(contract), msg)
        });
        self.record(contract, &caller, "query", &mut instance, &meter, None);
        result.map_err(|e| format!("VM error: {e}"))?.into_result()
    }

    /// Runs `f` (a call into `contract`'s Wasm) with `contract` marked as running.
    fn running<T>(&self, contract: &str, f: impl FnOnce() -> T) -> T {
        self.running.borrow_mut().push(contract.to_string());
        let out = f();
        self.running.borrow_mut().pop();
        out
    }
}

/// Answers a contract's queries from the world: smart queries on a fresh instance of the
/// target, contract and code info, raw storage, bank balances.
pub struct WorldQuerier {
    world: Rc<World>,
}

impl WorldQuerier {
    fn answer(&self, request: QueryRequest<Empty>) -> SystemResult<ContractResult<Binary>> {
        let w = &self.world;
        let ok = |v: Result<Binary, cosmwasm_std::StdError>| match v {
            Ok(b) => SystemResult::Ok(ContractResult::Ok(b)),
            Err(e) => SystemResult::Ok(ContractResult::Err(e.to_string())),
        };
        let missing = |addr: &str| {
            SystemResult::Err(SystemError::NoSuchContract {
                addr: addr.to_string(),
            })
        };
        match request {
            QueryRequest::Wasm(WasmQuery::Smart { contract_addr, msg }) => {
                if !w.contracts.borrow().contains_key(&contract_addr) {
                    return missing(&contract_addr);
                }
                w.depth.set(w.depth.get() + 1);
                let result = w.smart_query(&contract_addr, msg.as_slice());
                w.depth.set(w.depth.get() - 1);
                SystemResult::Ok(result.into())
            }
            QueryRequest::Wasm(WasmQuery::Raw { contract_addr, key }) => {
                let value = {
                    let contracts = w.contracts.borrow();
                    let Some(c) = contracts.get(&contract_addr) else {
                        return missing(&contract_addr);
                    };
                    let value = c.data.borrow().get(key.as_slice()).cloned();
                    value
                };
                // wasmd reads the key from the other contract's store with the caller's gas
                // meter: a store read, charged to the caller, and no instance.
                let mut kv = KvGas::default();
                kv.read(key.len(), value.as_ref().map_or(0, Vec::len));
                let caller = w.running.borrow().last().cloned().unwrap_or_default();
                w.calls.borrow_mut().push(CallGas {
                    depth: w.depth.get() + 1,
                    contract: w.label(&contract_addr),
                    caller: w.label(&caller),
                    entry: "raw",
                    vm_gas: 0,
                    kv,
                    events: 0,
                    read_keys: vec![key.to_vec()],
                });
                ok(Ok(Binary::from(value.unwrap_or_default())))
            }
            QueryRequest::Wasm(WasmQuery::ContractInfo { contract_addr }) => {
                let contracts = w.contracts.borrow();
                let Some(c) = contracts.get(&contract_addr) else {
                    return missing(&contract_addr);
                };
                ok(to_json_binary(&cosmwasm_std::ContractInfoResponse::new(
                    c.code_id,
                    c.creator.clone(),
                    c.admin.clone(),
                    false,
                    None,
                )))
            }
            QueryRequest::Wasm(WasmQuery::CodeInfo { code_id }) => {
                let codes = w.codes.borrow();
                let Some(c) = codes.get((code_id as usize).wrapping_sub(1)) else {
                    return SystemResult::Err(SystemError::NoSuchCode { code_id });
                };
                ok(to_json_binary(&cosmwasm_std::CodeInfoResponse::new(
                    code_id,
                    c.creator.clone(),
                    c.checksum,
                )))
            }
            QueryRequest::Bank(BankQuery::Balance { address, denom }) => {
                let amount = w.balance(&Addr::unchecked(&address), &denom);
                ok(to_json_binary(&cosmwasm_std::BalanceResponse::new(Coin {
                    denom,
                    amount,
                })))
            }
            other => SystemResult::Err(SystemError::UnsupportedRequest {
                kind: format!("{other:?}"),
            }),
        }
    }
}

impl Querier for WorldQuerier {
    fn query_raw(
        &self,
        request: &[u8],
        _gas_limit: u64,
    ) -> BackendResult<SystemResult<ContractResult<Binary>>> {
        let answer = match cosmwasm_std::from_json::<QueryRequest<Empty>>(request) {
            Ok(r) => self.answer(r),
            Err(e) => SystemResult::Err(SystemError::InvalidRequest {
                error: e.to_string(),
                request: request.into(),
            }),
        };
        // The query's own gas is recorded as a call of its own (depth + 1), not charged here.
        (Ok(answer), GasInfo::free())
    }
}
