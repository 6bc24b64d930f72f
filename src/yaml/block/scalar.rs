//! One-line scalars: scanned from the text, and plain ones resolved as
//! serde_yaml 0.9 resolves them (its `de::visit_untagged_scalar` and the
//! functions that calls, copied), so that the block reader gives visitors the
//! very values serde_yaml gives them.

use std::borrow::Cow;

use serde::de::{self, Visitor};

use super::{Declined, Reader, out};

/// A scalar (or empty flow collection) on one line.
pub(super) enum Tok<'de> {
    Plain(&'de str),
    Quoted(Cow<'de, str>),
    EmptyMap,
    EmptySeq,
}

/// A character libyaml reads as printable and not as a line break.
fn safe_char(c: char) -> bool {
    matches!(c as u32, 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

impl<'de> Reader<'de> {
    /// Checks one character of a scalar at `i`; its length.
    fn char_at(&self, i: usize) -> Result<usize, Declined> {
        match self.b()[i] {
            b' '..=b'~' => Ok(1),
            0x80.. => match self.text[i..].chars().next() {
                Some(c) if safe_char(c) => Ok(c.len_utf8()),
                _ => out(),
            },
            _ => out(),
        }
    }

    /// The scalar at `pos`, on this line; `pos` ends after it (a plain
    /// scalar ends before its trailing blanks, at `:`, or at the line end).
    pub(super) fn token(&mut self) -> Result<Tok<'de>, Declined> {
        let b = self.b();
        let p = self.pos;
        let Some(&first) = b.get(p) else {
            return out();
        };
        match first {
            b'\'' => self.single(),
            b'"' => self.double(),
            b'{' | b'[' => {
                let close = if first == b'{' { b'}' } else { b']' };
                if self.at(p + 1) != Some(close) {
                    return out();
                }
                self.pos = p + 2;
                Ok(if first == b'{' {
                    Tok::EmptyMap
                } else {
                    Tok::EmptySeq
                })
            }
            b'-' if matches!(self.at(p + 1), Some(c) if c.is_ascii_alphanumeric() || c == b'.') => {
                self.plain()
            }
            b'0'..=b'9'
            | b'a'..=b'z'
            | b'A'..=b'Z'
            | b'/'
            | b'.'
            | b'_'
            | b'~'
            | b'+'
            | b'$'
            | b'(' => self.plain(),
            0x80.. => self.plain(),
            _ => out(),
        }
    }

    fn plain(&mut self) -> Result<Tok<'de>, Declined> {
        let b = self.b();
        let p = self.pos;
        let mut i = p;
        while let Some(&c) = b.get(i) {
            match c {
                b'\n' => break,
                b':' if matches!(b.get(i + 1), None | Some(b' ' | b'\n')) => break,
                b' ' if b.get(i + 1) == Some(&b'#') => return out(),
                _ => i += self.char_at(i)?,
            }
        }
        self.pos = i;
        Ok(Tok::Plain(self.text[p..i].trim_end_matches(' ')))
    }

    fn single(&mut self) -> Result<Tok<'de>, Declined> {
        let b = self.b();
        let p = self.pos + 1;
        let mut i = p;
        let mut owned: Option<String> = None;
        let mut from = p;
        loop {
            match b.get(i) {
                None | Some(b'\n') => return out(),
                Some(b'\'') if b.get(i + 1) == Some(&b'\'') => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.text[from..=i]);
                    i += 2;
                    from = i;
                }
                Some(b'\'') => break,
                Some(_) => i += self.char_at(i)?,
            }
        }
        self.pos = i + 1;
        Ok(Tok::Quoted(match owned {
            None => Cow::Borrowed(&self.text[p..i]),
            Some(mut s) => {
                s.push_str(&self.text[from..i]);
                Cow::Owned(s)
            }
        }))
    }

    fn double(&mut self) -> Result<Tok<'de>, Declined> {
        let b = self.b();
        let p = self.pos + 1;
        let mut i = p;
        loop {
            match b.get(i) {
                None | Some(b'\n' | b'\\') => return out(),
                Some(b'"') => break,
                Some(_) => i += self.char_at(i)?,
            }
        }
        self.pos = i + 1;
        Ok(Tok::Quoted(Cow::Borrowed(&self.text[p..i])))
    }
}

