//! Mintage control (SPEC 6): the USDm supply cap for an epoch is the time-weighted average XMS
//! market cap over the previous epoch divided by the XMS support ratio.
//!
//! The market cap is piecewise constant between operations (it changes only when the XMS price
//! or the circulating XMS supply changes, and both change only through protocol operations), so
//! the average is accumulated exactly: each operation records the market cap it leaves behind
//! ([`Mintage::sample`]), and the next one integrates that record up to its own time before it
//! changes anything. A state is weighted by how long it lasted, measured from the operation that
//! made it: one that lasted zero seconds (a swap on a pair, a hub call, the swap back, all in one
//! block) weighs nothing, and a sample is never stretched back over time before it was taken.
//! Only time during which the XMS price was fresh counts; an epoch with no fresh coverage has no
//! average, and the next epoch has no cap: minting fails closed.
//!
//! Epochs roll lazily: the first operation after a boundary closes the epoch (and any number of
//! empty epochs after it, in constant time) before doing anything else.

use crate::error::{Error, Result};
use crate::math::Wide;
use crate::units::{SupportRatio, Usd};

/// The XMS market cap in force since the last accrual, and until when its price is fresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct McapSample {
    /// Price × circulating XMS, or `None` before any XMS price exists.
    pub mcap: Option<Usd>,
    /// Time after which the XMS price used is stale and stops counting.
    pub fresh_until: u64,
}

/// Epoch bookkeeping and the current cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mintage {
    /// Index of the current epoch (0 at genesis).
    pub epoch: u64,
    /// Start time of the current epoch.
    pub epoch_start: u64,
    /// Length of the current epoch in seconds, fixed when it started.
    pub length: u64,
    /// Time up to which the market cap has been integrated.
    pub accrued_until: u64,
    /// Σ market cap × seconds over the fresh part of the current epoch.
    pub integral: Wide,
    /// Seconds of fresh coverage in the current epoch.
    pub covered: u64,
    /// Average market cap of the previous epoch, if it had fresh coverage.
    pub average_mcap: Option<Usd>,
    /// Supply cap for the current epoch: `average_mcap / support ratio`.
    pub cap: Option<Usd>,
    /// The market cap the latest operation left behind, in force until the next one. `None`
    /// in state stored before samples were recorded: the next operation then takes the
    /// market cap as it finds it.
    #[serde(default)]
    pub sample: Option<McapSample>,
}

/// What happened when epochs rolled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EpochRoll {
    /// The epoch now current.
    pub epoch: u64,
    /// Its start time.
    pub started_at: u64,
    /// Whole epochs that passed with no operation.
    pub skipped: u64,
    /// The average market cap the new cap is based on.
    pub average_mcap: Option<Usd>,
    /// The new cap.
    pub supply_cap: Option<Usd>,
    /// The support ratio the cap was divided by: the ratio in force at the epoch's start
    /// (on a ramp, the point of the ramp's line there).
    pub support_ratio: SupportRatio,
}

/// The cap, circulating supply and headroom at a moment: the answer to "how much can be minted".
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CapStatus {
    /// Current epoch.
    pub epoch: u64,
    /// Seconds until the next epoch starts.
    pub seconds_to_next_epoch: u64,
    /// Average XMS market cap of the previous epoch.
    pub average_mcap: Option<Usd>,
    /// Supply cap of this epoch.
    pub supply_cap: Option<Usd>,
    /// USDm in circulation (protocol-owned USDm excluded).
    pub circulating_usdm: Usd,
    /// How much more USDm may be minted this epoch.
    pub headroom: Usd,
}

impl Mintage {
    /// The state at genesis: epoch 0 starts now, lasts `length` seconds and has no cap.
    pub fn genesis(now: u64, length: u64) -> Self {
        Mintage {
            epoch: 0,
            epoch_start: now,
            length,
            accrued_until: now,
            integral: Wide::ZERO,
            covered: 0,
            average_mcap: None,
            cap: None,
            sample: None,
        }
    }

    fn accrue(&mut self, until: u64, sample: McapSample) -> Result<()> {
        let from = self.accrued_until;
        if until <= from {
            return Ok(());
        }
        if let Some(mcap) = sample.mcap {
            let fresh_end = until.min(sample.fresh_until);
            if fresh_end > from {
                let seconds = fresh_end - from;
                self.integral = self
                    .integral
                    .checked_add(Wide::product(mcap.raw(), u128::from(seconds)))
                    .ok_or_else(|| Error::Overflow("market-cap integral"))?;
                self.covered += seconds;
            }
        }
        self.accrued_until = until;
        Ok(())
    }

