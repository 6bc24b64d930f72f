//! Services as ends of a question: backends, target ports per pod, the
//! Service-port trap, and the cases without a verdict.

mod common;

use std::process::Command;

use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{PodKey, ServiceKey};
use netpol_tui::engine::query::{Outcome, QueryError, ServiceReach, can_reach_service, resolve};
use netpol_tui::source::files::load_sources;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-netpol_tui");

fn index(yaml: &str) -> Index {
    let m = load_sources(&[("t.yaml".to_string(), yaml.to_string())]);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    Index::from_snapshot(m.snapshot)
}

fn ask(idx: &Index, from: &str, to: &str, port: Option<&str>) -> Result<ServiceReach, QueryError> {
    let from = resolve(idx, from, None).expect("from resolves");
    let (ns, name) = to.split_once('/').expect("ns/name");
    can_reach_service(
        idx,
        &from,
        &format!("svc/{to}"),
        &ServiceKey::new(ns, name),
        port,
    )
}

fn pod(ns: &str, name: &str, labels: &str, ports: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {labels}}}\nspec: {{containers: [{{name: c, image: x, ports: {ports}}}]}}\nstatus: {{phase: Running}}\n---\n"
    )
}

fn svc(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\n---\n"
    )
}

const ALLOW_8443: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api-in, namespace: pay}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - ports: [{port: 8443}]\n---\n";

#[test]
fn named_target_port_resolves_per_pod() {
    let idx = index(include_str!("fixtures/services/named-target-port.yaml"));
    let r = ask(&idx, "shop/fe", "pay/api", Some("443")).expect("answer");
    let p = &r.ports[0];
    let targets: Vec<(String, Option<u16>, bool)> = p
        .backends
        .iter()
        .map(|b| (b.pod.name.clone(), b.target, b.allowed))
        .collect();
    assert_eq!(
        targets,
        [
            ("api-1".to_string(), Some(8443), true),
            ("api-2".to_string(), Some(9443), false),
            ("api-3".to_string(), Some(8443), true),
        ]
    );
    assert_eq!(p.targets(), [8443, 9443]);
    assert!(
        p.summary()
            .starts_with("2 of 3 backends allowed on TCP 8443 or 9443 (Service port 443")
    );
    assert_eq!(r.outcome(), Outcome::Some);
    // The same port by name, and every port without one.
    assert_eq!(
        ask(&idx, "shop/fe", "pay/api", Some("https"))
            .expect("by name")
            .ports
            .len(),
        1
    );
    assert_eq!(
        ask(&idx, "shop/fe", "pay/api", None)
            .expect("all ports")
            .ports
            .len(),
        1
    );
    assert!(matches!(
        ask(&idx, "shop/fe", "pay/api", Some("80")),
        Err(QueryError::NoServicePort { .. })
    ));
}

#[test]
fn a_pod_without_the_named_port_is_no_endpoint_of_it() {
    let y = pod(
        "pay",
        "a",
        "{app: api}",
        "[{name: https, containerPort: 8443}]",
    ) + &pod("pay", "b", "{app: api}", "[]")
        + &pod("shop", "fe", "{app: fe}", "[]")
        + &svc(
            "pay",
            "api",
            "{selector: {app: api}, ports: [{port: 443, targetPort: https}]}",
        );
    let idx = index(&y);
    let r = ask(&idx, "shop/fe", "pay/api", None).expect("answer");
    assert_eq!(r.ports[0].endpoints().count(), 1);
    assert_eq!(r.ports[0].backends.len(), 2);
    assert_eq!(r.outcome(), Outcome::All);
}

#[test]
fn service_port_vs_target_port_trap() {
    // The policy allows the Service port 443, but the pods listen on 8443:
    // NetworkPolicy sees 8443, so nothing gets through.
    let policy = ALLOW_8443.replace("8443", "443");
    let y = pod(
        "pay",
        "api-1",
        "{app: api}",
        "[{name: https, containerPort: 8443}]",
    ) + &pod("shop", "fe", "{app: fe}", "[]")
        + &svc(
            "pay",
            "api",
            "{selector: {app: api}, ports: [{port: 443, targetPort: 8443}]}",
        )
        + &policy;
    let idx = index(&y);
    let r = ask(&idx, "shop/fe", "pay/api", Some("443")).expect("answer");
    assert_eq!(r.outcome(), Outcome::None);
    assert_eq!(
        r.ports[0].summary(),
        "0 of 1 backend allowed on TCP 8443 (Service port 443)"
    );
    let why = r.ports[0].answers[0].explanation.to_text();
    assert!(why.contains("allows only TCP 443"), "{why}");
}

#[test]
fn missing_backends_selectorless_and_external_name_have_no_verdict() {
    let y = pod("shop", "fe", "{app: fe}", "[]")
        + &svc(
            "pay",
            "none",
            "{selector: {app: gone}, ports: [{port: 80}]}",
        )
        + &svc("pay", "manual", "{ports: [{port: 80}]}")
        + &svc(
            "pay",
            "ext",
            "{type: ExternalName, externalName: db.example.com}",
        );
    let idx = index(&y);
    let e = ask(&idx, "shop/fe", "pay/none", None).expect_err("no backends");
    assert!(matches!(e, QueryError::NoBackends { .. }));
    assert!(e.to_string().contains("app=gone"), "{e}");
    let e = ask(&idx, "shop/fe", "pay/manual", None).expect_err("selectorless");
    assert!(
        e.to_string().contains("backends unknown") && e.to_string().contains("no selector"),
        "{e}"
    );
    let e = ask(&idx, "shop/fe", "pay/ext", None).expect_err("external");
    assert!(e.to_string().contains("ExternalName"), "{e}");
    assert!(
        idx.service_backends(idx.service(&ServiceKey::new("pay", "manual")).expect("svc"))
            .is_empty()
    );
}

