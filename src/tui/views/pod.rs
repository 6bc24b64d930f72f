//! A pod: labels, declared ports, the policies that select it, and one pane
//! per direction: the posture first, then who is allowed, grouped by
//! namespace and workload, open-ended selectors, and IP ranges, each with
//! ports and the policy rule that allows it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::engine::index::{ClassId, Index};
use crate::engine::model::{ContainerPort, Direction, Labels, Peer, PodKey, PolicyKey};
use crate::engine::posture::{Posture, ports_text};

use super::super::app::{App, Pane};
use super::super::theme::Theme;
use super::{Areas, inner_w, pane_block, scrolled};
use crate::engine::text::plural;

/// Which rule allows an entry, on which ports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Via {
    pub policy: PolicyKey,
    pub rule: usize,
    pub ports: String,
}

/// A workload (or a bare pod) of a namespace that a rule admits by name.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub pods: usize,
    pub via: Vec<Via>,
}

#[derive(Debug, Clone)]
pub struct NsGroup {
    pub namespace: String,
    pub entries: Vec<Entry>,
}

/// A peer that admits whole namespaces: its selector and what it matches now.
#[derive(Debug, Clone)]
pub struct OpenPeer {
    pub description: String,
    pub matches: Vec<(String, usize)>,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub struct IpPeer {
    pub description: String,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub struct SideModel {
    pub direction: Direction,
    pub headline: String,
    pub isolated_by: Vec<PolicyKey>,
    pub any: Vec<Via>,
    pub by_ns: Vec<NsGroup>,
    pub open: Vec<OpenPeer>,
    pub ips: Vec<IpPeer>,
}

#[derive(Debug, Clone)]
pub struct PodModel {
    pub key: PodKey,
    pub workload: String,
    pub labels: Labels,
    pub ports: Vec<ContainerPort>,
    pub ips: Vec<String>,
    pub host_network: bool,
    pub ingress: SideModel,
    pub egress: SideModel,
}

/// Entries shown per list before "… and N more".
const MAX_ROWS: usize = 60;

/// A peer resolved against the index: what it says and whom it matches
/// now, grouped for display. Shared by every pod whose rules use the same
/// peer (the same ipBlock or selectors), for one index generation.
#[derive(Debug)]
pub struct Resolved {
    pub description: String,
    pub namespaces: Vec<String>,
    /// Matched pods: namespace -> workload (or pod) -> pod names.
    pub groups: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

/// Peer resolutions, reused while the index does not change. Moving through
/// pods of a big cluster would otherwise resolve the same `0.0.0.0/0` or
/// "kube-dns in kube-system" peer again for every pod.
#[derive(Debug, Default)]
pub struct PeerCache {
    generation: u64,
    map: HashMap<(Option<String>, Peer), Arc<Resolved>>,
}

impl PeerCache {
    pub fn resolve(&mut self, idx: &Index, policy_ns: &str, peer: &Peer) -> Arc<Resolved> {
        if self.generation != idx.generation() {
            self.map.clear();
            self.generation = idx.generation();
        }
        // Only a podSelector alone depends on the policy's namespace.
        let ns_key = match peer {
            Peer::Pods {
                namespace_selector: None,
                ..
            } => Some(policy_ns.to_string()),
            _ => None,
        };
        self.map
            .entry((ns_key, peer.clone()))
            .or_insert_with(|| {
                let mut groups: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> =
                    BTreeMap::new();
                for k in idx.peer_pods(policy_ns, peer) {
                    let name = match idx.pod_owner(&k) {
                        Some(o) => format!("{}[{}]", o.name, o.kind),
                        None => k.name.clone(),
                    };
                    groups
                        .entry(k.namespace)
                        .or_default()
                        .entry(name)
                        .or_default()
                        .insert(k.name);
                }
                Arc::new(Resolved {
                    description: idx.describe_peer(policy_ns, peer),
                    namespaces: idx.peer_namespaces(policy_ns, peer),
                    groups,
                })
            })
            .clone()
    }
}

/// namespace -> entry name -> (pods, rules that admit them).
type Grouped = BTreeMap<String, BTreeMap<String, (BTreeSet<String>, BTreeSet<Via>)>>;

fn side(idx: &Index, cache: &mut PeerCache, class: ClassId, dir: Direction) -> SideModel {
    let isolating = idx.isolating_policies(class, dir);
    let isolated_by: Vec<PolicyKey> = isolating.iter().map(|p| p.key()).collect();
    let headline = Posture {
        direction: dir,
        isolated_by: isolated_by.clone(),
        rules: vec![],
    }
    .headline();
    let mut m = SideModel {
        direction: dir,
        headline,
        isolated_by,
        any: vec![],
        by_ns: vec![],
        open: vec![],
        ips: vec![],
    };
    // namespace -> entry name -> (pods, vias)
    let mut groups: Grouped = BTreeMap::new();
    for p in &isolating {
        for (ri, r) in p.rules(dir).iter().enumerate() {
            let via = Via {
                policy: p.key(),
                rule: ri,
                ports: ports_text(&r.ports),
            };
            if r.peers.is_empty() {
                m.any.push(via.clone());
            }
            for peer in &r.peers {
                let res = cache.resolve(idx, &p.namespace, peer);
                let open_ended = match peer {
                    Peer::IpBlock(_) => true,
                    Peer::Pods { pod_selector, .. } => {
                        pod_selector.as_ref().is_none_or(|s| s.is_empty())
                    }
                };
                if matches!(peer, Peer::IpBlock(_)) {
                    m.ips.push(IpPeer {
                        description: res.description.clone(),
                        via: via.clone(),
                    });
                } else if open_ended {
                    let mut counts: BTreeMap<String, usize> =
                        res.namespaces.iter().map(|n| (n.clone(), 0)).collect();
                    for (ns, wl) in &res.groups {
                        *counts.entry(ns.clone()).or_default() +=
                            wl.values().map(BTreeSet::len).sum::<usize>();
                    }
                    m.open.push(OpenPeer {
                        description: res.description.clone(),
                        matches: counts.into_iter().collect(),
                        via: via.clone(),
                    });
                } else {
                    for (ns, wls) in &res.groups {
                        let g = groups.entry(ns.clone()).or_default();
                        for (wl, pods) in wls {
                            let e = g.entry(wl.clone()).or_default();
                            if e.0.is_empty() {
                                e.0 = pods.clone();
                            } else {
                                e.0.extend(pods.iter().cloned());
                            }
                            e.1.insert(via.clone());
                        }
                    }
                }
            }
        }
    }
    m.by_ns = groups
        .into_iter()
        .map(|(namespace, entries)| NsGroup {
            namespace,
            entries: entries
                .into_iter()
                .map(|(name, (pods, via))| Entry {
                    name,
                    pods: pods.len(),
                    via: via.into_iter().collect(),
                })
                .collect(),
        })
        .collect();
    m
}

/// The view model of a pod (None: the pod is gone).
pub fn model(idx: &Index, cache: &mut PeerCache, key: &PodKey) -> Option<PodModel> {
    let pod = idx.pod(key)?;
    let class = idx.pod_class(key)?;
    Some(PodModel {
        key: key.clone(),
        workload: idx.workload_of(key),
        labels: pod.labels,
        ports: pod.ports,
        ips: pod.ips.iter().map(|i| i.to_string()).collect(),
        host_network: pod.host_network,
        ingress: side(idx, cache, class, Direction::Ingress),
        egress: side(idx, cache, class, Direction::Egress),
    })
}

fn kv<'a>(k: &'static str, v: Vec<Span<'a>>, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(format!("{k:<17}"), theme.dim)];
    spans.extend(v);
    Line::from(spans)
}

pub fn header_lines<'a>(m: &'a PodModel, theme: &Theme) -> Vec<Line<'a>> {
    let labels: Vec<Span> = if m.labels.is_empty() {
        vec![Span::styled("(none)", theme.dim)]
    } else {
        m.labels
            .iter()
            .enumerate()
            .flat_map(|(i, (k, v))| {
                [
                    Span::raw(if i > 0 { "  " } else { "" }),
                    Span::styled(format!("{k}={v}"), theme.label),
                ]
            })
            .collect()
    };
    let ports = if m.ports.is_empty() {
        "(none declared)".to_string()
    } else {
        m.ports
            .iter()
            .map(|p| match &p.name {
                Some(n) => format!("{n} {}/{}", p.port, p.protocol),
                None => format!("{}/{}", p.port, p.protocol),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let by = |s: &SideModel| -> Vec<Span<'a>> {
        if s.isolated_by.is_empty() {
            vec![Span::styled("none (not isolated)", theme.warn)]
        } else {
            vec![Span::styled(
                s.isolated_by
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                theme.policy,
            )]
        }
    };
    let mut v = vec![
        kv("workload", vec![Span::raw(m.workload.clone())], theme),
        kv("labels", labels, theme),
        kv("ports", vec![Span::raw(ports)], theme),
        kv(
            "IPs",
            vec![Span::raw(if m.ips.is_empty() {
                "(unknown)".to_string()
            } else {
                m.ips.join(", ")
            })],
            theme,
        ),
    ];
    if m.host_network {
        v.push(kv(
            "hostNetwork",
            vec![Span::styled(
                "yes: NetworkPolicy does not apply to this pod",
                theme.warn,
            )],
            theme,
        ));
    } else {
        v.push(kv("ingress policies", by(&m.ingress), theme));
        v.push(kv("egress policies", by(&m.egress), theme));
    }
    v
}

fn via_spans<'a>(v: &'a Via, theme: &Theme) -> Vec<Span<'a>> {
    vec![
        Span::styled(v.ports.clone(), theme.key),
        Span::styled("  via ", theme.dim),
        Span::styled(v.policy.name.clone(), theme.policy),
        Span::styled(format!(" rule {}", v.rule + 1), theme.dim),
    ]
}

