//! The offline source: files, directories, lists, JSON, owners, errors,
//! and the embedded demo cluster.

mod common;

use std::path::{Path, PathBuf};

use netpol_tui::engine::model::{
    Labels, NS_NAME_LABEL, Namespace, Owner, Peer, Pod, Policy, PortRef, Protocol, Snapshot,
};
use netpol_tui::source::demo;
use netpol_tui::source::files::{LoadError, Manifests, load_paths, load_sources};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/files")
        .join(name)
}

fn load(names: &[&str]) -> Manifests {
    load_paths(&names.iter().map(|n| fixture(n)).collect::<Vec<_>>())
}

fn src(text: &str) -> Manifests {
    load_sources(&[("input.yaml".to_string(), text.to_string())])
}

fn pod<'a>(s: &'a Snapshot, ns: &str, name: &str) -> &'a Pod {
    s.pods
        .iter()
        .find(|p| p.namespace == ns && p.name == name)
        .unwrap_or_else(|| panic!("pod {ns}/{name} missing; have {:?}", pod_names(s)))
}

fn policy<'a>(s: &'a Snapshot, ns: &str, name: &str) -> &'a Policy {
    s.policies
        .iter()
        .find(|p| p.namespace == ns && p.name == name)
        .unwrap_or_else(|| panic!("policy {ns}/{name} missing"))
}

fn namespace<'a>(s: &'a Snapshot, name: &str) -> &'a Namespace {
    s.namespaces
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("namespace {name} missing"))
}

fn pod_names(s: &Snapshot) -> Vec<String> {
    s.pods
        .iter()
        .map(|p| format!("{}/{}", p.namespace, p.name))
        .collect()
}

