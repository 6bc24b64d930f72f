//! ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) and the legacy
//! AdminNetworkPolicy / BaselineAdminNetworkPolicy (v1alpha1) to the
//! engine's tier model, refused where the CRD schema or its CEL rules would
//! refuse them (field path and reason), as for NetworkPolicy.

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use serde_json::Value;

use super::FieldError;
use super::policy::convert_selector;
use super::validate::parse_cidr;
use crate::engine::model::LabelSelector;
use crate::engine::tiers::{Action, ClusterKind, ClusterPolicy, Selects, Tier, TierPeer, TierRule};

type Converted = (Result<ClusterPolicy, Vec<FieldError>>, Vec<FieldError>);

pub(super) struct Ctx {
    kind: ClusterKind,
    errs: Vec<FieldError>,
    warnings: Vec<FieldError>,
}

impl Ctx {
    pub(super) fn err(&mut self, path: &str, reason: impl Into<String>) {
        self.errs.push(FieldError::new(path, reason));
    }
    /// Rules per direction and items per list: 25 in v1alpha2, 100 in v1alpha1.
    fn max_items(&self) -> usize {
        if self.kind == ClusterKind::Cnp {
            25
        } else {
            100
        }
    }
}

/// Converts one object of `kind` (already known to be in the
/// policy.networking.k8s.io group). Returns the policy or why it would be
/// refused, and warnings about peers that verdicts cannot evaluate.
pub fn cluster_policy_from_value(kind: ClusterKind, api_version: &str, v: &Value) -> Converted {
    let mut cx = Ctx {
        kind,
        errs: vec![],
        warnings: vec![],
    };
    let want = match kind {
        ClusterKind::Cnp => "policy.networking.k8s.io/v1alpha2",
        _ => "policy.networking.k8s.io/v1alpha1",
    };
    if api_version != want {
        cx.err(
            "apiVersion",
            format!(
                "Invalid value: {api_version:?}: {} is served as {want}",
                kind.kind()
            ),
        );
        return (Err(cx.errs), cx.warnings);
    }
    let name = v
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if name.is_empty() {
        cx.err("metadata.name", "Required value");
    } else if kind == ClusterKind::Banp && name != "default" {
        cx.err(
            "metadata.name",
            "Invalid value: Only one baseline admin network policy with metadata.name=\"default\" can be created in the cluster",
        );
    }
    let Some(spec) = v.get("spec").filter(|s| s.is_object()) else {
        cx.err("spec", "Required value");
        return (Err(cx.errs), cx.warnings);
    };
    let tier = match kind {
        ClusterKind::Anp => Tier::Admin,
        ClusterKind::Banp => Tier::Baseline,
        ClusterKind::Cnp => match spec.get("tier") {
            Some(Value::String(t)) if t == "Admin" => Tier::Admin,
            Some(Value::String(t)) if t == "Baseline" => Tier::Baseline,
            None | Some(Value::Null) => {
                cx.err("spec.tier", "Required value");
                Tier::Admin
            }
            Some(other) => {
                cx.err(
                    "spec.tier",
                    format!(
                        "Unsupported value: {other}: supported values: \"Admin\", \"Baseline\""
                    ),
                );
                Tier::Admin
            }
        },
    };
    let priority = if kind == ClusterKind::Banp {
        0
    } else {
        match spec.get("priority") {
            None | Some(Value::Null) => {
                cx.err("spec.priority", "Required value");
                0
            }
            Some(p) => {
                match p.as_i64() {
                    Some(n) if (0..=1000).contains(&n) => n as u32,
                    Some(n) => {
                        cx.err(
                        "spec.priority",
                        format!("Invalid value: {n}: spec.priority in body should be between 0 and 1000"),
                    );
                        0
                    }
                    None => {
                        cx.err(
                            "spec.priority",
                            format!("Invalid value: {p}: must be an integer"),
                        );
                        0
                    }
                }
            }
        }
    };
    let subject = match spec.get("subject") {
        None | Some(Value::Null) => {
            cx.err("spec.subject", "Required value");
            None
        }
        Some(s) => selects(&mut cx, s, "spec.subject", false),
    };
    let mut dirs = [Vec::new(), Vec::new()];
    for (d, field) in ["ingress", "egress"].iter().enumerate() {
        let path = format!("spec.{field}");
        let Some(list) = opt_list(&mut cx, spec.get(*field), &path) else {
            continue;
        };
        if list.len() > cx.max_items() {
            cx.err(
                &path,
                format!(
                    "Too many: {}: must have at most {} items",
                    list.len(),
                    cx.max_items()
                ),
            );
        }
        for (i, r) in list.iter().enumerate() {
            if let Some(rule) = rule(&mut cx, r, &format!("{path}[{i}]"), d == 1) {
                dirs[d].push(rule);
            }
        }
    }
    if !cx.errs.is_empty() {
        return (Err(cx.errs), cx.warnings);
    }
    let [ingress, egress] = dirs;
    let policy = ClusterPolicy {
        kind,
        name,
        tier,
        priority,
        subject: subject.unwrap_or(Selects::Namespaces(LabelSelector::default())),
        ingress,
        egress,
    };
    (Ok(policy), cx.warnings)
}

