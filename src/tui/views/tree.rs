//! The namespace tree: namespaces with coverage badges; their policies and
//! pods are built only when a namespace is opened, so 10k namespaces cost
//! 10k rows, not 150k.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_tree_widget::{Tree, TreeItem, TreeState};

use crate::engine::index::{ClassId, Index};
use crate::engine::model::{Direction, PodKey, PolicyKey, ServiceKey};

use super::super::app::{App, Pane, Selected};
use super::super::nsstats::{Dirty, NsStats, NsStatsCache};
use super::super::theme::Theme;
use super::pane_block;

/// Identifies a row: names are stable across updates, so selection and
/// opened namespaces survive live changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TreeId {
    Ns(Arc<str>),
    Pod(Arc<str>),
    Policy(Arc<str>),
    /// A Service; its children are its backend pods (`Pod` ids).
    Service(Arc<str>),
    /// The child of a closed namespace (children are built on open).
    Stub,
    /// The cluster-scoped policies (after the namespaces), and one of them.
    Tiers,
    ClusterPolicy(crate::engine::tiers::ClusterPolicyKey),
}

#[derive(Default)]
pub struct TreeModel {
    /// Sorted namespace names, parallel to `items`.
    pub names: Vec<Arc<str>>,
    pub items: Vec<TreeItem<'static, TreeId>>,
}

/// Namespaces whose children are built (opened in the tree state).
pub fn opened_namespaces(state: &TreeState<TreeId>) -> HashSet<Arc<str>> {
    state
        .opened()
        .iter()
        .filter_map(|p| match p.as_slice() {
            [TreeId::Ns(n)] => Some(n.clone()),
            _ => None,
        })
        .collect()
}

fn coverage<'a>(label: &'static str, n: u32, of: u32, theme: &Theme) -> Vec<Span<'a>> {
    let style = if of == 0 {
        theme.dim
    } else if n == of {
        theme.allow
    } else if n == 0 {
        theme.deny
    } else {
        theme.warn
    };
    vec![
        Span::styled(format!(" {label} "), theme.dim),
        Span::styled(format!("{n}/{of}"), style),
    ]
}

fn ns_line(
    name: &str,
    s: NsStats,
    findings: usize,
    touched: usize,
    theme: &Theme,
) -> Line<'static> {
    let mut spans = vec![Span::styled(name.to_string(), theme.ns)];
    spans.extend(coverage("in", s.ingress_isolated, s.pods, theme));
    spans.extend(coverage("eg", s.egress_isolated, s.pods, theme));
    if findings > 0 {
        spans.push(Span::styled(format!(" ⚠{findings}"), theme.warn));
    }
    if touched > 0 {
        spans.push(Span::styled(format!(" Δ{touched}"), theme.info));
    }
    Line::from(spans)
}

/// The badge of a pod the what-if touches.
pub const TOUCHED_BADGE: &str = " Δ";

fn ns_item(
    idx: &Index,
    name: &Arc<str>,
    s: NsStats,
    findings: usize,
    touched: Option<&HashSet<String>>,
    open: bool,
    theme: &Theme,
) -> TreeItem<'static, TreeId> {
    let line = ns_line(name, s, findings, touched.map_or(0, |t| t.len()), theme);
    let has_children = s.pods > 0 || s.policies > 0 || idx.services_in(name).next().is_some();
    let children = if !has_children {
        vec![]
    } else if open {
        children(idx, name, touched, theme)
    } else {
        vec![TreeItem::new_leaf(TreeId::Stub, "…")]
    };
    // Ids are unique by construction (names are unique per kind).
    TreeItem::new(TreeId::Ns(name.clone()), line, children)
        .unwrap_or_else(|_| TreeItem::new_leaf(TreeId::Ns(name.clone()), name.to_string()))
}

