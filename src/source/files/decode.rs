//! Texts to objects: documents (YAML or JSON, lists of objects), kinds
//! dispatched by [`classify`], and decoding only the fields the analysis
//! reads, with the path of the field at fault when that fails.

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::classify::{Class, classify};
use super::fast::Fast;
use super::prune::{NAMESPACE, POD, POLICY, SERVICE, prune};
use super::{Data, Loader, Loc, ObjKey, join_path, namespace_of};
use crate::source::convert::{self, DEFAULT_NAMESPACE, FieldError};
use crate::yaml;

impl Loader {
    pub(super) fn add_text(&mut self, name: &str, text: &str, from_walk: bool) {
        if self.add_json_list(name, text, from_walk) {
            return;
        }
        let docs = self.parse_text(text);
        self.add_docs(name, docs, from_walk);
    }

    /// [`Loader::add_text`] that frees the text (tens of MB for a big
    /// dump) once it is parsed, before its objects are converted.
    pub(super) fn add_owned_text(&mut self, name: &str, text: String, from_walk: bool) {
        if self.add_json_list(name, &text, from_walk) {
            return;
        }
        let docs = self.parse_text(&text);
        drop(text);
        self.add_docs(name, docs, from_walk);
    }

    pub(super) fn parse_text(&self, text: &str) -> Vec<Result<Option<Fast>, String>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if self.general_only {
            parse_stream(text)
                .into_iter()
                .map(|d| d.map(|v| v.map(Fast::Other)))
                .collect()
        } else {
            super::direct::parse_stream(text)
        }
    }

    pub(super) fn add_docs(
        &mut self,
        name: &str,
        docs: Vec<Result<Option<Fast>, String>>,
        from_walk: bool,
    ) {
        for (index, doc) in docs.into_iter().enumerate() {
            let loc = Loc {
                file: name.into(),
                document: index,
                prefix: String::new(),
            };
            match doc {
                Ok(None) => {}
                Ok(Some(v)) => self.add_fast(v, &loc, None, from_walk),
                Err(msg) => {
                    // kubectl stops reading a file at its first malformed
                    // document (what comes before it is applied, the rest is
                    // not); so does netpol-analyzer. Do the same, loudly.
                    self.errors.push(loc.error(
                        None,
                        "",
                        format!("{msg}; the rest of this file is not read"),
                    ));
                    break;
                }
            }
        }
    }

    /// One object, or a list of them. `item_of`: the apiVersion and kind an
    /// item of a typed list (`PodList`) has when it does not say.
    pub(super) fn add_value(
        &mut self,
        v: Value,
        loc: &Loc,
        item_of: Option<(&str, &str)>,
        from_walk: bool,
    ) {
        let mut map = match v {
            Value::Object(m) => m,
            Value::Null => return,
            other => {
                let what = match other {
                    Value::Array(_) => "a list",
                    Value::String(_) => "a string",
                    Value::Number(_) => "a number",
                    _ => "a boolean",
                };
                self.not_an_object(loc, from_walk, format!("not a Kubernetes object ({what}, not a mapping with kind and apiVersion); skipped"));
                return;
            }
        };
        if let Some((api, kind)) = item_of {
            if !map.contains_key("kind") {
                map.insert("kind".into(), Value::String(kind.to_string()));
            }
            if !map.contains_key("apiVersion") {
                map.insert("apiVersion".into(), Value::String(api.to_string()));
            }
        }
        let kind = match map.get("kind") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            None | Some(Value::Null) | Some(Value::String(_)) => {
                self.not_an_object(
                    loc,
                    from_walk,
                    "not a Kubernetes object (no kind); skipped".to_string(),
                );
                return;
            }
            Some(_) => {
                self.errors
                    .push(loc.error(None, "kind", "Invalid value: must be a string"));
                return;
            }
        };
        let api_version = match map.get("apiVersion") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            Some(_) => {
                self.errors.push(loc.error(
                    Some(&label(&kind, &map)),
                    "apiVersion",
                    "Invalid value: must be a string",
                ));
                return;
            }
        };

        // `List` (kubectl get -o yaml) and typed lists (`PodList`, from the API).
        let items_is_list = matches!(map.get("items"), Some(Value::Array(_)));
        if kind == "List" || (kind.ends_with("List") && items_is_list) {
            match map.remove("items") {
                Some(Value::Array(items)) => {
                    let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
                    let of = item_kind.map(|k| (api_version.as_str(), k));
                    self.add_items(items, loc, of, from_walk);
                }
                None | Some(Value::Null) => {}
                Some(_) => self.errors.push(loc.error(
                    Some(&kind),
                    "items",
                    "Invalid value: must be a list",
                )),
            }
            return;
        }

        let object = label(&kind, &map);
        if api_version.is_empty() {
            self.errors.push(loc.error(
                Some(&object),
                "apiVersion",
                "Required value: a Kubernetes object needs both apiVersion and kind; skipped",
            ));
            return;
        }
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        match classify(group, &kind) {
            Class::Namespace => self.add_namespace(map, loc, &object),
            Class::Pod => self.add_pod(map, loc, &object),
            Class::Policy => self.add_policy(map, loc, &object),
            Class::ClusterPolicy(kind) => {
                let (res, warnings) =
                    convert::cluster_policy_from_value(kind, &api_version, &Value::Object(map));
                self.warnings.extend(loc.field_errors(&object, &warnings));
                self.insert_converted(res, loc, &object, |p| {
                    (
                        (p.kind.kind(), String::new(), p.name.clone()),
                        Data::ClusterPolicy(p),
                    )
                });
            }
            Class::Service => self.add_service(map, loc, &object),
            Class::Workload(wk) => self.add_workload(wk, map, loc, &object),
            Class::WrongGroup(expected) => self.errors.push(loc.error(
                Some(&object),
                "apiVersion",
                format!("Invalid value: {api_version:?}: {kind} is served by {expected}; skipped"),
            )),
            Class::NotEvaluated(why) => self.warnings.push(loc.error(Some(&object), "", why)),
            Class::Ignore => {}
        }
    }

    fn not_an_object(&mut self, loc: &Loc, from_walk: bool, msg: String) {
        let e = loc.error(None, "", msg);
        if from_walk {
            self.warnings.push(e);
        } else {
            self.errors.push(e);
        }
    }

    // --- kinds -------------------------------------------------------------

    fn add_namespace(&mut self, map: Map<String, Value>, loc: &Loc, object: &str) {
        let v = prune(Value::Object(map), &NAMESPACE);
        let Some(ns) = self.decode::<core::Namespace>(&v, loc, object, "") else {
            return;
        };
        self.insert_converted(convert::namespace_from_api(&ns), loc, object, |n| {
            (
                ("Namespace", String::new(), n.name.clone()),
                Data::Namespace(n),
            )
        });
    }

    fn add_pod(&mut self, map: Map<String, Value>, loc: &Loc, object: &str) {
        let v = prune(Value::Object(map), &POD);
        let Some(pod) = self.decode::<core::Pod>(&v, loc, object, "") else {
            return;
        };
        self.add_decoded_pod(pod, loc, object);
    }

    /// A pod past decoding (from the value or straight from the text).
    pub(super) fn add_decoded_pod(&mut self, pod: core::Pod, loc: &Loc, object: &str) {
        let ns = namespace_of(&pod.metadata);
        let name = pod.metadata.name.clone().unwrap_or_default();
        let (res, warnings) = convert::pod_from_api_owned(pod);
        self.warnings.extend(loc.field_errors(object, &warnings));
        self.insert_converted(res, loc, object, |p| (("Pod", ns, name), Data::Pod(p)));
    }

    fn add_policy(&mut self, map: Map<String, Value>, loc: &Loc, object: &str) {
        let v = prune(Value::Object(map), &POLICY);
        let Some(np) = self.decode::<net::NetworkPolicy>(&v, loc, object, "") else {
            return;
        };
        self.insert_converted(convert::policy_from_api(&np), loc, object, |p| {
            let key = ("NetworkPolicy", p.namespace.clone(), p.name.clone());
            (key, Data::Policy(p))
        });
    }

    fn add_service(&mut self, map: Map<String, Value>, loc: &Loc, object: &str) {
        let v = prune(Value::Object(map), &SERVICE);
        let Some(svc) = self.decode::<core::Service>(&v, loc, object, "") else {
            return;
        };
        self.insert_converted(convert::service_from_api(&svc), loc, object, |s| {
            let key = ("Service", s.namespace.clone(), s.name.clone());
            (key, Data::Service(s))
        });
    }

    /// Inserts a converted object, or records why the API server would
    /// refuse it.
    fn insert_converted<M>(
        &mut self,
        res: Result<M, Vec<FieldError>>,
        loc: &Loc,
        object: &str,
        entry: impl FnOnce(M) -> (ObjKey, Data),
    ) {
        match res {
            Ok(m) => {
                let (key, data) = entry(m);
                self.insert(key, loc, object, data);
            }
            Err(fes) => self.errors.extend(loc.field_errors(object, &fes)),
        }
    }

    /// Decodes the pruned value; on failure records an error with the path
    /// of the offending field (relative to `base`).
    pub(super) fn decode<T: DeserializeOwned>(
        &mut self,
        v: &Value,
        loc: &Loc,
        object: &str,
        base: &str,
    ) -> Option<T> {
        match decode(v) {
            Ok(t) => Some(t),
            Err((field, msg)) => {
                self.errors.push(loc.error(
                    Some(object),
                    &join_path(base, &field),
                    format!("{msg}; skipped"),
                ));
                None
            }
        }
    }
}

