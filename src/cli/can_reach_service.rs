//! `can-reach` with a Service: per-backend answers on the target port, and
//! the command that tests the verdict from inside the cluster.

use color_eyre::eyre::{Result, eyre};
use serde_json::{Value, json};

use super::can_reach::{CanReachArgs, json_answer};
use crate::engine::index::Index;
use crate::engine::model::{PortRef, ServiceKey};
pub(super) use crate::engine::query::verify::verify_pods;
use crate::engine::query::verify::{Verify, verify_service};
use crate::engine::query::{Outcome, PortQuery, Resolved, ServiceReach, can_reach_service};

/// `can-reach FROM svc/NS/NAME[:PORT]`.
pub(super) fn run(
    idx: &Index,
    args: &CanReachArgs,
    from: &Resolved,
    key: &ServiceKey,
    port_in_spec: Option<String>,
) -> Result<(String, u8)> {
    // `--port` names the Service port too; its protocol, if given, must match.
    let port = match (port_in_spec, args.port.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(eyre!(
                "give the Service port once: either svc/NS/NAME:PORT or --port"
            ));
        }
        (Some(p), None) => Some(p),
        (None, Some(p)) => Some(p.split_once('/').map_or(p, |(n, _)| n).to_string()),
        (None, None) => None,
    };
    let reach = can_reach_service(idx, from, &args.to, key, port.as_deref())?;
    if let Some(q) = args
        .port
        .as_deref()
        .map(str::parse::<PortQuery>)
        .transpose()?
    {
        let p = &reach.ports[0].port;
        if args.port.as_deref().is_some_and(|s| s.contains('/')) && q.protocol != p.protocol {
            return Err(eyre!(
                "Service {key} port {} is {}, not {}",
                p.port,
                p.protocol,
                q.protocol
            ));
        }
    }
    let outcome = reach.outcome();
    let verifies = verify_service(idx, from, &reach);
    let text = if args.output == "json" {
        json_doc(&reach, outcome, &verifies)
    } else {
        text_doc(&reach, outcome, &verifies)
    };
    Ok((text, outcome.exit_code()))
}

pub(super) fn verify_json(v: &Verify) -> Value {
    json!({"exec": v.exec, "debug": v.debug, "expect": v.expect})
}

fn text_doc(reach: &ServiceReach, outcome: Outcome, verifies: &[Verify]) -> String {
    let svc = &reach.service;
    let verdict = match outcome {
        Outcome::All => "ALLOWED",
        Outcome::None => "DENIED",
        Outcome::Some => "PARTLY ALLOWED",
    };
    let mut s = format!(
        "{verdict}: {} -> Service {} ({})\n",
        reach.from,
        svc.key(),
        svc.dns_name()
    );
    for (i, p) in reach.ports.iter().enumerate() {
        let sp = &p.port;
        let target = match &sp.target {
            PortRef::Number(n) => n.to_string(),
            PortRef::Name(n) => format!("{n:?}"),
        };
        s.push_str(&format!(
            "\nService port {}{} {} -> targetPort {target}: {}\n",
            sp.port,
            sp.name
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            sp.protocol,
            p.summary()
        ));
        for b in &p.backends {
            match b.target {
                Some(t) if b.no_verdict => s.push_str(&format!(
                    "  ? {} on {} {t}: hostNetwork pod, NetworkPolicy gives no verdict\n",
                    b.pod, sp.protocol
                )),
                Some(t) if b.partly => s.push_str(&format!(
                    "  ~ {} on {} {t}: allowed from some client pods only\n",
                    b.pod, sp.protocol
                )),
                Some(t) => s.push_str(&format!(
                    "  {} {} on {} {t}\n",
                    if b.allowed { "✓" } else { "✗" },
                    b.pod,
                    sp.protocol
                )),
                None => s.push_str(&format!(
                    "  - {}: declares no {} port named {target}, so it is no endpoint of this port\n",
                    b.pod, sp.protocol
                )),
            }
        }
        for a in &p.answers {
            s.push('\n');
            for line in a.explanation.to_text().lines() {
                s.push_str("  ");
                s.push_str(line);
                s.push('\n');
            }
        }
        if let Some(v) = verifies.get(i) {
            s.push('\n');
            s.push_str(&v.to_text());
        }
    }
    if svc.headless {
        s.push_str(
            "\nnote: headless Service: clients resolve the backend pod IPs directly; the verdicts are the same\n",
        );
    }
    s
}

fn json_doc(reach: &ServiceReach, outcome: Outcome, verifies: &[Verify]) -> String {
    let svc = &reach.service;
    let answers: Vec<Value> = reach
        .ports
        .iter()
        .flat_map(|p| p.answers.iter())
        .map(|a| serde_json::to_value(json_answer(a)).unwrap_or(Value::Null))
        .collect();
    let ports: Vec<Value> = reach
        .ports
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let sp = &p.port;
            json!({
                "name": sp.name,
                "protocol": sp.protocol.as_str(),
                "port": sp.port,
                "target_port": match &sp.target {
                    PortRef::Number(n) => json!(n),
                    PortRef::Name(n) => json!(n),
                },
                "summary": p.summary(),
                "allowed_backends": p.allowed_count(),
                "total_backends": p.endpoints().count(),
                "backends": p.backends.iter().map(|b| json!({
                    "pod": b.pod.to_string(),
                    "target_port": b.target,
                    "allowed": b.target.is_some() && b.allowed && !b.partly,
                    "partly": b.partly,
                    "no_verdict": b.no_verdict,
                })).collect::<Vec<_>>(),
                "verify": verifies.get(i).map(verify_json),
            })
        })
        .collect();
    let doc = json!({
        "allowed": outcome == Outcome::All,
        "outcome": outcome.as_str(),
        "answers": answers,
        "service": {
            "namespace": svc.namespace,
            "name": svc.name,
            "type": svc.service_type.as_str(),
            "headless": svc.headless,
            "dns_name": svc.dns_name(),
            "ports": ports,
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
