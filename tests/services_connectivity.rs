//! `connectivity --by service`: rows between Services with the Service ports
//! that pass, "all" only when every (client pod, backend pod) pair passes.

use std::process::Command;

use netpol_tui::engine::connectivity::{SvcConn, SvcRow, service_report};
use netpol_tui::engine::index::Index;
use netpol_tui::source::files::load_sources;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-netpol_tui");
const NAMED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/services/named-target-port.yaml"
);

fn index(yaml: &str) -> Index {
    let m = load_sources(&[("t.yaml".to_string(), yaml.to_string())]);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    Index::from_snapshot(m.snapshot)
}

fn row<'a>(rows: &'a [SvcRow], src: &str, dst: &str) -> Option<&'a SvcRow> {
    rows.iter().find(|r| r.src == src && r.dst == dst)
}

fn cli(args: &[&str]) -> (i32, String) {
    let o = Command::new(BIN).args(args).output().expect("runs");
    let out = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code().unwrap_or(-1), out)
}

#[test]
fn named_target_port_that_differs_per_backend_is_some_not_all() {
    let text = std::fs::read_to_string(NAMED).expect("fixture");
    let r = service_report(&index(&text));
    let to_api = row(&r.rows, "shop/fe-7d9f[ReplicaSet]", "pay/api[Service]").expect("row");
    let SvcConn::Service(ports) = &to_api.conn else {
        panic!("a Service destination lists Service ports: {to_api:?}")
    };
    assert_eq!(ports.len(), 1);
    let p = &ports[0];
    assert_eq!(p.port.port, 443);
    assert_eq!(p.targets, vec![8443, 9443]);
    assert_eq!(p.allowed_targets, vec![8443]);
    assert_eq!((p.allowed, p.pairs), (2, 3));
    assert!(!p.all() && !to_api.conn.all());
    assert_eq!(
        to_api.conn.to_string(),
        "TCP 443->8443,9443 (some: 2 of 3 pod pairs, on 8443)"
    );
    // The backends are not isolated for egress: the way back is open.
    let back = row(&r.rows, "pay/api[Service]", "shop/fe-7d9f[ReplicaSet]").expect("row");
    assert!(back.conn.all());
}

#[test]
fn a_blocked_service_port_gives_no_row_and_only_passing_ports_are_listed() {
    // Two Service ports; the policy allows only the target of the second.
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: a, labels: {app: c}}
spec: {containers: [{name: c, image: x}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: s, namespace: b, labels: {app: s}}
spec: {containers: [{name: c, image: x, ports: [{name: web, containerPort: 8080}, {name: admin, containerPort: 9000}]}]}
status: {phase: Running}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: b}
spec:
  selector: {app: s}
  ports:
  - {name: http, port: 80, targetPort: web}
  - {name: admin, port: 9000, targetPort: admin}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-admin, namespace: b}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {}}]
    ports: [{port: 9000}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-in, namespace: a}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"#;
    let r = service_report(&index(yaml));
    let to_s = row(&r.rows, "a/c[Pod]", "b/s[Service]").expect("row");
    assert_eq!(to_s.conn.to_string(), "TCP 9000->9000");
    assert!(to_s.conn.all());
    // Nothing may enter a: no row towards it.
    assert!(
        row(&r.rows, "b/s[Service]", "a/c[Pod]").is_none(),
        "{:?}",
        r.rows
    );
}

#[test]
fn a_pod_never_pairs_with_itself_and_unknown_backends_are_listed() {
    // p1 is a backend of both s1 and s2: s1 -> s2 is p2 -> p1 only.
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: x, labels: {app: a, role: r}}
spec: {containers: [{name: c, image: x}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, namespace: x, labels: {app: a}}
spec: {containers: [{name: c, image: x}]}
status: {phase: Running}
---
apiVersion: v1
kind: Service
metadata: {name: s1, namespace: x}
spec: {selector: {app: a}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: s2, namespace: x}
spec: {selector: {role: r}, ports: [{port: 81}]}
---
apiVersion: v1
kind: Service
metadata: {name: manual, namespace: x}
spec: {ports: [{port: 82}]}
---
apiVersion: v1
kind: Service
metadata: {name: alias, namespace: x}
spec: {type: ExternalName, externalName: example.com}
---
apiVersion: v1
kind: Service
metadata: {name: orphan, namespace: x}
spec: {selector: {app: none}, ports: [{port: 83}]}
---
apiVersion: v1
kind: Pod
metadata: {name: node-agent, namespace: x, labels: {app: agent}}
spec: {hostNetwork: true, containers: [{name: c, image: x}]}
status: {phase: Running}
---
apiVersion: v1
kind: Service
metadata: {name: agent, namespace: x}
spec: {selector: {app: agent}, ports: [{port: 84}]}
"#;
    let r = service_report(&index(yaml));
    let SvcConn::Service(p) = &row(&r.rows, "x/s1[Service]", "x/s2[Service]")
        .expect("row")
        .conn
    else {
        panic!("Service row")
    };
    assert_eq!((p[0].allowed, p[0].pairs), (1, 1));
    let SvcConn::Service(p) = &row(&r.rows, "x/s2[Service]", "x/s1[Service]")
        .expect("row")
        .conn
    else {
        panic!("Service row")
    };
    assert_eq!((p[0].allowed, p[0].pairs), (1, 1));
    assert_eq!(
        r.unknown_backends,
        vec!["x/alias[Service]", "x/manual[Service]"]
    );
    assert_eq!(r.no_backends, vec!["x/orphan[Service]"]);
    // Backends on the host network get no verdict: not "no backends", no rows.
    assert_eq!(r.host_network_backends, vec!["x/agent[Service]"]);
    assert!(r.rows.iter().all(|row| !row.src.contains("manual")
        && !row.src.contains("agent")
        && !row.dst.contains("agent")
        && !row.dst.contains("alias")
        && !row.dst.contains("orphan")));
}

