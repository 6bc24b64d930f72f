//! Objects decoded straight from the text (YAML or JSON), without building
//! the whole document as a value first (issue #14). Pods, which are most of
//! any dump, are decoded into the few fields the analysis reads (the fields
//! `prune::POD` keeps) and everything else is skipped; other objects become
//! the same `serde_json::Value` the general reader builds.
//!
//! The fast path only ever *accepts* what the general path (text -> value ->
//! prune -> k8s-openapi type) accepts, with the same values: scalars are
//! taken with `deserialize_any`, the way the value is built (so a YAML `80`
//! is never read as the string "80"); `null` is "absent" where k8s-openapi
//! has an `Option`; and anything unusual (a repeated key, a non-string key,
//! a float port, a `kind` after `spec`, ...) makes it give up, and the
//! caller decodes the document (or List item) the general way. So errors
//! and warnings always come from the general path, with their field paths.

mod nodes;

use std::fmt;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use nodes::{Json, JsonV, Key, Opt, Seen, Skip, Slim, no};

/// One document or List item.
#[derive(Debug)]
pub(super) enum Fast {
    /// A Pod with `apiVersion` of the core group: what decoding the pruned
    /// value would give.
    Pod(Box<core::Pod>),
    /// A `List` or `*List`: its kind, apiVersion (`""` when null) and items.
    List {
        kind: String,
        api_version: String,
        items: Vec<Fast>,
    },
    /// Anything else, as the general reader's value.
    Other(Value),
}

impl Fast {
    /// A List from its items and the rest of its document (`items: []`);
    /// `None` when the general path would not treat it as a list.
    pub(super) fn list(rest: Value, items: Vec<Fast>) -> Option<Fast> {
        let Value::Object(mut map) = rest else {
            return None;
        };
        match map.remove("items") {
            Some(Value::Array(a)) if a.is_empty() => {}
            _ => return None,
        }
        list_of::<de::value::Error>(&map, items).ok()
    }
}

fn list_of<E: de::Error>(map: &Map<String, Value>, items: Vec<Fast>) -> Result<Fast, E> {
    let kind = match map.get("kind") {
        Some(Value::String(k)) if k.ends_with("List") => k.clone(),
        _ => return Err(no()),
    };
    // Absent: a list item would get its list's apiVersion; leave that to
    // the general path.
    let api_version = match map.get("apiVersion") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) => String::new(),
        _ => return Err(no()),
    };
    Ok(Fast::List {
        kind,
        api_version,
        items,
    })
}

/// A struct's fields: `$field => expr` arms over the key; any other key is
/// skipped (checked only for what would make the general reader refuse
/// the document).
macro_rules! fields {
    ($m:ident, $out:ident, { $($name:literal => $assign:expr,)* }) => {{
        let mut seen = Seen::default();
        while let Some(Key(k)) = $m.next_key()? {
            seen.add(&k)?;
            match &*k {
                $($name => $assign,)*
                _ => {
                    $m.next_value::<Skip>()?;
                }
            }
        }
    }};
}

impl<'de> Slim<'de> for meta::ObjectMeta {
    fn map<A: MapAccess<'de>>(mut m: A) -> Result<Self, A::Error> {
        let mut out = meta::ObjectMeta::default();
        fields!(m, out, {
            "name" => out.name = m.next_value::<Opt<String>>()?.0,
            "namespace" => out.namespace = m.next_value::<Opt<String>>()?.0,
            "labels" => out.labels = m.next_value::<Opt<_>>()?.0,
            "ownerReferences" => out.owner_references = m.next_value::<Opt<_>>()?.0,
        });
        Ok(out)
    }
}

impl<'de> Slim<'de> for meta::OwnerReference {
    fn map<A: MapAccess<'de>>(mut m: A) -> Result<Self, A::Error> {
        let mut out = meta::OwnerReference::default();
        let s = |o: Opt<String>| o.0.unwrap_or_default();
        fields!(m, out, {
            "apiVersion" => out.api_version = s(m.next_value()?),
            "blockOwnerDeletion" => out.block_owner_deletion = m.next_value::<Opt<bool>>()?.0,
            "controller" => out.controller = m.next_value::<Opt<bool>>()?.0,
            "kind" => out.kind = s(m.next_value()?),
            "name" => out.name = s(m.next_value()?),
            "uid" => out.uid = s(m.next_value()?),
        });
        Ok(out)
    }
}

impl<'de> Slim<'de> for core::PodSpec {
    fn map<A: MapAccess<'de>>(mut m: A) -> Result<Self, A::Error> {
        let mut out = core::PodSpec::default();
        fields!(m, out, {
            "hostNetwork" => out.host_network = m.next_value::<Opt<bool>>()?.0,
            "containers" => out.containers = m.next_value::<Opt<_>>()?.0.unwrap_or_default(),
            "initContainers" => out.init_containers = m.next_value::<Opt<_>>()?.0,
        });
        Ok(out)
    }
}

