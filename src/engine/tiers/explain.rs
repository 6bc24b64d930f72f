//! The tier chain in words, for `can-reach` and the TUI trace:
//! `Admin: cnp/x priority 10, ingress rule 2 "deny-untrusted" (Deny)` or
//! `Admin: Pass -> NetworkPolicy: not isolated -> Baseline: cnp/d rule 1 (Deny)`.

use super::{Action, ClusterPolicy, Tier, TierDecision, TierSide, TierStep, TierTie};
use crate::engine::explain::{Line, Mark};
use crate::engine::index::{ClassId, Index};
use crate::engine::model::{Direction, Protocol};
use crate::engine::ports::PortSet;
use crate::engine::verdict::{PairVerdict, SideVerdict};

fn in_question(ports: &PortSet, q: Option<(Protocol, u16)>) -> bool {
    match q {
        Some((p, n)) => ports.contains(p, n),
        None => !ports.is_empty(),
    }
}

/// `Admin: cnp/x priority 10, ingress rule 2 "name" (Deny)`.
pub fn step_text(s: &TierStep, dir: Direction) -> String {
    let mut t = format!("{}: {}", s.tier.as_str(), s.policy);
    if let Some(p) = s.priority {
        t.push_str(&format!(" priority {p}"));
    }
    t.push_str(&format!(
        ", {} rule {}",
        dir.as_str().to_lowercase(),
        s.rule + 1
    ));
    if let Some(n) = &s.rule_name {
        t.push_str(&format!(" {n:?}"));
    }
    t.push_str(&format!(" ({})", s.action.as_str()));
    if s.fail_closed {
        t.push_str(", failing closed on a peer of a type this tool does not know");
    }
    t
}

fn decision_text(d: &TierDecision, side: &SideVerdict) -> String {
    match d {
        TierDecision::Step(s) => step_text(s, side.direction),
        TierDecision::NetworkPolicy {
            isolated: false, ..
        } => "NetworkPolicy: not isolated".to_string(),
        TierDecision::NetworkPolicy { isolated: true, .. } => {
            let by: Vec<String> = side.isolated_by.iter().map(|k| k.to_string()).collect();
            format!("NetworkPolicy: isolated by {}", by.join(", "))
        }
        TierDecision::Default(_) => "no tier decides: allowed by default".to_string(),
    }
}

fn decision_ports(d: &TierDecision) -> &PortSet {
    match d {
        TierDecision::Step(s) => &s.ports,
        TierDecision::NetworkPolicy { ports, .. } | TierDecision::Default(ports) => ports,
    }
}

/// `the outcome depends on implementation order: cnp/a (Accept) and
/// cnp/b (Deny) share Admin priority 10`.
pub fn tie_text(t: &TierTie) -> String {
    format!(
        "the outcome depends on implementation order: {} ({}) and {} ({}) share {} priority {}",
        t.first,
        t.first_action.as_str(),
        t.second,
        t.second_action.as_str(),
        t.tier.as_str(),
        t.priority
    )
}

/// Pushes the chain of one side. Some(true) when the NetworkPolicy tier
/// decided part of the question for an isolated pod, so its rules follow;
/// None (nothing pushed) when NetworkPolicy alone decided the question.
pub(crate) fn explain_chain(
    lines: &mut Vec<Line>,
    side: &SideVerdict,
    t: &TierSide,
    who: &str,
    q: Option<(Protocol, u16)>,
) -> Option<bool> {
    let what = side.direction.as_str().to_lowercase();
    let ok = in_question(&side.allowed, q);
    let mark = if ok { Mark::Allow } else { Mark::Deny };
    let verdict = if ok { "allows" } else { "denies" };
    let relevant: Vec<&TierDecision> = t
        .chain
        .iter()
        .filter(|d| in_question(decision_ports(d), q))
        .collect();
    let np_decides = relevant
        .iter()
        .any(|d| matches!(d, TierDecision::NetworkPolicy { isolated: true, .. }));
    if np_decides && relevant.len() == 1 && t.ties.is_empty() && t.depends.is_empty() {
        // No tier rule touches the question: NetworkPolicy's own words.
        return None;
    }
    if q.is_some() {
        // One port: one path through the tiers.
        let chain = path_text(&relevant, side);
        lines.push(Line {
            indent: 0,
            mark,
            text: format!("{what} of {who}: {chain}; {verdict}"),
        });
    } else {
        let head = if ok {
            format!("allows {}", side.allowed)
        } else {
            "denies everything".to_string()
        };
        lines.push(Line {
            indent: 0,
            mark,
            text: format!("{what} of {who}: through the tiers; {head}"),
        });
        for d in &relevant {
            let m = match d {
                TierDecision::Step(s) => match s.action {
                    Action::Accept => Mark::Allow,
                    Action::Deny => Mark::Deny,
                    Action::Pass => Mark::Info,
                },
                TierDecision::Default(_) => Mark::Allow,
                TierDecision::NetworkPolicy { .. } => Mark::Info,
            };
            lines.push(Line {
                indent: 1,
                mark: m,
                text: format!("{} on {}", decision_text(d, side), decision_ports(d)),
            });
        }
    }
    for tie in t.ties.iter().filter(|x| in_question(&x.ports, q)) {
        lines.push(Line {
            indent: 1,
            mark: Mark::Info,
            text: format!("{} (on {})", tie_text(tie), tie.ports),
        });
    }
    for d in &t.depends {
        lines.push(Line {
            indent: 1,
            mark: Mark::Info,
            text: d.clone(),
        });
    }
    Some(np_decides)
}

