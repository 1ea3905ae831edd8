//! The library half of the `usdm` command: exact quotes (`quote`), the parsing of command-line
//! values into the core's typed units (`format`) and terminal tables (`table`). The binary and
//! the Python package call the same functions, so a quote is the same number everywhere.

pub mod format;
pub mod quote;
pub mod table;
