//! From watcher events on API objects to engine events: pure, no I/O.
//!
//! Each API object is converted to the engine model (see
//! [`crate::source::convert`]) the moment it arrives and then dropped, so a
//! list of 150k pods is never held twice: only one page of API objects (what
//! the watcher buffers) plus the model objects collected so far. A (re)list
//! (`Init`, `InitApply`..., `InitDone`) becomes one `Replace*` event, so a
//! view never shows a half list and objects gone while the watch was down
//! vanish.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Debug;
use std::hash::{Hash, Hasher};

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use kube::runtime::watcher;
use kube::{Api, Client};
use serde::de::DeserializeOwned;

use super::ResourceKind;
use super::slim::LivePod;
use crate::engine::model::{Event, Namespace, Pod, PodKey, Policy, PolicyKey, Service, ServiceKey};
use crate::source::convert::{
    FieldError, namespace_from_api, pod_from_api, pod_from_api_owned, policy_from_api,
    service_from_api,
};

/// What happened to one API object on conversion.
pub enum Converted<M> {
    /// Goes into the index.
    Keep(M),
    /// Does not take part in networking (a finished pod): not in the index.
    Absent,
    /// The API server would refuse it: skipped, with the reasons.
    Invalid(Vec<FieldError>),
}

/// A conversion's answer: `Ok(None)` is an object that takes no part.
impl<M> From<Result<Option<M>, Vec<FieldError>>> for Converted<M> {
    fn from(r: Result<Option<M>, Vec<FieldError>>) -> Self {
        match r {
            Ok(Some(m)) => Converted::Keep(m),
            Ok(None) => Converted::Absent,
            Err(e) => Converted::Invalid(e),
        }
    }
}

/// The kinds the live source follows.
pub trait LiveResource:
    kube::Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static
{
    type Model: Send + 'static;
    const KIND: ResourceKind;

    /// The API for all namespaces (`None`) or one.
    fn api(client: Client, namespace: Option<&str>) -> Api<Self>;
    /// `namespace/name` (namespace empty for namespaces).
    fn api_key(&self) -> PodKey {
        key_of(self.meta(), Self::KIND == ResourceKind::Namespaces)
    }
    fn convert(&self) -> Converted<Self::Model>;
    /// [`Self::convert`] for an object not needed afterwards: what can move
    /// into the model (labels) moves instead of being copied.
    fn into_model(self) -> Converted<Self::Model> {
        self.convert()
    }
    fn upsert(model: Self::Model) -> Event;
    fn delete(key: PodKey) -> Event;
    fn replace(scope: Option<String>, models: Vec<Self::Model>) -> Event;
}

/// The API of a namespaced kind: all namespaces (`None`) or one.
fn namespaced_api<K>(client: Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    }
}

fn key_of(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    cluster_scoped: bool,
) -> PodKey {
    let ns = if cluster_scoped {
        ""
    } else {
        meta.namespace
            .as_deref()
            .unwrap_or(crate::source::convert::DEFAULT_NAMESPACE)
    };
    PodKey::new(ns, meta.name.as_deref().unwrap_or_default())
}

impl LiveResource for core::Namespace {
    type Model = Namespace;
    const KIND: ResourceKind = ResourceKind::Namespaces;

    fn api(client: Client, _namespace: Option<&str>) -> Api<Self> {
        Api::all(client)
    }
    fn convert(&self) -> Converted<Namespace> {
        namespace_from_api(self).map(Some).into()
    }
    fn upsert(model: Namespace) -> Event {
        Event::UpsertNamespace(model)
    }
    fn delete(key: PodKey) -> Event {
        Event::DeleteNamespace(key.name)
    }
    fn replace(_scope: Option<String>, models: Vec<Namespace>) -> Event {
        Event::ReplaceNamespaces(models)
    }
}

/// Pods as the live source reads them: only the fields the model uses.
impl LiveResource for LivePod {
    type Model = Pod;
    const KIND: ResourceKind = ResourceKind::Pods;

    fn api(client: Client, namespace: Option<&str>) -> Api<Self> {
        namespaced_api(client, namespace)
    }
    fn convert(&self) -> Converted<Pod> {
        // Invalid container ports are dropped by the conversion; the pod stays.
        pod_from_api(&self.0).0.into()
    }
    fn into_model(self) -> Converted<Pod> {
        pod_from_api_owned(self.0).0.into()
    }
    fn upsert(model: Pod) -> Event {
        Event::UpsertPod(model)
    }
    fn delete(key: PodKey) -> Event {
        Event::DeletePod(key)
    }
    fn replace(namespace: Option<String>, pods: Vec<Pod>) -> Event {
        Event::ReplacePods { namespace, pods }
    }
}

impl LiveResource for net::NetworkPolicy {
    type Model = Policy;
    const KIND: ResourceKind = ResourceKind::NetworkPolicies;

    fn api(client: Client, namespace: Option<&str>) -> Api<Self> {
        namespaced_api(client, namespace)
    }
    fn convert(&self) -> Converted<Policy> {
        policy_from_api(self).map(Some).into()
    }
    fn upsert(model: Policy) -> Event {
        Event::UpsertPolicy(model)
    }
    fn delete(key: PodKey) -> Event {
        // The watch keys every kind alike; the model keeps policy keys apart.
        Event::DeletePolicy(PolicyKey {
            namespace: key.namespace,
            name: key.name,
        })
    }
    fn replace(namespace: Option<String>, policies: Vec<Policy>) -> Event {
        Event::ReplacePolicies {
            namespace,
            policies,
        }
    }
}

