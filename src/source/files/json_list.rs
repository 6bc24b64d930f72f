//! A big JSON `List` (`kubectl get -o json`) parsed on every core: the
//! top-level object's `items` array is cut at its top-level commas, each
//! item parsed on its own, the rest of the object once. Whenever anything is
//! unusual (no or two `items` keys, an escaped key, deep nesting, trailing
//! values, an item that does not parse) this gives up and the caller parses
//! the whole text, so values and error messages are those of one piece.

use serde_json::Value;

use super::fast::Fast;

/// Below this size the text is parsed in one piece.
const MIN_BYTES: usize = 256 * 1024;
/// serde_json stops at 128 levels; an item parsed alone is two levels
/// shallower, so deep texts are left to the whole parse.
const MAX_DEPTH: usize = 100;

fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// A byte range of the text.
type Span = (usize, usize);

/// Byte ranges of the items, and the range of the array (brackets included).
fn find_items(b: &[u8]) -> Option<(Vec<Span>, Span)> {
    let (mut depth, mut max_depth) = (0usize, 0usize);
    let mut i = 0;
    // At depth 1: the next string is a key.
    let mut expect_key = false;
    let mut found: Option<(Vec<Span>, Span)> = None;
    // While inside the items array: its start and the current item's start.
    let mut array: Option<Span> = None;
    let mut items: Vec<Span> = Vec::new();
    let mut after_items_key = false;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                let s = b.get(start..i)?;
                if depth == 1 && !expect_key && after_items_key {
                    return None; // `items` is a string
                }
                if depth == 1 && expect_key {
                    if s.contains(&b'\\') {
                        return None;
                    }
                    if s == b"items" {
                        if found.is_some() || after_items_key {
                            return None; // a second `items`
                        }
                        after_items_key = true;
                    }
                    expect_key = false;
                }
            }
            b'{' | b'[' => {
                if depth == 1 && after_items_key {
                    if b[i] != b'[' {
                        return None;
                    }
                    array = Some((i, i + 1));
                    after_items_key = false;
                }
                depth += 1;
                max_depth = max_depth.max(depth);
                if depth == 1 {
                    expect_key = b[i] == b'{';
                }
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 1
                    && let Some((open, item)) = array.take()
                {
                    // An empty last item (`[a, ]`) is kept so that its parse
                    // fails, as the whole parse does.
                    if !items.is_empty() || b[item..i].iter().any(|c| !c.is_ascii_whitespace()) {
                        items.push((item, i));
                    }
                    found = Some((std::mem::take(&mut items), (open, i + 1)));
                }
            }
            b',' => {
                if depth == 1 {
                    expect_key = true;
                } else if depth == 2
                    && let Some((_, item)) = &mut array
                {
                    items.push((*item, i));
                    *item = i + 1;
                }
            }
            b':' | b' ' | b'\n' | b'\r' | b'\t' => {}
            _ => {
                if depth == 1 && after_items_key {
                    return None; // `items` is not an array
                }
            }
        }
        i += 1;
    }
    if max_depth > MAX_DEPTH {
        return None;
    }
    found
}

/// The text's value when it is one big object with an `items` array that
/// can be parsed item by item; `None` when the caller must parse it whole.
pub(super) fn parse_split(text: &str) -> Option<Value> {
    let (rest, ranges) = split(text)?;
    let values = par_items(text, &ranges, |t| serde_json::from_str::<Value>(t).ok())?;
    crate::yaml::with_items(serde_json::from_str::<Value>(&rest).ok()?, values)
}

/// [`parse_split`] decoding each item straight into a [`Fast`] when it can
/// (else from its value, as there).
pub(super) fn direct_split(text: &str) -> Option<Fast> {
    let (rest, ranges) = split(text)?;
    let items = par_items(text, &ranges, |t| {
        serde_json::from_str::<Fast>(t)
            .ok()
            .or_else(|| serde_json::from_str::<Value>(t).ok().map(Fast::Other))
    })?;
    Fast::list(serde_json::from_str::<Value>(&rest).ok()?, items)
}

