//! Output formats shared by the commands.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Md,
    Csv,
    Dot,
}

/// A CSV field, quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A Markdown table cell: pipes escaped.
pub fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A DOT string literal.
pub fn dot_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("TCP 80"), "TCP 80");
        assert_eq!(csv_field("TCP 80,UDP 53"), "\"TCP 80,UDP 53\"");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
    }
}