fn owner(kind: &str, name: &str) -> Option<Owner> {
    Some(Owner {
        kind: kind.to_string(),
        name: name.to_string(),
    })
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn assert_clean(l: &Manifests) {
    assert!(l.errors.is_empty(), "unexpected errors: {:#?}", l.errors);
    assert!(
        l.warnings.is_empty(),
        "unexpected warnings: {:#?}",
        l.warnings
    );
}

// ---------------------------------------------------------------------------
// Formats.

#[test]
fn multi_document_yaml_with_empty_documents() {
    let l = load(&["multi.yaml"]);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(s.namespaces.len(), 1);
    assert_eq!(
        namespace(s, "alpha").labels,
        labels(&[("team", "a"), (NS_NAME_LABEL, "alpha")])
    );
    let web = pod(s, "alpha", "web");
    assert_eq!(web.labels, labels(&[("app", "web")]));
    assert_eq!(web.ports.len(), 1);
    assert_eq!(web.ports[0].port, 8080);
    assert_eq!(
        web.ips,
        vec!["10.1.0.5".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(web.owner, None);
    let p = policy(s, "alpha", "web-ingress");
    assert_eq!(
        p.ingress[0].ports[0].port,
        Some(PortRef::Name("http".into()))
    );
}

#[test]
fn lists_are_flattened_recursively_including_typed_lists() {
    let l = load(&["list.yaml"]);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(
        pod_names(s),
        vec!["beta/nested", "beta/typed-1", "beta/typed-2"]
    );
    assert_eq!(
        pod(s, "beta", "typed-2").labels,
        labels(&[("app", "typed")])
    );
    assert_eq!(s.policies.len(), 1);
    assert!(policy(s, "beta", "deny-all").ingress_type);
    assert_eq!(s.namespaces.len(), 1);
}

#[test]
fn json_files_with_concatenated_values() {
    let l = load(&["objects.json"]);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(
        namespace(s, "gamma").labels.get("env").map(String::as_str),
        Some("test")
    );
    let db = pod(s, "gamma", "db");
    assert_eq!(db.ports[0].name.as_deref(), Some("postgres"));
    assert_eq!(db.ips.len(), 1);
    let p = policy(s, "gamma", "db");
    assert!(p.ingress_type && p.egress_type);
}

#[test]
fn crlf_and_bom_are_accepted() {
    let text = "\u{feff}apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: a\r\n  labels:\r\n    app: x\r\n---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: b\r\n";
    let l = src(text);
    assert_clean(&l);
    assert_eq!(pod_names(&l.snapshot), vec!["default/a", "default/b"]);
    assert_eq!(
        pod(&l.snapshot, "default", "a").labels,
        labels(&[("app", "x")])
    );
}

#[test]
fn bom_utf16_and_binary_files_on_disk() {
    let dir = std::env::temp_dir().join(format!("netpol-files-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\n  namespace: enc\r\n";
    let utf8 = dir.join("utf8-bom.yaml");
    std::fs::write(&utf8, [&[0xEF, 0xBB, 0xBF][..], yaml.as_bytes()].concat()).unwrap();
    // What PowerShell 5's `>` writes: UTF-16LE with a BOM.
    let utf16 = dir.join("utf16.yaml");
    let mut bytes = vec![0xFF, 0xFE];
    for u in yaml.replace("name: p", "name: q").encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    std::fs::write(&utf16, bytes).unwrap();
    let junk = dir.join("junk.yaml");
    std::fs::write(&junk, [0x00, 0xFF, 0xC3, 0x28, 0x89, 0x50, 0x4E, 0x47]).unwrap();
    let l = load_paths(&[utf8, utf16, junk.clone()]);
    assert_eq!(pod_names(&l.snapshot), vec!["enc/p", "enc/q"]);
    assert_eq!(l.errors.len(), 1, "{:#?}", l.errors);
    assert_eq!(l.errors[0].file, junk.display().to_string());
    assert!(l.errors[0].message.contains("UTF-8"), "{}", l.errors[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Workloads and owners.

#[test]
fn every_workload_kind_gives_one_representative_pod() {
    let l = load(&["workloads.yaml"]);
    assert_clean(&l);
    let s = &l.snapshot;
    let expect = [
        ("wl", "d", "Deployment"),
        ("wl", "s", "StatefulSet"),
        ("wl", "ds", "DaemonSet"),
        ("wl", "rs", "ReplicaSet"),
        ("wl", "rc", "ReplicationController"),
        ("wl", "job", "Job"),
        ("wl", "cron", "CronJob"),
        ("default", "nons", "Deployment"),
    ];
    assert_eq!(s.pods.len(), expect.len(), "{:?}", pod_names(s));
    for (ns, name, kind) in expect {
        let p = pod(s, ns, name);
        assert_eq!(p.owner, owner(kind, name), "{ns}/{name}");
        assert_eq!(
            p.labels.get("app").map(String::as_str),
            Some(name),
            "{ns}/{name} labels"
        );
        assert!(p.ips.is_empty());
    }
    assert!(pod(s, "wl", "ds").host_network);
    assert!(!pod(s, "wl", "d").host_network);
    assert_eq!(pod(s, "wl", "d").ports[0].name.as_deref(), Some("http"));
    assert_eq!(pod(s, "wl", "rc").ports[0].protocol, Protocol::Udp);
    assert_eq!(
        pod(s, "default", "nons").workload_name(),
        "default/nons[Deployment]"
    );
    // Namespaces nobody declared are created, with the name label.
    assert_eq!(
        s.namespaces,
        vec![
            Namespace::new("default", Labels::new()),
            Namespace::new("wl", Labels::new())
        ]
    );
    assert_eq!(namespace(s, "wl").labels, labels(&[(NS_NAME_LABEL, "wl")]));
}

#[test]
fn owner_chains_resolve_through_the_input() {
    let l = load(&["owners.yaml"]);
    assert_clean(&l);
    let s = &l.snapshot;
    // The real pod stands for Deployment web: no representative for web or
    // its ReplicaSet.
    assert_eq!(
        pod(s, "own", "web-5f7d9-aaaaa").owner,
        owner("Deployment", "web")
    );
    // ReplicaSet not in the input (and no Deployment `api`): kept as is.
    assert_eq!(
        pod(s, "own", "api-6c8b4-bbbbb").owner,
        owner("ReplicaSet", "api-6c8b4")
    );
    // Pod -> Job -> CronJob, all resolved; the CronJob gets no extra pod.
    assert_eq!(
        pod(s, "own", "nightly-28913460-ccccc").owner,
        owner("CronJob", "nightly")
    );
    // Mirror pod of a static pod: owned by a Node, which is no workload.
    assert_eq!(pod(s, "own", "etcd-node1").owner, None);
    // Succeeded and Failed pods are dropped.
    assert_eq!(
        pod_names(s),
        vec![
            "own/api-6c8b4-bbbbb",
            "own/etcd-node1",
            "own/nightly-28913460-ccccc",
            "own/web-5f7d9-aaaaa"
        ]
    );
}

#[test]
fn replicaset_owned_by_a_deployment_is_folded_into_it() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: n}
spec:
  template:
    metadata: {labels: {app: web}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-abc
  namespace: n
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u, controller: true}]
spec:
  template:
    metadata: {labels: {app: web, pod-template-hash: abc}}
---
# Owned by a Deployment that is not in the input: stands for that Deployment.
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-def
  namespace: n
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: u, controller: true}]
spec:
  template:
    metadata: {labels: {app: api}}
";
    let l = src(text);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(pod_names(s), vec!["n/api-def", "n/web"]);
    assert_eq!(pod(s, "n", "web").owner, owner("Deployment", "web"));
    assert_eq!(pod(s, "n", "web").labels, labels(&[("app", "web")]));
    assert_eq!(pod(s, "n", "api-def").owner, owner("Deployment", "api"));
}

#[test]
fn pods_of_a_deployment_whose_replicaset_is_missing_stand_for_it() {
    // `kubectl get deploy,pods -o yaml`: no ReplicaSet, but the RS name is
    // `<deployment>-<pod-template-hash>`.
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: n}
spec:
  template:
    metadata: {labels: {app: web}}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7c9d8-xyz12
  namespace: n
  labels: {app: web, pod-template-hash: 7c9d8}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7c9d8, uid: u, controller: true}]
";
    let l = src(text);
    assert_clean(&l);
    assert_eq!(pod_names(&l.snapshot), vec!["n/web-7c9d8-xyz12"]);
    assert_eq!(l.snapshot.pods[0].owner, owner("Deployment", "web"));
}

