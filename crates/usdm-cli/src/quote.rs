//! `usdm quote ...`: exact quotes from the core's own formulas (the functions the protocol's
//! mint and redeem call), against a built-in table of the SPEC's example assets.

use crate::format::*;
use clap::{Args, Subcommand};
use serde_json::json;
use usdm_core::asset::example_assets;
use usdm_core::fees::FeeSchedule;
use usdm_core::math::group_thousands;
use usdm_core::mint::{algorithmic_mint, collateral_mint, MintQuote};
use usdm_core::params::Preset;
use usdm_core::prelude::*;
use usdm_core::redeem::redeem_math;
use usdm_core::supply_cap::cap_for;
use usdm_core::swap::Pool;

/// What to quote.
#[derive(Subcommand, Debug)]
pub enum QuoteCmd {
    /// XMS to burn and USDm out for a mint at a given collateral ratio.
    Mint(MintArgs),
    /// Collateral and XMS out for a redemption at a given collateral ratio.
    Redeem(RedeemArgs),
    /// The USDm supply cap and what may still be minted, from an average XMS market cap.
    SupplyCap(SupplyCapArgs),
    /// What a Mars Swap pool gives for selling a token, from the pool's reserves.
    Swap(SwapArgs),
}

/// `usdm quote swap`.
#[derive(Args, Debug)]
pub struct SwapArgs {
    /// A reserve of the pool, SYMBOL=AMOUNT in whole tokens; give both (e.g. --reserve
    /// USDm=1000000 --reserve USDC=1000000).
    #[arg(
        long = "reserve",
        value_name = "SYMBOL=AMOUNT",
        allow_hyphen_values = true
    )]
    pub reserves: Vec<String>,
    /// The token sold.
    #[arg(long)]
    pub sell: String,
    /// Amount sold, in whole tokens.
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
    /// Refuse if less than this (whole tokens of the token bought) would come out.
    #[arg(long, allow_hyphen_values = true)]
    pub min_out: Option<String>,
    /// Tolerated slippage (0.005 or 0.5%): prints the min_out to send.
    #[arg(long, allow_hyphen_values = true)]
    pub slippage: Option<String>,
}

/// `usdm quote mint`.
#[derive(Args, Debug)]
pub struct MintArgs {
    /// Collateral ratio, 0 to 1 (e.g. 0.8 or 80%).
    #[arg(long, allow_hyphen_values = true)]
    pub cr: String,
    /// Collateral asset (USDC, USDT, BUSD, DAI, BTC, ETH, BNB, UNI, AAVE, XMS).
    #[arg(long)]
    pub collateral: Option<String>,
    /// Collateral amount in whole tokens (e.g. 120 or 0.5).
    #[arg(long, allow_hyphen_values = true, conflicts_with = "usdm_out")]
    pub amount: Option<String>,
    /// A reverse quote: the least collateral (or, at --cr 0, XMS) that mints at least this
    /// much USDm, in whole USDm.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "xms")]
    pub usdm_out: Option<String>,
    /// XMS to burn, for algorithmic minting at --cr 0 (instead of --collateral/--amount).
    #[arg(long, allow_hyphen_values = true)]
    pub xms: Option<String>,
    /// A token's USD price, SYMBOL=PRICE; repeat for the collateral and (below ratio 1) XMS.
    #[arg(
        long = "price",
        value_name = "SYMBOL=PRICE",
        allow_hyphen_values = true
    )]
    pub prices: Vec<String>,
    /// Mint fee (0.002 or 0.2%; 0 for the SPEC's worked examples). Default: the preset's fee
    /// for the asset's tier, which is what the protocol charges.
    #[arg(long, allow_hyphen_values = true)]
    pub fee: Option<String>,
    /// The preset whose fees apply unless --fee is given: mars, mars-guarded, frax or iron.
    #[arg(long, default_value = "mars")]
    pub preset: String,
    /// Tolerated slippage (0.005 or 0.5%): prints the min_usdm_out and max_xms_in to send.
    #[arg(long, allow_hyphen_values = true)]
    pub slippage: Option<String>,
    /// Refuse if more than this much XMS would be burned.
    #[arg(long, allow_hyphen_values = true)]
    pub max_xms_in: Option<String>,
    /// Refuse if less than this much USDm would come out.
    #[arg(long, allow_hyphen_values = true)]
    pub min_usdm_out: Option<String>,
}

