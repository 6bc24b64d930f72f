//! Pods as the live source reads them: only the fields the model uses are
//! decoded (issue #14). A listed pod is ~2.5 KB of JSON of which the model
//! needs a tenth; decoding all of it into `k8s_openapi` types (env, probes,
//! resources, volumes, managedFields, container statuses...) was most of the
//! client's time in a large initial sync. The rest is skipped by the JSON
//! parser without being built.
//!
//! [`LivePod`] holds a `k8s_openapi` `Pod` with only those fields filled, so
//! that the one conversion ([`crate::source::convert::pod_from_api`]) serves
//! both paths and cannot drift; the tests check that a pod converts the same
//! through either.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use serde::{Deserialize, Deserializer};

/// A pod decoded with only what [`crate::source::convert::pod_from_api`]
/// reads, plus the resourceVersion the watcher resumes from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LivePod(pub core::Pod);

impl k8s_openapi::Resource for LivePod {
    const API_VERSION: &'static str = <core::Pod as k8s_openapi::Resource>::API_VERSION;
    const GROUP: &'static str = <core::Pod as k8s_openapi::Resource>::GROUP;
    const KIND: &'static str = <core::Pod as k8s_openapi::Resource>::KIND;
    const VERSION: &'static str = <core::Pod as k8s_openapi::Resource>::VERSION;
    const URL_PATH_SEGMENT: &'static str = <core::Pod as k8s_openapi::Resource>::URL_PATH_SEGMENT;
    type Scope = <core::Pod as k8s_openapi::Resource>::Scope;
}

impl k8s_openapi::Metadata for LivePod {
    type Ty = meta::ObjectMeta;

    fn metadata(&self) -> &meta::ObjectMeta {
        &self.0.metadata
    }

    fn metadata_mut(&mut self) -> &mut meta::ObjectMeta {
        &mut self.0.metadata
    }
}

