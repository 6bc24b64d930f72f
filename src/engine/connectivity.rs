//! Full connectivity: every allowed (client, server, ports) triple, computed
//! over equivalence classes and expanded to pods or workloads for output.
//!
//! Each rule's peers are compiled once into a target set (whole namespaces,
//! explicit classes, ipBlocks), so the pair loop only does membership tests.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::index::{ClassId, Index};
use super::ipblock::{Family, IpRange, partition};
use super::model::{IpBlock, LabelSelector, Peer, PodKey, PolicyPort, PortRef, Rule};
use super::ports::{PortSet, rule_port_set};

/// Who a rule admits: everything (`peers` empty) or a set of pods and IPs.
struct Target<'a> {
    all: bool,
    /// Namespace ids whose every pod matches.
    namespaces: Vec<u32>,
    /// Individually matched classes, sorted.
    classes: Vec<ClassId>,
    blocks: Vec<&'a IpBlock>,
}

impl Target<'_> {
    fn contains_class(&self, c: ClassId, class_ns: &[u32]) -> bool {
        self.all
            || self.namespaces.binary_search(&class_ns[c.index()]).is_ok()
            || self.classes.binary_search(&c).is_ok()
    }
    fn contains_range(&self, r: &IpRange) -> bool {
        self.all || self.blocks.iter().any(|b| b.contains_range(r))
    }
}

struct CompiledRule<'a> {
    target: Target<'a>,
    ports: &'a [PolicyPort],
    /// The port set when it does not depend on the destination (no named ports).
    fixed: Option<PortSet>,
}

fn has_named(ports: &[PolicyPort]) -> bool {
    ports
        .iter()
        .any(|p| matches!(p.port, Some(PortRef::Name(_))))
}

/// Everything the pair loop needs, computed once per run.
struct Compiled<'a> {
    idx: &'a Index,
    class_ns: Vec<u32>,
    ns_classes: Vec<Vec<ClassId>>,
    /// Non-hostNetwork classes, sorted.
    classes: Vec<ClassId>,
    /// Per class: None = not isolated; Some(rule ids) into `rules`.
    egress: Vec<Option<Vec<usize>>>,
    ingress: Vec<Option<Vec<usize>>>,
    rules: Vec<CompiledRule<'a>>,
    /// Reverse index of ingress rules by who they admit: rules admitting
    /// everyone, whole namespaces (by ns id), or single classes.
    ing_all: Vec<usize>,
    ing_by_ns: Vec<Vec<usize>>,
    ing_by_class: Vec<Vec<usize>>,
    /// For each rule id: the classes its policy selects (the servers of an
    /// ingress rule, the clients of an egress rule).
    owners: Vec<std::rc::Rc<Vec<ClassId>>>,
}

