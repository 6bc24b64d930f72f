//! The main screen's mouse actions (the keymap's mouse table resolves the
//! gesture; this is what it means where the pointer is).

use super::*;

/// The wheel scrolls the pane under the pointer.
pub(super) fn scroll_at(app: &mut App, a: Action, pos: Option<Position>) {
    let Some(p) = pos.and_then(|p| pane_at(app, p)) else {
        return;
    };
    let d = if a == Action::ScrollUp { -3 } else { 3 };
    match p {
        Pane::Tree => {
            let mut st = app.tree_state.borrow_mut();
            if d < 0 {
                st.scroll_up(3)
            } else {
                st.scroll_down(3)
            };
        }
        Pane::Findings => findings_move(app, d),
        p => scroll_pane(app, p, d),
    }
}

/// A click focuses the pane under the pointer; on a tree row it selects
/// it, and on the selected namespace it opens or closes it.
pub(super) fn click(app: &mut App, pos: Option<Position>) {
    let Some(p) = pos else { return };
    match pane_at(app, p) {
        Some(Pane::Tree) => {
            let hit = app.tree_state.borrow().rendered_at(p).map(|s| s.to_vec());
            app.focus = Pane::Tree;
            if let Some(path) = hit {
                let again = app.tree_state.borrow().selected() == path.as_slice();
                if again && path.len() == 1 {
                    let open = app.tree_state.borrow().opened().contains(&path);
                    set_open(app, &path[0], !open);
                }
                app.tree_state.borrow_mut().select(path.clone());
                app.selected = selected_of(&path);
            }
        }
        Some(pane) => app.focus = pane,
        None => {}
    }
}
