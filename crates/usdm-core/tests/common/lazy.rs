//! The chain adapter's way of running the core, in memory: the state stored part by part
//! (`Protocol::parts`), each operation run on a protocol holding only the config, clock and
//! books (`Protocol::from_parts`) that fetches every other part from the store the first time
//! it reads it, and writing back only what it reports changed (`Protocol::changes`). The suite
//! runs every core operation this way too and asserts the same answer and the same state as
//! the whole protocol in memory, so every core test also tests the partial-state machinery.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use usdm_core::prelude::*;
use usdm_core::state::PartSource;

/// The stored parts as a protocol's source, with a log of what it was asked for.
#[derive(Clone, Default)]
pub struct Source {
    parts: Rc<RefCell<BTreeMap<PartKey, Part>>>,
    fetched: Rc<RefCell<Vec<PartKey>>>,
}

impl PartSource for Source {
    fn part(&self, key: PartKey) -> usdm_core::Result<Part> {
        self.fetched.borrow_mut().push(key);
        match (self.parts.borrow().get(&key), key) {
            (Some(p), _) => Ok(p.clone()),
            (None, PartKey::Redemption(_)) => Ok(Part::Redemption(None)),
            (None, _) => Err(Error::InvariantViolated(format!("nothing stored as {key}"))),
        }
    }
}

/// A protocol stored part by part.
pub struct Stored {
    pub config: Config,
    pub clock: Clock,
    pub books: Books,
    source: Source,
}

/// The protocol an adapter runs an operation on.
pub type Lazy = Protocol<Source>;

impl Stored {
    /// Every part of `p` (which holds all of them), stored apart.
    pub fn of(p: &Protocol) -> Stored {
        let source = Source::default();
        *source.parts.borrow_mut() = p.parts().into_iter().collect();
        Stored {
            config: p.config().clone(),
            clock: *p.clock(),
            books: p.books().clone(),
            source,
        }
    }

    /// Runs `op` the adapter's way and writes back what it changed. Asserts that no part was
    /// fetched twice, and that a refused operation asks for no write.
    pub fn run<T>(
        &mut self,
        op: &mut impl FnMut(&mut Lazy) -> usdm_core::Result<T>,
    ) -> usdm_core::Result<T> {
        self.source.fetched.borrow_mut().clear();
        let mut p = Protocol::from_parts(
            self.config.clone(),
            self.clock,
            self.books.clone(),
            self.source.clone(),
        );
        let result = op(&mut p);
        let fetched = self.loads();
        let mut seen = BTreeSet::new();
        for key in &fetched {
            assert!(seen.insert(*key), "{key} was fetched twice: {fetched:?}");
        }
        let changes = p.changes();
        if result.is_err() {
            assert!(
                changes.is_empty(),
                "a refused operation changed {changes:?}"
            );
        }
        let mut parts = self.source.parts.borrow_mut();
        for change in changes {
            let (key, part) = match change {
                Change::Config(c) => {
                    self.config = c.clone();
                    continue;
                }
                Change::Clock(c) => {
                    self.clock = *c;
                    continue;
                }
                Change::Books(b) => {
                    self.books = b.clone();
                    continue;
                }
                Change::Asset(i, a) => (PartKey::Asset(i), Part::Asset(a.clone())),
                Change::Holding(i, h) => (PartKey::Holding(i), Part::Holding(*h)),
                Change::Feed(i, f) => (PartKey::Feed(i), Part::Feed(f.clone())),
                Change::Checkpoint(h, slot, c) => {
                    (PartKey::Checkpoint(h, slot), Part::Checkpoint(c))
                }
                Change::Pool(id, pool) => (PartKey::Pool(id), Part::Pool(Box::new(pool.clone()))),
                Change::RedemptionAdded(r) => {
                    (PartKey::Redemption(r.id), Part::Redemption(Some(r.clone())))
                }
                Change::RedemptionRemoved(&PendingRedemption { id, .. }) => {
                    assert!(
                        parts.remove(&PartKey::Redemption(id)).is_some(),
                        "removed redemption {id}, which was not stored"
                    );
                    continue;
                }
            };
            parts.insert(key, part);
        }
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
        let stored = self.source.parts.borrow();
        for (key, part) in &whole {
            assert_eq!(stored.get(key), Some(part), "{what}: stored {key} differs");
        }
        for key in stored.keys() {
            assert!(
                whole.contains_key(key),
                "{what}: {key} is stored but not in the state"
            );
        }
    }

    /// The parts the last operation fetched, in order (each once: `run` asserts it).
    pub fn loads(&self) -> Vec<PartKey> {
        self.source.fetched.borrow().clone()
    }
}
