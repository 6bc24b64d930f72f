//! The one place that names serde_yaml, for reading and for writing. It is
//! unmaintained: everything else in the crate sees `serde_json::Value` (when
//! reading) or hands in a `Serialize` value (when writing), so replacing the
//! YAML crate is a change to this file alone. It sits below the layers (it
//! names no other module of the crate), so the engine, the sources and the
//! front ends can all use it.
//!
//! Multi-document streams are split here, line by line at `---`, the way
//! kubectl's YAML reader splits them, and each document is parsed on its own:
//! a syntax error is reported for its document, with line numbers counted
//! from the start of the stream.

use serde::Serialize;
use serde_json::{Map, Number, Value};

/// `v` as one YAML document (block style, ending in a newline).
pub fn to_string<T: Serialize>(v: &T) -> Result<String, String> {
    serde_yaml::to_string(v).map_err(|e| e.to_string())
}

mod block;
mod list;
pub(crate) use list::with_items;

/// One document of a YAML stream.
#[derive(Debug, Clone)]
pub struct Document<T = Value> {
    /// 0-based position of the document in the stream.
    pub index: usize,
    /// 1-based line in the stream where the document starts.
    pub start_line: usize,
    /// `Ok(None)` for an empty document (nothing but comments or blanks).
    pub value: Result<Option<T>, SyntaxError>,
}

/// A caller's type decoded straight from YAML text (no intermediate value),
/// with the JSON value as the fallback when that declines (issue #14).
pub trait Direct: Sized + Send {
    /// One document or List item; `None`: take the value path.
    fn decode(text: &str) -> Option<Self>;
    fn from_value(v: Value) -> Self;
    /// A List from the rest of its document (`items: []`) and its items;
    /// `None`: parse the document whole.
    fn list(rest: Value, items: Vec<Self>) -> Option<Self>;
}

/// `T` deserialised from one YAML document. Merge keys are not applied and
/// tags are not dropped here: callers leave such texts to [`parse_value`].
/// `T` must read every node with `deserialize_any`. Plain block YAML (what
/// kubectl prints) goes through [`block`], anything else through serde_yaml;
/// both give `T` the same values.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    match block::from_str(text) {
        Ok(v) => Some(v),
        Err(e) if e.syntax => serde_yaml::from_str(text).ok(),
        // `T` refused what serde_yaml would give it too.
        Err(_) => None,
    }
}

/// serde_yaml alone, which the block reader's tests compare it with.
#[cfg(test)]
fn reference_from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_yaml::from_str(text).map_err(|e| e.to_string())
}

/// Like [`parse_documents`], each document decoded by `T` when it can be.
pub fn parse_documents_direct<T: Direct>(text: &str) -> Vec<Document<T>> {
    parse_with(text, direct_value::<T>)
}

fn direct_value<T: Direct>(text: &str) -> Result<Option<T>, SyntaxError> {
    // Merge keys and tags: the value path applies or drops them.
    if !text.contains('!') && !text.contains("<<") {
        if let Some(v) = list::direct_split::<T>(text) {
            return Ok(Some(v));
        }
        if let Some(v) = T::decode(text) {
            return Ok(Some(v));
        }
    }
    parse_value(text).map(|v| v.map(T::from_value))
}

/// A document that is not well-formed YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The parser's message; line numbers in it count from the start of the
    /// stream, not of the document.
    pub message: String,
    /// 1-based line in the stream, when the parser knows it.
    pub line: Option<usize>,
}

/// A document's text and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub start_line: usize,
    pub text: String,
    /// Nothing in it but blanks, comments and directives.
    pub blank: bool,
    /// Began with an explicit `---`: counts as a document even when blank.
    pub explicit: bool,
}

/// Splits a stream at `---` (document start) and `...` (document end) lines.
///
/// Such a line at column 0 is always a document marker in YAML, even inside
/// a quoted scalar, so splitting on lines is exact for the streams that
/// matter here. The marker itself is blanked out (content after `--- ` on the
/// same line stays), so line and column numbers inside a piece match the
/// stream once offset by `start_line`.
pub fn split_documents(text: &str) -> Vec<Piece> {
    // No marker and no CR (a big dump): the loop below would rebuild the
    // same one piece line by line.
    if !text.contains('\r') && !text.contains("---") && !text.contains("...") {
        let mut t = String::with_capacity(text.len() + 1);
        t.push_str(text);
        t.push('\n');
        let p = finish(t, 1, false);
        return if p.blank { Vec::new() } else { vec![p] };
    }
    split_lines(text)
}

