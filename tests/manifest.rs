//! The YAML the tool writes (engine::manifest) parses back to the same
//! model objects: every demo policy, the default-deny bundle, the draft
//! template, lint fixes, and label values YAML would read as non-strings.

use netpol_tui::engine::findings::{LintOptions, lint};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::manifest::policy_yaml;
use netpol_tui::engine::model::{LabelSelector, Operator, Policy, Requirement};
use netpol_tui::engine::proposal::{default_deny_bundle, default_deny_policies, template};
use netpol_tui::source::files::load_sources;

fn load(yaml: &str) -> Vec<Policy> {
    let l = load_sources(&[("out.yaml".to_string(), yaml.to_string())]);
    assert!(l.errors.is_empty(), "{:?}\n{yaml}", l.errors);
    assert!(l.warnings.is_empty(), "{:?}\n{yaml}", l.warnings);
    l.snapshot.policies
}

#[test]
fn every_demo_policy_round_trips() {
    let demo = netpol_tui::source::demo::load().snapshot;
    assert!(!demo.policies.is_empty());
    for p in &demo.policies {
        let y = policy_yaml(p);
        assert_eq!(load(&y), vec![p.clone()], "{y}");
    }
}

#[test]
fn odd_label_values_stay_strings() {
    let [mut p, _] = default_deny_policies("app");
    p.pod_selector = LabelSelector {
        match_labels: [
            ("enabled", "true"),
            ("tier", "1"),
            ("ver", "1.5"),
            ("empty", ""),
            ("n", "no"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        match_expressions: vec![Requirement {
            key: "team".into(),
            op: Operator::In(vec!["0x1F".into(), "null".into()]),
        }],
    };
    let y = policy_yaml(&p);
    assert_eq!(load(&y), vec![p], "{y}");
}

#[test]
fn the_bundle_is_the_typed_policies() {
    let mut want = default_deny_policies("we\"ird-ns").to_vec();
    want.sort_by(|a, b| a.name.cmp(&b.name));
    let y = default_deny_bundle("we\"ird-ns");
    assert!(y.starts_with("# Default deny for namespace"), "{y}");
    let l = load_sources(&[("b.yaml".to_string(), y.clone())]);
    // The name is not a valid namespace, but the YAML parses to the policies.
    assert!(
        l.errors.iter().all(|e| !e.message.contains("YAML")),
        "{:?}",
        l.errors
    );
    let mut got = load(&default_deny_bundle("app"));
    got.sort_by(|a, b| a.name.cmp(&b.name));
    let mut want_app = default_deny_policies("app").to_vec();
    want_app.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(got, want_app);
}

#[test]
fn the_template_uncommented_is_a_policy() {
    let t = template("shop");
    assert!(t.lines().all(|l| l.starts_with('#')), "{t}");
    let body: String = t
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| {
            !l.starts_with("What-if")
                && !l.starts_with("and ")
                && !l.starts_with("separated")
                && !l.starts_with("nothing")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let p = load(&body);
    assert_eq!(p.len(), 1, "{body}");
    assert_eq!(
        (p[0].namespace.as_str(), p[0].name.as_str()),
        ("shop", "allow-web")
    );
}

#[test]
fn demo_lint_fixes_that_are_policies_parse() {
    let idx = Index::from_snapshot(netpol_tui::source::demo::load().snapshot);
    let mut n = 0;
    for f in lint(&idx, &LintOptions::default()) {
        if let Some(fix) = f.fix.filter(|x| x.starts_with("apiVersion:")) {
            assert_eq!(load(&fix).len(), 1, "{fix}");
            n += 1;
        }
    }
    assert!(n > 0);
}
