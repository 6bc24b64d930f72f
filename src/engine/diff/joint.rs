//! Phase 2: both states' rows touching the change, and the groups of pods
//! that behave alike in both states (joints), so that rows are compared per
//! group pair and expanded to pod or workload names only where needed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::FastMap;

use crate::engine::connectivity::{Prepared, Touching, touching_on};
use crate::engine::index::{ClassId, Index};
use crate::engine::ipblock::IpRange;
use crate::engine::model::PodKey;
use crate::engine::ports::PortSet;

/// Pods that are in one class before and one class after the change (None:
/// absent, or in no pair that touches the change), and equally touched or
/// not, have identical rows in both states. The diff is computed on such
/// groups, and expanded to pod or workload names only where needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct JointKey {
    pub before: Option<ClassId>,
    pub after: Option<ClassId>,
    pub touched: bool,
}

pub(super) struct Joint {
    pub key: JointKey,
    pub namespace: String,
    /// Pod names, with their output name ids before and after (workload
    /// granularity; unused for pods).
    pub members: Vec<(String, u32, u32)>,
}

/// One state's view of the change: the classes of the touched pods, every
/// allowed class pair touching them, and their external rows.
pub(super) struct Side {
    pub classes: Vec<ClassId>,
    pub rows: FastMap<(ClassId, ClassId), PortSet>,
    /// Per class: (range, ports) to external destinations / from sources.
    pub to_ext: FastMap<ClassId, BTreeMap<IpRange, PortSet>>,
    pub from_ext: FastMap<ClassId, BTreeMap<IpRange, PortSet>>,
}

impl Side {
    pub fn of(
        idx: &Index,
        touched: &BTreeSet<PodKey>,
        parts: &(Vec<IpRange>, Vec<IpRange>),
    ) -> Side {
        Side::of_prepared(&Prepared::new(idx), touched, parts)
    }

    /// [`Side::of`] on a state compiled beforehand.
    pub fn of_prepared(
        p: &Prepared,
        touched: &BTreeSet<PodKey>,
        parts: &(Vec<IpRange>, Vec<IpRange>),
    ) -> Side {
        let idx = p.index();
        let mut classes: Vec<ClassId> = touched.iter().filter_map(|k| idx.pod_class(k)).collect();
        classes.sort_unstable();
        classes.dedup();
        let t: Touching = touching_on(p, &classes, &parts.0, &parts.1, false);
        let mut to_ext: FastMap<ClassId, BTreeMap<IpRange, PortSet>> = FastMap::default();
        for (c, r, p) in t.to_external {
            to_ext.entry(c).or_default().insert(r, p);
        }
        let mut from_ext: FastMap<ClassId, BTreeMap<IpRange, PortSet>> = FastMap::default();
        for (r, c, p) in t.from_external {
            from_ext.entry(c).or_default().insert(r, p);
        }
        Side {
            classes,
            rows: t.pairs.into_iter().map(|(a, b, p)| ((a, b), p)).collect(),
            to_ext,
            from_ext,
        }
    }
}