pub(super) fn visit<'de, V: Visitor<'de>>(t: Tok<'de>, v: V) -> Result<V::Value, Declined> {
    match t {
        Tok::Plain(s) => resolve(s, v),
        Tok::Quoted(Cow::Borrowed(s)) => v.visit_borrowed_str(s),
        Tok::Quoted(Cow::Owned(s)) => v.visit_string(s),
        Tok::EmptyMap => v.visit_map(de::value::MapDeserializer::<
            std::iter::Empty<((), ())>,
            Declined,
        >::new(std::iter::empty())),
        Tok::EmptySeq => v.visit_seq(
            de::value::SeqDeserializer::<std::iter::Empty<()>, Declined>::new(std::iter::empty()),
        ),
    }
}

fn resolve<'de, V: Visitor<'de>>(v: &'de str, visitor: V) -> Result<V::Value, Declined> {
    // No null, bool, int or float starts with another letter.
    if v.as_bytes()[0].is_ascii_alphabetic() && !b"nNtTfFiI".contains(&v.as_bytes()[0]) {
        return visitor.visit_borrowed_str(v);
    }
    if matches!(v, "" | "~" | "null" | "Null" | "NULL") {
        return visitor.visit_unit();
    }
    match v {
        "true" | "True" | "TRUE" => return visitor.visit_bool(true),
        "false" | "False" | "FALSE" => return visitor.visit_bool(false),
        _ => {}
    }
    if let Some(n) = parse_unsigned_int(v, u64::from_str_radix) {
        return visitor.visit_u64(n);
    }
    if let Some(n) = parse_negative_int(v, i64::from_str_radix) {
        return visitor.visit_i64(n);
    }
    // serde_yaml would call `visit_u128`/`visit_i128`.
    if parse_unsigned_int(v, u128::from_str_radix).is_some()
        || parse_negative_int(v, i128::from_str_radix).is_some()
    {
        return out();
    }
    if !digits_but_not_number(v)
        && let Some(f) = parse_f64(v)
    {
        return visitor.visit_f64(f);
    }
    visitor.visit_borrowed_str(v)
}

type Radix<T> = fn(&str, u32) -> Result<T, std::num::ParseIntError>;

fn parse_unsigned_int<T>(scalar: &str, from_str_radix: Radix<T>) -> Option<T> {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = from_str_radix(rest, radix) {
                return Some(int);
            }
        }
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

fn parse_negative_int<T>(scalar: &str, from_str_radix: Radix<T>) -> Option<T> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = scalar.strip_prefix(prefix)
            && let Ok(int) = from_str_radix(&format!("-{rest}"), radix)
        {
            return Some(int);
        }
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(scalar, 10).ok()
}

fn parse_f64(scalar: &str) -> Option<f64> {
    let unpositive = if let Some(unpositive) = scalar.strip_prefix('+') {
        if unpositive.starts_with(['+', '-']) {
            return None;
        }
        unpositive
    } else {
        scalar
    };
    if let ".inf" | ".Inf" | ".INF" = unpositive {
        return Some(f64::INFINITY);
    }
    if let "-.inf" | "-.Inf" | "-.INF" = scalar {
        return Some(f64::NEG_INFINITY);
    }
    if let ".nan" | ".NaN" | ".NAN" = scalar {
        return Some(f64::NAN.copysign(1.0));
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn digits_but_not_number(scalar: &str) -> bool {
    // Leading zero(s) followed by digits is a string in YAML 1.2.
    let scalar = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    scalar.len() > 1 && scalar.starts_with('0') && scalar[1..].bytes().all(|b| b.is_ascii_digit())
}