/// An optional list: absent or null is None; anything else must be an array.
pub(super) fn opt_list<'a>(
    cx: &mut Ctx,
    v: Option<&'a Value>,
    path: &str,
) -> Option<&'a Vec<Value>> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(a),
        Some(_) => {
            cx.err(path, "Invalid value: must be a list");
            None
        }
    }
}

fn selector(cx: &mut Ctx, v: Option<&Value>, path: &str) -> Option<LabelSelector> {
    let v = match v {
        None | Some(Value::Null) => return Some(LabelSelector::default()),
        Some(v) => v,
    };
    match serde_json::from_value::<meta::LabelSelector>(v.clone()) {
        Ok(sel) => convert_selector(Some(&sel), path, &mut cx.errs),
        Err(e) => {
            cx.err(path, format!("Invalid value: {e}"));
            None
        }
    }
}

/// The keys of an object that this API version defines among `known`;
/// exactly one must be set (MinProperties=1, MaxProperties=1).
pub(super) fn one_of<'a>(
    cx: &mut Ctx,
    v: &'a Value,
    path: &str,
    known: &[&str],
) -> Option<(&'a str, &'a Value)> {
    let Some(obj) = v.as_object() else {
        cx.err(path, "Invalid value: must be an object");
        return None;
    };
    // The API server prunes fields its schema does not know before
    // validating, so only the known ones count.
    let set: Vec<(&str, &Value)> = obj
        .iter()
        .filter(|(k, _)| known.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    match set.len() {
        1 => Some(set[0]),
        0 => {
            cx.err(
                path,
                format!(
                    "Invalid value: 0: must have exactly one of: {}",
                    known.join(", ")
                ),
            );
            None
        }
        n => {
            cx.err(
                path,
                format!(
                    "Invalid value: {n}: must have exactly one of: {}",
                    known.join(", ")
                ),
            );
            None
        }
    }
}

/// `subject` or a `namespaces`/`pods` peer.
fn selects(cx: &mut Ctx, v: &Value, path: &str, _peer: bool) -> Option<Selects> {
    let (k, inner) = one_of(cx, v, path, &["namespaces", "pods"])?;
    namespaced(cx, k, inner, &format!("{path}.{k}"))
}

fn namespaced(cx: &mut Ctx, k: &str, inner: &Value, path: &str) -> Option<Selects> {
    if k == "namespaces" {
        return selector(cx, Some(inner), path).map(Selects::Namespaces);
    }
    if inner.get("podSelector").is_none() {
        cx.err(&format!("{path}.podSelector"), "Required value");
        return None;
    }
    if cx.kind != ClusterKind::Cnp && inner.get("namespaceSelector").is_none() {
        cx.err(&format!("{path}.namespaceSelector"), "Required value");
        return None;
    }
    let namespaces = selector(
        cx,
        inner.get("namespaceSelector"),
        &format!("{path}.namespaceSelector"),
    )?;
    let pods = selector(cx, inner.get("podSelector"), &format!("{path}.podSelector"))?;
    Some(Selects::Pods { namespaces, pods })
}

fn rule(cx: &mut Ctx, r: &Value, path: &str, egress: bool) -> Option<TierRule> {
    let before = cx.errs.len();
    let name = match r.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > 100 => {
            cx.err(
                &format!("{path}.name"),
                "Too long: may not be longer than 100",
            );
            None
        }
        Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.is_empty()),
        Some(_) => {
            cx.err(&format!("{path}.name"), "Invalid value: must be a string");
            None
        }
    };
    let allowed: &[&str] = match cx.kind {
        ClusterKind::Cnp => &["Accept", "Deny", "Pass"],
        ClusterKind::Anp => &["Allow", "Deny", "Pass"],
        ClusterKind::Banp => &["Allow", "Deny"],
    };
    let action = match r.get("action").and_then(Value::as_str) {
        Some(a) if allowed.contains(&a) => match a {
            "Deny" => Action::Deny,
            "Pass" => Action::Pass,
            _ => Action::Accept,
        },
        None => {
            cx.err(&format!("{path}.action"), "Required value");
            Action::Deny
        }
        Some(a) => {
            let list: Vec<String> = allowed.iter().map(|s| format!("{s:?}")).collect();
            cx.err(
                &format!("{path}.action"),
                format!(
                    "Unsupported value: {a:?}: supported values: {}",
                    list.join(", ")
                ),
            );
            Action::Deny
        }
    };
    let field = if egress { "to" } else { "from" };
    let ppath = format!("{path}.{field}");
    let mut peers = Vec::new();
    let mut non_pod_peer = false;
    match opt_list(cx, r.get(field), &ppath) {
        None => cx.err(&ppath, "Required value"),
        Some(list) if list.is_empty() => {
            cx.err(&ppath, "Invalid value: 0: must have at least 1 items")
        }
        Some(list) => {
            if list.len() > cx.max_items() {
                cx.err(
                    &ppath,
                    format!(
                        "Too many: {}: must have at most {} items",
                        list.len(),
                        cx.max_items()
                    ),
                );
            }
            for (i, p) in list.iter().enumerate() {
                let path = format!("{ppath}[{i}]");
                if let Some(peer) = peer(cx, p, &path, egress, action) {
                    non_pod_peer |= !matches!(peer, TierPeer::Pods(_));
                    peers.push(peer);
                }
            }
        }
    }
    let (ports, named) = if cx.kind == ClusterKind::Cnp {
        protocols(cx, r.get("protocols"), &format!("{path}.protocols"))
    } else {
        legacy_ports(cx, r.get("ports"), &format!("{path}.ports"))
    };
    if egress && non_pod_peer && named {
        let msg = if cx.kind == ClusterKind::Banp {
            "Invalid value: networks/nodes peer cannot be set with namedPorts since there are no namedPorts for networks/nodes"
        } else {
            "Invalid value: networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames"
        };
        cx.err(path, msg);
    }
    (cx.errs.len() == before).then_some(TierRule {
        name,
        action,
        peers,
        ports,
    })
}

