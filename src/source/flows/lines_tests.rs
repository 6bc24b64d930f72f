use std::io::{self, BufRead, BufReader, Read};

use super::super::{hubble, json_lines_sequential};
use crate::engine::flows::Recorded;

/// Everything observable of a recording, in a stable order.
fn dump(rec: &Recorded) -> String {
    let mut conns: Vec<String> = rec.iter().map(|(k, s)| format!("{k:?} {s:?}")).collect();
    conns.sort();
    format!(
        "{}\nrecords {} {:?} other {} drops {} first {:?} last {:?}\n{}",
        conns.join("\n"),
        rec.records,
        rec.skipped,
        rec.other_events,
        rec.other_drops,
        rec.first,
        rec.last,
        rec.problems.join("\n"),
    )
}

/// A deterministic mix: connections seen at both ends, replies, policy and
/// other drops after a forward, client ports reused after the dedup window
/// (time runs over several windows and past a prune), malformed and blank
/// lines, lost events, bare flows, a last line without its newline.
fn generated(n: usize) -> String {
    let mut out = String::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let (c, s) = (x % 40, (x >> 8) % 40);
        let secs = i / 40;
        let port = 32768 + (x >> 16) % 30;
        let time = format!(
            "2026-11-30T10:{:02}:{:02}.{:03}Z",
            secs / 60 % 60,
            secs % 60,
            i % 1000
        );
        let ep = |p: u64| {
            format!(
                r#"{{"namespace":"ns{}","labels":["k8s:app=a{p}","k8s:io.kubernetes.pod.namespace=ns{}"],"pod_name":"a{p}-x","workloads":[{{"name":"a{p}","kind":"Deployment"}}]}}"#,
                p % 5,
                p % 5
            )
        };
        let verdict = match (x >> 24) % 23 {
            0 => r#""DROPPED","drop_reason_desc":"POLICY_DENIED""#,
            1 => r#""DROPPED","drop_reason_desc":"CT_MAP_INSERTION_FAILED""#,
            _ => r#""FORWARDED""#,
        };
        let reply = (x >> 32).is_multiple_of(4);
        let (sip, dip, sp, dp) = if reply {
            (format!("10.0.0.{s}"), format!("10.0.0.{c}"), 8080, port)
        } else {
            (format!("10.0.0.{c}"), format!("10.0.0.{s}"), port, 8080)
        };
        let flow = format!(
            r#""time":"{time}","verdict":{verdict},"IP":{{"source":"{sip}","destination":"{dip}"}},"l4":{{"TCP":{{"source_port":{sp},"destination_port":{dp}}}}},"source":{},"destination":{},"Type":"L3_L4","is_reply":{reply}"#,
            ep(c),
            ep(s)
        );
        match (x >> 40) % 97 {
            0 => out.push_str("{\"flow\": {\"verdict\": \n"),
            1 => out.push_str("  \n"),
            2 => out.push_str("[1,2]\n"),
            3 => out.push_str(r#"{"lost_events":{"num_events_lost":"3"}}"#),
            4 => out.push_str(&format!("{{{flow}}}")),
            _ => out.push_str(&format!(r#"{{"flow":{{{flow}}},"node_name":"n"}}"#)),
        }
        if i + 1 < n {
            out.push('\n');
        }
    }
    out
}

fn sequential(r: impl BufRead) -> Recorded {
    let mut rec = Recorded::default();
    json_lines_sequential(&mut rec, &mut hubble::Dedup::default(), "gen.json", r);
    rec
}

fn parallel(r: impl BufRead, workers: usize, chunk: usize) -> Recorded {
    let mut rec = Recorded::default();
    super::run(
        &mut rec,
        &mut hubble::Dedup::default(),
        "gen.json",
        r,
        workers,
        chunk,
    );
    rec
}

#[test]
fn parallel_and_sequential_readers_agree_exactly() {
    // Past 65,536 records so that the dedup table is pruned at least once.
    let text = generated(70_000);
    let want = sequential(text.as_bytes());
    assert!(want.skipped.unparsed > 1000, "{}", want.skipped.unparsed);
    assert!(want.skipped.reply > 10_000 && want.other_drops > 1000);
    assert!(want.iter().any(|(_, s)| s.dropped > 0));
    assert!(
        want.problems[0].starts_with("gen.json:"),
        "{:?}",
        want.problems
    );
    let want = dump(&want);
    for (workers, chunk) in [(2, 1 << 20), (3, 4096), (2, 1), (1, 700)] {
        let got = parallel(
            BufReader::with_capacity(333, text.as_bytes()),
            workers,
            chunk,
        );
        assert_eq!(dump(&got), want, "workers {workers}, chunk {chunk}");
    }
}

/// Fails after `left` bytes, mid-line.
struct Failing<'a> {
    data: &'a [u8],
    left: usize,
}

impl Read for Failing<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let k = out.len().min(self.left).min(self.data.len());
        out[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        self.left -= k;
        Ok(k)
    }
}

#[test]
fn a_read_error_is_reported_at_the_same_line_by_both_readers() {
    let text = generated(3000);
    let cut = text.len() / 2 + 17;
    let fail = || {
        BufReader::with_capacity(
            1000,
            Failing {
                data: text.as_bytes(),
                left: cut,
            },
        )
    };
    let want = sequential(fail());
    let last = want.problems.last().cloned().unwrap_or_default();
    assert!(last.contains("cannot read: disk on fire"), "{last}");
    for (workers, chunk) in [(2, 1 << 20), (2, 5000), (3, 1)] {
        assert_eq!(dump(&parallel(fail(), workers, chunk)), dump(&want));
    }
}

/// Odd but real-looking lines (escapes and `\u` escapes in names and labels,
/// duplicate label keys, fields in another order, bare flows, reserved and
/// world ends, duplicate fields, wrong types, replies, a drop after a
/// forward, Services, bad UTF-8): the sequential reader (borrowed keys,
/// lines parsed in the reader's buffer) and the parallel one (owned keys)
/// agree, and the escaped and plain spellings of a name are one key.
#[test]
fn odd_lines_give_the_same_result_on_both_paths() {
    let text = include_str!("../../../tests/fixtures/flows-odd.jsonl");
    let mut bad = text.as_bytes().to_vec();
    let at = text.find("k8s:noeq").expect("fixture") + 6;
    bad[at] = 0xff;
    for input in [text.as_bytes(), &bad] {
        let want = sequential(BufReader::with_capacity(64, input));
        assert_eq!(dump(&sequential(input)), dump(&want));
        for (workers, chunk) in [(2, 1), (3, 1 << 20)] {
            let got = parallel(BufReader::with_capacity(100, input), workers, chunk);
            assert_eq!(dump(&got), dump(&want), "workers {workers}, chunk {chunk}");
        }
        assert!(want.problems[0].starts_with("gen.json:13: not a flow: duplicate field `verdict`"));
    }
    let want = sequential(text.as_bytes());
    let web = want
        .iter()
        .find(|(k, _)| format!("{:?}", k.to).contains("\"web-1\"") && k.from != k.to)
        .map(|(k, s)| (format!("{k:?}"), s.count()));
    assert!(web.is_some(), "{}", dump(&want));
    let api1 = want
        .iter()
        .filter(|(k, _)| format!("{:?}", k.from).contains("\"api-1\""))
        .filter(|(k, _)| format!("{:?}", k.to).contains("w\u{e9}b"))
        .map(|(_, s)| s.count())
        .sum::<u64>();
    assert_eq!(api1, 2, "{}", dump(&want));
    assert_eq!(want.skipped.unparsed, 9);
}
