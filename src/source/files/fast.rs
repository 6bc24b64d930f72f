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

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

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

/// Giving up: the caller takes the general path.
fn no<E: de::Error>() -> E {
    E::custom("left to the general reader")
}

// ---------------------------------------------------------------------------
// Keys

/// A mapping key: a string (YAML's `1:` or `true:` keys are left to the
/// general path, which writes them as strings).
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(v.to_string().into()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The keys of one mapping so far: YAML refuses a repeated key, JSON keeps
/// the last; either way the fast path gives up. Hashes, because a collision
/// only costs the fast path.
#[derive(Default)]
struct Seen(smallvec::SmallVec<[u64; 16]>);

impl Seen {
    fn add<E: de::Error>(&mut self, k: &str) -> Result<(), E> {
        // FNV-1a.
        let h = k.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        if self.0.contains(&h) {
            return Err(no());
        }
        self.0.push(h);
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Leaves and containers, each taken with `deserialize_any`.

/// A type read by the fast path: what it accepts of each kind of node.
trait Slim<'de>: Sized {
    fn str<E: de::Error>(_: &str) -> Result<Self, E> {
        Err(no())
    }
    fn int<E: de::Error>(_: i128) -> Result<Self, E> {
        Err(no())
    }
    fn bool<E: de::Error>(_: bool) -> Result<Self, E> {
        Err(no())
    }
    fn map<A: MapAccess<'de>>(_: A) -> Result<Self, A::Error> {
        Err(no())
    }
    fn seq<A: SeqAccess<'de>>(_: A) -> Result<Self, A::Error> {
        Err(no())
    }
}

/// `null` is `None`, as for k8s-openapi's optional fields.
struct Opt<T>(Option<T>);
/// `null` is refused (an element of a list, a label value).
struct Req<T>(T);

struct AnyV<T>(bool, PhantomData<T>);

impl<'de, T: Slim<'de>> Visitor<'de> for AnyV<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value the fast path reads")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        if self.0 { Ok(None) } else { Err(no()) }
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        T::str(v).map(Some)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        T::int(v.into()).map(Some)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        T::int(v.into()).map(Some)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<T>, E> {
        T::bool(v).map(Some)
    }
    fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Option<T>, A::Error> {
        T::map(m).map(Some)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<Option<T>, A::Error> {
        T::seq(s).map(Some)
    }
}

impl<'de, T: Slim<'de>> Deserialize<'de> for Opt<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyV(true, PhantomData)).map(Opt)
    }
}

impl<'de, T: Slim<'de>> Deserialize<'de> for Req<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(AnyV(false, PhantomData))? {
            Some(t) => Ok(Req(t)),
            None => Err(no()),
        }
    }
}

impl Slim<'_> for String {
    fn str<E: de::Error>(v: &str) -> Result<Self, E> {
        Ok(v.to_string())
    }
}

impl Slim<'_> for i32 {
    fn int<E: de::Error>(v: i128) -> Result<Self, E> {
        i32::try_from(v).map_err(|_| no())
    }
}

impl Slim<'_> for bool {
    fn bool<E: de::Error>(v: bool) -> Result<Self, E> {
        Ok(v)
    }
}

impl<'de, T: Slim<'de>> Slim<'de> for Vec<T> {
    fn seq<A: SeqAccess<'de>>(mut s: A) -> Result<Self, A::Error> {
        let mut out = Vec::with_capacity(s.size_hint().unwrap_or(0).min(64));
        while let Some(Req(t)) = s.next_element::<Req<T>>()? {
            out.push(t);
        }
        Ok(out)
    }
}

impl<'de> Slim<'de> for BTreeMap<String, String> {
    fn map<A: MapAccess<'de>>(mut m: A) -> Result<Self, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(Key(k)) = m.next_key()? {
            let Req(v) = m.next_value::<Req<String>>()?;
            if out.insert(k.into_owned(), v).is_some() {
                return Err(no());
            }
        }
        Ok(out)
    }
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
// Skipped and generic nodes

/// A node that is not read, checked for what would make the general reader
/// refuse the document (a repeated or non-string key, a tag).
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Skip;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_unit<E>(self) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_none<E>(self) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
                Skip::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Skip, A::Error> {
                while s.next_element::<Skip>()?.is_some() {}
                Ok(Skip)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Skip, A::Error> {
                let mut seen = Seen::default();
                while let Some(Key(k)) = m.next_key()? {
                    seen.add(&k)?;
                    m.next_value::<Skip>()?;
                }
                Ok(Skip)
            }
        }
        d.deserialize_any(V)
    }
}

/// A node as the general reader's value (YAML: after its conversion from
/// the YAML value; tags and non-string keys are left to it).
struct Json(Value);

struct JsonV;

impl<'de> Visitor<'de> for JsonV {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Json(v)) = s.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(Key(k)) = m.next_key()? {
            let Json(v) = m.next_value()?;
            if out.insert(k.into_owned(), v).is_some() {
                return Err(no());
            }
        }
        Ok(Value::Object(out))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonV).map(Json)
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
