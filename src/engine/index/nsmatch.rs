//! Memoised namespaceSelector matches. Resolving a namespaceSelector walks
//! every namespace (10k at 150k pods); the pod view resolves a few per
//! selection, again after every index change. The answer depends only on
//! the namespace names and their labels, which most changes (a pod or a
//! policy in a listed namespace) leave alone: the memo is kept across those
//! and corrected for the namespaces it changed otherwise (a relist: those
//! whose existence or labels differ).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use super::{ClassId, Index};
use crate::engine::model::{Event, LabelSelector, Labels, Namespace, Policy};

type Matches = HashMap<LabelSelector, Arc<[String]>>;

/// Past this many selectors the memo starts over (a bound on memory; a
/// cluster has far fewer distinct namespaceSelectors).
const MAX_SELECTORS: usize = 4096;

/// Selector -> matched namespaces, sorted. Shared between forks while
/// neither changes its namespaces (the answers then agree); not part of
/// the state.
#[derive(Default, Clone)]
pub(super) struct NsMatches(Arc<Mutex<Matches>>);

impl std::fmt::Debug for NsMatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} namespaceSelectors", self.lock().len())
    }
}

impl NsMatches {
    fn lock(&self) -> std::sync::MutexGuard<'_, Matches> {
        // Entries are inserted whole: a panic elsewhere leaves none half-made.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Which namespaces an event may add, drop or relabel (as seen by
/// namespaceSelectors).
pub(super) enum Touch {
    Nothing,
    /// A namespace object changed.
    Namespace(String),
    /// Pods or policies of this namespace changed: it matters only when the
    /// namespace is not listed (then it exists for selectors only while it
    /// holds pods or policies).
    Holder(String),
    /// A relist: the stores before it, to be compared with the ones after
    /// (the event replaces them, so keeping them copies nothing).
    Relist(Box<Stores>),
}

impl Touch {
    /// Where a relist of the namespaces puts the names it changed; None
    /// when the memo needs no names.
    pub(super) fn relisted(&mut self) -> Option<&mut BTreeSet<String>> {
        match self {
            Touch::Relist(stores) => Some(&mut stores.namespaces),
            _ => None,
        }
    }
}

/// The stores that decide which namespaces exist; None: not replaced by
/// the event. The namespace store is not kept: its relist edits it in
/// place and names what it changed (see `replace_namespaces`).
#[derive(Default)]
pub(super) struct Stores {
    /// The listed namespaces added, dropped or relabelled.
    namespaces: BTreeSet<String>,
    ns_classes: Option<Arc<BTreeMap<String, BTreeSet<ClassId>>>>,
    policies: Option<Arc<BTreeMap<String, PolicyShard>>>,
}

type PolicyShard = Arc<BTreeMap<String, Policy>>;

/// Past this many label matches (changed namespaces x memoised selectors)
/// a relist starts the memo over rather than correct it: a bound on the
/// time the event takes (tens of ms); below it, correcting costs at most
/// what walking every namespace again for each selector would.
const MAX_RELIST_MATCHES: usize = 2_000_000;

/// The names of `a` (sorted) that are not in `b` (sorted).
fn not_in<'a>(
    a: impl Iterator<Item = &'a String>,
    b: impl Iterator<Item = &'a String>,
) -> impl Iterator<Item = &'a String> {
    let mut b = b.peekable();
    a.filter(move |n| {
        while b.next_if(|x| x < n).is_some() {}
        b.peek() != Some(n)
    })
}

/// Keys whose value differs (by `same`), or that are in one map only.
fn changed<V>(
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
    same: impl Fn(&V, &V) -> bool,
    out: &mut BTreeSet<String>,
) {
    for (k, v) in a {
        if b.get(k).is_none_or(|w| !same(v, w)) {
            out.insert(k.clone());
        }
    }
    out.extend(b.keys().filter(|k| !a.contains_key(*k)).cloned());
}
impl Index {
    /// The namespaces of [`Self::namespace_names`] whose labels (see
    /// [`Self::ns_labels`]) match `sel`, sorted.
    pub fn namespaces_matching(&self, sel: &LabelSelector) -> Arc<[String]> {
        if let Some(hit) = self.ns_matches.lock().get(sel) {
            return hit.clone();
        }
        let fresh: Arc<[String]> = self.namespaces_matching_fresh(sel).into();
        let mut memo = self.ns_matches.lock();
        if memo.len() >= MAX_SELECTORS {
            memo.clear();
        }
        // Another thread may have raced us here: same state, same answer.
        memo.entry(sel.clone()).or_insert(fresh).clone()
    }

