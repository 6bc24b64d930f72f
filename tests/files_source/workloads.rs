//! Workloads and owners: representative pods and owner chains.

use super::*;

#[test]
fn every_workload_kind_gives_one_representative_pod() {
    let l = load(&["workloads.yaml"]);
    assert_clean(&l);
    let s = &l.snapshot;
    let expect = [
        ("wl", "d", "Deployment"),
        ("wl", "s", "StatefulSet"),
        ("wl", "ds", "DaemonSet"),
        ("wl", "rs", "ReplicaSet"),
        ("wl", "rc", "ReplicationController"),
        ("wl", "job", "Job"),
        ("wl", "cron", "CronJob"),
        ("default", "nons", "Deployment"),
    ];
    assert_eq!(s.pods.len(), expect.len(), "{:?}", pod_names(s));
    for (ns, name, kind) in expect {
        let p = pod(s, ns, name);
        assert_eq!(p.owner, owner(kind, name), "{ns}/{name}");
        assert_eq!(
            p.labels.get("app").map(String::as_str),
            Some(name),
            "{ns}/{name} labels"
        );
        assert!(p.ips.is_empty());
    }
    assert!(pod(s, "wl", "ds").host_network);
    assert!(!pod(s, "wl", "d").host_network);
    assert_eq!(pod(s, "wl", "d").ports[0].name.as_deref(), Some("http"));
    assert_eq!(pod(s, "wl", "rc").ports[0].protocol, Protocol::Udp);
    assert_eq!(
        pod(s, "default", "nons").workload_name(),
        "default/nons[Deployment]"
    );
    // Namespaces nobody declared are created, with the name label.
    assert_eq!(
        s.namespaces,
        vec![
            Namespace::new("default", Labels::new()),
            Namespace::new("wl", Labels::new())
        ]
    );
    assert_eq!(namespace(s, "wl").labels, labels(&[(NS_NAME_LABEL, "wl")]));
}

#[test]
fn owner_chains_resolve_through_the_input() {
    let l = load(&["owners.yaml"]);
    assert_clean(&l);
    let s = &l.snapshot;
    // The real pod stands for Deployment web: no representative for web or
    // its ReplicaSet.
    assert_eq!(
        pod(s, "own", "web-5f7d9-aaaaa").owner,
        owner("Deployment", "web")
    );
    // ReplicaSet not in the input (and no Deployment `api`): kept as is.
    assert_eq!(
        pod(s, "own", "api-6c8b4-bbbbb").owner,
        owner("ReplicaSet", "api-6c8b4")
    );
    // Pod -> Job -> CronJob, all resolved; the CronJob gets no extra pod.
    assert_eq!(
        pod(s, "own", "nightly-28913460-ccccc").owner,
        owner("CronJob", "nightly")
    );
    // Mirror pod of a static pod: owned by a Node, which is no workload.
    assert_eq!(pod(s, "own", "etcd-node1").owner, None);
    // Succeeded and Failed pods are dropped.
    assert_eq!(
        pod_names(s),
        vec![
            "own/api-6c8b4-bbbbb",
            "own/etcd-node1",
            "own/nightly-28913460-ccccc",
            "own/web-5f7d9-aaaaa"
        ]
    );
}

#[test]
fn replicaset_owned_by_a_deployment_is_folded_into_it() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: n}
spec:
  template:
    metadata: {labels: {app: web}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-abc
  namespace: n
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u, controller: true}]
spec:
  template:
    metadata: {labels: {app: web, pod-template-hash: abc}}
---
# Owned by a Deployment that is not in the input: stands for that Deployment.
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-def
  namespace: n
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: u, controller: true}]
spec:
  template:
    metadata: {labels: {app: api}}
";
    let l = src(text);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(pod_names(s), vec!["n/api-def", "n/web"]);
    assert_eq!(pod(s, "n", "web").owner, owner("Deployment", "web"));
    assert_eq!(pod(s, "n", "web").labels, labels(&[("app", "web")]));
    assert_eq!(pod(s, "n", "api-def").owner, owner("Deployment", "api"));
}

#[test]
fn pods_of_a_deployment_whose_replicaset_is_missing_stand_for_it() {
    // `kubectl get deploy,pods -o yaml`: no ReplicaSet, but the RS name is
    // `<deployment>-<pod-template-hash>`.
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: n}
spec:
  template:
    metadata: {labels: {app: web}}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7c9d8-xyz12
  namespace: n
  labels: {app: web, pod-template-hash: 7c9d8}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7c9d8, uid: u, controller: true}]
";
    let l = src(text);
    assert_clean(&l);
    assert_eq!(pod_names(&l.snapshot), vec!["n/web-7c9d8-xyz12"]);
    assert_eq!(l.snapshot.pods[0].owner, owner("Deployment", "web"));
}

#[test]
fn representative_pod_never_replaces_a_real_pod_of_the_same_name() {
    let text = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: n, labels: {app: solo}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: n}
spec:
  template:
    metadata: {labels: {app: web}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: n}
spec:
  template:
    metadata: {labels: {app: web-sts}}
";
    let l = src(text);
    assert_clean(&l);
    let s = &l.snapshot;
    assert_eq!(s.pods.len(), 3, "{:?}", pod_names(s));
    assert_eq!(pod(s, "n", "web").owner, None);
    let mut owners: Vec<_> = s.pods.iter().map(|p| p.workload_name()).collect();
    owners.sort();
    assert_eq!(
        owners,
        vec!["n/web[Deployment]", "n/web[Pod]", "n/web[StatefulSet]"]
    );
}