impl<'a> Compiled<'a> {
    fn new(idx: &'a Index) -> Self {
        let ns_names = idx.namespace_names();
        let ns_id: HashMap<&str, u32> = ns_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let cap = idx.class_capacity();
        let mut class_ns = vec![u32::MAX; cap];
        let mut ns_classes = vec![Vec::new(); ns_names.len()];
        let mut classes = Vec::new();
        // Pod IPs as signatures over the index's CIDRs (see `Class::ip_sig`):
        // matching an ipBlock is then a lookup, not an address walk.
        let mut class_sigs: Vec<(ClassId, &'a [Vec<u32>])> = Vec::new();
        for (id, c) in idx.classes() {
            if c.host_network {
                continue;
            }
            let n = ns_id[c.namespace.as_str()];
            class_ns[id.index()] = n;
            ns_classes[n as usize].push(id);
            classes.push(id);
            if !c.ip_sig.is_empty() {
                class_sigs.push((id, &c.ip_sig));
            }
        }
        classes.sort_unstable();
        for v in &mut ns_classes {
            v.sort_unstable();
        }

        let mut ns_memo: HashMap<&LabelSelector, Vec<u32>> = HashMap::new();
        let mut ip_memo: HashMap<&IpBlock, Vec<ClassId>> = HashMap::new();
        let mut rules: Vec<CompiledRule<'a>> = Vec::new();
        let mut egress = vec![None; cap];
        let mut ingress = vec![None; cap];
        let mut owners = Vec::new();
        for p in idx.policies() {
            let Some(&own_ns) = ns_id.get(p.namespace.as_str()) else {
                continue;
            };
            let selected: std::rc::Rc<Vec<ClassId>> = std::rc::Rc::new(
                ns_classes[own_ns as usize]
                    .iter()
                    .copied()
                    .filter(|&c| p.pod_selector.matches(&idx.class(c).labels))
                    .collect(),
            );
            for (is_ingress, enabled, rule_list) in [
                (true, p.ingress_type, &p.ingress),
                (false, p.egress_type, &p.egress),
            ] {
                if !enabled {
                    continue;
                }
                let first = rules.len();
                for rule in rule_list {
                    let target = compile_target(
                        rule,
                        own_ns,
                        idx,
                        &ns_id,
                        &ns_classes,
                        &class_sigs,
                        &mut ns_memo,
                        &mut ip_memo,
                    );
                    let fixed = (!has_named(&rule.ports)).then(|| rule_port_set(&rule.ports, None));
                    rules.push(CompiledRule {
                        target,
                        ports: &rule.ports,
                        fixed,
                    });
                    owners.push(selected.clone());
                }
                let ids: Vec<usize> = (first..rules.len()).collect();
                let table = if is_ingress {
                    &mut ingress
                } else {
                    &mut egress
                };
                for &c in selected.iter() {
                    // Selected with no rules still isolates: Some(empty).
                    table[c.index()]
                        .get_or_insert_with(Vec::new)
                        .extend(ids.iter().copied());
                }
            }
        }
        let mut ing_all = Vec::new();
        let mut ing_by_ns = vec![Vec::new(); ns_names.len()];
        let mut ing_by_class = vec![Vec::new(); cap];
        let mut is_ingress_rule = vec![false; rules.len()];
        for ids in ingress.iter().flatten() {
            for &i in ids {
                is_ingress_rule[i] = true;
            }
        }
        for (i, r) in rules.iter().enumerate() {
            if !is_ingress_rule[i] {
                continue;
            }
            if r.target.all {
                ing_all.push(i);
                continue;
            }
            for &n in &r.target.namespaces {
                ing_by_ns[n as usize].push(i);
            }
            for &c in &r.target.classes {
                ing_by_class[c.index()].push(i);
            }
        }
        Compiled {
            idx,
            class_ns,
            ns_classes,
            classes,
            egress,
            ingress,
            rules,
            ing_all,
            ing_by_ns,
            ing_by_class,
            owners,
        }
    }

    fn rule_ports(&self, r: &CompiledRule, dest: Option<ClassId>) -> PortSet {
        match &r.fixed {
            Some(s) => s.clone(),
            None => rule_port_set(r.ports, dest.map(|d| self.idx.class(d).ports.as_slice())),
        }
    }

    /// What `client`'s egress side allows towards class `server`.
    fn egress_to_class(&self, client: ClassId, server: ClassId) -> PortSet {
        match &self.egress[client.index()] {
            None => PortSet::all(),
            Some(ids) => {
                let mut s = PortSet::none();
                for &i in ids {
                    let r = &self.rules[i];
                    if r.target.contains_class(server, &self.class_ns) {
                        s.union_with(&self.rule_ports(r, Some(server)));
                    }
                }
                s
            }
        }
    }

    /// Every allowed pair with client `a`. With `with_open` false, pairs of
    /// an egress-open `a` and an ingress-open server are left implicit.
    fn client_pairs(
        &self,
        a: ClassId,
        with_open: bool,
        acc: &mut [Option<PortSet>],
        touched: &mut Vec<ClassId>,
        out: &mut Vec<(ClassId, ClassId, PortSet)>,
    ) {
        let add = |b: ClassId,
                   ports: PortSet,
                   acc: &mut [Option<PortSet>],
                   touched: &mut Vec<ClassId>| {
            if ports.is_empty() {
                return;
            }
            match &mut acc[b.index()] {
                Some(s) => s.union_with(&ports),
                slot @ None => {
                    *slot = Some(ports);
                    touched.push(b);
                }
            }
        };
        match &self.egress[a.index()] {
            None => {
                // Egress open: ingress-isolated servers admit `a` only
                // through the ingress rules that name it.
                let n = self.class_ns[a.index()] as usize;
                for &ri in self
                    .ing_all
                    .iter()
                    .chain(&self.ing_by_ns[n])
                    .chain(&self.ing_by_class[a.index()])
                {
                    let r = &self.rules[ri];
                    for &b in self.owners[ri].iter() {
                        add(b, self.rule_ports(r, Some(b)), acc, touched);
                    }
                }
                if with_open {
                    for &b in &self.classes {
                        if self.ingress[b.index()].is_none() {
                            add(b, PortSet::all(), acc, touched);
                        }
                    }
                }
                touched.sort_unstable();
                for b in touched.drain(..) {
                    if let Some(p) = acc[b.index()].take() {
                        out.push((a, b, p));
                    }
                }
            }
            Some(ids) => {
                for &ri in ids {
                    let r = &self.rules[ri];
                    let mut visit = |b: ClassId| add(b, self.rule_ports(r, Some(b)), acc, touched);
                    if r.target.all {
                        self.classes.iter().for_each(|&b| visit(b));
                    } else {
                        for &n in &r.target.namespaces {
                            self.ns_classes[n as usize].iter().for_each(|&b| visit(b));
                        }
                        r.target.classes.iter().for_each(|&b| visit(b));
                    }
                }
                touched.sort_unstable();
                for b in touched.drain(..) {
                    if let Some(e) = acc[b.index()].take() {
                        let allowed = e.intersect(&self.ingress_from_class(b, a));
                        if !allowed.is_empty() {
                            out.push((a, b, allowed));
                        }
                    }
                }
            }
        }
    }

    /// What `server`'s ingress side allows from class `client`.
    fn ingress_from_class(&self, server: ClassId, client: ClassId) -> PortSet {
        match &self.ingress[server.index()] {
            None => PortSet::all(),
            Some(ids) => {
                let mut s = PortSet::none();
                for &i in ids {
                    let r = &self.rules[i];
                    if r.target.contains_class(client, &self.class_ns) {
                        s.union_with(&self.rule_ports(r, Some(server)));
                    }
                }
                s
            }
        }
    }
}

/// The classes with a pod IP inside `b`.
fn block_classes(idx: &Index, b: &IpBlock, class_sigs: &[(ClassId, &[Vec<u32>])]) -> Vec<ClassId> {
    let nets = idx.ip_nets();
    let id = |n: &ipnet::IpNet| nets.binary_search(n).ok().map(|i| i as u32);
    let cidr = id(&b.cidr);
    let except: Option<Vec<u32>> = b.except.iter().map(id).collect();
    match (cidr, except) {
        (Some(cidr), Some(except)) => class_sigs
            .iter()
            .filter(|(_, sig)| {
                sig.iter().any(|ip| {
                    ip.binary_search(&cidr).is_ok()
                        && !except.iter().any(|e| ip.binary_search(e).is_ok())
                })
            })
            .map(|(c, _)| *c)
            .collect(),
        // Every ipBlock CIDR is in the index's list; should one not be,
        // fall back to the addresses themselves.
        _ => class_sigs
            .iter()
            .filter(|(c, _)| idx.class_ips(*c).iter().any(|ip| b.contains_ip(*ip)))
            .map(|(c, _)| *c)
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn compile_target<'a>(
    rule: &'a Rule,
    own_ns: u32,
    idx: &Index,
    ns_id: &HashMap<&str, u32>,
    ns_classes: &[Vec<ClassId>],
    class_sigs: &[(ClassId, &[Vec<u32>])],
    ns_memo: &mut HashMap<&'a LabelSelector, Vec<u32>>,
    ip_memo: &mut HashMap<&'a IpBlock, Vec<ClassId>>,
) -> Target<'a> {
    let mut t = Target {
        all: rule.peers.is_empty(),
        namespaces: vec![],
        classes: vec![],
        blocks: vec![],
    };
    for peer in &rule.peers {
        match peer {
            Peer::IpBlock(b) => {
                t.blocks.push(b);
                // Identical ipBlocks recur across policies: match pods once.
                t.classes.extend(
                    ip_memo
                        .entry(b)
                        .or_insert_with(|| block_classes(idx, b, class_sigs))
                        .iter()
                        .copied(),
                );
            }
            Peer::Pods {
                namespace_selector,
                pod_selector,
            } => {
                let nss: Vec<u32> = match namespace_selector {
                    None => vec![own_ns],
                    Some(sel) => ns_memo
                        .entry(sel)
                        .or_insert_with(|| {
                            ns_id
                                .iter()
                                .filter(|(n, _)| sel.matches(&idx.ns_labels(n)))
                                .map(|(_, &i)| i)
                                .collect()
                        })
                        .clone(),
                };
                match pod_selector {
                    None => t.namespaces.extend(nss),
                    Some(ps) if ps.is_empty() => t.namespaces.extend(nss),
                    Some(ps) => {
                        for n in nss {
                            t.classes.extend(
                                ns_classes[n as usize]
                                    .iter()
                                    .copied()
                                    .filter(|&c| ps.matches(&idx.class(c).labels)),
                            );
                        }
                    }
                }
            }
        }
    }
    t.namespaces.sort_unstable();
    t.namespaces.dedup();
    t.classes.sort_unstable();
    t.classes.dedup();
    t
}

/// Allowed connectivity between classes and with external IP ranges.
#[derive(Debug, Clone, Default)]
pub struct ClassConnectivity {
    /// (client, server, ports), client == server included (distinct pods of
    /// one class), for every pair where at least one side is isolated.
    pub pairs: Vec<(ClassId, ClassId, PortSet)>,
    /// Classes not isolated for egress / ingress. Every pair of an
    /// egress-open client and an ingress-open server is allowed everything;
    /// that block is kept implicit because it is quadratic in size.
    pub open_egress: Vec<ClassId>,
    pub open_ingress: Vec<ClassId>,
    pub to_external: Vec<(ClassId, IpRange, PortSet)>,
    pub from_external: Vec<(IpRange, ClassId, PortSet)>,
    /// The partitions used for external ranges.
    pub dst_ranges: Vec<IpRange>,
    pub src_ranges: Vec<IpRange>,
}

/// The families external ranges are reported for: IPv4 always, IPv6 when
/// some policy mentions an IPv6 CIDR (otherwise every pod would get an
/// extra `::/0` line that says nothing new).
fn families(v6: bool) -> Vec<Family> {
    if v6 {
        vec![Family::V4, Family::V6]
    } else {
        vec![Family::V4]
    }
}

/// The ipBlocks of a state that cut the address space: egress peers (for
/// external destinations) and ingress peers (for external sources), and
/// whether any CIDR is IPv6.
#[derive(Debug, Clone, Default)]
pub struct CutBlocks {
    pub egress: Vec<IpBlock>,
    pub ingress: Vec<IpBlock>,
    pub v6: bool,
}

impl CutBlocks {
    pub fn of(idx: &Index) -> Self {
        let mut out = CutBlocks {
            v6: idx
                .ip_nets()
                .iter()
                .any(|n| matches!(n, ipnet::IpNet::V6(_))),
            ..Default::default()
        };
        for p in idx.policies() {
            for (rules, dst) in [(&p.egress, &mut out.egress), (&p.ingress, &mut out.ingress)] {
                for r in rules {
                    for peer in &r.peers {
                        if let Peer::IpBlock(b) = peer {
                            dst.push(b.clone());
                        }
                    }
                }
            }
        }
        out
    }

