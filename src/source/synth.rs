//! A synthetic cluster for benchmarks and scale tests: namespaces of
//! replicated deployments with realistic policies (default-deny both ways,
//! DNS egress, intra-namespace allows, cross-namespace monitoring), at any
//! size up to the largest cluster Kubernetes supports.

use std::net::{IpAddr, Ipv4Addr};

use crate::engine::model::{
    ContainerPort, IpBlock, LabelSelector, Labels, Namespace, Operator, Owner, Peer, Pod, Policy,
    PolicyPort, PortRef, Protocol, Requirement, Rule, Snapshot,
};

/// Shape of the generated cluster.
#[derive(Debug, Clone, Copy)]
pub struct SynthSpec {
    pub pods: usize,
    /// Pods per namespace (150k pods / 15 = 10k namespaces).
    pub pods_per_namespace: usize,
    pub replicas: usize,
    /// One namespace in `open_every` has no policy at all.
    pub open_every: usize,
}

impl SynthSpec {
    pub fn with_pods(pods: usize) -> Self {
        SynthSpec {
            pods,
            pods_per_namespace: 15,
            replicas: 3,
            open_every: 10,
        }
    }
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sel(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: labels(pairs),
        match_expressions: vec![],
    }
}

fn port(proto: Protocol, p: PortRef) -> PolicyPort {
    PolicyPort {
        protocol: proto,
        port: Some(p),
        end_port: None,
    }
}

pub fn generate(spec: SynthSpec) -> Snapshot {
    let mut s = Snapshot::default();
    let n_ns = spec.pods.div_ceil(spec.pods_per_namespace.max(1)).max(1);
    let deployments = spec
        .pods_per_namespace
        .div_ceil(spec.replicas.max(1))
        .max(1);
    s.namespaces
        .push(Namespace::new("kube-system", Labels::new()));
    s.namespaces.push(Namespace::new(
        "monitoring",
        labels(&[("team", "monitoring")]),
    ));
    s.pods.push(Pod {
        namespace: "kube-system".into(),
        name: "coredns-0".into(),
        labels: labels(&[("k8s-app", "kube-dns")]),
        ports: ContainerPort::cluster_dns(),
        ips: vec![IpAddr::V4(Ipv4Addr::new(10, 255, 0, 2))],
        host_network: false,
        owner: Some(Owner {
            kind: "Deployment".into(),
            name: "coredns".into(),
        }),
    });
    s.pods.push(Pod {
        namespace: "monitoring".into(),
        name: "prometheus-0".into(),
        labels: labels(&[("app", "prometheus")]),
        ports: vec![ContainerPort {
            name: Some("web".into()),
            port: 9090,
            protocol: Protocol::Tcp,
        }],
        ips: vec![IpAddr::V4(Ipv4Addr::new(10, 255, 0, 3))],
        host_network: false,
        owner: Some(Owner {
            kind: "StatefulSet".into(),
            name: "prometheus".into(),
        }),
    });
    let mut pod_no: u32 = 0;
    let mut made = 0;
    for n in 0..n_ns {
        let ns = format!("ns-{n:05}");
        let team = format!("team-{}", n % 50);
        s.namespaces.push(Namespace::new(
            ns.clone(),
            labels(&[
                ("team", &team),
                ("env", if n % 3 == 0 { "prod" } else { "dev" }),
            ]),
        ));
        for d in 0..deployments {
            let app = format!("svc-{d}");
            let tier = if d == 0 { "frontend" } else { "backend" };
            for r in 0..spec.replicas {
                if made >= spec.pods {
                    break;
                }
                made += 1;
                pod_no += 1;
                s.pods.push(Pod {
                    namespace: ns.clone(),
                    name: format!("{app}-7d9f8-{r:03}"),
                    labels: labels(&[
                        ("app", &app),
                        ("tier", tier),
                        ("pod-template-hash", "7d9f8"),
                    ]),
                    ports: vec![
                        ContainerPort {
                            name: Some("http".into()),
                            port: 8080,
                            protocol: Protocol::Tcp,
                        },
                        ContainerPort {
                            name: Some("metrics".into()),
                            port: 9100,
                            protocol: Protocol::Tcp,
                        },
                    ],
                    ips: vec![IpAddr::V4(Ipv4Addr::from(0x0a00_0000u32 + pod_no))],
                    host_network: false,
                    owner: Some(Owner {
                        kind: "Deployment".into(),
                        name: app.clone(),
                    }),
                });
            }
        }
        if spec.open_every > 0 && n % spec.open_every == spec.open_every - 1 {
            continue; // a namespace nobody secured
        }
        // 1: default deny both ways, with DNS to kube-dns on UDP and TCP 53.
        s.policies.push(Policy {
            namespace: ns.clone(),
            name: "default-deny".into(),
            pod_selector: LabelSelector::default(),
            ingress_type: true,
            egress_type: true,
            ingress: vec![],
            egress: vec![Rule {
                peers: vec![Peer::Pods {
                    namespace_selector: Some(sel(&[(
                        "kubernetes.io/metadata.name",
                        "kube-system",
                    )])),
                    pod_selector: Some(sel(&[("k8s-app", "kube-dns")])),
                }],
                ports: vec![
                    port(Protocol::Udp, PortRef::Number(53)),
                    port(Protocol::Tcp, PortRef::Number(53)),
                ],
            }],
        });
        // 2: frontends reach backends in the namespace; backends take
        // traffic from frontends and from monitoring; frontends egress to the
        // internet except the metadata endpoint.
        s.policies.push(Policy {
            namespace: ns.clone(),
            name: "app-flows".into(),
            pod_selector: LabelSelector {
                match_labels: Labels::new(),
                match_expressions: vec![Requirement {
                    key: "tier".into(),
                    op: Operator::Exists,
                }],
            },
            ingress_type: true,
            egress_type: true,
            ingress: vec![
                Rule {
                    peers: vec![Peer::Pods {
                        namespace_selector: None,
                        pod_selector: Some(sel(&[("tier", "frontend")])),
                    }],
                    ports: vec![port(Protocol::Tcp, PortRef::Name("http".into()))],
                },
                Rule {
                    peers: vec![Peer::Pods {
                        namespace_selector: Some(sel(&[("team", "monitoring")])),
                        pod_selector: Some(sel(&[("app", "prometheus")])),
                    }],
                    ports: vec![port(Protocol::Tcp, PortRef::Name("metrics".into()))],
                },
            ],
            egress: vec![
                Rule {
                    peers: vec![Peer::Pods {
                        namespace_selector: None,
                        pod_selector: Some(sel(&[("tier", "backend")])),
                    }],
                    ports: vec![port(Protocol::Tcp, PortRef::Number(8080))],
                },
                Rule {
                    peers: vec![Peer::IpBlock(IpBlock {
                        cidr: "0.0.0.0/0"
                            .parse()
                            .unwrap_or_else(|_| unreachable!("literal CIDR")),
                        except: vec![
                            "10.0.0.0/8"
                                .parse()
                                .unwrap_or_else(|_| unreachable!("literal CIDR")),
                            "169.254.169.254/32"
                                .parse()
                                .unwrap_or_else(|_| unreachable!("literal CIDR")),
                        ],
                    })],
                    ports: vec![port(Protocol::Tcp, PortRef::Number(443))],
                },
            ],
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_spec() {
        let s = generate(SynthSpec::with_pods(1500));
        assert_eq!(s.pods.len(), 1502); // + coredns + prometheus
        assert_eq!(s.namespaces.len(), 102);
        assert_eq!(s.policies.len(), 180); // 90 secured namespaces x 2
    }
}
