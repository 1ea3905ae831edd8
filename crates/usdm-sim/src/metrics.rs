//! What a path measures: cheap observations every block (the peg), samples every
//! `sample_every` blocks (everything else) and the path's outcome.

use crate::scenario::Scenario;
use usdm_core::prelude::*;

/// XMS dilution at which a path counts as hyperinflated (and, with USDm below $0.90 at the end,
/// as a death spiral).
pub const SPIRAL_DILUTION: f64 = 100.0;

/// Why the protocol refused an agent, grouped for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// A mint above the epoch's supply cap (the cap binding).
    SupplyCap,
    /// No supply cap yet (no average market cap).
    NoSupplyCap,
    /// A circuit breaker tripped.
    CircuitBreaker,
    /// The treasury lacked the asset asked for.
    Treasury,
    /// Paused by governance.
    Paused,
    /// A missing, stale or out-of-order price.
    Price,
    /// Anything else.
    Other,
}

impl RefusalKind {
    /// Every kind, in report order.
    pub const ALL: [RefusalKind; 7] = [
        RefusalKind::SupplyCap,
        RefusalKind::NoSupplyCap,
        RefusalKind::CircuitBreaker,
        RefusalKind::Treasury,
        RefusalKind::Paused,
        RefusalKind::Price,
        RefusalKind::Other,
    ];