    pub fn extend(&mut self, o: CutBlocks) {
        self.egress.extend(o.egress);
        self.ingress.extend(o.ingress);
        self.v6 |= o.v6;
    }

    /// (destination partition, source partition).
    pub fn partitions(&self) -> (Vec<IpRange>, Vec<IpRange>) {
        let fams = families(self.v6);
        (
            partition(self.egress.iter(), &fams),
            partition(self.ingress.iter(), &fams),
        )
    }
}

/// The partitions of the address space for external destinations (cut at
/// egress ipBlocks) and external sources (cut at ingress ipBlocks).
pub fn external_partitions(idx: &Index) -> (Vec<IpRange>, Vec<IpRange>) {
    external_partitions_of(&[idx])
}

/// One partition for several states (a diff compares ranges by name, so
/// both sides must be cut the same way).
pub fn external_partitions_of(idxs: &[&Index]) -> (Vec<IpRange>, Vec<IpRange>) {
    let mut blocks = CutBlocks::default();
    for idx in idxs {
        blocks.extend(CutBlocks::of(idx));
    }
    blocks.partitions()
}

impl ClassConnectivity {
    /// Number of allowed class pairs, implicit ones included.
    pub fn pair_count(&self) -> usize {
        self.pairs.len() + self.open_egress.len() * self.open_ingress.len()
    }

