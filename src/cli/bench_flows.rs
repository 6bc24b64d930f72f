//! `bench --flow-lines N`: N synthetic Hubble lines (as `hubble observe -o
//! jsonpb` prints them, ~700 bytes each: per TCP connection a SYN seen at
//! both nodes, the SYN-ACK reply, the client's ACK, a data reply, a FIN)
//! generated on the fly and streamed through the reader, so the figure is
//! load + aggregation time and peak memory, not disk.

use std::io::Read;
use std::time::Instant;

use crate::engine::flows::Recorded;
use crate::source::flows::read;

/// Produces the lines lazily: memory stays flat whatever N is.
struct Lines {
    left: usize,
    n: usize,
    buf: Vec<u8>,
    pos: usize,
    /// Each pod's endpoint JSON, made once: generating must cost little
    /// next to reading, since both now run at the same time.
    eps: Vec<String>,
}

impl Lines {
    fn new(left: usize) -> Self {
        Lines {
            left,
            n: 0,
            buf: vec![],
            pos: 0,
            eps: (0..PODS).map(endpoint).collect(),
        }
    }
}

const PODS: usize = 200;

fn endpoint(i: usize) -> String {
    format!(
        r#"{{"identity":{},"namespace":"ns{}","labels":["k8s:app=app{}","k8s:io.cilium.k8s.policy.cluster=default","k8s:io.kubernetes.pod.namespace=ns{}"],"pod_name":"app{}-7d4f9c8b6-x2k9p"}}"#,
        1000 + i,
        i % 10,
        i,
        i % 10,
        i
    )
}

