//! Scenario files: TOML describing the protocol's starting state, the market, the agents and
//! scheduled events. Every error names the file, the line and the field.
//!
//! See `scenarios/README.md` for the format; `scenarios/*.toml` are built in.

use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;
use usdm_core::error::Error;
use usdm_core::params::{ParamChange, Preset};
use usdm_core::units::{Ratio, SupportRatio};

/// A scenario file error: where and what.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    /// File name (or `<builtin:NAME>`).
    pub file: String,
    /// 1-based line (0 when the error is about the file as a whole).
    pub line: usize,
    /// The field at fault (`-` when the parser could not tell).
    pub field: String,
    /// What is wrong and what would be accepted.
    pub message: String,
}

/// The path of a `[table]` or `[[array]]` header line (`market`, `prices.BTC`), if it is one.
fn table_header(line: &str) -> Option<&str> {
    let line = line.split('#').next().unwrap_or("").trim();
    let inner = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]"));
    let inner = inner.or_else(|| line.strip_prefix('[').and_then(|l| l.strip_suffix(']')))?;
    let inner = inner.trim();
    let valid = !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"'));
    valid.then_some(inner)
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if self.field != "-" {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// A duration: `"3d"`, `"12h"`, `"30m"`, `"90s"`, `"20b"` (blocks) or an integer of seconds.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(untagged)]
enum DurationSpec {
    Text(String),
    Seconds(u64),
}

type Dur = Spanned<DurationSpec>;

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    #[serde(default)]
    description: String,
    duration: Dur,
    block_seconds: Option<Spanned<u64>>,
    sample_every: Option<Dur>,
    #[serde(default)]
    protocol: ProtocolSpec,
    #[serde(default)]
    market: MarketSpec,
    #[serde(default)]
    prices: BTreeMap<String, Spanned<PriceSpec>>,
    #[serde(default)]
    agents: AgentsSpec,
    #[serde(default)]
    events: Vec<Spanned<EventSpec>>,
    #[serde(default)]
    peg: PegSpec,
    record: Option<Spanned<RecordSpec>>,
}

/// `[record]`: an observed history the run is scored against ([`crate::backtest`]).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordSpec {
    /// The CSV: a built-in record (`records/iron-2021.csv`), or a path relative to the
    /// scenario file (then to the working directory).
    file: String,
    /// The record time the scenario's start stands for (`2021-06-16T00:00Z`).
    start: String,
    /// The column of times (UTC, ISO 8601).
    #[serde(default = "default_time_column")]
    time_column: String,
    /// Model series to record columns: `xms_price = { column = "titan_price_amm" }`.
    series: BTreeMap<String, RecordSeriesSpec>,
    #[serde(default)]
    crossings: Vec<RecordCrossingSpec>,
}

