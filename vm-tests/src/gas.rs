//! What a wasmd chain charges, in Cosmos SDK gas, for a contract call: the constants in one
//! place, and the arithmetic over one call's measured VM gas, storage accesses and events.
//!
//! Sources: wasmd `x/wasm/keeper/gas_register.go` (instance cost, event costs, the VM gas
//! multiplier) and the Cosmos SDK's `store/types/gas.go` (`KVGasConfig`). Not counted: the
//! transaction's own costs (signature verification, bytes of the transaction), which do not
//! depend on the contract.

/// SDK gas for loading a contract instance, per call (execute, instantiate, query, and each
/// submessage or smart query): wasmd `DefaultInstanceCost` (not pinned).
pub const INSTANCE_COST: u64 = 60_000;

/// CosmWasm gas per SDK gas. wasmd's `DefaultGasMultiplier` is 140,000,000 for CosmWasm 1.x;
/// CosmWasm 2.0 made VM gas 1,000 times smaller (each Wasm operation costs 150 instead of
/// 150,000; cosmwasm#1599, #1884) and wasmd divided the multiplier by the same factor, so a
/// chain running cosmwasm-vm 2.x charges VM gas / 140,000. Dividing 2.x gas by 140,000,000
/// would understate the VM's part a thousand times.
pub const GAS_MULTIPLIER: u64 = 140_000;

/// KV store costs (`KVGasConfig`): a read, per byte of key and value read, a write, per byte
/// of key and value written, a delete (and a `has`, which contracts cannot call), an iterator
/// step and per byte of each item it yields.
pub const READ_FLAT: u64 = 1_000;
/// Per byte of key and value read.
pub const READ_PER_BYTE: u64 = 3;
/// A write.
pub const WRITE_FLAT: u64 = 2_000;
/// Per byte of key and value written.
pub const WRITE_PER_BYTE: u64 = 30;
/// A delete.
pub const DELETE_COST: u64 = 1_000;
/// An iterator step.
pub const ITER_STEP: u64 = 30;
/// wasmd stores a contract's keys under `0x03 || contract address (32 bytes)`, and the SDK
/// meters the prefixed key.
pub const KEY_PREFIX_LEN: u64 = 1 + 32;

/// Events: per attribute, per byte of attribute keys and values past a free first 100 bytes
/// (shared by the response's attributes and its events, in order), per custom event and per
/// byte of its type (wasmd `DefaultPerAttributeCost`, `DefaultEventAttributeDataCost`,
/// `DefaultEventAttributeDataFreeTier`, `DefaultPerCustomEventCost`).
pub const PER_ATTRIBUTE: u64 = 10;
/// Per attribute byte past the free tier.
pub const PER_ATTRIBUTE_BYTE: u64 = 1;
/// Attribute bytes free per call.
pub const ATTRIBUTE_FREE_BYTES: u64 = 100;
/// Per custom event.
pub const PER_CUSTOM_EVENT: u64 = 20;

/// Storage accesses of one call and what they cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct KvGas {
    /// Reads.
    pub reads: u64,
    /// Bytes read (keys with their prefix, and values).
    pub read_bytes: u64,
    /// Writes.
    pub writes: u64,
    /// Bytes written.
    pub write_bytes: u64,
    /// Deletes.
    pub deletes: u64,
    /// Iterator steps.
    pub iter_steps: u64,
    /// Their SDK gas.
    pub gas: u64,
}

impl KvGas {
    /// A read of `key` returning `value_len` bytes.
    pub fn read(&mut self, key_len: usize, value_len: usize) -> u64 {
        let bytes = KEY_PREFIX_LEN + key_len as u64 + value_len as u64;
        self.reads += 1;
        self.read_bytes += bytes;
        self.charge(READ_FLAT + READ_PER_BYTE * bytes)
    }

    /// A write of `value_len` bytes at `key`.
    pub fn write(&mut self, key_len: usize, value_len: usize) -> u64 {
        let bytes = KEY_PREFIX_LEN + key_len as u64 + value_len as u64;
        self.writes += 1;
        self.write_bytes += bytes;
        self.charge(WRITE_FLAT + WRITE_PER_BYTE * bytes)
    }

    /// A delete.
    pub fn delete(&mut self) -> u64 {
        self.deletes += 1;
        self.charge(DELETE_COST)
    }

    /// An iterator step over an item of `item_len` key and value bytes (none at the end).
    pub fn step(&mut self, item_len: Option<usize>) -> u64 {
        self.iter_steps += 1;
        let bytes = item_len.map_or(0, |l| KEY_PREFIX_LEN + l as u64);
        self.read_bytes += bytes;
        self.charge(ITER_STEP + READ_PER_BYTE * bytes)
    }

