//! Which kinds are read, which are someone else's, and which change
//! connectivity without being evaluated (a warning).

use super::workloads::WorkloadKind;

pub(super) enum Class {
    Namespace,
    Pod,
    Policy,
    /// ClusterNetworkPolicy / AdminNetworkPolicy / BaselineAdminNetworkPolicy.
    ClusterPolicy(crate::engine::tiers::ClusterKind),
    Service,
    Workload(WorkloadKind),
    /// A Kubernetes kind under an API group that does not serve it (a typo).
    WrongGroup(&'static str),
    /// Changes connectivity, but the tool does not model it: warn.
    NotEvaluated(String),
    Ignore,
}

/// Groups of Kubernetes itself: a known kind under one of these but not the
/// right one is a mistake, while under a third-party group it is someone
/// else's resource that happens to share the name.
fn is_kubernetes_group(group: &str) -> bool {
    !group.contains('.') || group.ends_with(".k8s.io")
}

pub(super) fn classify(group: &str, kind: &str) -> Class {
    let expect = |groups: &'static [&'static str], class: Class, expected: &'static str| {
        if groups.contains(&group) {
            class
        } else if is_kubernetes_group(group) {
            Class::WrongGroup(expected)
        } else {
            Class::Ignore
        }
    };
    match kind {
        "Namespace" => return expect(&[""], Class::Namespace, "v1"),
        "Pod" => return expect(&[""], Class::Pod, "v1"),
        "Service" => return expect(&[""], Class::Service, "v1"),
        "NetworkPolicy" => {
            if matches!(group, "networking.k8s.io" | "extensions") {
                return Class::Policy;
            }
            if is_kubernetes_group(group) {
                return Class::WrongGroup("networking.k8s.io/v1");
            }
            return Class::NotEvaluated(format!(
                "NetworkPolicy of {group} is not evaluated: CNI-specific policies may allow or deny traffic that the results here do not show"
            ));
        }
        "ClusterNetworkPolicy" | "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy" => {
            use crate::engine::tiers::ClusterKind;
            let (kind, version) = match kind {
                "ClusterNetworkPolicy" => (ClusterKind::Cnp, "policy.networking.k8s.io/v1alpha2"),
                "AdminNetworkPolicy" => (ClusterKind::Anp, "policy.networking.k8s.io/v1alpha1"),
                _ => (ClusterKind::Banp, "policy.networking.k8s.io/v1alpha1"),
            };
            return expect(
                &["policy.networking.k8s.io"],
                Class::ClusterPolicy(kind),
                version,
            );
        }
        _ => {}
    }
    if let Some(wk) = WorkloadKind::parse(kind) {
        let expected = match wk {
            WorkloadKind::ReplicationController => "v1",
            WorkloadKind::Job | WorkloadKind::CronJob => "batch/v1",
            _ => "apps/v1",
        };
        return expect(wk.groups(), Class::Workload(wk), expected);
    }
    let why = match kind {
        "MultiNetworkPolicy" | "NetworkAttachmentDefinition" => {
            "only the default pod network is analysed, not secondary networks"
        }
        "UserDefinedNetwork" | "ClusterUserDefinedNetwork" => {
            "user-defined networks isolate their pods from the default network, so results for those pods may be wrong"
        }
        "GlobalNetworkPolicy"
        | "StagedNetworkPolicy"
        | "StagedGlobalNetworkPolicy"
        | "StagedKubernetesNetworkPolicy"
        | "CiliumNetworkPolicy"
        | "CiliumClusterwideNetworkPolicy"
        | "EgressFirewall"
        | "EgressNetworkPolicy" => {
            "CNI-specific policies may allow or deny traffic that the results here do not show"
        }
        "VirtualMachine" | "VirtualMachineInstance" => {
            "KubeVirt virtual machines are not modeled as pods; it is left out"
        }
        _ => return Class::Ignore,
    };
    Class::NotEvaluated(format!("{kind} is not evaluated: {why}"))
}
