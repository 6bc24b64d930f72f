//! The connectivity matrix.

use super::*;

pub(super) fn spawn_matrix(app: &mut App, zoom: Option<String>, fx: &mut Vec<Effect>) {
    let id = app.job_id();
    if let Overlay::Matrix(m) = &mut app.overlay {
        m.pending = Some(id);
    }
    fx.push(Effect::Spawn(Job::Matrix {
        id,
        index: app.index.clone(),
        zoom,
    }));
}

pub(super) fn matrix(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let body = layout(app).body;
    let Overlay::Matrix(m) = &mut app.overlay else {
        return;
    };
    let n = m.data.as_ref().map_or(0, |d| d.len());
    let (rows, cols, _) = grid_fit(body, n, 28);
    let last = n.saturating_sub(1);
    match a {
        Action::Close => app.overlay = Overlay::None,
        Action::Up | Action::ScrollUp => m.row = m.row.saturating_sub(1),
        Action::Down | Action::ScrollDown => m.row = (m.row + 1).min(last),
        Action::Left => m.col = m.col.saturating_sub(1),
        Action::Right => m.col = (m.col + 1).min(last),
        Action::PageUp => m.row = m.row.saturating_sub(rows.max(1)),
        Action::PageDown => m.row = (m.row + rows.max(1)).min(last),
        Action::Top => {
            m.row = 0;
            m.col = 0;
        }
        Action::Bottom => {
            m.row = last;
            m.col = last.min(m.col.max(cols.saturating_sub(1)));
        }
        Action::Activate => {
            if let Some(MatrixData::Namespaces(d)) = &m.data
                && let Some(ns) = d.names.get(m.row).cloned()
            {
                m.data = None;
                m.zoom = Some(ns.clone());
                m.row = 0;
                m.col = 0;
                m.want = None;
                spawn_matrix(app, Some(ns), fx);
            }
        }
        Action::ZoomOut => {
            if let Some(ns) = m.zoom.take() {
                match m.cluster.clone() {
                    Some(c) => {
                        let p = c.names.iter().position(|x| *x == ns).unwrap_or(0);
                        m.row = p;
                        m.col = p;
                        m.data = Some(MatrixData::Namespaces(c));
                        m.pending = None;
                        if m.generation != app.index.generation() {
                            spawn_matrix(app, None, fx);
                        }
                    }
                    None => {
                        m.data = None;
                        m.want = Some(ns);
                        spawn_matrix(app, None, fx);
                    }
                }
            }
        }
        Action::Help => open_help(app),
        Action::Finder => open_finder(app, Purpose::Jump, fx),
        _ => {}
    }
}
