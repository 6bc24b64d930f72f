//! Which pod labels identify a workload for good, and which change with
//! every rollout or pod (the ones Cilium's identity filter drops too).

use crate::engine::model::Labels;

/// Keys a controller sets per revision or per pod: a selector on one of
/// them breaks at the next rollout, and Hubble never records them.
const VOLATILE: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "controller-uid",
    "job-name",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
];

/// Whether a label is stable: set by the user on the template, kept by
/// Cilium's identity filter (`app.kubernetes.io/*` is; other keys under
/// `kubernetes.io` and `k8s.io` are not).
pub fn is_stable(key: &str) -> bool {
    if VOLATILE.contains(&key) {
        return false;
    }
    match key.split_once('/') {
        Some((prefix, _)) => {
            prefix == "app.kubernetes.io"
                || !(prefix == "kubernetes.io"
                    || prefix == "k8s.io"
                    || prefix.ends_with(".kubernetes.io")
                    || prefix.ends_with(".k8s.io"))
        }
        None => true,
    }
}

/// The stable labels of a set.
pub fn stable(labels: &Labels) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| is_stable(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_keys_are_dropped_and_app_labels_kept() {
        for k in [
            "pod-template-hash",
            "controller-revision-hash",
            "statefulset.kubernetes.io/pod-name",
            "topology.kubernetes.io/zone",
            "kubernetes.io/os",
        ] {
            assert!(!is_stable(k), "{k}");
        }
        for k in ["app", "tier", "app.kubernetes.io/name", "example.com/team"] {
            assert!(is_stable(k), "{k}");
        }
    }
}
