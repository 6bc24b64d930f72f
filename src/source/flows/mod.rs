//! `--flows PATH`: recorded flows read into a [`Recorded`], streaming (one
//! line in memory at a time; memory follows distinct connections). Each file
//! is Hubble flow JSON or the neutral CSV, detected from its first bytes.
//! Malformed lines are counted and reported with file and line; the rest
//! still loads.

mod csv;
mod hubble;
pub mod hubble_proto;
mod keys;
mod lines;
mod prefetch;
pub mod relay;
mod relay_tls;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::engine::flows::Recorded;

/// Extensions read from a directory (files named directly are always read).
const EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson", "log", "txt", "csv"];

/// Reads every path (file, directory, or `-` for stdin) into one recording.
/// A connection seen by two nodes can be in two files (one exporter file per
/// node): deduplication spans all of them.
pub fn load_flows(paths: &[PathBuf]) -> Recorded {
    let mut rec = Recorded::default();
    let mut dd = hubble::Dedup::default();
    for p in paths {
        if p.as_os_str() == "-" {
            let r = BufReader::new(std::io::stdin().lock());
            read_with(&mut rec, &mut dd, "<stdin>", r);
        } else {
            add_path(&mut rec, &mut dd, p, true);
        }
    }
    rec
}

fn add_path(rec: &mut Recorded, dd: &mut hubble::Dedup, p: &Path, named: bool) {
    let name = p.display().to_string();
    if p.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
            Ok(d) => d.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => return rec.problem(format!("{name}: cannot read directory: {e}")),
        };
        entries.sort();
        for e in entries {
            let hidden = e
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if !hidden {
                add_path(rec, dd, &e, false);
            }
        }
        return;
    }
    let wanted = named
        || p.extension()
            .is_some_and(|x| EXTENSIONS.contains(&x.to_string_lossy().as_ref()));
    if !wanted {
        return;
    }
    let f = match File::open(p) {
        Ok(f) => f,
        Err(e) => return rec.problem(format!("{name}: cannot open: {e}")),
    };
    match prefetch::Prefetch::start(f) {
        Ok(r) => read_with(rec, dd, &name, r),
        // No thread to spare: read on this one.
        Err(_) => match File::open(p) {
            Ok(f) => read_with(rec, dd, &name, BufReader::with_capacity(1 << 16, f)),
            Err(e) => rec.problem(format!("{name}: cannot open: {e}")),
        },
    }
}

/// Flows from Hubble Relay (`--hubble`) added to a recording as they come,
/// through the JSON reader's path: one attribution for both. Keeps the
/// connection state across calls (a connection seen at both ends, or again
/// after a reconnect, counts once).
#[derive(Default)]
pub struct Ingest {
    dd: hubble::Dedup,
}

impl Ingest {
    pub fn add(&mut self, rec: &mut Recorded, r: hubble_proto::GetFlowsResponse) {
        let item = hubble::classify(hubble::grpc::from_response(r));
        hubble::apply(rec, &mut self.dd, item);
    }
}

/// The demo cluster's recording (`--demo` without `--flows`), as Hubble
/// printed it: see scripts/demo-flows.py.
pub const DEMO_FLOWS: &str = include_str!("../../../assets/demo-flows.jsonl");

pub fn load_demo_flows() -> Recorded {
    let mut rec = Recorded::default();
    read(&mut rec, "demo-flows.jsonl", DEMO_FLOWS.as_bytes());
    rec
}

/// Threads that parse JSON lines (1: parsed on the reading thread).
pub fn parser_threads() -> usize {
    lines::workers()
}

/// Reads one input, in the format its first non-blank bytes say.
pub fn read(rec: &mut Recorded, name: &str, r: impl BufRead) {
    read_with(rec, &mut hubble::Dedup::default(), name, r);
}

fn read_with(rec: &mut Recorded, dd: &mut hubble::Dedup, name: &str, mut r: impl BufRead) {
    dd.new_input();
    let head = match r.fill_buf() {
        Ok(b) => b,
        Err(e) => return rec.problem(format!("{name}: cannot read: {e}")),
    };
    let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
    match first {
        None => {}
        Some(b'{') => {
            // One value per line, unless the first value spans lines (jq).
            let line_end = head.iter().position(|&b| b == b'\n');
            let first_line = &head[..line_end.unwrap_or(head.len())];
            let compact = std::str::from_utf8(first_line)
                .map(|l| l.trim().ends_with('}') && l.trim().len() > 1)
                .unwrap_or(true);
            if compact {
                json_lines(rec, dd, name, r);
            } else {
                json_stream(rec, dd, name, r);
            }
        }
        Some(_) => csv::read(rec, name, r),
    }
}

/// One value per line: sequential by default, on several threads when
/// `NETPOL_TUI_FLOW_THREADS` asks (see `lines`); the tests compare both.
fn json_lines(rec: &mut Recorded, dd: &mut hubble::Dedup, name: &str, r: impl BufRead) {
    match lines::workers() {
        0 | 1 => json_lines_sequential(rec, dd, name, r),
        n => lines::parallel(rec, dd, name, r, n),
    }
}

/// One JSON line (already trimmed, not empty), parsed: `from_str` when the
/// line is UTF-8 (checked once, not string by string), else `from_slice`
/// for its error. The same values and errors either way.
fn parse_json(text: &[u8]) -> serde_json::Result<hubble::Flow<'_>> {
    match std::str::from_utf8(text) {
        Ok(s) => serde_json::from_str(s),
        Err(_) => serde_json::from_slice(text),
    }
}

fn json_lines_sequential(
    rec: &mut Recorded,
    dd: &mut hubble::Dedup,
    name: &str,
    mut r: impl BufRead,
) {
    let mut keys = keys::Keys::default();
    let mut buf = Vec::with_capacity(4096);
    let mut line = 0usize;
    let mut one = |line: usize, raw: &[u8]| {
        let text = raw.trim_ascii();
        if text.is_empty() {
            return;
        }
        match parse_json(text) {
            Ok(v) => hubble::add(rec, dd, &mut keys, v),
            Err(e) => hubble::apply(
                rec,
                dd,
                hubble::Item::Malformed(format!("{name}:{line}: not a flow: {e}")),
            ),
        }
    };
    loop {
        // A whole line in the reader's buffer is parsed there; one that
        // crosses the buffer's end is copied out first.
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                rec.problem(format!("{name}:{}: cannot read: {e}", line + 1));
                break;
            }
        };
        if let Some(i) = memchr::memchr(b'\n', avail) {
            line += 1;
            one(line, &avail[..i]);
            r.consume(i + 1);
            continue;
        }
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                rec.problem(format!("{name}:{}: cannot read: {e}", line + 1));
                break;
            }
        }
        line += 1;
        one(line, &buf);
    }
}

/// Pretty-printed values (output piped through jq): a stream of JSON values.
/// A malformed value ends the file (there is no line to resume at).
fn json_stream(rec: &mut Recorded, dd: &mut hubble::Dedup, name: &str, r: impl Read) {
    let stream = serde_json::Deserializer::from_reader(r).into_iter::<hubble::Flow>();
    for v in stream {
        match v {
            Ok(v) => hubble::apply(rec, dd, hubble::classify(v)),
            Err(e) => {
                hubble::apply(
                    rec,
                    dd,
                    hubble::Item::Malformed(format!(
                        "{name}:{}: not a flow: {e}; the rest of this file was not read",
                        e.line()
                    )),
                );
                break;
            }
        }
    }
}
