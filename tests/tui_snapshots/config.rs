//! The user's key bindings (config file) as the help overlay and the status
//! bar show them, and as they act.

use super::*;

#[test]
fn help_and_hints_show_the_users_bindings() {
    let config = netpol_tui::tui::config::parse(
        "[keys.global]\nhelp = \"F1\"\n[keys.browse]\nmatrix = [\"M\", \"Ctrl-X\"]\n[keys.help]\nclose = \"Esc\"\n",
    )
    .expect("valid config");
    let mut h = demo();
    h.app.keymap = config.keymap;
    // The status bar names the new help key.
    let start = h.text();
    let status = start.lines().last().unwrap_or_default();
    assert!(status.contains("F1 help"), "{status}");
    // `?` no longer opens the help; F1 does, and it lists the new keys.
    h.keys("?");
    assert!(matches!(h.app.overlay, Overlay::None));
    h.key(KeyCode::F(1));
    let help = h.text();
    assert!(help.contains("Help: keys (Esc to close)"), "{help}");
    // The help row of `what`, its keys first.
    let keys_of = |what: &str| -> String {
        let line = help.lines().find(|l| l.contains(what)).unwrap_or_default();
        let row = line.split('┃').nth(1).unwrap_or_default();
        row.split("  ")
            .find(|c| !c.is_empty())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_eq!(keys_of("help (this overlay)"), "F1", "{help}");
    assert_eq!(keys_of("connectivity matrix"), "M / Ctrl-X", "{help}");
    assert_eq!(keys_of("show/hide the findings"), "f", "{help}");
    h.keys("G");
    let end = h.text();
    assert!(end.contains("Help (F1)"), "{end}");
    // The new key acts.
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.overlay, Overlay::None));
    h.keys("M");
    assert!(
        matches!(h.app.overlay, Overlay::Matrix(_)),
        "M opens the matrix"
    );
}