impl<'de> Slim<'de> for core::Container {
    fn map<A: MapAccess<'de>>(mut m: A) -> Result<Self, A::Error> {
        let mut out = core::Container::default();
        fields!(m, out, {
            "name" => out.name = m.next_value::<Opt<String>>()?.0.unwrap_or_default(),
            "ports" => out.ports = m.next_value::<Opt<_>>()?.0,
            "restartPolicy" => out.restart_policy = m.next_value::<Opt<String>>()?.0,
        });
        Ok(out)
    }
}

impl<'de> Slim<'de> for core::ContainerPort {
    fn map<A: MapAccess<'de>>(mut m: A) -> Result<Self, A::Error> {
        let mut out = core::ContainerPort::default();
        fields!(m, out, {
            "containerPort" => out.container_port = m.next_value::<Opt<i32>>()?.0.unwrap_or_default(),
            "hostIP" => out.host_ip = m.next_value::<Opt<String>>()?.0,
            "hostPort" => out.host_port = m.next_value::<Opt<i32>>()?.0,
            "name" => out.name = m.next_value::<Opt<String>>()?.0,
            "protocol" => out.protocol = m.next_value::<Opt<String>>()?.0,
        });
        Ok(out)
    }
}

impl<'de> Slim<'de> for core::PodStatus {
    fn map<A: MapAccess<'de>>(mut m: A) -> Result<Self, A::Error> {
        let mut out = core::PodStatus::default();
        fields!(m, out, {
            "phase" => out.phase = m.next_value::<Opt<String>>()?.0,
            "podIP" => out.pod_ip = m.next_value::<Opt<String>>()?.0,
            "podIPs" => out.pod_ips = m.next_value::<Opt<_>>()?.0,
        });
        Ok(out)
    }
}

impl<'de> Slim<'de> for core::PodIP {
    fn map<A: MapAccess<'de>>(mut m: A) -> Result<Self, A::Error> {
        let mut out = core::PodIP::default();
        fields!(m, out, {
            "ip" => out.ip = m.next_value::<Opt<String>>()?.0.unwrap_or_default(),
        });
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// Objects

/// Items of a List: each an object (or a value the general path rejects).
struct Items(Vec<Fast>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Items, A::Error> {
                let mut out = Vec::new();
                while let Some(f) = s.next_element::<Fast>()? {
                    out.push(f);
                }
                Ok(Items(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// What a document (or item) holds: an object, or a value.
struct ObjV;

macro_rules! forward {
    ($($f:ident($t:ty)),*) => {$(
        fn $f<E: de::Error>(self, v: $t) -> Result<Fast, E> {
            JsonV.$f(v).map(Fast::Other)
        }
    )*};
}

impl<'de> Visitor<'de> for ObjV {
    type Value = Fast;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }
    forward!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_f64(f64),
        visit_str(&str)
    );
    fn visit_unit<E: de::Error>(self) -> Result<Fast, E> {
        Ok(Fast::Other(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Fast, E> {
        Ok(Fast::Other(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Fast, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<Fast, A::Error> {
        JsonV.visit_seq(s).map(Fast::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Fast, A::Error> {
        // Keys in order: once `kind: Pod` is known, metadata, spec and
        // status are decoded slim and the rest skipped; before that (and for
        // other kinds) everything becomes a value.
        let mut generic = Map::new();
        let mut pod: Option<core::Pod> = None;
        let mut items: Option<Vec<Fast>> = None;
        let mut seen = Seen::default();
        while let Some(Key(k)) = m.next_key()? {
            seen.add(&k)?;
            let kind = generic.get("kind");
            let is_pod = matches!(kind, Some(Value::String(s)) if s == "Pod");
            let may_list = match kind {
                None => true,
                Some(Value::String(s)) => s.ends_with("List"),
                _ => false,
            };
            match &*k {
                "metadata" if is_pod => {
                    let p = pod.get_or_insert_default();
                    p.metadata = m.next_value::<Opt<_>>()?.0.unwrap_or_default();
                }
                "spec" if is_pod => pod.get_or_insert_default().spec = m.next_value::<Opt<_>>()?.0,
                "status" if is_pod => {
                    pod.get_or_insert_default().status = m.next_value::<Opt<_>>()?.0;
                }
                "items" if may_list => items = Some(m.next_value::<Items>()?.0),
                _ if is_pod => {
                    m.next_value::<Skip>()?;
                }
                _ => {
                    let Json(v) = m.next_value()?;
                    generic.insert(k.into_owned(), v);
                }
            }
        }
        if let Some(items) = items {
            return list_of(&generic, items);
        }
        if let Some(pod) = pod {
            // All three parts read slim (none before `kind`), and a core
            // group apiVersion: what `classify` takes as a Pod.
            let core_group = matches!(generic.get("apiVersion"),
                Some(Value::String(s)) if !s.is_empty() && !s.contains('/'));
            let mixed = ["metadata", "spec", "status"]
                .iter()
                .any(|f| generic.contains_key(*f));
            if !core_group || mixed {
                return Err(no());
            }
            return Ok(Fast::Pod(Box::new(pod)));
        }
        Ok(Fast::Other(Value::Object(generic)))
    }
}

impl<'de> Deserialize<'de> for Fast {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjV)
    }
}