#[test]
fn representative_pod_never_replaces_a_real_pod_of_the_same_name() {
    let text = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: n, labels: {app: solo}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: n}
spec:
  template:
    metadata: {labels: {app: web}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: n}
spec:
  template:
    metadata: {labels: {app: web-sts}}
";
    let l = src(text);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(s.pods.len(), 3, "{:?}", pod_names(s));
    assert_eq!(pod(s, "n", "web").owner, None);
    let mut owners: Vec<_> = s.pods.iter().map(|p| p.workload_name()).collect();
    owners.sort();
    assert_eq!(
        owners,
        vec!["n/web[Deployment]", "n/web[Pod]", "n/web[StatefulSet]"]
    );
}

// ---------------------------------------------------------------------------
// Errors and warnings.

#[test]
fn invalid_policy_is_reported_per_field_and_the_rest_loads() {
    let l = load(&["invalid-policy.yaml"]);
    let file = fixture("invalid-policy.yaml").display().to_string();
    let got: Vec<(Option<usize>, Option<&str>, Option<&str>)> = l
        .errors
        .iter()
        .map(|e| (e.document, e.object.as_deref(), e.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                Some(1),
                Some("NetworkPolicy pay/api-to-db"),
                Some("spec.ingress[0].ports[0].port")
            ),
            (
                Some(1),
                Some("NetworkPolicy pay/api-to-db"),
                Some("spec.ingress[0].from[1].ipBlock.except[0]")
            ),
        ]
    );
    assert!(l.errors.iter().all(|e| e.file == file));
    assert!(
        l.errors[1].message.contains("strict subset"),
        "{}",
        l.errors[1]
    );
    assert_eq!(
        l.errors[1].to_string(),
        format!(
            "{file}: document 2 (NetworkPolicy pay/api-to-db): spec.ingress[0].from[1].ipBlock.except[0]: {}",
            l.errors[1].message
        )
    );
    let s = &l.snapshot;
    assert_eq!(s.policies.len(), 1);
    assert_eq!(s.policies[0].name, "fine");
    assert_eq!(pod_names(s), vec!["pay/db"]);
}

#[test]
fn undecodable_documents_are_reported_and_skipped() {
    let l = load(&["undecodable.yaml"]);
    assert_eq!(
        pod_names(&l.snapshot),
        vec!["dec/good", "dec/odd-resources"]
    );
    assert_eq!(l.errors.len(), 3, "{:#?}", l.errors);
    let bad = &l.errors[0];
    assert_eq!(bad.document, Some(1));
    assert_eq!(bad.object.as_deref(), Some("Pod dec/bad"));
    assert_eq!(
        bad.field.as_deref(),
        Some("spec.containers[0].ports[0].containerPort")
    );
    assert!(bad.message.contains("invalid type"), "{bad}");
    let nover = &l.errors[1];
    assert_eq!(
        (nover.document, nover.field.as_deref()),
        (Some(3), Some("apiVersion"))
    );
    let typo = &l.errors[2];
    assert_eq!(typo.document, Some(4));
    assert_eq!(typo.object.as_deref(), Some("Deployment dec/typo"));
    assert!(typo.message.contains("apps/v1"), "{typo}");
    assert!(l.warnings.is_empty(), "{:#?}", l.warnings);
}