/// The classes a side's rows mention, plus the touched ones, sorted.
fn involved(classes: &[ClassId], rows: &FastMap<(ClassId, ClassId), PortSet>) -> Vec<ClassId> {
    let mut v: Vec<ClassId> = classes
        .iter()
        .copied()
        .chain(rows.keys().flat_map(|&(a, b)| [a, b]))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A class before the change: id, namespace, members with their name ids.
type ClassSnapshot = (ClassId, String, Vec<(String, u32)>);

/// Interns output names (workload granularity).
#[derive(Default)]
pub(super) struct Names {
    ids: FastMap<Arc<str>, u32>,
    pub names: Vec<Arc<str>>,
}

impl Names {
    fn id(&mut self, s: String) -> u32 {
        if let Some(&i) = self.ids.get(s.as_str()) {
            return i;
        }
        let i = self.names.len() as u32;
        let s: Arc<str> = Arc::from(s);
        self.names.push(s.clone());
        self.ids.insert(s, i);
        i
    }
}

/// Every pod of the rows of either side, grouped by [`JointKey`].
pub(super) struct Joints {
    pub list: Vec<Joint>,
    /// Output names by id (workload granularity).
    pub names: Names,
}

impl Joints {
    pub fn build(
        before: &Index,
        after: &Index,
        side_b: &Side,
        side_a: &Side,
        touched_all: &BTreeSet<PodKey>,
        workload: bool,
    ) -> Joints {
        let mut names = Names::default();
        // A pod's output name id in the current state (workload rows only).
        let name_id = |idx: &Index, names: &mut Names, ns: &str, m: &str| {
            if workload {
                names.id(idx.workload_of(&PodKey::new(ns, m)))
            } else {
                0
            }
        };
        // (class, namespace, members with their name before).
        let snap_b: Vec<ClassSnapshot> = involved(&side_b.classes, &side_b.rows)
            .into_iter()
            .map(|c| {
                let class = before.class(c);
                let members = class
                    .members
                    .iter()
                    .map(|m| (m.clone(), name_id(before, &mut names, &class.namespace, m)))
                    .collect();
                (c, class.namespace.clone(), members)
            })
            .collect();

        // After: who the touched and mentioned pods are with.
        let idx = after;
        let is_touched = |ns: &str, m: &str| touched_all.contains(&PodKey::new(ns, m));
        let mut joints: Vec<Joint> = Vec::new();
        let mut joint_of: FastMap<JointKey, usize> = FastMap::default();
        let mut add = |joints: &mut Vec<Joint>, key: JointKey, ns: &str, m: (String, u32, u32)| {
            let j = *joint_of.entry(key).or_insert_with(|| {
                joints.push(Joint {
                    key,
                    namespace: ns.to_string(),
                    members: Vec::new(),
                });
                joints.len() - 1
            });
            joints[j].members.push(m);
        };
        // Pods of an after class already placed from the before side.
        let mut placed_all: BTreeSet<ClassId> = BTreeSet::new();
        let mut placed: FastMap<ClassId, BTreeSet<String>> = FastMap::default();
        let ns_touched: BTreeSet<&str> = touched_all.iter().map(|k| k.namespace.as_str()).collect();
        for (cb, ns, members) in snap_b {
            let any_touched = ns_touched.contains(ns.as_str());
            // Untouched classes usually keep their members: one lookup decides.
            let first = members
                .first()
                .map(|(m, _)| idx.pod_class(&PodKey::new(&ns, m)));
            if let Some(Some(ca)) = first
                && !any_touched
                && idx.class(ca).members.len() == members.len()
                && idx
                    .class(ca)
                    .members
                    .iter()
                    .eq(members.iter().map(|(m, _)| m))
            {
                placed_all.insert(ca);
                for (m, wb) in members {
                    // Owners only change through a pod update, which touches the pod.
                    add(
                        &mut joints,
                        JointKey {
                            before: Some(cb),
                            after: Some(ca),
                            touched: false,
                        },
                        &ns,
                        (m, wb, wb),
                    );
                }
                continue;
            }
            for (m, wb) in members {
                let ca = idx.pod_class(&PodKey::new(&ns, &m));
                let wa = match ca {
                    Some(_) => name_id(idx, &mut names, &ns, &m),
                    None => u32::MAX,
                };
                if let Some(ca) = ca {
                    placed.entry(ca).or_default().insert(m.clone());
                }
                let key = JointKey {
                    before: Some(cb),
                    after: ca,
                    touched: any_touched && is_touched(&ns, &m),
                };
                add(&mut joints, key, &ns, (m, wb, wa));
            }
        }
        for ca in involved(&side_a.classes, &side_a.rows) {
            if placed_all.contains(&ca) {
                continue;
            }
            let class = idx.class(ca);
            let done = placed.get(&ca);
            for m in &class.members {
                if done.is_some_and(|d| d.contains(m)) {
                    continue;
                }
                let key = JointKey {
                    before: None,
                    after: Some(ca),
                    touched: is_touched(&class.namespace, m),
                };
                let wa = name_id(idx, &mut names, &class.namespace, m);
                add(
                    &mut joints,
                    key,
                    &class.namespace,
                    (m.clone(), u32::MAX, wa),
                );
            }
        }
        Joints {
            list: joints,
            names,
        }
    }
}
