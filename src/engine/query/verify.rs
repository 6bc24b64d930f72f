//! The command that tests a verdict from inside the cluster, with the
//! outcome to expect. Only text: the tool never runs it (it stays read-only).

use std::net::IpAddr;

use super::{End, Outcome, PortQuery, Reach, Resolved, ServiceReach};
use crate::engine::index::Index;
use crate::engine::model::{PodKey, PortRef, Protocol, Service};

/// The image of the `kubectl debug` variant: it has nc, dig and nslookup.
pub const DEBUG_IMAGE: &str = "nicolaka/netshoot";

/// What to test against.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Through the Service: its DNS name and Service port.
    Service(&'a Service),
    /// A pod, by its IP when known.
    Pod(&'a PodKey),
    Ip(IpAddr),
}

/// What the test should show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Connects,
    TimesOut,
    /// Some backends allowed: kube-proxy picks one per connection.
    Varies,
}

/// A command to run by hand and what it should print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verify {
    /// `kubectl exec` in the client (needs nc/nslookup/dig in its image).
    pub exec: String,
    /// The same from an ephemeral debug container in the client pod (same
    /// network namespace, so the same policies apply).
    pub debug: String,
    pub expect: String,
}

/// DNS is tested with a lookup rather than a bare port probe: a UDP probe
/// cannot tell a drop from a silent success.
fn is_dns(port: u16) -> bool {
    port == 53
}

/// `deploy/NAME` for `kubectl exec` when the pod stands for a workload.
fn exec_ref(idx: &Index, client: &PodKey) -> String {
    let kind = idx
        .pod_owner(client)
        .map(|o| (o.kind.as_str(), o.name.as_str()));
    match kind {
        Some(("Deployment", n)) => format!("deploy/{n}"),
        Some(("StatefulSet", n)) => format!("sts/{n}"),
        Some(("DaemonSet", n)) => format!("ds/{n}"),
        Some(("ReplicaSet", n)) => format!("rs/{n}"),
        Some(("Job", n)) => format!("job/{n}"),
        _ => format!("pod/{}", client.name),
    }
}

