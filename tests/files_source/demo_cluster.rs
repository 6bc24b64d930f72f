//! The embedded demo cluster.

use super::*;

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
