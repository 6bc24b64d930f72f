//! Heatmap of allowed connectivity: namespaces x namespaces (share of pod
//! pairs allowed on some port), or pods x pods inside one namespace. The
//! data is computed off the UI thread (see `jobs`).

use std::collections::HashMap;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::engine::connectivity::class_connectivity;
use crate::engine::index::{ClassId, Index};
use crate::engine::ports::PortSet;

use super::super::app::App;
use super::super::theme::Theme;
use super::pane_block;
use crate::engine::text::plural;

/// Namespaces x namespaces. Counts are pod pairs (hostNetwork pods left out).
#[derive(Debug, Clone, Default)]
pub struct NsMatrix {
    pub names: Vec<String>,
    pub pods: Vec<u64>,
    /// Explicit pairs (at least one side isolated): allowed pod pairs and ports.
    pub cells: HashMap<(u32, u32), (u64, PortSet)>,
    /// Pods open for egress / ingress per namespace: every such pair is
    /// allowed everything (kept implicit, it is quadratic).
    pub open_e: Vec<u64>,
    pub open_i: Vec<u64>,
    /// Per namespace: pods open both ways (their pairs with themselves are
    /// in the implicit block but are not connections).
    pub open_both: Vec<u64>,
}

impl NsMatrix {
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// (allowed pod pairs, all pod pairs, ports allowed on some pair).
    pub fn cell(&self, a: usize, b: usize) -> (u64, u64, PortSet) {
        let total = if a == b {
            self.pods[a] * self.pods[a].saturating_sub(1)
        } else {
            self.pods[a] * self.pods[b]
        };
        let mut open = self.open_e[a] * self.open_i[b];
        if a == b {
            open -= self.open_both[a];
        }
        let (mut n, mut ports) = self
            .cells
            .get(&(a as u32, b as u32))
            .cloned()
            .unwrap_or_default();
        n += open;
        if open > 0 {
            ports = PortSet::all();
        }
        (n.min(total), total, ports)
    }
}

pub fn compute_namespaces(idx: &Index) -> NsMatrix {
    let names = idx.namespace_names();
    let ns_id: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i as u32))
        .collect();
    let n = names.len();
    let mut m = NsMatrix {
        pods: vec![0; n],
        open_e: vec![0; n],
        open_i: vec![0; n],
        open_both: vec![0; n],
        ..Default::default()
    };
    let mut class_ns = vec![u32::MAX; idx.class_capacity()];
    let mut size = vec![0u64; idx.class_capacity()];
    for (id, c) in idx.classes() {
        if c.host_network {
            continue;
        }
        let ns = ns_id[c.namespace.as_str()];
        class_ns[id.index()] = ns;
        size[id.index()] = c.members.len() as u64;
        m.pods[ns as usize] += c.members.len() as u64;
    }
    let cc = class_connectivity(idx);
    for (a, b, ports) in &cc.pairs {
        let (na, nb) = (class_ns[a.index()], class_ns[b.index()]);
        let count = if a == b {
            size[a.index()] * size[a.index()].saturating_sub(1)
        } else {
            size[a.index()] * size[b.index()]
        };
        if count == 0 {
            continue;
        }
        let e = m.cells.entry((na, nb)).or_default();
        e.0 += count;
        e.1.union_with(ports);
    }
    let mut open_in = vec![false; idx.class_capacity()];
    for &b in &cc.open_ingress {
        m.open_i[class_ns[b.index()] as usize] += size[b.index()];
        open_in[b.index()] = true;
    }
    for &a in &cc.open_egress {
        let ns = class_ns[a.index()] as usize;
        m.open_e[ns] += size[a.index()];
        if open_in[a.index()] {
            m.open_both[ns] += size[a.index()];
        }
    }
    m.names = names;
    m
}

