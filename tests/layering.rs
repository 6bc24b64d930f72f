//! The layers the compiler does not keep on its own: engine <- source <-
//! {cli, tui} <- main, one way only. Reads every file under src/ and fails,
//! naming file and line, when a layer names one it must not; and when a file
//! grows past the size a newcomer can read.
//!
//! Paths are found in code only (comments, strings and char literals are
//! skipped): `ident::` path starts, `use` trees with `{}` groups, and
//! `super::` chains resolved against the file's module path.

use std::path::{Path, PathBuf};

/// Longest source file allowed (the aim is ~500 lines).
const MAX_LINES: usize = 550;

const EXTERNAL: [&str; 8] = [
    "tokio",
    "ratatui",
    "crossterm",
    "kube",
    "k8s_openapi",
    "serde_yaml",
    "fuzzy_matcher",
    "toml",
];

/// Dependencies each wrapped in one module so that a swap is a one-file
/// change (serde_yaml and fuzzy-matcher are unmaintained; toml reads only the
/// config file): (crate, the only file that may name it).
const WRAPPED: [(&str, &str); 3] = [
    ("serde_yaml", "yaml.rs"),
    ("fuzzy_matcher", "tui/fuzzy.rs"),
    ("toml", "tui/config.rs"),
];

/// What each layer must not name: `crate::<module>` or an external crate.
fn forbidden(layer: &str) -> &'static [&'static str] {
    match layer {
        "engine" => &[
            "crate::source",
            "crate::cli",
            "crate::tui",
            "tokio",
            "ratatui",
            "crossterm",
            "kube",
            "k8s_openapi",
        ],
        "source" => &["crate::cli", "crate::tui"],
        "cli" => &["crate::tui"],
        "tui" => &["crate::cli"],
        // Below every layer: it names no module of the crate.
        "yaml.rs" => &["crate::engine", "crate::source", "crate::cli", "crate::tui"],
        _ => &[],
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// The tokens of the code that matter for paths, each with its line (1-based).
/// Comments, string/char literals and lifetimes produce nothing.
fn tokens(src: &str) -> Vec<(usize, Tok)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if ch == '"' || ((ch == 'r' || ch == 'b') && starts_raw_or_byte_string(&c, i)) {
            // Raw strings: r"..", r#".."#, br#".."#; others with escapes.
            let mut j = i;
            if c[j] == 'b' {
                j += 1;
            }
            let raw = c[j] == 'r';
            if raw {
                j += 1;
            }
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1; // the opening quote
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '\n' {
                    line += 1;
                } else if !raw && c[j] == '\\' {
                    line += usize::from(at(j + 1) == '\n');
                    j += 2;
                    continue;
                } else if c[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let s = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((line, Tok::Ident(c[s..i].iter().collect())));
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((line, Tok::Path));
            i += 2;
        } else {
            if !ch.is_whitespace() {
                out.push((line, Tok::Punct(ch)));
            }
            i += 1;
        }
    }
    out
}

fn starts_raw_or_byte_string(c: &[char], i: usize) -> bool {
    let prev_ident = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    if prev_ident {
        return false;
    }
    let mut j = i;
    if c[j] == 'b' {
        j += 1;
        if c.get(j) == Some(&'"') {
            return true;
        }
    }
    if c.get(j) != Some(&'r') {
        return false;
    }
    j += 1;
    while c.get(j) == Some(&'#') {
        j += 1;
    }
    c.get(j) == Some(&'"')
}

/// The module path of a file under src/ (`tui/views/status.rs` ->
/// [tui, views, status]; `mod.rs`, `lib.rs` and `main.rs` are their folder).
fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// Every crate module (`crate::x`) and external crate the code names, with
/// its line: what [`forbidden`] is checked against.
fn named(rel: &str, src: &str) -> Vec<(usize, String)> {
    let t = tokens(src);
    let here = module_path(rel);
    let mut out = Vec::new();
    let is = |k: usize, tok: &Tok| t.get(k).map(|(_, x)| x) == Some(tok);
    let ident = |k: usize| match t.get(k) {
        Some((_, Tok::Ident(s))) => Some(s.as_str()),
        _ => None,
    };
    for k in 0..t.len() {
        let Some(first) = ident(k) else { continue };
        let line = t[k].0;
        // A path start: not itself after `::`.
        if k > 0 && is(k - 1, &Tok::Path) {
            continue;
        }
        let after_use = k > 0 && ident(k - 1) == Some("use");
        if EXTERNAL.contains(&first)
            && (is(k + 1, &Tok::Path)
                || (after_use && (is(k + 1, &Tok::Punct(';')) || ident(k + 1) == Some("as"))))
        {
            out.push((line, first.to_string()));
            continue;
        }
        // crate::x, super::super::x, self::x and their `{}` groups.
        let mut base: Vec<String> = match first {
            "crate" => vec![],
            "super" | "self" => here.clone(),
            _ => continue,
        };
        let mut j = k;
        loop {
            match ident(j) {
                Some("super") => {
                    base.pop();
                }
                Some("crate") | Some("self") => {}
                _ => break,
            }
            if !is(j + 1, &Tok::Path) {
                break;
            }
            j += 2;
        }
        if !base.is_empty() {
            // Below the crate root: one name is enough to know the layer.
            if let Some(n) = ident(j).filter(|n| !matches!(*n, "super" | "crate" | "self")) {
                base.push(n.to_string());
            }
            out.push((line, format!("crate::{}", base[0])));
            continue;
        }
        match (ident(j), t.get(j).map(|(_, x)| x)) {
            (Some(n), _) if !matches!(n, "super" | "crate" | "self") => {
                out.push((t[j].0, format!("crate::{n}")));
            }
            (_, Some(Tok::Punct('{'))) => {
                // The first names of a use group at depth 1.
                let mut depth = 0;
                let mut expect_name = true;
                for (l, tok) in &t[j..] {
                    match tok {
                        Tok::Punct('{') => {
                            depth += 1;
                            expect_name = depth == 1;
                        }
                        Tok::Punct('}') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Tok::Punct(',') if depth == 1 => expect_name = true,
                        Tok::Ident(n) if expect_name => {
                            if n != "self" {
                                out.push((*l, format!("crate::{n}")));
                            }
                            expect_name = false;
                        }
                        _ => expect_name = false,
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The layer violations of one file: `(line, what it names)`.
fn violations(rel: &str, src: &str) -> Vec<(usize, String)> {
    let layer = rel.split('/').next().unwrap_or_default();
    let bad = forbidden(layer);
    let wrapped_elsewhere = |n: &str| WRAPPED.iter().any(|(c, home)| n == *c && rel != *home);
    let mut names = named(rel, src);
    names.extend(doc_links(src));
    names.sort();
    names
        .into_iter()
        .filter(|(_, n)| bad.contains(&n.as_str()) || wrapped_elsewhere(n))
        .collect()
}

/// Intra-doc links to crate modules (``[`crate::x::..`]``) in comments: a
/// mention in prose is fine, but a link makes rustdoc depend on that layer.
fn doc_links(src: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in src.lines().enumerate() {
        if !line.trim_start().starts_with("//") {
            continue;
        }
        for (at, _) in line.match_indices("crate::") {
            let before = &line[..at];
            if !(before.ends_with("[`") || before.ends_with('[')) {
                continue;
            }
            let module: String = line[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push((i + 1, format!("crate::{module}")));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let p = e.expect("directory entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The Rust files under `dir` (relative to the crate root), as paths
/// relative to `dir` and their text.
fn rust_sources(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .expect("under the directory walked")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, text)
        })
        .collect()
}

fn sources() -> Vec<(String, String)> {
    let files = rust_sources("src");
    assert!(files.len() > 20, "too few files under src");
    files
}

#[test]
fn layers_name_only_the_layers_below() {
    let mut found = Vec::new();
    for (rel, text) in sources() {
        for (line, name) in violations(&rel, &text) {
            let layer = rel.split('/').next().unwrap_or_default();
            found.push(format!("src/{rel}:{line}: {layer} must not name {name}"));
        }
    }
    assert!(
        found.is_empty(),
        "layers: engine <- source <- {{cli, tui}} <- main\n{}",
        found.join("\n")
    );
}

/// Tests, benches and examples too: a long test file is as hard to find
/// one's way in as a long source file.
#[test]
fn no_source_file_is_too_long() {
    let mut long = Vec::new();
    for dir in ["src", "tests", "benches", "examples"] {
        let files = if dir == "src" {
            sources()
        } else {
            rust_sources(dir)
        };
        long.extend(
            files
                .into_iter()
                .filter(|(_, t)| t.lines().count() > MAX_LINES)
                .map(|(rel, t)| format!("{dir}/{rel}: {} lines", t.lines().count())),
        );
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (split them by responsibility):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_scanner_finds_what_it_must_and_only_that() {
    let src = r##"//! Mentions crate::cli and tokio:: in a doc comment: fine.
use std::fmt;
use crate::engine::model::Pod;
use crate::cli::GlobalArgs;
// use crate::tui::App; a comment
const S: &str = "crate::tui::App and kube::Api in a string";
const R: &str = r#"tokio::spawn "quoted" in a raw string"#;
const C: char = '"';
fn f<'a>(x: &'a str) -> &'a str {
    let _ = tokio::spawn(async {});
    let _ = my_tokio::x(); let _ = helpers::kube::thing();
    x
}
use crate::{
    engine::index::Index,
    source::{self, Spec},
};
use super::super::tui::App;
/* crate::tui in a block comment */
#[derive(ratatui::Thing)]
struct T;
use k8s_openapi as k8s;
/// Made by [`crate::source::convert`]; crate::tui named in prose is fine.
"##;
    let got = violations("engine/sample.rs", src);
    let want = [
        (4, "crate::cli"),
        (10, "tokio"),
        (16, "crate::source"),
        (18, "crate::tui"),
        (20, "ratatui"),
        (22, "k8s_openapi"),
        (23, "crate::source"),
    ];
    let want: Vec<(usize, String)> = want.iter().map(|(l, n)| (*l, n.to_string())).collect();
    assert_eq!(got, want);
    // The same code is fine where those layers may be named, except the tui.
    assert_eq!(
        violations("cli/sample.rs", src),
        vec![(18, "crate::tui".to_string())]
    );
    assert!(violations("main.rs", src).is_empty());
    // super chains resolve from the file's place: tui/views/x.rs -> crate::cli.
    assert_eq!(
        violations(
            "tui/views/x.rs",
            "use super::super::super::cli::X;\nuse super::app::Y;\n"
        ),
        vec![(1, "crate::cli".to_string())]
    );
    // A wrapped dependency is named only in its one module.
    let uses_yaml = "fn f() { let _ = serde_yaml::to_string(&1); }\n";
    assert_eq!(
        violations("source/x.rs", uses_yaml),
        vec![(1, "serde_yaml".to_string())]
    );
    assert!(violations("yaml.rs", uses_yaml).is_empty());
    assert_eq!(
        violations("yaml.rs", "use crate::engine::model::Pod;\n"),
        vec![(1, "crate::engine".to_string())]
    );
}