fn peer(cx: &mut Ctx, p: &Value, path: &str, egress: bool, action: Action) -> Option<TierPeer> {
    let known: &[&str] = match (egress, cx.kind) {
        (false, _) => &["namespaces", "pods"],
        (true, ClusterKind::Banp) => &["namespaces", "pods", "nodes", "networks"],
        (true, _) => &["namespaces", "pods", "nodes", "networks", "domainNames"],
    };
    // Only fields this tool does not know (a newer CRD): the API says to
    // fail closed rather than guess. A peer with no field at all is refused
    // (MinProperties=1).
    if let Some(obj) = p.as_object()
        && !obj.is_empty()
        && !obj.keys().any(|k| known.contains(&k.as_str()))
    {
        let fields: Vec<&str> = obj.keys().map(String::as_str).collect();
        cx.warnings.push(FieldError::new(
            path,
            format!(
                "peer type {} unknown to this tool: the rule fails closed ({})",
                fields.join(", "),
                if action == Action::Accept {
                    "this Accept rule matches nothing"
                } else {
                    "this rule denies all"
                }
            ),
        ));
        return Some(TierPeer::Unknown);
    }
    let (k, inner) = one_of(cx, p, path, known)?;
    let path = format!("{path}.{k}");
    match k {
        "namespaces" | "pods" => namespaced(cx, k, inner, &path).map(TierPeer::Pods),
        "nodes" => {
            let sel = selector(cx, Some(inner), &path)?;
            cx.warnings.push(FieldError::new(
                &path,
                "nodes peers match node IPs, which the tool does not know: verdicts for external addresses say they depend on them",
            ));
            Some(TierPeer::Nodes(sel))
        }
        "networks" => {
            let list = string_set(cx, inner, &path, 25)?;
            let mut nets = Vec::new();
            for (i, s) in list.iter().enumerate() {
                match parse_cidr(s).filter(|_| s.len() <= 43 && s.contains('/')) {
                    Some(n) => nets.push(n.trunc()),
                    None => cx.err(
                        &format!("{path}[{i}]"),
                        format!("Invalid value: {s:?}: Invalid CIDR format provided"),
                    ),
                }
            }
            Some(TierPeer::Networks(nets))
        }
        _ => {
            let list = string_set(cx, inner, &path, 25)?;
            if action != Action::Accept {
                cx.warnings.push(FieldError::new(
                    &path,
                    "domainNames is only supported for Accept (Allow) rules",
                ));
            }
            cx.warnings.push(FieldError::new(
                &path,
                "domainNames peers match DNS answers, which the tool does not know: verdicts for external addresses say they depend on them",
            ));
            Some(TierPeer::DomainNames(list))
        }
    }
}

/// A `listType=set` of strings with 1..=max items.
fn string_set(cx: &mut Ctx, v: &Value, path: &str, max: usize) -> Option<Vec<String>> {
    let Some(a) = v.as_array() else {
        cx.err(path, "Invalid value: must be a list");
        return None;
    };
    if a.is_empty() {
        cx.err(path, "Invalid value: 0: must have at least 1 items");
    }
    if a.len() > max {
        cx.err(
            path,
            format!("Too many: {}: must have at most {max} items", a.len()),
        );
    }
    let mut out: Vec<String> = Vec::new();
    for (i, x) in a.iter().enumerate() {
        match x.as_str() {
            Some(s) if out.iter().any(|o| o == s) => {
                cx.err(&format!("{path}[{i}]"), format!("Duplicate value: {s:?}"))
            }
            Some(s) => out.push(s.to_string()),
            None => cx.err(&format!("{path}[{i}]"), "Invalid value: must be a string"),
        }
    }
    Some(out)
}

mod ports;
use ports::{legacy_ports, protocols};
