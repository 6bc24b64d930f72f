//! `can-reach FROM TO [--port 5432/TCP]`: the verdict and why.

use std::net::IpAddr;

use clap::Args;
use color_eyre::eyre::{Result, bail, eyre};
use serde::Serialize;

use crate::engine::explain::{Explanation, Mark, explain};
use crate::engine::index::{ClassId, Index};
use crate::engine::ipblock::IpRange;
use crate::engine::model::{PodKey, Protocol};
use crate::engine::verdict::{Endpoint, NoVerdict};

#[derive(Debug, Args)]
pub struct CanReachArgs {
    /// The client: ns/pod, ns/workload, or an IP address.
    pub from: String,
    /// The server: ns/pod, ns/workload, or an IP address.
    pub to: String,
    /// PORT[/PROTOCOL] (protocol defaults to TCP); PORT may be a named port
    /// of the destination. Without it: everything that is allowed.
    #[arg(long, short = 'p')]
    pub port: Option<String>,
    /// Output format: text or json.
    #[arg(short = 'o', long = "output", default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

/// What a user named: pods (one class each) or an address.
#[derive(Debug)]
pub struct Resolved {
    pub name: String,
    pub endpoints: Vec<(String, Endpoint)>,
}

/// Resolves `ns/pod`, `ns/workload`, `ns/workload[Kind]`, `pod` with -n, or an IP.
pub fn resolve(idx: &Index, spec: &str, default_ns: Option<&str>) -> Result<Resolved> {
    if let Ok(ip) = spec.parse::<IpAddr>() {
        let pods = idx.pods_with_ip(ip);
        if pods.is_empty() {
            return Ok(Resolved {
                name: spec.to_string(),
                endpoints: vec![(spec.to_string(), Endpoint::Ip(IpRange::single(ip)))],
            });
        }
        return Ok(pods_endpoints(idx, spec, pods));
    }
    let (ns, name) = match spec.split_once('/') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => match default_ns {
            Some(ns) => (ns.to_string(), spec.to_string()),
            None => bail!("{spec:?}: name the namespace as ns/name (or pass -n)"),
        },
    };
    let key = PodKey::new(&ns, &name);
    if idx.pod_class(&key).is_some() {
        return Ok(pods_endpoints(idx, spec, vec![key]));
    }
    // A workload: `name` or `name[Kind]`.
    let (wname, kind) = match name.strip_suffix(']').and_then(|n| n.split_once('[')) {
        Some((n, k)) => (n.to_string(), Some(k.to_string())),
        None => (name.clone(), None),
    };
    let pods: Vec<PodKey> = idx
        .pods_in(&ns)
        .filter(|k| match idx.pod_owner(k) {
            Some(o) => o.name == wname && kind.as_ref().is_none_or(|kd| *kd == o.kind),
            None => k.name == wname && kind.as_ref().is_none_or(|kd| kd == "Pod"),
        })
        .cloned()
        .collect();
    if pods.is_empty() {
        let known: Vec<String> = idx.pods_in(&ns).take(8).map(|k| k.name.clone()).collect();
        if known.is_empty() {
            bail!(
                "{spec:?}: no pod or workload named {name:?} in namespace {ns:?} (the namespace has no pods)"
            );
        }
        bail!(
            "{spec:?}: no pod or workload named {name:?} in namespace {ns:?}; pods there include: {}",
            known.join(", ")
        );
    }
    Ok(pods_endpoints(idx, spec, pods))
}

fn pods_endpoints(idx: &Index, spec: &str, pods: Vec<PodKey>) -> Resolved {
    // One pod per class is enough: the others get the same verdict.
    let mut seen: Vec<ClassId> = Vec::new();
    let mut endpoints = Vec::new();
    for k in pods {
        if let Some(c) = idx.pod_class(&k)
            && !seen.contains(&c)
        {
            seen.push(c);
            endpoints.push((k.to_string(), Endpoint::Class(c)));
        }
    }
    Resolved {
        name: spec.to_string(),
        endpoints,
    }
}