    /// This state advanced to `now`, the market cap having been the recorded [`Mintage::sample`]
    /// since the last accrual (`current`, the market cap as things stand, where none was
    /// recorded); `self` is not touched. Returns the roll if one or more epoch boundaries were
    /// crossed.
    ///
    /// The current epoch ends after the length it started with; `next_length` (the current
    /// `epoch_seconds` parameter) applies to the epochs after it, so a governance change never
    /// cuts an epoch short. `current` is evaluated only if time has passed since the last
    /// accrual and no sample was recorded. `support`
    /// gives the support ratio in force at a time; the new cap uses its value at the new
    /// epoch's start.
    pub fn advanced(
        &self,
        now: u64,
        current: impl FnOnce() -> McapSample,
        next_length: u64,
        support: impl FnOnce(u64) -> SupportRatio,
    ) -> Result<(Mintage, Option<EpochRoll>)> {
        let mut m = *self;
        if now <= m.accrued_until {
            return Ok((m, None));
        }
        let sample = m.sample.unwrap_or_else(current);
        let end = m.epoch_start.saturating_add(m.length.max(1));
        if now < end {
            m.accrue(now, sample)?;
            return Ok((m, None));
        }
        m.accrue(end, sample)?;
        let mut average = if m.covered == 0 {
            None
        } else {
            m.integral.div_floor(u128::from(m.covered)).map(Usd::new)
        };
        let length = next_length.max(1);
        let extra = (now - end) / length;
        if extra >= 1 {
            // The last complete epoch saw no operation: its market cap was `sample` throughout,
            // counted where its price was fresh.
            let last_start = end + (extra - 1) * length;
            average = match sample.mcap {
                Some(mcap) if sample.fresh_until > last_start => Some(mcap),
                _ => None,
            };
        }
        m.epoch += 1 + extra;
        m.epoch_start = end + extra * length;
        m.length = length;
        m.accrued_until = m.epoch_start;
        m.integral = Wide::ZERO;
        m.covered = 0;
        m.average_mcap = average;
        let ratio = support(m.epoch_start);
        m.cap = average.map(|a| ratio.supported(a));
        m.accrue(now, sample)?;
        let roll = EpochRoll {
            epoch: m.epoch,
            started_at: m.epoch_start,
            skipped: extra,
            average_mcap: m.average_mcap,
            supply_cap: m.cap,
            support_ratio: ratio,
        };
        Ok((m, Some(roll)))
    }

    /// The cap status given circulating USDm, at a time this state has been advanced to.
    pub fn status(&self, now: u64, circulating: Usd) -> CapStatus {
        CapStatus {
            epoch: self.epoch,
            seconds_to_next_epoch: self
                .epoch_start
                .saturating_add(self.length)
                .saturating_sub(now),
            average_mcap: self.average_mcap,
            supply_cap: self.cap,
            circulating_usdm: circulating,
            headroom: self
                .cap
                .map(|c| c.saturating_sub(circulating))
                .unwrap_or(Usd::ZERO),
        }
    }

    /// Refuses a mint of `amount` that would lift `circulating` above this epoch's cap.
    pub fn check_mint(&self, circulating: Usd, amount: Usd) -> Result<()> {
        let cap = self.cap.ok_or_else(|| Error::NoSupplyCap {
            epoch: self.epoch,
            reason: if self.epoch == 0 {
                "the first epoch has no previous average XMS market cap"
            } else {
                "the previous epoch had no fresh XMS price"
            },
        })?;
        let after = circulating.checked_add(amount, "circulating USDm")?;
        if after > cap {
            return Err(Error::SupplyCapExceeded {
                requested: amount,
                cap,
                headroom: cap.saturating_sub(circulating),
            });
        }
        Ok(())
    }
}

