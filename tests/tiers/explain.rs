//! The tier chain in explanations, and ties at one tier and priority.

use super::common::index;
use super::{
    FROM_B, NS_A, TCP, allows, cluster, cnp, np_allow_ingress, np_deny_ingress, verdict, why,
};
use netpol_tui::engine::explain::explain;

#[test]
fn the_deciding_rule_is_named_with_tier_priority_and_rule() {
    let idx = index(&cluster(&cnp(
        "security-baseline",
        "Admin",
        10,
        NS_A,
        &format!(
            "  ingress:\n  - {{action: Accept, from: [{{namespaces: {{matchLabels: {{team: ops}}}}}}]}}\n  - {{name: deny-untrusted, action: Deny, from: {FROM_B}}}\n"
        ),
    )));
    let text = why(&idx, "b/db", "a/web", TCP, 80);
    assert!(
        text.starts_with("DENIED: b/db -> a/web on TCP 80"),
        "{text}"
    );
    assert!(
        text.contains("ingress of a/web: Admin: cnp/security-baseline priority 10, ingress rule 2 \"deny-untrusted\" (Deny); denies"),
        "{text}"
    );
    // The egress side has no cluster-scoped policy: as before.
    assert!(text.contains("egress of b/db: not isolated"), "{text}");
}

#[test]
fn a_pass_shows_the_whole_chain() {
    let idx = index(&cluster(&format!(
        "{}\n---\n{}",
        cnp(
            "monitoring",
            "Admin",
            5,
            NS_A,
            &format!("  ingress:\n  - {{action: Pass, from: {FROM_B}}}\n")
        ),
        cnp(
            "default-deny",
            "Baseline",
            1,
            NS_A,
            &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n")
        )
    )));
    let text = why(&idx, "b/db", "a/web", TCP, 80);
    assert!(
        text.contains("Admin: cnp/monitoring priority 5, ingress rule 1 (Pass) -> NetworkPolicy: not isolated -> Baseline: cnp/default-deny priority 1, ingress rule 1 (Deny); denies"),
        "{text}"
    );
    // With a NetworkPolicy: its rules follow, one level down.
    let idx = index(&cluster(&format!(
        "{}\n---\n{}",
        cnp(
            "monitoring",
            "Admin",
            5,
            NS_A,
            &format!("  ingress:\n  - {{action: Pass, from: {FROM_B}}}\n")
        ),
        np_allow_ingress("a", "{}")
    )));
    let text = why(&idx, "b/db", "a/web", TCP, 80);
    assert!(
        text.contains("(Pass) -> NetworkPolicy: isolated by a/allow; allows"),
        "{text}"
    );
    // Its rules, under the chain line; the chain already said which
    // policies isolate, so that header is not repeated.
    assert!(
        text.contains("✓ ingress rule 1 of a/allow allows"),
        "{text}"
    );
    assert!(!text.contains("isolated by 1 (a/allow)"), "{text}");
}

#[test]
fn without_a_port_every_decision_is_listed_with_its_ports() {
    let idx = index(&cluster(&cnp(
        "p",
        "Admin",
        1,
        NS_A,
        &format!(
            "  ingress:\n  - {{action: Deny, from: {FROM_B}, protocols: [{{tcp: {{destinationPort: {{number: 22}}}}}}]}}\n"
        ),
    )));
    let v = verdict(&idx, "b/db", "a/web");
    let text = explain(&idx, &v, "b/db", "a/web", None).to_text();
    assert!(
        text.contains("Admin: cnp/p priority 1, ingress rule 1 (Deny) on TCP 22"),
        "{text}"
    );
    assert!(
        text.contains("no tier decides: allowed by default on"),
        "{text}"
    );
}

fn tie(a1: &str, a2: &str, extra: &str) -> netpol_tui::engine::index::Index {
    index(&cluster(&format!(
        "{}\n---\n{}{extra}",
        cnp(
            "first",
            "Admin",
            10,
            NS_A,
            &format!("  ingress:\n  - {{action: {a1}, from: {FROM_B}}}\n")
        ),
        cnp(
            "second",
            "Admin",
            10,
            NS_A,
            &format!("  ingress:\n  - {{action: {a2}, from: {FROM_B}}}\n")
        ),
    )))
}

#[test]
fn same_tier_and_priority_with_different_outcomes_names_both_policies() {
    // "the implementation can apply any of the matching policies to the
    // connection, and there is no way for the user to reliably determine
    // which one it will choose."
    let idx = tie("Accept", "Deny", "");
    let text = why(&idx, "b/db", "a/web", TCP, 80);
    let head = text.lines().next().unwrap_or_default();
    assert!(
        head.contains("the outcome depends on implementation order"),
        "{text}"
    );
    assert!(
        head.contains("cnp/first (Accept)") && head.contains("cnp/second (Deny)"),
        "{text}"
    );
    // Traffic neither rule matches has no tie.
    assert!(!why(&idx, "a/api", "a/web", TCP, 80).contains("implementation order"));
}

#[test]
fn ties_that_cannot_change_the_outcome_are_not_reported() {
    // Same action.
    let idx = tie("Deny", "Deny", "");
    assert!(!why(&idx, "b/db", "a/web", TCP, 80).contains("implementation order"));
    // Accept or Pass where nothing after the Admin tier denies: allowed
    // either way.
    let idx = tie("Accept", "Pass", "");
    assert!(allows(&idx, "b/db", "a/web", TCP, 80));
    assert!(!why(&idx, "b/db", "a/web", TCP, 80).contains("implementation order"));
    // Deny or Pass where the NetworkPolicy tier denies: denied either way.
    let idx = tie("Deny", "Pass", &format!("\n---\n{}", np_deny_ingress("a")));
    assert!(!why(&idx, "b/db", "a/web", TCP, 80).contains("implementation order"));
    // Accept or Pass where the NetworkPolicy tier denies: it matters.
    let idx = tie(
        "Pass",
        "Accept",
        &format!("\n---\n{}", np_deny_ingress("a")),
    );
    let text = why(&idx, "b/db", "a/web", TCP, 80);
    assert!(
        text.contains("cnp/first (Pass) and cnp/second (Accept) share Admin priority 10"),
        "{text}"
    );
}

#[test]
fn a_pod_pane_headline_shows_the_tiers_around_networkpolicy() {
    use netpol_tui::engine::model::{Direction, PodKey};
    use netpol_tui::engine::tiers::tier_headline;
    let idx = index(&cluster(&format!(
        "{}\n---\n{}",
        cnp(
            "mon",
            "Admin",
            5,
            NS_A,
            &format!("  ingress:\n  - {{action: Pass, from: {FROM_B}}}\n")
        ),
        cnp(
            "default-deny",
            "Baseline",
            1,
            NS_A,
            &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n")
        )
    )));
    let web = idx.pod_class(&PodKey::new("a", "web")).expect("web");
    let h = tier_headline(
        &idx,
        web,
        Direction::Ingress,
        false,
        "not isolated: all ingress allowed".into(),
    );
    assert_eq!(
        h,
        "Admin: cnp/mon priority 5 -> NetworkPolicy: not isolated -> Baseline: cnp/default-deny priority 1"
    );
    // No cluster-scoped policy for egress: NetworkPolicy's headline as is.
    let h = tier_headline(
        &idx,
        web,
        Direction::Egress,
        false,
        "not isolated: all egress allowed".into(),
    );
    assert_eq!(h, "not isolated: all egress allowed");
}