    /// The kind of a protocol error.
    pub fn of(e: &Error) -> RefusalKind {
        match e {
            Error::SupplyCapExceeded { .. } => RefusalKind::SupplyCap,
            Error::NoSupplyCap { .. } => RefusalKind::NoSupplyCap,
            Error::CircuitBreaker { .. } => RefusalKind::CircuitBreaker,
            Error::InsufficientTreasury { .. } => RefusalKind::Treasury,
            Error::MintPaused
            | Error::AssetMintPaused { .. }
            | Error::RedeemPaused
            | Error::RefreshPaused
            | Error::TreasuryOpsPaused => RefusalKind::Paused,
            Error::MissingPrice { .. }
            | Error::StalePrice { .. }
            | Error::PriceOutOfOrder { .. }
            | Error::PoolTooYoung { .. } => RefusalKind::Price,
            _ => RefusalKind::Other,
        }
    }

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            RefusalKind::SupplyCap => "supply cap",
            RefusalKind::NoSupplyCap => "no supply cap",
            RefusalKind::CircuitBreaker => "circuit breaker",
            RefusalKind::Treasury => "treasury short",
            RefusalKind::Paused => "paused",
            RefusalKind::Price => "price",
            RefusalKind::Other => "other",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Everything measured at one sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Snapshot {
    /// Blocks since the start.
    pub block: u64,
    /// Hours since the start.
    pub hours: f64,
    /// USDm's price in its pool.
    pub usdm_price: f64,
    /// USDm's lowest pool price since the previous sample (watched every block).
    pub usdm_low: f64,
    /// XMS's price on the external market.
    pub xms_price: f64,
    /// XMS's price in the XMS/USDm pool, in dollars.
    pub xms_pool_price: f64,
    /// The oracle's XMS price (what the protocol values XMS at).
    pub xms_oracle: f64,
    /// USDm supply.
    pub usdm_supply: f64,
    /// USDm in circulation (protocol-owned excluded).
    pub circulating_usdm: f64,
    /// This epoch's supply cap (NaN when there is none).
    pub supply_cap: f64,
    /// What may still be minted this epoch.
    pub headroom: f64,
    /// XMS supply.
    pub xms_supply: f64,
    /// XMS market cap (external price x supply).
    pub xms_mcap: f64,
    /// Treasury value.
    pub treasury_value: f64,
    /// Treasury value by tier, tier 1 first.
    pub tiers: [f64; 5],
    /// Treasury value over circulating USDm (NaN when undefined).
    pub backing: f64,
    /// Mint collateral ratio.
    pub mint_cr: f64,
    /// Redemption collateral ratio.
    pub redeem_cr: f64,
    /// USDm redeemed since the previous sample.
    pub redeemed: f64,
    /// XMS minted since the previous sample.
    pub xms_minted: f64,
    /// USDm minted since the previous sample.
    pub usdm_minted: f64,
    /// USDm holders left since the previous sample.
    pub holders_left: f64,
    /// The arbitrageur's cash in dollars.
    pub arb_cash: f64,
    /// The arbitrageur's USDm.
    pub arb_usdm: f64,
    /// Mint attempts refused by the supply cap since the previous sample.
    pub cap_refusals: u64,
    /// Redemption attempts refused by a circuit breaker since the previous sample.
    pub breaker_trips: u64,
}

/// A column of a path's full series: an integer or a float read from a [`Snapshot`].
#[derive(Clone, Copy)]
pub enum Column {
    /// A count.
    Int(fn(&Snapshot) -> u64),
    /// A measure.
    Float(fn(&Snapshot) -> f64),
}

/// Every column of a path's full series, in file order: the one list behind the series CSV
/// files and the Parquet export, so they cannot drift apart.
pub const SERIES_COLUMNS: [(&str, Column); 30] = [
    ("block", Column::Int(|x| x.block)),
    ("hours", Column::Float(|x| x.hours)),
    ("usdm_price", Column::Float(|x| x.usdm_price)),
    ("usdm_low", Column::Float(|x| x.usdm_low)),
    ("xms_price", Column::Float(|x| x.xms_price)),
    ("xms_pool_price", Column::Float(|x| x.xms_pool_price)),
    ("xms_oracle", Column::Float(|x| x.xms_oracle)),
    ("usdm_supply", Column::Float(|x| x.usdm_supply)),
    ("circulating_usdm", Column::Float(|x| x.circulating_usdm)),
    ("supply_cap", Column::Float(|x| x.supply_cap)),
    ("headroom", Column::Float(|x| x.headroom)),
    ("xms_supply", Column::Float(|x| x.xms_supply)),
    ("xms_mcap", Column::Float(|x| x.xms_mcap)),
    ("treasury_value", Column::Float(|x| x.treasury_value)),
    ("tier1", Column::Float(|x| x.tiers[0])),
    ("tier2", Column::Float(|x| x.tiers[1])),
    ("tier3", Column::Float(|x| x.tiers[2])),
    ("tier4", Column::Float(|x| x.tiers[3])),
    ("tier5", Column::Float(|x| x.tiers[4])),
    ("backing", Column::Float(|x| x.backing)),
    ("mint_cr", Column::Float(|x| x.mint_cr)),
    ("redeem_cr", Column::Float(|x| x.redeem_cr)),
    ("redeemed", Column::Float(|x| x.redeemed)),
    ("xms_minted", Column::Float(|x| x.xms_minted)),
    ("usdm_minted", Column::Float(|x| x.usdm_minted)),
    ("holders_left", Column::Float(|x| x.holders_left)),
    ("arb_cash", Column::Float(|x| x.arb_cash)),
    ("arb_usdm", Column::Float(|x| x.arb_usdm)),
    ("cap_refusals", Column::Int(|x| x.cap_refusals)),
    ("breaker_trips", Column::Int(|x| x.breaker_trips)),
];

/// The series kept for fan charts across paths, per sample.
pub const FAN_METRICS: [&str; 6] = [
    "usdm_low",
    "xms_price",
    "usdm_supply",
    "xms_supply",
    "backing",
    "supply_cap",
];

/// A protocol message for people: the exact 18-decimal amounts the core writes
/// (`1234.567890123456789012 USDm`) rounded to cents, or to 4 significant digits below 1, with
/// thousands grouped (`1,234.57 USDm`).
pub fn readable(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let bytes = message.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_number = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.'));
        if !starts_number {
            let c = message[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let mut j = i;
        while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
            j += 1;
        }
        let token = message[i..j].trim_end_matches('.');
        let end = i + token.len();
        let fraction = token.split_once('.').map_or(0, |(_, f)| f.len());
        match token.parse::<f64>() {
            Ok(x) if fraction > 4 => {
                let text = if x >= 1.0 || x == 0.0 {
                    let cents = format!("{x:.2}");
                    let (whole, frac) = cents.split_once('.').unwrap_or((&cents, "00"));
                    let mut grouped = String::new();
                    for (k, ch) in whole.chars().enumerate() {
                        if k > 0 && (whole.len() - k) % 3 == 0 {
                            grouped.push(',');
                        }
                        grouped.push(ch);
                    }
                    format!("{grouped}.{frac}")
                } else {
                    let digits = (3 - x.log10().floor() as i64).clamp(0, 18) as usize;
                    format!("{x:.digits$}")
                };
                out.push_str(&text);
            }
            _ => out.push_str(token),
        }
        i = end;
    }
    out
}

/// One path's outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    /// The path.
    pub path: u64,
    /// Largest shortfall of USDm's pool price below $1 at any block (0.25 = $0.75).
    pub max_depeg: f64,
    /// Lowest USDm pool price.
    pub min_usdm_price: f64,
    /// Hours USDm spent below $0.97.
    pub hours_below_097: f64,
    /// USDm went below $0.97 at some block (the peg broke).
    pub broke_peg: bool,
    /// Hours from the start to the first block below $0.97 (NaN when the peg held).
    pub hours_to_break: f64,
    /// Highest USDm pool price.
    pub max_usdm_price: f64,
    /// Hours USDm spent above $1.03 (a squeeze: minting refused while the price runs up).
    pub hours_above_103: f64,
    /// Hours USDm spent outside the scenario's peg band, either way (`[peg]`, default $0.97
    /// to $1.03).
    pub hours_off_peg: f64,
    /// USDm spent longer than the scenario's `peg.off_after` (default an hour) outside the
    /// band: off the peg either way. `broke_peg` is the downside alone.
    pub off_peg: bool,
    /// XMS supply at the end over XMS supply at the start.
    pub xms_dilution: f64,
    /// Treasury value over circulating USDm at the end (NaN when undefined).
    pub final_backing: f64,
    /// USDm's pool price at the end.
    pub final_usdm_price: f64,
    /// XMS's external price at the end.
    pub final_xms_price: f64,
    /// USDm supply at the end over USDm supply at the start.
    pub usdm_supply_ratio: f64,
    /// USDm redeemed over the path.
    pub usdm_redeemed: f64,
    /// XMS minted by redemptions over the path.
    pub xms_minted: f64,
    /// Mint attempts refused by the supply cap (agents retry, so this counts attempts).
    pub cap_refusals: u64,
    /// Redemption attempts refused by a circuit breaker (likewise).
    pub breaker_trips: u64,
    /// Hours the supply cap was full (no headroom at the sample).
    pub hours_cap_bound: f64,
    /// Hours a circuit breaker was holding redemptions back.
    pub hours_breaker_bound: f64,
    /// The highest USDm premium over $1 in an interval that ended with the supply cap full:
    /// the depeg upwards that minting, refused, could not arbitrage away (0 if never full).
    pub max_premium_cap_full: f64,
    /// XMS supply up 100-fold and USDm below $0.90 at the end.
    pub death_spiral: bool,
}

