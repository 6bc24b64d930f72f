//! Big YAML documents parsed on every core. `kubectl get -o yaml` prints one
//! `List` document whose items are column-0 `- ` entries under a column-0
//! `items:` line; each item is parsed on its own (in parallel) and the rest
//! of the document once. Whenever anything about the text is unusual (an
//! anchor or alias, a directive, a second `items:`, an item that does not
//! parse alone) this gives up and the caller parses the whole document, so
//! values and error messages are always those of the one-piece parse.

use std::ops::Range;

use serde_json::Value;

#[cfg(test)]
use super::parse_value;
use super::{Direct, SyntaxError, parse_whole};

/// Below this size a document is parsed in one piece.
pub(super) const MIN_BYTES: usize = 256 * 1024;

/// How many workers: the cores there are, at most 8.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `f` over `items` on every core, results in input order.
pub(super) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let n = workers();
    if n < 2 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let per = items.len().div_ceil(n);
    std::thread::scope(|s| {
        let f = &f;
        let mut chunks = items.chunks(per);
        let first = chunks.next().unwrap_or_default();
        let handles: Vec<_> = chunks
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>()))
            .collect();
        // This thread maps the first chunk (one thread fewer to start).
        let mut out: Vec<R> = Vec::with_capacity(items.len());
        out.extend(first.iter().map(f));
        for h in handles {
            out.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        out
    })
}

fn is_item_start(line: &str) -> bool {
    line == "-" || line.starts_with("- ") || line.starts_with("-\t")
}

/// A column-0 line that continues the items block (indented, blank, a
/// comment, or a new item).
fn in_block(line: &str) -> bool {
    line.is_empty() || line.starts_with([' ', '#']) || is_item_start(line)
}

/// The document's value when it is a List that can be parsed item by item;
/// `None` when the caller must parse it whole.
pub(super) fn parse_split(text: &str) -> Option<Value> {
    let (rest, lines, items) = split(text)?;
    let parsed: Vec<Result<Option<Value>, SyntaxError>> =
        par_map(&items, |r| parse_whole(&item_text(&lines, r)));
    let mut values = Vec::with_capacity(parsed.len());
    for p in parsed {
        values.push(p.ok()?.unwrap_or(Value::Null));
    }
    with_items(parse_whole(&rest).ok()??, values)
}

/// A List's text with its items cut out (`items: []`), parsed, given its
/// items back; `None` unless it is an object whose `items` is that empty
/// array. Shared by the YAML and JSON List splitters.
pub(crate) fn with_items(rest: Value, values: Vec<Value>) -> Option<Value> {
    let Value::Object(mut map) = rest else {
        return None;
    };
    match map.get("items") {
        Some(Value::Array(a)) if a.is_empty() => {}
        _ => return None,
    }
    map.insert("items".to_string(), Value::Array(values));
    Some(Value::Object(map))
}

/// [`parse_split`] for a [`Direct`] type: each item decoded straight from
/// its text when `T` can, else from its value.
pub(super) fn direct_split<T: Direct>(text: &str) -> Option<T> {
    let (rest, lines, items) = split(text)?;
    let parsed: Vec<Option<T>> = par_map(&items, |r| {
        let t = &item_text(&lines, r);
        T::decode(t).or_else(|| match parse_whole(t) {
            Ok(v) => Some(T::from_value(v.unwrap_or(Value::Null))),
            Err(_) => None,
        })
    });
    let items = parsed.into_iter().collect::<Option<Vec<T>>>()?;
    let Ok(Some(rest)) = parse_whole(&rest) else {
        return None;
    };
    T::list(rest, items)
}

/// An item's text from its lines (see [`split`]), built on the worker that
/// parses it: the `- ` of the first line blanked, so that the item is a
/// block node indented by two, as it is inside the list.
fn item_text(lines: &[&str], r: &Range<usize>) -> String {
    let lines = &lines[r.clone()];
    let mut t = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            // `- key: v` becomes `  key: v`: the dash alone is replaced, so
            // the first line keeps the column of the item's other lines.
            t.push(' ');
            t.push_str(&line[1..]);
        } else {
            t.push_str(line);
        }
        t.push('\n');
    }
    t
}

/// The rest of the document (with `items: []`), its lines, and the line
/// ranges of the items, when it is a List that can be parsed item by item.
type Split<'a> = (String, Vec<&'a str>, Vec<Range<usize>>);

fn split(text: &str) -> Option<Split<'_>> {
    // (One byte search each: a set of chars is searched char by char.)
    if text.len() < MIN_BYTES || workers() < 2 || text.contains('&') || text.contains('*') {
        return None;
    }
    // Sized up front: a dump has a million lines or more.
    let mut lines: Vec<&str> = Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() + 1);
    lines.extend(text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)));
    if lines.iter().any(|l| l.starts_with('%')) {
        return None;
    }
    let mut heads = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_end() == "items:");
    let (at, _) = heads.next()?;
    if heads.next().is_some() {
        return None;
    }
    let end = (at + 1..lines.len())
        .find(|&i| !in_block(lines[i]))
        .unwrap_or(lines.len());
    // Each item runs from its `- ` line to the next one (or the block's end).
    let mut items: Vec<Range<usize>> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(end).skip(at + 1) {
        if is_item_start(line) {
            if line.starts_with("-\t") {
                return None; // a tab after the dash: leave it to the whole parse
            }
            if let Some(cur) = items.last_mut() {
                cur.end = i;
            }
            items.push(i..end);
        } else if items.is_empty() && !(line.trim().is_empty() || line.starts_with('#')) {
            return None; // content before the first item
        }
    }
    if items.is_empty() {
        return None;
    }
    let mut rest = String::new();
    for line in lines[..at].iter().chain(&lines[end..]) {
        rest.push_str(line);
        rest.push('\n');
    }
    rest.push_str("items: []\n");
    Some((rest, lines, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big_list(items: usize) -> String {
        let mut t = String::from("apiVersion: v1\nitems:\n");
        for i in 0..items {
            t.push_str(&format!(
                "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    labels: {{app: a}}\n  spec:\n    containers:\n    - name: c\n      ports:\n      - containerPort: 80\n"
            ));
        }
        t.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
        t
    }

    #[test]
    fn split_parse_equals_whole_parse() {
        let t = big_list(3000);
        assert!(t.len() >= MIN_BYTES);
        let whole = parse_whole(&t).unwrap().unwrap();
        if workers() >= 2 {
            // The split path engages on kubectl-style Lists and gives the
            // one-piece value exactly.
            assert_eq!(parse_split(&t), Some(whole.clone()));
        }
        // Items that are scalars, nested sequences, empty, or with comments
        // and blank lines between them.
        let odd = t.replacen(
            "- apiVersion: v1\n",
            "- plain\n-\n  a: 1\n# c\n\n- - x\n  - y\n- apiVersion: v1\n",
            1,
        );
        let whole = parse_whole(&odd).unwrap().unwrap();
        if let Some(v) = parse_split(&odd) {
            assert_eq!(v, whole);
        }
        assert_eq!(parse_value(&odd).unwrap().unwrap(), whole);
    }

    #[test]
    fn unusual_text_is_left_to_the_whole_parse() {
        let t = big_list(3000);
        assert_eq!(parse_split(&format!("{t}x: &a 1\ny: *a\n")), None);
        assert_eq!(parse_split(&format!("{t}items:\n")), None);
        // An item that does not parse alone (a broken flow mapping).
        assert_eq!(parse_split(&t.replacen("{app: a}", "{app: a", 1)), None);
    }
}