/// The text with `items: []`, and the byte ranges of the items.
fn split(text: &str) -> Option<(String, Vec<Span>)> {
    if text.len() < MIN_BYTES || workers() < 2 {
        return None;
    }
    let (ranges, (open, close)) = find_items(text.as_bytes())?;
    if ranges.len() < 2 {
        return None;
    }
    let rest = format!("{}[]{}", text.get(..open)?, text.get(close..)?);
    Some((rest, ranges))
}

/// `parse` over the item texts on every core; `None` if any item fails.
fn par_items<T: Send>(
    text: &str,
    ranges: &[Span],
    parse: impl Fn(&str) -> Option<T> + Sync,
) -> Option<Vec<T>> {
    let per = ranges.len().div_ceil(workers());
    let parse = &parse;
    let chunk = move |c: &[Span]| {
        c.iter()
            .map(|&(a, z)| parse(text.get(a..z)?))
            .collect::<Option<Vec<T>>>()
    };
    let parsed: Vec<Option<Vec<T>>> = std::thread::scope(|s| {
        let mut chunks = ranges.chunks(per);
        let first = chunks.next().unwrap_or_default();
        let handles: Vec<_> = chunks.map(|c| s.spawn(move || chunk(c))).collect();
        // This thread takes the first chunk: one thread fewer to start, and
        // its allocations come from the main arena, which grows in big
        // steps (a thread's arena is made writable a page at a time).
        // A panic counts as a failed chunk here too (as a worker's does).
        let here = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| chunk(first)));
        let mut out = vec![here.ok().flatten()];
        out.extend(handles.into_iter().map(|h| h.join().ok().flatten()));
        out
    });
    let mut values = Vec::with_capacity(ranges.len());
    for chunk in parsed {
        values.extend(chunk?);
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big_list(items: usize) -> String {
        let mut t = String::from("{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n");
        for i in 0..items {
            if i > 0 {
                t.push_str(",\n");
            }
            t.push_str(&format!(
                "    {{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"p{i}\", \"labels\": {{\"a,]}}\": \"x\\\"[{{\"}}}}, \"spec\": {{\"containers\": [{{\"name\": \"c\", \"ports\": [{{\"containerPort\": 80}}]}}]}}}}"
            ));
        }
        t.push_str(
            "\n  ],\n  \"kind\": \"List\",\n  \"metadata\": {\"resourceVersion\": \"\"}\n}\n",
        );
        t
    }

    #[test]
    fn split_parse_equals_whole_parse() {
        let t = big_list(3000);
        assert!(t.len() >= MIN_BYTES);
        let whole: Value = serde_json::from_str(&t).unwrap();
        if workers() >= 2 {
            assert_eq!(parse_split(&t), Some(whole));
        }
    }

    #[test]
    fn unusual_text_is_left_to_the_whole_parse() {
        let t = big_list(3000);
        // An item that does not parse alone; a second `items`; an escaped
        // key; trailing values; `items` that is not an array.
        assert_eq!(parse_split(&t.replacen("\"p7\"", "\"p7", 1)), None);
        assert_eq!(
            parse_split(&t.replacen("\"kind\": \"List\"", "\"items\": []", 1)),
            None
        );
        assert_eq!(
            parse_split(&t.replacen("\"kind\": \"List\"", "\"k\\u0069nd\": 1", 1)),
            None
        );
        assert_eq!(parse_split(&format!("{t}{{}}")), None);
        assert_eq!(
            parse_split(&t.replacen("\"items\": [", "\"items\": 1, \"x\": [", 1)),
            None
        );
        assert_eq!(
            parse_split(&t.replacen("\"items\": [", "\"items\": \"x\", \"y\": [", 1)),
            None
        );
        assert_eq!(parse_split(&t.replacen("\n  ],", ",\n  ],", 1)), None);
        let deep = format!("{}{}", "[".repeat(120), "]".repeat(120));
        assert_eq!(parse_split(&t.replacen("80", &deep, 1)), None);
    }
}