/// Pods x pods of one namespace.
#[derive(Debug, Clone, Default)]
pub struct PodMatrix {
    pub namespace: String,
    pub pods: Vec<String>,
    /// Index into `classes` per pod.
    pub class_of: Vec<usize>,
    /// Allowed ports between classes [from][to].
    pub ports: Vec<Vec<PortSet>>,
    pub host_network: usize,
}

pub fn compute_pods(idx: &Index, ns: &str) -> PodMatrix {
    let mut classes: Vec<ClassId> = idx
        .classes_in(ns)
        .filter(|&c| !idx.class(c).host_network)
        .collect();
    classes.sort_unstable();
    let local: HashMap<ClassId, usize> = classes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut pods = Vec::new();
    let mut class_of = Vec::new();
    let mut host_network = 0;
    for k in idx.pods_in(ns) {
        match idx.pod_class(k).and_then(|c| local.get(&c)) {
            Some(&i) => {
                pods.push(k.name.clone());
                class_of.push(i);
            }
            None => host_network += 1,
        }
    }
    let k = classes.len();
    let mut ports = vec![vec![PortSet::none(); k]; k];
    if k > 0 {
        let cc = class_connectivity(idx);
        for (a, b, p) in &cc.pairs {
            if let (Some(&i), Some(&j)) = (local.get(a), local.get(b)) {
                ports[i][j].union_with(p);
            }
        }
        let oi: Vec<usize> = cc
            .open_ingress
            .iter()
            .filter_map(|c| local.get(c).copied())
            .collect();
        for a in cc.open_egress.iter().filter_map(|c| local.get(c)) {
            for &b in &oi {
                ports[*a][b] = PortSet::all();
            }
        }
    }
    PodMatrix {
        namespace: ns.to_string(),
        pods,
        class_of,
        ports,
        host_network,
    }
}

#[derive(Debug, Clone)]
pub enum MatrixData {
    Namespaces(Arc<NsMatrix>),
    Pods(Arc<PodMatrix>),
}

