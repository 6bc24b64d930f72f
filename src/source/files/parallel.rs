//! The items of a big `List` decoded on every core. Each worker is a
//! [`Loader`] of its own that records its inserts instead of making them;
//! the main loader then replays errors, warnings and inserts chunk by chunk,
//! so messages, their order and which duplicate wins are exactly those of
//! decoding the items one after the other.

use serde_json::Value;

use super::fast::Fast;
use super::{Loader, Loc};

/// An item of a List, as [`Loader::add_value`] or [`Loader::add_fast`] takes it.
pub(super) trait Item: Send {
    fn add(self, l: &mut Loader, loc: &Loc, item_of: Option<(&str, &str)>, from_walk: bool);
}

impl Item for Value {
    fn add(self, l: &mut Loader, loc: &Loc, item_of: Option<(&str, &str)>, from_walk: bool) {
        l.add_value(self, loc, item_of, from_walk);
    }
}

impl Item for Fast {
    fn add(self, l: &mut Loader, loc: &Loc, item_of: Option<(&str, &str)>, from_walk: bool) {
        l.add_fast(self, loc, item_of, from_walk);
    }
}

/// Below this many items a list is not worth the threads.
const MIN_ITEMS: usize = 512;

/// How many workers: the cores there are, at most 8.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

impl Loader {
    /// Decodes `items` (the list at `loc`) as [`Loader::add_value`] would,
    /// one after the other. `item_of`: see `add_value`.
    pub(super) fn add_items<I: Item>(
        &mut self,
        items: Vec<I>,
        loc: &Loc,
        item_of: Option<(&str, &str)>,
        from_walk: bool,
    ) {
        let n = workers();
        // Workers do not fan out again (nested lists stay in their worker).
        if n < 2 || items.len() < MIN_ITEMS || self.deferred.is_some() {
            for (i, item) in items.into_iter().enumerate() {
                item.add(self, &loc.item(i), item_of, from_walk);
            }
            return;
        }
        let per = items.len().div_ceil(n);
        let mut chunks: Vec<(usize, Vec<I>)> = Vec::with_capacity(n);
        let mut rest = items;
        let mut start = 0;
        while !rest.is_empty() {
            let tail = rest.split_off(per.min(rest.len()));
            let len = rest.len();
            chunks.push((start, rest));
            start += len;
            rest = tail;
        }
        let work = move |(first, chunk): (usize, Vec<I>)| {
            let mut w = Loader {
                deferred: Some(Vec::new()),
                ..Loader::default()
            };
            let loc = loc.detached();
            for (i, item) in chunk.into_iter().enumerate() {
                item.add(&mut w, &loc.item(first + i), item_of, from_walk);
            }
            w.done()
        };
        let done: Vec<(Loader, bool)> = std::thread::scope(|s| {
            let mut chunks = chunks.into_iter();
            let first = chunks.next();
            let handles: Vec<_> = chunks.map(|c| s.spawn(move || work(c))).collect();
            // This thread does the first chunk (one thread fewer to start).
            let mut done: Vec<_> = first.map(work).into_iter().collect();
            done.extend(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
            );
            done
        });
        self.replay_all(done);
    }

    /// A worker's result: it, and whether its inserts come in strictly
    /// increasing key order (checked on the worker, for [`Loader::replay_all`]).
    pub(super) fn done(self) -> (Loader, bool) {
        let d = self.deferred.as_deref().unwrap_or_default();
        let sorted = d.windows(2).all(|w| w[0].0 < w[1].0);
        (self, sorted)
    }

    /// [`Loader::replay`] of the workers in order. When their inserts come
    /// in strictly increasing key order, all above every key there is (one
    /// big List, as `kubectl get` sorts it), no insert can meet a duplicate:
    /// the messages are appended and the inserts kept as runs, as they are
    /// (no map of tens of thousands of objects to build, move and merge).
    pub(super) fn replay_all(&mut self, done: Vec<(Loader, bool)>) {
        let top = self.runs.last().and_then(|r| r.last()).map(|d| &d.0);
        let mut prev = self.objects.last_key_value().map(|(k, _)| k).max(top);
        let mut increasing = true;
        for (w, sorted) in &done {
            let Some(d) = w.deferred.as_deref().filter(|d| !d.is_empty()) else {
                continue;
            };
            increasing &= *sorted && prev.is_none_or(|p| *p < d[0].0);
            prev = d.last().map(|l| &l.0);
        }
        if !increasing {
            for (w, _) in done {
                self.replay(w);
            }
            return;
        }
        for (w, _) in done {
            self.errors.extend(w.errors);
            self.warnings.extend(w.warnings);
            self.runs.extend(w.deferred.filter(|d| !d.is_empty()));
        }
    }

    /// Takes over a worker's messages and inserts, in the worker's order.
    fn replay(&mut self, w: Loader) {
        self.errors.extend(w.errors);
        let mut warnings = w.warnings.into_iter();
        let mut taken = 0;
        for (key, entry, object, before) in w.deferred.unwrap_or_default() {
            self.warnings
                .extend(warnings.by_ref().take(before.saturating_sub(taken)));
            taken = taken.max(before);
            self.insert_entry(key, entry, &object);
        }
        self.warnings.extend(warnings);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Pods, some broken (an error), some repeated (a warning), one of a kind
    /// that is not evaluated (a warning), spread over every worker's chunk.
    fn items(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| match i % 97 {
                5 => json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("p{i}"), "namespace": "a"},
                    "spec": {"containers": [{"name": "c", "ports": [{"containerPort": "x"}]}]}}),
                7 => json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("p{}", i / 3), "namespace": "a"},
                    "spec": {"containers": [{"name": "c"}]}}),
                11 => json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("c{i}"), "namespace": "a"}}),
                _ => json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("p{i}"), "namespace": "a", "labels": {"app": "x"}},
                    "spec": {"containers": [{"name": "c"}]}}),
            })
            .collect()
    }

    fn outcome(l: &Loader) -> (String, String, Vec<String>) {
        (
            format!("{:?}", l.errors),
            format!("{:?}", l.warnings),
            l.objects
                .iter()
                .map(|(k, e)| format!("{k:?} {:?}", e.loc))
                .collect(),
        )
    }

    #[test]
    fn parallel_items_give_the_messages_and_objects_of_one_by_one() {
        let loc = Loc {
            file: "list.json".into(),
            document: 0,
            prefix: String::new(),
        };
        let items = items(3000);
        let mut one_by_one = Loader::default();
        for (i, item) in items.clone().into_iter().enumerate() {
            one_by_one.add_value(item, &loc.child(&format!("items[{i}]")), None, false);
        }
        let mut par = Loader::default();
        par.add_items(items, &loc, None, false);
        let (errors, warnings, objects) = outcome(&one_by_one);
        assert!(!one_by_one.errors.is_empty() && one_by_one.warnings.len() > 30);
        assert_eq!(outcome(&par), (errors, warnings, objects));
    }
}
