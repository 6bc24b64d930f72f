//! Rules compiled once per run: each rule's peers become a target set
//! (whole namespaces, explicit classes, ipBlocks), so the pair loop only
//! does membership tests.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use super::external::block_classes;
use crate::engine::index::{ClassId, Index};
use crate::engine::ipblock::IpRange;
use crate::engine::model::{
    IpBlock, LabelSelector, Labels, Peer, Policy, PolicyPort, PortRef, Protocol, Rule,
};
use crate::engine::ports::{PortSet, rule_port_set};

/// Who a rule admits: everything (`peers` empty) or a set of pods and IPs.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) all: bool,
    /// Namespace ids whose every pod matches.
    pub(super) namespaces: Vec<u32>,
    /// Individually matched classes, sorted.
    pub(super) classes: Vec<ClassId>,
    blocks: Vec<IpBlock>,
}

impl Target {
    pub(super) fn contains_class(&self, c: ClassId, class_ns: &[u32]) -> bool {
        self.all
            || self.namespaces.binary_search(&class_ns[c.index()]).is_ok()
            || self.classes.binary_search(&c).is_ok()
    }
    pub(super) fn contains_range(&self, r: &IpRange) -> bool {
        self.all || self.blocks.iter().any(|b| b.contains_range(r))
    }
}

#[derive(Debug)]
pub(super) struct CompiledRule {
    pub(super) target: Target,
    pub(super) ports: Vec<PolicyPort>,
    /// The port set when it does not depend on the destination (no named ports).
    pub(super) fixed: Option<PortSet>,
    /// Per port of `ports` (named ports only): its name's id in
    /// `CompiledData::port_names` (None: numbered, or a name a patched
    /// copy added, resolved by name).
    pub(super) name_ids: Box<[Option<u32>]>,
}

/// A class's named container ports: (name id, protocol, port).
pub(super) type NamedPorts = Box<[(u32, Protocol, u16)]>;

fn has_named(ports: &[PolicyPort]) -> bool {
    ports
        .iter()
        .any(|p| matches!(p.port, Some(PortRef::Name(_))))
}

/// A class's rules for one direction: None when no policy isolates it.
pub(super) type RuleIds = Option<Arc<[usize]>>;

/// The compiled state of one index with the index it belongs to.
pub(super) struct Compiled<'a> {
    pub(super) idx: &'a Index,
    data: Arc<CompiledData>,
}

impl std::ops::Deref for Compiled<'_> {
    type Target = CompiledData;
    fn deref(&self) -> &CompiledData {
        &self.data
    }
}

/// Everything the pair loop needs. It depends only on the index's state,
/// so the index keeps it (see [`Index::memo`]) until its next change: a
/// what-if or a view asking again does not compile every policy again.
#[derive(Debug, Clone)]
pub struct CompiledData {
    /// The tables of classes and namespaces (`class_ns` to `ns_sel`) are
    /// shared with a what-if's patched copy, which has the same ones.
    pub(super) class_ns: Arc<Vec<u32>>,
    pub(super) ns_classes: Arc<Vec<Vec<ClassId>>>,
    /// Non-hostNetwork classes, sorted.
    pub(super) classes: Arc<Vec<ClassId>>,
    /// Per class: None = not isolated; Some(rule ids) into `rules`
    /// (shared: a what-if's patched copy clones these tables).
    pub(super) egress: Vec<RuleIds>,
    pub(super) ingress: Vec<RuleIds>,
    pub(super) rules: Vec<Arc<CompiledRule>>,
    /// Per rule: the namespace id of its policy.
    rule_ns: Vec<u32>,
    /// Namespace names by id (sorted), and ids by name.
    ns_names: Arc<Vec<String>>,
    ns_id: Arc<HashMap<String, u32>>,
    /// The namespaces each namespaceSelector of the compiled rules matches.
    ns_sel: Arc<HashMap<LabelSelector, Vec<u32>>>,
    /// Reverse indexes of ingress (`ing_`) and egress (`eg_`) rules by who
    /// they admit: everyone, whole namespaces (by ns id), or single classes
    /// (a what-if looks up a server's clients instead of testing each class).
    pub(super) ing_all: Vec<usize>,
    pub(super) ing_by_ns: Vec<Vec<usize>>,
    pub(super) ing_by_class: Vec<Vec<usize>>,
    pub(super) eg_all: Vec<usize>,
    pub(super) eg_by_ns: Vec<Vec<usize>>,
    pub(super) eg_by_class: Vec<Vec<usize>>,
    /// For each rule id: the classes its policy selects (the servers of an
    /// ingress rule, the clients of an egress rule).
    pub(super) owners: Vec<Arc<Vec<ClassId>>>,
    /// Allowed ordered pod pairs of the whole state (see `pod_pair_count`),
    /// counted once when first asked for.
    pub(super) pod_pair_total: OnceLock<u64>,
    /// The port names the rules use, by id (fixed once the full compile is
    /// done: a patched copy adds none, so the per-class lists stay valid).
    /// (A fast hash: every class's port names are looked up here once.)
    pub(super) port_names: Arc<HashMap<String, u32, foldhash::fast::RandomState>>,
    /// Per class: its container ports named in `port_names`, made when a
    /// named rule port is first resolved against it (by either thread of
    /// a preview; shared with a patched copy, which has the same classes):
    /// resolving is then a scan of a few integers, not of names.
    pub(super) class_named: Arc<Vec<OnceLock<NamedPorts>>>,
}

