use std::sync::Arc;

use super::compute;
use crate::engine::flows::attribute::attribute;
use crate::engine::flows::{ConnKey, FlowEnd, Recorded};
use crate::engine::index::Index;
use crate::engine::model::Protocol;
use crate::engine::proposal::default_deny_bundle;
use crate::source::synth::{SynthSpec, generate};
use crate::tui::whatif::{YamlInput, compute_attributed};

/// The rollout rows against the what-if job itself, run on each
/// namespace's default-deny bundle as YAML (what `d` in the what-if does).
fn assert_same_as_the_whatif(idx: &Arc<Index>, flows: Option<&Recorded>) -> (usize, u64) {
    let r = compute(idx, flows);
    let att = flows.map(|f| attribute(idx, f));
    let (mut lost, mut cut) = (0, 0);
    assert_eq!(r.rows.len(), idx.namespace_names().len());
    for row in &r.rows {
        let ns = &row.namespace;
        let input = YamlInput::Text {
            name: format!("default-deny-{ns}.yaml"),
            text: default_deny_bundle(ns),
        };
        let (o, _) = compute_attributed(idx.clone(), input, &[], false, att.as_ref());
        assert!(o.errors.is_empty(), "{ns}: {:?}", o.errors);
        assert_eq!(row.cut_theoretical, Ok(o.lost), "{ns}");
        assert_eq!(row.cut_recorded, o.observed_lost, "{ns}");
        lost += o.lost;
        cut += o.observed_lost.unwrap_or(0);
    }
    (lost, cut)
}

#[test]
fn rollout_cuts_are_the_whatif_numbers_on_the_demo() {
    let idx = Arc::new(Index::from_snapshot(crate::source::demo::load().snapshot));
    let flows = crate::source::flows::load_demo_flows();
    let (lost, cut) = assert_same_as_the_whatif(&idx, Some(&flows));
    assert!(lost > 0 && cut > 0, "{lost} {cut}");
    assert_same_as_the_whatif(&idx, None);
}

#[test]
fn rollout_cuts_are_the_whatif_numbers_on_a_generated_cluster() {
    let snap = generate(SynthSpec::with_pods(300));
    // Recorded connections between pods of every namespace, and to and
    // from outside addresses, so that some are cut and some are not.
    let pods: Vec<(String, String)> = snap
        .pods
        .iter()
        .map(|p| (p.namespace.clone(), p.name.clone()))
        .collect();
    let end = |i: usize| FlowEnd::Pod {
        namespace: pods[i % pods.len()].0.clone(),
        name: Some(pods[i % pods.len()].1.clone()),
        labels: None,
        workload: None,
    };
    let mut rec = Recorded::default();
    for i in 0..pods.len() * 3 {
        let (a, b) = (i * 7 + 1, i * 13 + 5);
        let (from, to) = match i % 11 {
            0 => (end(a), FlowEnd::Ip([203, 0, 113, (i % 200) as u8].into())),
            1 => (FlowEnd::Ip([198, 51, 100, (i % 200) as u8].into()), end(b)),
            _ => (end(a), end(b)),
        };
        let port = [8080, 80, 443, 53, 5432][i % 5];
        let key = ConnKey {
            from,
            to,
            protocol: if port == 53 {
                Protocol::Udp
            } else {
                Protocol::Tcp
            },
            port,
        };
        rec.add(key, 1 + (i % 3) as u64, i % 17 == 0, None);
    }
    let idx = Arc::new(Index::from_snapshot(snap));
    let (lost, cut) = assert_same_as_the_whatif(&idx, Some(&rec));
    assert!(lost > 0 && cut > 0, "{lost} {cut}");
}
