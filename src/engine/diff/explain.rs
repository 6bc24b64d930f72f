//! Why a pair changed, in words, evaluated in the state after the change.

use crate::engine::index::Index;
use crate::engine::model::Direction;
use crate::engine::ports::PortSet;
use crate::engine::verdict::Endpoint;

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
    let (Some(src), Some(dst)) = (src, dst) else {
        let gone = if src.is_none() {
            "source"
        } else {
            "destination"
        };
        return vec![format!("the {gone} does not exist after the change")];
    };
    for ep in [src, dst] {
        if let Endpoint::Class(c) = ep
            && idx.class(c).host_network
        {
            return vec!["a hostNetwork pod is involved: no verdict".to_string()];
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
    let mut why = Vec::new();
    let lost = before.difference(after);
    let gained = after.difference(before);
    for (side, who) in [(&egress, "source"), (&ingress, "destination")] {
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