impl<'a> Compiled<'a> {
    /// The index's compiled state, compiled now if the index has none yet.
    pub(super) fn new(idx: &'a Index) -> Self {
        let data = idx
            .memo()
            .get_or_init(|| Arc::new(CompiledData::build(idx)))
            .clone();
        Compiled { idx, data }
    }
}

/// A class and the ipBlock CIDRs containing each of its pod IPs.
type ClassSig<'i> = (ClassId, &'i [Vec<u32>]);

/// What compiling a policy needs from the index besides the policy, with
/// the selector and ipBlock matches already made.
struct Ctx<'i> {
    idx: &'i Index,
    ns_id: &'i HashMap<String, u32>,
    /// Namespace names by id (sorted).
    ns_names: &'i [String],
    /// Each namespace's labels by id, made when a namespaceSelector is
    /// first matched: each selector then walks a list instead of looking
    /// every name up.
    ns_labels: OnceCell<Vec<Cow<'i, Labels>>>,
    /// Pod IPs as signatures over the index's CIDRs (see `Class::ip_sig`):
    /// matching an ipBlock is then a lookup, not an address walk. Made
    /// when a rule first has an ipBlock.
    class_sigs: OnceCell<Vec<ClassSig<'i>>>,
    /// namespaceSelector matches already known (a patched copy's parent's).
    ns_known: Option<&'i HashMap<LabelSelector, Vec<u32>>>,
    ns_memo: HashMap<&'i LabelSelector, Vec<u32>>,
    ip_memo: HashMap<&'i IpBlock, Vec<ClassId>>,
    /// Whether rules may add port names (the full compile, not a patch).
    new_names: bool,
}

impl<'i> Ctx<'i> {
    fn new(idx: &'i Index, ns_id: &'i HashMap<String, u32>, ns_names: &'i [String]) -> Self {
        Ctx {
            idx,
            ns_id,
            ns_names,
            ns_labels: OnceCell::new(),
            class_sigs: OnceCell::new(),
            ns_known: None,
            ns_memo: HashMap::new(),
            ip_memo: HashMap::new(),
            new_names: false,
        }
    }
}

/// `idx.ns_labels(n)` for each of `names` (sorted), walking the index's
/// namespaces (sorted by name too) alongside instead of looking each up.
pub(super) fn ns_label_table<'i>(idx: &'i Index, names: &[String]) -> Vec<Cow<'i, Labels>> {
    let mut listed = idx.namespaces().peekable();
    names
        .iter()
        .map(|n| {
            while listed.next_if(|o| o.name.as_str() < n.as_str()).is_some() {}
            match listed.next_if(|o| o.name == *n) {
                Some(o) => Cow::Borrowed(&o.labels),
                None => idx.ns_labels(n),
            }
        })
        .collect()
}

impl CompiledData {
    /// The state's allowed pod pairs, if counted yet.
    pub fn pod_pair_total(&self) -> Option<u64> {
        self.pod_pair_total.get().copied()
    }

