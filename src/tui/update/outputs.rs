//! Job results coming back, and the lint job.

use super::*;

pub(super) fn spawn_lint(app: &mut App, fx: &mut Vec<Effect>) {
    let id = app.job_id();
    app.findings.pending = Some(id);
    fx.push(Effect::Spawn(Job::Lint {
        id,
        index: app.index.clone(),
        live: matches!(app.source.kind, crate::source::Origin::Live { .. }),
    }));
}

pub(super) fn job_done(app: &mut App, out: JobOutput, fx: &mut Vec<Effect>) {
    match out {
        JobOutput::Matrix {
            id,
            generation,
            zoom,
            data,
        } => {
            if let MatrixData::Namespaces(m) = &data {
                app.matrix_cache = Some((generation, m.clone()));
            }
            let Overlay::Matrix(st) = &mut app.overlay else {
                return;
            };
            if st.pending != Some(id) {
                return;
            }
            st.pending = None;
            st.generation = generation;
            st.zoom = zoom;
            if let MatrixData::Namespaces(m) = &data {
                st.cluster = Some(m.clone());
            }
            if let Some(want) = st.want.take() {
                let pos = match &data {
                    MatrixData::Namespaces(m) => m.names.iter().position(|n| *n == want),
                    MatrixData::Pods(_) => None,
                };
                if let Some(p) = pos {
                    st.row = p;
                    st.col = p;
                }
            }
            let n = data.len();
            st.row = st.row.min(n.saturating_sub(1));
            st.col = st.col.min(n.saturating_sub(1));
            st.data = Some(data);
            // Changed again while computing: go again.
            if generation != app.index.generation() {
                let zoom = st.zoom.clone();
                spawn_matrix(app, zoom, fx);
            }
        }
        JobOutput::Candidates { id, data } => {
            if app.candidates_pending == Some(id) {
                app.candidates_pending = None;
            }
            app.candidates = Some(data.clone());
            if let Overlay::Finder(f) = &mut app.overlay {
                f.candidates = Some(data);
                f.matches = None;
                f.matched_query.clear();
                spawn_search(app, fx);
            }
        }
        JobOutput::Search {
            id,
            query,
            matches,
            top,
        } => {
            let Overlay::Finder(f) = &mut app.overlay else {
                return;
            };
            if f.pending != Some(id) {
                return;
            }
            f.pending = None;
            f.matches = Some(matches);
            f.matched_query = query;
            f.top = top;
            f.selected = f.selected.min(f.rows().saturating_sub(1));
            if f.accept_when_ready {
                f.accept_when_ready = false;
                finder_accept(app);
            }
        }
        JobOutput::Warm { generation } => super::warm::warm_done(app, generation),
        JobOutput::Lint {
            id,
            generation,
            rows,
        } => {
            if app.findings.pending == Some(id) {
                app.findings.pending = None;
            }
            app.findings.set(rows, generation);
            // Badges carry finding counts.
            refresh_tree(app);
            app.detail_key = None;
        }
        JobOutput::WhatIf {
            id,
            generation,
            outcome,
            read,
        } => {
            if whatif::job_done(app, id, generation, outcome, read, fx) {
                refresh_tree(app);
            }
        }
        JobOutput::Rollout {
            id,
            generation,
            data,
        } => rows_done(app, id, generation, data, fx),
        JobOutput::Suggest {
            id,
            namespace,
            suggested,
        } => suggest_done(app, id, namespace, suggested, fx),
    }
}
