//! The nodes the fast path reads: string keys (a repeated key declines),
//! leaves and containers taken with `deserialize_any`, skipped subtrees
//! (checked for what the general reader refuses) and generic values.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Giving up: the caller takes the general path.
pub(super) fn no<E: de::Error>() -> E {
    E::custom("left to the general reader")
}

// ---------------------------------------------------------------------------
// Keys

/// A mapping key: a string (YAML's `1:` or `true:` keys are left to the
/// general path, which writes them as strings).
pub(super) struct Key<'de>(pub(super) std::borrow::Cow<'de, str>);

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
pub(super) struct Seen(smallvec::SmallVec<[u64; 16]>);

impl Seen {
    pub(super) fn add<E: de::Error>(&mut self, k: &str) -> Result<(), E> {
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
pub(super) trait Slim<'de>: Sized {
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
pub(super) struct Opt<T>(pub(super) Option<T>);
/// `null` is refused (an element of a list, a label value).
pub(super) struct Req<T>(T);

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

// ---------------------------------------------------------------------------
// Skipped and generic nodes

/// A node that is not read, checked for what would make the general reader
/// refuse the document (a repeated or non-string key, a tag).
pub(super) struct Skip;

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
pub(super) struct Json(pub(super) Value);

pub(super) struct JsonV;

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