#[test]
fn irrelevant_kinds_are_skipped_silently() {
    let l = load(&["irrelevant.yaml"]);
    assert_clean(&l);
    assert!(l.snapshot.pods.is_empty());
    assert!(l.snapshot.policies.is_empty());
    assert!(l.snapshot.namespaces.is_empty());
}

#[test]
fn kinds_that_change_connectivity_are_skipped_with_a_warning() {
    let l = load(&["not-evaluated.yaml"]);
    assert!(l.errors.is_empty(), "{:#?}", l.errors);
    let objs: Vec<_> = l
        .warnings
        .iter()
        .map(|w| w.object.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        objs,
        vec!["MultiNetworkPolicy ne/mnp", "NetworkPolicy ne/calico-np"]
    );
    // AdminNetworkPolicy is evaluated since issue #11: read, not warned about.
    assert_eq!(l.snapshot.cluster_policies.len(), 1);
    assert_eq!(l.snapshot.cluster_policies[0].name, "cluster-guard");
    assert!(
        l.warnings
            .iter()
            .all(|w| w.message.contains("not evaluated"))
    );
    assert_eq!(l.warnings[1].document, Some(2));
    assert!(
        l.snapshot.policies.is_empty(),
        "a Calico NetworkPolicy is not a Kubernetes one"
    );
}

#[test]
fn missing_path_is_an_error_and_the_rest_loads() {
    let missing = fixture("does-not-exist.yaml");
    let l = load_paths(&[missing.clone(), fixture("multi.yaml")]);
    assert_eq!(l.errors.len(), 1);
    assert_eq!(l.errors[0].file, missing.display().to_string());
    assert_eq!(l.errors[0].document, None);
    assert!(l.errors[0].message.contains("no such file"));
    assert_eq!(pod_names(&l.snapshot), vec!["alpha/web"]);
}

#[test]
fn directory_walk_is_recursive_sorted_and_tolerant_of_stray_files() {
    let l = load(&["tree"]);
    // tree/output.json is not a Kubernetes object: a warning, not an error.
    assert!(l.errors.is_empty(), "{:#?}", l.errors);
    let s = &l.snapshot;
    assert_eq!(pod_names(s), vec!["tree/dup", "tree/json-pod"]);
    // a.yaml sorts before sub/b.yml: b.yml's definition wins.
    assert_eq!(
        pod(s, "tree", "dup").labels,
        labels(&[("version", "second")])
    );
    let stray: Vec<_> = l
        .warnings
        .iter()
        .filter(|w| w.file.ends_with("output.json"))
        .collect();
    assert_eq!(stray.len(), 1, "{:#?}", l.warnings);
    assert!(stray[0].message.contains("not a Kubernetes object"));
    let dup: Vec<_> = l
        .warnings
        .iter()
        .filter(|w| w.message.contains("duplicate"))
        .collect();
    assert_eq!(dup.len(), 1, "{:#?}", l.warnings);
    assert!(dup[0].file.ends_with("b.yml"));
    assert!(dup[0].message.contains("a.yaml"));
    assert_eq!(l.warnings.len(), 2);
}

#[test]
fn a_file_named_twice_is_read_once() {
    let l = load_paths(&[fixture("multi.yaml"), fixture("multi.yaml")]);
    assert_clean(&l);
    assert_eq!(l.snapshot.pods.len(), 1);
}

#[test]
fn named_file_that_is_not_a_kubernetes_object_is_an_error() {
    let l = src("namespaceList: ../ns.json\npodList: ../pods.yaml\n");
    assert_eq!(l.errors.len(), 1);
    assert_eq!(l.errors[0].document, Some(0));
    assert!(l.warnings.is_empty());
}

#[test]
fn duplicates_later_wins_with_a_warning() {
    let text = "\
apiVersion: v1
kind: Namespace
metadata: {name: n, labels: {v: one}}
---
apiVersion: v1
kind: Namespace
metadata: {name: n, labels: {v: two}}
";
    let l = src(text);
    assert!(l.errors.is_empty());
    assert_eq!(l.warnings.len(), 1);
    assert_eq!(l.warnings[0].document, Some(1));
    assert_eq!(l.warnings[0].object.as_deref(), Some("Namespace n"));
    assert_eq!(
        namespace(&l.snapshot, "n")
            .labels
            .get("v")
            .map(String::as_str),
        Some("two")
    );
}

