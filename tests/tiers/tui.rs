//! The TUI with cluster-scoped tiers: the tree's cluster-scoped section,
//! its policy view, and the pod panes' headline.

use std::path::PathBuf;

use crossterm::event::KeyCode;
use netpol_tui::engine::index::Index;
use netpol_tui::source::files::load_paths;
use netpol_tui::tui::app::SourceInfo;
use netpol_tui::tui::harness::Harness;
use netpol_tui::tui::theme::{Theme, ThemeKind};

fn harness() -> Harness {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    let l = load_paths(&[root.join("demo")]);
    assert!(l.errors.is_empty(), "{:#?}", l.errors);
    Harness::new(
        Index::from_snapshot(l.snapshot),
        SourceInfo::new(netpol_tui::source::Origin::Demo),
        Theme::new(ThemeKind::Mono),
        160,
        45,
    )
}

#[test]
fn the_tree_has_a_cluster_scoped_section_with_a_policy_view() {
    let mut h = harness();
    h.key(KeyCode::End);
    let t = h.text();
    assert!(t.contains("cluster-scoped tiers (3)"), "{t}");
    h.key(KeyCode::Right);
    let t = h.text();
    // In evaluation order: Admin by priority, then Baseline.
    let (a, b, c) = (
        t.find("Admin p10 cnp/platform-guardrails"),
        t.find("Admin p20 cnp/pci-isolation"),
        t.find("Baseline p100 cnp/legacy-default"),
    );
    assert!(a.is_some() && b > a && c > b, "{t}");
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    let t = h.text();
    assert!(
        t.contains("Admin tier, priority 20 (ClusterNetworkPolicy)"),
        "{t}"
    );
    assert!(
        t.contains(
            "subject: namespaces compliance=pci -> 4 pods: payments/api, payments/api-canary"
        ),
        "{t}"
    );
    assert!(
        t.contains("ingress rule 3 \"deny-outside-pci\": Deny"),
        "{t}"
    );
    assert!(
        t.contains("from namespaces team=monitoring -> 3 pods: monitoring/alertmanager"),
        "{t}"
    );
    // The YAML follows the resolved rules.
    assert!(t.contains("YAML"), "{t}");
    assert!(t.contains("kind: ClusterNetworkPolicy"), "{t}");
}

#[test]
fn a_pod_pane_names_the_tiers_around_networkpolicy() {
    let mut h = harness();
    h.keys("/");
    h.keys("ftp-bridge");
    h.key(KeyCode::Enter);
    let t = h.text();
    // One tier per line when the pane is narrow.
    assert!(t.contains("NetworkPolicy: not isolated"), "{t}");
    assert!(
        t.contains("-> Baseline: cnp/legacy-default priority 100"),
        "{t}"
    );
    // legacy has not opted into the Admin guardrails; the shop has.
    assert!(!t.contains("cnp/platform-guardrails"), "{t}");
    let mut h = harness();
    h.keys("/");
    h.keys("checkout");
    h.key(KeyCode::Enter);
    let t = h.text();
    assert!(
        t.contains("Admin: cnp/platform-guardrails priority 10"),
        "{t}"
    );
}

#[test]
fn the_status_bar_says_when_the_tier_crds_are_not_installed() {
    use netpol_tui::source::live::{Health, TierHealth};
    use netpol_tui::tui::update::Msg;
    let mut h = harness();
    let mut health = Health::new("https://x", "ctx");
    health.tiers = Some(TierHealth::NotInstalled);
    h.send(Msg::Source(netpol_tui::tui::live::health_msgs(&health)));
    let t = h.text();
    assert!(t.contains("tiers not installed"), "{t}");
    health.tiers = Some(TierHealth::Listed(3));
    h.send(Msg::Source(netpol_tui::tui::live::health_msgs(&health)));
    let t = h.text();
    assert!(t.contains("tiers Live"), "{t}");
}
