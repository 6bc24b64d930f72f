//! The finder's model: the candidates (namespaces, pods, workloads,
//! policies, labels), fuzzy matching and ranking, and the finder's state.
//! Candidates are built and matched off the UI thread; a query that
//! extends the previous one only searches the previous matches.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::engine::index::Index;
use crate::engine::model::{PodKey, PolicyKey, ServiceKey};
use crate::engine::query::End;

use super::super::fuzzy::Matcher;
use super::super::views::trace::TraceState;
use crate::engine::text::plural;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Namespace,
    Pod,
    Workload,
    Policy,
    Label,
    Service,
}

impl Kind {
    /// What a trace may go to (besides a typed address).
    pub fn is_trace_destination(self) -> bool {
        matches!(self, Kind::Pod | Kind::Workload | Kind::Service)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Namespace => "ns",
            Kind::Pod => "pod",
            Kind::Workload => "workload",
            Kind::Policy => "policy",
            Kind::Label => "label",
            Kind::Service => "svc",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Namespace(String),
    Policy(PolicyKey),
    /// A pod or an address: a possible end of a trace.
    End(End),
    /// A Service: a destination of a trace (per backend).
    Service(ServiceKey),
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub kind: Kind,
    /// What the query is matched against.
    pub text: String,
    /// Shown after the text, not matched.
    pub note: String,
    pub target: Target,
}

#[derive(Debug, Default)]
pub struct Candidates {
    pub generation: u64,
    pub items: Vec<Candidate>,
}

/// What Enter does with the match.
#[derive(Debug, Clone)]
pub enum Purpose {
    Jump,
    /// Pick the destination of a trace (pods, workloads, Services, addresses).
    TraceTo(Box<TraceState>),
}

#[derive(Debug, Clone)]
pub struct FinderState {
    pub purpose: Purpose,
    pub query: String,
    pub candidates: Option<Arc<Candidates>>,
    /// Every candidate matching `matched_query` (for narrowing).
    pub matches: Option<Arc<Vec<u32>>>,
    pub matched_query: String,
    /// Best matches, best first: (candidate, score).
    pub top: Vec<(u32, i64)>,
    pub selected: usize,
    /// The job whose answer is awaited.
    pub pending: Option<u64>,
    /// Enter was pressed before the answer: accept it on arrival.
    pub accept_when_ready: bool,
}

/// One row of the finder's list.
pub enum Row<'a> {
    /// The query is an address (trace destinations).
    Ip(IpAddr),
    /// A match and the positions of its matched chars (sorted).
    Candidate {
        candidate: &'a Candidate,
        matched: Vec<usize>,
    },
}

impl FinderState {
    pub fn new(purpose: Purpose) -> Self {
        FinderState {
            purpose,
            query: String::new(),
            candidates: None,
            matches: None,
            matched_query: String::new(),
            top: vec![],
            selected: 0,
            pending: None,
            accept_when_ready: false,
        }
    }

    pub fn wants(&self, k: Kind) -> bool {
        match self.purpose {
            Purpose::Jump => true,
            Purpose::TraceTo(_) => k.is_trace_destination(),
        }
    }

    /// An address typed as the query (trace destinations only).
    pub fn ip_query(&self) -> Option<IpAddr> {
        match self.purpose {
            Purpose::TraceTo(_) => self.query.trim().parse().ok(),
            Purpose::Jump => None,
        }
    }

    /// The rows shown: an address row first when the query is one.
    pub fn rows(&self) -> usize {
        self.top.len() + usize::from(self.ip_query().is_some())
    }

    /// What row `i` of the list shows.
    pub fn row(&self, i: usize) -> Option<Row<'_>> {
        if let (Some(ip), 0) = (self.ip_query(), i) {
            return Some(Row::Ip(ip));
        }
        let (ci, _) = self.top.get(i - usize::from(self.ip_query().is_some()))?;
        let candidate = self.candidates.as_ref()?.items.get(*ci as usize)?;
        let q = self.query.trim();
        let matched = if q.is_empty() {
            vec![]
        } else {
            Matcher::default().positions(&candidate.text, q)
        };
        Some(Row::Candidate { candidate, matched })
    }

    /// The target of row `i`.
    pub fn target(&self, i: usize) -> Option<Target> {
        let ip = self.ip_query();
        match (ip, i) {
            (Some(ip), 0) => Some(Target::End(End::Ip(ip))),
            _ => {
                let i = i - usize::from(ip.is_some());
                let c = self.candidates.as_ref()?;
                self.top
                    .get(i)
                    .map(|(ci, _)| c.items[*ci as usize].target.clone())
            }
        }
    }
}