#[test]
fn yaml_syntax_error_stops_the_file_like_kubectl() {
    let text = "\
apiVersion: v1
kind: Pod
metadata: {name: before}
---
apiVersion: v1
kind: Pod
metadata: {name: broken
  labels: [}
---
apiVersion: v1
kind: Pod
metadata: {name: after}
";
    let l = src(text);
    assert_eq!(pod_names(&l.snapshot), vec!["default/before"]);
    assert_eq!(l.errors.len(), 1, "{:#?}", l.errors);
    let e = &l.errors[0];
    assert_eq!(e.document, Some(1));
    assert!(e.message.starts_with("invalid YAML"), "{e}");
    // Line numbers count from the start of the file (the error is on line 7 or 8).
    assert!(
        e.message.contains("line 7") || e.message.contains("line 8"),
        "{e}"
    );
}

#[test]
fn duplicate_keys_are_an_error_not_a_silent_override() {
    // A classic: a second `ports:` in the same rule. kubectl refuses it; a
    // lenient parser would keep only the last one.
    let text = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: n}
spec:
  podSelector: {}
  ingress:
    - ports: [{port: 80}]
      ports: [{port: 443}]
";
    let l = src(text);
    assert!(l.snapshot.policies.is_empty());
    assert_eq!(l.errors.len(), 1, "{:#?}", l.errors);
    assert!(l.errors[0].message.contains("duplicate"), "{}", l.errors[0]);
}

#[test]
fn output_order_does_not_depend_on_input_order() {
    let a = std::fs::read_to_string(fixture("workloads.yaml")).unwrap();
    let b = std::fs::read_to_string(fixture("owners.yaml")).unwrap();
    let c = std::fs::read_to_string(fixture("multi.yaml")).unwrap();
    let one = load_sources(&[
        ("a".into(), a.clone()),
        ("b".into(), b.clone()),
        ("c".into(), c.clone()),
    ]);
    let two = load_sources(&[("c".into(), c), ("b".into(), b), ("a".into(), a)]);
    assert_eq!(format!("{:?}", one.snapshot), format!("{:?}", two.snapshot));
    let s = &one.snapshot;
    assert!(s.namespaces.windows(2).all(|w| w[0].name < w[1].name));
    assert!(
        s.pods
            .windows(2)
            .all(|w| (&w[0].namespace, &w[0].name) < (&w[1].namespace, &w[1].name))
    );
}

#[test]
fn display_omits_absent_parts() {
    let e = LoadError {
        file: "f.yaml".into(),
        document: None,
        object: None,
        field: None,
        message: "no such file or directory".into(),
    };
    assert_eq!(e.to_string(), "f.yaml: no such file or directory");
    let e = LoadError {
        document: Some(0),
        field: Some("kind".into()),
        message: "m".into(),
        ..e
    };
    assert_eq!(e.to_string(), "f.yaml: document 1: kind: m");
    let e = LoadError {
        object: Some("Pod a/b".into()),
        field: None,
        ..e
    };
    assert_eq!(e.to_string(), "f.yaml: document 1 (Pod a/b): m");
}