fn default_time_column() -> String {
    "time_utc".into()
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordSeriesSpec {
    column: String,
    #[serde(default)]
    floor: f64,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordCrossingSpec {
    name: String,
    series: String,
    below: Option<f64>,
    below_multiple: Option<f64>,
    above_multiple: Option<f64>,
}

/// `[peg]`: the band a path must stay in to count as holding the peg, both ways.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PegSpec {
    low: Option<Spanned<f64>>,
    high: Option<Spanned<f64>>,
    off_after: Option<Dur>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolSpec {
    preset: Option<Spanned<String>>,
    usdm_supply: Option<Spanned<f64>>,
    xms_supply: Option<Spanned<f64>>,
    xms_price: Option<Spanned<f64>>,
    collateral: Option<Spanned<BTreeMap<String, f64>>>,
    #[serde(default)]
    params: BTreeMap<String, Spanned<toml::Value>>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MarketSpec {
    usdm_pool_depth: Option<Spanned<f64>>,
    xms_pool_depth: Option<Spanned<f64>>,
    xms_market_depth: Option<Spanned<f64>>,
    xms_resilience: Option<Dur>,
    dilution_elasticity: Option<Spanned<f64>>,
    impact_permanence: Option<Spanned<f64>>,
    xms_floor_depth: Option<Spanned<f64>>,
    feed_interval: Option<Dur>,
    retail_volatility: Option<Spanned<f64>>,
    xms_volatility: Option<Spanned<f64>>,
    xms_script: Option<Spanned<Vec<(DurationSpec, f64)>>>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceSpec {
    price: Option<f64>,
    #[serde(default)]
    volatility: f64,
    #[serde(default)]
    drift: f64,
    #[serde(default)]
    jump_rate: f64,
    #[serde(default)]
    jump_mean: f64,
    #[serde(default)]
    jump_std: f64,
    #[serde(default)]
    script: Vec<(DurationSpec, f64)>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentsSpec {
    #[serde(default)]
    arbitrageurs: ArbSpec,
    #[serde(default)]
    holders: HoldersSpec,
    #[serde(default)]
    xms_holders: XmsHoldersSpec,
    #[serde(default)]
    premium_sellers: PremiumSellersSpec,
    #[serde(default)]
    farmers: FarmersTomlSpec,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FarmersTomlSpec {
    share: Num,
    cohorts: Option<Spanned<i64>>,
    entry_min: Num,
    entry_max: Num,
    drawdown_min: Num,
    drawdown_max: Num,
    herding: Num,
    sell_rate: Num,
    memory: Option<Dur>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PremiumSellersSpec {
    share: Num,
    threshold: Num,
    sell_rate: Num,
}

type Num = Option<Spanned<f64>>;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ArbSpec {
    capital: Num,
    threshold: Num,
    max_trade: Num,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldersSpec {
    share: Num,
    cohorts: Option<Spanned<i64>>,
    threshold_min: Num,
    threshold_max: Num,
    exit_rate: Num,
    contagion: Num,
    redeem_share: Num,
    memory: Option<Dur>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct XmsHoldersSpec {
    share: Num,
    threshold: Num,
    window: Option<Dur>,
    sell_rate: Num,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EventSpec {
    at: Option<DurationSpec>,
    when: Option<WhenSpec>,
    whale_exit: Option<WhaleSpec>,
    confidence_shock: Option<ShockSpec>,
    governance: Option<GovSpec>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WhenSpec {
    xms_price_below: Option<f64>,
    usdm_price_below: Option<f64>,
    xms_mcap_below: Option<f64>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WhaleSpec {
    usdm: f64,
    over: DurationSpec,
    #[serde(default)]
    redeem_share: f64,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ShockSpec {
    threshold_scale: f64,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct GovSpec {
    set: Option<String>,
    value: Option<toml::Value>,
    pause: Option<String>,
    unpause: Option<String>,
    /// Start a ramp of the support ratio to this multiple, over `over`.
    ramp_support_ratio: Option<toml::Value>,
    over: Option<DurationSpec>,
    /// Stop the running ramp.
    stop_ramp: Option<bool>,
}

/// An exogenous price process: geometric Brownian motion with optional jumps, times a scripted
/// multiplicative path.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PriceProcess {
    /// Starting price in USD.
    pub price: f64,
    /// Annualized volatility.
    pub volatility: f64,
    /// Annualized drift.
    pub drift: f64,
    /// Jumps per day.
    pub jump_rate: f64,
    /// Mean log jump.
    pub jump_mean: f64,
    /// Std of the log jump.
    pub jump_std: f64,
    /// `(block, multiplier)` points, interpolated log-linearly; empty means 1.
    pub script: Vec<(u64, f64)>,
}

impl PriceProcess {
    /// A price that stays at `price`: the base the scenario's fields (or a test) build on.
    pub fn constant(price: f64) -> PriceProcess {
        PriceProcess {
            price,
            volatility: 0.0,
            drift: 0.0,
            jump_rate: 0.0,
            jump_mean: 0.0,
            jump_std: 0.0,
            script: vec![],
        }
    }
}

/// The arbitrageurs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Arbitrageurs {
    /// USD capital.
    pub capital: f64,
    /// Minimum edge after fees before they trade.
    pub threshold: f64,
    /// Largest trade per block, as a share of USDm supply.
    pub max_trade: f64,
}

/// The USDm holders who may run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Holders {
    /// Share of the USDm supply they hold.
    pub share: f64,
    /// Number of cohorts (each with its own size and threshold).
    pub cohorts: u32,
    /// Lowest depeg that triggers a cohort.
    pub threshold_min: f64,
    /// Highest.
    pub threshold_max: f64,
    /// Share of a triggered cohort's USDm leaving per block.
    pub exit_rate: f64,
    /// Weight of recent exits (as a share of the holders' starting USDm) in the trigger.
    pub contagion: f64,
    /// Share of exits redeemed directly (the rest is sold into the USDm pool).
    pub redeem_share: f64,
    /// How long recent exits are remembered, in blocks.
    pub memory: u64,
}

/// XMS holders who sell into falling prices.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct XmsHolders {
    /// Share of the genesis XMS supply they hold (the rest floats on the external market).
    pub share: f64,
    /// Price drop over the window that makes them sell.
    pub threshold: f64,
    /// The window in blocks.
    pub window: u64,
    /// Share of their XMS sold per block while triggered.
    pub sell_rate: f64,
}

/// USDm holders who sell a premium: while USDm trades more than `threshold` above $1, they sell
/// into the pool a share of what they hold each block that grows with the premium, never past
/// the price at which the premium is gone. Off (`share = 0`) unless a scenario sets it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct PremiumSellers {
    /// Share of the passive holders' USDm held by people who would sell a premium.
    pub share: f64,
    /// The premium above $1 they ignore (fees and the bother of trading).
    pub threshold: f64,
    /// Share of their USDm sold per block for each percentage point of premium above the
    /// threshold.
    pub sell_rate: f64,
}

/// A market condition that fires an event (once, at the first block it holds).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum Condition {
    /// XMS's external price below this many dollars.
    XmsPriceBelow(f64),
    /// XMS's market cap (external price times supply) below this many dollars.
    XmsMcapBelow(f64),
    /// USDm's pool price below this many dollars.
    UsdmPriceBelow(f64),
}

/// An event: from block `at` on, once `when` holds (at once if there is no condition).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScheduledEvent {
    /// Earliest block.
    pub at: u64,
    /// Condition, if any.
    pub when: Option<Condition>,
    /// What happens.
    pub kind: EventKind,
}

/// Something scheduled.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum EventKind {
    /// A large holder sells `usdm` over `blocks` blocks (a share redeemed directly).
    WhaleExit {
        /// USDm sold.
        usdm: f64,
        /// Over this many blocks.
        blocks: u64,
        /// Share redeemed instead of sold.
        redeem_share: f64,
    },
    /// Every cohort's threshold is multiplied by `threshold_scale` (below 1: more fearful).
    ConfidenceShock {
        /// The factor.
        threshold_scale: f64,
    },
    /// Governance changes a parameter.
    SetParam(ParamChange),
    /// Governance sets the Frax ratio.
    SetCollateralRatio(Ratio),
    /// Governance pauses (`true`) or unpauses something.
    Pause(usdm_core::governance::PauseTarget, bool),
    /// Governance starts a ramp of the support ratio to `to` over `seconds`.
    StartSupportRamp {
        /// The target.
        to: usdm_core::units::SupportRatio,
        /// The ramp's length.
        seconds: u64,
    },
    /// Governance stops the running ramp.
    StopSupportRamp,
}

/// A validated scenario.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Scenario {
    /// The file it came from (`<builtin:NAME>` for a built-in), for errors.
    #[serde(skip)]
    pub file: String,
    /// The TOML it was parsed from, resolved: `extends` merged in and any
    /// [`Scenario::with_fields`] change written into it. The base that `with_fields` changes,
    /// and the text a run records to be re-run from ([`crate::provenance`]).
    #[serde(skip)]
    pub source: String,
    /// Name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// Length in blocks.
    pub blocks: u64,
    /// Seconds per block.
    pub block_seconds: u64,
    /// Metrics are sampled every this many blocks.
    pub sample_every: u64,
    /// The preset named in the file (`--preset` overrides).
    pub preset: Preset,
    /// USDm minted at the start.
    pub usdm_supply: f64,
    /// XMS supply at the start.
    pub xms_supply: f64,
    /// XMS price at the start.
    pub xms_price: f64,
    /// Collateral mix of the starting treasury, by symbol (shares summing to 1).
    pub collateral: Vec<(String, f64)>,
    /// Parameter changes applied at genesis.
    pub params: Vec<ParamChange>,
    /// Each side of the USDm/USDC pool, as a share of USDm supply.
    pub usdm_pool_depth: f64,
    /// The USDm side of the XMS/USDm pool, as a share of XMS market cap (at most a tenth of
    /// the USDm supply).
    pub xms_pool_depth: f64,
    /// External XMS market depth, as a share of XMS supply.
    pub xms_market_depth: f64,
    /// Half-life of XMS market impact, in blocks.
    pub xms_resilience: u64,
    /// Share of supply dilution the XMS price reflects at once.
    pub dilution_elasticity: f64,
    /// Share of XMS market impact that never decays.
    pub impact_permanence: f64,
    /// Dollar depth the XMS market keeps however low its price.
    pub xms_floor_depth: f64,
    /// Blocks between feed posts.
    pub feed_interval: u64,
    /// Std of retail USDm flow per minute, as a share of the USDm pool's depth.
    pub retail_volatility: f64,
    /// Exogenous processes: BTC, ETH and the XMS market's exogenous component.
    pub prices: BTreeMap<String, PriceProcess>,
    /// Arbitrageurs.
    pub arbitrageurs: Arbitrageurs,
    /// Runners.
    pub holders: Holders,
    /// Momentum XMS sellers.
    pub xms_holders: XmsHolders,
    /// Holders who sell a premium (`[agents.premium_sellers]`).
    pub premium_sellers: PremiumSellers,
    /// Share-token holders with entry prices, who sell on drawdown and herd
    /// (`[agents.farmers]`).
    pub farmers: crate::farmers::FarmersSpec,
    /// Events, in order of their earliest block.
    pub events: Vec<ScheduledEvent>,
    /// The peg band both ways (`[peg]`): a path is off the peg when USDm's pool price spent
    /// more than `off_peg_seconds` outside `[peg_low, peg_high]` (default $0.97 to $1.03 for
    /// more than an hour). The downside alone is `broke_peg` (below $0.97 at any block).
    pub peg_low: f64,
    /// The band's upper end.
    pub peg_high: f64,
    /// Time outside the band, in seconds, beyond which a path is off the peg.
    pub off_peg_seconds: u64,
    /// The record the run is scored against (`[record]`), with its data.
    pub record: Option<crate::backtest::Record>,
}

/// The most samples a path keeps (memory per path stays bounded whatever the duration).
pub const MAX_SAMPLES: u64 = 100_000;

/// The scenarios shipped in `scenarios/`, by name.
pub const BUILTIN: [(&str, &str); 6] = [
    ("calm", include_str!("../../../scenarios/calm.toml")),
    (
        "btc-crash",
        include_str!("../../../scenarios/btc-crash.toml"),
    ),
    (
        "xms-crash",
        include_str!("../../../scenarios/xms-crash.toml"),
    ),
    ("bank-run", include_str!("../../../scenarios/bank-run.toml")),
    (
        "terra-2022",
        include_str!("../../../scenarios/terra-2022.toml"),
    ),
    (
        "iron-2021",
        include_str!("../../../scenarios/iron-2021.toml"),
    ),
];

/// The default scenario of `usdm simulate` with no arguments.
pub const DEFAULT_SCENARIO: &str = "bank-run";

/// A file that starts from a built-in scenario (`extends = "calm"`): the built-in's tables with
/// the file's own keys laid over them (tables merged key by key, anything else, `[[events]]`
/// included, replaced). `None` for a file that extends nothing.
fn extended(text: &str, file: &str) -> Result<Option<String>, ScenarioError> {
    let fail = |line: usize, message: String| ScenarioError {
        file: file.to_string(),
        line,
        field: "extends".into(),
        message,
    };
    let Ok(mut doc) = toml::from_str::<toml::Table>(text) else {
        return Ok(None); // the normal parse reports the syntax error with its line
    };
    let Some(base) = doc.remove("extends") else {
        return Ok(None);
    };
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("extends"))
        .map_or(0, |i| i + 1);
    let names = || {
        BUILTIN
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let source = base
        .as_str()
        .and_then(|name| BUILTIN.iter().find(|(n, _)| *n == name))
        .map(|(_, source)| *source)
        .ok_or_else(|| {
            fail(
                line,
                format!("{base} is not a built-in scenario; accepted: {}", names()),
            )
        })?;
    let mut merged: toml::Table = toml::from_str(source).expect("built-in scenarios parse");
    fn lay(into: &mut toml::Table, over: toml::Table) {
        for (k, v) in over {
            match (into.get_mut(&k), v) {
                (Some(toml::Value::Table(a)), toml::Value::Table(b)) => lay(a, b),
                (_, v) => {
                    into.insert(k, v);
                }
            }
        }
    }
    lay(&mut merged, doc);
    toml::to_string(&merged)
        .map(Some)
        .map_err(|e| fail(line, e.to_string()))
}

/// A parsed duration: blocks when given in blocks (`20b`), else seconds.
enum Duration {
    Blocks(u64),
    Seconds(u64),
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    block_seconds: u64,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    }
    /// The full name of `key`, an unknown key at `offset`: its table's path (`[table]` or
    /// `[[array]]` header above it, and the inline tables it sits in) and the key itself. An
    /// unknown table is named by its own header.
    /// The key a value at `offset` is assigned to on its line (`depth = "x"` gives `depth`),
    /// if the value follows `key =` directly.
    fn key_before(&self, offset: usize) -> Option<&str> {
        let offset = offset.min(self.text.len());
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let before = self.text[line_start..offset].trim_end();
        let before = before.strip_suffix('=')?.trim_end();
        let name = before
            .rsplit(|c: char| c == ',' || c == '{' || c.is_whitespace())
            .next()?;
        (!name.is_empty()).then_some(name)
    }
    fn key_path(&self, offset: usize, key: &str) -> String {
        let offset = offset.min(self.text.len());
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        if let Some(header) = table_header(&self.text[line_start..line_end]) {
            return header.to_string();
        }
        let mut path: Vec<&str> = self.text[..line_start]
            .lines()
            .rev()
            .find_map(table_header)
            .into_iter()
            .collect();
        // Inline tables opened before the key on its own line: `holders = { sharee = 1 }`.
        let before = &self.text[line_start..offset];
        let mut rest = before;
        while let Some(brace) = rest.find('{') {
            let opener = rest[..brace].trim_end().trim_end_matches('=').trim_end();
            let name = opener
                .rsplit(|c: char| c == ',' || c == '{' || c.is_whitespace())
                .next()
                .unwrap_or("");
            if !name.is_empty() {
                path.push(name);
            }
            rest = &rest[brace + 1..];
        }
        path.push(key);
        path.join(".")
    }

    fn err(
        &self,
        span: std::ops::Range<usize>,
        field: &str,
        message: impl fmt::Display,
    ) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            line: self.line(span.start),
            field: field.to_string(),
            message: message.to_string(),
        }
    }
    fn blocks_of(
        &self,
        d: &DurationSpec,
        span: std::ops::Range<usize>,
        field: &str,
    ) -> Result<u64, ScenarioError> {
        Ok(match self.duration(d, span, field)? {
            Duration::Blocks(b) => b,
            Duration::Seconds(s) => s.div_ceil(self.block_seconds),
        })
    }
    /// A duration in seconds, as typed (a parameter is in seconds, not rounded to blocks).
    fn seconds_of(
        &self,
        d: &DurationSpec,
        span: std::ops::Range<usize>,
        field: &str,
    ) -> Result<u64, ScenarioError> {
        Ok(match self.duration(d, span, field)? {
            Duration::Blocks(b) => b * self.block_seconds,
            Duration::Seconds(s) => s,
        })
    }
    fn duration(
        &self,
        d: &DurationSpec,
        span: std::ops::Range<usize>,
        field: &str,
    ) -> Result<Duration, ScenarioError> {
        let bad = || {
            self.err(span.clone(), field, "expected a duration like \"3d\", \"12h\", \"30m\", \"90s\", \"20b\" (blocks) or seconds")
        };
        Ok(match d {
            DurationSpec::Seconds(s) => Duration::Seconds(*s),
            DurationSpec::Text(t) => {
                let t = t.trim();
                let (num, unit) =
                    t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
                let n: f64 = num.trim().parse().map_err(|_| bad())?;
                if !n.is_finite() || n < 0.0 {
                    return Err(bad());
                }
                let seconds = match unit {
                    "b" => return Ok(Duration::Blocks(n.round() as u64)),
                    "s" | "" => n,
                    "m" => n * 60.0,
                    "h" => n * 3600.0,
                    "d" => n * 86_400.0,
                    _ => return Err(bad()),
                };
                Duration::Seconds(seconds.round() as u64)
            }
        })
    }
    fn dur(&self, d: &Dur, field: &str) -> Result<u64, ScenarioError> {
        self.blocks_of(d.get_ref(), d.span(), field)
    }
    fn positive(&self, v: &Spanned<f64>, field: &str) -> Result<f64, ScenarioError> {
        let x = *v.get_ref();
        if !(x.is_finite() && x > 0.0) {
            return Err(self.err(v.span(), field, format!("{x} must be a positive number")));
        }
        Ok(x)
    }
    fn share(&self, v: &Spanned<f64>, field: &str) -> Result<f64, ScenarioError> {
        let x = *v.get_ref();
        if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
            return Err(self.err(v.span(), field, format!("{x} must lie between 0 and 1")));
        }
        Ok(x)
    }
}

fn ratio_of(v: f64) -> Option<Ratio> {
    if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
        return None;
    }
    Ratio::new((v * 1e18).round() as u128).ok()
}