/// A namespace's rows: its policies, its Services (with their backend pods
/// as children), then its pods with badges (`touched`: the pods an active
/// what-if touches).
pub fn children(
    idx: &Index,
    ns: &str,
    touched: Option<&HashSet<String>>,
    theme: &Theme,
) -> Vec<TreeItem<'static, TreeId>> {
    let mut out = Vec::new();
    for p in idx.policies_in(ns) {
        let types = match (p.ingress_type, p.egress_type) {
            (true, true) => "in+eg",
            (true, false) => "in",
            (false, true) => "eg",
            (false, false) => "-",
        };
        out.push(TreeItem::new_leaf(
            TreeId::Policy(Arc::from(p.name.as_str())),
            Line::from(vec![
                Span::styled("◆ ", theme.policy),
                Span::styled(p.name.clone(), theme.policy),
                Span::styled(format!(" ({types})"), theme.dim),
            ]),
        ));
    }
    for svc in idx.services_in(ns) {
        out.push(service_item(idx, svc, theme));
    }
    let mut memo: HashMap<ClassId, (bool, bool, bool)> = HashMap::new();
    for k in idx.pods_in(ns) {
        let Some(c) = idx.pod_class(k) else { continue };
        let (host, ing, eg) = *memo.entry(c).or_insert_with(|| {
            let host = idx.class(c).host_network;
            (
                host,
                !host && idx.is_isolated(c, Direction::Ingress),
                !host && idx.is_isolated(c, Direction::Egress),
            )
        });
        let mut spans = vec![
            Span::styled("● ", theme.dim),
            Span::styled(k.name.clone(), theme.pod),
        ];
        if host {
            spans.push(Span::styled(" [hostNetwork]", theme.warn));
        } else {
            // Isolated per direction: ` in✓ eg✗`.
            for (label, on) in [(" in", ing), (" eg", eg)] {
                let style = if on { theme.allow } else { theme.dim };
                spans.push(Span::styled(label, style));
                spans.push(Span::styled(if on { "✓" } else { "✗" }, style));
            }
        }
        if touched.is_some_and(|t| t.contains(&k.name)) {
            spans.push(Span::styled(TOUCHED_BADGE, theme.info));
        }
        out.push(TreeItem::new_leaf(
            TreeId::Pod(Arc::from(k.name.as_str())),
            Line::from(spans),
        ));
    }
    out
}

/// A Service row: `⇄ name 443/TCP (2 backends)`, its backends below it.
fn service_item(
    idx: &Index,
    svc: &crate::engine::model::Service,
    theme: &Theme,
) -> TreeItem<'static, TreeId> {
    let ports: Vec<String> = svc
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.port, p.protocol))
        .collect();
    let backends = idx.service_backends(svc);
    let (note, style) = if !svc.backends_known() {
        ("backends unknown".to_string(), theme.dim)
    } else if backends.is_empty() {
        ("no backends".to_string(), theme.warn)
    } else {
        (
            crate::engine::text::plural(backends.len(), "backend", "backends"),
            theme.dim,
        )
    };
    let line = Line::from(vec![
        Span::styled("⇄ ", theme.info),
        Span::styled(svc.name.clone(), theme.info),
        Span::styled(format!(" {}", ports.join(",")), theme.dim),
        Span::styled(format!(" ({note})"), style),
    ]);
    let children: Vec<TreeItem<'static, TreeId>> = backends
        .iter()
        .map(|k| {
            TreeItem::new_leaf(
                TreeId::Pod(Arc::from(k.name.as_str())),
                Line::from(vec![
                    Span::styled("● ", theme.dim),
                    Span::styled(k.name.clone(), theme.pod),
                ]),
            )
        })
        .collect();
    let id = TreeId::Service(Arc::from(svc.name.as_str()));
    TreeItem::new(id.clone(), line.clone(), children)
        .unwrap_or_else(|_| TreeItem::new_leaf(id, line))
}

/// The cluster-scoped section: every ClusterNetworkPolicy / (Baseline)
/// AdminNetworkPolicy in evaluation order (Admin by priority, then
/// Baseline). None when there is none.
fn tiers_item(idx: &Index, theme: &Theme) -> Option<TreeItem<'static, TreeId>> {
    let pols = idx.cluster_policies();
    if pols.is_empty() {
        return None;
    }
    let children: Vec<TreeItem<'static, TreeId>> = pols
        .iter()
        .map(|p| {
            let prio = if p.has_priority() {
                format!(" p{}", p.priority)
            } else {
                String::new()
            };
            TreeItem::new_leaf(
                TreeId::ClusterPolicy(p.key()),
                Line::from(vec![
                    Span::styled(format!("{}{prio} ", p.tier.as_str()), theme.dim),
                    Span::styled(p.key().to_string(), theme.policy),
                ]),
            )
        })
        .collect();
    let line = Line::from(vec![
        Span::styled("cluster-scoped tiers", theme.ns),
        Span::styled(format!(" ({})", pols.len()), theme.dim),
    ]);
    TreeItem::new(TreeId::Tiers, line, children).ok()
}

/// What rows are built from.
#[derive(Clone, Copy)]
pub struct RowSource<'a> {
    pub idx: &'a Index,
    pub stats: &'a NsStatsCache,
    pub findings: &'a HashMap<String, usize>,
    /// Pods an active what-if touches, by namespace.
    pub touched: &'a HashMap<String, HashSet<String>>,
    pub opened: &'a HashSet<Arc<str>>,
    pub theme: &'a Theme,
}