/// [`split_documents`] line by line.
fn split_lines(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut cur_start = 1;
    let mut cur_explicit = false;
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let start = marker(line, "---");
        let end = marker(line, "...");
        if start || end {
            pieces.push(finish(std::mem::take(&mut cur), cur_start, cur_explicit));
            cur_start = i + 1;
            cur_explicit = start;
            if start {
                cur.push_str("   ");
                cur.push_str(&line[3..]);
            }
            cur.push('\n');
        } else {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    pieces.push(finish(cur, cur_start, cur_explicit));
    pieces.retain(|p| p.explicit || !p.blank);
    pieces
}

fn marker(line: &str, m: &str) -> bool {
    line.strip_prefix(m)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

fn finish(text: String, start_line: usize, explicit: bool) -> Piece {
    let blank = text.lines().all(|l| {
        let t = l.trim_start();
        t.is_empty() || t.starts_with('#') || l.starts_with('%')
    });
    Piece {
        start_line,
        text,
        blank,
        explicit,
    }
}

/// Splits and parses a whole stream.
pub fn parse_documents(text: &str) -> Vec<Document> {
    parse_with(text, parse_value)
}

fn parse_with<T: Send>(
    text: &str,
    parse: fn(&str) -> Result<Option<T>, SyntaxError>,
) -> Vec<Document<T>> {
    let pieces = split_documents(text);
    // Documents parse independently: on every core when there are many.
    let parsed = if pieces.len() > 64 || text.len() >= list::MIN_BYTES {
        list::par_map(&pieces, |p| (!p.blank).then(|| parse(&p.text)))
    } else {
        pieces
            .iter()
            .map(|p| (!p.blank).then(|| parse(&p.text)))
            .collect()
    };
    pieces
        .into_iter()
        .zip(parsed)
        .enumerate()
        .map(|(index, (p, parsed))| {
            let value = match parsed {
                None => Ok(None),
                Some(v) => v.map_err(|e| SyntaxError {
                    message: shift_lines(&e.message, p.start_line - 1),
                    line: e.line.map(|l| l + p.start_line - 1),
                }),
            };
            Document {
                index,
                start_line: p.start_line,
                value,
            }
        })
        .collect()
}

/// Parses one YAML document into a JSON value (merge keys applied, tags
/// dropped, non-string keys written as strings). `Ok(None)` when empty.
pub fn parse_value(text: &str) -> Result<Option<Value>, SyntaxError> {
    if let Some(v) = list::parse_split(text) {
        return Ok(Some(v));
    }
    parse_whole(text)
}

/// [`parse_value`] in one piece.
pub(super) fn parse_whole(text: &str) -> Result<Option<Value>, SyntaxError> {
    let mut v: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| SyntaxError {
        message: e.to_string(),
        line: e.location().map(|l| l.line()),
    })?;
    v.apply_merge().map_err(|e| SyntaxError {
        message: e.to_string(),
        line: e.location().map(|l| l.line()),
    })?;
    if v.is_null() {
        return Ok(None);
    }
    to_json(v).map(Some).map_err(|message| SyntaxError {
        message,
        line: None,
    })
}

fn to_json(v: serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_string(),
                    Y::Tagged(t) => match t.value {
                        Y::String(s) => s,
                        _ => return Err("mapping keys must be scalars".to_string()),
                    },
                    Y::Sequence(_) | Y::Mapping(_) => {
                        return Err(
                            "mapping keys must be scalars, not a list or a mapping".to_string()
                        );
                    }
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => to_json(t.value)?,
    })
}

/// Adds `offset` to every `line N` in a parser message.
fn shift_lines(msg: &str, offset: usize) -> String {
    if offset == 0 {
        return msg.to_string();
    }
    let mut out = String::with_capacity(msg.len() + 8);
    let mut rest = msg;
    while let Some(pos) = rest.find("line ") {
        let (head, tail) = rest.split_at(pos + 5);
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        match tail[..digits].parse::<usize>() {
            Ok(n) if digits > 0 => out.push_str(&(n + offset).to_string()),
            _ => out.push_str(&tail[..digits]),
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_counts_like_a_yaml_parser() {
        let docs = parse_documents("# header\n---\na: 1\n---\n---\nb: 2\n...\n");
        let got: Vec<_> = docs
            .iter()
            .map(|d| (d.index, d.start_line, d.value.clone().ok().flatten()))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 2, Some(serde_json::json!({"a": 1}))),
                (1, 4, None),
                (2, 5, Some(serde_json::json!({"b": 2}))),
            ]
        );
    }

    #[test]
    fn error_lines_count_from_the_stream() {
        let docs = parse_documents("a: 1\n---\nb: [\n");
        let err = docs[1].value.clone().unwrap_err();
        assert!(err.line.is_some_and(|l| l >= 3), "{err:?}");
    }

    #[test]
    fn inline_content_after_marker_and_crlf() {
        let docs = parse_documents("--- {a: 1}\r\n--- \r\nb: x\r\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[1].value.clone().ok().flatten(),
            Some(serde_json::json!({"b": "x"}))
        );
        assert_eq!(
            docs[0].value.clone().ok().flatten(),
            Some(serde_json::json!({"a": 1}))
        );
    }

    #[test]
    fn one_piece_streams_split_as_line_by_line() {
        for t in [
            "",
            "\n",
            "# only a comment\n\n",
            "a: 1",
            "a: 1\nb:\n  - x\n",
            "%YAML 1.1\na: 1\n\n\n",
            "a: '--'\nb: '..'\n",
        ] {
            assert_eq!(split_documents(t), split_lines(t), "{t:?}");
        }
    }

    #[test]
    fn shifts_line_numbers() {
        assert_eq!(
            shift_lines("x at line 3 column 2, y at line 1", 10),
            "x at line 13 column 2, y at line 11"
        );
    }
}