impl Scenario {
    /// A built-in scenario by name.
    pub fn builtin(name: &str) -> Option<Result<Scenario, ScenarioError>> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Scenario::parse(text, &format!("<builtin:{n}>")))
    }

    /// This scenario with some of its fields changed (`market.xms_market_depth = 0.05`), parsed
    /// and validated again as a whole: what a sweep over market or agent assumptions runs.
    pub fn with_fields(&self, changes: &[FieldChange]) -> Result<Scenario, ScenarioError> {
        if changes.is_empty() {
            return Ok(self.clone());
        }
        let label = changes
            .iter()
            .map(|c| format!("{}={}", c.key, c.value))
            .collect::<Vec<_>>()
            .join(", ");
        let file = format!("{} with {label}", self.file);
        let fail = |field: &str, message: String| ScenarioError {
            file: file.clone(),
            line: 0,
            field: field.to_string(),
            message,
        };
        let mut doc: toml::Table =
            toml::from_str(&self.source).map_err(|e| fail("-", e.to_string()))?;
        for c in changes {
            let mut parts: Vec<&str> = c.key.split('.').collect();
            let last = parts.pop().unwrap_or_default();
            let mut table = &mut doc;
            for part in parts {
                let entry = table
                    .entry(part.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = match entry {
                    toml::Value::Table(t) => t,
                    _ => {
                        return Err(fail(
                            &c.key,
                            format!("{part} is not a table; only fields of tables such as [market] or [agents.holders] can be set here"),
                        ))
                    }
                };
            }
            table.insert(last.to_string(), c.value.clone());
        }
        let text = toml::to_string(&doc).map_err(|e| fail("-", e.to_string()))?;
        // Line numbers would point into the rewritten text: the field names the place.
        Scenario::parse(&text, &file).map_err(|e| ScenarioError { line: 0, ..e })
    }

    /// Loads a built-in scenario by name, or a file by path.
    pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        if let Some(s) = Scenario::builtin(name_or_path) {
            return s;
        }
        let text = std::fs::read_to_string(name_or_path).map_err(|e| ScenarioError {
            file: name_or_path.to_string(),
            line: 0,
            field: "-".into(),
            message: format!(
                "neither a built-in scenario nor a readable file ({e}); built-in scenarios: {}",
                BUILTIN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        Scenario::parse(&text, name_or_path)
    }

    /// Parses and validates scenario text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        if let Some(merged) = extended(text, file)? {
            let label = format!("{file} (extending its base)");
            // Line numbers would point into the merged text: the field names the place.
            return Scenario::parse(&merged, &label).map_err(|e| ScenarioError { line: 0, ..e });
        }
        let mut ctx = Ctx {
            file,
            text,
            block_seconds: 3,
        };
        let f: File = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim().to_string();
            let field = match msg.split('`').nth(1).filter(|_| msg.contains("field")) {
                // Named in full, as every other error names its field: `market.usdm_pool_dept`.
                Some(key) => ctx.key_path(span.start, key),
                // A value of the wrong type: the key it was given to, in full.
                None => match ctx.key_before(span.start) {
                    Some(key) => ctx.key_path(span.start, key),
                    None => "-".to_string(),
                },
            };
            ctx.err(span, &field, plain_types(&msg))
        })?;
        if let Some(bs) = &f.block_seconds {
            if !(1..=3600).contains(bs.get_ref()) {
                return Err(ctx.err(bs.span(), "block_seconds", "must be 1 to 3600"));
            }
            ctx.block_seconds = *bs.get_ref();
        }
        let blocks = ctx.dur(&f.duration, "duration")?;
        if blocks == 0 || blocks > 10_000_000 {
            return Err(ctx.err(
                f.duration.span(),
                "duration",
                "must be at least one block and at most 10,000,000",
            ));
        }
        let sample_every = match &f.sample_every {
            Some(d) => {
                // Shorter than a block would silently sample every block: say so instead.
                let shorter = match ctx.duration(d.get_ref(), d.span(), "sample_every")? {
                    Duration::Blocks(b) => b == 0,
                    Duration::Seconds(s) => s < ctx.block_seconds,
                };
                if shorter {
                    return Err(ctx.err(
                        d.span(),
                        "sample_every",
                        format!(
                            "shorter than a block ({} s); the finest sampling is every block: \"1b\" or \"{}s\"",
                            ctx.block_seconds, ctx.block_seconds
                        ),
                    ));
                }
                let every = ctx.dur(d, "sample_every")?;
                if blocks / every > MAX_SAMPLES {
                    return Err(ctx.err(
                        d.span(),
                        "sample_every",
                        format!(
                            "{} samples per path is more than the {MAX_SAMPLES} accepted; sample at least every {} blocks",
                            blocks / every,
                            blocks.div_ceil(MAX_SAMPLES)
                        ),
                    ));
                }
                every
            }
            // Every five minutes, or coarser for very long scenarios.
            None => (300 / ctx.block_seconds)
                .max(1)
                .max(blocks.div_ceil(MAX_SAMPLES)),
        };
        let p = &f.protocol;
        let preset = match &p.preset {
            Some(s) => s
                .get_ref()
                .parse()
                .map_err(|e| ctx.err(s.span(), "protocol.preset", e))?,
            None => Preset::Mars,
        };
        let num =
            |v: &Option<Spanned<f64>>, field: &str, default: f64| -> Result<f64, ScenarioError> {
                v.as_ref().map_or(Ok(default), |v| ctx.positive(v, field))
            };
        let shr =
            |v: &Option<Spanned<f64>>, field: &str, default: f64| -> Result<f64, ScenarioError> {
                v.as_ref().map_or(Ok(default), |v| ctx.share(v, field))
            };
        let pos_share =
            |v: &Option<Spanned<f64>>, field: &str, default: f64| -> Result<f64, ScenarioError> {
                match v {
                    Some(x) if *x.get_ref() == 0.0 => {
                        Err(ctx.err(x.span(), field, "must be above 0 (and at most 1)"))
                    }
                    _ => shr(v, field, default),
                }
            };
        let usdm_supply = num(&p.usdm_supply, "protocol.usdm_supply", 100_000_000.0)?;
        let xms_supply = num(&p.xms_supply, "protocol.xms_supply", 100_000_000.0)?;
        let xms_price = num(&p.xms_price, "protocol.xms_price", 2.5)?;
        let collateral = match &p.collateral {
            None => vec![("USDC".to_string(), 1.0)],
            Some(c) => {
                let known = ["USDC", "BTC", "ETH", "XMS"];
                let mut v = Vec::new();
                for (k, share) in c.get_ref() {
                    if !known.contains(&k.as_str()) {
                        return Err(ctx.err(
                            c.span(),
                            "protocol.collateral",
                            format!("unknown asset {k}; accepted: USDC, BTC, ETH, XMS"),
                        ));
                    }
                    if !(share.is_finite() && *share >= 0.0) {
                        return Err(ctx.err(
                            c.span(),
                            "protocol.collateral",
                            format!("{k} share {share} must be non-negative"),
                        ));
                    }
                    v.push((k.clone(), *share));
                }
                let total: f64 = v.iter().map(|(_, s)| s).sum();
                if (total - 1.0).abs() > 1e-6 {
                    return Err(ctx.err(
                        c.span(),
                        "protocol.collateral",
                        format!("shares sum to {total}, not 1"),
                    ));
                }
                if !v.iter().any(|(k, s)| k == "USDC" && *s > 0.0) {
                    return Err(ctx.err(
                        c.span(),
                        "protocol.collateral",
                        "needs some USDC: a capped asset cannot be the first deposit",
                    ));
                }
                // Stablecoins first: later tiers are capped by their share of what is there.
                v.sort_by_key(|(k, _)| known.iter().position(|x| x == k));
                v
            }
        };
        let mut params = Vec::new();
        for (key, value) in &p.params {
            params.push(param_change(&ctx, key, value)?);
        }
        let m = &f.market;
        let prices = {
            let mut out = BTreeMap::new();
            for (k, v) in &f.prices {
                let default = match k.as_str() {
                    "BTC" => 60_000.0,
                    "ETH" => 3_000.0,
                    "XMS" => xms_price,
                    _ => {
                        return Err(ctx.err(
                            v.span(),
                            &format!("prices.{k}"),
                            "exogenous prices exist for BTC, ETH and XMS",
                        ))
                    }
                };
                if k == "XMS" {
                    if v.get_ref().price.is_some_and(|x| x != xms_price) {
                        return Err(ctx.err(
                            v.span(),
                            "prices.XMS.price",
                            "XMS's starting price is protocol.xms_price; leave it out here",
                        ));
                    }
                    if m.xms_volatility.is_some() || m.xms_script.is_some() {
                        return Err(ctx.err(
                            v.span(),
                            "prices.XMS",
                            "give XMS's process either here or as market.xms_volatility and market.xms_script, not both",
                        ));
                    }
                }
                out.insert(
                    k.clone(),
                    price_process(&ctx, v, &format!("prices.{k}"), default)?,
                );
            }
            for (k, default) in [("BTC", 60_000.0), ("ETH", 3_000.0)] {
                out.entry(k.to_string())
                    .or_insert(PriceProcess::constant(default));
            }
            if !out.contains_key("XMS") {
                let xms_script = match &m.xms_script {
                    Some(s) => script(&ctx, s.get_ref(), s.span(), "market.xms_script")?,
                    None => vec![],
                };
                let volatility = match &m.xms_volatility {
                    Some(v) if !(v.get_ref().is_finite() && (0.0..=10.0).contains(v.get_ref())) => {
                        return Err(ctx.err(
                            v.span(),
                            "market.xms_volatility",
                            "an annualized volatility between 0 and 10",
                        ));
                    }
                    Some(v) => *v.get_ref(),
                    None => 0.0,
                };
                out.insert(
                    "XMS".into(),
                    PriceProcess {
                        volatility,
                        script: xms_script,
                        ..PriceProcess::constant(xms_price)
                    },
                );
            }
            out
        };
        let a = &f.agents;
        let nonneg = |v: &Num, field: &str, default: f64| -> Result<f64, ScenarioError> {
            match v {
                None => Ok(default),
                Some(x) if x.get_ref().is_finite() && *x.get_ref() >= 0.0 => Ok(*x.get_ref()),
                Some(x) => Err(ctx.err(
                    x.span(),
                    field,
                    format!("{} must be a non-negative number", x.get_ref()),
                )),
            }
        };
        let arbitrageurs = Arbitrageurs {
            capital: nonneg(
                &a.arbitrageurs.capital,
                "agents.arbitrageurs.capital",
                usdm_supply * 0.1,
            )?,
            threshold: shr(
                &a.arbitrageurs.threshold,
                "agents.arbitrageurs.threshold",
                0.001,
            )?,
            max_trade: shr(
                &a.arbitrageurs.max_trade,
                "agents.arbitrageurs.max_trade",
                0.01,
            )?,
        };
        let h = &a.holders;
        let holders = Holders {
            share: shr(&h.share, "agents.holders.share", 0.6)?,
            cohorts: match &h.cohorts {
                None => 40,
                Some(c) if (1..=1_000).contains(c.get_ref()) => *c.get_ref() as u32,
                Some(c) => {
                    return Err(ctx.err(
                        c.span(),
                        "agents.holders.cohorts",
                        format!("{} cohorts: use 1 to 1,000", c.get_ref()),
                    ))
                }
            },
            threshold_min: shr(&h.threshold_min, "agents.holders.threshold_min", 0.02)?,
            threshold_max: shr(&h.threshold_max, "agents.holders.threshold_max", 0.15)?,
            exit_rate: shr(&h.exit_rate, "agents.holders.exit_rate", 0.0005)?,
            contagion: nonneg(&h.contagion, "agents.holders.contagion", 0.5)?,
            redeem_share: shr(&h.redeem_share, "agents.holders.redeem_share", 0.3)?,
            memory: match &h.memory {
                Some(d) => ctx.dur(d, "agents.holders.memory")?,
                None => 3600 / ctx.block_seconds,
            },
        };
        if holders.threshold_min > holders.threshold_max {
            let span = h
                .threshold_min
                .as_ref()
                .or(h.threshold_max.as_ref())
                .map_or(0..0, |v| v.span());
            return Err(ctx.err(
                span,
                "agents.holders.threshold_min",
                format!(
                    "{} must not exceed threshold_max ({})",
                    holders.threshold_min, holders.threshold_max
                ),
            ));
        }
        let x = &a.xms_holders;
        let xms_holders = XmsHolders {
            share: shr(&x.share, "agents.xms_holders.share", 0.3)?,
            threshold: shr(&x.threshold, "agents.xms_holders.threshold", 0.2)?,
            window: match &x.window {
                Some(d) => {
                    let w = ctx.dur(d, "agents.xms_holders.window")?.max(1);
                    if w > blocks {
                        return Err(ctx.err(
                            d.span(),
                            "agents.xms_holders.window",
                            "longer than the scenario; use at most its duration",
                        ));
                    }
                    w
                }
                None => (3600 / ctx.block_seconds).min(blocks).max(1),
            },
            sell_rate: shr(&x.sell_rate, "agents.xms_holders.sell_rate", 0.0002)?,
        };
        let ps = &a.premium_sellers;
        let premium_sellers = PremiumSellers {
            share: shr(&ps.share, "agents.premium_sellers.share", 0.0)?,
            threshold: shr(&ps.threshold, "agents.premium_sellers.threshold", 0.01)?,
            sell_rate: shr(&ps.sell_rate, "agents.premium_sellers.sell_rate", 0.001)?,
        };
        let farmers = farmers_of(&a.farmers, &ctx, blocks)?;
        let mut events = Vec::new();
        for e in &f.events {
            let spec = e.get_ref();
            let at = match &spec.at {
                Some(d) => {
                    let at = ctx.blocks_of(d, e.span(), "events.at")?;
                    if at > blocks {
                        return Err(ctx.err(
                            e.span(),
                            "events.at",
                            format!(
                                "{} is after the scenario's end ({} blocks, {} s): the event would never fire; move it earlier or lengthen `duration`",
                                match d {
                                    DurationSpec::Text(t) => t.clone(),
                                    DurationSpec::Seconds(s) => format!("{s} s"),
                                },
                                blocks,
                                blocks * ctx.block_seconds
                            ),
                        ));
                    }
                    at
                }
                None if spec.when.is_some() => 0,
                None => {
                    return Err(ctx.err(
                        e.span(),
                        "events.at",
                        "each event needs `at` (a time), `when` (a market condition) or both",
                    ))
                }
            };
            let when = match &spec.when {
                None => None,
                Some(w) => Some(match (w.xms_price_below, w.usdm_price_below, w.xms_mcap_below) {
                    (Some(x), None, None) if x.is_finite() && x > 0.0 => Condition::XmsPriceBelow(x),
                    (None, Some(x), None) if x.is_finite() && x > 0.0 => Condition::UsdmPriceBelow(x),
                    (None, None, Some(x)) if x.is_finite() && x > 0.0 => Condition::XmsMcapBelow(x),
                    _ => return Err(ctx.err(
                        e.span(),
                        "events.when",
                        "use exactly one of xms_price_below, usdm_price_below or xms_mcap_below, a positive number",
                    )),
                }),
            };
            events.push(ScheduledEvent {
                at,
                when,
                kind: event_kind(&ctx, e)?,
            });
        }
        events.sort_by_key(|e| e.at);
        let band_end = |v: &Option<Spanned<f64>>, field: &str, default: f64, below_one: bool| {
            let Some(v) = v else { return Ok(default) };
            let x = *v.get_ref();
            let fits = x.is_finite()
                && if below_one {
                    x > 0.0 && x < 1.0
                } else {
                    x > 1.0 && x <= 10.0
                };
            if fits {
                Ok(x)
            } else {
                Err(ctx.err(
                    v.span(),
                    field,
                    if below_one {
                        format!("{x} must lie between 0 and 1 (the band's lower end, e.g. 0.97)")
                    } else {
                        format!(
                            "{x} must lie above 1, at most 10 (the band's upper end, e.g. 1.03)"
                        )
                    },
                ))
            }
        };
        let record = match &f.record {
            None => None,
            Some(r) => {
                let span = r.span();
                let r = r.get_ref();
                let fail = |m: String| ctx.err(span.clone(), "record", m);
                let text = record_text(&r.file, file).map_err(|m| fail(format!("file: {m}")))?;
                let series = r
                    .series
                    .iter()
                    .map(|(metric, s)| crate::backtest::SeriesMap {
                        metric: metric.clone(),
                        column: s.column.clone(),
                        floor: s.floor,
                    })
                    .collect();
                let crossings = r
                    .crossings
                    .iter()
                    .map(|c| crate::backtest::Crossing {
                        name: c.name.clone(),
                        metric: c.series.clone(),
                        below: c.below,
                        below_multiple: c.below_multiple,
                        above_multiple: c.above_multiple,
                    })
                    .collect();
                Some(
                    crate::backtest::Record::from_csv(
                        &text,
                        &r.file,
                        &r.start,
                        &r.time_column,
                        series,
                        crossings,
                    )
                    .map_err(fail)?,
                )
            }
        };
        let peg_low = band_end(&f.peg.low, "peg.low", 0.97, true)?;
        let peg_high = band_end(&f.peg.high, "peg.high", 1.03, false)?;
        let off_peg_seconds = match &f.peg.off_after {
            Some(d) => ctx.seconds_of(d.get_ref(), d.span(), "peg.off_after")?,
            None => 3600,
        };
        Ok(Scenario {
            file: file.to_string(),
            source: text.to_string(),
            name: f.name.clone(),
            description: f.description.clone(),
            blocks,
            block_seconds: ctx.block_seconds,
            sample_every,
            preset,
            usdm_supply,
            xms_supply,
            xms_price,
            collateral,
            params,
            usdm_pool_depth: pos_share(&m.usdm_pool_depth, "market.usdm_pool_depth", 0.05)?,
            xms_pool_depth: pos_share(&m.xms_pool_depth, "market.xms_pool_depth", 0.01)?,
            xms_market_depth: pos_share(&m.xms_market_depth, "market.xms_market_depth", 0.1)?,
            xms_resilience: match &m.xms_resilience {
                Some(d) => ctx.dur(d, "market.xms_resilience")?.max(1),
                None => 6 * 3600 / ctx.block_seconds,
            },
            dilution_elasticity: shr(&m.dilution_elasticity, "market.dilution_elasticity", 1.0)?,
            impact_permanence: shr(&m.impact_permanence, "market.impact_permanence", 0.25)?,
            xms_floor_depth: match &m.xms_floor_depth {
                Some(v) if *v.get_ref() == 0.0 => 0.0,
                Some(v) => ctx.positive(v, "market.xms_floor_depth")?,
                // Speculators' standing bids: 5% of the starting market cap.
                None => 0.05 * xms_supply * xms_price,
            },
            feed_interval: match &m.feed_interval {
                Some(d) => ctx.dur(d, "market.feed_interval")?.max(1),
                None => (60 / ctx.block_seconds).max(1),
            },
            retail_volatility: shr(&m.retail_volatility, "market.retail_volatility", 0.002)?,
            prices,
            arbitrageurs,
            holders,
            xms_holders,
            premium_sellers,
            farmers,
            events,
            peg_low,
            peg_high,
            off_peg_seconds,
            record,
        })
    }
}

