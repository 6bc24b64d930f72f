//! Keeping derived state (tree rows, badges, selection, detail, open
//! views) in step with the index.

use super::*;

pub(super) fn flush_pending(app: &mut App, fx: &mut Vec<Effect>) {
    if app.pending.is_empty() {
        return;
    }
    let waited = app
        .pending_since
        .is_some_and(|t| app.now.saturating_duration_since(t) > MAX_QUEUE_AGE);
    let idx = match Arc::get_mut(&mut app.index) {
        Some(idx) => idx,
        // A job still reads the index: copy it only if events waited long.
        None if waited => Arc::make_mut(&mut app.index),
        None => return,
    };
    let mut dirty = Dirty::default();
    for e in app.pending.drain(..) {
        dirty.add(&e);
        idx.apply(e);
    }
    app.pending_since = None;
    after_index_change(app, &dirty, fx);
}

/// Brings derived state (badges, tree rows, selection, open views) up to
/// date with the index.
pub(super) fn after_index_change(app: &mut App, dirty: &Dirty, fx: &mut Vec<Effect>) {
    let names = app.index.namespace_names();
    app.stats.refresh(&app.index, &names, dirty);
    refresh_rows(app, &names, dirty);
    keep_selection(app);
    let generation = app.index.generation();
    if let Overlay::Trace(t) = &mut app.overlay {
        t.recompute(&app.index);
    }
    whatif::index_changed(app, fx);
    let stale_matrix = match &app.overlay {
        Overlay::Matrix(m) => m.pending.is_none() && m.generation != generation,
        _ => false,
    };
    if stale_matrix {
        let zoom = match &app.overlay {
            Overlay::Matrix(m) => m.zoom.clone(),
            _ => None,
        };
        spawn_matrix(app, zoom, fx);
    }
    if matches!(&app.overlay, Overlay::Rollout(r) if r.pending.is_none() && r.generation != generation)
    {
        spawn_rollout(app, fx);
    }
}

/// After the rows changed: keep the selection, or fall back to its
/// namespace, or to the namespace now at its place.
pub(super) fn keep_selection(app: &mut App) {
    let visible = app.tree.visible(&app.tree_state.borrow());
    let cur = app.tree_state.borrow().selected().to_vec();
    if !cur.is_empty() && visible.contains(&cur) {
        return;
    }
    let fallback = match cur.first() {
        Some(TreeId::Ns(n)) if app.tree.names.binary_search(n).is_ok() => {
            Some(vec![TreeId::Ns(n.clone())])
        }
        Some(TreeId::Ns(n)) => {
            let i = app
                .tree
                .names
                .partition_point(|x| x < n)
                .min(app.tree.names.len().saturating_sub(1));
            app.tree.names.get(i).map(|n| vec![TreeId::Ns(n.clone())])
        }
        _ => app.tree.names.first().map(|n| vec![TreeId::Ns(n.clone())]),
    };
    let path = fallback.unwrap_or_default();
    app.tree_state.borrow_mut().select(path.clone());
    app.selected = selected_of(&path);
}

pub(super) fn refresh_detail(app: &mut App) {
    let key = (app.selected.clone(), app.index.generation());
    if app.detail_key.as_ref() == Some(&key) {
        return;
    }
    let same_selection = app.detail_key.as_ref().is_some_and(|(s, _)| *s == key.0);
    let idx = &app.index;
    app.detail = match &app.selected {
        Selected::None => Detail::None,
        Selected::Namespace(ns) => {
            let n = app.findings.by_ns.get(ns).copied().unwrap_or(0);
            Detail::Namespace(Box::new(models::namespace::model(idx, ns, n)))
        }
        Selected::Pod(k) => {
            let rows = recorded_rows(idx, &app.flows, &mut app.flow_rows);
            pod::model(idx, &mut app.peer_cache, k).map_or(Detail::None, |mut m| {
                m.recorded = rows
                    .iter()
                    .flat_map(|r| r.iter())
                    .filter(|r| r.from == m.workload || r.to == m.workload)
                    .cloned()
                    .collect();
                Detail::Pod(Box::new(m))
            })
        }
        Selected::Policy(k) => {
            models::policy::model(idx, k).map_or(Detail::None, |m| Detail::Policy(Box::new(m)))
        }
        Selected::ClusterPolicy(k) => models::cluster_policy::model(idx, k)
            .map_or(Detail::None, |m| Detail::ClusterPolicy(Box::new(m))),
        Selected::Service(k) => {
            models::service::model(idx, k).map_or(Detail::None, |m| Detail::Service(Box::new(m)))
        }
    };
    if !same_selection {
        app.scroll_main = 0;
        app.scroll_second = 0;
    }
    app.detail_key = Some(key);
    // A pane that no longer exists cannot keep the focus.
    if !panes(app).contains(&app.focus) {
        app.focus = Pane::Tree;
    }
}

/// Rebuilds every tree row (badges changed).
pub(crate) fn refresh_tree(app: &mut App) {
    let names = app.index.namespace_names();
    refresh_rows(app, &names, &Dirty::All);
}

/// Rebuilds the `dirty` namespaces' rows from the current state.
pub(super) fn refresh_rows(app: &mut App, names: &[String], dirty: &Dirty) {
    let opened = opened_namespaces(&app.tree_state.borrow());
    let src = RowSource {
        idx: &app.index,
        stats: &app.stats,
        findings: &app.findings.by_ns,
        touched: &app.whatif.touched,
        opened: &opened,
        theme: &app.theme,
    };
    app.tree.refresh(&src, names, dirty);
}

/// The recorded flows' rows per workload for this index generation
/// (computed once per generation, only with `--flows`).
fn recorded_rows(
    idx: &crate::engine::index::Index,
    flows: &Option<std::sync::Arc<crate::engine::flows::Recorded>>,
    cache: &mut Option<(
        u64,
        std::sync::Arc<Vec<crate::engine::flows::status::FlowRow>>,
    )>,
) -> Option<std::sync::Arc<Vec<crate::engine::flows::status::FlowRow>>> {
    let rec = flows.as_ref()?;
    let generation = idx.generation();
    if let Some((g, rows)) = cache
        && *g == generation
    {
        return Some(rows.clone());
    }
    let att = crate::engine::flows::attribute::attribute(idx, rec);
    let rows = std::sync::Arc::new(crate::engine::flows::status::rows(
        &att,
        None,
        crate::engine::connectivity::Granularity::Workload,
    ));
    *cache = Some((generation, rows.clone()));
    Some(rows)
}
