//! Connectivity between Services (and workloads that no Service selects),
//! for `connectivity --by service`.
//!
//! A node is a Service with known backends (its backends stand for it as a
//! client), or a workload whose pods no Service selects. A row A -> B counts
//! ordered pod pairs (client pod of A, backend pod of B; a pod never pairs
//! with itself) and, when B is a Service, lists each Service port of B with
//! how many of those pairs are allowed on the target port each backend
//! resolves. A port is reported "all" only when every pair is allowed, and
//! "some" (with the count) otherwise; ports no pair may use are left out.
//! Computed on equivalence classes, without expanding pod pairs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::classes::{ClassConnectivity, class_connectivity};
use crate::engine::index::{ClassId, Index};
use crate::engine::model::{PodKey, ServicePort};
use crate::engine::ports::PortSet;
use crate::engine::query::target_in_class;

/// One Service port of a destination Service, with the pairs that pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvcPortRow {
    pub port: ServicePort,
    /// The target port numbers the backends resolve (a named targetPort may
    /// resolve to several), sorted.
    pub targets: Vec<u16>,
    /// The target ports with at least one allowed pair, sorted.
    pub allowed_targets: Vec<u16>,
    /// Allowed (client pod, backend pod) pairs on this port's target.
    pub allowed: u64,
    /// Every (client pod, backend pod) pair of this port.
    pub pairs: u64,
}

impl SvcPortRow {
    pub fn all(&self) -> bool {
        self.allowed == self.pairs
    }
}

impl std::fmt::Display for SvcPortRow {
    /// `TCP 443->8443`, or `TCP 443->8443,9443 (some: 1 of 2 pod pairs, on
    /// 8443)` (the "on" part when only some target ports pass).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: &[u16]| v.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
        write!(
            f,
            "{} {}->{}",
            self.port.protocol,
            self.port.port,
            list(&self.targets)
        )?;
        if !self.all() {
            write!(f, " (some: {} of {} pod pairs", self.allowed, self.pairs)?;
            if self.allowed_targets != self.targets {
                write!(f, ", on {}", list(&self.allowed_targets))?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// What passes between two nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SvcConn {
    /// To a Service: its ports with at least one allowed pair.
    Service(Vec<SvcPortRow>),
    /// To a workload without a Service: the ports every pod pair may use,
    /// and those only some pairs may use.
    Workload { all: PortSet, some: PortSet },
}

impl std::fmt::Display for SvcConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SvcConn::Service(ports) => {
                let v: Vec<String> = ports.iter().map(ToString::to_string).collect();
                f.write_str(&v.join(", "))
            }
            SvcConn::Workload { all, some } => match (all.is_empty(), some.is_empty()) {
                (false, true) => write!(f, "{all}"),
                (true, false) => write!(f, "some pod pairs: {some}"),
                _ => write!(f, "{all}; some pod pairs: {some}"),
            },
        }
    }
}

