//! Read-only queries on the index.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use super::{Class, ClassId, Index};
use crate::engine::model::{
    Labels, NS_NAME_LABEL, Namespace, Owner, Pod, PodKey, Policy, PolicyKey, Service, ServiceKey,
    Snapshot,
};

impl Index {
    pub fn namespaces(&self) -> impl Iterator<Item = &Namespace> {
        self.namespaces.values()
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.get(name)
    }

    /// Namespaces that are known or that hold pods or policies, sorted.
    pub fn namespace_names(&self) -> Vec<String> {
        let mut s: BTreeSet<&str> = self.namespaces.keys().map(String::as_str).collect();
        s.extend(self.ns_classes.keys().map(String::as_str));
        s.extend(
            self.policies
                .iter()
                .filter(|(_, m)| !m.is_empty())
                .map(|(ns, _)| ns.as_str()),
        );
        s.into_iter().map(str::to_string).collect()
    }

    /// Whether [`Index::namespace_names`] lists `name`.
    pub fn lists_namespace(&self, name: &str) -> bool {
        self.namespaces.contains_key(name)
            || self.ns_classes.contains_key(name)
            || self.policies.get(name).is_some_and(|m| !m.is_empty())
    }

    /// A namespace's labels. A namespace that is referenced but unknown (not
    /// listed yet) carries the name label the API server sets on every one.
    pub fn ns_labels(&self, name: &str) -> std::borrow::Cow<'_, Labels> {
        match self.namespaces.get(name) {
            Some(ns) => std::borrow::Cow::Borrowed(&ns.labels),
            None => std::borrow::Cow::Owned(Labels::from([(
                NS_NAME_LABEL.to_string(),
                name.to_string(),
            )])),
        }
    }

    pub fn policies(&self) -> impl Iterator<Item = &Policy> {
        self.policies.values().flat_map(|m| m.values())
    }

    pub fn policy(&self, key: &PolicyKey) -> Option<&Policy> {
        self.policies.get(&key.namespace)?.get(&key.name)
    }

    pub fn policies_in<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = &'a Policy> + 'a {
        self.policies.get(ns).into_iter().flat_map(|m| m.values())
    }

    pub fn pod_count(&self) -> usize {
        self.pods.len()
    }

    pub fn pod_keys(&self) -> impl Iterator<Item = &PodKey> {
        self.pods.keys()
    }

    pub fn pods_in<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = &'a PodKey> + 'a {
        self.pods
            .range(PodKey::new(ns, "")..)
            .take_while(move |(k, _)| k.namespace == ns)
            .map(|(k, _)| k)
    }

    /// The pod as a model object (rebuilt from its class).
    pub fn pod(&self, key: &PodKey) -> Option<Pod> {
        let e = self.pods.get(key)?;
        let c = self.class(e.class);
        Some(Pod {
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            labels: c.labels.clone(),
            ports: c.ports.clone(),
            ips: e.ips.clone(),
            host_network: c.host_network,
            owner: e.owner.clone(),
        })
    }

    pub fn pod_class(&self, key: &PodKey) -> Option<ClassId> {
        self.pods.get(key).map(|e| e.class)
    }

    pub fn pod_owner(&self, key: &PodKey) -> Option<&Owner> {
        self.pods.get(key).and_then(|e| e.owner.as_ref())
    }

    pub fn pod_ips(&self, key: &PodKey) -> &[IpAddr] {
        self.pods
            .get(key)
            .map(|e| e.ips.as_slice())
            .unwrap_or_default()
    }

    /// `ns/name[Kind]`: the workload a pod stands for (itself if it has no owner).
    pub fn workload_of(&self, key: &PodKey) -> String {
        match self.pod_owner(key) {
            Some(o) => format!("{}/{}[{}]", key.namespace, o.name, o.kind),
            None => format!("{}/{}[Pod]", key.namespace, key.name),
        }
    }

    /// Pods whose IPs include `ip`.
    pub fn pods_with_ip(&self, ip: IpAddr) -> Vec<PodKey> {
        self.pods
            .iter()
            .filter(|(_, e)| e.ips.contains(&ip))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Panics only on an id that never came from this index.
    pub fn class(&self, id: ClassId) -> &Class {
        match self.classes.get(id.index()) {
            Some(Some(c)) => c.as_ref(),
            _ => panic!("class {id} is not live in this index"),
        }
    }

    pub fn classes(&self) -> impl Iterator<Item = (ClassId, &Class)> {
        self.classes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_deref().map(|c| (ClassId(i as u32), c)))
    }

    pub fn class_count(&self) -> usize {
        self.classes.len() - self.free.len()
    }

    /// One past the largest class id (for dense per-class tables).
    pub fn class_capacity(&self) -> usize {
        self.classes.len()
    }

    pub fn classes_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = ClassId> + 'a {
        self.ns_classes.get(ns).into_iter().flatten().copied()
    }

    pub fn ip_nets(&self) -> &[IpNet] {
        &self.ip_nets
    }

    /// The whole state, sorted: what a fresh list would return.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            namespaces: self.namespaces.values().cloned().collect(),
            pods: self.pods.keys().filter_map(|k| self.pod(k)).collect(),
            policies: self.policies().cloned().collect(),
            cluster_policies: self.cluster_policies().to_vec(),
            services: self.services.values().cloned().collect(),
        }
    }

    /// Services, sorted by namespace then name.
    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.services.values()
    }

    pub fn service(&self, key: &ServiceKey) -> Option<&Service> {
        self.services.get(key)
    }

    pub fn services_in<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = &'a Service> + 'a {
        self.services
            .range(ServiceKey::new(ns, "")..)
            .take_while(move |(k, _)| k.namespace == ns)
            .map(|(_, s)| s)
    }

    /// The pods a Service's selector matches in its namespace, sorted; empty
    /// when its backends are not known from a selector (see
    /// [`Service::backends_known`]). Finished pods are never in the index.
    pub fn service_backends(&self, svc: &Service) -> Vec<PodKey> {
        if !svc.backends_known() {
            return Vec::new();
        }
        self.classes_in(&svc.namespace)
            .map(|c| self.class(c))
            .filter(|c| svc.selects(&c.namespace, &c.labels))
            .flat_map(|c| c.members.iter().map(|m| PodKey::new(&c.namespace, m)))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The Services whose selector matches this pod.
    pub fn services_selecting<'a>(&'a self, key: &'a PodKey) -> Vec<&'a Service> {
        let Some(class) = self.pod_class(key) else {
            return Vec::new();
        };
        let labels = &self.class(class).labels;
        self.services_in(&key.namespace)
            .filter(|s| s.selects(&key.namespace, labels))
            .collect()
    }
}
