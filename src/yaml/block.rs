//! A reader for the plain block YAML that `kubectl get -o yaml` prints
//! (issue #14): block mappings and sequences, one-line plain and quoted
//! scalars, `{}` and `[]`. It drives serde visitors straight from the text
//! (no token queue, no event list, no copies of keys and values), which is
//! most of what libyaml and serde_yaml cost on a big dump.
//!
//! It is exact by refusal: anything outside that subset (comments, anchors,
//! aliases, tags, block or multi-line scalars, flow collections with
//! content, escapes, tabs, CR, complex keys, odd indentation, characters
//! libyaml treats as line breaks, deep nesting, long keys) is
//! [`Declined::syntax`], and the caller hands the text to serde_yaml. What it
//! accepts it gives the visitors as serde_yaml would: plain scalars are
//! resolved by serde_yaml 0.9's rules (restated in `scalar`), quoted ones are
//! strings, an empty value is null. `block_tests` compares both on odd and
//! mutated documents.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

mod scalar;
use scalar::{Tok, visit};

/// serde_yaml refuses nesting past 128 levels.
const MAX_DEPTH: usize = 100;
/// libyaml refuses implicit keys past 1024 characters.
const MAX_KEY: usize = 1000;

/// Why the reader gave up. `syntax`: the text is outside the subset (serde_yaml
/// may still read it); else a visitor refused what it was given.
#[derive(Debug)]
pub(crate) struct Declined {
    pub(crate) syntax: bool,
}

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if self.syntax {
            "outside the block subset"
        } else {
            "refused by the visitor"
        })
    }
}

impl std::error::Error for Declined {}

impl de::Error for Declined {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Declined { syntax: false }
    }
}

fn out<T>() -> Result<T, Declined> {
    Err(Declined { syntax: true })
}

/// `T` from one document whose root is a block mapping.
pub(crate) fn from_str<'de, T: de::Deserialize<'de>>(text: &'de str) -> Result<T, Declined> {
    let mut r = Reader {
        text,
        pos: 0,
        col: None,
        depth: 0,
    };
    let v = T::deserialize(Node {
        r: &mut r,
        at: At::Root,
    })?;
    // Nothing may follow the root mapping.
    if r.next_content()?.is_some() {
        return out();
    }
    Ok(v)
}

struct Reader<'de> {
    text: &'de str,
    pos: usize,
    /// The column of `pos` when it is at content; `None` at a line start.
    col: Option<usize>,
    depth: usize,
}

impl<'de> Reader<'de> {
    fn b(&self) -> &'de [u8] {
        self.text.as_bytes()
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.b().get(i).copied()
    }

    /// Moves to the next content (past blank lines); its indentation.
    fn next_content(&mut self) -> Result<Option<usize>, Declined> {
        if let Some(c) = self.col {
            return Ok(Some(c));
        }
        let b = self.b();
        loop {
            let start = self.pos;
            while self.at(self.pos) == Some(b' ') {
                self.pos += 1;
            }
            match b.get(self.pos) {
                None => return Ok(None),
                Some(b'\n') => self.pos += 1,
                Some(b'#') => return out(),
                Some(_) => {
                    self.col = Some(self.pos - start);
                    return Ok(self.col);
                }
            }
        }
    }

    /// A block sequence entry starts here.
    fn dash(&self) -> bool {
        self.at(self.pos) == Some(b'-')
            && matches!(self.at(self.pos + 1), None | Some(b' ' | b'\n'))
    }

    fn skip_spaces(&mut self) {
        while self.at(self.pos) == Some(b' ') {
            self.pos += 1;
        }
    }

    fn at_eol(&self) -> bool {
        matches!(self.at(self.pos), None | Some(b'\n'))
    }

    /// The rest of the line is blank: moves to the next line.
    fn end_line(&mut self) -> Result<(), Declined> {
        self.skip_spaces();
        if !self.at_eol() {
            return out();
        }
        self.pos = (self.pos + 1).min(self.text.len());
        self.col = None;
        Ok(())
    }

    /// `:` and a blank after a key: consumed.
    fn key_colon(&mut self) -> bool {
        self.skip_spaces();
        if self.at(self.pos) == Some(b':')
            && matches!(self.at(self.pos + 1), None | Some(b' ' | b'\n'))
        {
            self.pos += 1;
            return true;
        }
        false
    }

    fn enter(&mut self) -> Result<(), Declined> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return out();
        }
        Ok(())
    }

    fn map<V: Visitor<'de>>(&mut self, indent: usize, v: V) -> Result<V::Value, Declined> {
        self.enter()?;
        let mut m = Map {
            r: self,
            indent,
            done: false,
        };
        let out_v = v.visit_map(&mut m)?;
        // A visitor that stopped early has not read (nor checked) the rest.
        if !m.done {
            return out();
        }
        self.depth -= 1;
        Ok(out_v)
    }

    fn seq<V: Visitor<'de>>(&mut self, indent: usize, v: V) -> Result<V::Value, Declined> {
        self.enter()?;
        let mut s = Seq {
            r: self,
            indent,
            done: false,
        };
        let out_v = v.visit_seq(&mut s)?;
        if !s.done {
            return out();
        }
        self.depth -= 1;
        Ok(out_v)
    }
}