/// `usdm quote redeem`.
#[derive(Args, Debug)]
pub struct RedeemArgs {
    /// Collateral ratio, 0 to 1 (e.g. 0.65 or 65%).
    #[arg(long, allow_hyphen_values = true)]
    pub cr: String,
    /// USDm to redeem, in whole tokens.
    #[arg(long, allow_hyphen_values = true)]
    pub usdm: String,
    /// Collateral asset to receive (required when --cr is above 0).
    #[arg(long)]
    pub collateral: Option<String>,
    /// A token's USD price, SYMBOL=PRICE; repeat for the collateral and (below ratio 1) XMS.
    #[arg(
        long = "price",
        value_name = "SYMBOL=PRICE",
        allow_hyphen_values = true
    )]
    pub prices: Vec<String>,
    /// Redeem fee (0.003 or 0.3%; 0 for the SPEC's worked examples). Default: the preset's
    /// fee for the asset's tier, which is what the protocol charges.
    #[arg(long, allow_hyphen_values = true)]
    pub fee: Option<String>,
    /// The preset whose fees apply unless --fee is given: mars, mars-guarded, frax or iron.
    #[arg(long, default_value = "mars")]
    pub preset: String,
    /// Tolerated slippage (0.005 or 0.5%): prints the min_collateral_out and min_xms_out to
    /// send.
    #[arg(long, allow_hyphen_values = true)]
    pub slippage: Option<String>,
}

/// `usdm quote supply-cap`.
#[derive(Args, Debug)]
pub struct SupplyCapArgs {
    /// Average XMS market cap over the previous epoch, in USD.
    #[arg(long, allow_hyphen_values = true)]
    pub avg_xms_mcap: String,
    /// XMS support ratio (2.5 or 250%).
    #[arg(long, default_value = "2.5", allow_hyphen_values = true)]
    pub support_ratio: String,
    /// USDm in circulation (protocol-owned USDm excluded), in whole USDm.
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    pub circulating: String,
    /// Protocol-owned USDm (liquidity the treasury holds); it does not count against the cap,
    /// so the total USDm that may exist is the cap plus this.
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    pub protocol_owned: String,
}

/// A quote as data: the object `usdm --json quote ...` prints (exact decimal strings).
pub fn quote_json(cmd: &QuoteCmd) -> CliResult<serde_json::Value> {
    Ok(quote(cmd)?.json)
}

fn quote(cmd: &QuoteCmd) -> CliResult<Output> {
    match cmd {
        QuoteCmd::Mint(a) => quote_mint(a),
        QuoteCmd::Redeem(a) => quote_redeem(a),
        QuoteCmd::SupplyCap(a) => quote_supply_cap(a),
        QuoteCmd::Swap(a) => quote_swap(a),
    }
}

/// Runs a quote and prints it.
pub fn run(cmd: &QuoteCmd, json_out: bool) -> CliResult<()> {
    let out = quote(cmd)?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&out.json)?);
    } else {
        print!("{}", out.text);
    }
    Ok(())
}

struct Output {
    json: serde_json::Value,
    text: String,
}

/// The built-in asset table: the example assets plus USDm.
fn asset(symbol: &str) -> CliResult<AssetConfig> {
    let assets = example_assets();
    let s = Symbol::new(symbol).map_err(CliError::from)?;
    assets
        .iter()
        .find(|a| a.symbol == s)
        .cloned()
        .ok_or_else(|| {
            let known: Vec<&str> = assets.iter().map(|a| a.symbol.as_str()).collect();
            CliError::usage(format!(
                "unknown asset '{symbol}'; known: {}",
                known.join(", ")
            ))
        })
}

/// Prices given with `--price`, refusing duplicates and unknown tokens.
struct Prices(Vec<(Symbol, Price)>);

impl Prices {
    fn parse(args: &[String]) -> CliResult<Self> {
        let mut v: Vec<(Symbol, Price)> = Vec::new();
        for a in args {
            let (s, p) = parse_price_pair(a)?;
            if s != USDM {
                asset(s.as_str())?;
            }
            if v.iter().any(|(x, _)| *x == s) {
                return Err(CliError::usage(format!("--price given twice for {s}")));
            }
            v.push((s, p));
        }
        Ok(Prices(v))
    }