    fn charge(&mut self, gas: u64) -> u64 {
        self.gas += gas;
        gas
    }
}

/// SDK gas for the events a call emitted: `attributes` of the response, then `events`
/// (type, attributes).
pub fn event_gas(
    attributes: &[(String, String)],
    events: &[(String, Vec<(String, String)>)],
) -> u64 {
    let mut free = ATTRIBUTE_FREE_BYTES;
    let charge = |attrs: &[(String, String)], free: &mut u64| -> u64 {
        if attrs.is_empty() {
            return 0;
        }
        let bytes: u64 = attrs.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum();
        let paid = bytes.saturating_sub(*free);
        *free = free.saturating_sub(bytes);
        PER_ATTRIBUTE * attrs.len() as u64 + PER_ATTRIBUTE_BYTE * paid
    };
    let mut gas = charge(attributes, &mut free);
    for (ty, attrs) in events {
        gas += PER_CUSTOM_EVENT + PER_ATTRIBUTE_BYTE * ty.len() as u64;
        gas += charge(attrs, &mut free);
    }
    gas
}

/// One contract call of a transaction, as measured.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CallGas {
    /// 0 for the transaction's message, 1 for its submessages and the queries it makes, ...
    pub depth: usize,
    /// Which contract (its label).
    pub contract: String,
    /// Who made the call: the contract whose execution queried it or sent it as a
    /// submessage, or the transaction's signer.
    pub caller: String,
    /// `instantiate`, `execute`, `query`, `migrate`, or `raw` for a raw query of the contract's
    /// storage (no instance is loaded: only the store read is charged).
    pub entry: &'static str,
    /// CosmWasm gas the VM used (Wasm operations and host calls), `GasReport::used_internally`.
    pub vm_gas: u64,
    /// Its storage accesses.
    pub kv: KvGas,
    /// SDK gas for its events.
    pub events: u64,
    /// The keys of its own storage it read, in order.
    pub read_keys: Vec<Vec<u8>>,
}

impl CallGas {
    /// What wasmd charges for this call alone: the instance, the VM gas converted, storage and
    /// events.
    pub fn sdk_gas(&self) -> u64 {
        let instance = if self.entry == "raw" { 0 } else { INSTANCE_COST };
        instance + self.vm_gas / GAS_MULTIPLIER + self.kv.gas + self.events
    }

    /// The VM gas converted to SDK gas.
    pub fn vm_sdk_gas(&self) -> u64 {
        self.vm_gas / GAS_MULTIPLIER
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(n: usize, len: usize) -> Vec<(String, String)> {
        (0..n).map(|i| (format!("k{i}"), "v".repeat(len))).collect()
    }

    #[test]
    fn kv_costs_follow_the_sdk() {
        let mut g = KvGas::default();
        // A read of a 7-byte key (40 with the prefix) returning 60 bytes.
        assert_eq!(g.read(7, 60), 1_000 + 3 * 100);
        // A write of the same.
        assert_eq!(g.write(7, 60), 2_000 + 30 * 100);
        assert_eq!(g.delete(), 1_000);
        assert_eq!(g.step(None), 30);
        assert_eq!(g.gas, 1_300 + 5_000 + 1_000 + 30);
        assert_eq!((g.reads, g.writes, g.deletes, g.iter_steps), (1, 1, 1, 1));
    }

    #[test]
    fn the_first_hundred_attribute_bytes_are_free() {
        // Two attributes of 2 + 48 bytes each: 100 bytes, all free.
        assert_eq!(event_gas(&attrs(2, 48), &[]), 20);
        // One more byte is paid.
        assert_eq!(event_gas(&attrs(1, 99), &[]), 10 + 1);
        // The free tier carries over into the events; each event pays for itself and its type.
        let events = vec![("wasm-x".to_string(), attrs(1, 10))];
        assert_eq!(event_gas(&attrs(1, 48), &events), 10 + (20 + 6) + (10 + 0));
        let events = vec![("wasm-x".to_string(), attrs(1, 98))];
        assert_eq!(event_gas(&attrs(1, 48), &events), 10 + (20 + 6) + (10 + 50));
    }

    #[test]
    fn a_call_adds_up() {
        let c = CallGas {
            depth: 0,
            contract: "hub".into(),
            caller: "alice".into(),
            entry: "execute",
            vm_gas: 280_000_000,
            kv: KvGas {
                gas: 12_345,
                ..KvGas::default()
            },
            events: 100,
            read_keys: Vec::new(),
        };
        assert_eq!(c.sdk_gas(), 60_000 + 2_000 + 12_345 + 100);
    }
}
