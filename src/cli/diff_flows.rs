//! `diff --flows`: which lost (and gained) connections carried recorded
//! traffic, and how many recorded connections the change would cut.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use color_eyre::eyre::Result;

use super::flows::load_recorded;
use crate::engine::connectivity::Granularity;
use crate::engine::flows::attribute::attribute;
use crate::engine::flows::status::{FlowRow, Status, rows};
use crate::engine::index::Index;
use crate::engine::ports::PortSet;
use crate::engine::proposal::Proposal;
use crate::engine::text::plural;

/// The recorded connections with their verdicts before and after.
pub struct Traffic {
    pub rows: Vec<FlowRow>,
}

/// `[low, high, count]` per protocol.
pub type Observed = BTreeMap<&'static str, Vec<[u64; 3]>>;

/// `a-b[External]` (a diff row's external range) contains `ip`.
fn in_range(name: &str, ip: &str) -> bool {
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return false;
    };
    let Some((a, b)) = name
        .strip_suffix("[External]")
        .and_then(|r| r.split_once('-'))
    else {
        return false;
    };
    match (a.parse::<IpAddr>(), b.parse::<IpAddr>()) {
        (Ok(a), Ok(b)) => a <= ip && ip <= b && a.is_ipv4() == ip.is_ipv4(),
        _ => false,
    }
}

fn same(entry: &str, row: &str) -> bool {
    entry == row || in_range(entry, row)
}

impl Traffic {
    pub fn load(
        idx: &Index,
        proposal: &Proposal,
        paths: &[PathBuf],
        hubble: &super::hubble::HubbleArgs,
        demo: bool,
        g: Granularity,
    ) -> Result<Traffic> {
        let rec = load_recorded(paths, hubble, demo)?;
        let att = attribute(idx, &rec);
        let mut after = att.index.clone();
        after.apply_all(proposal.events());
        Ok(Traffic {
            rows: rows(&att, Some(&after), g),
        })
    }

    /// The recorded connections of one diff entry on `ports`, merged into
    /// ranges of adjacent ports with their counts summed. Empty: none.
    pub fn observed(&self, src: &str, dst: &str, ports: &PortSet) -> Observed {
        let mut by: BTreeMap<&'static str, BTreeMap<u16, u64>> = BTreeMap::new();
        for r in &self.rows {
            if same(src, &r.from) && same(dst, &r.to) && ports.contains(r.protocol, r.port) {
                *by.entry(r.protocol.as_str())
                    .or_default()
                    .entry(r.port)
                    .or_default() += r.stats.count();
            }
        }
        by.into_iter()
            .map(|(p, m)| {
                let mut v: Vec<[u64; 3]> = Vec::new();
                for (port, n) in m {
                    let port = u64::from(port);
                    match v.last_mut() {
                        Some(last) if last[1] + 1 == port => {
                            last[1] = port;
                            last[2] += n;
                        }
                        _ => v.push([port, port, n]),
                    }
                }
                (p, v)
            })
            .collect()
    }

    pub fn cut(&self) -> impl Iterator<Item = &FlowRow> {
        self.rows.iter().filter(|r| r.status == Status::WouldBeCut)
    }

    /// Recorded connections the change would cut.
    pub fn cut_connections(&self) -> u64 {
        self.cut().map(|r| r.stats.count()).sum()
    }

    /// The text section that comes first: what would break, then what
    /// would open, of the traffic that really happens.
    pub fn text(&self, red: &str, green: &str, reset: &str) -> String {
        let mut s = String::new();
        let cut = self.cut_connections();
        let _ = writeln!(
            s,
            "\n{red}would break: {} recorded {}{reset}",
            cut,
            plural_word(cut, "connection", "connections")
        );
        for r in self.cut() {
            let _ = writeln!(
                s,
                "  {red}- {} -> {} : {} {} ({}){reset}\n      because {}",
                r.from,
                r.to,
                r.protocol,
                r.port,
                plural(r.stats.count() as usize, "connection", "connections"),
                r.because
            );
        }
        let opened: Vec<&FlowRow> = self
            .rows
            .iter()
            .filter(|r| r.status == Status::WouldBeOpened)
            .collect();
        if !opened.is_empty() {
            let n: u64 = opened.iter().map(|r| r.stats.count()).sum();
            let _ = writeln!(
                s,
                "{green}would open: {n} recorded {} that {} denied now{reset}",
                plural_word(n, "connection", "connections"),
                if n == 1 { "is" } else { "are" }
            );
            for r in opened {
                let _ = writeln!(
                    s,
                    "  {green}+ {} -> {} : {} {} ({}){reset}",
                    r.from,
                    r.to,
                    r.protocol,
                    r.port,
                    plural(r.stats.count() as usize, "connection", "connections")
                );
            }
        }
        let _ = writeln!(
            s,
            "\nAll changes (recorded traffic marked; the rest is untested):"
        );
        s
    }
}

fn plural_word(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// `TCP 5432 (17 recorded)` style note for a text line.
pub fn note(o: &Observed) -> String {
    let parts: Vec<String> = o
        .iter()
        .flat_map(|(p, v)| {
            v.iter().map(move |[a, b, n]| {
                if a == b {
                    format!("{p} {a}: {n}")
                } else {
                    format!("{p} {a}-{b}: {n}")
                }
            })
        })
        .collect();
    format!("  [recorded {}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ranges_contain_recorded_addresses() {
        assert!(in_range(
            "203.0.113.0-203.0.113.255[External]",
            "203.0.113.9"
        ));
        assert!(!in_range(
            "203.0.113.0-203.0.113.255[External]",
            "203.0.114.1"
        ));
        assert!(!in_range("shop/a", "203.0.113.9"));
        assert!(same("shop/a", "shop/a"));
    }
}