#[test]
fn demo_canary_and_every_format() {
    let (code, out) = cli(&["connectivity", "--demo", "--by", "service"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("shop/checkout[Service] => payments/api[Service] : TCP 443->8443,9443 (some: 1 of 2 pod pairs, on 8443)"),
        "{out}"
    );
    // Workloads no Service selects keep their workload name.
    assert!(out.contains("payments/worker[Deployment] => kube-system/kube-dns[Service] : UDP 53->53, TCP 53->53\n"), "{out}");
    assert!(
        out.contains("# legacy/mainframe[Service]: backends not known"),
        "{out}"
    );
    // hostNetwork pods get no verdicts, so no rows.
    assert!(!out.contains("calico-node"), "{out}");

    let (code, out) = cli(&["connectivity", "--demo", "--by", "service", "-o", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["schema"], "netpol-service-connectivity/v1");
    let conn = v["connections"]
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["from"] == "shop/checkout[Service]" && c["to"] == "payments/api[Service]")
        .expect("row");
    assert_eq!(conn["outcome"], "some");
    assert_eq!(conn["service_ports"][0]["allowed_pairs"], 1);
    assert_eq!(conn["service_ports"][0]["pairs"], 2);
    assert_eq!(
        conn["service_ports"][0]["target_ports"],
        serde_json::json!([8443, 9443])
    );

    let (_, md) = cli(&["connectivity", "--demo", "--by", "service", "-o", "md"]);
    assert!(md.contains("| shop/checkout[Service] | payments/api[Service] | TCP 443->8443,9443 (some: 1 of 2 pod pairs, on 8443) |"), "{md}");
    let (_, csv) = cli(&["connectivity", "--demo", "--by", "service", "-o", "csv"]);
    assert!(csv.starts_with("src,dst,conn\n"), "{csv}");
    assert!(csv.contains("shop/checkout[Service],payments/api[Service],\"TCP 443->8443,9443 (some: 1 of 2 pod pairs, on 8443)\""), "{csv}");
    let (_, dot) = cli(&["connectivity", "--demo", "--by", "service", "-o", "dot"]);
    assert!(dot.contains("\"shop/checkout[Service]\" -> \"payments/api[Service]\" [label=\"TCP 443->8443,9443 (some: 1 of 2 pod pairs, on 8443)\", style=dashed];"), "{dot}");
    assert!(
        dot.contains("\"payments/api[Service]\" [label=\"api[Service]\", shape=ellipse];"),
        "{dot}"
    );

    // -n keeps the rows touching the namespace.
    let (_, out) = cli(&[
        "connectivity",
        "--demo",
        "--by",
        "service",
        "-n",
        "payments",
    ]);
    assert!(out.lines().all(|l| l.contains("payments/")), "{out}");
}

/// `--by service` agrees with `can-reach` per backend on the demo: a port is
/// missing exactly when no backend is allowed, and "all" implies every
/// backend allowed.
#[test]
fn agrees_with_can_reach_per_backend_on_the_demo() {
    use netpol_tui::engine::model::ServiceKey;
    use netpol_tui::engine::query::{can_reach_service, resolve_service_client};
    let idx = Index::from_snapshot(netpol_tui::source::demo::load().snapshot);
    let r = service_report(&idx);
    let services: Vec<ServiceKey> = idx
        .services()
        .filter(|s| s.backends_known() && !idx.service_backends(s).is_empty())
        .map(|s| s.key())
        .collect();
    let mut checked = 0;
    for a in &services {
        let spec_a = format!("svc/{a}");
        let Ok(from) = resolve_service_client(&idx, &spec_a, a) else {
            continue;
        };
        for b in services.iter().filter(|b| *b != a) {
            let reach =
                can_reach_service(&idx, &from, &format!("svc/{b}"), b, None).expect("answer");
            let row = row(
                &r.rows,
                &format!("{}/{}[Service]", a.namespace, a.name),
                &format!("{}/{}[Service]", b.namespace, b.name),
            );
            for p in &reach.ports {
                let listed = row.and_then(|row| match &row.conn {
                    SvcConn::Service(ports) => ports.iter().find(|x| x.port == p.port),
                    SvcConn::Workload { .. } => None,
                });
                match listed {
                    None => assert_eq!(
                        p.allowed_count() + p.partly_count(),
                        0,
                        "{a} -> {b} {:?}",
                        p.port
                    ),
                    Some(x) => {
                        assert!(
                            p.allowed_count() + p.partly_count() > 0,
                            "{a} -> {b} {:?}",
                            p.port
                        );
                        if x.all() {
                            assert_eq!(p.allowed_count(), p.endpoints().count());
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
}