impl TreeModel {
    /// Brings the rows up to date after index changes (`dirty`) or after a
    /// namespace was opened/closed (pass it in `dirty`).
    pub fn refresh(&mut self, src: &RowSource, names: &[String], dirty: &Dirty) {
        let RowSource {
            idx,
            stats,
            findings,
            touched,
            opened,
            theme,
        } = *src;
        let same_names = self.names.len() == names.len()
            && self.names.iter().zip(names).all(|(a, b)| **a == **b);
        let build = |name: &Arc<str>| {
            ns_item(
                idx,
                name,
                stats.get(name),
                findings.get(&**name).copied().unwrap_or(0),
                touched.get(&**name),
                opened.contains(name),
                theme,
            )
        };
        if !same_names || matches!(dirty, Dirty::All) {
            self.names = names.iter().map(|n| Arc::from(n.as_str())).collect();
            self.items = self.names.iter().map(build).collect();
        } else if let Dirty::Some(set) = dirty {
            for n in set {
                if let Ok(i) = self.names.binary_search_by(|x| (**x).cmp(n.as_str())) {
                    self.items[i] = build(&self.names[i]);
                }
            }
        }
        // The cluster-scoped section comes after the namespaces (`items`
        // stays parallel to `names` before it).
        self.items.truncate(self.names.len());
        self.items.extend(tiers_item(idx, theme));
    }

    /// Every visible row's path, top to bottom.
    pub fn visible(&self, state: &TreeState<TreeId>) -> Vec<Vec<TreeId>> {
        state
            .flatten(&self.items)
            .into_iter()
            .map(|f| f.identifier)
            .collect()
    }
}

pub fn selected_of(path: &[TreeId]) -> Selected {
    match path {
        [TreeId::Ns(n)] => Selected::Namespace(n.to_string()),
        [TreeId::Ns(n), TreeId::Pod(p)] => Selected::Pod(PodKey::new(n, p)),
        [TreeId::Ns(n), TreeId::Policy(p)] => Selected::Policy(PolicyKey::new(n, p)),
        [TreeId::Ns(n), TreeId::Service(s)] => Selected::Service(ServiceKey::new(n, s)),
        // A backend under its Service is the pod itself.
        [TreeId::Ns(n), TreeId::Service(_), TreeId::Pod(p)] => Selected::Pod(PodKey::new(n, p)),
        [TreeId::Tiers, TreeId::ClusterPolicy(k)] => Selected::ClusterPolicy(k.clone()),
        _ => Selected::None,
    }
}

pub fn path_of(sel: &Selected) -> Vec<TreeId> {
    match sel {
        Selected::None => vec![],
        Selected::Namespace(n) => vec![TreeId::Ns(Arc::from(n.as_str()))],
        Selected::Pod(k) => vec![
            TreeId::Ns(Arc::from(k.namespace.as_str())),
            TreeId::Pod(Arc::from(k.name.as_str())),
        ],
        Selected::Policy(k) => {
            vec![
                TreeId::Ns(Arc::from(k.namespace.as_str())),
                TreeId::Policy(Arc::from(k.name.as_str())),
            ]
        }
        Selected::Service(k) => vec![
            TreeId::Ns(Arc::from(k.namespace.as_str())),
            TreeId::Service(Arc::from(k.name.as_str())),
        ],
        Selected::ClusterPolicy(k) => vec![TreeId::Tiers, TreeId::ClusterPolicy(k.clone())],
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let title = format!(" Namespaces ({}) ", app.tree.names.len());
    let block = pane_block(
        &title,
        app.focus == Pane::Tree && matches!(app.overlay, super::super::app::Overlay::None),
        theme,
    );
    if app.tree.items.is_empty() {
        let p = Paragraph::new(Line::styled("no namespaces yet", theme.dim)).block(block);
        frame.render_widget(p, area);
        return;
    }
    match Tree::new(&app.tree.items) {
        Ok(tree) => {
            let tree = tree
                .block(block)
                .highlight_style(theme.selected)
                .highlight_symbol("▌")
                .node_closed_symbol("▸ ")
                .node_open_symbol("▾ ")
                .node_no_children_symbol("  ");
            frame.render_stateful_widget(tree, area, &mut app.tree_state.borrow_mut());
        }
        Err(e) => frame.render_widget(
            Paragraph::new(format!("tree error: {e}")).block(block),
            area,
        ),
    }
}