/// Every searchable thing, namespaces first.
pub fn build_candidates(idx: &Index) -> Candidates {
    let mut items = Vec::new();
    let names = idx.namespace_names();
    for ns in &names {
        items.push(Candidate {
            kind: Kind::Namespace,
            text: ns.clone(),
            note: String::new(),
            target: Target::Namespace(ns.clone()),
        });
    }
    for p in idx.policies() {
        items.push(Candidate {
            kind: Kind::Policy,
            text: format!("{}/{}", p.namespace, p.name),
            note: String::new(),
            target: Target::Policy(p.key()),
        });
    }
    for s in idx.services() {
        let ports: Vec<String> = s
            .ports
            .iter()
            .map(|p| format!("{}/{}", p.port, p.protocol))
            .collect();
        let note = if s.backends_known() {
            let n = idx.service_backends(s).len();
            format!("{}  {}", ports.join(","), plural(n, "backend", "backends"))
        } else {
            format!("{}  backends unknown", ports.join(","))
        };
        items.push(Candidate {
            kind: Kind::Service,
            text: format!("svc/{}/{}", s.namespace, s.name),
            note,
            target: Target::Service(s.key()),
        });
    }
    for ns in &names {
        // workload -> (first pod, count); label -> (first pod, count)
        let mut workloads: BTreeMap<String, (PodKey, usize)> = BTreeMap::new();
        let mut labels: BTreeMap<String, (PodKey, usize)> = BTreeMap::new();
        for k in idx.pods_in(ns) {
            items.push(Candidate {
                kind: Kind::Pod,
                text: k.to_string(),
                note: String::new(),
                target: Target::End(End::Pod(k.clone())),
            });
            if let Some(o) = idx.pod_owner(k) {
                let e = workloads
                    .entry(format!("{ns}/{}[{}]", o.name, o.kind))
                    .or_insert((k.clone(), 0));
                e.1 += 1;
            }
            if let Some(c) = idx.pod_class(k) {
                for (lk, lv) in &idx.class(c).labels {
                    if lk == "pod-template-hash" || lk == "controller-revision-hash" {
                        continue;
                    }
                    let e = labels.entry(format!("{lk}={lv}")).or_insert((k.clone(), 0));
                    e.1 += 1;
                }
            }
        }
        for (w, (first, n)) in workloads {
            items.push(Candidate {
                kind: Kind::Workload,
                text: w,
                note: plural(n, "pod", "pods"),
                target: Target::End(End::Pod(first)),
            });
        }
        for (l, (first, n)) in labels {
            items.push(Candidate {
                kind: Kind::Label,
                text: format!("{l} in {ns}"),
                note: plural(n, "pod", "pods"),
                target: Target::End(End::Pod(first)),
            });
        }
    }
    Candidates {
        generation: idx.generation(),
        items,
    }
}

/// Rows kept for display.
pub const TOP: usize = 200;

/// Matches `query` over `within` (or all candidates): every match, and the
/// best `TOP` sorted by score.
pub fn search(
    c: &Candidates,
    query: &str,
    within: Option<&[u32]>,
    wants: impl Fn(Kind) -> bool,
) -> (Vec<u32>, Vec<(u32, i64)>) {
    let m = Matcher::default();
    let q = query.trim();
    let all: Vec<u32>;
    let pool: &[u32] = match within {
        Some(w) => w,
        None => {
            all = (0..c.items.len() as u32).collect();
            &all
        }
    };
    let mut hits: Vec<(u32, i64)> = pool
        .iter()
        .filter(|&&i| wants(c.items[i as usize].kind))
        .filter_map(|&i| {
            if q.is_empty() {
                Some((i, 0))
            } else {
                m.score(&c.items[i as usize].text, q).map(|s| (i, s))
            }
        })
        .collect();
    let matches: Vec<u32> = hits.iter().map(|(i, _)| *i).collect();
    if !q.is_empty() {
        let key = |&(i, s): &(u32, i64)| (std::cmp::Reverse(s), c.items[i as usize].text.len(), i);
        if hits.len() > TOP {
            hits.select_nth_unstable_by_key(TOP, key);
            hits.truncate(TOP);
        }
        hits.sort_by_key(key);
    }
    hits.truncate(TOP);
    (matches, hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::synth::{SynthSpec, generate};

    #[test]
    fn narrowing_finds_what_a_full_search_finds() {
        let idx = Index::from_snapshot(generate(SynthSpec::with_pods(600)));
        let c = build_candidates(&idx);
        let (first, _) = search(&c, "ns-0001", None, |_| true);
        let (narrowed, top_n) = search(&c, "ns-00012svc", Some(&first), |_| true);
        let (full, top_f) = search(&c, "ns-00012svc", None, |_| true);
        assert!(!full.is_empty());
        let mut a = narrowed.clone();
        let mut b = full.clone();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        assert_eq!(top_n, top_f);
        // Trace destinations: only pods and workloads.
        let (_, top) = search(&c, "ns-00012", None, |k| {
            matches!(k, Kind::Pod | Kind::Workload)
        });
        assert!(
            top.iter()
                .all(|(i, _)| matches!(c.items[*i as usize].kind, Kind::Pod | Kind::Workload))
        );
    }
}
