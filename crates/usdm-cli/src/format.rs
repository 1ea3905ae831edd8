//! Parsing command-line values into the core's typed units (with errors that name the flag),
//! and formatting amounts for people. JSON output never goes through the human formatters:
//! it uses the core's exact decimal strings.

use std::fmt;
use usdm_core::math::{format_decimal_places, format_fixed, group_thousands, parse_decimal};
use usdm_core::prelude::*;

/// A command-line error: one line naming the problem, and whether the command line itself was
/// malformed (exit 2) or a well-formed request was refused (exit 1).
#[derive(Debug)]
pub struct CliError {
    /// What was wrong and what would be accepted.
    pub message: String,
    /// A malformed command line: a flag's value that does not parse, a name that does not
    /// exist, a missing argument.
    pub usage: bool,
}

impl CliError {
    /// A refused request (exit 1).
    pub fn new(message: String) -> CliError {
        CliError {
            message,
            usage: false,
        }
    }

    /// A malformed command line (exit 2).
    pub fn usage(message: String) -> CliError {
        CliError {
            message,
            usage: true,
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        if self.usage {
            2
        } else {
            1
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::new(e.to_string())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::new(format!("JSON output failed: {e}"))
    }
}

/// Shorthand for command results.
pub type CliResult<T> = std::result::Result<T, CliError>;

/// A flag whose value does not parse or is out of range: a malformed command line.
fn flag_error(flag: &str, value: &str, why: impl fmt::Display) -> CliError {
    CliError::usage(format!("{flag} '{value}': {why}"))
}

/// A fraction in [0, 1], as `0.8` or `80%`.
pub fn parse_ratio(flag: &str, s: &str) -> CliResult<Ratio> {
    let raw = match s.trim().strip_suffix('%') {
        Some(pct) => parse_decimal(pct, 16),
        None => parse_decimal(s, 18),
    }
    .map_err(|e| flag_error(flag, s, e))?;
    Ratio::new(raw).map_err(|_| flag_error(flag, s, "must lie between 0 and 1 (0% and 100%)"))
}

/// A support ratio of at least 1, as `2.5` or `250%`.
pub fn parse_support_ratio(flag: &str, s: &str) -> CliResult<SupportRatio> {
    let raw = match s.trim().strip_suffix('%') {
        Some(pct) => parse_decimal(pct, 16),
        None => parse_decimal(s, 18),
    }
    .map_err(|e| flag_error(flag, s, e))?;
    SupportRatio::new(raw)
        .map_err(|_| flag_error(flag, s, "must lie between 1 and 100 (100% and 10,000%)"))
}

/// A dollar value.
pub fn parse_usd(flag: &str, s: &str) -> CliResult<Usd> {
    Usd::parse(s.trim().trim_start_matches('$')).map_err(|e| flag_error(flag, s, e))
}

/// A token amount in whole tokens at the token's decimals; zero refused unless `allow_zero`.
pub fn parse_amount(flag: &str, s: &str, decimals: u8, symbol: Symbol) -> CliResult<Amount> {
    let a = Amount::parse(s, decimals).map_err(|e| match e {
        usdm_core::math::DecimalError::TooPrecise { given, max, .. } => flag_error(
            flag,
            s,
            format!("{symbol} has {max} decimals but {given} were given"),
        ),
        other => flag_error(flag, s, other),
    })?;
    if a.is_zero() {
        return Err(flag_error(flag, s, "must be greater than zero"));
    }
    Ok(a)
}

/// A `SYMBOL=PRICE` pair.
pub fn parse_price_pair(s: &str) -> CliResult<(Symbol, Price)> {
    let (sym, price) = s
        .split_once('=')
        .ok_or_else(|| flag_error("--price", s, "expected SYMBOL=PRICE, e.g. USDC=1"))?;
    let symbol = Symbol::new(sym.trim()).map_err(|e| flag_error("--price", s, e))?;
    let raw = parse_decimal(price, 18).map_err(|e| flag_error("--price", s, e))?;
    let price =
        Price::new(raw).map_err(|_| flag_error("--price", s, "price must be greater than zero"))?;
    Ok((symbol, price))
}

/// Whole tokens with thousands separators, truncated to at most `places` decimals.
pub fn human(amount: Amount, decimals: u8, places: u8) -> String {
    group_thousands(&format_decimal_places(amount.raw(), decimals, places))
}

/// Dollars with thousands separators, truncated to exactly `places` decimals.
pub fn human_usd(value: Usd, places: u8) -> String {
    format!(
        "${}",
        group_thousands(&format_fixed(value.raw(), 18, places))
    )
}

/// A ratio as a percentage with `places` decimals (`"85.1%"`).
pub fn percent(r: Ratio, places: u8) -> String {
    format!("{}%", format_fixed(r.raw(), 16, places))
}

/// Dollars for people, exact in JSON (`"30000000"`).
pub fn usd_cell(value: Usd, places: u8) -> crate::table::Cell {
    crate::table::Cell::new(human_usd(value, places), value.to_decimal().into())
}

/// Whole tokens for people, exact in JSON at the token's decimals.
pub fn amount_cell(amount: Amount, decimals: u8, places: u8) -> crate::table::Cell {
    crate::table::Cell::new(
        human(amount, decimals, places),
        amount.to_decimal(decimals).into(),
    )
}

/// An amount with its token, exact in JSON: `{"amount": "100", "token": "BTC"}`.
pub fn token_cell(amount: Amount, decimals: u8, places: u8, token: Symbol) -> crate::table::Cell {
    crate::table::Cell::new(
        format!("{} {token}", human(amount, decimals, places)),
        serde_json::json!({"amount": amount.to_decimal(decimals), "token": token.to_string()}),
    )
}

/// A ratio as a percentage for people, as a fraction in JSON (`"0.3"`).
pub fn percent_cell(r: Ratio, places: u8) -> crate::table::Cell {
    crate::table::Cell::new(percent(r, places), r.to_decimal().into())
}

/// A USDm amount for people, exact in JSON.
pub fn usdm_cell(amount: Amount) -> crate::table::Cell {
    amount_cell(amount, 18, 4)
}

/// A USDm amount for people.
pub fn human_usdm(amount: Amount) -> String {
    human(amount, 18, 4)
}

/// A horizontal bar of `fraction` (0..=1) of `width` cells.
pub fn bar(fraction: Ratio, width: usize) -> String {
    let cells = (fraction.raw() * width as u128 * 8 / 1_000_000_000_000_000_000) as usize;
    let full = cells / 8;
    let rest = cells % 8;
    let partial = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][rest];
    let mut s = "█".repeat(full);
    if full < width && rest > 0 {
        s.push(partial);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_accept_fractions_and_percentages() {
        assert_eq!(
            parse_ratio("--cr", "0.8").unwrap(),
            parse_ratio("--cr", "80%").unwrap()
        );
        assert_eq!(parse_ratio("--fee", "0.2%").unwrap(), Ratio::bps(20));
        assert!(parse_ratio("--cr", "1.5")
            .unwrap_err()
            .message
            .contains("between 0 and 1"));
        assert!(parse_ratio("--cr", "-0.5")
            .unwrap_err()
            .message
            .contains("negative"));
        assert_eq!(
            parse_support_ratio("--s", "250%").unwrap(),
            SupportRatio::bps(25_000)
        );
    }

    #[test]
    fn amounts_name_the_token_when_too_precise() {
        let e = parse_amount("--amount", "1.0000001", 6, Symbol::new("USDC").unwrap()).unwrap_err();
        assert_eq!(
            e.message,
            "--amount '1.0000001': USDC has 6 decimals but 7 were given"
        );
        assert!(parse_amount("--amount", "0", 6, Symbol::new("USDC").unwrap()).is_err());
    }

    #[test]
    fn price_pairs() {
        let (s, p) = parse_price_pair("XMS=3.75").unwrap();
        assert_eq!(s.as_str(), "XMS");
        assert_eq!(p, Price::parse("3.75").unwrap());
        assert!(parse_price_pair("XMS").is_err());
        assert!(parse_price_pair("XMS=0")
            .unwrap_err()
            .message
            .contains("greater than zero"));
        assert!(parse_price_pair("XMS=abc").is_err());
    }

    #[test]
    fn human_formats() {
        assert_eq!(human(Amount::new(1_234_567_891_234), 6, 2), "1,234,567.89");
        assert_eq!(human_usd(Usd::dollars(100_000_000), 2), "$100,000,000.00");
        assert_eq!(human_usd(Usd::new(3), 2), "$0.00");
        assert_eq!(percent(Ratio::bps(8_512), 1), "85.1%");
        assert_eq!(bar(Ratio::ONE, 4), "████");
        assert_eq!(bar(Ratio::ZERO, 4), "");
    }
}
