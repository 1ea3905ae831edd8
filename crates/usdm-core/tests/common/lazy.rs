//! The chain adapter's way of running the core, in memory: the state stored part by part
//! (`Protocol::parts`), each operation run on a protocol holding only the config, clock and
//! books (`Protocol::from_parts`), loading what it asks for (`Protocol::run_loading`), and
//! writing back only what it reports changed (`Protocol::changes`). The suite runs every core
//! operation this way too and asserts the same answer and the same state as the whole protocol
//! in memory, so every core test also tests the partial-state machinery.

use std::cell::RefCell;
use std::collections::BTreeMap;
use usdm_core::prelude::*;
use usdm_core::state::PartSource;

/// A protocol stored part by part, with a log of the parts operations loaded.
pub struct Stored {
    pub config: Config,
    pub clock: Clock,
    pub books: Books,
    pub parts: BTreeMap<PartKey, Part>,
    /// Every part loaded since the last operation started.
    pub loads: RefCell<Vec<PartKey>>,
}

impl PartSource for Stored {
    fn part(&self, key: PartKey) -> usdm_core::Result<Part> {
        self.loads.borrow_mut().push(key);
        match (self.parts.get(&key), key) {
            (Some(p), _) => Ok(p.clone()),
            (None, PartKey::Redemption(_)) => Ok(Part::Redemption(None)),
            (None, _) => Err(Error::InvariantViolated(format!("nothing stored as {key}"))),
        }
    }
}

impl Stored {
    /// Every part of `p` (which holds all of them), stored apart.
    pub fn of(p: &Protocol) -> Stored {
        Stored {
            config: p.config().clone(),
            clock: *p.clock(),
            books: p.books().clone(),
            parts: p.parts().into_iter().collect(),
            loads: RefCell::new(Vec::new()),
        }
    }

    /// Runs `op` the adapter's way and writes back what it changed.
    pub fn run<T>(
        &mut self,
        op: &mut impl FnMut(&mut Protocol) -> usdm_core::Result<T>,
    ) -> usdm_core::Result<T> {
        self.loads.borrow_mut().clear();
        let mut p = Protocol::from_parts(self.config.clone(), self.clock, self.books.clone());
        let result = p.run_loading(&*self, |p| op(p));
        for change in p.changes() {
            let (key, part) = match change {
                Change::Asset(i, a) => (PartKey::Asset(i), Part::Asset(a.clone())),
                Change::Holding(i, h) => (PartKey::Holding(i), Part::Holding(h.clone())),
                Change::Feed(i, f) => (PartKey::Feed(i), Part::Feed(f.clone())),
                Change::Checkpoint(h, slot, c) => {
                    (PartKey::Checkpoint(h, slot), Part::Checkpoint(c))
                }
                Change::Pool(id, pool) => (PartKey::Pool(id), Part::Pool(Box::new(pool.clone()))),
                Change::RedemptionAdded(r) => {
                    (PartKey::Redemption(r.id), Part::Redemption(Some(r.clone())))
                }
                Change::RedemptionRemoved(id) => {
                    assert!(
                        self.parts.remove(&PartKey::Redemption(id)).is_some(),
                        "removed redemption {id}, which was not stored"
                    );
                    continue;
                }
            };
            self.parts.insert(key, part);
        }
        self.config = p.config().clone();
        self.clock = *p.clock();
        self.books = p.books().clone();
        result
    }

    /// Asserts that what is stored is `p`'s state, part for part.
    pub fn assert_holds(&self, p: &Protocol, what: &str) {
        assert_eq!(
            &self.config,
            p.config(),
            "{what}: the stored config differs"
        );
        assert_eq!(&self.clock, p.clock(), "{what}: the stored clock differs");
        assert_eq!(&self.books, p.books(), "{what}: the stored books differ");
        let whole: BTreeMap<PartKey, Part> = p.parts().into_iter().collect();
        for (key, part) in &whole {
            assert_eq!(
                self.parts.get(key),
                Some(part),
                "{what}: stored {key} differs"
            );
        }
        for key in self.parts.keys() {
            assert!(
                whole.contains_key(key),
                "{what}: {key} is stored but not in the state"
            );
        }
    }

    /// The parts the last operation loaded, each once.
    pub fn loaded(&self) -> Vec<PartKey> {
        let mut keys = self.loads.borrow().clone();
        keys.sort();
        keys.dedup();
        keys
    }
}