#[test]
fn hostile_input_never_panics() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_yaml = format!("a: {}1{}", "{b: ".repeat(5_000), "}".repeat(5_000));
    let many_labels = {
        let mut s = String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  labels:\n");
        for i in 0..50_000 {
            s.push_str(&format!("    k{i}: v{i}\n"));
        }
        s
    };
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
    let cases: Vec<String> = vec![
        String::new(),
        "---\n---\n...\n".into(),
        "\0\u{1}\u{2}garbage: [".into(),
        "kind: 5\napiVersion: v1\n".into(),
        "kind: Pod\napiVersion: [v1]\n".into(),
        "kind: Pod\napiVersion: v1\nmetadata: []\n".into(),
        "kind: Pod\napiVersion: v1\nmetadata: {name: p}\nspec: x\nstatus: 3\n".into(),
        "kind: Pod\napiVersion: v1\nmetadata: {name: p, labels: {a: 1}}\n".into(),
        "kind: Pod\napiVersion: v1\nmetadata: {name: p}\nspec: {containers: [{ports: [{containerPort: 99999999999999999999}]}]}\n".into(),
        "kind: Pod\napiVersion: v1\nmetadata: {name: p}\nstatus: {podIP: not-an-ip, phase: Running}\n".into(),
        "kind: List\napiVersion: v1\nitems: 7\n".into(),
        "kind: List\napiVersion: v1\nitems: [1, null, [], {kind: Pod}]\n".into(),
        "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: d}\nspec: {template: 5}\n".into(),
        "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: d}\nspec: []\n".into(),
        "kind: CronJob\napiVersion: batch/v1\nmetadata: {name: c}\nspec: {jobTemplate: {spec: null}}\n".into(),
        "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: n}\nspec: {ingress: [{from: [{}]}], egress: 3}\n".into(),
        "kind: Namespace\napiVersion: v1\n".into(),
        "? [complex, key]\n: value\n".into(),
        "<<: 5\n".into(),
        "!!binary aGVsbG8=\n".into(),
        "{\"kind\": \"Pod\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"j\"}} trailing garbage {".into(),
        "[1, 2, {\"kind\": \"Pod\"}]".into(),
        "key: *undefined_alias\n".into(),
        "--- |\n  literal\n".into(),
        "%YAML 1.2\n---\nkind: Pod\napiVersion: v1\nmetadata: {name: directive}\n".into(),
        "\t- tab\n".into(),
        deep,
        deep_yaml,
        many_labels,
        laughs.into(),
    ];
    for (i, text) in cases.iter().enumerate() {
        let l = src(text);
        for e in l.errors.iter().chain(&l.warnings) {
            assert_eq!(e.file, "input.yaml", "case {i}");
            let _ = e.to_string();
        }
    }
    // Specific outcomes among the hostile cases.
    let big = src(&cases[cases.len() - 2]);
    assert_eq!(big.snapshot.pods[0].labels.len(), 50_000);
    let directive = src("%YAML 1.2\n---\nkind: Pod\napiVersion: v1\nmetadata: {name: directive}\n");
    assert_eq!(pod_names(&directive.snapshot), vec!["default/directive"]);
    let bad_ip = src(
        "kind: Pod\napiVersion: v1\nmetadata: {name: p}\nstatus: {podIP: not-an-ip, phase: Running}\n",
    );
    assert_eq!(bad_ip.snapshot.pods.len(), 1);
    assert_eq!(bad_ip.warnings.len(), 1, "{:#?}", bad_ip.warnings);
    assert_eq!(
        bad_ip.warnings[0].field.as_deref(),
        Some("status.podIPs[0].ip")
    );
    let numeric_label = src("kind: Pod\napiVersion: v1\nmetadata: {name: p, labels: {a: 1}}\n");
    assert_eq!(
        numeric_label.errors[0].field.as_deref(),
        Some("metadata.labels.a")
    );
    let list_items = src("kind: List\napiVersion: v1\nitems: [1, null, [], {kind: Pod}]\n");
    let fields: Vec<_> = list_items
        .errors
        .iter()
        .map(|e| e.field.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(fields, vec!["items[0]", "items[2]", "items[3].apiVersion"]);
}

// ---------------------------------------------------------------------------
// The netpol-analyzer corpus (real manifests).

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
        // tests/conformance.rs API_REFUSED; counted on their own.
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
    // 33 bad-path folders + 17 refused (see tests/conformance.rs).
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

// ---------------------------------------------------------------------------
// The demo cluster.

#[test]
fn demo_loads_cleanly_and_is_a_realistic_size() {
    let l = demo::load();
    assert_clean(&l);
    let s = &l.snapshot;
    let ns: Vec<_> = s.namespaces.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        ns,
        vec![
            "inventory",
            "kube-system",
            "legacy",
            "monitoring",
            "payments",
            "shop"
        ]
    );
    assert!(
        (20..=30).contains(&s.pods.len()),
        "{} pods: {:?}",
        s.pods.len(),
        pod_names(s)
    );
    assert!(s.policies.len() >= 15);
    for n in &s.namespaces {
        assert_eq!(n.labels.get(NS_NAME_LABEL), Some(&n.name));
        if n.name != "kube-system" {
            assert!(
                n.labels.contains_key("team") && n.labels.contains_key("env"),
                "{}",
                n.name
            );
        }
    }
    // Every declared container port has a name (named ports are the point).
    let unnamed: Vec<_> = s
        .pods
        .iter()
        .filter(|p| p.ports.iter().any(|c| c.name.is_none()))
        .map(|p| p.name.clone())
        .collect();
    assert!(unnamed.is_empty(), "{unnamed:?}");
}

fn selects_label(p: &Policy, key: &str, value: &str) -> bool {
    p.pod_selector.match_labels.get(key).map(String::as_str) == Some(value)
}