/// `[agents.farmers]`, checked: shares and tolerances within 0 to 1, entries positive and in
/// order, memory within the run.
fn farmers_of(
    f: &FarmersTomlSpec,
    ctx: &Ctx,
    blocks: u64,
) -> Result<crate::farmers::FarmersSpec, ScenarioError> {
    let d = crate::farmers::FarmersSpec::OFF;
    let field = |name: &str| format!("agents.farmers.{name}");
    let shr = |v: &Num, name: &str, default: f64| {
        v.as_ref()
            .map_or(Ok(default), |v| ctx.share(v, &field(name)))
    };
    let pos = |v: &Num, name: &str, default: f64| {
        v.as_ref()
            .map_or(Ok(default), |v| ctx.positive(v, &field(name)))
    };
    let spec = crate::farmers::FarmersSpec {
        share: shr(&f.share, "share", d.share)?,
        cohorts: match &f.cohorts {
            None => d.cohorts,
            Some(c) if (1..=1_000).contains(c.get_ref()) => *c.get_ref() as u32,
            Some(c) => {
                return Err(ctx.err(
                    c.span(),
                    &field("cohorts"),
                    format!("{} cohorts: use 1 to 1,000", c.get_ref()),
                ))
            }
        },
        entry_min: pos(&f.entry_min, "entry_min", d.entry_min)?,
        entry_max: pos(&f.entry_max, "entry_max", d.entry_max)?,
        drawdown_min: shr(&f.drawdown_min, "drawdown_min", d.drawdown_min)?,
        drawdown_max: shr(&f.drawdown_max, "drawdown_max", d.drawdown_max)?,
        herding: match &f.herding {
            Some(v) if *v.get_ref() == 0.0 => 0.0,
            v => pos(v, "herding", d.herding)?,
        },
        sell_rate: shr(&f.sell_rate, "sell_rate", d.sell_rate)?,
        memory: match &f.memory {
            Some(m) => ctx.dur(m, &field("memory"))?.clamp(1, blocks.max(1)),
            None => (3600 / ctx.block_seconds).max(1),
        },
    };
    // A range's lower end must not exceed its upper one; the error points at the lower.
    let ordered = |lo: f64, hi: f64, at: &Num, name: &str, upper: &str| {
        if lo <= hi {
            return Ok(());
        }
        let span = at.as_ref().map_or(0..0, |v| v.span());
        Err(ctx.err(
            span,
            &field(name),
            format!("{lo} must not exceed {upper} ({hi})"),
        ))
    };
    ordered(
        spec.entry_min,
        spec.entry_max,
        &f.entry_min,
        "entry_min",
        "entry_max",
    )?;
    ordered(
        spec.drawdown_min,
        spec.drawdown_max,
        &f.drawdown_min,
        "drawdown_min",
        "drawdown_max",
    )?;
    Ok(spec)
}