// Field names as in the API; absent or null fields are `None`, as in the
// k8s_openapi types; unknown fields are skipped.

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Pod {
    metadata: Meta,
    spec: Option<Spec>,
    status: Option<Status>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Meta {
    name: Option<String>,
    namespace: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    owner_references: Option<Vec<meta::OwnerReference>>,
    resource_version: Option<String>,
    uid: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Spec {
    containers: Option<Vec<Container>>,
    init_containers: Option<Vec<Container>>,
    host_network: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Container {
    name: Option<String>,
    ports: Option<Vec<core::ContainerPort>>,
    restart_policy: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Status {
    phase: Option<String>,
    #[serde(rename = "podIP")]
    pod_ip: Option<String>,
    #[serde(rename = "podIPs")]
    pod_ips: Option<Vec<core::PodIP>>,
}

impl Container {
    fn into_api(self) -> core::Container {
        core::Container {
            name: self.name.unwrap_or_default(),
            ports: self.ports,
            restart_policy: self.restart_policy,
            ..Default::default()
        }
    }
}

impl From<Pod> for core::Pod {
    fn from(p: Pod) -> core::Pod {
        let containers = |c: Option<Vec<Container>>| {
            c.map(|c| c.into_iter().map(Container::into_api).collect::<Vec<_>>())
        };
        core::Pod {
            metadata: meta::ObjectMeta {
                name: p.metadata.name,
                namespace: p.metadata.namespace,
                labels: p.metadata.labels,
                owner_references: p.metadata.owner_references,
                resource_version: p.metadata.resource_version,
                uid: p.metadata.uid,
                ..Default::default()
            },
            spec: p.spec.map(|s| core::PodSpec {
                containers: containers(s.containers).unwrap_or_default(),
                init_containers: containers(s.init_containers),
                host_network: s.host_network,
                ..Default::default()
            }),
            status: p.status.map(|s| core::PodStatus {
                phase: s.phase,
                pod_ip: s.pod_ip,
                pod_ips: s.pod_ips,
                ..Default::default()
            }),
        }
    }
}

impl<'de> Deserialize<'de> for LivePod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Pod::deserialize(d).map(|p| LivePod(p.into()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::source::convert::pod_from_api;
    use crate::source::live::{Converted, LiveResource};

    fn fixtures() -> Vec<Value> {
        let owner = |kind: &str, name: &str, controller: Option<bool>| {
            let mut o = json!({"apiVersion": "apps/v1", "kind": kind, "name": name,
                               "uid": "6a1e2f3c-0000-4000-8000-000000000001"});
            if let Some(c) = controller {
                o["controller"] = json!(c);
            }
            o
        };
        let rich = json!({"apiVersion": "v1", "kind": "Pod",
          "metadata": {"name": "web-1", "namespace": "shop", "resourceVersion": "42", "uid": "u-1",
            "generateName": "web-", "labels": {"app": "web", "tier": "front"},
            "annotations": {"a": "b"},
            "ownerReferences": [owner("Node", "n1", None), owner("ReplicaSet", "web-7d9", Some(true))],
            "managedFields": [{"manager": "kubelet", "operation": "Update", "fieldsType": "FieldsV1",
                               "fieldsV1": {"f:status": {"f:podIP": {}}}}]},
          "spec": {
            "containers": [
              {"name": "main", "image": "app:1", "ports": [
                 {"name": "http", "containerPort": 8080},
                 {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                 {"containerPort": 9000, "protocol": "SCTP", "hostPort": 9000, "hostIP": "0.0.0.0"},
                 {"name": "", "containerPort": 8081, "protocol": "TCP"},
                 {"name": "bad", "containerPort": 70000},
                 {"name": "weird", "containerPort": 81, "protocol": "ICMP"}],
               "env": [{"name": "A", "value": "1"}], "resources": {"limits": {"cpu": "1"}},
               "readinessProbe": {"httpGet": {"path": "/", "port": 8080}}},
              {"name": "side", "ports": [{"name": "http", "containerPort": 8080}]}],
            "initContainers": [
              {"name": "proxy", "restartPolicy": "Always", "ports": [{"name": "proxy", "containerPort": 15001}]},
              {"name": "setup", "ports": [{"name": "setup", "containerPort": 7000}]}],
            "nodeName": "n1", "volumes": [{"name": "v", "emptyDir": {}}]},
          "status": {"phase": "Running", "podIP": "10.0.0.9",
            "podIPs": [{"ip": "10.0.0.9"}, {"ip": "fd00::9"}, {"ip": "not-an-ip"}, {"ip": "10.0.0.9"}],
            "conditions": [{"type": "Ready", "status": "True"}]}});
        let mut host = rich.clone();
        host["metadata"]["name"] = json!("host-1");
        host["spec"]["hostNetwork"] = json!(true);
        let mut only_pod_ip = rich.clone();
        only_pod_ip["status"] = json!({"phase": "Pending", "podIP": "10.0.0.7"});
        let mut nulls = rich.clone();
        nulls["metadata"]["labels"] = Value::Null;
        nulls["metadata"]["ownerReferences"] = json!([
            owner("StatefulSet", "db", Some(false)),
            owner("Job", "j", None)
        ]);
        nulls["spec"]["initContainers"] = Value::Null;
        nulls["status"]["podIPs"] = Value::Null;
        let mut finished = Vec::new();
        for phase in ["Succeeded", "Failed", "Unknown"] {
            let mut p = rich.clone();
            p["status"]["phase"] = json!(phase);
            finished.push(p);
        }
        let bare = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"}});
        let nameless = json!({"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"namespace": "x"}, "spec": {"containers": []}});
        let no_status = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "n", "namespace": "x"},
                               "spec": {"containers": [{"name": "c"}]}});
        let mut all = vec![rich, host, only_pod_ip, nulls, bare, nameless, no_status];
        all.extend(finished);
        all
    }

    type Outcome = (
        String,
        Result<Option<crate::engine::model::Pod>, Vec<crate::source::convert::FieldError>>,
    );

    /// Key and model through the live source's path.
    fn converted(obj: LivePod) -> Outcome {
        let key = obj.api_key().to_string();
        let model = match obj.into_model() {
            Converted::Keep(m) => Ok(Some(m)),
            Converted::Absent => Ok(None),
            Converted::Invalid(e) => Err(e),
        };
        (key, model)
    }

    #[test]
    fn a_slim_pod_converts_as_the_full_one() {
        for v in fixtures() {
            let slim: LivePod = serde_json::from_value(v.clone()).expect("decodes");
            let full: core::Pod = serde_json::from_value(v.clone()).expect("decodes");
            // The same path from the slim and from the full decode.
            assert_eq!(
                converted(slim.clone()),
                converted(LivePod(full.clone())),
                "pod {v}"
            );
            // The conversion itself, warnings included (dropped ports, IPs).
            assert_eq!(pod_from_api(&slim.0), pod_from_api(&full), "pod {v}");
        }
        // The fixtures do exercise what they are for.
        let rich: LivePod = serde_json::from_value(fixtures()[0].clone()).expect("decodes");
        let (rich, warnings) = pod_from_api(&rich.0);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        let rich = rich.expect("valid").expect("kept");
        assert_eq!(rich.ips.len(), 2);
        assert!(
            rich.ports
                .iter()
                .any(|p| p.name.as_deref() == Some("proxy"))
        );
        assert_eq!(rich.owner.map(|o| o.kind).as_deref(), Some("ReplicaSet"));
    }

    #[test]
    fn a_slim_pod_keeps_what_the_watcher_resumes_from() {
        let p: LivePod = serde_json::from_value(fixtures()[0].clone()).expect("decodes");
        assert_eq!(p.0.metadata.resource_version.as_deref(), Some("42"));
        assert_eq!(p.0.metadata.uid.as_deref(), Some("u-1"));
        // What is not needed is not kept.
        assert!(p.0.metadata.managed_fields.is_none() && p.0.metadata.annotations.is_none());
    }

    #[test]
    fn a_malformed_field_the_model_reads_still_fails_to_decode() {
        let mut v = fixtures()[0].clone();
        v["spec"]["containers"][0]["ports"][0]["containerPort"] = json!("http");
        assert!(serde_json::from_value::<LivePod>(v.clone()).is_err());
        assert!(serde_json::from_value::<core::Pod>(v).is_err());
    }
}