#[test]
fn demo_shows_every_failure_mode() {
    let s = demo::load().snapshot;

    // CoreDNS with its DNS ports on both protocols and its metrics port.
    let dns = pod(&s, "kube-system", "coredns");
    assert_eq!(
        dns.labels.get("k8s-app").map(String::as_str),
        Some("kube-dns")
    );
    let ports: Vec<_> = dns
        .ports
        .iter()
        .map(|p| (p.name.as_deref(), p.port, p.protocol))
        .collect();
    for want in [
        (Some("dns"), 53, Protocol::Udp),
        (Some("dns-tcp"), 53, Protocol::Tcp),
        (Some("metrics"), 9153, Protocol::Tcp),
    ] {
        assert!(ports.contains(&want), "{ports:?}");
    }
    // Host-network pods.
    assert!(pod(&s, "kube-system", "calico-node").host_network);
    assert!(pod(&s, "kube-system", "kube-proxy").host_network);
    assert_eq!(
        pod(&s, "kube-system", "calico-node").owner,
        owner("DaemonSet", "calico-node")
    );

    // shop: an ingress-only "default deny".
    let dd = policy(&s, "shop", "default-deny");
    assert!(dd.ingress_type && !dd.egress_type && dd.ingress.is_empty());
    assert!(
        dd.pod_selector.match_labels.is_empty() && dd.pod_selector.match_expressions.is_empty()
    );
    // payments: a real default deny, both directions.
    let dd = policy(&s, "payments", "default-deny");
    assert!(dd.ingress_type && dd.egress_type && dd.ingress.is_empty() && dd.egress.is_empty());
    // inventory: egress default deny with no DNS exception anywhere.
    let dd = policy(&s, "inventory", "default-deny-egress");
    assert!(!dd.ingress_type && dd.egress_type && dd.egress.is_empty());
    let inventory_dns = s
        .policies
        .iter()
        .filter(|p| p.namespace == "inventory")
        .flat_map(|p| &p.egress)
        .flat_map(|r| &r.ports)
        .any(|p| p.port == Some(PortRef::Number(53)));
    assert!(!inventory_dns);

    // DNS done right in payments (UDP and TCP 53), UDP-only in shop/checkout.
    let dns_protocols = |p: &Policy| -> Vec<Protocol> {
        let mut v: Vec<_> = p
            .egress
            .iter()
            .flat_map(|r| &r.ports)
            .filter(|pp| pp.port == Some(PortRef::Number(53)))
            .map(|pp| pp.protocol)
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        dns_protocols(policy(&s, "payments", "allow-dns")),
        vec![Protocol::Tcp, Protocol::Udp]
    );
    assert_eq!(
        dns_protocols(policy(&s, "shop", "checkout-egress")),
        vec![Protocol::Udp]
    );

    // api -> db on 5432: egress by number, ingress by the named port.
    let egress = policy(&s, "payments", "api-egress");
    assert!(
        egress.egress[0]
            .ports
            .iter()
            .any(|p| p.port == Some(PortRef::Number(5432)) && p.protocol == Protocol::Tcp)
    );
    let ingress = policy(&s, "payments", "db-allow-clients");
    assert_eq!(
        ingress.ingress[0].ports[0].port,
        Some(PortRef::Name("postgres".into()))
    );
    assert!(
        pod(&s, "payments", "db")
            .ports
            .iter()
            .any(|p| p.name.as_deref() == Some("postgres") && p.port == 5432)
    );

    // The worker reaches 0.0.0.0/0 with no except (metadata endpoint open),
    // while the api's internet rule carves out 169.254.169.254.
    let worker = policy(&s, "payments", "worker-egress");
    assert!(worker.egress_type);
    let Peer::IpBlock(b) = &worker.egress[0].peers[0] else {
        panic!("worker egress is not an ipBlock")
    };
    assert_eq!(b.cidr.to_string(), "0.0.0.0/0");
    assert!(b.except.is_empty());
    assert!(worker.egress[0].ports.is_empty());
    assert!(egress.egress.iter().flat_map(|r| &r.peers).any(|p| matches!(p, Peer::IpBlock(b) if b.except.iter().any(|e| e.to_string() == "169.254.169.254/32"))));

    // The AND/OR trap: namespaceSelector and podSelector as two items.
    let trap = policy(&s, "shop", "allow-prometheus-scrape");
    let peers = &trap.ingress[0].peers;
    assert_eq!(peers.len(), 2);
    assert!(matches!(
        &peers[0],
        Peer::Pods {
            namespace_selector: Some(_),
            pod_selector: None
        }
    ));
    assert!(matches!(
        &peers[1],
        Peer::Pods {
            namespace_selector: None,
            pod_selector: Some(_)
        }
    ));
    // ... and the same intent done right in payments: one item with both.
    let right = policy(&s, "payments", "allow-prometheus-scrape");
    assert!(matches!(
        &right.ingress[0].peers[..],
        [Peer::Pods {
            namespace_selector: Some(_),
            pod_selector: Some(_)
        }]
    ));
    // Other monitoring pods exist for the trap to let in.
    assert!(
        s.pods
            .iter()
            .filter(|p| p.namespace == "monitoring"
                && p.labels.get("app").map(String::as_str) != Some("prometheus"))
            .count()
            >= 2
    );

    // The label typo selects no pod.
    let typo = policy(&s, "payments", "api-allow-prometheus");
    assert!(selects_label(typo, "app", "paymnets-api"));
    assert!(
        !s.pods
            .iter()
            .any(|p| p.labels.get("app").map(String::as_str) == Some("paymnets-api"))
    );
    assert!(
        s.pods
            .iter()
            .any(|p| p.labels.get("app").map(String::as_str) == Some("payments-api"))
    );
    // A peer that matches nothing.
    let nothing = policy(&s, "payments", "db-allow-migrations");
    let Peer::Pods {
        pod_selector: Some(sel),
        ..
    } = &nothing.ingress[0].peers[0]
    else {
        panic!()
    };
    let app = sel.match_labels.get("app").cloned().unwrap_or_default();
    assert!(
        !s.pods.iter().any(|p| p.labels.get("app") == Some(&app)),
        "{app} matches a pod"
    );

    // Prometheus scrapes named `metrics` ports, whose numbers differ per pod.
    let prom = policy(&s, "monitoring", "prometheus-egress");
    assert!(
        prom.egress
            .iter()
            .flat_map(|r| &r.ports)
            .any(|p| p.port == Some(PortRef::Name("metrics".into())))
    );
    let mut metric_ports: Vec<u16> = s
        .pods
        .iter()
        .flat_map(|p| &p.ports)
        .filter(|c| c.name.as_deref() == Some("metrics"))
        .map(|c| c.port)
        .collect();
    metric_ports.sort();
    metric_ports.dedup();
    assert!(metric_ports.len() >= 3, "{metric_ports:?}");

    // legacy: no policies; real pods stand for their Deployment; the
    // finished Job pod is dropped; a CronJob in inventory.
    assert!(!s.policies.iter().any(|p| p.namespace == "legacy"));
    let legacy: Vec<_> = s.pods.iter().filter(|p| p.namespace == "legacy").collect();
    assert_eq!(legacy.len(), 3, "{legacy:?}");
    assert_eq!(
        legacy
            .iter()
            .filter(|p| p.owner == owner("Deployment", "reporting"))
            .count(),
        2
    );
    assert!(legacy.iter().all(|p| !p.ips.is_empty()));
    assert_eq!(
        pod(&s, "inventory", "stock-sync").owner,
        owner("CronJob", "stock-sync")
    );
}