/// The text of a record a scenario names: a built-in one, else a file beside the scenario
/// (`file` is the scenario's own path or label), else one relative to the working directory.
fn record_text(name: &str, scenario_file: &str) -> Result<String, String> {
    if let Some((_, text)) = crate::backtest::BUILTIN_RECORDS
        .iter()
        .find(|(n, _)| *n == name)
    {
        return Ok((*text).to_string());
    }
    let beside = std::path::Path::new(scenario_file)
        .parent()
        .map(|d| d.join(name))
        .filter(|p| p.exists());
    let path = beside.unwrap_or_else(|| std::path::PathBuf::from(name));
    std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {} ({e}); built-in records: {}",
            path.display(),
            crate::backtest::BUILTIN_RECORDS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn script(
    ctx: &Ctx,
    points: &[(DurationSpec, f64)],
    span: std::ops::Range<usize>,
    field: &str,
) -> Result<Vec<(u64, f64)>, ScenarioError> {
    let mut out = Vec::new();
    for (d, m) in points {
        let b = ctx.blocks_of(d, span.clone(), field)?;
        if !(m.is_finite() && *m > 0.0) {
            return Err(ctx.err(
                span.clone(),
                field,
                format!("multiplier {m} must be positive"),
            ));
        }
        if out.last().is_some_and(|(prev, _)| *prev > b) {
            return Err(ctx.err(span.clone(), field, "points must be in time order"));
        }
        out.push((b, *m));
    }
    Ok(out)
}

fn price_process(
    ctx: &Ctx,
    v: &Spanned<PriceSpec>,
    field: &str,
    default_price: f64,
) -> Result<PriceProcess, ScenarioError> {
    let p = v.get_ref();
    let span = v.span();
    let price = p.price.unwrap_or(default_price);
    if !(price.is_finite() && price > 0.0) {
        return Err(ctx.err(
            span,
            &format!("{field}.price"),
            format!("{price} must be positive"),
        ));
    }
    for (name, x) in [
        ("volatility", p.volatility),
        ("jump_rate", p.jump_rate),
        ("jump_std", p.jump_std),
    ] {
        if !(x.is_finite() && x >= 0.0) {
            return Err(ctx.err(
                span.clone(),
                &format!("{field}.{name}"),
                format!("{x} must be non-negative"),
            ));
        }
    }
    for (name, x) in [("drift", p.drift), ("jump_mean", p.jump_mean)] {
        if !x.is_finite() {
            return Err(ctx.err(
                span.clone(),
                &format!("{field}.{name}"),
                format!("{x} must be a finite number"),
            ));
        }
    }
    if p.volatility > 10.0 {
        return Err(ctx.err(
            span,
            &format!("{field}.volatility"),
            "an annualized volatility between 0 and 10",
        ));
    }
    Ok(PriceProcess {
        price,
        volatility: p.volatility,
        drift: p.drift,
        jump_rate: p.jump_rate,
        jump_mean: p.jump_mean,
        jump_std: p.jump_std,
        script: script(ctx, &p.script, span, &format!("{field}.script"))?,
    })
}

fn pause_target(
    ctx: &Ctx,
    span: std::ops::Range<usize>,
    name: &str,
) -> Result<usdm_core::governance::PauseTarget, ScenarioError> {
    use usdm_core::governance::PauseTarget;
    Ok(match name {
        "mint" => PauseTarget::Mint,
        "redeem" => PauseTarget::Redeem,
        "refresh" => PauseTarget::Refresh,
        "treasury_ops" => PauseTarget::TreasuryOps,
        other => {
            return Err(ctx.err(
                span,
                "events.governance",
                format!("cannot pause {other}; accepted: mint, redeem, refresh, treasury_ops"),
            ))
        }
    })
}

fn event_kind(ctx: &Ctx, e: &Spanned<EventSpec>) -> Result<EventKind, ScenarioError> {
    let s = e.get_ref();
    let span = e.span();
    let count = [
        s.whale_exit.is_some(),
        s.confidence_shock.is_some(),
        s.governance.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if count != 1 {
        return Err(ctx.err(
            span,
            "events",
            "each event needs exactly one of whale_exit, confidence_shock, governance",
        ));
    }
    if let Some(w) = &s.whale_exit {
        if !(w.usdm.is_finite() && w.usdm > 0.0 && (0.0..=1.0).contains(&w.redeem_share)) {
            return Err(ctx.err(
                span,
                "events.whale_exit",
                "usdm must be positive and redeem_share between 0 and 1",
            ));
        }
        return Ok(EventKind::WhaleExit {
            usdm: w.usdm,
            blocks: ctx
                .blocks_of(&w.over, span, "events.whale_exit.over")?
                .max(1),
            redeem_share: w.redeem_share,
        });
    }
    if let Some(c) = &s.confidence_shock {
        if !(c.threshold_scale.is_finite() && c.threshold_scale > 0.0) {
            return Err(ctx.err(
                span,
                "events.confidence_shock.threshold_scale",
                "must be positive",
            ));
        }
        return Ok(EventKind::ConfidenceShock {
            threshold_scale: c.threshold_scale,
        });
    }
    let g = s.governance.as_ref().expect("counted");
    let actions = [
        g.set.is_some(),
        g.pause.is_some(),
        g.unpause.is_some(),
        g.ramp_support_ratio.is_some(),
        g.stop_ramp.is_some(),
    ];
    if actions.iter().filter(|b| **b).count() != 1
        || (g.over.is_some() && g.ramp_support_ratio.is_none())
        || (g.value.is_some() && g.set.is_none())
    {
        return Err(ctx.err(
            span,
            "events.governance",
            "one action an event: set + value, pause, unpause, ramp_support_ratio + over, or stop_ramp = true",
        ));
    }
    if let Some(target) = &g.pause {
        return Ok(EventKind::Pause(pause_target(ctx, span, target)?, true));
    }
    if let Some(target) = &g.unpause {
        return Ok(EventKind::Pause(pause_target(ctx, span, target)?, false));
    }
    if g.stop_ramp == Some(true) {
        return Ok(EventKind::StopSupportRamp);
    }
    if let Some(value) = &g.ramp_support_ratio {
        let to = value
            .as_float()
            .or(value.as_integer().map(|i| i as f64))
            .and_then(|x| usdm_core::units::SupportRatio::parse(&format!("{x}")).ok())
            .ok_or_else(|| {
                ctx.err(
                    span.clone(),
                    "events.governance.ramp_support_ratio",
                    "give the target multiple, 1 to 100 (4 = 400%)",
                )
            })?;
        let over = g.over.as_ref().ok_or_else(|| {
            ctx.err(
                span.clone(),
                "events.governance.over",
                "a ramp needs its length, e.g. over = \"30d\"",
            )
        })?;
        let seconds = ctx.seconds_of(over, span.clone(), "events.governance.over")?;
        return Ok(EventKind::StartSupportRamp { to, seconds });
    }
    match (&g.set, &g.value) {
        (Some(key), Some(value)) if key == "collateral_ratio" => {
            let v = value
                .as_float()
                .or(value.as_integer().map(|i| i as f64))
                .and_then(ratio_of);
            v.map(EventKind::SetCollateralRatio).ok_or_else(|| {
                ctx.err(
                    span,
                    "events.governance.value",
                    "collateral_ratio must lie between 0 and 1",
                )
            })
        }
        (Some(key), Some(value)) => {
            let spanned = Spanned::new(span, value.clone());
            Ok(EventKind::SetParam(param_change(ctx, key, &spanned)?))
        }
        _ => Err(ctx.err(
            span,
            "events.governance",
            "use set + value, pause, unpause, ramp_support_ratio + over, or stop_ramp = true",
        )),
    }
}

/// A scenario field set from the command line, `market.xms_market_depth=0.05`: a dotted path
/// into the scenario's tables and its new value.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    /// Dotted path: `market.xms_market_depth`, `agents.holders.share`.
    pub key: String,
    /// The new value, as TOML (a bare word is taken as a string: `2h`).
    pub value: toml::Value,
}

impl FieldChange {
    /// Parses `value` for the field `key` (a number, a boolean, a quoted or bare string, an
    /// array or an inline table, as in a scenario file).
    pub fn new(key: &str, value: &str) -> FieldChange {
        let value = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        FieldChange {
            key: key.to_string(),
            value,
        }
    }
}

/// A type error in the words of a scenario's reader, not Rust's (`expected f64` says "a
/// number", `expected u64` "a whole number").
fn plain_types(message: &str) -> String {
    let mut out = message.replace("expected f64", "expected a number");
    for whole in ["u8", "u16", "u32", "u64", "usize", "i32", "i64"] {
        out = out.replace(&format!("expected {whole}"), "expected a whole number");
    }
    out
}

/// A parameter change given on the command line as `key` and `value` (same names and
/// formats as a scenario's `[protocol.params]`); errors name `<command line>` as the file.
pub fn param_from_text(
    key: &str,
    value: &str,
    block_seconds: u64,
) -> Result<ParamChange, ScenarioError> {
    let text = format!("v = {value}");
    let v = toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let ctx = Ctx {
        file: "<command line>",
        text: "",
        block_seconds: block_seconds.max(1),
    };
    param_change(&ctx, key, &Spanned::new(0..0, v))
}

/// `tierN_mint_fee` or `tierN_redeem_fee` (N = 1 to 5): the tier, and true for the mint fee.
fn tier_fee(key: &str) -> Option<(usdm_core::asset::Tier, bool)> {
    let rest = key.strip_prefix("tier")?;
    let (n, which) = rest.split_once('_')?;
    let n: usize = n.parse().ok()?;
    let tier = *usdm_core::asset::Tier::ALL.get(n.checked_sub(1)?)?;
    match which {
        "mint_fee" => Some((tier, true)),
        "redeem_fee" => Some((tier, false)),
        _ => None,
    }
}

fn param_change(
    ctx: &Ctx,
    key: &str,
    value: &Spanned<toml::Value>,
) -> Result<ParamChange, ScenarioError> {
    let change = parse_param_change(ctx, key, value)?;
    // The protocol's own bounds, checked now so the error can name the line.
    Preset::Mars
        .params()
        .with_change(&change)
        .map_err(|e| ctx.err(value.span(), &format!("protocol.params.{key}"), e))?;
    Ok(change)
}

fn parse_param_change(
    ctx: &Ctx,
    key: &str,
    value: &Spanned<toml::Value>,
) -> Result<ParamChange, ScenarioError> {
    let span = value.span();
    let field = format!("protocol.params.{key}");
    let v = value.get_ref();
    let number = || v.as_float().or(v.as_integer().map(|i| i as f64));
    let off = v.as_str() == Some("off");
    let bad = |accepted: &str| {
        ctx.err(
            span.clone(),
            &field,
            format!("{v} is not accepted; expected {accepted}"),
        )
    };
    let ratio = || {
        number()
            .and_then(ratio_of)
            .ok_or_else(|| bad("a fraction between 0 and 1"))
    };
    let breaker = || {
        number()
            .and_then(ratio_of)
            .ok_or_else(|| bad("a fraction between 0 and 1, or \"off\""))
    };
    let dur = |name: &str| -> Result<u64, ScenarioError> {
        let spec = match v {
            toml::Value::String(s) => DurationSpec::Text(s.clone()),
            toml::Value::Integer(i) if *i >= 0 => DurationSpec::Seconds(*i as u64),
            _ => return Err(bad("a duration like \"10m\" or seconds")),
        };
        // Parameters are in seconds as typed, not rounded to whole blocks.
        ctx.seconds_of(&spec, span.clone(), name)
    };
    let change = match key {
        "xms_support_ratio" => ParamChange::XmsSupportRatio(
            number()
                .and_then(|x| if x.is_finite() && x > 0.0 { Some(x) } else { None })
                .and_then(|x| SupportRatio::new((x * 1e18).round() as u128).ok())
                .ok_or_else(|| bad("a multiple between 1 and 100 (2.5 = 250%)"))?,
        ),
        "epoch" => ParamChange::EpochSeconds(dur(&field)?),
        "max_price_age" => ParamChange::MaxPriceAge(dur(&field)?),
        "twap_window" => ParamChange::TwapWindow(dur(&field)?),
        "redemption_delay" => ParamChange::RedemptionDelay(
            v.as_integer().filter(|i| *i >= 0).map(|i| i as u64).ok_or_else(|| bad("a number of blocks"))?,
        ),
        "refresh_cooldown" => ParamChange::RefreshCooldown(dur(&field)?),
        "min_cr" => ParamChange::MinCr(ratio()?),
        "cr_step" => ParamChange::CrStep(ratio()?),
        "price_band" => ParamChange::PriceBand(ratio()?),
        "breaker_redemption_outflow" => ParamChange::BreakerRedemptionOutflow(if off { None } else { Some(breaker()?) }),
        "breaker_xms_minted" => ParamChange::BreakerXmsMinted(if off { None } else { Some(breaker()?) }),
        "ramp_max_daily_change" => ParamChange::RampMaxDailyChange(ratio()?),
        "ramp_min_seconds" => ParamChange::RampMinSeconds(dur(&field)?),
        fee if tier_fee(fee).is_some() => {
            let (tier, mint) = tier_fee(fee).expect("matched");
            let fee = ratio()?;
            if mint {
                ParamChange::TierMintFee { tier, fee }
            } else {
                ParamChange::TierRedeemFee { tier, fee }
            }
        }
        "redemption_share_pricing" => ParamChange::RedemptionSharePricing(
            v.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("\"protocol-favouring\" or \"twap\" (unsafe: Iron Finance's rule)"))?,
        ),
        other => {
            return Err(ctx.err(
                span,
                &format!("protocol.params.{other}"),
                "unknown parameter; accepted: xms_support_ratio, epoch, max_price_age, twap_window, redemption_delay, refresh_cooldown, min_cr, cr_step, price_band, breaker_redemption_outflow, breaker_xms_minted, ramp_max_daily_change, ramp_min_seconds, redemption_share_pricing, tierN_mint_fee, tierN_redeem_fee (N = 1 to 5)",
            ))
        }
    };
    // The value's own bounds, checked now under the name the user typed (the core names the
    // field `epoch_seconds` where a scenario says `epoch`). Bounds that depend on other
    // parameters are checked when the run is set up.
    let core_name = change.to_string();
    let core_name = core_name.split(" = ").next().unwrap_or_default();
    if let Err(Error::InvalidParameter { name, accepted, .. }) =
        usdm_core::params::Params::default().with_change(&change)
    {
        if name == core_name {
            return Err(bad(accepted));
        }
    }
    Ok(change)
}

