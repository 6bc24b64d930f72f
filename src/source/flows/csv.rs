//! The neutral CSV (flows spec): a header, then
//! `from,to,protocol,port,count,verdict` rows (columns found by header name;
//! `count` and `verdict` may be empty or absent).

use std::io::BufRead;
use std::net::IpAddr;

use crate::engine::flows::{ConnKey, FlowEnd, Recorded};
use crate::engine::model::Protocol;

const COLUMNS: [&str; 6] = ["from", "to", "protocol", "port", "count", "verdict"];

/// `ns/pod`, `ns/name[Kind]` or an IP address.
pub(super) fn parse_end(s: &str) -> Result<FlowEnd, String> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(FlowEnd::Ip(ip));
    }
    let Some((ns, rest)) = s.split_once('/') else {
        return Err(format!(
            "{s:?}: expected ns/pod, ns/name[Kind] or an IP address"
        ));
    };
    if ns.is_empty() || rest.is_empty() {
        return Err(format!(
            "{s:?}: expected ns/pod, ns/name[Kind] or an IP address"
        ));
    }
    if let Some((name, kind)) = rest.strip_suffix(']').and_then(|r| r.split_once('[')) {
        if name.is_empty() || kind.is_empty() {
            return Err(format!("{s:?}: expected ns/name[Kind]"));
        }
        return Ok(FlowEnd::Workload {
            namespace: ns.into(),
            name: name.into(),
            kind: kind.into(),
        });
    }
    Ok(FlowEnd::Pod {
        namespace: ns.into(),
        name: Some(rest.into()),
        labels: None,
        workload: None,
    })
}

fn cell(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

pub(super) fn read(rec: &mut Recorded, name: &str, r: impl BufRead) {
    let mut cols: Option<[Option<usize>; 6]> = None;
    for (i, line) in r.lines().enumerate() {
        let n = i + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => return rec.problem(format!("{name}:{n}: cannot read: {e}")),
        };
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(cell).collect();
        let Some(c) = cols else {
            let mut found = [None; 6];
            for (j, h) in cells.iter().enumerate() {
                if let Some(k) = COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(h)) {
                    found[k] = Some(j);
                }
            }
            if found[..4].iter().any(Option::is_none) {
                rec.records += 1;
                return rec.problem(format!(
                    "{name}:{n}: not Hubble JSON, and not a CSV header with columns {}",
                    COLUMNS.join(",")
                ));
            }
            cols = Some(found);
            continue;
        };
        rec.records += 1;
        let get = |k: usize| c[k].and_then(|j| cells.get(j).copied()).unwrap_or("");
        match row(&get) {
            Ok((key, count, dropped)) => rec.add(key, count, dropped, None),
            Err(e) => rec.problem(format!("{name}:{n}: {e}")),
        }
    }
}

fn row<'a>(get: &dyn Fn(usize) -> &'a str) -> Result<(ConnKey, u64, bool), String> {
    let from = parse_end(get(0)).map_err(|e| format!("from: {e}"))?;
    let to = parse_end(get(1)).map_err(|e| format!("to: {e}"))?;
    let protocol = Protocol::parse_loose(get(2))
        .ok_or_else(|| format!("protocol: {:?}: expected TCP, UDP or SCTP", get(2)))?;
    let port = get(3)
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("port: {:?}: expected 1-65535", get(3)))?;
    let count = match get(4) {
        "" => 1,
        c => c
            .parse::<u64>()
            .map_err(|_| format!("count: {c:?}: expected a whole number"))?,
    };
    let dropped = match get(5).to_ascii_lowercase().as_str() {
        "" | "forwarded" => false,
        "dropped" => true,
        v => return Err(format!("verdict: {v:?}: expected forwarded or dropped")),
    };
    Ok((
        ConnKey {
            from,
            to,
            protocol,
            port,
        },
        count,
        dropped,
    ))
}
