//! Which network plugin runs the cluster, guessed from its agent pods
//! (DaemonSet owner names and well-known labels), and whether it enforces
//! NetworkPolicy at all: with flannel alone, every policy is ignored.

use std::collections::BTreeMap;
use std::fmt;

use crate::engine::model::Pod;

/// Does the plugin enforce NetworkPolicy?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Enforcement {
    Enforces,
    DoesNotEnforce,
    /// Depends on how the plugin is configured or on its version.
    Depends,
}

/// One recognised plugin, with the pod that gave it away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CniPlugin {
    /// e.g. "Calico", "Cilium", "flannel".
    pub name: &'static str,
    pub enforcement: Enforcement,
    /// Why: `kube-system/cilium-x7k2p (DaemonSet cilium)`.
    pub evidence: String,
    /// What "depends" depends on, or other advice.
    pub remark: Option<&'static str>,
}

/// What [`detect_cni`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CniDetection {
    /// Recognised plugins, enforcing ones first.
    pub plugins: Vec<CniPlugin>,
}

impl CniDetection {
    /// `Some(true)`: some plugin enforces NetworkPolicy; `Some(false)`: only
    /// plugins that do not were found; `None`: unknown.
    pub fn enforcing(&self) -> Option<bool> {
        if self
            .plugins
            .iter()
            .any(|p| p.enforcement == Enforcement::Enforces)
        {
            Some(true)
        } else if !self.plugins.is_empty()
            && self
                .plugins
                .iter()
                .all(|p| p.enforcement == Enforcement::DoesNotEnforce)
        {
            Some(false)
        } else {
            None
        }
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.plugins.iter().map(|p| p.name).collect()
    }
}

impl fmt::Display for CniDetection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.plugins.is_empty() {
            return f.write_str(
                "network plugin not recognised (managed clusters may hide it): \
                 NetworkPolicy enforcement unknown",
            );
        }
        let names = self.names().join(" + ");
        match self.enforcing() {
            Some(true) => write!(f, "network plugin: {names} (enforces NetworkPolicy)"),
            Some(false) => write!(
                f,
                "network plugin: {names}, which does NOT enforce NetworkPolicy: \
                 policies are accepted by the API server but have no effect"
            ),
            None => {
                let remark = self
                    .plugins
                    .iter()
                    .find_map(|p| p.remark)
                    .unwrap_or("depends on its configuration");
                write!(
                    f,
                    "network plugin: {names}; NetworkPolicy enforcement {remark}"
                )
            }
        }
    }
}

struct Signature {
    name: &'static str,
    enforcement: Enforcement,
    /// DaemonSet (or Deployment) names of the agent.
    owners: &'static [&'static str],
    /// Label key/value pairs of the agent pods.
    labels: &'static [(&'static str, &'static str)],
    remark: Option<&'static str>,
}

const SIGNATURES: &[Signature] = &[
    Signature {
        name: "Calico",
        enforcement: Enforcement::Enforces,
        owners: &["calico-node"],
        labels: &[("k8s-app", "calico-node")],
        remark: None,
    },
    Signature {
        name: "Canal (Calico policy + flannel)",
        enforcement: Enforcement::Enforces,
        owners: &["canal"],
        labels: &[("k8s-app", "canal")],
        remark: None,
    },
    Signature {
        name: "Cilium",
        enforcement: Enforcement::Enforces,
        owners: &["cilium", "anetd"],
        labels: &[
            ("k8s-app", "cilium"),
            ("app.kubernetes.io/name", "cilium-agent"),
        ],
        remark: None,
    },
    Signature {
        name: "Antrea",
        enforcement: Enforcement::Enforces,
        owners: &["antrea-agent"],
        labels: &[("component", "antrea-agent")],
        remark: None,
    },
    Signature {
        name: "kube-router",
        enforcement: Enforcement::Enforces,
        owners: &["kube-router"],
        labels: &[("k8s-app", "kube-router")],
        remark: None,
    },
    Signature {
        name: "Weave Net",
        enforcement: Enforcement::Enforces,
        owners: &["weave-net"],
        labels: &[("name", "weave-net")],
        remark: None,
    },
    Signature {
        name: "OVN-Kubernetes",
        enforcement: Enforcement::Enforces,
        owners: &["ovnkube-node"],
        labels: &[("app", "ovnkube-node")],
        remark: None,
    },
    Signature {
        name: "Kube-OVN",
        enforcement: Enforcement::Enforces,
        owners: &["kube-ovn-cni"],
        labels: &[("app", "kube-ovn-cni")],
        remark: None,
    },
    Signature {
        name: "kube-network-policies",
        enforcement: Enforcement::Enforces,
        owners: &["kube-network-policies"],
        labels: &[("app", "kube-network-policies")],
        remark: None,
    },
    Signature {
        name: "Azure NPM",
        enforcement: Enforcement::Enforces,
        owners: &["azure-npm", "azure-npm-win"],
        labels: &[("k8s-app", "azure-npm")],
        remark: None,
    },
    Signature {
        name: "flannel",
        enforcement: Enforcement::DoesNotEnforce,
        owners: &["kube-flannel-ds", "kube-flannel", "flannel"],
        labels: &[("app", "flannel")],
        remark: None,
    },
    Signature {
        name: "kindnet",
        enforcement: Enforcement::Depends,
        owners: &["kindnet"],
        labels: &[("app", "kindnet")],
        remark: Some("depends on the version: kindnet enforces it since kind v0.24"),
    },
    Signature {
        name: "AWS VPC CNI",
        enforcement: Enforcement::Depends,
        owners: &["aws-node"],
        labels: &[("k8s-app", "aws-node")],
        remark: Some("depends on the network policy agent being enabled (ENABLE_NETWORK_POLICY)"),
    },
];

