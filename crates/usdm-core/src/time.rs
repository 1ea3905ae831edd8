//! Explicit time. The core has no clock: every operation is told the block it runs in.

use std::fmt;

/// A block: its height (for the redemption delay, counted in blocks) and its timestamp in
/// seconds (for epochs, price ages, TWAPs and cooldowns).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct BlockTime {
    /// Block height.
    pub height: u64,
    /// Unix time in seconds.
    pub seconds: u64,
}

impl BlockTime {
    /// A block at `height` and `seconds`.
    pub const fn new(height: u64, seconds: u64) -> Self {
        BlockTime { height, seconds }
    }

    /// The block `blocks` later, `seconds_per_block` apart (saturating at the end of time).
    pub const fn advance(self, blocks: u64, seconds_per_block: u64) -> Self {
        BlockTime {
            height: self.height.saturating_add(blocks),
            seconds: self
                .seconds
                .saturating_add(blocks.saturating_mul(seconds_per_block)),
        }
    }

    /// True if neither height nor time is earlier than `earlier`'s.
    pub const fn is_not_before(self, earlier: BlockTime) -> bool {
        self.height >= earlier.height && self.seconds >= earlier.seconds
    }
}

impl fmt::Display for BlockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "block {} at t={}s", self.height, self.seconds)
    }
}