    /// [`Self::namespaces_matching`] computed from scratch.
    pub fn namespaces_matching_fresh(&self, sel: &LabelSelector) -> Vec<String> {
        // Listed namespaces carry their labels (no lookup per name).
        let listed = (self.namespaces.values())
            .filter(|ns| sel.matches(&ns.labels))
            .map(|ns| &ns.name);
        // Names held by pods or policies but not listed, by merging the
        // sorted key sets rather than by a lookup per name.
        let listed_keys = || self.namespaces.keys();
        let with_pods = not_in(self.ns_classes.keys(), listed_keys());
        let with_policies = (self.policies.iter())
            .filter(|(_, m)| !m.is_empty())
            .map(|(n, _)| n);
        let with_policies = not_in(not_in(with_policies, listed_keys()), self.ns_classes.keys());
        let unlisted = (with_pods.chain(with_policies)).filter(|n| sel.matches(&self.ns_labels(n)));
        let mut out: Vec<String> = listed.chain(unlisted).cloned().collect();
        out.sort_unstable();
        out
    }

    /// Whether `name` is one of [`Self::namespace_names`].
    fn ns_exists(&self, name: &str) -> bool {
        self.namespaces.contains_key(name)
            || self.ns_classes.contains_key(name)
            || self.policies.get(name).is_some_and(|m| !m.is_empty())
    }

    /// Decided before `ev` is applied.
    pub(super) fn touch_of(&self, ev: &Event) -> Touch {
        match ev {
            Event::UpsertNamespace(ns) => Touch::Namespace(ns.name.clone()),
            Event::DeleteNamespace(name) => Touch::Namespace(name.clone()),
            Event::UpsertPod(p) => Touch::Holder(p.namespace.clone()),
            Event::DeletePod(k) => Touch::Holder(k.namespace.clone()),
            Event::UpsertPolicy(p) => Touch::Holder(p.namespace.clone()),
            Event::DeletePolicy(k) => Touch::Holder(k.namespace.clone()),
            Event::ReplacePods {
                namespace: Some(ns),
                ..
            }
            | Event::ReplacePolicies {
                namespace: Some(ns),
                ..
            } => Touch::Holder(ns.clone()),
            // Only the stores a relist replaces are kept (a kept store
            // that the event writes through would be copied).
            _ if self.ns_matches.lock().is_empty() => Touch::Nothing,
            Event::ReplaceNamespaces(_) => Touch::Relist(Box::default()),
            Event::ReplacePods {
                namespace: None, ..
            } => Touch::Relist(Box::new(Stores {
                ns_classes: Some(self.ns_classes.clone()),
                ..Stores::default()
            })),
            Event::ReplacePolicies {
                namespace: None, ..
            } => Touch::Relist(Box::new(Stores {
                policies: Some(self.policies.clone()),
                ..Stores::default()
            })),
            Event::Replace(_) => Touch::Relist(Box::new(Stores {
                namespaces: BTreeSet::new(),
                ns_classes: Some(self.ns_classes.clone()),
                policies: Some(self.policies.clone()),
            })),
            // Services and cluster-scoped policies do not make namespaces
            // (an ipBlock change moves pods between classes, never between
            // namespaces).
            Event::UpsertService(_)
            | Event::DeleteService(_)
            | Event::ReplaceServices { .. }
            | Event::UpsertClusterPolicy(_)
            | Event::DeleteClusterPolicy(_)
            | Event::ReplaceClusterPolicies { .. } => Touch::Nothing,
        }
    }

    /// After an event: brings the memo up to date with the new state.
    pub(super) fn ns_matches_after(&mut self, touch: Touch) {
        if self.ns_matches.lock().is_empty() {
            return;
        }
        let names: BTreeSet<String> = match touch {
            Touch::Nothing => return,
            // A listed namespace exists, with its labels, whatever it holds.
            Touch::Holder(name) if self.namespaces.contains_key(&name) => return,
            Touch::Holder(name) | Touch::Namespace(name) => BTreeSet::from([name]),
            Touch::Relist(mut before) => {
                // A relist mostly brings back what was there: correct the
                // namespaces that changed (exists, labels) only.
                let mut out = std::mem::take(&mut before.namespaces);
                if let Some(old) = &before.ns_classes {
                    changed(old, &self.ns_classes, |_, _| true, &mut out);
                }
                if let Some(old) = &before.policies {
                    let live = |m: &PolicyShard| !m.is_empty();
                    changed(old, &self.policies, |a, b| live(a) == live(b), &mut out);
                }
                let selectors = self.ns_matches.lock().len();
                if out.len().saturating_mul(selectors) > MAX_RELIST_MATCHES {
                    self.ns_matches = NsMatches::default();
                    return;
                }
                out
            }
        };
        if names.is_empty() {
            return;
        }
        // Forks that share the memo must not see this change: take ours
        // out, or copy it when shared (the lists themselves are shared).
        let mut map = match Arc::try_unwrap(std::mem::take(&mut self.ns_matches).0) {
            Ok(m) => m.into_inner().unwrap_or_else(PoisonError::into_inner),
            Err(shared) => NsMatches(shared).lock().clone(),
        };
        self.correct(&mut map, &names);
        self.ns_matches = NsMatches(Arc::new(Mutex::new(map)));
    }

