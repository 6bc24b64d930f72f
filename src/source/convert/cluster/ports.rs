//! `ports` (v1alpha1) and `protocols` (v1alpha2) to the engine's ports.

use serde_json::Value;

use super::{Ctx, one_of, opt_list};
use crate::engine::model::{PolicyPort, PortRef, Protocol};

fn protocol_of(cx: &mut Ctx, v: Option<&Value>, path: &str) -> Protocol {
    match v {
        None | Some(Value::Null) => Protocol::Tcp, // +kubebuilder:default=TCP
        Some(Value::String(s)) => Protocol::parse(s).unwrap_or_else(|| {
            cx.err(
                path,
                format!("Unsupported value: {s:?}: supported values: \"SCTP\", \"TCP\", \"UDP\""),
            );
            Protocol::Tcp
        }),
        Some(o) => {
            cx.err(path, format!("Invalid value: {o}: must be a string"));
            Protocol::Tcp
        }
    }
}

fn port_number(cx: &mut Ctx, v: Option<&Value>, path: &str) -> Option<u16> {
    match v.and_then(Value::as_i64) {
        Some(n) if (1..=65535).contains(&n) => Some(n as u16),
        Some(n) => {
            cx.err(
                path,
                format!("Invalid value: {n}: must be between 1 and 65535"),
            );
            None
        }
        None if v.is_none() => {
            cx.err(path, "Required value");
            None
        }
        None => {
            cx.err(path, "Invalid value: must be an integer");
            None
        }
    }
}

/// A named port matches the container port of that name whatever its
/// protocol: one entry per protocol.
fn named(name: &str) -> Vec<PolicyPort> {
    Protocol::ALL
        .iter()
        .map(|&protocol| PolicyPort {
            protocol,
            port: Some(PortRef::Name(name.to_string())),
            end_port: None,
        })
        .collect()
}

/// v1alpha1 `ports`: portNumber | namedPort | portRange. Returns the ports
/// and whether a named port is used.
pub(super) fn legacy_ports(cx: &mut Ctx, v: Option<&Value>, path: &str) -> (Vec<PolicyPort>, bool) {
    let mut out = Vec::new();
    let mut has_named = false;
    let Some(list) = opt_list(cx, v, path) else {
        return (out, false);
    };
    if list.is_empty() {
        cx.err(path, "Invalid value: 0: must have at least 1 items");
    }
    for (i, p) in list.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let Some((k, inner)) = one_of(cx, p, &path, &["portNumber", "namedPort", "portRange"])
        else {
            continue;
        };
        let path = format!("{path}.{k}");
        match k {
            "portNumber" => {
                let protocol = protocol_of(cx, inner.get("protocol"), &format!("{path}.protocol"));
                if let Some(n) = port_number(cx, inner.get("port"), &format!("{path}.port")) {
                    out.push(PolicyPort {
                        protocol,
                        port: Some(PortRef::Number(n)),
                        end_port: None,
                    });
                }
            }
            "namedPort" => match inner.as_str() {
                Some(n) => {
                    has_named = true;
                    out.extend(named(n));
                }
                None => cx.err(&path, "Invalid value: must be a string"),
            },
            _ => {
                let protocol = protocol_of(cx, inner.get("protocol"), &format!("{path}.protocol"));
                let start = port_number(cx, inner.get("start"), &format!("{path}.start"));
                let end = port_number(cx, inner.get("end"), &format!("{path}.end"));
                // v1alpha1 has no CEL rule for start < end: an inverted
                // range is accepted and matches no port.
                if let (Some(s), Some(e)) = (start, end) {
                    out.push(PolicyPort {
                        protocol,
                        port: Some(PortRef::Number(s)),
                        end_port: Some(e),
                    });
                }
            }
        }
    }
    (out, has_named)
}

/// v1alpha2 `protocols`: tcp | udp | sctp (destinationPort: number | range)
/// | destinationNamedPort.
pub(super) fn protocols(cx: &mut Ctx, v: Option<&Value>, path: &str) -> (Vec<PolicyPort>, bool) {
    let mut out = Vec::new();
    let mut has_named = false;
    let Some(list) = opt_list(cx, v, path) else {
        return (out, false);
    };
    if list.is_empty() {
        cx.err(path, "Invalid value: 0: must have at least 1 items");
    }
    if list.len() > 25 {
        cx.err(
            path,
            format!("Too many: {}: must have at most 25 items", list.len()),
        );
    }
    for (i, p) in list.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let Some((k, inner)) = one_of(
            cx,
            p,
            &path,
            &["tcp", "udp", "sctp", "destinationNamedPort"],
        ) else {
            continue;
        };
        let path = format!("{path}.{k}");
        let protocol = match k {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "sctp" => Protocol::Sctp,
            _ => {
                match inner.as_str().filter(|s| !s.is_empty()) {
                    Some(n) => {
                        has_named = true;
                        out.extend(named(n));
                    }
                    None => cx.err(&path, "Invalid value: must be a non-empty string"),
                }
                continue;
            }
        };
        let Some(dp) = inner.get("destinationPort") else {
            cx.err(&path, "Invalid value: 0: must have at least 1 properties");
            continue;
        };
        let dpath = format!("{path}.destinationPort");
        let Some((pk, pv)) = one_of(cx, dp, &dpath, &["number", "range"]) else {
            continue;
        };
        if pk == "number" {
            if let Some(n) = port_number(cx, Some(pv), &format!("{dpath}.number")) {
                out.push(PolicyPort {
                    protocol,
                    port: Some(PortRef::Number(n)),
                    end_port: None,
                });
            }
        } else {
            let rpath = format!("{dpath}.range");
            let start = port_number(cx, pv.get("start"), &format!("{rpath}.start"));
            let end = port_number(cx, pv.get("end"), &format!("{rpath}.end"));
            if let (Some(s), Some(e)) = (start, end) {
                if s < e {
                    out.push(PolicyPort {
                        protocol,
                        port: Some(PortRef::Number(s)),
                        end_port: Some(e),
                    });
                } else {
                    cx.err(
                        &rpath,
                        "Invalid value: Start port must be less than End port",
                    );
                }
            }
        }
    }
    (out, has_named)
}