impl LiveResource for core::Service {
    type Model = Service;
    const KIND: ResourceKind = ResourceKind::Services;

    fn api(client: Client, namespace: Option<&str>) -> Api<Self> {
        namespaced_api(client, namespace)
    }
    fn convert(&self) -> Converted<Service> {
        service_from_api(self).map(Some).into()
    }
    fn upsert(model: Service) -> Event {
        Event::UpsertService(model)
    }
    fn delete(key: PodKey) -> Event {
        Event::DeleteService(ServiceKey {
            namespace: key.namespace,
            name: key.name,
        })
    }
    fn replace(namespace: Option<String>, services: Vec<Service>) -> Event {
        Event::ReplaceServices {
            namespace,
            services,
        }
    }
}

fn hash_key(k: &PodKey) -> u64 {
    let mut h = DefaultHasher::new();
    k.hash(&mut h);
    h.finish()
}

/// Turns the watcher events of one kind (in one scope) into engine events,
/// and keeps what the health view needs: object count and skipped objects.
pub struct Translator<K: LiveResource> {
    scope: Option<String>,
    /// The (re)list in progress.
    list: Option<Vec<K::Model>>,
    list_keys: HashSet<u64>,
    list_invalid: BTreeMap<PodKey, String>,
    /// Hashes of the keys in the index (a count without holding 150k names).
    keys: HashSet<u64>,
    invalid: BTreeMap<PodKey, String>,
}

impl<K: LiveResource> Translator<K> {
    /// `scope`: the namespace watched, `None` for all namespaces.
    pub fn new(scope: Option<String>) -> Self {
        Translator {
            scope,
            list: None,
            list_keys: HashSet::new(),
            list_invalid: BTreeMap::new(),
            keys: HashSet::new(),
            invalid: BTreeMap::new(),
        }
    }

    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// Objects of this kind in the index.
    pub fn count(&self) -> usize {
        self.keys.len()
    }

    /// Objects received so far by the list in progress, if one is.
    pub fn listing(&self) -> Option<usize> {
        self.list
            .as_ref()
            .map(|l| l.len() + self.list_invalid.len())
    }

    /// Objects skipped because they are invalid: key and reasons.
    pub fn invalid(&self) -> &BTreeMap<PodKey, String> {
        &self.invalid
    }

    /// Notes for the user about skipped objects.
    pub fn notes(&self) -> Vec<String> {
        self.invalid
            .iter()
            .map(|(k, why)| format!("skipped invalid {} {k}: {why}", K::KIND.singular()))
            .collect()
    }

    /// Starts a (re)list.
    pub fn begin(&mut self) {
        self.list = Some(Vec::new());
        self.list_keys.clear();
        self.list_invalid.clear();
    }

    /// One object of the list in progress.
    pub fn add(&mut self, obj: K) {
        let key = obj.api_key();
        let list = self.list.get_or_insert_with(Vec::new);
        match obj.into_model() {
            Converted::Keep(m) => {
                self.list_keys.insert(hash_key(&key));
                list.push(m);
            }
            Converted::Absent => {}
            Converted::Invalid(errs) => {
                self.list_invalid.insert(key, describe(&errs));
            }
        }
    }

    /// Ends the list: everything it returned, replacing the previous state.
    pub fn finish(&mut self) -> Vec<K::Model> {
        self.keys = std::mem::take(&mut self.list_keys);
        self.invalid = std::mem::take(&mut self.list_invalid);
        self.list.take().unwrap_or_default()
    }

    /// Applies one watcher event; engine events go to `out`.
    pub fn handle(&mut self, ev: watcher::Event<K>, out: &mut Vec<Event>) {
        match ev {
            watcher::Event::Init => self.begin(),
            watcher::Event::InitApply(obj) => self.add(obj),
            watcher::Event::InitDone => {
                let models = self.finish();
                out.push(K::replace(self.scope.clone(), models));
            }
            watcher::Event::Apply(obj) => {
                let key = obj.api_key();
                match obj.into_model() {
                    Converted::Keep(m) => {
                        self.keys.insert(hash_key(&key));
                        self.invalid.remove(&key);
                        out.push(K::upsert(m));
                    }
                    Converted::Absent => {
                        self.keys.remove(&hash_key(&key));
                        self.invalid.remove(&key);
                        out.push(K::delete(key));
                    }
                    Converted::Invalid(errs) => {
                        // It may have been valid before: it no longer counts.
                        self.keys.remove(&hash_key(&key));
                        self.invalid.insert(key.clone(), describe(&errs));
                        out.push(K::delete(key));
                    }
                }
            }
            watcher::Event::Delete(obj) => {
                let key = obj.api_key();
                self.keys.remove(&hash_key(&key));
                self.invalid.remove(&key);
                out.push(K::delete(key));
            }
        }
    }
}

fn describe(errs: &[FieldError]) -> String {
    errs.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
