//! JSON lines on every core: the calling thread cuts the input into chunks
//! of whole lines, worker threads parse and classify them (the costly part),
//! and the calling thread applies the results in input order. Everything
//! order-dependent (5-tuple deduplication, counts, which problems are kept)
//! happens there, so the result is the sequential reader's, byte for byte.
//! Memory stays bounded: at most `IN_FLIGHT` chunks per worker exist at once
//! and their buffers are reused.

use std::collections::BTreeMap;
use std::io::{self, BufRead};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};

use super::hubble::{self, Dedup, Item};
use crate::engine::flows::Recorded;

/// Bytes per chunk (whole lines; a longer line makes a longer chunk).
const CHUNK: usize = 1 << 20;
/// Chunks read ahead per worker.
const IN_FLIGHT: usize = 3;

/// Worker threads for the line parser (1: the sequential reader):
/// `NETPOL_TUI_FLOW_THREADS` (at most 8), else 1. Sequential by default:
/// on an idle 2-core machine the parallel path was no faster (1M lines:
/// 3.6-4.2 s wall vs 3.6 s) and took ~70 % more CPU (see BENCHMARKS.md).
pub(super) fn workers() -> usize {
    std::env::var("NETPOL_TUI_FLOW_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .map_or(1, |n| n.min(8))
}

/// A chunk's lines: classified, or not JSON (line within the chunk, why).
enum Parsed {
    Item(Item),
    Bad(usize, String),
}

struct Done {
    seq: usize,
    /// Lines in the chunk, blank ones included.
    lines: usize,
    out: Vec<Parsed>,
    /// The chunk's buffer, for reuse.
    buf: Vec<u8>,
}

pub(super) fn parallel(
    rec: &mut Recorded,
    dd: &mut Dedup,
    name: &str,
    r: impl BufRead,
    workers: usize,
) {
    run(rec, dd, name, r, workers, CHUNK);
}

fn run(
    rec: &mut Recorded,
    dd: &mut Dedup,
    name: &str,
    mut r: impl BufRead,
    workers: usize,
    chunk: usize,
) {
    let (job_tx, job_rx) = channel::<(usize, Vec<u8>)>();
    let (done_tx, done_rx) = channel::<Done>();
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|s| {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let job_rx = &job_rx;
            s.spawn(move || work(job_rx, done_tx));
        }
        drop(done_tx);
        let mut free: Vec<Vec<u8>> = vec![];
        let mut ready: BTreeMap<usize, Done> = BTreeMap::new();
        let (mut sent, mut next, mut line) = (0usize, 0usize, 0usize);
        let mut end: Option<io::Result<()>> = None;
        loop {
            while end.is_none() && sent - next < IN_FLIGHT * workers {
                let mut buf = free.pop().unwrap_or_default();
                buf.clear();
                let res = read_chunk(&mut r, &mut buf, chunk);
                if !buf.is_empty() && job_tx.send((sent, buf)).is_ok() {
                    sent += 1;
                }
                match res {
                    Ok(true) => {}
                    Ok(false) => end = Some(Ok(())),
                    Err(e) => end = Some(Err(e)),
                }
            }
            if next == sent {
                break;
            }
            let Ok(d) = done_rx.recv() else { break };
            ready.insert(d.seq, d);
            while let Some(d) = ready.remove(&next) {
                for p in d.out {
                    let item = match p {
                        Parsed::Item(i) => i,
                        Parsed::Bad(n, e) => {
                            Item::Malformed(format!("{name}:{}: not a flow: {e}", line + n))
                        }
                    };
                    hubble::apply(rec, dd, item);
                }
                line += d.lines;
                next += 1;
                free.push(d.buf);
            }
        }
        drop(job_tx);
        if let Some(Err(e)) = end {
            rec.problem(format!("{name}:{}: cannot read: {e}", line + 1));
        }
    });
}

/// Appends whole lines to `buf` until it holds about `chunk` bytes. Ok(false)
/// at the end of the input (the last line may lack its newline). On an error
/// the line being read is dropped, as the sequential reader drops it.
fn read_chunk(r: &mut impl BufRead, buf: &mut Vec<u8>, chunk: usize) -> io::Result<bool> {
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let keep = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                buf.truncate(keep);
                return Err(e);
            }
        };
        if avail.is_empty() {
            return Ok(false);
        }
        if buf.len() + avail.len() >= chunk
            && let Some(i) = avail.iter().rposition(|&b| b == b'\n')
        {
            buf.extend_from_slice(&avail[..=i]);
            r.consume(i + 1);
            return Ok(true);
        }
        let n = avail.len();
        buf.extend_from_slice(avail);
        r.consume(n);
    }
}

fn work(jobs: &Mutex<Receiver<(usize, Vec<u8>)>>, done: std::sync::mpsc::Sender<Done>) {
    loop {
        // The lock is held only while taking a job, not while parsing it.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((seq, buf)) = job else { return };
        // A panic here would leave the reader waiting for this chunk: it
        // becomes a problem on the chunk's first line instead.
        let (lines, out) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(&buf)))
            .unwrap_or_else(|_| {
                let why = "internal error while parsing; this chunk of lines was skipped";
                (line_count(&buf), vec![Parsed::Bad(1, why.to_string())])
            });
        if done
            .send(Done {
                seq,
                lines,
                out,
                buf,
            })
            .is_err()
        {
            return;
        }
    }
}

fn line_count(buf: &[u8]) -> usize {
    let body = buf.strip_suffix(b"\n").unwrap_or(buf);
    body.iter().filter(|&&b| b == b'\n').count() + 1
}

/// Classifies a chunk's lines; also returns how many lines it holds.
fn parse(buf: &[u8]) -> (usize, Vec<Parsed>) {
    let mut out = Vec::with_capacity(buf.len() / 512 + 1);
    let mut lines = 0;
    let body = buf.strip_suffix(b"\n").unwrap_or(buf);
    for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
        lines = i + 1;
        let text = raw.trim_ascii();
        if text.is_empty() {
            continue;
        }
        out.push(match super::parse_json(text) {
            Ok(v) => Parsed::Item(hubble::classify(v)),
            Err(e) => Parsed::Bad(i + 1, e.to_string()),
        });
    }
    (lines, out)
}

#[cfg(test)]
#[path = "lines_tests.rs"]
mod tests;