/// Parses `5432`, `5432/TCP`, `53/udp`, `http/TCP`. A name is resolved
/// against the destination's declared ports.
pub fn parse_port(spec: &str) -> Result<(Option<u16>, Option<String>, Protocol)> {
    let (p, proto) = match spec.split_once('/') {
        Some((p, proto)) => (
            p,
            Protocol::parse_loose(proto)
                .ok_or_else(|| eyre!("{proto:?}: protocol must be TCP, UDP or SCTP"))?,
        ),
        None => (spec, Protocol::Tcp),
    };
    match p.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok((Some(n as u16), None, proto)),
        Ok(n) => bail!("port {n} is out of range 1-65535"),
        // Too many digits for u32: a number, not a port name.
        Err(_) if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => {
            bail!("port {p} is out of range 1-65535")
        }
        Err(_) if !p.is_empty() => Ok((None, Some(p.to_string()), proto)),
        Err(_) => bail!("{spec:?}: expected PORT[/PROTOCOL], e.g. 5432/TCP"),
    }
}

#[derive(Serialize)]
struct JsonLine<'a> {
    mark: &'static str,
    indent: u8,
    text: &'a str,
}

#[derive(Serialize)]
struct JsonAnswer<'a> {
    from: &'a str,
    to: &'a str,
    allowed: bool,
    allowed_ports: std::collections::BTreeMap<&'static str, Vec<[u16; 2]>>,
    summary: &'a str,
    explanation: Vec<JsonLine<'a>>,
}

/// Runs the command; returns the text to print and whether it is allowed.
pub fn run(idx: &Index, args: &CanReachArgs, default_ns: Option<&str>) -> Result<(String, bool)> {
    let from = resolve(idx, &args.from, default_ns)?;
    let to = resolve(idx, &args.to, default_ns)?;
    let port = args.port.as_deref().map(parse_port).transpose()?;
    let mut answers: Vec<(String, String, Explanation)> = Vec::new();
    for (fname, fe) in &from.endpoints {
        for (tname, te) in &to.endpoints {
            if fname == tname {
                bail!(
                    "{} and {} are the same pod: self-traffic is not governed by NetworkPolicy",
                    from.name,
                    to.name
                );
            }
            let q = match &port {
                None => None,
                Some((Some(n), _, proto)) => Some((*proto, *n)),
                Some((None, Some(name), proto)) => {
                    let Endpoint::Class(c) = te else {
                        bail!("named port {name:?} needs a pod as destination, not an address");
                    };
                    let declared = idx
                        .class(*c)
                        .ports
                        .iter()
                        .find(|p| p.protocol == *proto && p.name.as_deref() == Some(name));
                    match declared {
                        Some(p) => Some((*proto, p.port)),
                        None => bail!("{tname} declares no {proto} port named {name:?}"),
                    }
                }
                Some((None, None, _)) => None,
            };
            let v = match idx.pair_verdict(*fe, *te) {
                Ok(v) => v,
                Err(NoVerdict::HostNetwork) => bail!(
                    "{fname} -> {tname}: a hostNetwork pod is involved; NetworkPolicy does not govern hostNetwork pods, so there is no verdict"
                ),
                Err(NoVerdict::NoPod) => bail!(
                    "both ends are addresses outside the cluster: NetworkPolicy has nothing to say"
                ),
            };
            let ex = explain(idx, &v, fname, tname, q);
            answers.push((fname.clone(), tname.clone(), ex));
        }
    }
    // Allowed if any pod of FROM may reach any pod of TO: saying "denied"
    // while some pods can connect would give false confidence.
    let allowed = answers.iter().any(|(_, _, e)| e.allowed);
    let text = if args.output == "json" {
        let docs: Vec<JsonAnswer> = answers
            .iter()
            .map(|(f, t, e)| JsonAnswer {
                from: f,
                to: t,
                allowed: e.allowed,
                allowed_ports: e.allowed_ports.to_json_map(),
                summary: &e.summary,
                explanation: e
                    .lines
                    .iter()
                    .map(|l| JsonLine {
                        mark: match l.mark {
                            Mark::Allow => "allow",
                            Mark::Deny => "deny",
                            Mark::Info => "info",
                        },
                        indent: l.indent,
                        text: &l.text,
                    })
                    .collect(),
            })
            .collect();
        let mut s = serde_json::to_string_pretty(
            &serde_json::json!({"allowed": allowed, "answers": docs}),
        )?;
        s.push('\n');
        s
    } else {
        let mut s = String::new();
        if answers.len() > 1 {
            s.push_str(&format!(
                "{} -> {}: pods differ, one answer per kind of pod ({} allowed)\n\n",
                from.name,
                to.name,
                if allowed { "some are" } else { "none is" }
            ));
        }
        for (i, (_, _, e)) in answers.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(&e.to_text());
        }
        s
    };
    Ok((text, allowed))
}