/// A pod to attach an ephemeral container to: the pod itself, or one pod of
/// its workload found by its labels (the pod here may stand for a template).
fn debug_ref(idx: &Index, client: &PodKey) -> String {
    if idx.pod_owner(client).is_none() {
        return client.name.clone();
    }
    let labels = idx
        .pod_class(client)
        .map(|c| {
            idx.class(c)
                .labels
                .iter()
                .filter(|(k, _)| k.as_str() != "pod-template-hash")
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    if labels.is_empty() {
        return client.name.clone();
    }
    format!(
        "$(kubectl get pods -n {} -l {labels} -o name | head -n 1)",
        client.namespace
    )
}

/// The test for `client -> target` on `protocol`/`port` (for a Service: the
/// Service port, which is what clients dial).
pub fn verify(
    idx: &Index,
    client: &PodKey,
    target: Target<'_>,
    protocol: Protocol,
    port: u16,
    expect: Expect,
) -> Verify {
    let host = match target {
        Target::Service(s) => s.dns_name(),
        Target::Pod(p) => match idx.pod_ips(p).first() {
            Some(ip) => ip.to_string(),
            None => format!("<IP of {p}>"),
        },
        Target::Ip(ip) => ip.to_string(),
    };
    let (probe, expect_text) = if is_dns(port) && protocol != Protocol::Sctp {
        let tcp = if protocol == Protocol::Tcp {
            "+tcp "
        } else {
            ""
        };
        let probe = if protocol == Protocol::Tcp {
            format!("dig {tcp}+time=3 +tries=1 @{host} kubernetes.default.svc.cluster.local")
        } else {
            format!("nslookup -timeout=3 kubernetes.default.svc.cluster.local {host}")
        };
        let e = match expect {
            Expect::Connects => "an answer (an address, or NXDOMAIN: either way DNS got through)",
            Expect::TimesOut => "no answer: \"connection timed out; no servers could be reached\"",
            Expect::Varies => {
                "answers on some tries and times out on others (each try may reach another backend)"
            }
        };
        (probe, e)
    } else {
        let flags = match protocol {
            Protocol::Udp => "-zuv",
            _ => "-zv",
        };
        let probe = format!("nc {flags} -w 3 {host} {port}");
        let e = match (expect, protocol) {
            (Expect::Connects, Protocol::Udp) => {
                "no error (UDP has no handshake: only an ICMP error or the service's own answer is conclusive)"
            }
            (Expect::Connects, _) => {
                "connects (\"succeeded\"/\"open\"); \"connection refused\" also means the policy let it through"
            }
            (Expect::TimesOut, Protocol::Udp) => {
                "no answer from the service (dropped; a UDP probe alone cannot prove it)"
            }
            (Expect::TimesOut, _) => "times out (the policy drops the packets)",
            (Expect::Varies, _) => {
                "connects on some tries and times out on others (each connection may reach another backend)"
            }
        };
        (probe, e)
    };
    Verify {
        exec: format!(
            "kubectl exec -n {} {} -- {probe}",
            client.namespace,
            exec_ref(idx, client)
        ),
        debug: format!(
            "kubectl debug -n {} -it {} --image={DEBUG_IMAGE} -- {probe}",
            client.namespace,
            debug_ref(idx, client)
        ),
        expect: expect_text.to_string(),
    }
}

impl Verify {
    /// Indented lines for text output.
    pub fn to_text(&self) -> String {
        format!(
            "verify from inside the cluster (not run by this tool):\n  {}\n  or, if the image has no nc/dig/nslookup:\n  {}\n  expect: {}\n",
            self.exec, self.debug, self.expect
        )
    }
}

pub fn expect_of(o: Outcome) -> Expect {
    match o {
        Outcome::All => Expect::Connects,
        Outcome::None => Expect::TimesOut,
        Outcome::Some => Expect::Varies,
    }
}

/// One test per asked Service port, from the first client pod.
pub fn verify_service(idx: &Index, from: &Resolved, reach: &ServiceReach) -> Vec<Verify> {
    let Some(End::Pod(client)) = from.ends.first() else {
        return Vec::new();
    };
    reach
        .ports
        .iter()
        .map(|p| {
            verify(
                idx,
                client,
                Target::Service(&reach.service),
                p.port.protocol,
                p.port.port,
                expect_from(idx, client, p),
            )
        })
        .collect()
}

/// What the command run in `client` should show: the per-backend answers
/// are "any client pod", so the expectation is recomputed for this one.
fn expect_from(idx: &Index, client: &PodKey, p: &super::PortReach) -> Expect {
    let Ok(fv) = super::endpoint(idx, &End::Pod(client.clone())) else {
        return Expect::Varies;
    };
    let (mut allowed, mut total, mut unknown) = (0, 0, 0);
    for b in p.endpoints().filter(|b| b.pod != *client) {
        total += 1;
        let Some(t) = b.target else { continue };
        let verdict = super::endpoint(idx, &End::Pod(b.pod.clone()))
            .ok()
            .and_then(|tv| idx.pair_verdict(fv, tv).ok());
        match verdict {
            _ if b.no_verdict => unknown += 1,
            Some(v) if v.allowed.contains(p.port.protocol, t) => allowed += 1,
            Some(_) => {}
            None => unknown += 1,
        }
    }
    match Outcome::of(allowed, total) {
        // Unknown backends (hostNetwork) may answer: never promise a timeout.
        Outcome::None if unknown > 0 => Expect::Varies,
        o => expect_of(o),
    }
}

/// The test for a pod or address destination (`--verify`, or a Service client).
pub fn verify_pods(
    idx: &Index,
    from: &Resolved,
    to: &Resolved,
    reach: &Reach,
    port: Option<&PortQuery>,
) -> Option<Verify> {
    let End::Pod(client) = from.ends.first()? else {
        return None;
    };
    let answer = reach.answers.first()?;
    let (protocol, number) = match port {
        Some(PortQuery {
            protocol,
            port: PortRef::Number(n),
        }) => (*protocol, *n),
        Some(PortQuery {
            protocol,
            port: PortRef::Name(name),
        }) => {
            let End::Pod(p) = to.ends.first()? else {
                return None;
            };
            let c = idx.pod_class(p)?;
            let n = idx
                .class(c)
                .ports
                .iter()
                .find(|cp| cp.protocol == *protocol && cp.name.as_deref() == Some(name))?
                .port;
            (*protocol, n)
        }
        // Without a port there is no single command to run.
        None => return None,
    };
    let target = match to.ends.first()? {
        End::Pod(p) => Target::Pod(p),
        End::Ip(ip) => Target::Ip(*ip),
    };
    let expect = if answer.explanation.allowed {
        Expect::Connects
    } else {
        Expect::TimesOut
    };
    Some(verify(idx, client, target, protocol, number, expect))
}