/// The supply cap implied by an average market cap and a support ratio, and what may still be
/// minted with `circulating` USDm: the formula of SPEC 6, used by quotes.
pub fn cap_for(average_mcap: Usd, support: SupportRatio, circulating: Usd) -> (Usd, Usd) {
    let cap = support.supported(average_mcap);
    (cap, cap.saturating_sub(circulating))
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: u64 = 180;

    fn sr() -> SupportRatio {
        SupportRatio::bps(25_000)
    }

    fn sample(mcap: u128) -> McapSample {
        McapSample {
            mcap: Some(Usd::dollars(mcap)),
            fresh_until: u64::MAX,
        }
    }

    #[test]
    fn worked_example_g() {
        let (cap, mintable) = cap_for(Usd::dollars(250_000_000), sr(), Usd::dollars(50_000_000));
        assert_eq!(cap, Usd::dollars(100_000_000));
        assert_eq!(mintable, Usd::dollars(50_000_000));
        let (cap, _) = cap_for(Usd::dollars(275_000_000), sr(), Usd::ZERO);
        assert_eq!(cap, Usd::dollars(110_000_000));
    }

    #[test]
    fn first_epoch_fails_closed_then_the_average_sets_the_cap() {
        let m = Mintage::genesis(0, E);
        assert!(matches!(
            m.check_mint(Usd::ZERO, Usd::dollars(1)),
            Err(Error::NoSupplyCap { epoch: 0, .. })
        ));
        // $200M for 90 s then $300M for 90 s: average $250M, cap $100M.
        let (m, roll) = m.advanced(90, || sample(200_000_000), E, |_| sr()).unwrap();
        assert!(roll.is_none());
        let (m, roll) = m
            .advanced(180, || sample(300_000_000), E, |_| sr())
            .unwrap();
        let roll = roll.unwrap();
        assert_eq!(roll.epoch, 1);
        assert_eq!(roll.average_mcap, Some(Usd::dollars(250_000_000)));
        assert_eq!(m.cap, Some(Usd::dollars(100_000_000)));
        assert!(m
            .check_mint(Usd::dollars(50_000_000), Usd::dollars(50_000_000))
            .is_ok());
        let err = m.check_mint(
            Usd::dollars(50_000_000),
            Usd::new(Usd::dollars(50_000_000).raw() + 1),
        );
        assert_eq!(
            err,
            Err(Error::SupplyCapExceeded {
                requested: Usd::new(Usd::dollars(50_000_000).raw() + 1),
                cap: Usd::dollars(100_000_000),
                headroom: Usd::dollars(50_000_000),
            })
        );
    }

    #[test]
    fn empty_epochs_are_skipped_in_constant_time_and_carry_the_last_value() {
        let m = Mintage::genesis(0, E);
        let (m, roll) = m
            .advanced(1_000_000 * E + 5, || sample(250_000_000), E, |_| sr())
            .unwrap();
        let roll = roll.unwrap();
        assert_eq!(roll.epoch, 1_000_000);
        assert_eq!(roll.skipped, 999_999);
        assert_eq!(m.epoch_start, 1_000_000 * E);
        assert_eq!(m.cap, Some(Usd::dollars(100_000_000)));
        assert_eq!(m.accrued_until, 1_000_000 * E + 5);
        assert_eq!(m.covered, 5);
    }

    #[test]
    fn a_new_epoch_length_applies_from_the_next_epoch() {
        let m = Mintage::genesis(0, E);
        // Governance shortens epochs to 60 s at t=150: epoch 0 still ends at 180.
        let (m, roll) = m.advanced(150, || sample(250), 60, |_| sr()).unwrap();
        assert!(roll.is_none());
        let (m, roll) = m.advanced(181, || sample(250), 60, |_| sr()).unwrap();
        assert_eq!(roll.unwrap().started_at, 180);
        assert_eq!(m.length, 60);
        let (_, roll) = m.advanced(240, || sample(250), 60, |_| sr()).unwrap();
        assert_eq!(roll.unwrap().started_at, 240);
    }

    #[test]
    fn stale_time_does_not_count() {
        let m = Mintage::genesis(0, E);
        // Price fresh only until t=60: average over the 60 fresh seconds only.
        let s = McapSample {
            mcap: Some(Usd::dollars(250)),
            fresh_until: 60,
        };
        let (m, _) = m.advanced(E, || s, E, |_| sr()).unwrap();
        assert_eq!(m.average_mcap, Some(Usd::dollars(250)));
        // A whole epoch with a stale price: no average, no cap.
        let (m, roll) = m.advanced(2 * E, || s, E, |_| sr()).unwrap();
        assert_eq!(roll.unwrap().supply_cap, None);
        assert!(matches!(
            m.check_mint(Usd::ZERO, Usd::new(1)),
            Err(Error::NoSupplyCap { epoch: 2, .. })
        ));
    }

    #[test]
    fn no_price_means_no_cap() {
        let m = Mintage::genesis(0, E);
        let none = McapSample {
            mcap: None,
            fresh_until: 0,
        };
        let (m, _) = m.advanced(E, || none, E, |_| sr()).unwrap();
        assert_eq!(m.cap, None);
    }
}