/// Namespaces where network plugins run their agents.
const CNI_NAMESPACES: &[&str] = &[
    "kube-system",
    "calico-system",
    "kube-flannel",
    "cilium",
    "ovn-kubernetes",
    "openshift-ovn-kubernetes",
    "tigera-operator",
];

impl CniDetection {
    /// What the `no-enforcing-cni` finding needs to know.
    pub fn lint_info(&self) -> crate::engine::findings::CniInfo {
        crate::engine::findings::CniInfo {
            enforcing: self
                .plugins
                .iter()
                .find(|p| p.enforcement == Enforcement::Enforces)
                .map(|p| p.name.to_string()),
            others: self
                .plugins
                .iter()
                .filter(|p| p.enforcement != Enforcement::Enforces)
                .map(|p| p.name.to_string())
                .collect(),
            known_not_enforcing: self.enforcing() == Some(false),
        }
    }
}

/// [`detect_cni`] on the pods an index holds (the TUI's live state). None
/// when no kube-system pod is known (e.g. namespace-scoped access): absence
/// of evidence is not evidence of a missing plugin.
pub fn detect_cni_in(idx: &crate::engine::index::Index) -> Option<CniDetection> {
    idx.pods_in("kube-system").next()?;
    let pods: Vec<Pod> = CNI_NAMESPACES
        .iter()
        .flat_map(|ns| {
            idx.pods_in(ns)
                .filter_map(|k| idx.pod(k))
                .collect::<Vec<_>>()
        })
        .collect();
    Some(detect_cni(&pods))
}

/// Recognises the network plugin(s) from their agent pods. Looks at the
/// pods of `kube-system` and the plugins' own namespaces (`calico-system`,
/// `kube-flannel`, ...): their owner (DaemonSet name) and labels.
pub fn detect_cni(pods: &[Pod]) -> CniDetection {
    let mut found: BTreeMap<&'static str, CniPlugin> = BTreeMap::new();
    for pod in pods
        .iter()
        .filter(|p| CNI_NAMESPACES.contains(&p.namespace.as_str()))
    {
        for sig in SIGNATURES {
            if found.contains_key(sig.name) {
                continue;
            }
            let by_owner = pod
                .owner
                .as_ref()
                .filter(|o| o.kind == "DaemonSet" && sig.owners.contains(&o.name.as_str()));
            let by_label = sig
                .labels
                .iter()
                .find(|(k, v)| pod.labels.get(*k).is_some_and(|x| x == v));
            let evidence = match (by_owner, by_label) {
                (Some(o), _) => format!("{}/{} (DaemonSet {})", pod.namespace, pod.name, o.name),
                (None, Some((k, v))) => format!("{}/{} (label {k}={v})", pod.namespace, pod.name),
                (None, None) => continue,
            };
            found.insert(
                sig.name,
                CniPlugin {
                    name: sig.name,
                    enforcement: sig.enforcement,
                    evidence,
                    remark: sig.remark,
                },
            );
        }
    }
    // Canal is Calico and flannel in one pod: report it once.
    if found.contains_key("Canal (Calico policy + flannel)") {
        found.remove("Calico");
        found.remove("flannel");
    }
    let mut plugins: Vec<CniPlugin> = found.into_values().collect();
    plugins.sort_by(|a, b| a.enforcement.cmp(&b.enforcement).then(a.name.cmp(b.name)));
    CniDetection { plugins }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{Labels, Owner};

    fn pod(ns: &str, name: &str, labels: &[(&str, &str)], ds: Option<&str>) -> Pod {
        Pod {
            namespace: ns.into(),
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Labels>(),
            ports: vec![],
            ips: vec![],
            host_network: true,
            owner: ds.map(|d| Owner {
                kind: "DaemonSet".into(),
                name: d.into(),
            }),
        }
    }

    #[test]
    fn recognises_plugins() {
        let d = detect_cni(&[pod(
            "kube-system",
            "cilium-abcde",
            &[("k8s-app", "cilium")],
            Some("cilium"),
        )]);
        assert_eq!(d.names(), ["Cilium"]);
        assert_eq!(d.enforcing(), Some(true));

        let d = detect_cni(&[pod(
            "kube-flannel",
            "kube-flannel-ds-x",
            &[("app", "flannel")],
            Some("kube-flannel-ds"),
        )]);
        assert_eq!(d.enforcing(), Some(false));
        assert!(d.to_string().contains("does NOT enforce"));

        let d = detect_cni(&[pod(
            "calico-system",
            "calico-node-1",
            &[("k8s-app", "calico-node")],
            None,
        )]);
        assert_eq!(d.names(), ["Calico"]);

        // Workloads elsewhere that happen to carry the label do not count.
        let d = detect_cni(&[pod("default", "x", &[("k8s-app", "cilium")], None)]);
        assert!(d.plugins.is_empty());
        assert_eq!(d.enforcing(), None);

        // flannel with an enforcing plugin: enforcing wins.
        let d = detect_cni(&[
            pod(
                "kube-system",
                "kube-flannel-ds-x",
                &[],
                Some("kube-flannel-ds"),
            ),
            pod("kube-system", "kube-router-y", &[], Some("kube-router")),
        ]);
        assert_eq!(d.names(), ["kube-router", "flannel"]);
        assert_eq!(d.enforcing(), Some(true));

        let d = detect_cni(&[pod(
            "kube-system",
            "canal-1",
            &[("k8s-app", "canal")],
            Some("canal"),
        )]);
        assert_eq!(d.enforcing(), Some(true));
        assert_eq!(d.plugins.len(), 1);
    }
}