    fn get(&self, s: Symbol) -> CliResult<Price> {
        self.0
            .iter()
            .find(|(x, _)| *x == s)
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                CliError::usage(format!("missing price for {s}: pass --price {s}=<USD>"))
            })
    }
}

/// The fee rate a quote uses and where it came from, echoed with the quote so that a
/// `min_usdm_out` taken from it matches what the protocol will charge.
struct Fee {
    rate: Ratio,
    source: String,
}

/// `--fee` if given (a rate, or `tier` for the preset's tier default), else the preset's fee
/// for the asset.
fn fee_arg(
    fee: &Option<String>,
    preset: &str,
    what: &str,
    default: impl FnOnce(&FeeSchedule) -> (Ratio, String),
) -> CliResult<Fee> {
    let preset: Preset = preset
        .parse()
        .map_err(|e| CliError::usage(format!("--preset {preset}: {e}")))?;
    let schedule = preset.params().fees;
    match fee.as_deref() {
        None | Some("tier") => {
            let (rate, of) = default(&schedule);
            Ok(Fee {
                rate,
                source: format!("the {preset} preset's {what} fee for {of}"),
            })
        }
        Some(s) => {
            let rate = parse_ratio("--fee", s)?;
            usdm_core::fees::validate_fee(rate)
                .map_err(|_| CliError::usage(format!("--fee '{s}': at most 10% is accepted")))?;
            Ok(Fee {
                rate,
                source: "--fee".into(),
            })
        }
    }
}

/// `--slippage`: a fraction of at most 50%.
fn slippage_arg(s: &Option<String>) -> CliResult<Option<Ratio>> {
    s.as_deref()
        .map(|s| {
            let r = parse_ratio("--slippage", s)?;
            if r > Ratio::bps(5_000) {
                return Err(CliError::usage(format!(
                    "--slippage '{s}': at most 50% is accepted"
                )));
            }
            Ok(r)
        })
        .transpose()
}

/// `amount` less `slippage`, rounded down: the least output to accept.
fn less(amount: Amount, slippage: Ratio) -> CliResult<Amount> {
    let keep = Ratio::ONE.raw() - slippage.raw();
    Ok(Amount::new(
        usdm_core::math::mul_div(amount.raw(), keep, usdm_core::units::WAD, Rounding::Down)
            .ok_or_else(|| CliError::new("arithmetic overflow applying --slippage".into()))?,
    ))
}

/// `amount` plus `slippage`, rounded up: the most input to allow.
fn more(amount: Amount, slippage: Ratio) -> CliResult<Amount> {
    let grow = Ratio::ONE.raw() + slippage.raw();
    Ok(Amount::new(
        usdm_core::math::mul_div(amount.raw(), grow, usdm_core::units::WAD, Rounding::Up)
            .ok_or_else(|| CliError::new("arithmetic overflow applying --slippage".into()))?,
    ))
}

