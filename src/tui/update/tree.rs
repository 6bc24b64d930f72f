//! The tree: selection, opening namespaces, moving.

use super::*;

/// Selects an item, opening its namespace when needed.
pub fn select(app: &mut App, sel: Selected) {
    let path = path_of(&sel);
    if path.len() == 2 {
        set_open(app, &path[0], true);
    }
    app.tree_state.borrow_mut().select(path.clone());
    app.selected = selected_of(&path);
}

pub(super) fn set_open(app: &mut App, ns: &TreeId, open: bool) {
    if *ns == TreeId::Tiers {
        // Its rows are always built.
        let mut st = app.tree_state.borrow_mut();
        if open {
            st.open(vec![ns.clone()]);
        } else {
            st.close(std::slice::from_ref(ns));
        }
        return;
    }
    let TreeId::Ns(name) = ns else { return };
    let changed = {
        let mut st = app.tree_state.borrow_mut();
        if open {
            st.open(vec![ns.clone()])
        } else {
            st.close(std::slice::from_ref(ns))
        }
    };
    if changed {
        let dirty = Dirty::Some(BTreeSet::from([name.to_string()]));
        let names: Vec<String> = app.tree.names.iter().map(|n| n.to_string()).collect();
        refresh_rows(app, &names, &dirty);
    }
}

pub(super) fn tree_move(app: &mut App, f: impl FnOnce(usize, usize) -> usize) {
    let visible = app.tree.visible(&app.tree_state.borrow());
    if visible.is_empty() {
        return;
    }
    let cur = app.tree_state.borrow().selected().to_vec();
    let i = visible.iter().position(|p| *p == cur).unwrap_or(0);
    let j = f(i, visible.len()).min(visible.len() - 1);
    let path = visible[j].clone();
    app.tree_state.borrow_mut().select(path.clone());
    app.selected = selected_of(&path);
}

/// Selects a row by its path.
pub(super) fn select_path(app: &mut App, path: Vec<TreeId>) {
    app.selected = selected_of(&path);
    app.tree_state.borrow_mut().select(path);
}

fn is_service(path: &[TreeId]) -> bool {
    matches!(path, [TreeId::Ns(_), TreeId::Service(_)])
}

pub(super) fn is_open_service(app: &App, path: &[TreeId]) -> bool {
    is_service(path) && app.tree_state.borrow().opened().contains(path)
}

pub(super) fn is_closed_service(app: &App, path: &[TreeId]) -> bool {
    is_service(path) && !app.tree_state.borrow().opened().contains(path)
}

/// Shows or hides a Service's backends (built with its namespace's rows).
pub(super) fn set_service_open(app: &mut App, path: &[TreeId], open: bool) {
    let mut st = app.tree_state.borrow_mut();
    if open {
        st.open(path.to_vec());
    } else {
        st.close(path);
    }
}
