//! The pair loop's questions to a compilation: what a rule, a side or a
//! client allows (named ports resolved against the destination).

use super::compile::{Compiled, CompiledRule, RuleIds, Target};
use crate::engine::index::ClassId;
use crate::engine::ports::{PortSet, policy_port_set, rule_port_set};

impl Compiled<'_> {
    pub(super) fn rule_ports(&self, r: &CompiledRule, dest: Option<ClassId>) -> PortSet {
        if let Some(s) = &r.fixed {
            return s.clone();
        }
        let (Some(d), Some(slot)) = (dest, dest.and_then(|d| self.class_named.get(d.index())))
        else {
            return rule_port_set(&r.ports, dest.map(|d| self.idx.class(d).ports.as_slice()));
        };
        // `rule_port_set` against `d`'s ports, with the names as ids: a
        // named port resolves to the container ports of that name and
        // protocol.
        let named = slot.get_or_init(|| {
            (self.idx.class(d).ports.iter())
                .filter_map(|cp| {
                    let id = *self.port_names.get(cp.name.as_deref()?)?;
                    Some((id, cp.protocol, cp.port))
                })
                .collect()
        });
        if r.ports.is_empty() {
            return PortSet::all();
        }
        let mut s = PortSet::none();
        for (p, id) in r.ports.iter().zip(r.name_ids.iter()) {
            match id {
                Some(k) => {
                    for &(n, protocol, port) in named.iter() {
                        if n == *k && protocol == p.protocol {
                            s.union_with(&PortSet::single(protocol, port));
                        }
                    }
                }
                None => s.union_with(&policy_port_set(p, Some(&self.idx.class(d).ports))),
            }
        }
        s
    }

    /// What one side allows: everything when no policy isolates it (None),
    /// else the union of its rules whose target `admits`; named ports
    /// resolve against `dest`.
    pub(super) fn side_ports(
        &self,
        side: &RuleIds,
        admits: impl Fn(&Target) -> bool,
        dest: Option<ClassId>,
    ) -> PortSet {
        let Some(ids) = side else {
            return PortSet::all();
        };
        let mut s = PortSet::none();
        for &i in ids.iter() {
            let r = &self.rules[i];
            if admits(&r.target) {
                s.union_with(&self.rule_ports(r, dest));
            }
        }
        s
    }

    /// What `client`'s egress side allows towards class `server`.
    pub(super) fn egress_to_class(&self, client: ClassId, server: ClassId) -> PortSet {
        self.side_ports(
            &self.egress[client.index()],
            |t| t.contains_class(server, &self.class_ns),
            Some(server),
        )
    }

    /// Every allowed pair with client `a`. With `with_open` false, pairs of
    /// an egress-open `a` and an ingress-open server are left implicit.
    pub(super) fn client_pairs(
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
                    for &b in self.classes.iter() {
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
                for &ri in ids.iter() {
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
    pub(super) fn ingress_from_class(&self, server: ClassId, client: ClassId) -> PortSet {
        self.side_ports(
            &self.ingress[server.index()],
            |t| t.contains_class(client, &self.class_ns),
            Some(server),
        )
    }
}
