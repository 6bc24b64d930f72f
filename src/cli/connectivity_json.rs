//! `connectivity -o json`, streamed: the netpol-connectivity/v1 document is
//! written source pod by source pod, straight from the class connectivity,
//! without building the report's rows first. The bytes are exactly those of
//! pretty-printing the whole document with serde_json ([`super::connectivity::json`],
//! kept as the reference that the tests compare against).
//!
//! Every pod of a class has the same destinations, so a class's sorted
//! destination list, with each `"to"`/`"allowed"` text already rendered, is
//! built once (per namespace, to bound memory) and copied for each member.

use std::collections::HashMap;
use std::io::{self, Write};
use std::rc::Rc;

use crate::engine::connectivity::{ClassConnectivity, class_connectivity};
use crate::engine::index::{ClassId, Index};
use crate::engine::model::PodKey;
use crate::engine::ports::PortSet;

/// One destination: its name and the rendered tail of a connection object
/// (`"to": ..., "allowed": {...}` and the closing brace).
type Dest = (String, Rc<str>);

/// Writes the document for `idx` to `out`.
pub fn write(idx: &Index, out: &mut dyn Write) -> io::Result<()> {
    write_from(idx, &class_connectivity(idx), out)
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The `allowed` map as serde_json pretty-prints it at the depth it has in
/// the document (inside a connection object, itself inside `connections`).
fn allowed_text(ports: &PortSet) -> String {
    let map = ports.to_json_map();
    let text = serde_json::to_string_pretty(&map).unwrap_or_else(|_| "{}".to_string());
    text.replace('\n', "\n      ")
}

pub(crate) fn write_from(
    idx: &Index,
    cc: &ClassConnectivity,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Every pod with its class, sorted by name (the contract's order).
    let mut pods: Vec<(String, ClassId, bool)> = Vec::new();
    for (id, c) in idx.classes() {
        for m in &c.members {
            pods.push((PodKey::new(&c.namespace, m).to_string(), id, c.host_network));
        }
    }
    pods.sort_unstable();
    out.write_all(b"{\n  \"schema\": \"netpol-connectivity/v1\",\n  \"pods\": [")?;
    for (i, (name, _, _)) in pods.iter().enumerate() {
        out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        out.write_all(quoted(name).as_bytes())?;
    }
    out.write_all(if pods.is_empty() {
        b"],\n"
    } else {
        b"\n  ],\n"
    })?;
    out.write_all(b"  \"connections\": [")?;

    // Class -> (server class, ports), explicit pairs; the open block
    // (egress-open clients to ingress-open servers, all ports) is implicit.
    let mut adj: HashMap<ClassId, Vec<(ClassId, &PortSet)>> = HashMap::new();
    for (a, b, p) in &cc.pairs {
        adj.entry(*a).or_default().push((*b, p));
    }
    let open_egress: std::collections::HashSet<ClassId> = cc.open_egress.iter().copied().collect();
    let all = PortSet::all();
    let all_text: Rc<str> = Rc::from(allowed_text(&all));

    let dests_of = |a: ClassId| -> Vec<Dest> {
        let mut by_class: Vec<(ClassId, Option<&PortSet>)> = adj
            .get(&a)
            .map(|v| v.iter().map(|(b, p)| (*b, Some(*p))).collect())
            .unwrap_or_default();
        if open_egress.contains(&a) {
            by_class.extend(cc.open_ingress.iter().map(|&b| (b, None)));
        }
        // One server class may come twice: the report merges with union.
        by_class.sort_by_key(|(b, _)| *b);
        let mut merged: Vec<(ClassId, PortSet)> = Vec::with_capacity(by_class.len());
        for (b, p) in by_class {
            let p = p.unwrap_or(&all);
            match merged.last_mut() {
                Some((lb, lp)) if *lb == b => lp.union_with(p),
                _ => merged.push((b, p.clone())),
            }
        }
        let mut dests: Vec<Dest> = Vec::new();
        for (b, p) in merged {
            let class = idx.class(b);
            if class.host_network {
                continue;
            }
            let allowed: Rc<str> = if p == all {
                all_text.clone()
            } else {
                Rc::from(allowed_text(&p))
            };
            for m in &class.members {
                let name = PodKey::new(&class.namespace, m).to_string();
                dests.push((name, allowed.clone()));
            }
        }
        dests.sort_unstable_by(|x, y| x.0.cmp(&y.0));
        dests
    };

    let mut cache: HashMap<ClassId, Rc<Vec<Dest>>> = HashMap::new();
    let mut cache_ns = String::new();
    let mut first = true;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    for (name, class, host) in &pods {
        if *host {
            continue;
        }
        let ns = name.split('/').next().unwrap_or_default();
        if ns != cache_ns {
            cache.clear();
            cache_ns = ns.to_string();
        }
        let dests = cache
            .entry(*class)
            .or_insert_with(|| Rc::new(dests_of(*class)))
            .clone();
        let from = quoted(name);
        for (to, allowed) in dests.iter() {
            if to == name {
                continue; // no self-connections
            }
            buf.extend_from_slice(if first {
                b"\n    {\n      \"from\": "
            } else {
                b",\n    {\n      \"from\": "
            });
            first = false;
            buf.extend_from_slice(from.as_bytes());
            buf.extend_from_slice(b",\n      \"to\": ");
            push_quoted(&mut buf, to);
            buf.extend_from_slice(b",\n      \"allowed\": ");
            buf.extend_from_slice(allowed.as_bytes());
            buf.extend_from_slice(b"\n    }");
            if buf.len() >= 1 << 16 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)?;
    out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    out.flush()
}

/// A JSON string literal; names needing no escapes (all real pod names) are
/// copied as they are.
fn push_quoted(buf: &mut Vec<u8>, s: &str) {
    if s.bytes()
        .all(|b| b >= 0x20 && b != b'"' && b != b'\\' && b < 0x7f)
    {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        buf.extend_from_slice(quoted(s).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::connectivity::{Granularity, report};
    use crate::source::synth::{SynthSpec, generate};

    fn streamed(idx: &Index) -> String {
        let mut out = Vec::new();
        write(idx, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn reference(idx: &Index) -> String {
        super::super::connectivity::json(&report(idx, Granularity::Pod))
    }

    #[test]
    fn same_bytes_as_the_whole_document() {
        let mut spec = SynthSpec::with_pods(200);
        spec.open_every = 3;
        let idx = Index::from_snapshot(generate(spec));
        assert_eq!(streamed(&idx), reference(&idx));
        let demo = Index::from_snapshot(crate::source::demo::load().snapshot);
        assert_eq!(streamed(&demo), reference(&demo));
    }

    #[test]
    fn empty_cluster() {
        let idx = Index::from_snapshot(Default::default());
        assert_eq!(streamed(&idx), reference(&idx));
    }
}