/// `Kind ns/name`, or `Kind name` when the object has no namespace.
pub(super) fn label(kind: &str, map: &Map<String, Value>) -> String {
    let meta = map.get("metadata");
    let get = |k: &str| {
        meta.and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let name = get("name");
    let cluster_scoped = matches!(
        kind,
        "Namespace"
            | "Node"
            | "AdminNetworkPolicy"
            | "BaselineAdminNetworkPolicy"
            | "ClusterNetworkPolicy"
            | "ClusterUserDefinedNetwork"
    );
    let ns = if cluster_scoped {
        None
    } else {
        Some(get("namespace").unwrap_or(DEFAULT_NAMESPACE))
    };
    match (ns, name) {
        (_, None) => format!("{kind} (no name)"),
        (Some(ns), Some(n)) => format!("{kind} {ns}/{n}"),
        (None, Some(n)) => format!("{kind} {n}"),
    }
}

/// Bytes to text: UTF-8 (BOM optional) or UTF-16 with a BOM.
pub(super) fn decode_text(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |be: bool| -> Result<String, String> {
        let units = bytes[2..].chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| "not valid UTF-16 text".to_string())
    };
    match bytes {
        [0xFF, 0xFE, ..] => utf16(false),
        [0xFE, 0xFF, ..] => utf16(true),
        _ => {
            let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            std::str::from_utf8(b).map(str::to_string).map_err(|e| {
                format!(
                    "not UTF-8 text (a binary file?): invalid byte at offset {}",
                    e.valid_up_to()
                )
            })
        }
    }
}

