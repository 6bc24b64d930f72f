//! Workloads stand for their pods: one representative pod from the pod
//! template, owners followed up through the workloads in the input, and
//! real pods preferred when they are there.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use serde_json::{Map, Value};

use super::prune::{META, TEMPLATE, prune};
use super::{Data, Loader, Loc, Manifests, namespace_of};
use crate::engine::model::{Labels, Namespace, Owner, Pod, PodKey, Policy, Service, Snapshot};
use crate::source::convert;

/// Enough for any real owner chain (CronJob > Job > Pod is the longest).
const MAX_OWNER_DEPTH: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub(super) fn parse(kind: &str) -> Option<Self> {
        Some(match kind {
            "Deployment" => Self::Deployment,
            "StatefulSet" => Self::StatefulSet,
            "DaemonSet" => Self::DaemonSet,
            "ReplicaSet" => Self::ReplicaSet,
            "ReplicationController" => Self::ReplicationController,
            "Job" => Self::Job,
            "CronJob" => Self::CronJob,
            _ => return None,
        })
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Deployment => "Deployment",
            Self::StatefulSet => "StatefulSet",
            Self::DaemonSet => "DaemonSet",
            Self::ReplicaSet => "ReplicaSet",
            Self::ReplicationController => "ReplicationController",
            Self::Job => "Job",
            Self::CronJob => "CronJob",
        }
    }

    pub(super) fn groups(self) -> &'static [&'static str] {
        match self {
            Self::ReplicationController => &[""],
            Self::Job | Self::CronJob => &["batch"],
            // extensions/v1beta1 served these until 1.16; old dumps use it.
            _ => &["apps", "extensions"],
        }
    }

    fn template_path(self) -> &'static [&'static str] {
        match self {
            Self::CronJob => &["spec", "jobTemplate", "spec", "template"],
            _ => &["spec", "template"],
        }
    }
}

#[derive(Debug)]
pub(super) struct Workload {
    kind: WorkloadKind,
    /// The workload's own controller (a ReplicaSet's Deployment, ...).
    owner: Option<Owner>,
    pod: Pod,
}
impl Loader {
    pub(super) fn add_workload(
        &mut self,
        kind: WorkloadKind,
        mut map: Map<String, Value>,
        loc: &Loc,
        object: &str,
    ) {
        let meta_v = prune(map.remove("metadata").unwrap_or(Value::Null), &META);
        let Some(meta) = self.decode::<Option<meta::ObjectMeta>>(&meta_v, loc, object, "metadata")
        else {
            return;
        };
        let meta = meta.unwrap_or_default();
        let Some(name) = meta.name.clone().filter(|n| !n.is_empty()) else {
            self.errors
                .push(loc.error(Some(object), "metadata.name", "Required value"));
            return;
        };
        let path = kind.template_path();
        let tpath = path.join(".");
        let mut cur = Value::Object(map);
        for (i, seg) in path.iter().enumerate() {
            cur = match cur {
                Value::Object(mut m) => match m.remove(*seg) {
                    Some(Value::Null) | None => {
                        self.errors.push(loc.error(
                            Some(object),
                            &path[..=i].join("."),
                            "Required value: the pod template",
                        ));
                        return;
                    }
                    Some(v) => v,
                },
                _ => {
                    self.errors.push(loc.error(
                        Some(object),
                        &path[..i].join("."),
                        "Invalid value: must be a mapping",
                    ));
                    return;
                }
            };
        }
        let tv = prune(cur, &TEMPLATE);
        let Some(template) = self.decode::<core::PodTemplateSpec>(&tv, loc, object, &tpath) else {
            return;
        };
        let ns = namespace_of(&meta);
        let (pod, warnings) =
            convert::pod_from_template(&ns, &name, kind.as_str(), &template, &tpath);
        self.warnings.extend(loc.field_errors(object, &warnings));
        let owner = controller_of(&meta);
        let w = Workload { kind, owner, pod };
        self.insert((kind.as_str(), ns, name), loc, object, Data::Workload(w));
    }