/// The least input (in base units) for which `quote(input)` gives at least `target` USDm:
/// a search over the protocol's own formula, which is monotone in its input, so no inverse
/// formula is written twice.
fn least_input(
    target: Amount,
    quote: impl Fn(Amount) -> Result<MintQuote>,
) -> CliResult<MintQuote> {
    let enough = |a: Amount| -> Result<Option<MintQuote>> {
        match quote(a) {
            Ok(q) if q.usdm_out >= target => Ok(Some(q)),
            Ok(_) => Ok(None),
            Err(Error::ZeroAmount { .. } | Error::OutputTooSmall { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let mut hi = 1u128;
    let best = loop {
        if let Some(q) = enough(Amount::new(hi))? {
            break q;
        }
        hi = hi.checked_mul(2).ok_or_else(|| {
            CliError::new(format!(
                "no deposit mints {} USDm: the amount is beyond what the types hold",
                target.to_decimal(18)
            ))
        })?;
    };
    let (mut lo, mut best) = (hi / 2, best);
    // Invariant: `lo` is not enough (or 0), `hi` is.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match enough(Amount::new(mid))? {
            Some(q) => {
                hi = mid;
                best = q;
            }
            None => lo = mid,
        }
    }
    Ok(best)
}

fn quote_mint(a: &MintArgs) -> CliResult<Output> {
    let cr = parse_ratio("--cr", &a.cr)?;
    let prices = Prices::parse(&a.prices)?;
    let slippage = slippage_arg(&a.slippage)?;
    let target = a
        .usdm_out
        .as_deref()
        .map(|t| parse_amount("--usdm-out", t, 18, USDM))
        .transpose()?;
    let (q, collateral, fee) = if cr.is_zero() {
        if a.collateral.is_some() || a.amount.is_some() {
            return Err(CliError::usage(
                "--cr 0 is algorithmic minting: pass --xms <AMOUNT> (or --usdm-out) instead of --collateral/--amount".into(),
            ));
        }
        let fee = fee_arg(&a.fee, &a.preset, "mint", |f| {
            (
                f.tier_mint_fee(Tier::ProtocolToken),
                format!("XMS ({})", Tier::ProtocolToken),
            )
        })?;
        let price = prices.get(XMS)?;
        let q = match (target, a.xms.as_deref()) {
            (Some(t), _) => least_input(t, |x| algorithmic_mint(x, price, fee.rate))?,
            (None, Some(xms)) => {
                algorithmic_mint(parse_amount("--xms", xms, 18, XMS)?, price, fee.rate)?
            }
            (None, None) => {
                return Err(CliError::usage(
                    "--cr 0 needs --xms <AMOUNT> (XMS to burn) or --usdm-out <AMOUNT>".into(),
                ))
            }
        };
        (q, None, fee)
    } else {
        if a.xms.is_some() {
            return Err(CliError::usage("--xms is only for algorithmic minting at --cr 0; above 0 the XMS to burn is computed".into()));
        }
        let symbol = a
            .collateral
            .as_deref()
            .ok_or_else(|| CliError::usage("missing --collateral <ASSET>".into()))?;
        let config = asset(symbol)?;
        let xms_price = if cr.is_one() {
            None
        } else {
            Some(prices.get(XMS)?)
        };
        let fee = fee_arg(&a.fee, &a.preset, "mint", |f| {
            (
                f.mint_fee(&config),
                format!("{} ({})", config.symbol, config.tier),
            )
        })?;
        let price = prices.get(config.symbol)?;
        let mint = |amount: Amount| {
            collateral_mint(cr, amount, price, config.decimals, xms_price, fee.rate)
        };
        let q = match (target, a.amount.as_deref()) {
            (Some(t), _) => least_input(t, mint)?,
            (None, Some(amount)) => mint(parse_amount(
                "--amount",
                amount,
                config.decimals,
                config.symbol,
            )?)?,
            (None, None) => {
                return Err(CliError::usage(
                    "missing --amount <AMOUNT> (or --usdm-out <AMOUNT> for a reverse quote)".into(),
                ))
            }
        };
        (q, Some(config), fee)
    };
    if let Some(max) = &a.max_xms_in {
        let max = Amount::parse(max, 18)
            .map_err(|e| CliError::usage(format!("--max-xms-in '{max}': {e}")))?;
        if q.xms_in > max {
            return Err(Error::XmsLimitExceeded {
                required: Box::new(Quantity::xms(q.xms_in)),
                max: Box::new(Quantity::xms(max)),
            }
            .into());
        }
    }
    if let Some(min) = &a.min_usdm_out {
        let min = Amount::parse(min, 18)
            .map_err(|e| CliError::usage(format!("--min-usdm-out '{min}': {e}")))?;
        if q.usdm_out < min {
            return Err(Error::SlippageExceeded {
                out: Box::new(Quantity::usdm(q.usdm_out)),
                min: Box::new(Quantity::usdm(min)),
            }
            .into());
        }
    }
    let send = match slippage {
        None => None,
        Some(s) => Some((less(q.usdm_out, s)?, more(q.xms_in, s)?, s)),
    };
    Ok(render_mint(&q, collateral.as_ref(), &fee, send, target))
}

fn render_mint(
    q: &MintQuote,
    collateral: Option<&AssetConfig>,
    fee: &Fee,
    send: Option<(Amount, Amount, Ratio)>,
    target: Option<Amount>,
) -> Output {
    let (sym, dec) = collateral.map_or(("none".to_string(), 18), |c| {
        (c.symbol.to_string(), c.decimals)
    });
    let mut json = json!({
        "cr": q.cr.to_decimal(),
        "collateral": collateral.map(|c| c.symbol.to_string()),
        "collateral_in": q.collateral_in.to_decimal(dec),
        "collateral_value": q.collateral_value.to_decimal(),
        "xms_in": q.xms_in.to_decimal(18),
        "xms_value": q.xms_value.to_decimal(),
        "usdm_out": q.usdm_out.to_decimal(18),
        "fee": q.fee.to_decimal(),
        "fee_rate": fee.rate.to_decimal(),
        "fee_source": fee.source,
    });
    if let Some(t) = target {
        json["usdm_out_requested"] = json!(t.to_decimal(18));
    }
    let mut text = format!(
        "Mint at collateral ratio {}
",
        q.cr
    );
    if let Some(t) = target {
        text += &format!(
            "  the least input that mints at least {} USDm:\n",
            t.to_decimal(18)
        );
    }
    if collateral.is_some() {
        text += &format!(
            "  deposit   {} {sym}  (worth ${})\n",
            q.collateral_in.to_decimal(dec),
            q.collateral_value.to_decimal()
        );
    }
    text += &format!(
        "  burn      {} XMS  (worth ${})\n",
        q.xms_in.to_decimal(18),
        q.xms_value.to_decimal()
    );
    text += &format!(
        "  fee       ${}  ({} from {})\n",
        q.fee.to_decimal(),
        fee.rate.to_percent(),
        fee.source
    );
    text += &format!("  receive   {} USDm\n", q.usdm_out.to_decimal(18));
    if let Some((min_out, max_in, s)) = send {
        json["slippage"] = json!(s.to_decimal());
        json["min_usdm_out"] = json!(min_out.to_decimal(18));
        json["max_xms_in"] = json!(max_in.to_decimal(18));
        text += &format!(
            "  send with {} slippage: min_usdm_out {}, max_xms_in {}\n",
            s.to_percent(),
            min_out.to_decimal(18),
            max_in.to_decimal(18)
        );
    }
    Output { json, text }
}

fn quote_redeem(a: &RedeemArgs) -> CliResult<Output> {
    let cr = parse_ratio("--cr", &a.cr)?;
    let prices = Prices::parse(&a.prices)?;
    let usdm_in = parse_amount("--usdm", &a.usdm, 18, USDM)?;
    let slippage = slippage_arg(&a.slippage)?;
    let config = match a.collateral.as_deref() {
        Some(s) => Some(asset(s)?),
        None if cr.is_zero() => None,
        None => {
            // A missing flag is a malformed command line (exit 2), as clap's own are.
            return Err(CliError::usage(format!(
                "--cr {} pays collateral: pass --collateral <ASSET>",
                a.cr
            )));
        }
    };
    let fee = fee_arg(&a.fee, &a.preset, "redeem", |f| match &config {
        Some(c) => (f.redeem_fee(c), format!("{} ({})", c.symbol, c.tier)),
        None => (
            f.tier_redeem_fee(Tier::ProtocolToken),
            format!("XMS ({})", Tier::ProtocolToken),
        ),
    })?;
    let collateral = match &config {
        Some(c) if !cr.is_zero() => Some((c.symbol, prices.get(c.symbol)?, c.decimals)),
        _ => None,
    };
    let xms_price = if cr.is_one() {
        None
    } else {
        Some(prices.get(XMS)?)
    };
    let q = redeem_math(cr, usdm_in, collateral, xms_price, fee.rate)?;
    let (sym, dec) = config.as_ref().map_or(("none".to_string(), 18), |c| {
        (c.symbol.to_string(), c.decimals)
    });
    let mut json = json!({
        "cr": q.cr.to_decimal(),
        "usdm_in": q.usdm_in.to_decimal(18),
        "collateral": config.as_ref().map(|c| c.symbol.to_string()),
        "collateral_out": q.collateral_out.to_decimal(dec),
        "xms_out": q.xms_out.to_decimal(18),
        "fee": q.fee.to_decimal(),
        "fee_rate": fee.rate.to_decimal(),
        "fee_source": fee.source,
        "net_value": q.net_value.to_decimal(),
    });
    let mut text = format!("Redeem at collateral ratio {}\n", q.cr);
    text += &format!("  burn      {} USDm\n", q.usdm_in.to_decimal(18));
    text += &format!(
        "  fee       ${}  ({} from {})\n",
        q.fee.to_decimal(),
        fee.rate.to_percent(),
        fee.source
    );
    if config.is_some() {
        text += &format!("  receive   {} {sym}\n", q.collateral_out.to_decimal(dec));
    }
    text += &format!(
        "  receive   {} XMS (newly minted)\n",
        q.xms_out.to_decimal(18)
    );
    text += "  collect after the redemption delay (default 2 blocks)\n";
    if let Some(s) = slippage {
        let (min_c, min_x) = (less(q.collateral_out, s)?, less(q.xms_out, s)?);
        json["slippage"] = json!(s.to_decimal());
        json["min_collateral_out"] = json!(min_c.to_decimal(dec));
        json["min_xms_out"] = json!(min_x.to_decimal(18));
        text += &format!(
            "  send with {} slippage: min_collateral_out {}, min_xms_out {}\n",
            s.to_percent(),
            min_c.to_decimal(dec),
            min_x.to_decimal(18)
        );
    }
    Ok(Output { json, text })
}

fn quote_supply_cap(a: &SupplyCapArgs) -> CliResult<Output> {
    let avg = parse_usd("--avg-xms-mcap", &a.avg_xms_mcap)?;
    let support = parse_support_ratio("--support-ratio", &a.support_ratio)?;
    let circulating = parse_usd("--circulating", &a.circulating)?;
    let owned = parse_usd("--protocol-owned", &a.protocol_owned)?;
    let (cap, mintable) = cap_for(avg, support, circulating);
    let max_total = cap.checked_add(owned, "total USDm")?;
    let json = json!({
        "average_xms_mcap": avg.to_decimal(),
        "support_ratio": support.to_decimal(),
        "supply_cap": cap.to_decimal(),
        "circulating": circulating.to_decimal(),
        "mintable": mintable.to_decimal(),
        "protocol_owned": owned.to_decimal(),
        "max_total_usdm": max_total.to_decimal(),
    });
    let usdm = |u: Usd| format!("{} USDm", group_thousands(&u.to_decimal()));
    let mut text = String::from("Supply cap for the epoch\n");
    let mut line = |label: &str, value: String| text += &format!("  {label:<29}{value}\n");
    line(
        "average XMS market cap",
        format!("${}", group_thousands(&avg.to_decimal())),
    );
    line("/ XMS support ratio", support.to_string());
    line("= supply cap", usdm(cap));
    line("circulating", usdm(circulating));
    line("mintable this epoch", usdm(mintable));
    if !owned.is_zero() {
        line("+ protocol-owned", usdm(owned));
        line("= total USDm that may exist", usdm(max_total));
    }
    Ok(Output { json, text })
}

/// Decimals of a token a pool may hold: the example assets and USDm.
fn token_decimals(symbol: &str) -> CliResult<(Symbol, u8)> {
    if symbol == USDM.as_str() {
        return Ok((USDM, 18));
    }
    let a = asset(symbol)?;
    Ok((a.symbol, a.decimals))
}

fn quote_swap(a: &SwapArgs) -> CliResult<Output> {
    if a.reserves.len() != 2 {
        return Err(CliError::usage(format!(
            "give the pool's two reserves with --reserve SYMBOL=AMOUNT (got {})",
            a.reserves.len()
        )));
    }
    let mut tokens = Vec::new();
    for r in &a.reserves {
        let (sym, amount) = r.split_once('=').ok_or_else(|| {
            CliError::usage(format!(
                "--reserve '{r}': expected SYMBOL=AMOUNT, e.g. USDC=1000000"
            ))
        })?;
        let (symbol, decimals) = token_decimals(sym.trim())?;
        let amount = parse_amount("--reserve", amount, decimals, symbol)?;
        tokens.push((symbol, decimals, amount));
    }
    if tokens[0].0 == tokens[1].0 {
        return Err(CliError::usage(
            "--reserve: the pool's two tokens must differ".into(),
        ));
    }
    // A one-off quote: no TWAP is read, so the checkpoint window does not matter.
    let mut pool = Pool::new(
        0,
        [tokens[0].0, tokens[1].0],
        [tokens[0].1, tokens[1].1],
        600,
    );
    pool.reserves = [tokens[0].2, tokens[1].2];
    let sell = Symbol::new(&a.sell).map_err(CliError::from)?;
    let side_in = pool.side(sell)?;
    let side_out = 1 - side_in;
    let amount_in = parse_amount("--amount", &a.amount, pool.decimals[side_in], sell)?;
    let q = pool.quote_swap(sell, amount_in)?;
    let (buy, d_in, d_out) = (
        pool.tokens[side_out],
        pool.decimals[side_in],
        pool.decimals[side_out],
    );
    if let Some(min) = &a.min_out {
        let min = Amount::parse(min, d_out)
            .map_err(|e| CliError::usage(format!("--min-out '{min}': {e}")))?;
        if q.amount_out < min {
            return Err(Error::SlippageExceeded {
                out: Box::new(Quantity::new(q.amount_out, d_out, buy)),
                min: Box::new(Quantity::new(min, d_out, buy)),
            }
            .into());
        }
    }
    let before = pool.spot_price(side_in);
    let mut after_pool = pool.clone();
    after_pool.reserves = q.reserves_after;
    let after = after_pool.spot_price(side_in);
    // The execution price is the price of a "pool" holding exactly what was swapped; the
    // price impact, by the usual convention, is that of the amount that reached the curve
    // (the fee taken out), so that it measures depth alone and the fee is shown apart.
    let mut exec_pool = pool.clone();
    exec_pool.reserves[side_in] = q.amount_in;
    exec_pool.reserves[side_out] = q.amount_out;
    let exec = exec_pool.spot_price(side_in);
    let mut curve_pool = exec_pool.clone();
    curve_pool.reserves[side_in] = q.amount_in.saturating_sub(q.fee);
    let curve = curve_pool.spot_price(side_in);
    let impact = match (before, curve) {
        (Some(b), Some(e)) if e < b => Ratio::new(
            usdm_core::math::mul_div(
                b.raw() - e.raw(),
                usdm_core::units::WAD,
                b.raw(),
                Rounding::Up,
            )
            .unwrap_or(0),
        )
        .unwrap_or(Ratio::ONE),
        _ => Ratio::ZERO,
    };
    let slippage = slippage_arg(&a.slippage)?;
    let lp_fee = q.fee.saturating_sub(q.protocol_fee);
    let price = |p: Option<Price>| p.map_or("none".to_string(), |p| p.to_decimal());
    let mut json = json!({
        "pool": pool.name(),
        "sell": sell.to_string(),
        "amount_in": q.amount_in.to_decimal(d_in),
        "buy": buy.to_string(),
        "amount_out": q.amount_out.to_decimal(d_out),
        "fee": q.fee.to_decimal(d_in),
        "lp_fee": lp_fee.to_decimal(d_in),
        "protocol_fee": q.protocol_fee.to_decimal(d_in),
        "price_before": price(before),
        "execution_price": price(exec),
        "price_after": price(after),
        "price_impact": impact.to_decimal(),
        "price_impact_excludes_fee": true,
    });
    if let Some(s) = slippage {
        json["slippage"] = json!(s.to_decimal());
        json["min_out"] = json!(less(q.amount_out, s)?.to_decimal(d_out));
    }
    let mut text = format!(
        "Swap in a {} pool ({} {} / {} {})\n",
        pool.name(),
        group_thousands(&tokens[0].2.to_decimal(tokens[0].1)),
        tokens[0].0,
        group_thousands(&tokens[1].2.to_decimal(tokens[1].1)),
        tokens[1].0
    );
    let mut line = |label: &str, value: String| text += &format!("  {label:<18}{value}\n");
    line("sell", format!("{} {sell}", q.amount_in.to_decimal(d_in)));
    line(
        "receive",
        format!("{} {buy}", q.amount_out.to_decimal(d_out)),
    );
    line(
        "fee (0.30%)",
        format!(
            "{} {sell}: {} to liquidity, {} to the protocol",
            q.fee.to_decimal(d_in),
            lp_fee.to_decimal(d_in),
            q.protocol_fee.to_decimal(d_in)
        ),
    );
    line(
        "price before",
        format!("{} {buy} per {sell}", price(before)),
    );
    line(
        "execution price",
        format!("{} {buy} per {sell}", price(exec)),
    );
    line("price after", format!("{} {buy} per {sell}", price(after)));
    line(
        "price impact",
        format!("{} (the fee apart)", impact.to_percent()),
    );
    if let Some(s) = slippage {
        line(
            &format!("send ({} slip.)", s.to_percent()),
            format!("min_out {}", less(q.amount_out, s)?.to_decimal(d_out)),
        );
    }
    Ok(Output { json, text })
}