fn path_text(relevant: &[&TierDecision], side: &SideVerdict) -> String {
    let chain: Vec<String> = relevant.iter().map(|d| decision_text(d, side)).collect();
    chain.join(" -> ")
}

/// The path one port takes through the tiers of one side, in one line, for
/// reports that give one reason per row (recorded flows): e.g. `Admin:
/// cnp/x priority 10, egress rule 1 (Deny)`. None when no tier rule touches
/// the port, so NetworkPolicy's own words apply. The bool says whether
/// NetworkPolicy had the last word (its rules then explain the rest).
pub fn chain_text(side: &SideVerdict, p: Protocol, port: u16) -> Option<(String, bool)> {
    let t = side.tiers.as_ref()?;
    let q = Some((p, port));
    let relevant: Vec<&TierDecision> = t
        .chain
        .iter()
        .filter(|d| in_question(decision_ports(d), q))
        .collect();
    let np_last = matches!(
        relevant.last(),
        Some(TierDecision::NetworkPolicy { isolated: true, .. })
    );
    let ties: Vec<String> = t
        .ties
        .iter()
        .filter(|x| in_question(&x.ports, q))
        .map(tie_text)
        .collect();
    if ties.is_empty() && !relevant.iter().any(|d| matches!(d, TierDecision::Step(_))) {
        return None;
    }
    let mut text = path_text(&relevant, side);
    for tie in ties {
        text.push_str(&format!(" ({tie})"));
    }
    Some((text, np_last))
}

/// What the summary must add: ties that change the answer to the question
/// and rules whose peers the tool cannot evaluate.
pub fn caveats(v: &PairVerdict, q: Option<(Protocol, u16)>) -> Vec<String> {
    let mut out = Vec::new();
    for side in [&v.egress, &v.ingress].into_iter().flatten() {
        let Some(t) = &side.tiers else { continue };
        for tie in t.ties.iter().filter(|x| in_question(&x.ports, q)) {
            out.push(tie_text(tie));
        }
        if t.depends
            .iter()
            .any(|d| d.contains("depends on the node's IPs"))
        {
            out.push("depends on the node's IPs".to_string());
        }
        if t.depends.iter().any(|d| d.contains("depends on DNS names")) {
            out.push("depends on DNS names".to_string());
        }
    }
    let mut seen = Vec::new();
    out.retain(|c| {
        let new = !seen.contains(c);
        seen.push(c.clone());
        new
    });
    out
}

/// A pod pane's headline for one direction when cluster-scoped policies
/// select the pod: the tiers around NetworkPolicy's own headline, e.g.
/// `Admin: cnp/a priority 10 -> NetworkPolicy: not isolated -> Baseline:
/// cnp/b priority 1`. Unchanged when no such policy selects it.
pub fn tier_headline(
    idx: &Index,
    class: ClassId,
    dir: Direction,
    np_isolated: bool,
    np_headline: String,
) -> String {
    let pols: Vec<&ClusterPolicy> = idx
        .tier_policies_for(class)
        .into_iter()
        .filter(|p| !p.rules(dir).is_empty())
        .collect();
    if pols.is_empty() {
        return np_headline;
    }
    let tier = |t: Tier| -> Option<String> {
        let names: Vec<String> = pols
            .iter()
            .filter(|p| p.tier == t)
            .map(|p| match p.has_priority() {
                true => format!("{} priority {}", p.key(), p.priority),
                false => p.key().to_string(),
            })
            .collect();
        (!names.is_empty()).then(|| format!("{}: {}", t.as_str(), names.join(", ")))
    };
    let np = if np_isolated {
        format!("NetworkPolicy: {np_headline}")
    } else {
        "NetworkPolicy: not isolated".to_string()
    };
    [tier(Tier::Admin), Some(np), tier(Tier::Baseline)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// Why a what-if changed `lost` / `gained` ports on one side, through the
/// tier chain after the change: one line per deciding rule. The bool is
/// true when the NetworkPolicy tier decided some of them (its own reasons
/// follow).
pub fn change_reasons(
    t: &TierSide,
    dir: &str,
    who: &str,
    lost: &PortSet,
    gained: &PortSet,
) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut np = false;
    for d in &t.chain {
        match d {
            TierDecision::Step(s) => {
                let (set, verb) = match s.action {
                    Action::Deny => (lost, "denies"),
                    Action::Accept => (gained, "accepts"),
                    Action::Pass => continue,
                };
                let ports = s.ports.intersect(set);
                if !ports.is_empty() {
                    out.push(format!(
                        "{dir} of the {who}: {} {verb} {ports}",
                        step_text(s, t.direction)
                    ));
                }
            }
            TierDecision::NetworkPolicy {
                ports,
                isolated: true,
            } => {
                np |= !ports.intersect(&lost.union(gained)).is_empty();
            }
            TierDecision::NetworkPolicy { .. } => {}
            // Allowed by default also on sides the change did not touch:
            // not a reason worth a line.
            TierDecision::Default(_) => {}
        }
    }
    (out, np)
}
