//! The main screen (tree and panes).

use super::*;

pub(super) fn browse(app: &mut App, a: Action, pos: Option<Position>, fx: &mut Vec<Effect>) {
    match a {
        Action::Help => open_help(app),
        Action::WhatIf => whatif::open(app),
        Action::Rollout => open_rollout(app, fx),
        Action::Finder => open_finder(app, Purpose::Jump, fx),
        Action::Close => app.focus = Pane::Tree,
        // Available with a pod selected (`Needs::Pod`).
        Action::Trace => {
            if let Selected::Pod(k) = &app.selected {
                let st = TraceState::new(End::Pod(k.clone()));
                open_finder(app, Purpose::TraceTo(Box::new(st)), fx);
            }
        }
        Action::Matrix => {
            let want = app.selected.namespace().unwrap_or_default().to_string();
            let mut st = MatrixState {
                want: Some(want),
                ..Default::default()
            };
            let cached = app
                .matrix_cache
                .clone()
                .filter(|(g, _)| *g == app.index.generation());
            match cached {
                Some((g, m)) => {
                    st.generation = g;
                    st.cluster = Some(m.clone());
                    if let Some(p) = m.names.iter().position(|n| Some(n) == st.want.as_ref()) {
                        st.row = p;
                        st.col = p;
                    }
                    st.want = None;
                    st.data = Some(MatrixData::Namespaces(m));
                    app.overlay = Overlay::Matrix(Box::new(st));
                }
                None => {
                    app.overlay = Overlay::Matrix(Box::new(st));
                    spawn_matrix(app, None, fx);
                }
            }
        }
        Action::ToggleFindings => {
            app.findings.visible = !app.findings.visible;
            if !app.findings.visible && app.focus == Pane::Findings {
                app.focus = Pane::Tree;
            }
        }
        Action::NextPane | Action::PrevPane => {
            let p = panes(app);
            let i = p.iter().position(|x| *x == app.focus).unwrap_or(0);
            let j = if a == Action::NextPane {
                (i + 1) % p.len()
            } else {
                (i + p.len() - 1) % p.len()
            };
            app.focus = p[j];
        }
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => move_in(app, app.focus, a),
        Action::Left => match app.focus {
            Pane::Tree => {
                let cur = app.tree_state.borrow().selected().to_vec();
                match cur.len() {
                    2 if cur[0] == TreeId::Tiers => {
                        app.tree_state.borrow_mut().select(cur[..1].to_vec());
                        app.selected = Selected::None;
                    }
                    // A backend: back to its Service.
                    3 => select_path(app, cur[..2].to_vec()),
                    2 if is_open_service(app, &cur) => set_service_open(app, &cur, false),
                    2 => select(app, selected_of(&cur[..1])),
                    1 if app.tree_state.borrow().opened().contains(&cur) => {
                        set_open(app, &cur[0], false)
                    }
                    _ => {}
                }
            }
            Pane::Second => app.focus = Pane::Main,
            _ => app.focus = Pane::Tree,
        },
        Action::Right => match app.focus {
            Pane::Tree => {
                let cur = app.tree_state.borrow().selected().to_vec();
                if cur.len() == 1 {
                    if app.tree_state.borrow().opened().contains(&cur) {
                        tree_move(app, |i, _| i + 1);
                    } else {
                        set_open(app, &cur[0], true);
                    }
                } else if is_closed_service(app, &cur) {
                    set_service_open(app, &cur, true);
                } else if panes(app).contains(&Pane::Main) {
                    app.focus = Pane::Main;
                }
            }
            Pane::Main if panes(app).contains(&Pane::Second) => app.focus = Pane::Second,
            _ => {}
        },
        Action::Activate => match app.focus {
            Pane::Tree => {
                let cur = app.tree_state.borrow().selected().to_vec();
                if cur.len() == 1 {
                    let open = app.tree_state.borrow().opened().contains(&cur);
                    set_open(app, &cur[0], !open);
                } else if matches!(cur.get(1), Some(TreeId::Service(_))) && cur.len() == 2 {
                    let open = is_open_service(app, &cur);
                    set_service_open(app, &cur, !open);
                } else if panes(app).contains(&Pane::Main) {
                    app.focus = Pane::Main;
                }
            }
            Pane::Findings => {
                let rows = app.findings.all(&app.source.errors, &app.source.warnings);
                if let Some(r) = rows.get(app.findings.selected) {
                    let t = r.target();
                    if t != Selected::None {
                        select(app, t);
                        app.focus = Pane::Tree;
                    }
                }
            }
            _ => {}
        },
        Action::ScrollUp | Action::ScrollDown => scroll_at(app, a, pos),
        Action::Click => click(app, pos),
        _ => {}
    }
}