    // --- assembling the snapshot ------------------------------------------

    pub(super) fn finish(self) -> Manifests {
        let Loader {
            errors,
            warnings,
            objects,
            runs,
            ..
        } = self;
        let mut namespaces: BTreeMap<String, Namespace> = BTreeMap::new();
        let mut real_pods: Vec<Pod> = Vec::new();
        let mut policies: Vec<Policy> = Vec::new();
        let mut cluster_policies = Vec::new();
        let mut services: Vec<Service> = Vec::new();
        // (namespace, kind, name) -> workload
        let mut workloads: BTreeMap<(String, &'static str, String), Workload> = BTreeMap::new();
        for ((kind, ns, name), entry) in Loader::into_objects(objects, runs) {
            match entry.data {
                Data::Namespace(n) => {
                    namespaces.insert(n.name.clone(), n);
                }
                Data::Pod(Some(p)) => real_pods.push(p),
                Data::Pod(None) => {}
                Data::Policy(p) => policies.push(p),
                Data::ClusterPolicy(p) => cluster_policies.push(p),
                // In key order already: sorted by namespace, then name.
                Data::Service(s) => services.push(s),
                Data::Workload(w) => {
                    workloads.insert((ns, kind, name), w);
                }
            }
        }

        // Most dumps are pods alone: no workload lookups (each builds a key).
        let no_workloads = workloads.is_empty();
        let in_input = |ns: &str, o: &Owner| {
            !no_workloads
                && workloads.contains_key(&(ns.to_string(), kind_static(&o.kind), o.name.clone()))
        };
        // Follows controllers up through the workloads present in the input.
        let resolve = |ns: &str, mut o: Owner| -> Owner {
            if no_workloads {
                return o;
            }
            for _ in 0..MAX_OWNER_DEPTH {
                let next = workloads
                    .get(&(ns.to_string(), kind_static(&o.kind), o.name.clone()))
                    .and_then(|w| w.owner.clone());
                match next {
                    Some(n) if n != o => o = n,
                    _ => break,
                }
            }
            o
        };

        let mut covered: BTreeSet<(String, Owner)> = BTreeSet::new();
        // The real pods come in key order without repeats (from `objects`):
        // the map is built in one go rather than by 50k inserts.
        let mut real = Vec::with_capacity(real_pods.len());
        for mut p in real_pods {
            // Without workloads nothing is in the input: the owner stays.
            let owner = p.owner.take().map(|o| match no_workloads {
                true => o,
                false => deployment_of_orphan_pod(&p, o, &in_input),
            });
            // Static pods' mirror objects are "owned" by their Node: not a
            // workload. A reference without a name is no owner; one without a
            // kind still groups its pods under that name (as netpol-analyzer
            // does), shown as a Pod.
            p.owner = owner
                .filter(|o| !o.name.is_empty())
                .map(|o| {
                    if o.kind.is_empty() {
                        Owner {
                            kind: "Pod".to_string(),
                            name: o.name,
                        }
                    } else {
                        resolve(&p.namespace, o)
                    }
                })
                .filter(|o| o.kind != "Node");
            // Only the workloads below read `covered`.
            if !no_workloads && let Some(o) = &p.owner {
                covered.insert((p.namespace.clone(), o.clone()));
            }
            real.push(p);
        }
        // Real pods come in key order (from `objects`), so without workloads
        // they are the snapshot's pods as they are; else the map below
        // orders them with the workloads' pods.
        let sorted = real
            .windows(2)
            .all(|w| (&w[0].namespace, &w[0].name) < (&w[1].namespace, &w[1].name));
        let pods = if no_workloads && sorted {
            real
        } else {
            with_workload_pods(real, &workloads, &covered, in_input, resolve)
        };

        // Both come grouped by namespace: one insert per run of a namespace.
        let mut referenced: BTreeSet<&str> = BTreeSet::new();
        let mut last = None;
        for ns in pods
            .iter()
            .map(|p| p.namespace.as_str())
            .chain(policies.iter().map(|p| p.namespace.as_str()))
        {
            if last != Some(ns) {
                referenced.insert(ns);
                last = Some(ns);
            }
        }
        let mut implicit_namespaces = Vec::new();
        for ns in referenced {
            if !namespaces.contains_key(ns) {
                implicit_namespaces.push(ns.to_string());
                namespaces.insert(
                    ns.to_string(),
                    Namespace::new(ns.to_string(), Labels::new()),
                );
            }
        }
        policies.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        Manifests {
            snapshot: Snapshot {
                namespaces: namespaces.into_values().collect(),
                pods,
                policies,
                cluster_policies,
                services,
            },
            errors,
            warnings,
            implicit_namespaces,
        }
    }
}

/// The real pods and one representative pod per workload that no real pod
/// (nor an owner in the input) stands for, in key order.
fn with_workload_pods(
    real: Vec<Pod>,
    workloads: &BTreeMap<(String, &'static str, String), Workload>,
    covered: &BTreeSet<(String, Owner)>,
    in_input: impl Fn(&str, &Owner) -> bool,
    resolve: impl Fn(&str, Owner) -> Owner,
) -> Vec<Pod> {
    let mut pods: BTreeMap<PodKey, Pod> = real.into_iter().map(|p| (p.key(), p)).collect();
    for ((ns, kind, name), w) in workloads {
        if let Some(o) = &w.owner
            && in_input(ns, o)
            && !(o.kind == *kind && o.name == *name)
        {
            continue; // its owner (also in the input) stands for it
        }
        let top = resolve(
            ns,
            Owner {
                kind: kind.to_string(),
                name: name.clone(),
            },
        );
        if covered.contains(&(ns.clone(), top.clone())) {
            continue; // real pods stand for it
        }
        let mut pod = w.pod.clone();
        pod.owner = Some(top);
        if pods.contains_key(&pod.key()) {
            // A real pod or another kind of workload has this name already.
            pod.name = format!("{} ({})", pod.name, w.kind.as_str());
        }
        pods.insert(pod.key(), pod);
    }
    pods.into_values().collect()
}

/// A pod owned by a ReplicaSet that is not in the input, when the
/// Deployment is: the Deployment controller names its ReplicaSets
/// `<deployment>-<pod-template-hash>` and labels their pods with the hash,
/// so the link is certain. (`kubectl get deploy,pods -o yaml` has no RS.)
fn deployment_of_orphan_pod(p: &Pod, o: Owner, in_input: &impl Fn(&str, &Owner) -> bool) -> Owner {
    if o.kind != "ReplicaSet" || in_input(&p.namespace, &o) {
        return o;
    }
    let Some(hash) = p.labels.get("pod-template-hash").filter(|h| !h.is_empty()) else {
        return o;
    };
    let Some(deploy) = o
        .name
        .strip_suffix(hash.as_str())
        .and_then(|s| s.strip_suffix('-'))
    else {
        return o;
    };
    let d = Owner {
        kind: "Deployment".to_string(),
        name: deploy.to_string(),
    };
    if in_input(&p.namespace, &d) { d } else { o }
}

/// Workload map keys use static kind names; anything else is not a workload.
fn kind_static(kind: &str) -> &'static str {
    WorkloadKind::parse(kind).map_or("", WorkloadKind::as_str)
}
/// The controller owner reference (or the first one), as `convert::pod_from_api` picks it.
fn controller_of(m: &meta::ObjectMeta) -> Option<Owner> {
    let refs = m.owner_references.as_deref().unwrap_or_default();
    refs.iter()
        .find(|o| o.controller == Some(true))
        .or_else(|| refs.first())
        .filter(|o| !o.kind.is_empty() && !o.name.is_empty())
        .map(|o| Owner {
            kind: o.kind.clone(),
            name: o.name.clone(),
        })
}