    /// Every allowed class pair: the explicit ones, then the open block.
    pub fn all_pairs(
        &self,
    ) -> impl Iterator<Item = (ClassId, ClassId, std::borrow::Cow<'_, PortSet>)> + '_ {
        self.pairs
            .iter()
            .map(|(a, b, p)| (*a, *b, std::borrow::Cow::Borrowed(p)))
            .chain(self.open_egress.iter().flat_map(move |&a| {
                self.open_ingress
                    .iter()
                    .map(move |&b| (a, b, std::borrow::Cow::Owned(PortSet::all())))
            }))
    }
}

pub fn class_connectivity(idx: &Index) -> ClassConnectivity {
    let (dst, src) = external_partitions(idx);
    class_connectivity_on(idx, dst, src)
}

/// [`class_connectivity`] with external ranges cut by the given partitions.
pub fn class_connectivity_on(
    idx: &Index,
    dst_ranges: Vec<IpRange>,
    src_ranges: Vec<IpRange>,
) -> ClassConnectivity {
    let cc = Compiled::new(idx);
    let mut out = ClassConnectivity {
        dst_ranges,
        src_ranges,
        ..cc.pod_pairs()
    };

    for &a in &cc.classes {
        let (to, from) = cc.external_rows(a, &out.dst_ranges, &out.src_ranges);
        out.to_external.extend(to);
        out.from_external.extend(from);
    }
    out
}

/// What a change touching some classes can alter, in one state.
#[derive(Debug, Default)]
pub struct Touching {
    /// Allowed pairs with a client or a server among the classes.
    pub pairs: Vec<(ClassId, ClassId, PortSet)>,
    /// The classes' connections to and from external ranges.
    pub to_external: Vec<(ClassId, IpRange, PortSet)>,
    pub from_external: Vec<(IpRange, ClassId, PortSet)>,
    /// Allowed ordered pod pairs of the whole state, when asked for.
    pub total: Option<u64>,
}

/// Every allowed pair with a client or a server among `classes` (open
/// pairs included), the classes' external rows on the given partitions,
/// and optionally the number of allowed pod pairs of the whole state, on
/// one compilation. Apart from the total, the cost is proportional to the
/// classes named, not to the cluster's pairs.
pub fn touching(
    idx: &Index,
    classes: &[ClassId],
    dst_ranges: &[IpRange],
    src_ranges: &[IpRange],
    with_total: bool,
) -> Touching {
    let cc = Compiled::new(idx);
    let mut out = Touching {
        pairs: cc.touching(classes, classes),
        total: with_total.then(|| pod_pair_count(idx, &cc.pod_pairs())),
        ..Default::default()
    };
    for &c in classes {
        if cc.class_ns.get(c.index()).is_some_and(|n| *n != u32::MAX) {
            let (to, from) = cc.external_rows(c, dst_ranges, src_ranges);
            out.to_external.extend(to);
            out.from_external.extend(from);
        }
    }
    out
}

/// A class's rows to and from external ranges.
type ExternalRows = (
    Vec<(ClassId, IpRange, PortSet)>,
    Vec<(IpRange, ClassId, PortSet)>,
);

impl Compiled<'_> {
    /// A class's connections with external ranges: to them (`inbound`
    /// false; only the class's egress side applies) or from them (only its
    /// ingress side; named ports resolve against the class).
    fn external(&self, c: ClassId, inbound: bool, ranges: &[IpRange]) -> Vec<(IpRange, PortSet)> {
        let (side, dest) = if inbound {
            (&self.ingress[c.index()], Some(c))
        } else {
            (&self.egress[c.index()], None)
        };
        ranges
            .iter()
            .filter_map(|r| {
                let ports = match side {
                    None => PortSet::all(),
                    Some(ids) => {
                        let mut s = PortSet::none();
                        for &ri in ids {
                            let rule = &self.rules[ri];
                            if rule.target.contains_range(r) {
                                s.union_with(&self.rule_ports(rule, dest));
                            }
                        }
                        s
                    }
                };
                (!ports.is_empty()).then_some((*r, ports))
            })
            .collect()
    }