/// The client, server, ports and flags of line `n`.
fn shape(n: usize) -> (usize, usize, u16, u16, bool, &'static str, &'static str) {
    let conn = n / 6;
    let (client, server) = (conn % PODS, (conn / PODS + conn) % PODS);
    let server = if server == client {
        (server + 1) % PODS
    } else {
        server
    };
    let port = 8000 + (server % 10) as u16;
    let cport = 32768 + (conn % 28000) as u16;
    let (reply, flags, node) = match n % 6 {
        0 => (false, r#"{"SYN":true}"#, "worker-1"),
        1 => (false, r#"{"SYN":true}"#, "worker-2"),
        2 => (true, r#"{"SYN":true,"ACK":true}"#, "worker-1"),
        3 => (false, r#"{"ACK":true}"#, "worker-2"),
        4 => (true, r#"{"PSH":true,"ACK":true}"#, "worker-1"),
        _ => (false, r#"{"FIN":true,"ACK":true}"#, "worker-2"),
    };
    if reply {
        (server, client, port, cport, reply, flags, node)
    } else {
        (client, server, cport, port, reply, flags, node)
    }
}

/// `v` in decimal, zero-padded to `width` digits.
fn num(out: &mut Vec<u8>, mut v: usize, width: usize) {
    let mut d = [b'0'; 20];
    let mut i = d.len();
    loop {
        i -= 1;
        d[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&d[i.min(d.len() - width)..]);
}

/// Line `n` (with its newline) appended to `out`. Written piece by piece,
/// not with `write!`: generation runs inside the measured time.
fn line(n: usize, eps: &[String], out: &mut Vec<u8>) {
    let (src, dst, sp, dp, reply, flags, node) = shape(n);
    let secs = n / 6 / 50;
    out.extend_from_slice(br#"{"flow":{"time":"2026-11-30T"#);
    num(out, 10 + secs / 3600 % 10, 2);
    out.push(b':');
    num(out, secs / 60 % 60, 2);
    out.push(b':');
    num(out, secs % 60, 2);
    out.push(b'.');
    num(out, n % 1_000_000_000, 9);
    out.extend_from_slice(br#"Z","verdict":"FORWARDED","IP":{"source":"10.1."#);
    num(out, src / 250, 0);
    out.push(b'.');
    num(out, src % 250 + 1, 0);
    out.extend_from_slice(br#"","destination":"10.1."#);
    num(out, dst / 250, 0);
    out.push(b'.');
    num(out, dst % 250 + 1, 0);
    out.extend_from_slice(br#"","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":"#);
    num(out, sp.into(), 0);
    out.extend_from_slice(br#","destination_port":"#);
    num(out, dp.into(), 0);
    for s in [
        r#","flags":"#,
        flags,
        r#"}},"source":"#,
        &eps[src],
        r#","destination":"#,
        &eps[dst],
        r#","Type":"L3_L4","node_name":""#,
        node,
        r#"","event_type":{"type":4},"traffic_direction":"INGRESS","trace_observation_point":"TO_ENDPOINT","is_reply":"#,
        if reply { "true" } else { "false" },
        r#"},"node_name":""#,
        node,
        r#"","time":"2026-11-30T10:00:00Z"}"#,
        "\n",
    ] {
        out.extend_from_slice(s.as_bytes());
    }
}

impl Lines {
    /// The next lines, a few at a time (fewer calls).
    fn refill(&mut self) {
        if self.pos == self.buf.len() && self.left > 0 {
            self.buf.clear();
            for _ in 0..self.left.min(64) {
                line(self.n, &self.eps, &mut self.buf);
                self.n += 1;
                self.left -= 1;
            }
            self.pos = 0;
        }
    }
}

/// Read straight from the generated lines: no copy into a `BufReader`.
impl std::io::BufRead for Lines {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.refill();
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

impl Read for Lines {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.refill();
        let k = out.len().min(self.buf.len() - self.pos);
        out[..k].copy_from_slice(&self.buf[self.pos..self.pos + k]);
        self.pos += k;
        Ok(k)
    }
}

/// CPU time of this process so far (user + system, all threads), in
/// seconds (Linux; None elsewhere).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): utime and
    // stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux platform Rust supports.
    Some(ticks / 100.0)
}

/// Runs `load`; (wall seconds, CPU seconds, its recording).
fn timed(load: impl FnOnce() -> Recorded) -> (f64, f64, Recorded) {
    let cpu = cpu_seconds();
    let t = Instant::now();
    let rec = load();
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu.zip(cpu_seconds()).map_or(0.0, |(a, b)| b - a);
    (wall, cpu, rec)
}

/// The end of a result line: what the recording holds, and peak RSS.
fn counts(rec: &Recorded) -> String {
    let conns: u64 = rec.iter().map(|(_, s)| s.count()).sum();
    format!(
        "{conns} connections, {} distinct keys, {} replies skipped, {} malformed, peak RSS {:.0} MiB",
        rec.iter().count(),
        rec.skipped.reply,
        rec.skipped.unparsed,
        super::bench::peak_rss_mib().unwrap_or(0.0),
    )
}

/// One result line: lines, bytes, time, connections, keys, peak RSS.
pub fn run(lines: usize) -> String {
    let eps: Vec<String> = (0..PODS).map(endpoint).collect();
    let mut one = vec![];
    let sample = lines.clamp(1, 1000);
    for n in 0..sample {
        line(n, &eps, &mut one);
    }
    let bytes = one.len() / sample;
    // Generating costs time too: measured apart, for reference (it runs on
    // the thread that hands chunks to the parsers).
    let t = Instant::now();
    let mut g = Lines::new(lines);
    let mut sink = vec![0u8; 1 << 16];
    while g.read(&mut sink).map(|k| k > 0).unwrap_or(false) {}
    let gen_t = t.elapsed();
    let (wall, cpu, rec) = timed(|| {
        let mut rec = Recorded::default();
        read(&mut rec, "bench", Lines::new(lines));
        rec
    });
    format!(
        "flow lines: {lines} (~{bytes} bytes each), generated, read and aggregated in {wall:.2} s wall, {cpu:.2} s CPU ({} parser threads; generation alone {:.2} s), {}\n",
        crate::source::flows::parser_threads(),
        gen_t.as_secs_f64(),
        counts(&rec),
    )
}

/// `bench --flow-lines N --flow-file PATH`: the same lines written to a
/// real file, then loaded through `--flows PATH` (open, buffered read).
pub fn run_file(lines: usize, path: &std::path::Path) -> color_eyre::Result<String> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    std::io::copy(&mut Lines::new(lines), &mut out)?;
    std::io::Write::flush(&mut out)?;
    drop(out);
    let bytes = std::fs::metadata(path)?.len();
    let (wall, cpu, rec) = timed(|| crate::source::flows::load_flows(&[path.to_path_buf()]));
    Ok(format!(
        "flow file: {} ({lines} lines, {bytes} bytes) loaded and aggregated in {wall:.2} s wall, {cpu:.2} s CPU ({} parser threads), {}\n",
        path.display(),
        crate::source::flows::parser_threads(),
        counts(&rec),
    ))
}

/// `bench --suggest-pods N`: one namespace of N pods in N/50 workloads, each
/// pod with one recorded connection to a pod of the next workload (and DNS);
/// times attribution, `suggest` and its proof (the what-if).
pub fn suggest_bench(pods: usize) -> String {
    use crate::engine::flows::attribute::attribute;
    use crate::engine::flows::suggest::{SuggestOptions, prove, suggest};
    use crate::engine::flows::{ConnKey, FlowEnd};
    use crate::engine::index::Index;
    use crate::engine::model::{
        ContainerPort, LabelSelector, Labels, Namespace, Owner, Pod, Protocol, Snapshot,
    };
    let workloads = (pods / 50).max(1);
    let labels = |kv: &[(&str, &str)]| -> Labels {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let mut s = Snapshot {
        namespaces: vec![
            Namespace::new("big", Labels::new()),
            Namespace::new("kube-system", Labels::new()),
        ],
        ..Default::default()
    };
    s.pods.push(Pod {
        namespace: "kube-system".into(),
        name: "coredns-0".into(),
        labels: labels(&[("k8s-app", "kube-dns")]),
        ports: ContainerPort::cluster_dns(),
        ips: vec![],
        host_network: false,
        owner: None,
    });
    for i in 0..pods {
        let w = format!("w{}", i % workloads);
        s.pods.push(Pod {
            namespace: "big".into(),
            name: format!("{w}-{i}"),
            labels: labels(&[("app", &w), ("pod-template-hash", "abc")]),
            ports: vec![ContainerPort {
                name: Some("http".into()),
                port: 8080,
                protocol: Protocol::Tcp,
            }],
            ips: vec![],
            host_network: false,
            owner: Some(Owner {
                kind: "Deployment".into(),
                name: w,
            }),
        });
    }
    let idx = Index::from_snapshot(s);
    let mut rec = Recorded::default();
    let end = |ns: &str, n: String| FlowEnd::Pod {
        namespace: ns.into(),
        name: Some(n),
        labels: None,
        workload: None,
    };
    for i in 0..pods {
        let j = (i + 1) % pods;
        let (a, b) = (
            format!("w{}-{i}", i % workloads),
            format!("w{}-{j}", j % workloads),
        );
        rec.add(
            ConnKey {
                from: end("big", a.clone()),
                to: end("big", b),
                protocol: Protocol::Tcp,
                port: 8080,
            },
            1,
            false,
            None,
        );
        rec.add(
            ConnKey {
                from: end("big", a),
                to: end("kube-system", "coredns-0".into()),
                protocol: Protocol::Udp,
                port: 53,
            },
            1,
            false,
            None,
        );
    }
    let o = SuggestOptions {
        dns_namespace: "kube-system".into(),
        dns_selector: LabelSelector {
            match_labels: labels(&[("k8s-app", "kube-dns")]),
            match_expressions: vec![],
        },
    };
    let t = Instant::now();
    let att = attribute(&idx, &rec);
    let t_att = t.elapsed();
    let t = Instant::now();
    let sug = suggest(&att, "big", &o);
    let t_sug = t.elapsed();
    let t = Instant::now();
    let proof = prove(&att, &idx, "big", &sug);
    let t_proof = t.elapsed();
    format!(
        "suggest: {pods} pods, {workloads} workloads, {} recorded connections: attribution {:.2} s, suggest {:.2} s ({} policies), proof {:.2} s ({} lost, {} theoretical closed), peak RSS {:.0} MiB\n",
        2 * pods,
        t_att.as_secs_f64(),
        t_sug.as_secs_f64(),
        sug.policies.len(),
        t_proof.as_secs_f64(),
        proof.lost.len(),
        proof.closed,
        super::bench::peak_rss_mib().unwrap_or(0.0),
    )
}

#[cfg(test)]
mod tests {
    use super::PODS;

    /// The generator as first written (with `write!`): the reference.
    fn line_with_write(n: usize, eps: &[String], out: &mut Vec<u8>) {
        use std::io::Write as _;
        let conn = n / 6;
        let (client, server) = (conn % PODS, (conn / PODS + conn) % PODS);
        let server = if server == client {
            (server + 1) % PODS
        } else {
            server
        };
        let port = 8000 + (server % 10) as u16;
        let cport = 32768 + (conn % 28000) as u16;
        let ip = |p: usize| (p / 250, p % 250 + 1);
        let (reply, flags, node) = match n % 6 {
            0 => (false, r#"{"SYN":true}"#, "worker-1"),
            1 => (false, r#"{"SYN":true}"#, "worker-2"),
            2 => (true, r#"{"SYN":true,"ACK":true}"#, "worker-1"),
            3 => (false, r#"{"ACK":true}"#, "worker-2"),
            4 => (true, r#"{"PSH":true,"ACK":true}"#, "worker-1"),
            _ => (false, r#"{"FIN":true,"ACK":true}"#, "worker-2"),
        };
        let (src, dst, sp, dp) = if reply {
            (server, client, port, cport)
        } else {
            (client, server, cport, port)
        };
        let ((s1, s2), (d1, d2)) = (ip(src), ip(dst));
        let secs = conn / 50;
        // Writing to a Vec cannot fail.
        let _ = write!(
            out,
            r#"{{"flow":{{"time":"2026-11-30T{:02}:{:02}:{:02}.{:09}Z","verdict":"FORWARDED","IP":{{"source":"10.1.{s1}.{s2}","destination":"10.1.{d1}.{d2}","ipVersion":"IPv4"}},"l4":{{"TCP":{{"source_port":{sp},"destination_port":{dp},"flags":{flags}}}}},"source":{},"destination":{},"Type":"L3_L4","node_name":"{node}","event_type":{{"type":4}},"traffic_direction":"INGRESS","trace_observation_point":"TO_ENDPOINT","is_reply":{reply}}},"node_name":"{node}","time":"2026-11-30T10:00:00Z"}}"#,
            10 + secs / 3600 % 10,
            secs / 60 % 60,
            secs % 60,
            n % 1_000_000_000,
            eps[src],
            eps[dst],
        );
        out.push(b'\n');
    }

    #[test]
    fn the_generator_writes_the_lines_it_always_wrote() {
        let eps: Vec<String> = (0..PODS).map(super::endpoint).collect();
        let (mut a, mut b) = (vec![], vec![]);
        for n in (0..20_000).chain([999_999_999, 1_000_000_000, 3_000_000_123]) {
            a.clear();
            b.clear();
            super::line(n, &eps, &mut a);
            line_with_write(n, &eps, &mut b);
            assert_eq!(
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b),
                "line {n}"
            );
        }
    }

    #[test]
    fn synthetic_lines_are_valid_hubble_and_count_one_connection_per_six_lines() {
        let mut rec = crate::engine::flows::Recorded::default();
        let lines = super::Lines::new(600);
        crate::source::flows::read(&mut rec, "t", std::io::BufReader::new(lines));
        assert_eq!(rec.skipped.unparsed, 0, "{:?}", rec.problems);
        assert_eq!(rec.iter().map(|(_, s)| s.count()).sum::<u64>(), 100);
        // Two replies per connection; the client's later packets join it.
        assert_eq!(rec.skipped.reply, 200);
    }
}