    /// Replaces the listed namespaces by `list` (of equal names the last
    /// wins, as when collected into a map) and puts the names it added,
    /// dropped or relabelled in `report`. A namespace equal to the stored
    /// one keeps the stored object and the new one is dropped: a relist
    /// mostly brings back what is stored, and freeing the stored objects
    /// instead (allocated long ago, scattered) left glibc's malloc ~10k
    /// namespaces' chunks to sort on the next selection's allocations
    /// (BENCHMARKS.md, pod view, round 4).
    pub(super) fn replace_namespaces(
        &mut self,
        mut list: Vec<Namespace>,
        mut report: Option<&mut BTreeSet<String>>,
    ) {
        let Some(store) = Arc::get_mut(&mut self.namespaces).filter(|s| !s.is_empty()) else {
            // Shared with a fork (editing it would copy it whole), or a
            // first load: a new store, built in one go.
            let new: BTreeMap<String, Namespace> =
                list.into_iter().map(|n| (n.name.clone(), n)).collect();
            if let Some(out) = report {
                changed(&self.namespaces, &new, |a, b| a.labels == b.labels, out);
            }
            self.namespaces = Arc::new(new);
            return;
        };
        // Sorted by name with, of equal names, the last one first (a
        // stable sort of the reversed list), which `dedup_by` keeps.
        list.reverse();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list.dedup_by(|later, kept| later.name == kept.name);
        let mut note = |name: &String| {
            if let Some(out) = report.as_deref_mut() {
                out.insert(name.clone());
            }
        };
        let mut new = list.into_iter().peekable();
        let mut added = Vec::new();
        // Visits the stored names in order, beside the sorted list.
        store.retain(|name, stored| {
            added.extend(std::iter::from_fn(|| new.next_if(|n| n.name < *name)));
            match new.next_if(|n| n.name == *name) {
                Some(n) if n == *stored => true,
                Some(n) => {
                    note(name);
                    *stored = n;
                    true
                }
                None => {
                    note(name);
                    false
                }
            }
        });
        for n in added.into_iter().chain(new) {
            note(&n.name);
            store.insert(n.name.clone(), n);
        }
    }

    /// Puts each of `names` in or out of every memoised list, as it is now.
    fn correct(&self, map: &mut Matches, names: &BTreeSet<String>) {
        // Existence and labels once per name, not per selector.
        let now: Vec<(&str, Option<std::borrow::Cow<'_, Labels>>)> = (names.iter())
            .map(|n| (n.as_str(), self.ns_exists(n).then(|| self.ns_labels(n))))
            .collect();
        for (sel, list) in map.iter_mut() {
            // The names whose membership differs, sorted.
            let fix: Vec<&str> = (now.iter())
                .filter(|(name, labels)| {
                    let want = labels.as_ref().is_some_and(|l| sel.matches(l));
                    let has = list.binary_search_by(|n| n.as_str().cmp(name)).is_ok();
                    want != has
                })
                .map(|(name, _)| *name)
                .collect();
            if fix.is_empty() {
                continue;
            }
            // One new list per selector: a merge of the old one and the
            // fixes (a fix below a listed name is an addition; one equal to
            // it, a removal).
            let mut v = Vec::with_capacity(list.len() + fix.len());
            let mut fix = fix.into_iter().peekable();
            for n in list.iter() {
                while let Some(f) = fix.next_if(|f| *f < n.as_str()) {
                    v.push(f.to_string());
                }
                if fix.next_if(|f| *f == n.as_str()).is_none() {
                    v.push(n.clone());
                }
            }
            v.extend(fix.map(str::to_string));
            *list = v.into();
        }
    }
}