impl SvcConn {
    /// Whether every pod pair may use everything listed.
    pub fn all(&self) -> bool {
        match self {
            SvcConn::Service(p) => p.iter().all(SvcPortRow::all),
            SvcConn::Workload { some, .. } => some.is_empty(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvcRow {
    pub src: String,
    pub dst: String,
    pub conn: SvcConn,
}

#[derive(Debug, Clone, Default)]
pub struct ServiceReport {
    /// Every node: `ns/name[Service]` and `ns/name[Kind]`, sorted.
    pub endpoints: Vec<String>,
    /// Services whose backends are not known from a selector (selectorless,
    /// ExternalName): in no row.
    pub unknown_backends: Vec<String>,
    /// Services whose selector matches no running pod: in no row.
    pub no_backends: Vec<String>,
    /// Services with hostNetwork backends: those get no verdict, so their
    /// pairs are counted as not allowed (such a port shows "some" at best).
    pub host_network_backends: Vec<String>,
    /// Rows with something allowed, sorted by src then dst.
    pub rows: Vec<SvcRow>,
}

pub fn service_node(ns: &str, name: &str) -> String {
    format!("{ns}/{name}[Service]")
}

/// A node's member pods, grouped by class.
#[derive(Default)]
struct Node {
    service: Option<Vec<ServicePort>>,
    members: BTreeMap<ClassId, BTreeSet<String>>,
    /// A Service's hostNetwork backends: no verdict, so their pairs count
    /// as not allowed (a port is then "some" at best, never "all").
    host: BTreeMap<ClassId, BTreeSet<String>>,
}

pub fn service_report(idx: &Index) -> ServiceReport {
    service_report_from(idx, &class_connectivity(idx))
}

pub fn service_report_from(idx: &Index, cc: &ClassConnectivity) -> ServiceReport {
    let mut out = ServiceReport::default();
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    for svc in idx.services() {
        let name = service_node(&svc.namespace, &svc.name);
        if !svc.backends_known() {
            out.unknown_backends.push(name.clone());
            out.endpoints.push(name);
            continue;
        }
        let mut node = Node {
            service: Some(svc.ports.clone()),
            ..Node::default()
        };
        let mut host = false;
        for c in idx.classes_in(&svc.namespace) {
            let class = idx.class(c);
            if !svc.selects(&class.namespace, &class.labels) {
                continue;
            }
            // hostNetwork pods get no pod-to-pod verdicts.
            if class.host_network {
                host = true;
                node.host.insert(c, class.members.clone());
            } else {
                node.members.insert(c, class.members.clone());
            }
        }
        if host {
            out.host_network_backends.push(name.clone());
        }
        if node.members.is_empty() {
            if !host {
                out.no_backends.push(name.clone());
            }
            out.endpoints.push(name);
            continue;
        }
        nodes.insert(name, node);
    }
    for (c, class) in idx.classes() {
        if class.host_network
            || idx
                .services_in(&class.namespace)
                .any(|s| s.selects(&class.namespace, &class.labels))
        {
            continue;
        }
        for m in &class.members {
            let w = idx.workload_of(&PodKey::new(&class.namespace, m));
            let node = nodes.entry(w).or_default();
            node.members.entry(c).or_default().insert(m.clone());
        }
    }
    out.endpoints.extend(nodes.keys().cloned());
    out.endpoints.sort();

    let explicit: HashMap<(ClassId, ClassId), &PortSet> =
        cc.pairs.iter().map(|(a, b, p)| ((*a, *b), p)).collect();
    let open_e: HashSet<ClassId> = cc.open_egress.iter().copied().collect();
    let open_i: HashSet<ClassId> = cc.open_ingress.iter().copied().collect();
    let full = PortSet::all();
    let none = PortSet::none();
    let allowed = |a: ClassId, b: ClassId| -> &PortSet {
        match explicit.get(&(a, b)) {
            Some(p) => p,
            None if open_e.contains(&a) && open_i.contains(&b) => &full,
            None => &none,
        }
    };

    for (src, a) in &nodes {
        for (dst, b) in &nodes {
            if src == dst {
                continue; // no self-connections, as in the other modes
            }
            let conn = match &b.service {
                Some(ports) => service_conn(idx, a, b, ports, &allowed),
                None => workload_conn(a, b, &allowed),
            };
            if let Some(conn) = conn {
                out.rows.push(SvcRow {
                    src: src.clone(),
                    dst: dst.clone(),
                    conn,
                });
            }
        }
    }
    out
}

/// Ordered pod pairs between two member sets of classes `a` and `b`.
fn pair_count(a: ClassId, pa: &BTreeSet<String>, b: ClassId, pb: &BTreeSet<String>) -> u64 {
    let overlap = if a == b {
        pa.intersection(pb).count() as u64
    } else {
        0
    };
    pa.len() as u64 * pb.len() as u64 - overlap
}

fn service_conn<'p>(
    idx: &Index,
    a: &Node,
    b: &Node,
    ports: &[ServicePort],
    allowed: &impl Fn(ClassId, ClassId) -> &'p PortSet,
) -> Option<SvcConn> {
    let mut rows = Vec::new();
    for sp in ports {
        let mut row = SvcPortRow {
            port: sp.clone(),
            targets: Vec::new(),
            allowed_targets: Vec::new(),
            allowed: 0,
            pairs: 0,
        };
        for (&cb, pb) in &b.members {
            // A backend whose pod lacks the named targetPort is no endpoint.
            let Some(t) = target_in_class(idx.class(cb), sp) else {
                continue;
            };
            for (&ca, pa) in &a.members {
                let n = pair_count(ca, pa, cb, pb);
                if n == 0 {
                    continue;
                }
                row.pairs += n;
                row.targets.push(t);
                if allowed(ca, cb).contains(sp.protocol, t) {
                    row.allowed += n;
                    row.allowed_targets.push(t);
                }
            }
        }
        for (&cb, pb) in &b.host {
            let Some(t) = target_in_class(idx.class(cb), sp) else {
                continue;
            };
            let clients: u64 = a.members.values().map(|p| p.len() as u64).sum();
            row.pairs += clients * pb.len() as u64;
            row.targets.push(t);
        }
        if row.allowed > 0 {
            for t in [&mut row.targets, &mut row.allowed_targets] {
                t.sort_unstable();
                t.dedup();
            }
            rows.push(row);
        }
    }
    (!rows.is_empty()).then_some(SvcConn::Service(rows))
}

fn workload_conn<'p>(
    a: &Node,
    b: &Node,
    allowed: &impl Fn(ClassId, ClassId) -> &'p PortSet,
) -> Option<SvcConn> {
    let mut all: Option<PortSet> = None;
    let mut any = PortSet::none();
    for (&cb, pb) in &b.members {
        for (&ca, pa) in &a.members {
            if pair_count(ca, pa, cb, pb) == 0 {
                continue;
            }
            let p = allowed(ca, cb);
            any.union_with(p);
            all = Some(match all {
                Some(x) => x.intersect(p),
                None => p.clone(),
            });
        }
    }
    let all = all.unwrap_or_else(PortSet::none);
    if any.is_empty() {
        return None;
    }
    let some = any.difference(&all);
    Some(SvcConn::Workload { all, some })
}
