//! Aligned plain-text tables for the terminal: numbers right-aligned, text left-aligned.

/// A table being built row by row.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    exact: Vec<Vec<serde_json::Value>>,
}

/// One cell: the text people read and the exact value JSON carries (an amount as an exact
/// decimal string in whole tokens, a ratio as a fraction, not `$30,000,000.00` or `0.2%`).
pub struct Cell {
    /// What the terminal shows.
    pub text: String,
    /// What `--json` gives.
    pub exact: serde_json::Value,
}

impl Cell {
    /// A cell showing `text` whose exact value is `exact`.
    pub fn new(text: String, exact: serde_json::Value) -> Cell {
        Cell { text, exact }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            exact: serde_json::Value::String(text.clone()),
            text,
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

/// A row of cells of mixed kinds: `cells![name, usd_cell(v, 2)]`.
#[macro_export]
macro_rules! cells {
    ($($c:expr),* $(,)?) => {
        vec![$($crate::table::Cell::from($c)),*]
    };
}

fn looks_numeric(cell: &str) -> bool {
    let t = cell.trim_start_matches(['$', '-', '+', '~']);
    !t.is_empty() && t.starts_with(|c: char| c.is_ascii_digit()) && !t.contains(' ')
}

impl Table {
    /// A table with these column headers.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(headers: I) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            exact: Vec::new(),
        }
    }

    /// Adds a row (missing cells are left blank).
    pub fn row<I: IntoIterator<Item = S>, S: Into<Cell>>(&mut self, cells: I) -> &mut Self {
        let (text, exact): (Vec<String>, Vec<serde_json::Value>) = cells
            .into_iter()
            .map(|c| {
                let c = c.into();
                (c.text, c.exact)
            })
            .unzip();
        self.rows.push(text);
        self.exact.push(exact);
        self
    }

    /// The table as JSON: `{"headers": [...], "rows": [{header: exact value}, ...]}`, one
    /// object per row keyed by its column headers (a column without a header, such as a bar,
    /// is decoration and left out).
    pub fn to_json(&self) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .exact
            .iter()
            .map(|r| {
                let m: serde_json::Map<String, serde_json::Value> = self
                    .headers
                    .iter()
                    .zip(r)
                    .filter(|(h, _)| !h.is_empty())
                    .map(|(h, v)| (h.clone(), v.clone()))
                    .collect();
                serde_json::Value::Object(m)
            })
            .collect();
        let headers: Vec<&String> = self.headers.iter().filter(|h| !h.is_empty()).collect();
        serde_json::json!({ "headers": headers, "rows": rows })
    }

    /// Renders with a two-space indent, a header rule and right-aligned numeric columns.
    pub fn render(&self) -> String {
        let cols = self
            .headers
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let cell = |r: &Vec<String>, c: usize| r.get(c).cloned().unwrap_or_default();
        let width = |s: &str| s.chars().count();
        let mut widths = vec![0usize; cols];
        let mut numeric = vec![true; cols];
        for c in 0..cols {
            widths[c] = width(&cell(&self.headers, c));
            for r in &self.rows {
                let v = cell(r, c);
                widths[c] = widths[c].max(width(&v));
                if !v.is_empty() && !looks_numeric(&v) {
                    numeric[c] = false;
                }
            }
        }
        let line = |r: &Vec<String>| {
            let mut out = String::from("  ");
            for c in 0..cols {
                let v = cell(r, c);
                let pad = widths[c] - width(&v);
                if numeric[c] && c > 0 {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(&v);
                } else {
                    out.push_str(&v);
                    out.push_str(&" ".repeat(pad));
                }
                if c + 1 < cols {
                    out.push_str("  ");
                }
            }
            out.trim_end().to_string()
        };
        let mut out = String::new();
        out.push_str(&line(&self.headers));
        out.push('\n');
        let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        out.push_str(&format!("  {}\n", rule.join("  ")));
        for r in &self.rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        out
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_numbers_go_right() {
        let mut t = Table::new(["asset", "amount"]);
        t.row(["USDC", "1,000"]).row(["BTC", "2.5"]);
        let s = t.render();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[0], "  asset  amount");
        assert_eq!(lines[2], "  USDC    1,000");
        assert_eq!(lines[3], "  BTC       2.5");
    }
}