/// A column of the per-path outcomes table.
#[derive(Clone, Copy)]
pub enum OutcomeColumn {
    /// A count or index.
    Int(fn(&Outcome) -> u64),
    /// A measure.
    Float(fn(&Outcome) -> f64),
    /// A yes or no.
    Bool(fn(&Outcome) -> bool),
}

/// Every column of the outcomes table, in file order: the one list behind `outcomes.csv` and
/// the Python package's `outcomes` DataFrame.
pub const OUTCOME_COLUMNS: [(&str, OutcomeColumn); 23] = [
    ("path", OutcomeColumn::Int(|o| o.path)),
    ("max_depeg", OutcomeColumn::Float(|o| o.max_depeg)),
    ("min_usdm_price", OutcomeColumn::Float(|o| o.min_usdm_price)),
    (
        "hours_below_097",
        OutcomeColumn::Float(|o| o.hours_below_097),
    ),
    ("broke_peg", OutcomeColumn::Bool(|o| o.broke_peg)),
    ("hours_to_break", OutcomeColumn::Float(|o| o.hours_to_break)),
    ("max_usdm_price", OutcomeColumn::Float(|o| o.max_usdm_price)),
    (
        "hours_above_103",
        OutcomeColumn::Float(|o| o.hours_above_103),
    ),
    ("hours_off_peg", OutcomeColumn::Float(|o| o.hours_off_peg)),
    ("off_peg", OutcomeColumn::Bool(|o| o.off_peg)),
    ("xms_dilution", OutcomeColumn::Float(|o| o.xms_dilution)),
    ("final_backing", OutcomeColumn::Float(|o| o.final_backing)),
    (
        "final_usdm_price",
        OutcomeColumn::Float(|o| o.final_usdm_price),
    ),
    (
        "final_xms_price",
        OutcomeColumn::Float(|o| o.final_xms_price),
    ),
    (
        "usdm_supply_ratio",
        OutcomeColumn::Float(|o| o.usdm_supply_ratio),
    ),
    ("usdm_redeemed", OutcomeColumn::Float(|o| o.usdm_redeemed)),
    ("xms_minted", OutcomeColumn::Float(|o| o.xms_minted)),
    ("cap_refusals", OutcomeColumn::Int(|o| o.cap_refusals)),
    ("breaker_trips", OutcomeColumn::Int(|o| o.breaker_trips)),
    (
        "hours_cap_bound",
        OutcomeColumn::Float(|o| o.hours_cap_bound),
    ),
    (
        "hours_breaker_bound",
        OutcomeColumn::Float(|o| o.hours_breaker_bound),
    ),
    (
        "max_premium_cap_full",
        OutcomeColumn::Float(|o| o.max_premium_cap_full),
    ),
    ("death_spiral", OutcomeColumn::Bool(|o| o.death_spiral)),
];

