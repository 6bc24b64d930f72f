//! The netpol-analyzer corpus (real manifests).

use super::*;

fn corpus() -> Option<PathBuf> {
    let d =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/netpol-analyzer/tests");
    if d.is_dir() {
        Some(d)
    } else {
        common::ci::skip(&format!(
            "netpol-analyzer corpus not found at {}: skipped",
            d.display()
        ));
        None
    }
}

#[test]
fn every_corpus_folder_loads_without_panic() {
    let Some(dir) = corpus() else { return };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    assert!(folders.len() >= 300, "found {} folders", folders.len());
    let (mut pods, mut policies, mut with_errors, mut tier_refused) = (0, 0, 0, 0);
    for f in &folders {
        let l = load_paths(std::slice::from_ref(f));
        pods += l.snapshot.pods.len();
        policies += l.snapshot.policies.len();
        // (Baseline)AdminNetworkPolicies the API server would refuse: the
        // corpus's `*_bad_path_*` folders and the cases listed in
        // tests/conformance/refused.rs API_REFUSED; counted on their own.
        let tier_only = !l.errors.is_empty()
            && l.errors.iter().all(|e| {
                e.object.as_deref().is_some_and(|o| {
                    o.starts_with("AdminNetworkPolicy ")
                        || o.starts_with("BaselineAdminNetworkPolicy ")
                })
            });
        tier_refused += usize::from(tier_only);
        with_errors += usize::from(!l.errors.is_empty() && !tier_only);
        // Every pod's namespace exists; names are unique.
        for p in &l.snapshot.pods {
            assert!(
                l.snapshot.namespaces.iter().any(|n| n.name == p.namespace),
                "{}",
                f.display()
            );
        }
        let mut keys: Vec<_> = l.snapshot.pods.iter().map(|p| p.key()).collect();
        keys.dedup();
        assert_eq!(keys.len(), l.snapshot.pods.len(), "{}", f.display());
    }
    println!(
        "{} folders: {pods} pods, {policies} policies, {with_errors} folders with errors",
        folders.len()
    );
    // Most folders are valid input: errors are the exception.
    assert!(with_errors < 30, "{with_errors} folders with errors");
    // 33 bad-path folders + 17 refused (see tests/conformance/refused.rs).
    assert!(
        tier_refused <= 55,
        "{tier_refused} folders with refused (B)ANPs"
    );
    assert!(
        pods > 1000 && policies > 300,
        "{pods} pods, {policies} policies"
    );
}

#[test]
fn corpus_onlineboutique_workloads_and_stray_outputs() {
    let Some(dir) = corpus() else { return };
    let l = load_paths(&[dir.join("onlineboutique_workloads")]);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(s.pods.len(), 12, "{:?}", pod_names(s));
    assert!(
        s.pods
            .iter()
            .all(|p| p.owner.as_ref().is_some_and(|o| o.kind == "Deployment"))
    );
    assert!(
        pod(s, "default", "frontend")
            .ports
            .iter()
            .any(|p| p.port == 8080)
    );
    assert_eq!(s.policies.len(), 11);

    // onlineboutique/ holds connlist_output.json next to the manifests.
    let l = load_paths(&[dir.join("onlineboutique")]);
    assert!(l.errors.is_empty(), "{:#?}", l.errors);
    assert_eq!(l.warnings.len(), 1, "{:#?}", l.warnings);
    assert!(l.warnings[0].file.ends_with("connlist_output.json"));
    assert_eq!(l.snapshot.pods.len(), 12);
    // Pods owned by ReplicaSets that are not in the input keep that owner.
    assert!(
        l.snapshot
            .pods
            .iter()
            .any(|p| p.workload_name() == "default/cartservice-74f56fd4b[ReplicaSet]")
    );
}

#[test]
fn corpus_bad_netpols_are_reported_with_field_paths() {
    let Some(dir) = corpus() else { return };
    let l = load_paths(&[dir.join("bad_netpols")]);
    let got: Vec<(String, &str)> = l
        .errors
        .iter()
        .map(|e| {
            let dir = Path::new(&e.file)
                .parent()
                .and_then(|d| d.file_name())
                .unwrap_or_default();
            (
                dir.to_string_lossy().into_owned(),
                e.field.as_deref().unwrap_or(""),
            )
        })
        .collect();
    let want = [
        ("subdir1", "spec.ingress[2].from[0].ipBlock.cidr"),
        ("subdir2", "spec.podSelector.matchLabels"),
        ("subdir3", "spec.ingress[0].from[0]"),
        ("subdir4", "spec.ingress[0].from[0]"),
        ("subdir7", "spec.egress[0].to[0].podSelector.matchLabels"),
    ];
    assert_eq!(
        got,
        want.map(|(d, f)| (d.to_string(), f)),
        "{:#?}",
        l.errors
    );
    assert!(l.errors.iter().all(|e| {
        e.object
            .as_deref()
            .is_some_and(|o| o.starts_with("NetworkPolicy default/"))
    }));
    // The valid shippingservice-netpol (subdir5, 6) still loads.
    assert!(
        l.snapshot
            .policies
            .iter()
            .any(|p| p.name == "shippingservice-netpol")
    );
}
