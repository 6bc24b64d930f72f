//! Connection keys without allocating per line. Most lines repeat a key
//! already seen, so an end is first described borrowed from the parsed line
//! ([`EndRef`]), interned (one id per distinct end), and the pair of ids
//! finds the key's slot; the owned [`FlowEnd`] and [`ConnKey`] are built
//! only for a new end or a new key. Memory follows distinct ends and keys.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;

use foldhash::fast::{FixedState, RandomState};
use smallvec::SmallVec;

use crate::engine::flows::{ConnKey, FlowEnd, Recorded};
use crate::engine::model::{Owner, Protocol};

/// A pod's own labels, sorted by key, each key once (the last value wins,
/// as when collecting into a `BTreeMap`).
pub(super) type LabelPairs<'a> = SmallVec<[(&'a str, &'a str); 4]>;

/// A [`FlowEnd`] borrowed from a parsed line: `to_owned` is the end.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) enum EndRef<'a> {
    Pod {
        namespace: &'a str,
        name: Option<&'a str>,
        labels: Option<LabelPairs<'a>>,
        /// (kind, name).
        workload: Option<(&'a str, &'a str)>,
    },
    Ip(IpAddr),
    Unresolved(Cow<'a, str>),
}

/// Sorts `v` by key and keeps each key's last value (a stable sort keeps
/// equal keys in input order): what `BTreeMap::from_iter` keeps.
pub(super) fn canonical(mut v: LabelPairs<'_>) -> LabelPairs<'_> {
    v.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = LabelPairs::new();
    for (i, p) in v.iter().enumerate() {
        if v.get(i + 1).is_none_or(|n| n.0 != p.0) {
            out.push(*p);
        }
    }
    out
}

impl EndRef<'_> {
    pub(super) fn to_owned(&self) -> FlowEnd {
        match self {
            EndRef::Pod {
                namespace,
                name,
                labels,
                workload,
            } => FlowEnd::Pod {
                namespace: namespace.to_string(),
                name: name.map(str::to_string),
                labels: labels.as_ref().map(|l| {
                    l.iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                }),
                workload: workload.map(|(kind, name)| Owner {
                    kind: kind.to_string(),
                    name: name.to_string(),
                }),
            },
            EndRef::Ip(ip) => FlowEnd::Ip(*ip),
            EndRef::Unresolved(why) => FlowEnd::Unresolved(why.to_string()),
        }
    }

    /// Whether `to_owned` would be `e`, without building it.
    fn is(&self, e: &FlowEnd) -> bool {
        match (self, e) {
            (
                EndRef::Pod {
                    namespace,
                    name,
                    labels,
                    workload,
                },
                FlowEnd::Pod {
                    namespace: ns,
                    name: n,
                    labels: l,
                    workload: w,
                },
            ) => {
                *namespace == ns
                    && *name == n.as_deref()
                    && match (labels, l) {
                        (None, None) => true,
                        (Some(a), Some(b)) => {
                            a.len() == b.len()
                                && a.iter().zip(b).all(|(x, y)| x.0 == y.0 && x.1 == y.1)
                        }
                        _ => false,
                    }
                    && match (workload, w) {
                        (None, None) => true,
                        (Some((kind, name)), Some(o)) => *kind == o.kind && *name == o.name,
                        _ => false,
                    }
            }
            (EndRef::Ip(a), FlowEnd::Ip(b)) => a == b,
            (EndRef::Unresolved(a), FlowEnd::Unresolved(b)) => a == b,
            _ => false,
        }
    }
}

/// Interned ends and the slots of keys seen so far, for one [`Recorded`]
/// (the slots are its own: use one `Keys` per recording).
#[derive(Default)]
pub(super) struct Keys {
    /// Seeded per run: recorded names cannot be chosen to collide.
    seed: RandomState,
    ends: Vec<FlowEnd>,
    /// An end's hash to the ids of the ends with that hash.
    by_hash: HashMap<u64, SmallVec<[u32; 1]>, FixedState>,
    slots: HashMap<(u32, u32, Protocol, u16), u32, RandomState>,
}