#[test]
fn headless_services_have_backends_too() {
    let y = pod(
        "pay",
        "db-0",
        "{app: db}",
        "[{name: pg, containerPort: 5432}]",
    ) + &pod("shop", "fe", "{app: fe}", "[]")
        + &svc(
            "pay",
            "db",
            "{clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}",
        );
    let idx = index(&y);
    let s = idx.service(&ServiceKey::new("pay", "db")).expect("svc");
    assert!(s.headless);
    assert_eq!(idx.service_backends(s), [PodKey::new("pay", "db-0")]);
    assert_eq!(
        idx.services_selecting(&PodKey::new("pay", "db-0"))
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["db"]
    );
    let r = ask(&idx, "shop/fe", "pay/db", None).expect("answer");
    assert_eq!(r.outcome(), Outcome::All);
}

#[test]
fn a_service_as_client_means_its_backends() {
    let idx = index(include_str!("fixtures/services/named-target-port.yaml"));
    let from = resolve(&idx, "svc/pay/api", None).expect("backends");
    // api-1 and api-3 share a class; api-2 differs (its port).
    assert_eq!(from.ends.len(), 2);
}

fn cli(args: &[&str]) -> (i32, String) {
    let o = Command::new(BIN).args(args).output().expect("runs");
    let out = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code().unwrap_or(-1), out)
}

#[test]
fn can_reach_exit_codes_for_services() {
    let f = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/services/named-target-port.yaml"
    );
    let (code, out) = cli(&["can-reach", "-f", f, "shop/fe", "svc/pay/api:443"]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("2 of 3 backends allowed on TCP 8443 or 9443 (Service port 443"),
        "{out}"
    );
    assert!(out.contains("kubectl exec -n shop"), "{out}");
    assert!(
        out.contains("nc -zv -w 3 api.pay.svc.cluster.local 443"),
        "{out}"
    );
    assert!(out.contains("kubectl debug -n shop"), "{out}");

    let (code, out) = cli(&["can-reach", "-f", f, "shop/fe", "svc/pay/api", "-o", "json"]);
    assert_eq!(code, 3, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["outcome"], "some");
    assert_eq!(v["allowed"], false);
    assert!(v["answers"].is_array());
    assert_eq!(v["service"]["ports"][0]["allowed_backends"], 2);
    assert_eq!(v["service"]["ports"][0]["total_backends"], 3);
    assert_eq!(v["service"]["ports"][0]["backends"][1]["target_port"], 9443);

    let (code, out) = cli(&["can-reach", "-f", f, "shop/fe", "svc/pay/nope"]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = cli(&["can-reach", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("3 some backends allowed"), "{out}");
}

fn lint_ids(yaml: &str) -> Vec<(String, String)> {
    use netpol_tui::engine::findings::{LintOptions, lint};
    lint(&index(yaml), &LintOptions::default())
        .into_iter()
        .map(|f| (f.id.to_string(), f.message))
        .collect()
}

#[test]
fn lint_dns_behind_a_service_on_another_target_port() {
    let f = lint_ids(include_str!("fixtures/services/dns-5353.yaml"));
    let ids: Vec<&str> = f.iter().map(|(id, _)| id.as_str()).collect();
    assert!(ids.contains(&"dns-port-mismatch"), "{f:?}");
    assert!(
        !ids.contains(&"egress-deny-blocks-dns"),
        "the precise finding replaces it: {f:?}"
    );
    let (_, m) = f
        .iter()
        .find(|(id, _)| id == "dns-port-mismatch")
        .expect("finding");
    assert!(
        m.contains("kube-system/kube-dns") && m.contains("5353"),
        "{m}"
    );
    // Allowing the target port fixes it.
    let fixed = include_str!("fixtures/services/dns-5353.yaml")
        .replace("{port: 53, protocol: UDP}", "{port: 5353, protocol: UDP}")
        .replace("{port: 53, protocol: TCP}", "{port: 5353, protocol: TCP}");
    let f = lint_ids(&fixed);
    assert!(
        !f.iter()
            .any(|(id, _)| id.starts_with("dns") || id.contains("blocks-dns")),
        "{f:?}"
    );
}

#[test]
fn lint_service_no_backends_and_port_blocked() {
    let policy = ALLOW_8443.replace("8443", "443");
    let y = pod(
        "pay",
        "api-1",
        "{app: api}",
        "[{name: https, containerPort: 8443}]",
    ) + &pod("shop", "fe", "{app: fe}", "[]")
        + &svc(
            "pay",
            "api",
            "{selector: {app: api}, ports: [{port: 443, targetPort: 8443}]}",
        )
        + &svc(
            "pay",
            "typo",
            "{selector: {app: apii}, ports: [{port: 80}]}",
        )
        + &svc("pay", "manual", "{ports: [{port: 80}]}")
        + &policy;
    let f = lint_ids(&y);
    let ids: Vec<&str> = f.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids.iter().filter(|i| **i == "service-no-backends").count(),
        1,
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|(id, m)| id == "service-no-backends" && m.contains("pay/typo"))
    );
    let (_, m) = f
        .iter()
        .find(|(id, _)| id == "service-port-blocked")
        .expect("port blocked");
    assert!(m.contains("pay/api-in") && m.contains("8443"), "{m}");
    // Allowing the target port: no finding.
    let f = lint_ids(&y.replace("ports: [{port: 443}]", "ports: [{port: 8443}]"));
    assert!(
        !f.iter().any(|(id, _)| id == "service-port-blocked"),
        "{f:?}"
    );
}
