//! The hub's storage as the governance contract sees it: each key read with a raw query of the
//! hub, once a message (kept for the rest of it). Read-only: the hub's handlers never write
//! through their dependencies, and what they decide goes back to the hub in `apply`.

use cosmwasm_std::{Addr, Order, QuerierWrapper, Record, Storage};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// The storage of the hub at `hub`.
pub struct HubStorage<'a> {
    hub: Addr,
    querier: QuerierWrapper<'a>,
    read: RefCell<BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
}

impl<'a> HubStorage<'a> {
    /// The storage of `hub`, read through `querier`.
    pub fn new(hub: Addr, querier: QuerierWrapper<'a>) -> Self {
        HubStorage {
            hub,
            querier,
            read: RefCell::new(BTreeMap::new()),
        }
    }
}

impl Storage for HubStorage<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(value) = self.read.borrow().get(key) {
            return value.clone();
        }
        // A failed raw query is not an absent key: reading it as one could turn "not yet
        // whitelisted" into a yes. The message fails instead (nothing is applied).
        let value = self
            .querier
            .query_wasm_raw(self.hub.as_str(), key.to_vec())
            .unwrap_or_else(|e| panic!("reading the hub's storage failed: {e}"));
        self.read.borrow_mut().insert(key.to_vec(), value.clone());
        value
    }

    fn range<'b>(
        &'b self,
        _start: Option<&[u8]>,
        _end: Option<&[u8]>,
        _order: Order,
    ) -> Box<dyn Iterator<Item = Record> + 'b> {
        // The hub's governance handlers read by key only (every collection they touch is
        // bounded and indexed); a raw query cannot range over another contract's storage.
        unimplemented!("the hub's storage is read by key from the governance contract")
    }

    fn set(&mut self, _key: &[u8], _value: &[u8]) {
        unimplemented!("the governance contract never writes the hub's storage directly")
    }

    fn remove(&mut self, _key: &[u8]) {
        unimplemented!("the governance contract never writes the hub's storage directly")
    }
}
