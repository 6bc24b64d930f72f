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

#[test]
fn a_service_client_says_all_some_or_none_and_json_allowed_means_all() {
    let (code, out) = cli(&[
        "can-reach",
        "--demo",
        "svc/payments/api",
        "payments/db",
        "--port",
        "5432",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("one answer per kind of pod (all are allowed)"),
        "{out}"
    );
    let (code, out) = cli(&[
        "can-reach",
        "--demo",
        "svc/payments/api",
        "payments/worker",
        "--port",
        "9090",
        "-o",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["outcome"], "none");
    assert_eq!(v["allowed"], false);
    // checkout's egress allows 8443 only: the canary's 9443 is denied.
    let (code, out) = cli(&[
        "can-reach",
        "--demo",
        "shop/checkout",
        "svc/payments/api",
        "-o",
        "json",
    ]);
    assert_eq!(code, 3, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["outcome"], "some");
    assert_eq!(v["allowed"], false);
}

#[test]
fn a_host_network_backend_has_no_verdict_and_is_never_counted_as_allowed() {
    let dir = std::env::temp_dir().join(format!("netpol-svc-hn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let f = dir.join("hn.yaml");
    let base = concat!(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: agent}}\n",
        "spec: {hostNetwork: true, containers: [{name: c, image: x, ports: [{containerPort: 9100}]}]}\n",
        "status: {phase: Running}\n---\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: agent}}\n",
        "spec: {containers: [{name: c, image: x, ports: [{containerPort: 9100}]}]}\n",
        "status: {phase: Running}\n---\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: y, labels: {app: c}}\n",
        "spec: {containers: [{name: c, image: x}]}\nstatus: {phase: Running}\n---\n",
        "apiVersion: v1\nkind: Service\nmetadata: {name: agent, namespace: x}\n",
        "spec: {selector: {app: agent}, ports: [{port: 9100}]}\n",
    );
    std::fs::write(&f, base).expect("write");
    let path = f.to_str().expect("utf-8 path");
    // b is allowed (nothing isolates it); a has no verdict: "some", exit 3.
    let (code, out) = cli(&["can-reach", "-f", path, "y/client", "svc/x/agent"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("1 of 2 backends allowed"), "{out}");
    assert!(out.contains("1 is a hostNetwork pod: no verdict"), "{out}");
    assert!(out.contains("? x/a on TCP 9100: hostNetwork pod"), "{out}");
    let (_, out) = cli(&["connectivity", "-f", path, "--by", "service"]);
    assert!(
        out.contains("y/client[Pod] => x/agent[Service] : TCP 9100->9100 (some: 1 of 2 pod pairs)"),
        "{out}"
    );
    assert!(
        out.contains("# x/agent[Service]: its hostNetwork backends"),
        "{out}"
    );
    // Deny b: nothing allowed and a has no verdict: no answer, not "none".
    let deny = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n";
    std::fs::write(&f, format!("{base}{deny}")).expect("write");
    let (code, out) = cli(&["can-reach", "-f", path, "y/client", "svc/x/agent"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("hostNetwork"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_verify_expectation_is_for_the_pod_the_command_runs_in() {
    // Service a/s has two kinds of pods; only v2 may call t. The command
    // runs in the first client pod (v1): it must expect a timeout, even
    // though some client pod is allowed.
    let yaml = pod("a", "s-1", "{app: s, v: v1}", "[]")
        + &pod("a", "s-2", "{app: s, v: v2}", "[]")
        + &svc("a", "s", "{selector: {app: s}, ports: [{port: 80}]}")
        + &pod("b", "t-1", "{app: t}", "[{containerPort: 8080}]")
        + &svc(
            "b",
            "t",
            "{selector: {app: t}, ports: [{port: 80, targetPort: 8080}]}",
        )
        + "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: eg, namespace: a}\nspec:\n  podSelector: {matchLabels: {v: v2}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {app: t}}}]\n    ports: [{port: 8080}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: eg-v1, namespace: a}\nspec:\n  podSelector: {matchLabels: {v: v1}}\n  policyTypes: [Egress]\n";
    let dir = std::env::temp_dir().join(format!("netpol-svc-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let f = dir.join("v.yaml");
    std::fs::write(&f, &yaml).expect("write");
    let path = f.to_str().expect("utf-8 path");
    let (code, out) = cli(&["can-reach", "-f", path, "svc/a/s", "svc/b/t"]);
    // Only some client pods may reach the backend: "some", never "allowed".
    assert_eq!(code, 3, "{out}");
    assert!(
        out.starts_with("PARTLY ALLOWED: svc/a/s -> Service b/t"),
        "{out}"
    );
    assert!(
        out.contains("0 of 1 backend allowed on TCP 8080 (Service port 80); 1 is allowed from some client pods only"),
        "{out}"
    );
    assert!(
        out.contains("~ b/t-1 on TCP 8080: allowed from some client pods only"),
        "{out}"
    );
    assert!(out.contains("kubectl exec -n a pod/s-1 --"), "{out}");
    assert!(out.contains("expect: times out"), "{out}");
    let (code, out) = cli(&["connectivity", "-f", path, "--by", "service"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("a/s[Service] => b/t[Service] : TCP 80->8080 (some: 1 of 2 pod pairs)"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
