//! The block reader against serde_yaml, both ways: whatever it accepts must
//! come out of serde_yaml the same (values, kinds, order, repeated keys).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::from_str;

/// Every node as the visitor saw it, read with `deserialize_any` only.
#[derive(Debug, PartialEq)]
enum Tree {
    Null,
    Bool(bool),
    U(u64),
    I(i64),
    F(u64),
    S(String),
    Seq(Vec<Tree>),
    Map(Vec<(Tree, Tree)>),
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tree;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("anything")
            }
            fn visit_unit<E>(self) -> Result<Tree, E> {
                Ok(Tree::Null)
            }
            fn visit_none<E>(self) -> Result<Tree, E> {
                Ok(Tree::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
                Tree::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Tree, E> {
                Ok(Tree::Bool(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Tree, E> {
                Ok(Tree::U(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Tree, E> {
                Ok(Tree::I(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Tree, E> {
                Ok(Tree::F(v.to_bits()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
                Ok(Tree::S(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Tree, A::Error> {
                let mut out = Vec::new();
                while let Some(t) = s.next_element()? {
                    out.push(t);
                }
                Ok(Tree::Seq(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Tree, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key()? {
                    out.push((k, m.next_value()?));
                }
                Ok(Tree::Map(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Compares both readers on `text`; whether the block reader took it.
fn both(text: &str) -> bool {
    match from_str::<Tree>(text) {
        Ok(t) => {
            let y = crate::yaml::reference_from_str::<Tree>(text);
            assert!(
                matches!(&y, Ok(y) if *y == t),
                "{text:?}\nblock: {t:?}\nserde_yaml: {y:?}"
            );
            true
        }
        Err(e) => {
            assert!(e.syntax, "{text:?}: {e}");
            false
        }
    }
}

const SCALARS: &[&str] = &[
    "a",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "0777",
    "0o17",
    "0x1F",
    "0x_1",
    "0xg",
    "1_000",
    "+1",
    "-1",
    "+-1",
    "-0x10",
    "-0o7",
    "-0b11",
    "0b101",
    "0B1",
    ".5",
    "5.",
    "1e3",
    "1E-3",
    "-.inf",
    ".Inf",
    "+.inf",
    ".NaN",
    ".nan",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "FALSE",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "999999999999999999999999999999999999999",
    "00",
    "0",
    "-0",
    "+0",
    "0.0",
    "-0.0",
    "1.0e+400",
    "1e-400",
    "x y",
    "a:b",
    "a :b",
    "a#b",
    "a # b",
    "é",
    "日本",
    "\u{1F600}",
    "'s'",
    "'it''s'",
    "''''",
    "\"dq\"",
    "\"\"",
    "''",
    "\"a: b\"",
    "'# x'",
    "{}",
    "[]",
    "{ }",
    "[a]",
    "http://x/y?a=1&b=2",
    "2026-11-30T10:00:00Z",
    "10.0.0.0/8",
    "::1",
    "-foo",
    "--x",
    "$x",
    "(p)",
    "+",
    "-",
    ".",
    "..",
    "...",
    "---",
    "=",
    "<<",
    "~x",
    "a,b",
    "a]",
    "x:",
    "x: y",
    "&a x",
    "*a",
    "!t x",
    "!!str 1",
    "|",
    ">",
    "@x",
    "`x",
    "%x",
    "?x",
    "? x",
    "-\tx",
    "a\\b",
    "\"a\\nb\"",
    "1.",
    "+.5",
    "-.5",
    "0x",
    "0o",
    "1e",
    "e1",
    "E",
    "_1",
    "1__0",
    "0.1.2",
    "12:30",
    "1:2:3",
    "0x-1",
];

/// Numbers at the edges of the resolution rules (signs, bases, 64/128-bit
/// limits, infinities), separated by spaces.
const NUMBER_EDGES: &str = "0x+1 +0x10 -0x -0x-5 -0x+5 +0x-5 0X10 0o8 -0b2 0x1_0 -00 +00 +007 -01 00.5 0. \
    0e0 ++1 --1 -+1 1e400 -1e400 +.nan -.nan +.Inf -.Inf .INF +inf +nan infinity -. \
    +. .e1 1.5e 1d 0xFFFFFFFFFFFFFFFF 0x10000000000000000 -0x8000000000000000 \
    -0x8000000000000001 0x1000000000000000000000000000000000 \
    340282366920938463463374607431768211455 340282366920938463463374607431768211456 \
    -170141183460469231731687303715884105728 \
    -170141183460469231731687303715884105729 \
    1234567890123456789012345678901234567890";

const KEYS: &[&str] = &[
    "a",
    "b",
    "name",
    "k8s-app",
    "app.kubernetes.io/name",
    "x y",
    "'q'",
    "\"d\"",
    "1",
    "true",
    "~",
    "null",
    "x:y",
    "-k",
    "0x10",
    "1.5",
    "a",
    "''",
    "\"\"",
    "é",
    "'a''b'",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

fn gen_map(r: &mut Rng, indent: usize, depth: usize, first_inline: bool, out: &mut String) {
    for k in 0..1 + r.below(3) {
        if !(first_inline && k == 0) {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(r.pick(KEYS));
        out.push(':');
        match if depth > 3 { 0 } else { r.below(5) } {
            0 | 1 => {
                out.push_str(&" ".repeat(1 + r.below(2)));
                out.push_str(r.pick(SCALARS));
                out.push('\n');
            }
            2 => {
                out.push('\n');
                let at = indent + 1 + r.below(3);
                gen_map(r, at, depth + 1, false, out);
            }
            3 => {
                out.push('\n');
                let at = if r.below(2) == 0 { indent } else { indent + 2 };
                gen_seq(r, at, depth + 1, out);
            }
            _ => out.push_str(if r.below(2) == 0 { "\n" } else { "  \n\n" }),
        }
    }
}

fn gen_seq(r: &mut Rng, indent: usize, depth: usize, out: &mut String) {
    for _ in 0..1 + r.below(3) {
        out.push_str(&" ".repeat(indent));
        let pad = 1 + r.below(2);
        out.push('-');
        out.push_str(&" ".repeat(pad));
        if depth < 4 && r.below(2) == 0 {
            gen_map(r, indent + 1 + pad, depth + 1, true, out);
        } else {
            out.push_str(r.pick(SCALARS));
            out.push('\n');
        }
    }
}

const NOISE: &[&str] = &[
    " ", "  ", "\t", "#", " #", ":", ": ", "-", "- ", "'", "\"", "\n", "{", "}", "[", "]", ",",
    "&", "*", "!", "|", ">", "?", "%", "@", "\r", "\u{85}", "\u{2028}", "\u{feff}", "é", "\\", "~",
    "\u{7}", "\u{7f}", "<<: ",
];

/// One random edit: insert noise, delete a character, re-indent or repeat a line.
fn mutate(r: &mut Rng, text: &str) -> String {
    let cuts: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let at = cuts[r.below(cuts.len())];
    match r.below(4) {
        0 | 1 => format!("{}{}{}", &text[..at], r.pick(NOISE), &text[at..]),
        2 if at < text.len() => {
            let next = text[at..].chars().next().map_or(0, char::len_utf8);
            format!("{}{}", &text[..at], &text[at + next..])
        }
        _ => {
            let lines: Vec<&str> = text.lines().collect();
            let i = r.below(lines.len().max(1));
            let mut out = String::new();
            for (j, l) in lines.iter().enumerate() {
                if j == i {
                    match r.below(3) {
                        0 => out.push(' '),
                        1 => {
                            out.push_str(l);
                            out.push('\n');
                        }
                        _ => {}
                    }
                    out.push_str(l.strip_prefix(' ').unwrap_or(l));
                } else {
                    out.push_str(l);
                }
                out.push('\n');
            }
            out
        }
    }
}

#[test]
fn random_documents_read_the_same_both_ways() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut clean, mut taken, mut mutated, mut mutated_taken) = (0, 0, 0, 0);
    for _ in 0..3000 {
        let mut doc = String::new();
        let at = r.below(3);
        gen_map(&mut r, at, 0, false, &mut doc);
        clean += 1;
        taken += usize::from(both(&doc));
        let mut m = doc;
        for _ in 0..4 {
            m = mutate(&mut r, &m);
            mutated += 1;
            mutated_taken += usize::from(both(&m));
        }
    }
    // The subset is not empty: a good part of each kind was compared.
    assert!(taken * 5 > clean, "{taken} of {clean}");
    assert!(mutated_taken * 10 > mutated, "{mutated_taken} of {mutated}");
}

#[test]
fn every_scalar_in_every_position() {
    for s in SCALARS
        .iter()
        .copied()
        .chain(NUMBER_EDGES.split_whitespace())
    {
        for doc in [
            format!("k: {s}\n"),
            format!("{s}: v\n"),
            format!("a:\n- {s}\n- x: {s}\n"),
            format!("a:\n  - {s}\nb: 1"),
            format!("  k:   {s}   \n"),
        ] {
            both(&doc);
        }
    }
}

#[test]
fn kubectl_output_is_in_the_subset() {
    let pod = "  apiVersion: v1\n  kind: Pod\n  metadata:\n    creationTimestamp: 2026-11-30T10:00:00Z\n    labels:\n      k8s-app: kube-dns\n      version: \"1.0\"\n    name: coredns-0\n    ownerReferences:\n    - apiVersion: apps/v1\n      controller: true\n      kind: ReplicaSet\n      name: coredns-7d9f8\n  spec:\n    containers:\n    - image: registry.example/app:1.0\n      name: app\n      ports:\n      - containerPort: 53\n        name: dns\n        protocol: UDP\n      resources: {}\n    tolerations: []\n  status:\n    phase: Running\n    podIP: 10.255.0.2\n    podIPs:\n    - ip: 10.255.0.2\n    - ip: fd00::2\n";
    assert!(both(pod));
    let pol = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: 'a'\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except:\n        - 10.0.0.0/8\n    ports:\n    - port: 8080\n      protocol: TCP\n  policyTypes:\n  - Ingress\n";
    assert!(both(pol));
}

#[test]
fn unusual_text_is_left_to_serde_yaml() {
    for t in [
        "",
        "# c\na: 1\n",
        "a: 1 # c\n",
        "a: &x 1\nb: *x\n",
        "a: !t 1\n",
        "a: |\n  x\n",
        "a: >-\n  x\n",
        "a: b\n  c\n",
        "a: 'b\n  c'\n",
        "a: \"b\\tc\"\n",
        "a: {b: 1}\n",
        "a: [1, 2]\n",
        "a:\tb\n",
        "a: b\r\n",
        "\u{feff}a: b\n",
        "a: b\u{85}c\n",
        "? a\n: b\n",
        "- a\n- b\n",
        "a:\n- - x\n",
        "a:\n-\n  b: 1\n",
        "a: 1\n b: 2\n",
        "a:\n    b: 1\n  c: 2\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: b: c\n",
        "a: 1\nscalar\n",
    ] {
        assert!(!both(t), "{t:?}");
    }
    let deep = (0..120).fold(String::new(), |mut s, i| {
        s.push_str(&" ".repeat(i));
        s.push_str("a:\n");
        s
    });
    assert!(!both(&deep));
    assert!(!both(&format!("{}: 1\n", "k".repeat(1100))));
}

#[test]
fn emitted_strings_read_back_the_same() {
    // serde_yaml's emitter quotes what would not read back as the string;
    // the reader must agree on each form it takes.
    let mut taken = 0;
    for s in SCALARS
        .iter()
        .chain(KEYS)
        .chain(&["80", "", " a", "a ", "-", "'", "\"", "a\"b"])
    {
        let v = serde_json::json!({"k": s, *s: [s, {"n": s}]});
        let text = crate::yaml::to_string(&v).unwrap();
        taken += usize::from(both(&text));
        let Ok(Tree::Map(m)) = from_str::<Tree>(&text) else {
            continue;
        };
        let k = (Tree::S("k".into()), Tree::S(s.to_string()));
        assert!(*s == "k" || m.contains(&k), "{text:?}");
    }
    assert!(taken * 2 > SCALARS.len(), "{taken}");
}
