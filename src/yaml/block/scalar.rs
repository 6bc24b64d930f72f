//! One-line scalars: scanned from the text, and plain ones resolved by the
//! rules serde_yaml 0.9 applies, so that the block reader gives visitors the
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

/// What a plain scalar means. These are the rules serde_yaml 0.9 applies (YAML
/// 1.2's core schema with its own edges), restated here so the block reader
/// hands visitors exactly what serde_yaml would: `block_tests` compares the
/// two on every odd scalar it knows.
fn resolve<'de, V: Visitor<'de>>(s: &'de str, visitor: V) -> Result<V::Value, Declined> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return visitor.visit_unit(),
        "true" | "True" | "TRUE" => return visitor.visit_bool(true),
        "false" | "False" | "FALSE" => return visitor.visit_bool(false),
        _ => {}
    }
    match number(s) {
        Number::Unsigned(n) => visitor.visit_u64(n),
        Number::Signed(n) => visitor.visit_i64(n),
        Number::Float(f) => visitor.visit_f64(f),
        // serde_yaml would call `visit_u128`/`visit_i128`, which the fast
        // visitors do not take: leave it to it.
        Number::Wide => out(),
        Number::No => visitor.visit_borrowed_str(s),
    }
}

enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    /// An integer past 64 bits that still fits 128.
    Wide,
    No,
}

/// The number a plain scalar spells, if any.
fn number(s: &str) -> Number {
    // Every number starts with a digit, a sign or a dot (`.5`, `.inf`); the
    // words Rust's float parser knows (`inf`, `nan`) are not finite anyway.
    let Some(&first) = s.as_bytes().first() else {
        return Number::No;
    };
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Number::No;
    }
    let (negative, body) = match first {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    // One sign at most; and a zero before more digits makes a string
    // ("0777"), not an octal or decimal number.
    let zero_led =
        body.len() > 1 && body.starts_with('0') && body.bytes().skip(1).all(|b| b.is_ascii_digit());
    if body.starts_with(['+', '-']) || zero_led {
        return Number::No;
    }
    let based = [("0x", 16), ("0o", 8), ("0b", 2)]
        .into_iter()
        .find_map(|(prefix, radix)| body.strip_prefix(prefix).map(|d| (d, radix)));
    let (digits, radix) = match based {
        // A sign after the prefix is never a number (`0x-1`, `0x+1`).
        Some((d, _)) if d.starts_with(['+', '-']) => return Number::No,
        Some(based) => based,
        None => (body, 10),
    };
    if let Some(n) = integer(negative, digits, radix) {
        return n;
    }
    float(s, negative, body).map_or(Number::No, Number::Float)
}

/// `digits` in `radix` as the 64-bit integer of that sign, or `Wide` if it
/// only fits 128 bits; `None` if it is no integer (or a wider one, which
/// serde_yaml then reads as a float).
fn integer(negative: bool, digits: &str, radix: u32) -> Option<Number> {
    // Rust's parsers would take a sign here; the scalar's own was split off.
    if digits.starts_with(['+', '-']) {
        return None;
    }
    if negative {
        let with_sign = format!("-{digits}");
        match i64::from_str_radix(&with_sign, radix) {
            Ok(n) => Some(Number::Signed(n)),
            Err(_) => i128::from_str_radix(&with_sign, radix)
                .ok()
                .map(|_| Number::Wide),
        }
    } else {
        match u64::from_str_radix(digits, radix) {
            Ok(n) => Some(Number::Unsigned(n)),
            Err(_) => u128::from_str_radix(digits, radix)
                .ok()
                .map(|_| Number::Wide),
        }
    }
}

/// A finite float, or one of the spelled infinities and NaN.
fn float(s: &str, negative: bool, body: &str) -> Option<f64> {
    match (negative, body) {
        (false, ".inf" | ".Inf" | ".INF") => return Some(f64::INFINITY),
        (true, ".inf" | ".Inf" | ".INF") => return Some(f64::NEG_INFINITY),
        // Only unsigned: `+.nan` and `-.nan` are strings.
        (_, ".nan" | ".NaN" | ".NAN") if s == body => return Some(f64::NAN.copysign(1.0)),
        _ => {}
    }
    let unsigned_or_minus = if negative { s } else { body };
    unsigned_or_minus
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
}