    fn build(idx: &Index) -> Self {
        let ns_names = Arc::new(idx.namespace_names());
        let ns_id: HashMap<String, u32> = (ns_names.iter().enumerate())
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
        let mut cx = Ctx::new(idx, &ns_id, &ns_names);
        let cap = idx.class_capacity();
        let mut class_ns = vec![u32::MAX; cap];
        let mut ns_classes = vec![Vec::new(); ns_names.len()];
        let mut classes = Vec::new();
        // Classes come mostly grouped by namespace: look a name up once per run.
        let mut last: Option<(&str, u32)> = None;
        for (id, c) in idx.classes() {
            if c.host_network {
                continue;
            }
            let n = match last {
                Some((name, n)) if name == c.namespace => n,
                _ => cx.ns_id[c.namespace.as_str()],
            };
            last = Some((c.namespace.as_str(), n));
            class_ns[id.index()] = n;
            ns_classes[n as usize].push(id);
            classes.push(id);
        }
        classes.sort_unstable();
        for v in &mut ns_classes {
            v.sort_unstable();
        }
        let mut d = CompiledData {
            ing_by_ns: vec![Vec::new(); ns_names.len()],
            eg_by_ns: vec![Vec::new(); ns_names.len()],
            ns_names: ns_names.clone(),
            ns_id: Arc::default(),
            ns_sel: Arc::default(),
            class_ns: Arc::new(class_ns),
            ns_classes: Arc::new(ns_classes),
            classes: Arc::new(classes),
            egress: vec![None; cap],
            ingress: vec![None; cap],
            rules: Vec::new(),
            rule_ns: Vec::new(),
            ing_all: Vec::new(),
            ing_by_class: vec![Vec::new(); cap],
            eg_all: Vec::new(),
            eg_by_class: vec![Vec::new(); cap],
            owners: Vec::new(),
            pod_pair_total: OnceLock::new(),
            port_names: Arc::default(),
            class_named: Arc::new((0..cap).map(|_| OnceLock::new()).collect()),
        };
        // Policies come sorted by namespace, as the names are: walk both
        // instead of looking each namespace up (a lookup if not found).
        let mut at = 0;
        cx.new_names = true;
        for p in idx.policies() {
            while ns_names
                .get(at)
                .is_some_and(|n| n.as_str() < p.namespace.as_str())
            {
                at += 1;
            }
            let own_ns = match ns_names.get(at) {
                Some(n) if *n == p.namespace => Some(at as u32),
                _ => cx.ns_id.get(p.namespace.as_str()).copied(),
            };
            if let Some(n) = own_ns {
                d.add_policy(p, n, &mut cx);
            }
        }
        d.ns_sel = Arc::new(
            cx.ns_memo
                .into_iter()
                .map(|(k, v)| (k.clone(), v))
                .collect(),
        );
        d.ns_id = Arc::new(ns_id);
        d
    }

    /// This state's compilation for a fork that differs only by the
    /// NetworkPolicies of `namespaces` (same classes, namespaces and
    /// ipBlock CIDRs, as [`Index::policy_only_fork`] says): a copy in which
    /// only those namespaces' policies are compiled again. None when the
    /// fork's namespace list differs.
    pub fn patched(&self, after: &Index, namespaces: &BTreeSet<String>) -> Option<CompiledData> {
        // Only the changed namespaces can enter or leave the list (by
        // having policies or none any more).
        let same = (namespaces.iter())
            .all(|n| self.ns_names.binary_search(n).is_ok() == after.lists_namespace(n));
        if !same || after.class_capacity() != self.egress.len() {
            return None;
        }
        let mut cx = Ctx::new(after, &self.ns_id, &self.ns_names);
        // Same namespaces and labels: the parent's selector matches hold.
        cx.ns_known = Some(&self.ns_sel);
        let mut d = self.clone();
        d.pod_pair_total = OnceLock::new();
        let ids: BTreeSet<u32> = namespaces
            .iter()
            .filter_map(|n| cx.ns_id.get(n.as_str()).copied())
            .collect();
        // The old rules select nothing any more; the reverse index may
        // still name them, harmlessly (it is read through `owners`).
        let none = Arc::new(Vec::new());
        for (i, n) in d.rule_ns.iter().enumerate() {
            if ids.contains(n) {
                d.owners[i] = none.clone();
            }
        }
        for &n in &ids {
            // Only a namespace's own policies select its pods.
            for &c in &d.ns_classes[n as usize] {
                d.egress[c.index()] = None;
                d.ingress[c.index()] = None;
            }
            for p in after.policies_in(&self.ns_names[n as usize]) {
                d.add_policy(p, n, &mut cx);
            }
        }
        Some(d)
    }

