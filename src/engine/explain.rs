//! Verdicts in words, shared by the CLI and the TUI: for a question
//! (client, server, optional protocol/port), the verdict, the rule that
//! allows it on each side, or which side denies and the closest misses.

use super::index::Index;
use super::model::{Direction, Protocol};
use super::ports::PortSet;
use super::verdict::{PairVerdict, SideVerdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Allow,
    Deny,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub indent: u8,
    pub mark: Mark,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub allowed: bool,
    /// What is allowed between the two (all ports, whatever was asked).
    pub allowed_ports: PortSet,
    pub summary: String,
    pub lines: Vec<Line>,
}

impl Explanation {
    /// Plain text, one line each, with ✓/✗ marks.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n", self.summary);
        for l in &self.lines {
            let mark = match l.mark {
                Mark::Allow => "✓ ",
                Mark::Deny => "✗ ",
                Mark::Info => "",
            };
            s.push_str(&"  ".repeat(usize::from(l.indent) + 1));
            s.push_str(mark);
            s.push_str(&l.text);
            s.push('\n');
        }
        s
    }
}

fn side_allows(side: &SideVerdict, q: Option<(Protocol, u16)>) -> bool {
    in_question(&side.allowed, q)
}

fn in_question(ports: &PortSet, q: Option<(Protocol, u16)>) -> bool {
    match q {
        Some((p, n)) => ports.contains(p, n),
        None => !ports.is_empty(),
    }
}

fn rule_name(policy: &str, dir: Direction, rule: usize) -> String {
    format!(
        "{} rule {} of {policy}",
        dir.as_str().to_lowercase(),
        rule + 1
    )
}

fn explain_side(lines: &mut Vec<Line>, side: &SideVerdict, who: &str, q: Option<(Protocol, u16)>) {
    if let Some(t) = &side.tiers {
        // None: no tier rule touches the question, NetworkPolicy's own
        // words follow unindented.
        let indent = match super::tiers::explain_chain(lines, side, t, who, q) {
            Some(false) => return,
            Some(true) => true,
            None => false,
        };
        // The NetworkPolicy tier decided: its rules, one level down.
        let np = SideVerdict {
            allowed: t.np.clone().unwrap_or_else(PortSet::all),
            tiers: None,
            ..side.clone()
        };
        let start = lines.len();
        explain_side(lines, &np, who, q);
        if indent && start < lines.len() {
            // The chain line already says "NetworkPolicy: isolated by ...;
            // denies": keep only the rules under it, not that header again.
            lines.remove(start);
        }
        return;
    }
    let dir = side.direction;
    let what = match dir {
        Direction::Egress => "egress",
        Direction::Ingress => "ingress",
    };
    let ok = side_allows(side, q);
    let mark = if ok { Mark::Allow } else { Mark::Deny };
    if !side.is_isolated() {
        lines.push(Line {
            indent: 0,
            mark,
            text: format!("{what} of {who}: not isolated: all {what} allowed"),
        });
        return;
    }
    let by: Vec<String> = side.isolated_by.iter().map(|k| k.to_string()).collect();
    let verdict = if ok { "allows" } else { "denies" };
    lines.push(Line {
        indent: 0,
        mark,
        text: format!(
            "{what} of {who}: isolated by {} ({}); {verdict}",
            by.len(),
            by.join(", ")
        ),
    });
    let mut deciding = 0;
    for h in &side.hits {
        if in_question(&h.ports, q) {
            deciding += 1;
            let peer = match h.peer {
                Some(p) => format!("peer {}", p + 1),
                None => "any peer (no from/to)".to_string(),
            };
            lines.push(Line {
                indent: 1,
                mark: Mark::Allow,
                text: format!(
                    "{} allows {} via {peer}",
                    rule_name(&h.policy.to_string(), dir, h.rule),
                    h.ports
                ),
            });
        }
    }
    if ok && deciding > 0 {
        return;
    }
    // Denied on this side: show the closest misses. First rules whose peers
    // match but whose ports do not cover the question, then rules whose ports
    // do but whose peers do not match.
    for h in &side.hits {
        if !in_question(&h.ports, q) {
            lines.push(Line {
                indent: 1,
                mark: Mark::Deny,
                text: format!(
                    "{} matches the peer but allows only {}",
                    rule_name(&h.policy.to_string(), dir, h.rule),
                    h.ports
                ),
            });
        }
    }
    for m in &side.misses {
        if m.rule == usize::MAX {
            lines.push(Line {
                indent: 1,
                mark: Mark::Info,
                text: format!("{} {}", m.policy, m.reason),
            });
            continue;
        }
        if m.ports.is_empty() {
            // Only unresolved named ports leave a rule with no port at all.
            let also = if m.reason.starts_with("its peers match") {
                String::new()
            } else {
                format!("; besides, {}", m.reason)
            };
            lines.push(Line {
                indent: 1,
                mark: Mark::Deny,
                text: format!(
                    "{} allows nothing here: the destination pod declares none of its named ports{also}",
                    rule_name(&m.policy.to_string(), dir, m.rule),
                ),
            });
            continue;
        }
        if in_question(&m.ports, q) {
            lines.push(Line {
                indent: 1,
                mark: Mark::Deny,
                text: format!(
                    "{} allows {}, but {}",
                    rule_name(&m.policy.to_string(), dir, m.rule),
                    m.ports,
                    m.reason
                ),
            });
        }
    }
    if side.hits.is_empty() && side.misses.is_empty() {
        lines.push(Line {
            indent: 1,
            mark: Mark::Info,
            text: "no rule allows anything".to_string(),
        });
    }
}

/// Explains a verdict. `from_name`/`to_name` are how the user named the ends.
pub fn explain(
    _idx: &Index,
    v: &PairVerdict,
    from_name: &str,
    to_name: &str,
    q: Option<(Protocol, u16)>,
) -> Explanation {
    let allowed = in_question(&v.allowed, q);
    let on = match q {
        Some((p, n)) => format!(" on {p} {n}"),
        None => String::new(),
    };
    let summary = if allowed {
        match q {
            Some(_) => format!("ALLOWED: {from_name} -> {to_name}{on}"),
            None => format!("ALLOWED: {from_name} -> {to_name}: {}", v.allowed),
        }
    } else {
        format!("DENIED: {from_name} -> {to_name}{on}")
    };
    let caveats = super::tiers::caveats(v, q);
    let summary = if caveats.is_empty() {
        summary
    } else {
        format!("{summary} ({})", caveats.join("; "))
    };
    let mut lines = Vec::new();
    for (side, who, what) in [
        (&v.egress, from_name, "egress"),
        (&v.ingress, to_name, "ingress"),
    ] {
        match side {
            Some(s) => explain_side(&mut lines, s, who, q),
            None => lines.push(Line {
                indent: 0,
                mark: Mark::Info,
                text: format!(
                    "{what} of {who}: an address outside the cluster; no policy governs it"
                ),
            }),
        }
    }
    if !allowed
        && let (Some(e), Some(i)) = (&v.egress, &v.ingress)
        && side_allows(e, q)
        && side_allows(i, q)
    {
        // Each side allows something, but not the same thing.
        lines.push(Line {
            indent: 0,
            mark: Mark::Deny,
            text: format!(
                "egress allows {} and ingress allows {}: nothing in common",
                e.allowed, i.allowed
            ),
        });
    }
    Explanation {
        allowed,
        allowed_ports: v.allowed.clone(),
        summary,
        lines,
    }
}