impl Keys {
    fn end_id(&mut self, e: &EndRef) -> u32 {
        let ids = self.by_hash.entry(self.seed.hash_one(e)).or_default();
        if let Some(&id) = ids.iter().find(|&&id| e.is(&self.ends[id as usize])) {
            return id;
        }
        let id = self.ends.len() as u32;
        self.ends.push(e.to_owned());
        ids.push(id);
        id
    }

    /// The slot in `rec` of the key with these ends, protocol and port
    /// (`rec.slot` of the owned key, which is built only the first time).
    pub(super) fn slot(
        &mut self,
        rec: &mut Recorded,
        from: &EndRef,
        to: &EndRef,
        protocol: Protocol,
        port: u16,
    ) -> usize {
        let ids = (self.end_id(from), self.end_id(to), protocol, port);
        if let Some(&s) = self.slots.get(&ids) {
            return s as usize;
        }
        let s = rec.slot(ConnKey {
            from: self.ends[ids.0 as usize].clone(),
            to: self.ends[ids.1 as usize].clone(),
            protocol,
            port,
        });
        self.slots.insert(ids, s as u32);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Labels;

    #[test]
    fn canonical_labels_are_what_a_btreemap_keeps() {
        let input = [
            ("b", "1"),
            ("a", "x"),
            ("b", "2"),
            ("c", ""),
            ("a", "y"),
            ("b", "3"),
        ];
        let want: Labels = input
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let got = canonical(input.iter().copied().collect());
        let got: Vec<(String, String)> = got
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn equal_ends_share_an_id_and_different_ones_do_not() {
        let pod = |ns, name, labels: Option<&[(&'static str, &'static str)]>, w| EndRef::Pod {
            namespace: ns,
            name,
            labels: labels.map(|l| l.iter().copied().collect()),
            workload: w,
        };
        let ends = [
            pod("a", Some("p"), None, None),
            pod("a", None, None, None),
            pod("a", Some("p"), Some(&[]), None),
            pod("a", Some("p"), Some(&[("app", "x")]), None),
            pod("a", Some("p"), Some(&[("app", "y")]), None),
            pod(
                "a",
                Some("p"),
                Some(&[("app", "x")]),
                Some(("Deployment", "x")),
            ),
            pod(
                "a",
                Some("p"),
                Some(&[("app", "x")]),
                Some(("StatefulSet", "x")),
            ),
            pod("b", Some("p"), None, None),
            EndRef::Ip("10.0.0.1".parse().expect("ip")),
            EndRef::Ip("::1".parse().expect("ip")),
            EndRef::Unresolved("why".into()),
            EndRef::Unresolved(String::from("other").into()),
        ];
        let mut keys = Keys::default();
        let ids: Vec<u32> = ends.iter().map(|e| keys.end_id(e)).collect();
        for (i, e) in ends.iter().enumerate() {
            assert_eq!(keys.end_id(e), ids[i]);
            assert_eq!(keys.ends[ids[i] as usize], e.to_owned());
            for (j, f) in ends.iter().enumerate() {
                assert_eq!(e.is(&f.to_owned()), i == j, "{e:?} vs {f:?}");
            }
        }
        let mut rec = Recorded::default();
        let s = keys.slot(&mut rec, &ends[0], &ends[8], Protocol::Tcp, 80);
        assert_eq!(
            keys.slot(&mut rec, &ends[0], &ends[8], Protocol::Tcp, 80),
            s
        );
        assert_ne!(
            keys.slot(&mut rec, &ends[0], &ends[8], Protocol::Udp, 80),
            s
        );
        assert_ne!(
            keys.slot(&mut rec, &ends[8], &ends[0], Protocol::Tcp, 80),
            s
        );
        let key = ConnKey {
            from: ends[0].to_owned(),
            to: ends[8].to_owned(),
            protocol: Protocol::Tcp,
            port: 80,
        };
        assert_eq!(rec.slot(key), s);
    }
}