    /// The id of port name `n`, added if `add` (the full compile only).
    fn port_name_id(&mut self, n: &str, add: bool) -> Option<u32> {
        if let Some(&i) = self.port_names.get(n) {
            return Some(i);
        }
        let names = Arc::get_mut(&mut self.port_names).filter(|_| add)?;
        let i = names.len() as u32;
        names.insert(n.to_string(), i);
        Some(i)
    }

    /// Compiles `p`'s rules and attaches them to the classes it selects
    /// (of namespace id `own_ns`, its namespace's).
    fn add_policy<'i>(&mut self, p: &'i Policy, own_ns: u32, cx: &mut Ctx<'i>) {
        let idx = cx.idx;
        let selected: Arc<Vec<ClassId>> = Arc::new(
            self.ns_classes[own_ns as usize]
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
            let first = self.rules.len();
            for rule in rule_list {
                let target = compile_target(rule, own_ns, &self.ns_classes, cx);
                // Reverse index of rules by who they admit.
                let i = self.rules.len();
                let (all, by_ns, by_class) = if is_ingress {
                    (
                        &mut self.ing_all,
                        &mut self.ing_by_ns,
                        &mut self.ing_by_class,
                    )
                } else {
                    (&mut self.eg_all, &mut self.eg_by_ns, &mut self.eg_by_class)
                };
                if target.all {
                    all.push(i);
                }
                for &n in &target.namespaces {
                    by_ns[n as usize].push(i);
                }
                for &c in &target.classes {
                    by_class[c.index()].push(i);
                }
                let fixed = (!has_named(&rule.ports)).then(|| rule_port_set(&rule.ports, None));
                let name_ids = match fixed {
                    Some(_) => Box::default(),
                    None => (rule.ports.iter())
                        .map(|pp| match &pp.port {
                            Some(PortRef::Name(n)) => self.port_name_id(n, cx.new_names),
                            _ => None,
                        })
                        .collect(),
                };
                self.rules.push(Arc::new(CompiledRule {
                    target,
                    ports: rule.ports.clone(),
                    fixed,
                    name_ids,
                }));
                self.rule_ns.push(own_ns);
                self.owners.push(selected.clone());
            }
            let table = if is_ingress {
                &mut self.ingress
            } else {
                &mut self.egress
            };
            for &c in selected.iter() {
                // Selected with no rules still isolates: Some(empty).
                let slot = &mut table[c.index()];
                let mut ids = slot.as_deref().unwrap_or_default().to_vec();
                ids.extend(first..self.rules.len());
                *slot = Some(ids.into());
            }
        }
    }
}

fn compile_target<'i>(
    rule: &'i Rule,
    own_ns: u32,
    ns_classes: &[Vec<ClassId>],
    cx: &mut Ctx<'i>,
) -> Target {
    let idx = cx.idx;
    let mut t = Target {
        all: rule.peers.is_empty(),
        namespaces: vec![],
        classes: vec![],
        blocks: vec![],
    };
    for peer in &rule.peers {
        match peer {
            Peer::IpBlock(b) => {
                t.blocks.push(b.clone());
                // Identical ipBlocks recur across policies: match pods once.
                let sigs = cx.class_sigs.get_or_init(|| {
                    (idx.classes())
                        .filter(|(_, c)| !c.host_network && !c.ip_sig.is_empty())
                        .map(|(id, c)| (id, c.ip_sig.as_slice()))
                        .collect()
                });
                t.classes.extend(
                    cx.ip_memo
                        .entry(b)
                        .or_insert_with(|| block_classes(idx, b, sigs))
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
                    Some(sel) => match cx.ns_known.and_then(|k| k.get(sel)) {
                        Some(v) => v.clone(),
                        None => {
                            let labels =
                                (cx.ns_labels).get_or_init(|| ns_label_table(idx, cx.ns_names));
                            (cx.ns_memo.entry(sel))
                                .or_insert_with(|| {
                                    (labels.iter().enumerate())
                                        .filter(|(_, l)| sel.matches(l))
                                        .map(|(i, _)| i as u32)
                                        .collect()
                                })
                                .clone()
                        }
                    },
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