    /// Both directions of [`Self::external`], as report rows.
    fn external_rows(
        &self,
        c: ClassId,
        dst_ranges: &[IpRange],
        src_ranges: &[IpRange],
    ) -> ExternalRows {
        (
            self.external(c, false, dst_ranges)
                .into_iter()
                .map(|(r, p)| (c, r, p))
                .collect(),
            self.external(c, true, src_ranges)
                .into_iter()
                .map(|(r, p)| (r, c, p))
                .collect(),
        )
    }

    fn touching(
        &self,
        clients: &[ClassId],
        servers: &[ClassId],
    ) -> Vec<(ClassId, ClassId, PortSet)> {
        let cc = self;
        let mut out = Vec::new();
        let mut acc: Vec<Option<PortSet>> = vec![None; cc.idx.class_capacity()];
        let mut touched = Vec::new();
        let live = |c: &ClassId| cc.class_ns.get(c.index()).is_some_and(|n| *n != u32::MAX);
        let mut cl: Vec<ClassId> = clients.iter().copied().filter(live).collect();
        cl.sort_unstable();
        cl.dedup();
        for &a in &cl {
            cc.client_pairs(a, true, &mut acc, &mut touched, &mut out);
        }
        let mut sv: Vec<ClassId> = servers.iter().copied().filter(live).collect();
        sv.sort_unstable();
        sv.dedup();
        for &b in &sv {
            for &a in &cc.classes {
                if cl.binary_search(&a).is_ok() {
                    continue; // already complete above
                }
                let e = cc.egress_to_class(a, b);
                if e.is_empty() {
                    continue;
                }
                let allowed = e.intersect(&cc.ingress_from_class(b, a));
                if !allowed.is_empty() {
                    out.push((a, b, allowed));
                }
            }
        }
        out
    }