/// Everything a path measured.
#[derive(Clone, Debug, Default)]
pub struct PathMetrics {
    /// Full samples (when kept).
    pub series: Vec<Snapshot>,
    /// Compact samples for fan charts, one value per [`FAN_METRICS`] entry.
    pub fan: Vec<[f32; 6]>,
    /// Refusals by [`RefusalKind`].
    pub refusals: [u64; 7],
    /// The first refusal message of each kind.
    pub first_refusal: [Option<String>; 7],
    /// Scheduled events and governance actions, with their block.
    pub notes: Vec<(u64, String)>,
    /// The outcome (complete after the run).
    pub outcome: Outcome,
    keep_series: bool,
    seconds: u64,
    seconds_below: u64,
    seconds_above: u64,
    seconds_off: u64,
    peg_low: f64,
    peg_high: f64,
    off_peg_seconds: u64,
    first_break: Option<u64>,
    seconds_breaker: u64,
    seconds_cap: u64,
    interval_low: f64,
    interval_high: f64,
    last_sample_block: u64,
    last_price: f64,
    usdm0: f64,
    interval: Snapshot,
    totals: Snapshot,
}

impl PathMetrics {
    /// Empty metrics for a path of `scenario`.
    pub fn new(scenario: &Scenario, keep_series: bool) -> Self {
        let samples = (scenario.blocks / scenario.sample_every + 2) as usize;
        PathMetrics {
            series: Vec::with_capacity(if keep_series { samples } else { 0 }),
            fan: Vec::with_capacity(samples),
            keep_series,
            outcome: Outcome {
                min_usdm_price: f64::INFINITY,
                max_usdm_price: f64::NEG_INFINITY,
                ..Outcome::default()
            },
            interval_low: f64::INFINITY,
            interval_high: f64::NEG_INFINITY,
            peg_low: scenario.peg_low,
            peg_high: scenario.peg_high,
            off_peg_seconds: scenario.off_peg_seconds,
            ..PathMetrics::default()
        }
    }

    /// The peg at every block.
    #[inline]
    pub fn observe_block(&mut self, usdm_price: f64, block_seconds: u64, breaker_bound: bool) {
        let o = &mut self.outcome;
        o.max_depeg = o.max_depeg.max(1.0 - usdm_price);
        o.min_usdm_price = o.min_usdm_price.min(usdm_price);
        o.max_usdm_price = o.max_usdm_price.max(usdm_price);
        self.interval_low = self.interval_low.min(usdm_price);
        self.interval_high = self.interval_high.max(usdm_price);
        if usdm_price < 0.97 {
            self.seconds_below += block_seconds;
            self.first_break.get_or_insert(self.seconds);
        } else if usdm_price > 1.03 {
            self.seconds_above += block_seconds;
        }
        if usdm_price < self.peg_low || usdm_price > self.peg_high {
            self.seconds_off += block_seconds;
        }
        self.seconds += block_seconds;
        if breaker_bound {
            self.seconds_breaker += block_seconds;
        }
        self.last_price = usdm_price;
    }

    /// A redemption of `usdm`.
    #[inline]
    pub fn redeemed(&mut self, usdm: f64) {
        self.interval.redeemed += usdm;
    }

    /// XMS minted at a collection.
    #[inline]
    pub fn xms_minted(&mut self, xms: f64) {
        self.interval.xms_minted += xms;
    }

    /// USDm minted.
    #[inline]
    pub fn minted(&mut self, usdm: f64) {
        self.interval.usdm_minted += usdm;
    }

    /// USDm holders sold or redeemed.
    #[inline]
    pub fn holders_left(&mut self, usdm: f64) {
        self.interval.holders_left += usdm;
    }

