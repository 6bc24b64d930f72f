//! `bench --connectivity-json`: the pod-level `connectivity -o json` document
//! built in memory (the reference serialisation) against the streamed writer,
//! on the same synthetic cluster in the same process, so the ratio holds on a
//! busy machine where absolute times do not.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::engine::connectivity::{Granularity, report};
use crate::engine::index::Index;
use crate::source::synth::{SynthSpec, generate};

/// Counts bytes and notes when the first one arrived.
struct Sink {
    start: Instant,
    first: Option<Duration>,
    bytes: usize,
}

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.first.is_none() && !b.is_empty() {
            self.first = Some(self.start.elapsed());
        }
        self.bytes += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One measurement: (in-memory seconds, streamed seconds, streamed time to
/// first byte, bytes). Each is the best of `reps` runs (noise only adds).
pub fn measure(idx: &Index, reps: usize) -> io::Result<(f64, f64, f64, usize)> {
    let (mut mem, mut streamed, mut first, mut bytes) = (f64::MAX, f64::MAX, f64::MAX, 0);
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let doc = super::connectivity::json(&report(idx, Granularity::Pod));
        mem = mem.min(t.elapsed().as_secs_f64());
        let mut sink = Sink {
            start: Instant::now(),
            first: None,
            bytes: 0,
        };
        super::connectivity_json::write(idx, &mut sink)?;
        streamed = streamed.min(sink.start.elapsed().as_secs_f64());
        first = first.min(sink.first.unwrap_or_default().as_secs_f64());
        if sink.bytes != doc.len() {
            return Err(io::Error::other("streamed and in-memory sizes differ"));
        }
        bytes = sink.bytes;
    }
    Ok((mem, streamed, first, bytes))
}

pub fn run(sizes: &[usize]) -> io::Result<String> {
    let mut out = String::from(
        "| pods | document (MB) | in memory (ms) | streamed (ms) | first byte (ms) | streamed (MB/s) | speed-up |\n|---|---|---|---|---|---|---|\n",
    );
    for &n in sizes {
        let idx = Index::from_snapshot(generate(SynthSpec::with_pods(n)));
        let (mem, st, first, bytes) = measure(&idx, 3)?;
        let mb = bytes as f64 / 1e6;
        out.push_str(&format!(
            "| {n} | {mb:.1} | {:.0} | {:.0} | {:.1} | {:.0} | {:.1}x |\n",
            mem * 1e3,
            st * 1e3,
            first * 1e3,
            mb / st,
            mem / st
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression check for CI: a ratio against the in-memory serialisation
    /// measured in the same run (best of 5 each), not an absolute time, so a
    /// loaded machine slows both sides alike.
    #[test]
    fn streaming_stays_well_ahead_of_building_the_document() {
        let idx = Index::from_snapshot(generate(SynthSpec::with_pods(1500)));
        let (mem, streamed, first, bytes) = measure(&idx, 5).unwrap();
        eprintln!(
            "{bytes} bytes: in memory {mem:.4} s, streamed {streamed:.4} s, first byte {first:.4} s, ratio {:.1}",
            mem / streamed
        );
        assert!(bytes > 1_000_000);
        assert!(
            mem / streamed > 2.0,
            "streamed {streamed} s vs in memory {mem} s"
        );
        assert!(
            first < streamed * 0.8,
            "first byte at {first} s of {streamed} s"
        );
    }
}