    /// Pod-to-pod connectivity only (no external ranges).
    fn pod_pairs(&self) -> ClassConnectivity {
        let mut out = ClassConnectivity::default();
        let mut acc: Vec<Option<PortSet>> = vec![None; self.idx.class_capacity()];
        let mut touched: Vec<ClassId> = Vec::new();
        for &a in &self.classes {
            if self.egress[a.index()].is_none() {
                out.open_egress.push(a);
            }
            self.client_pairs(a, false, &mut acc, &mut touched, &mut out.pairs);
        }
        out.open_ingress = self
            .classes
            .iter()
            .copied()
            .filter(|&b| self.ingress[b.index()].is_none())
            .collect();
        out
    }
}

/// Number of allowed ordered pod pairs (self-pairs excluded), computed on
/// classes without expanding them.
pub fn pod_pair_count(idx: &Index, cc: &ClassConnectivity) -> u64 {
    let size = |c: ClassId| idx.class(c).members.len() as u64;
    let pairs = |a: ClassId, b: ClassId| {
        if a == b {
            size(a) * size(a).saturating_sub(1)
        } else {
            size(a) * size(b)
        }
    };
    let explicit: u64 = cc.pairs.iter().map(|(a, b, _)| pairs(*a, *b)).sum();
    let open_e: u64 = cc.open_egress.iter().map(|&a| size(a)).sum();
    let open_i: u64 = cc.open_ingress.iter().map(|&b| size(b)).sum();
    let open_both: u64 = cc
        .open_egress
        .iter()
        .filter(|a| cc.open_ingress.binary_search(a).is_ok())
        .map(|&a| size(a))
        .sum();
    explicit + open_e * open_i - open_both
}

/// How results are grouped for output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// `ns/name` per pod.
    Pod,
    /// `ns/name[Kind]` per workload (pods grouped by owner).
    Workload,
}

/// One allowed connection, named for output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConnRow {
    pub src: String,
    pub dst: String,
    pub ports: PortSet,
}

