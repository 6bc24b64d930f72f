//! `bench --cluster-policies N`: the synthetic cluster plus N cluster-scoped
//! policies (Admin and Baseline; Accept, Deny and Pass; namespaces, pods and
//! networks peers): index build, full class connectivity, and one verdict
//! with its explanation (the tier chain).

use std::time::Instant;

use ipnet::IpNet;

use super::bench::build_and_connect;
use crate::engine::model::{LabelSelector, Labels, NS_NAME_LABEL, PolicyPort, PortRef, Protocol};
use crate::engine::query::{can_reach, resolve};
use crate::engine::tiers::{Action, ClusterKind, ClusterPolicy, Selects, Tier, TierPeer, TierRule};
use crate::source::synth::{SynthSpec, generate};

pub const HEADER: &str = "| pods | classes | cluster-scoped policies | index build (ms) | class connectivity (ms) | explicit class pairs | allowed class pairs | one verdict with explanation (ms) | verdict | peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|---|---|\n";

fn sel(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Labels>(),
        match_expressions: vec![],
    }
}

fn rule(name: &str, action: Action, peers: Vec<TierPeer>, ports: &[u16]) -> TierRule {
    TierRule {
        name: Some(name.to_string()),
        action,
        peers,
        ports: ports
            .iter()
            .map(|&p| PolicyPort {
                protocol: Protocol::Tcp,
                port: Some(PortRef::Number(p)),
                end_port: None,
            })
            .collect(),
    }
}

fn net(s: &str) -> Vec<IpNet> {
    s.parse().map(|n| vec![n]).unwrap_or_default()
}

/// The namespace policy `i` protects (spread over the cluster).
fn target_ns(i: usize, n_ns: usize) -> String {
    format!("ns-{:05}", (i * 33) % n_ns.max(1))
}

/// `n` cluster-scoped policies over `n_ns` synthetic namespaces: two
/// cluster-wide Admin guardrails (metadata endpoint denied, monitoring
/// passed to the namespaces' own policies), then per-namespace Admin
/// lockdowns and Baseline defaults.
pub fn cluster_policies(n: usize, n_ns: usize) -> Vec<ClusterPolicy> {
    let mut out = Vec::new();
    let policy = |name: String, tier, priority, subject, ingress, egress| ClusterPolicy {
        kind: ClusterKind::Cnp,
        name,
        tier,
        priority,
        subject,
        ingress,
        egress,
    };
    if n > 0 {
        out.push(policy(
            "deny-metadata".into(),
            Tier::Admin,
            1,
            Selects::Namespaces(LabelSelector::default()),
            vec![],
            vec![rule(
                "metadata",
                Action::Deny,
                vec![TierPeer::Networks(net("169.254.169.254/32"))],
                &[],
            )],
        ));
    }
    if n > 1 {
        out.push(policy(
            "pass-monitoring".into(),
            Tier::Admin,
            2,
            Selects::Namespaces(LabelSelector::default()),
            vec![rule(
                "monitoring",
                Action::Pass,
                vec![TierPeer::Pods(Selects::Namespaces(sel(&[(
                    "team",
                    "monitoring",
                )])))],
                &[],
            )],
            vec![],
        ));
    }
    for i in 2..n {
        let ns = target_ns(i, n_ns);
        let team = format!("team-{}", ((i * 33) % n_ns.max(1)) % 50);
        let subject = if i % 2 == 0 {
            Selects::Namespaces(sel(&[(NS_NAME_LABEL, &ns)]))
        } else {
            Selects::Pods {
                namespaces: sel(&[(NS_NAME_LABEL, &ns)]),
                pods: sel(&[("app", "svc-1")]),
            }
        };
        let own = TierPeer::Pods(Selects::Namespaces(sel(&[(NS_NAME_LABEL, &ns)])));
        if i % 4 == 0 {
            // Baseline default for the namespace: its own pods, nothing else.
            out.push(policy(
                format!("baseline-{ns}"),
                Tier::Baseline,
                10 + (i % 900) as u32,
                subject,
                vec![
                    rule("own-namespace", Action::Accept, vec![own], &[]),
                    rule(
                        "default-deny",
                        Action::Deny,
                        vec![TierPeer::Pods(
                            Selects::Namespaces(LabelSelector::default()),
                        )],
                        &[],
                    ),
                ],
                vec![],
            ));
            continue;
        }
        let egress = if i % 3 == 0 {
            vec![
                rule("own-namespace", Action::Accept, vec![own], &[]),
                rule(
                    "no-metrics-scraping-out",
                    Action::Deny,
                    vec![TierPeer::Networks(net("10.0.0.0/8"))],
                    &[9100],
                ),
            ]
        } else {
            vec![]
        };
        out.push(policy(
            format!("lockdown-{ns}"),
            Tier::Admin,
            10 + (i % 900) as u32,
            subject,
            vec![
                rule(
                    "team",
                    Action::Accept,
                    vec![TierPeer::Pods(Selects::Namespaces(sel(&[("team", &team)])))],
                    &[8080],
                ),
                rule(
                    "monitoring",
                    Action::Pass,
                    vec![TierPeer::Pods(Selects::Pods {
                        namespaces: sel(&[("team", "monitoring")]),
                        pods: sel(&[("app", "prometheus")]),
                    })],
                    &[],
                ),
                rule(
                    "deny-dev",
                    Action::Deny,
                    vec![TierPeer::Pods(Selects::Namespaces(sel(&[("env", "dev")])))],
                    &[],
                ),
            ],
            egress,
        ));
    }
    out
}

/// One size in this process: a result line.
pub fn one(pods: usize, n: usize) -> String {
    let mut snap = generate(SynthSpec::with_pods(pods));
    let n_ns = snap
        .namespaces
        .iter()
        .filter(|ns| ns.name.starts_with("ns-"))
        .count();
    snap.cluster_policies = cluster_policies(n, n_ns);
    let n_pods = snap.pods.len();
    let (idx, b) = build_and_connect(snap);
    let (build, conn, explicit, total) = (b.build, b.conn, b.explicit, b.total);
    // A client in a dev namespace towards a locked-down namespace's svc-1.
    let (from, to) = (
        "ns-00001/svc-0-7d9f8-000",
        format!("{}/svc-1-7d9f8-000", target_ns(3, n_ns)),
    );
    let t = Instant::now();
    let verdict = resolve(&idx, from, None)
        .and_then(|f| resolve(&idx, &to, None).map(|t| (f, t)))
        .and_then(|(f, t)| can_reach(&idx, &f, &t, None))
        .map(|r| {
            r.answers
                .first()
                .map(|a| {
                    (
                        a.explanation.summary.clone(),
                        a.explanation.to_text().lines().count(),
                    )
                })
                .unwrap_or_default()
        });
    let verdict_t = t.elapsed();
    let verdict = match verdict {
        Ok((summary, lines)) => format!("{from} -> {to}: {summary} ({lines} lines)"),
        Err(e) => format!("error: {e}"),
    };
    format!(
        "| {n_pods} | {} | {n} | {:.1} | {:.1} | {explicit} | {total} | {:.1} | {} | {:.0} |",
        idx.class_count(),
        build.as_secs_f64() * 1000.0,
        conn.as_secs_f64() * 1000.0,
        verdict_t.as_secs_f64() * 1000.0,
        verdict.replace('|', "\\|"),
        super::bench::peak_rss_mib().unwrap_or(f64::NAN),
    )
}