/// The documents of a file: JSON (one or more concatenated values) when it
/// looks like JSON and parses as such, YAML otherwise.
pub(super) fn parse_stream(text: &str) -> Vec<Result<Option<Value>, String>> {
    let looks_json = text.trim_start().starts_with(['{', '[']);
    let from_yaml = || -> Vec<Result<Option<Value>, String>> {
        yaml::parse_documents(text)
            .into_iter()
            .map(|d| d.value.map_err(|e| format!("invalid YAML: {}", e.message)))
            .collect()
    };
    if !looks_json {
        return from_yaml();
    }
    if let Some(v) = super::json_list::parse_split(text) {
        return vec![Ok(Some(v))];
    }
    let mut json = Vec::new();
    for v in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match v {
            Ok(Value::Null) => json.push(Ok(None)),
            Ok(v) => json.push(Ok(Some(v))),
            Err(e) => {
                json.push(Err(format!("invalid JSON: {e}")));
                break;
            }
        }
    }
    if json.iter().all(Result::is_ok) {
        return json;
    }
    // Flow-style YAML (`{kind: Pod, ...}`) also starts with a brace.
    let y = from_yaml();
    if y.iter().all(Result::is_ok) { y } else { json }
}
/// Decodes a value; on failure, the path of the field at fault and serde's
/// message. The path is found by decoding again from pretty-printed text,
/// where serde_json reports a line, and mapping that line back to a path.
fn decode<T: DeserializeOwned>(v: &Value) -> Result<T, (String, String)> {
    let err = match T::deserialize(v) {
        Ok(t) => return Ok(t),
        Err(e) => e.to_string(),
    };
    let Ok(text) = serde_json::to_string_pretty(v) else {
        return Err((String::new(), err));
    };
    let field = match serde_json::from_str::<T>(&text) {
        Ok(_) => String::new(),
        Err(e) => e
            .line()
            .checked_sub(1)
            .and_then(|i| line_paths(v).into_iter().nth(i))
            .unwrap_or_default(),
    };
    Err((field, err))
}

/// The path of the value on each line of `serde_json::to_string_pretty(v)`.
fn line_paths(v: &Value) -> Vec<String> {
    fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push(path.to_string());
                for (k, c) in m {
                    walk(c, &join_path(path, &key_segment(k)), out);
                }
                out.push(path.to_string());
            }
            Value::Array(a) if !a.is_empty() => {
                out.push(path.to_string());
                for (i, c) in a.iter().enumerate() {
                    walk(c, &format!("{path}[{i}]"), out);
                }
                out.push(path.to_string());
            }
            _ => out.push(path.to_string()),
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out
}

/// `name`, or `[app.kubernetes.io/name]` for keys that are not plain names.
fn key_segment(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_string()
    } else {
        format!("[{k}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_paths_match_pretty_printing() {
        let v = serde_json::json!({"a": 1, "b": {"c": [1, {"d": "x"}], "e": {}, "f.g": []}});
        let text = serde_json::to_string_pretty(&v).unwrap();
        let paths = line_paths(&v);
        assert_eq!(text.lines().count(), paths.len());
        let line = text.lines().position(|l| l.contains("\"d\"")).unwrap();
        assert_eq!(paths[line], "b.c[1].d");
        let line = text.lines().position(|l| l.contains("\"f.g\"")).unwrap();
        assert_eq!(paths[line], "b[f.g]");
    }

    #[test]
    fn decode_reports_the_field() {
        let v = serde_json::json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": "http"}]}]}});
        let err = decode::<core::Pod>(&v).unwrap_err();
        assert_eq!(err.0, "spec.containers[0].ports[0].containerPort");
        assert!(err.1.contains("invalid type"), "{}", err.1);
    }

    #[test]
    fn utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "kind: Pod".encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        assert_eq!(decode_text(&b).unwrap(), "kind: Pod");
        assert!(decode_text(&[0xC3, 0x28]).is_err());
    }
}