impl MatrixData {
    pub fn len(&self) -> usize {
        match self {
            MatrixData::Namespaces(m) => m.len(),
            MatrixData::Pods(m) => m.pods.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn label(&self, i: usize) -> &str {
        match self {
            MatrixData::Namespaces(m) => &m.names[i],
            MatrixData::Pods(m) => &m.pods[i],
        }
    }

    fn cell(&self, i: usize, j: usize, theme: &Theme) -> (&'static str, Style) {
        match self {
            MatrixData::Namespaces(m) => {
                let (n, total, _) = m.cell(i, j);
                if total == 0 {
                    return ("  ", theme.dim);
                }
                theme.heat_cell(n as f64 / total as f64)
            }
            MatrixData::Pods(m) => {
                if i == j {
                    return ("--", theme.dim);
                }
                let p = &m.ports[m.class_of[i]][m.class_of[j]];
                if p.is_all() {
                    theme.heat_cell(1.0)
                } else if p.is_empty() {
                    theme.heat_cell(0.0)
                } else {
                    theme.heat_cell(0.5)
                }
            }
        }
    }

    fn describe(&self, i: usize, j: usize) -> String {
        match self {
            MatrixData::Namespaces(m) => {
                let (n, total, ports) = m.cell(i, j);
                let share = (n * 100).checked_div(total).unwrap_or(0);
                let what = if n == 0 {
                    String::new()
                } else {
                    format!(": {ports}")
                };
                format!(
                    "{} → {}: {n} of {} allowed ({share}%){what}",
                    m.names[i],
                    m.names[j],
                    plural(total as usize, "pod pair", "pod pairs")
                )
            }
            MatrixData::Pods(m) => {
                if i == j {
                    return format!(
                        "{}: a pod to itself is not governed by NetworkPolicy",
                        m.pods[i]
                    );
                }
                let p = &m.ports[m.class_of[i]][m.class_of[j]];
                format!("{} → {}: {p}", m.pods[i], m.pods[j])
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct MatrixState {
    /// None: namespaces x namespaces; Some(ns): pods x pods of ns.
    pub zoom: Option<String>,
    pub data: Option<MatrixData>,
    /// Kept to come back from a zoom without recomputing.
    pub cluster: Option<Arc<NsMatrix>>,
    /// Generation of the index `data` was computed from.
    pub generation: u64,
    /// The job being waited for.
    pub pending: Option<u64>,
    pub row: usize,
    pub col: usize,
    /// Cursor to put on this namespace when the data arrives.
    pub want: Option<String>,
}

/// Cells per screen: (rows, columns) for an area, given the data size.
pub fn grid_fit(area: Rect, n: usize, label_w: usize) -> (usize, usize, usize) {
    let cw = (digits(n) + 1).max(3);
    let inner_w = area.width.saturating_sub(2) as usize;
    let inner_h = area.height.saturating_sub(2) as usize;
    let rows = inner_h.saturating_sub(5);
    let cols = inner_w.saturating_sub(label_w + 6) / cw;
    (rows, cols, cw)
}

fn digits(n: usize) -> usize {
    n.max(1).to_string().len()
}

/// First index shown so that `cursor` is visible, centred when it can be.
fn window(cursor: usize, n: usize, fit: usize) -> usize {
    if fit == 0 || n <= fit {
        return 0;
    }
    cursor.saturating_sub(fit / 2).min(n - fit)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, st: &MatrixState) {
    let theme = &app.theme;
    let title = match &st.zoom {
        None => " Matrix: namespaces × namespaces (row: from, column: to) ".to_string(),
        Some(ns) => format!(" Matrix: pods × pods in {ns} (row: from, column: to) "),
    };
    let stale = st.pending.is_some() && st.data.is_some();
    let block = pane_block(&title, true, theme).title_bottom(Line::styled(
        if stale { " recomputing… " } else { "" },
        theme.warn,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(data) = &st.data else {
        frame.render_widget(
            Paragraph::new(Line::styled("computing connectivity…", theme.dim)),
            inner,
        );
        return;
    };
    let n = data.len();
    if n == 0 {
        frame.render_widget(
            Paragraph::new(Line::styled("nothing to show: no pods", theme.dim)),
            inner,
        );
        return;
    }
    let label_w = (0..n)
        .map(|i| data.label(i).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 28);
    let (rows, cols, cw) = grid_fit(area, n, label_w);
    let nw = digits(n);
    let r0 = window(st.row, n, rows);
    let c0 = window(st.col, n, cols);
    let [legend, grid, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(3),
    ])
    .areas(inner);

    let mut leg = vec![Span::styled("legend: ", theme.dim)];
    let shades: &[(f64, &str)] = match data {
        MatrixData::Namespaces(_) => &[
            (0.0, "none"),
            (0.1, "<25%"),
            (0.5, "<75%"),
            (0.9, "<100%"),
            (1.0, "all pod pairs"),
        ],
        MatrixData::Pods(_) => &[(0.0, "nothing"), (0.5, "some ports"), (1.0, "everything")],
    };
    for (f, what) in shades {
        let (g, s) = theme.heat_cell(*f);
        leg.push(Span::styled(g, s));
        leg.push(Span::styled(format!(" {what}  "), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(leg)), legend);

    let mut lines = Vec::new();
    let mut head = vec![Span::raw(" ".repeat(nw + 1 + label_w + 1))];
    for j in c0..(c0 + cols).min(n) {
        let style = if j == st.col {
            theme.selected
        } else {
            theme.dim
        };
        head.push(Span::styled(format!("{:>cw$}", j + 1), style));
    }
    lines.push(Line::from(head));
    for i in r0..(r0 + rows).min(n) {
        let lstyle = if i == st.row {
            theme.selected
        } else {
            theme.ns
        };
        let name: String = data.label(i).chars().take(label_w).collect();
        let mut spans = vec![
            Span::styled(format!("{:>nw$} ", i + 1), theme.dim),
            Span::styled(format!("{name:<label_w$}"), lstyle),
            Span::raw(" "),
        ];
        for j in c0..(c0 + cols).min(n) {
            let (g, mut s) = data.cell(i, j, theme);
            if i == st.row && j == st.col {
                s = s
                    .patch(theme.selected)
                    .add_modifier(ratatui::style::Modifier::REVERSED);
            }
            spans.push(Span::raw(" ".repeat(cw - 2)));
            spans.push(Span::styled(g, s));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), grid);

    let (row, col) = (st.row.min(n - 1), st.col.min(n - 1));
    let mut d = vec![Line::styled(data.describe(row, col), theme.info)];
    let more = if n > rows.min(cols) {
        format!("{n} rows: move to scroll · ")
    } else {
        String::new()
    };
    d.push(Line::styled(
        match data {
            MatrixData::Namespaces(_) => format!(
                "{more}Enter: pods × pods of {} · Esc: close",
                data.label(row)
            ),
            MatrixData::Pods(m) => {
                let h = if m.host_network > 0 {
                    format!("{} hostNetwork pods not shown · ", m.host_network)
                } else {
                    String::new()
                };
                format!("{more}{h}Backspace: namespaces × namespaces · Esc: close")
            }
        },
        theme.dim,
    ));
    frame.render_widget(Paragraph::new(d), detail);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::PodKey;
    use crate::engine::verdict::Endpoint;

    /// Every pod pair, one verdict each: what the matrices must agree with.
    fn pods(idx: &Index) -> Vec<(PodKey, ClassId)> {
        idx.pod_keys()
            .filter_map(|k| idx.pod_class(k).map(|c| (k.clone(), c)))
            .filter(|(_, c)| !idx.class(*c).host_network)
            .collect()
    }

    #[test]
    fn namespace_matrix_matches_pairwise_verdicts() {
        let idx = Index::from_snapshot(crate::source::demo::load().snapshot);
        let m = compute_namespaces(&idx);
        let all = pods(&idx);
        let mut want: HashMap<(usize, usize), (u64, u64)> = HashMap::new();
        for (a, ca) in &all {
            for (b, cb) in &all {
                if a == b {
                    continue;
                }
                let na = m.names.iter().position(|n| *n == a.namespace).expect("ns");
                let nb = m.names.iter().position(|n| *n == b.namespace).expect("ns");
                let v = idx
                    .pair_verdict(Endpoint::Class(*ca), Endpoint::Class(*cb))
                    .expect("verdict");
                let e = want.entry((na, nb)).or_default();
                e.1 += 1;
                if !v.allowed.is_empty() {
                    e.0 += 1;
                }
            }
        }
        for i in 0..m.len() {
            for j in 0..m.len() {
                let (n, total, _) = m.cell(i, j);
                assert_eq!(
                    (n, total),
                    want.get(&(i, j)).copied().unwrap_or_default(),
                    "{} -> {}",
                    m.names[i],
                    m.names[j]
                );
            }
        }
    }

    #[test]
    fn pod_matrix_matches_pairwise_verdicts() {
        let idx = Index::from_snapshot(crate::source::demo::load().snapshot);
        for ns in idx.namespace_names() {
            let m = compute_pods(&idx, &ns);
            for (i, a) in m.pods.iter().enumerate() {
                for (j, b) in m.pods.iter().enumerate() {
                    if i == j {
                        continue;
                    }
                    let ca = idx.pod_class(&PodKey::new(&ns, a)).expect("class");
                    let cb = idx.pod_class(&PodKey::new(&ns, b)).expect("class");
                    let v = idx
                        .pair_verdict(Endpoint::Class(ca), Endpoint::Class(cb))
                        .expect("verdict");
                    assert_eq!(
                        m.ports[m.class_of[i]][m.class_of[j]], v.allowed,
                        "{ns}: {a} -> {b}"
                    );
                }
            }
        }
    }
}