/// What `--set key=value` entries change, one value each (a sweep compares several): protocol
/// parameters, and scenario fields for dotted keys (`market.xms_market_depth=0.05`), each
/// checked against `scenario` now. The CLI's `--set` and the Python package's `set={...}`
/// both come here, so they accept and refuse the same things with the same messages.
pub fn changes_from_sets(
    sets: &[String],
    scenario: &Scenario,
) -> Result<(Vec<ParamChange>, Vec<FieldChange>), String> {
    let mut seen = Vec::new();
    let (mut params, mut fields) = (Vec::new(), Vec::new());
    for spec in sets {
        let (key, value) = spec.split_once('=').ok_or_else(|| {
            format!("--set {spec}: expected key=value (e.g. breaker_xms_minted=0.002)")
        })?;
        let (key, value) = (key.trim(), value.trim());
        if seen.contains(&key) {
            return Err(format!(
                "--set {spec}: {key} is set twice; give each key once"
            ));
        }
        seen.push(key);
        if value.contains(',') && !value.starts_with('[') {
            return Err(format!(
                "--set {spec}: one value per key here; `usdm sweep --set {spec}` compares several"
            ));
        }
        if key.contains('.') {
            let change = FieldChange::new(key, value);
            scenario
                .with_fields(std::slice::from_ref(&change))
                .map_err(|e| set_error(spec, e))?;
            fields.push(change);
        } else {
            params.push(
                param_from_text(key, value, scenario.block_seconds)
                    .map_err(|e| format!("--set {spec}: {}", e.message))?,
            );
        }
    }
    Ok((params, fields))
}

/// A refused `--set`: the flag, then the field at fault when a scenario field was set (a
/// protocol parameter's message says enough on its own).
pub fn set_error(spec: &str, e: ScenarioError) -> String {
    let key = spec.split_once('=').map_or(spec, |(k, _)| k.trim());
    let field = if e.field == "-" {
        key
    } else {
        e.field.as_str()
    };
    if key.contains('.') {
        format!("--set {spec}: {field}: {}", e.message)
    } else {
        format!("--set {spec}: {}", e.message)
    }
}
