//! Errors and warnings: per-field reports, skipped kinds, paths, hostile input.

use super::*;

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

#[test]
fn services_load_and_invalid_ones_are_reported_with_their_field() {
    let l = src(
        "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: pay}\nspec:\n  selector: {app: api}\n  ports: [{name: https, port: 443, targetPort: https}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: bad, namespace: pay}\nspec:\n  ports: [{port: 80, protocol: tcp}]\n---\napiVersion: v1\nkind: ServiceList\nitems:\n- metadata: {name: ext, namespace: pay}\n  spec: {type: ExternalName, externalName: db.example.com}\n",
    );
    let names: Vec<String> = l
        .snapshot
        .services
        .iter()
        .map(|s| format!("{}/{}", s.namespace, s.name))
        .collect();
    assert_eq!(names, ["pay/api", "pay/ext"]);
    assert_eq!(
        l.snapshot.services[0].ports[0].target,
        PortRef::Name("https".to_string())
    );
    assert_eq!(l.errors.len(), 1, "{:?}", l.errors);
    let e = &l.errors[0];
    assert_eq!(e.file, "input.yaml");
    assert_eq!(e.document, Some(1));
    assert_eq!(e.object.as_deref(), Some("Service pay/bad"));
    assert_eq!(e.field.as_deref(), Some("spec.ports[0].protocol"));
    // Services name pods; they add no namespace and no pod.
    assert!(l.snapshot.pods.is_empty());
    assert!(l.implicit_namespaces.is_empty());
}