/// An entry and the rule that allows it: one line when it fits in
/// `width`, else the rule goes on the next line, indented.
fn push_entry<'a>(
    out: &mut Vec<Line<'a>>,
    lead: Vec<Span<'a>>,
    via: &'a Via,
    theme: &Theme,
    width: usize,
) {
    let mut v = via_spans(via, theme);
    let w = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let lead_blank = lead.iter().all(|s| s.content.trim().is_empty());
    if w(&lead) + w(&v) <= width {
        out.push(Line::from([lead, v].concat()));
        return;
    }
    if !lead_blank {
        out.push(Line::from(lead));
    }
    let pad = Span::raw("    ");
    if 4 + w(&v) <= width {
        out.push(Line::from([vec![pad], v].concat()));
    } else {
        // Ports on one line, the rule on the next.
        let rest = v.split_off(1);
        out.push(Line::from([vec![pad.clone()], v].concat()));
        let mut rest = rest;
        rest[0] = Span::styled("via ", theme.dim);
        out.push(Line::from([vec![pad], rest].concat()));
    }
}

/// The pane's lines for one direction, laid out for `width` columns.
pub fn side_lines<'a>(
    m: &'a PodModel,
    s: &'a SideModel,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    if m.host_network {
        out.push(Line::styled(
            "hostNetwork pod: NetworkPolicy does not govern it",
            theme.warn,
        ));
        return out;
    }
    let isolated = !s.isolated_by.is_empty();
    let hs = if isolated { theme.allow } else { theme.warn };
    match s.headline.split_once(": ") {
        Some((a, b)) if s.headline.chars().count() > width => {
            out.push(Line::styled(format!("{a}:"), hs));
            out.push(Line::styled(b.to_string(), hs));
        }
        _ => out.push(Line::styled(s.headline.clone(), hs)),
    }
    if !isolated {
        out.push(Line::styled(
            format!(
                "no policy selects this pod for {}",
                s.direction.as_str().to_lowercase()
            ),
            theme.dim,
        ));
        return out;
    }
    let (from, dir) = match s.direction {
        Direction::Ingress => ("from", "ingress"),
        Direction::Egress => ("to", "egress"),
    };
    if s.any.is_empty() && s.by_ns.is_empty() && s.open.is_empty() && s.ips.is_empty() {
        out.push(Line::styled(
            format!("nothing: every {dir} connection is denied"),
            theme.deny,
        ));
        return out;
    }
    if !s.any.is_empty() {
        out.push(Line::default());
        out.push(Line::styled(
            format!("{from} anyone (every pod and address)"),
            theme.title,
        ));
        for v in &s.any {
            push_entry(&mut out, vec![Span::raw("  ")], v, theme, width);
        }
    }
    for g in s.by_ns.iter().take(MAX_ROWS) {
        out.push(Line::default());
        out.push(Line::from(vec![
            Span::styled(format!("{from} namespace "), theme.title),
            Span::styled(g.namespace.clone(), theme.ns),
        ]));
        let w = g
            .entries
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(0)
            .min(40);
        for e in g.entries.iter().take(MAX_ROWS) {
            let count = if e.pods > 1 {
                format!(" ×{}", e.pods)
            } else {
                String::new()
            };
            for (i, v) in e.via.iter().enumerate() {
                let name = if i == 0 {
                    format!("{}{count}", e.name)
                } else {
                    String::new()
                };
                let lead = vec![
                    Span::raw("  "),
                    Span::styled(format!("{name:<w$}   ", w = w + 4), theme.pod),
                ];
                push_entry(&mut out, lead, v, theme, width);
            }
        }
        if g.entries.len() > MAX_ROWS {
            out.push(Line::styled(
                format!("  … and {} more", g.entries.len() - MAX_ROWS),
                theme.dim,
            ));
        }
    }
    if s.by_ns.len() > MAX_ROWS {
        out.push(Line::styled(
            format!("… and {} more namespaces", s.by_ns.len() - MAX_ROWS),
            theme.dim,
        ));
    }
    for o in &s.open {
        out.push(Line::default());
        out.push(Line::styled(
            format!("{from} {}", o.description),
            theme.title,
        ));
        push_entry(&mut out, vec![Span::raw("  ")], &o.via, theme, width);
        let total: usize = o.matches.iter().map(|(_, n)| n).sum();
        let list: Vec<String> = o
            .matches
            .iter()
            .take(8)
            .map(|(ns, n)| format!("{ns} ({n})"))
            .collect();
        let more = if o.matches.len() > 8 {
            format!(", … {} more namespaces", o.matches.len() - 8)
        } else {
            String::new()
        };
        let text = if list.is_empty() {
            "no namespace matches".to_string()
        } else {
            list.join(", ") + &more
        };
        out.push(Line::from(vec![
            Span::styled(
                format!("  matches now: {} in ", plural(total, "pod", "pods")),
                theme.dim,
            ),
            Span::styled(text, theme.info),
        ]));
    }
    if !s.ips.is_empty() {
        out.push(Line::default());
        out.push(Line::styled(format!("{from} IP ranges"), theme.title));
        for ip in &s.ips {
            let desc = ip.description.trim_start_matches("ipBlock ").to_string();
            push_entry(
                &mut out,
                vec![
                    Span::raw("  "),
                    Span::styled(format!("{desc}   "), theme.pod),
                ],
                &ip.via,
                theme,
                width,
            );
        }
    }
    out
}

pub fn render(frame: &mut Frame, a: &Areas, app: &App, m: &PodModel) {
    let theme = &app.theme;
    let browse = matches!(app.overlay, super::super::app::Overlay::None);
    if let Some(h) = a.header {
        let b = pane_block(&format!(" Pod {} ", m.key), false, theme);
        scrolled(frame, h, header_lines(m, theme), 0, b, theme);
    }
    let b = pane_block(" Ingress ", browse && app.focus == Pane::Main, theme);
    scrolled(
        frame,
        a.main,
        side_lines(m, &m.ingress, theme, inner_w(a.main)),
        app.scroll_main,
        b,
        theme,
    );
    if let Some(second) = a.second {
        let b = pane_block(" Egress ", browse && app.focus == Pane::Second, theme);
        scrolled(
            frame,
            second,
            side_lines(m, &m.egress, theme, inner_w(second)),
            app.scroll_second,
            b,
            theme,
        );
    }
}
