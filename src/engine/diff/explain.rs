//! Why a pair changed, in words, evaluated in the state after the change.

use super::FastMap;
use std::sync::Arc;

use crate::engine::index::Index;
use crate::engine::model::{Direction, PolicyKey};
use crate::engine::ports::PortSet;
use crate::engine::verdict::{Endpoint, RuleHit, SideVerdict};

/// What the words of one side depend on (sides without tiers).
type SideKey = Option<(Direction, Vec<PolicyKey>, PortSet, Vec<RuleHit>)>;

/// Explanations shared by the pairs whose sides read alike: a what-if
/// explains every changed class pair, and most of them are worded the same
/// (an open client towards a newly isolated server, say).
#[derive(Default)]
pub(super) struct Words {
    memo: FastMap<(SideKey, SideKey, PortSet, PortSet), Arc<[String]>>,
}

impl Words {
    /// [`explain_change`], with the wording shared between pairs.
    pub fn explain(
        &mut self,
        idx: &Index,
        src: Option<Endpoint>,
        dst: Option<Endpoint>,
        before: &PortSet,
        after: &PortSet,
    ) -> Arc<[String]> {
        let Some((egress, ingress)) = sides(idx, src, dst) else {
            return explain_change(idx, src, dst, before, after).into();
        };
        let key = |s: &Option<SideVerdict>| -> Option<SideKey> {
            match s {
                None => Some(None),
                Some(v) if v.tiers.is_some() => None,
                Some(v) => Some(Some((
                    v.direction,
                    v.isolated_by.clone(),
                    v.allowed.clone(),
                    v.hits.clone(),
                ))),
            }
        };
        let (Some(ke), Some(ki)) = (key(&egress), key(&ingress)) else {
            return words(&egress, &ingress, before, after).into();
        };
        self.memo
            .entry((ke, ki, before.clone(), after.clone()))
            .or_insert_with(|| words(&egress, &ingress, before, after).into())
            .clone()
    }
}

/// Both sides' verdicts after the change (None: a side towards an IP), or
/// None when there is no verdict to give (a missing or hostNetwork pod).
fn sides(
    idx: &Index,
    src: Option<Endpoint>,
    dst: Option<Endpoint>,
) -> Option<(Option<SideVerdict>, Option<SideVerdict>)> {
    let (src, dst) = (src?, dst?);
    for ep in [src, dst] {
        if let Endpoint::Class(c) = ep
            && idx.class(c).host_network
        {
            return None;
        }
    }
    let egress = match src {
        Endpoint::Class(a) => Some(idx.side_verdict_brief(a, Direction::Egress, dst)),
        Endpoint::Ip(_) => None,
    };
    let ingress = match dst {
        Endpoint::Class(b) => Some(idx.side_verdict_brief(b, Direction::Ingress, src)),
        Endpoint::Ip(_) => None,
    };
    Some((egress, ingress))
}

/// Why a pair changed from `before` to `after`, evaluated in the state after
/// the change between `src` and `dst` (a pod class or an external range;
/// `None` when that pod does not exist after the change). Worded without
/// pod names so that one explanation serves every pod pair of two classes.
pub(super) fn explain_change(
    idx: &Index,
    src: Option<Endpoint>,
    dst: Option<Endpoint>,
    before: &PortSet,
    after: &PortSet,
) -> Vec<String> {
    let (Some(_), Some(_)) = (src, dst) else {
        let gone = if src.is_none() {
            "source"
        } else {
            "destination"
        };
        return vec![format!("the {gone} does not exist after the change")];
    };
    match sides(idx, src, dst) {
        Some((egress, ingress)) => words(&egress, &ingress, before, after),
        None => vec!["a hostNetwork pod is involved: no verdict".to_string()],
    }
}

/// The words for two side verdicts.
fn words(
    egress: &Option<SideVerdict>,
    ingress: &Option<SideVerdict>,
    before: &PortSet,
    after: &PortSet,
) -> Vec<String> {
    let mut why = Vec::new();
    let lost = before.difference(after);
    let gained = after.difference(before);
    for (side, who) in [(egress, "source"), (ingress, "destination")] {
        let Some(side) = side else { continue };
        let dir = match side.direction {
            Direction::Egress => "egress",
            Direction::Ingress => "ingress",
        };
        if let Some(t) = &side.tiers {
            let (lines, np) = crate::engine::tiers::change_reasons(t, dir, who, &lost, &gained);
            why.extend(lines);
            if !np {
                continue;
            }
        }
        if !lost.is_empty() && !lost.difference(&side.allowed).is_empty() {
            let denied = lost.difference(&side.allowed);
            let by: Vec<String> = side.isolated_by.iter().map(|k| k.to_string()).collect();
            why.push(format!(
                "{dir} of the {who} is isolated by {}; no rule allows {denied} any more",
                by.join(", ")
            ));
        }
        if !gained.is_empty() {
            for h in &side.hits {
                if !h.ports.intersect(&gained).is_empty() {
                    why.push(format!(
                        "{dir} rule {} of {} now allows {}",
                        h.rule + 1,
                        h.policy,
                        h.ports.intersect(&gained)
                    ));
                }
            }
            if !side.is_isolated() {
                why.push(format!(
                    "{dir} of the {who} is not isolated after the change"
                ));
            }
        }
    }
    why.dedup();
    why
}
