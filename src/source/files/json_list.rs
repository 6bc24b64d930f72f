//! A big JSON `List` (`kubectl get -o json`) parsed on every core: the
//! top-level object's `items` array is cut at its top-level commas, each
//! item parsed on its own, the rest of the object once. Whenever anything is
//! unusual (no or two `items` keys, an escaped key, deep nesting, trailing
//! values, an item that does not parse) this gives up and the caller parses
//! the whole text, so values and error messages are those of one piece.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::Value;

use super::fast::Fast;
use super::{Loader, Loc};

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
    let chunks = par_chunks(ranges, |_, c| {
        c.iter()
            .map(|&(a, z)| parse(text.get(a..z)?))
            .collect::<Option<Vec<T>>>()
    })?;
    let mut values = Vec::with_capacity(ranges.len());
    for chunk in chunks {
        values.extend(chunk);
    }
    Some(values)
}

/// Items per piece of work: small enough that a thread the OS stalls (the
/// machine is shared) holds up little, big enough to be worth a loader.
const CHUNK: usize = 1024;

/// `work(first, ranges)` over chunks of `ranges` (`first`: the index of the
/// chunk's first item) on every core, taken in turn from a shared counter;
/// the results in chunk order. `None` if any chunk gives `None` or panics.
fn par_chunks<T: Send>(
    ranges: &[Span],
    work: impl Fn(usize, &[Span]) -> Option<T> + Sync,
) -> Option<Vec<T>> {
    let n = workers();
    let per = CHUNK.min(ranges.len().div_ceil(n)).max(1);
    let chunks: Vec<&[Span]> = ranges.chunks(per).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let run = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(c) = chunks.get(i) else { break };
            match catch_unwind(AssertUnwindSafe(|| work(i * per, c))) {
                Ok(Some(t)) => done.push((i, t)),
                _ => failed.store(true, Ordering::Relaxed),
            }
        }
        done
    };
    let run = &run;
    let mut done: Vec<(usize, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..n.min(chunks.len())).map(|_| s.spawn(run)).collect();
        // This thread works too: one thread fewer to start, and its
        // allocations come from the main arena, which grows in big steps
        // (a thread's arena is made writable a page at a time).
        let mut done = run();
        for h in handles {
            match h.join() {
                Ok(d) => done.extend(d),
                Err(_) => failed.store(true, Ordering::Relaxed),
            }
        }
        done
    });
    if failed.into_inner() || done.len() != chunks.len() {
        return None;
    }
    done.sort_unstable_by_key(|(i, _)| *i);
    Some(done.into_iter().map(|(_, t)| t).collect())
}

impl Loader {
    /// A big JSON `List` parsed and loaded in one pass on every core: each
    /// worker decodes its items as `direct_split` does and adds them at
    /// once as [`Loader::add_items`] would (no list of decoded items in
    /// between); the main loader then replays them in order. `false` (and
    /// nothing added) when the text is not such a List or an item does not
    /// parse alone: the caller then reads it as before.
    pub(super) fn add_json_list(&mut self, name: &str, text: &str, from_walk: bool) -> bool {
        // As `parse_text` reads it; the general-only loader (tests) never
        // comes here.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let looks_json = text.trim_start().starts_with(['{', '[']);
        if self.general_only || self.deferred.is_some() || !looks_json {
            return false;
        }
        let Some((rest, ranges)) = split(text) else {
            return false;
        };
        let rest = serde_json::from_str::<Value>(&rest).ok();
        let Some(Fast::List {
            kind, api_version, ..
        }) = rest.and_then(|r| Fast::list(r, Vec::new()))
        else {
            return false;
        };
        // As `add_fast` takes a List (the one document of the file).
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
        let item_of = item_kind.map(|k| (api_version.as_str(), k));
        let loc = Loc {
            file: name.into(),
            document: 0,
            prefix: String::new(),
        };
        let loaded = par_chunks(&ranges, |first, chunk| {
            let mut w = Loader {
                deferred: Some(Vec::new()),
                ..Loader::default()
            };
            let loc = loc.detached();
            for (i, &(a, z)) in chunk.iter().enumerate() {
                let t = text.get(a..z)?;
                let f = serde_json::from_str::<Fast>(t)
                    .ok()
                    .or_else(|| serde_json::from_str::<Value>(t).ok().map(Fast::Other))?;
                w.add_fast(f, &loc.item(first + i), item_of, from_walk);
            }
            Some(w.done())
        });
        match loaded {
            Some(done) => {
                self.replay_all(done);
                true
            }
            None => false,
        }
    }
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