/// Where a node starts: the document's root, after `key:` in a mapping at
/// this indentation, or after `- ` in a sequence.
#[derive(Clone, Copy)]
enum At {
    Root,
    Value(usize),
    Entry,
}

struct Node<'a, 'de> {
    r: &'a mut Reader<'de>,
    at: At,
}

macro_rules! refuse {
    ($($f:ident)*) => {$(
        fn $f<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declined> {
            out()
        }
    )*};
}

/// Only `deserialize_any`: a typed request (`deserialize_str`, ...) would
/// need serde_yaml's per-type rules, so it is refused.
macro_rules! any_only {
    () => {
        refuse!(deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
            deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32
            deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
            deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq
            deserialize_map deserialize_identifier);
        fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, _: V) -> Result<V::Value, Declined> {
            out()
        }
        fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, _: V) -> Result<V::Value, Declined> {
            out()
        }
        fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, Declined> {
            out()
        }
        fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, _: V) -> Result<V::Value, Declined> {
            out()
        }
        fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], _: V) -> Result<V::Value, Declined> {
            out()
        }
        fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], _: V) -> Result<V::Value, Declined> {
            out()
        }
        fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
            self.deserialize_any(v)
        }
    };
}

impl<'de> Deserializer<'de> for Node<'_, 'de> {
    type Error = Declined;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        let r = self.r;
        match self.at {
            At::Root => match r.next_content()? {
                Some(i) if !r.dash() => r.map(i, v),
                _ => out(),
            },
            At::Value(m) => {
                r.skip_spaces();
                if !r.at_eol() {
                    let t = r.token()?;
                    r.end_line()?;
                    return visit(t, v);
                }
                r.end_line()?;
                // A block node below, a sequence at the key's own
                // indentation, or nothing (null).
                match r.next_content()? {
                    Some(i) if i > m && r.dash() => r.seq(i, v),
                    Some(i) if i > m => r.map(i, v),
                    Some(i) if i == m && r.dash() => r.seq(i, v),
                    _ => v.visit_unit(),
                }
            }
            At::Entry => {
                let (start, col) = (r.pos, r.col);
                let t = r.token()?;
                if matches!(t, Tok::Plain(_) | Tok::Quoted(_)) && r.key_colon() {
                    // `- key: value`: a mapping at the key's column.
                    r.pos = start;
                    let Some(c) = col else { return out() };
                    return r.map(c, v);
                }
                r.end_line()?;
                visit(t, v)
            }
        }
    }

    any_only!();
}

/// A key (already scanned) as its own deserializer.
struct KeyDe<'de>(Tok<'de>);

impl<'de> Deserializer<'de> for KeyDe<'de> {
    type Error = Declined;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        visit(self.0, v)
    }
    any_only!();
}

struct Map<'a, 'de> {
    r: &'a mut Reader<'de>,
    indent: usize,
    done: bool,
}

impl<'de> MapAccess<'de> for &mut Map<'_, 'de> {
    type Error = Declined;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Declined> {
        let r = &mut *self.r;
        match r.next_content()? {
            Some(i) if i == self.indent && !r.dash() => {}
            Some(i) if i > self.indent => return out(),
            Some(i) if i == self.indent => return out(), // `- ` where a key must be
            _ => {
                self.done = true;
                return Ok(None);
            }
        }
        let start = r.pos;
        let t = r.token()?;
        if !matches!(t, Tok::Plain(_) | Tok::Quoted(_)) || !r.key_colon() || r.pos - start > MAX_KEY
        {
            return out();
        }
        r.col = None;
        seed.deserialize(KeyDe(t)).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Declined> {
        seed.deserialize(Node {
            r: self.r,
            at: At::Value(self.indent),
        })
    }
}

struct Seq<'a, 'de> {
    r: &'a mut Reader<'de>,
    indent: usize,
    done: bool,
}

impl<'de> SeqAccess<'de> for &mut Seq<'_, 'de> {
    type Error = Declined;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Declined> {
        let r = &mut *self.r;
        match r.next_content()? {
            Some(i) if i == self.indent && r.dash() => {}
            Some(i) if i > self.indent => return out(),
            // Less indented, or the next key of the mapping this sequence
            // is the value of (`key:` then `- ` at the key's column).
            _ => {
                self.done = true;
                return Ok(None);
            }
        }
        r.pos += 1;
        let start = r.pos;
        r.skip_spaces();
        // `-` alone on its line, or `- - x`: left to serde_yaml.
        if r.pos == start || r.at_eol() || r.dash() {
            return out();
        }
        r.col = Some(self.indent + 1 + (r.pos - start));
        seed.deserialize(Node { r, at: At::Entry }).map(Some)
    }
}

#[cfg(test)]
#[path = "block_tests.rs"]
mod tests;