/// Connectivity as named rows, ready for any output format.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every pod (or workload) of the input, sorted, hostNetwork ones included.
    pub endpoints: Vec<String>,
    /// The hostNetwork pods (or workloads): in no row.
    pub host_network: Vec<String>,
    /// Pod-to-pod (or workload-to-workload) rows, sorted by src then dst.
    pub internal: Vec<ConnRow>,
    /// Rows with an external range on one side (`A-B[External]`), sorted.
    pub external: Vec<ConnRow>,
}

impl Report {
    /// Internal and external rows merged in netpol-analyzer's order (plain
    /// byte order of src, then dst).
    pub fn all_rows(&self) -> Vec<&ConnRow> {
        let mut v: Vec<&ConnRow> = self.internal.iter().chain(self.external.iter()).collect();
        v.sort_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
        v
    }
}

pub fn external_name(r: &IpRange) -> String {
    format!("{r}[External]")
}

/// The range behind a name made by [`external_name`].
pub fn parse_external_name(s: &str) -> Option<IpRange> {
    let r = s.strip_suffix("[External]")?;
    // IPv6 addresses contain no '-', so the first '-' splits the range.
    let (a, b) = r.split_once('-')?;
    let (lo, hi) = (
        IpRange::single(a.parse().ok()?),
        IpRange::single(b.parse().ok()?),
    );
    (lo.family == hi.family && lo.lo <= hi.lo).then_some(IpRange {
        family: lo.family,
        lo: lo.lo,
        hi: hi.lo,
    })
}

/// Names of the members of a class at the given granularity.
fn member_names(idx: &Index, c: ClassId, g: Granularity) -> BTreeSet<String> {
    let class = idx.class(c);
    class
        .members
        .iter()
        .map(|m| {
            let k = PodKey::new(&class.namespace, m);
            match g {
                Granularity::Pod => k.to_string(),
                Granularity::Workload => idx.workload_of(&k),
            }
        })
        .collect()
}

pub fn report(idx: &Index, g: Granularity) -> Report {
    report_from(idx, g, class_connectivity(idx))
}

/// Reports of two states on one external partition, for comparing them.
pub fn report_pair(before: &Index, after: &Index, g: Granularity) -> (Report, Report) {
    let (dst, src) = external_partitions_of(&[before, after]);
    (
        report_from(
            before,
            g,
            class_connectivity_on(before, dst.clone(), src.clone()),
        ),
        report_from(after, g, class_connectivity_on(after, dst, src)),
    )
}

fn report_from(idx: &Index, g: Granularity, cc: ClassConnectivity) -> Report {
    let mut names: HashMap<ClassId, BTreeSet<String>> = HashMap::new();
    let mut endpoints = BTreeSet::new();
    let mut host = BTreeSet::new();
    for (id, c) in idx.classes() {
        let n = member_names(idx, id, g);
        if c.host_network {
            host.extend(n.iter().cloned());
        }
        endpoints.extend(n.iter().cloned());
        names.insert(id, n);
    }
    // Workloads whose pods differ land in several classes: merge with union.
    let mut internal: BTreeMap<(String, String), PortSet> = BTreeMap::new();
    for (a, b, ports) in cc.all_pairs() {
        for s in &names[&a] {
            for d in &names[&b] {
                if s == d {
                    continue; // no self-connections
                }
                internal
                    .entry((s.clone(), d.clone()))
                    .or_default()
                    .union_with(&ports);
            }
        }
    }
    let mut external: BTreeMap<(String, String), PortSet> = BTreeMap::new();
    for (a, r, ports) in &cc.to_external {
        for s in &names[a] {
            external
                .entry((s.clone(), external_name(r)))
                .or_default()
                .union_with(ports);
        }
    }
    for (r, b, ports) in &cc.from_external {
        for d in &names[b] {
            external
                .entry((external_name(r), d.clone()))
                .or_default()
                .union_with(ports);
        }
    }
    let rows = |m: BTreeMap<(String, String), PortSet>| -> Vec<ConnRow> {
        m.into_iter()
            .map(|((src, dst), ports)| ConnRow { src, dst, ports })
            .collect()
    };
    Report {
        endpoints: endpoints.into_iter().collect(),
        host_network: host.into_iter().collect(),
        internal: rows(internal),
        external: rows(external),
    }
}