    /// A List of `n` pods named `{prefix}{i:05}` in namespace `ns` (in key
    /// order), with a broken port at item 7 and a pod of another namespace
    /// at item 9 when `odd`.
    fn pod_list(ns: &str, prefix: &str, n: usize, odd: bool) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| {
                let (ns, port) = match (odd, i) {
                    (true, 7) => (ns, "\"x\""),
                    (true, 9) => ("zz", "80"),
                    _ => (ns, "80"),
                };
                format!(
                    "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"{prefix}{i:05}\", \"namespace\": \"{ns}\", \"labels\": {{\"app\": \"a{}\"}}}}, \"spec\": {{\"containers\": [{{\"name\": \"c\", \"ports\": [{{\"containerPort\": {port}}}]}}]}}, \"status\": {{\"podIP\": \"10.0.{}.{}\"}}}}",
                    i % 7,
                    i / 250,
                    i % 250
                )
            })
            .collect();
        format!(
            "{{\"apiVersion\": \"v1\", \"items\": [\n{}\n], \"kind\": \"List\"}}",
            items.join(",\n")
        )
    }

    /// Loads the files; `one_pass`: as `add_text` does (a big JSON List in
    /// one pass), else parsed then added as before.
    fn load(files: &[(&str, String)], one_pass: bool) -> super::super::Manifests {
        let mut l = Loader::default();
        for (name, text) in files {
            if one_pass {
                l.add_text(name, text, false);
            } else {
                let docs = l.parse_text(text);
                l.add_docs(name, docs, false);
            }
        }
        l.finish()
    }

    fn same(files: &[(&str, String)]) -> super::super::Manifests {
        let (one, two) = (load(files, true), load(files, false));
        one.assert_same_as(&two);
        one
    }

    #[test]
    fn one_pass_list_loads_as_parse_then_add() {
        if workers() < 2 {
            return;
        }
        let sorted = pod_list("b", "p", 3000, false);
        let later = pod_list("c", "q", 2000, false);
        assert!(sorted.len() >= MIN_BYTES && later.len() >= MIN_BYTES);
        assert!(Loader::default().add_json_list("x", &sorted, false));
        // A sorted List (kept as runs), an earlier file and later files with
        // some of its pods again (duplicates found in the runs), a second
        // sorted List above it, one below (merged the general way), one
        // out of order with an error and a duplicate inside.
        let dups = "apiVersion: v1\nkind: Pod\nmetadata: {name: p00005, namespace: b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p02999, namespace: b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: a}\n";
        let first = "apiVersion: v1\nkind: Pod\nmetadata: {name: p00000, namespace: b}\n";
        let m = same(&[
            ("0.yaml", first.into()),
            ("1.json", sorted.clone()),
            ("2.yaml", dups.into()),
            ("3.json", later.clone()),
            ("4.json", pod_list("a", "r", 1500, true)),
            ("5.json", big_list(3000)),
            ("6.json", later.replacen("q00010", "q00011", 1)),
            ("7.json", format!("\u{feff}{sorted}")),
        ]);
        assert!(m.snapshot.pods.len() > 8000);
        assert!(
            !m.errors.is_empty() && m.warnings.len() > 3000,
            "{:?}",
            m.warnings.len()
        );
        // Alone, and the same List twice.
        same(&[("1.json", sorted.clone())]);
        same(&[("1.json", sorted.clone()), ("1b.json", sorted)]);
        // Broken: an item that does not parse alone; a List kind missing.
        same(&[("b.json", later.replacen("\"q00007\"", "\"q00007", 1))]);
        same(&[(
            "k.json",
            later.replacen("\"kind\": \"List\"", "\"kind\": \"Pod\"", 1),
        )]);
    }

    #[test]
    fn item_locations_are_child_locations() {
        let root = Loc {
            file: "f".into(),
            document: 2,
            prefix: String::new(),
        };
        let inner = root.item(3);
        for (loc, i) in [(&root, 7), (&inner, 12)] {
            let (a, b) = (loc.item(i), loc.child(&format!("items[{i}]")));
            assert_eq!(
                (a.prefix, a.document, &*a.file),
                (b.prefix, b.document, "f")
            );
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