    /// A refusal.
    pub fn refusal(&mut self, kind: RefusalKind, e: &Error) {
        let i = kind.index();
        self.refusals[i] += 1;
        match kind {
            RefusalKind::SupplyCap => self.interval.cap_refusals += 1,
            RefusalKind::CircuitBreaker => self.interval.breaker_trips += 1,
            _ => {}
        }
        if self.first_refusal[i].is_none() {
            self.first_refusal[i] = Some(readable(&e.to_string()));
        }
    }

    /// A scheduled event or governance action.
    pub fn note(&mut self, block: u64, text: String) {
        if self.notes.len() < 100 {
            self.notes.push((block, text));
        }
    }

    /// Records a sample, closing the interval (`block_seconds` to time the cap's binding).
    pub fn sample(&mut self, block: u64, block_seconds: u64, mut s: Snapshot) {
        if self.fan.is_empty() {
            self.usdm0 = s.usdm_supply;
        }
        s.usdm_low = if self.interval_low.is_finite() {
            self.interval_low
        } else {
            s.usdm_price
        };
        self.interval_low = f64::INFINITY;
        // The cap counts as binding over an interval that ends with no headroom left.
        if s.headroom < 1.0 && block > self.last_sample_block {
            self.seconds_cap += (block - self.last_sample_block) * block_seconds;
            if self.interval_high.is_finite() {
                let o = &mut self.outcome;
                o.max_premium_cap_full = o.max_premium_cap_full.max(self.interval_high - 1.0);
            }
        }
        self.interval_high = f64::NEG_INFINITY;
        self.last_sample_block = block;
        let i = &self.interval;
        s.redeemed = i.redeemed;
        s.xms_minted = i.xms_minted;
        s.usdm_minted = i.usdm_minted;
        s.holders_left = i.holders_left;
        s.cap_refusals = i.cap_refusals;
        s.breaker_trips = i.breaker_trips;
        let t = &mut self.totals;
        t.redeemed += i.redeemed;
        t.xms_minted += i.xms_minted;
        t.cap_refusals += i.cap_refusals;
        t.breaker_trips += i.breaker_trips;
        self.interval = Snapshot::default();
        s.block = block;
        self.fan.push([
            s.usdm_low as f32,
            s.xms_price as f32,
            s.usdm_supply as f32,
            s.xms_supply as f32,
            s.backing as f32,
            s.supply_cap as f32,
        ]);
        self.outcome.final_backing = s.backing;
        self.outcome.final_xms_price = s.xms_price;
        if self.keep_series {
            self.series.push(s);
        }
    }

    /// Completes the outcome at the end of the path.
    pub fn finish(&mut self, xms0: f64, xms_final: f64, usdm_final: f64) {
        let t = &self.totals;
        let o = &mut self.outcome;
        o.hours_below_097 = self.seconds_below as f64 / 3600.0;
        o.hours_above_103 = self.seconds_above as f64 / 3600.0;
        o.hours_off_peg = self.seconds_off as f64 / 3600.0;
        o.off_peg = self.seconds_off > self.off_peg_seconds;
        o.broke_peg = self.first_break.is_some();
        o.hours_to_break = self.first_break.map_or(f64::NAN, |s| s as f64 / 3600.0);
        o.xms_dilution = xms_final / xms0.max(1e-18);
        o.final_usdm_price = self.last_price;
        o.usdm_supply_ratio = usdm_final / self.usdm0.max(1e-18);
        o.usdm_redeemed = t.redeemed;
        o.xms_minted = t.xms_minted;
        o.cap_refusals = t.cap_refusals;
        o.breaker_trips = t.breaker_trips;
        o.hours_cap_bound = self.seconds_cap as f64 / 3600.0;
        o.hours_breaker_bound = self.seconds_breaker as f64 / 3600.0;
        o.death_spiral = o.xms_dilution >= SPIRAL_DILUTION && o.final_usdm_price < 0.90;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_exact_amounts_for_people() {
        assert_eq!(
            readable(
                "mint of $1234567.123456789012345678 exceeds the headroom $0.000000000000000001"
            ),
            "mint of $1,234,567.12 exceeds the headroom $0.000000000000000001"
        );
        assert_eq!(
            readable("treasury holds 0.012345678901234567 USDC at t=600s"),
            "treasury holds 0.01235 USDC at t=600s"
        );
        // Short numbers, epochs and ids are left alone.
        assert_eq!(
            readable("epoch 12, id 3, cr 0.85"),
            "epoch 12, id 3, cr 0.85"
        );
    }
}