/// `kubectl get pods -A -o yaml` of a big cluster. Run with `--ignored`
/// (release mode) to check loading stays linear.
#[test]
#[ignore]
fn large_dump_loads_quickly() {
    let n = 50_000;
    let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..n {
        text.push_str(&format!(
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    namespace: ns{}\n    labels: {{app: a{}, tier: t{}}}\n    ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: rs{}, uid: u, controller: true}}]\n    managedFields: [{{manager: kubectl, operation: Update, fieldsV1: {{f:metadata: {{f:labels: {{}}}}}}}}]\n  spec:\n    containers: [{{name: c, image: img, ports: [{{name: http, containerPort: 8080}}], resources: {{limits: {{cpu: 1, memory: 1Gi}}}}}}]\n  status: {{phase: Running, podIP: 10.{}.{}.{}}}\n",
            i % 100,
            i % 37,
            i % 3,
            i % 500,
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        ));
    }
    let t = std::time::Instant::now();
    let docs = netpol_tui::yaml::parse_documents(&text);
    println!("YAML parse alone: {:?} ({} docs)", t.elapsed(), docs.len());
    drop(docs);
    let t = std::time::Instant::now();
    let l = src(&text);
    let took = t.elapsed();
    println!("{n} pods ({} MB) in {took:?}", text.len() / 1_000_000);
    assert!(l.errors.is_empty(), "{:?}", l.errors.first());
    assert_eq!(l.snapshot.pods.len(), n);
}
