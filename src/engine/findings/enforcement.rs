//! Traffic no policy governs: hostNetwork pods, and clusters whose network
//! plugin does not enforce NetworkPolicy.

use super::{
    Finding, HOST_NETWORK_POD, LintOptions, NO_ENFORCING_CNI, SYSTEM_NAMESPACES, Severity, members,
    plural,
};
use crate::engine::index::Index;

pub(super) fn host_network_findings(idx: &Index, out: &mut Vec<Finding>) {
    for (c, class) in idx.classes() {
        if !class.host_network {
            continue;
        }
        for k in members(idx, c) {
            let system = SYSTEM_NAMESPACES.contains(&k.namespace.as_str());
            out.push(Finding {
                id: HOST_NETWORK_POD,
                severity: if system { Severity::Info } else { Severity::Low },
                namespace: Some(k.namespace.clone()),
                policy: None,
                pod: Some(k.name.clone()),
                message: format!("pod {k} runs with hostNetwork: true; NetworkPolicy does not govern it"),
                why: "its traffic uses the node's network: no policy can restrict or admit it (expected for CNI and kube-proxy pods)".to_string(),
                fix: None,
                pods: vec![k],
            });
        }
    }
}

pub(super) fn cni_findings(idx: &Index, o: &LintOptions, out: &mut Vec<Finding>) {
    if let Some(cni) = &o.cni
        && cni.enforcing.is_none()
        && idx.policies().next().is_some()
    {
        let others = if cni.others.is_empty() {
            "no network plugin was recognised".to_string()
        } else {
            format!("found {}", cni.others.join(", "))
        };
        out.push(Finding {
            id: NO_ENFORCING_CNI,
            // Unrecognised plugins (managed clusters) may still enforce.
            severity: if cni.known_not_enforcing { Severity::High } else { Severity::Medium },
            namespace: None,
            policy: None,
            pod: None,
            message: format!(
                "no policy-enforcing network plugin (Calico, Cilium, Antrea, kube-router, Weave Net, OVN-Kubernetes) runs in kube-system ({others}), yet {} exist",
                plural(idx.policies().count(), "NetworkPolicy", "NetworkPolicies")
            ),
            why: "the policies are accepted by the API server but nothing enforces them: all traffic flows".to_string(),
            fix: Some("install a CNI that enforces NetworkPolicy, or add one in policy-only mode (e.g. Calico or Cilium chained with flannel)".to_string()),
            pods: vec![],
        });
    }
}
