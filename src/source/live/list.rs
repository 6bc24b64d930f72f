//! One paged list of everything, for the non-interactive commands.

use std::time::SystemTime;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use kube::Client;
use kube::api::ListParams;

use super::config::resolve;
use super::errors::{Target, classify, is_forbidden, is_gone};
use super::health::{Health, KindHealth, SyncState};
use super::slim::LivePod;
use super::translate::{LiveResource, Translator};
use super::{LiveError, LiveOptions, LiveState, ResourceKind, detect_cni};
use crate::engine::model::{Labels, Namespace, Snapshot};

/// Objects per list request (client-go's default): bounds the API objects
/// held at once while a large list is converted.
pub const PAGE_SIZE: u32 = 500;

/// A list whose continue token expired (410) is started over, this often.
const MAX_RELISTS: usize = 3;

/// Lists one kind in one scope, page by page, into `tr` (call
/// [`Translator::finish`] afterwards).
pub(crate) async fn list_into<K: LiveResource>(
    client: &Client,
    namespace: Option<&str>,
    tr: &mut Translator<K>,
) -> Result<(), kube::Error> {
    let api = K::api(client.clone(), namespace);
    let mut relists = 0;
    'relist: loop {
        tr.begin();
        let mut token: Option<String> = None;
        loop {
            let mut lp = ListParams::default().limit(PAGE_SIZE);
            if let Some(t) = &token {
                lp = lp.continue_token(t);
            }
            match api.list(&lp).await {
                Ok(page) => {
                    token = page.metadata.continue_.filter(|c| !c.is_empty());
                    for obj in page.items {
                        tr.add(obj);
                    }
                    if token.is_none() {
                        return Ok(());
                    }
                }
                // The continue token outlived etcd's compaction: start over.
                Err(e) if is_gone(&e) && token.is_some() && relists < MAX_RELISTS => {
                    relists += 1;
                    continue 'relist;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// One kind, listed cluster-wide or, when that is forbidden and `-n` is
/// given, in that namespace.
struct Listed<K: LiveResource> {
    models: Vec<K::Model>,
    health: KindHealth,
}

async fn list_kind<K: LiveResource>(
    client: &Client,
    target: &Target,
    fallback: Option<&str>,
) -> Result<Listed<K>, LiveError> {
    let mut health = KindHealth::new(K::KIND);
    let mut tr = Translator::<K>::new(None);
    let mut scope = None;
    if let Err(e) = list_into(client, None, &mut tr).await {
        match fallback {
            Some(ns) if is_forbidden(&e) && K::KIND != ResourceKind::Namespaces => {
                tr = Translator::new(Some(ns.to_string()));
                list_into(client, Some(ns), &mut tr)
                    .await
                    .map_err(|e| classify(&e, target, K::KIND, "list", Some(ns)))?;
                health.notes.push(format!(
                    "not allowed to list {} in all namespaces: showing namespace \"{ns}\" only \
                     ({} elsewhere are unknown)",
                    K::KIND.qualified(),
                    K::KIND.plural()
                ));
                scope = Some(ns.to_string());
            }
            _ => return Err(classify(&e, target, K::KIND, "list", None)),
        }
    }
    let models = tr.finish();
    health.notes.extend(tr.notes());
    health.state = SyncState::Live;
    health.last_event = Some(SystemTime::now());
    health.objects = tr.count();
    health.scope = scope;
    Ok(Listed { models, health })
}

pub(crate) async fn list_once(opts: &LiveOptions) -> Result<LiveState, LiveError> {
    let resolved = resolve(opts).await?;
    let client = resolved.list_client()?;
    let target = &resolved.target;
    let focus = opts.namespace.as_deref();
    let (namespaces, pods, policies, services, tiers) = tokio::join!(
        list_kind::<core::Namespace>(&client, target, None),
        list_kind::<LivePod>(&client, target, focus),
        list_kind::<net::NetworkPolicy>(&client, target, focus),
        list_kind::<core::Service>(&client, target, focus),
        super::tiers::list_cluster_policies(&client),
    );
    let mut health = Health::new(target.server.clone(), target.context.clone());
    // Namespaces may be forbidden: go on with what -n names, uncertain.
    let namespaces = match namespaces {
        Ok(l) => {
            health.namespaces = l.health;
            l.models
        }
        Err(e @ LiveError::Forbidden { .. }) => {
            pods.as_ref().map_err(Clone::clone)?;
            policies.as_ref().map_err(Clone::clone)?;
            health.namespaces.state = SyncState::Forbidden {
                message: e.to_string(),
            };
            health.namespaces_uncertain = true;
            let known: Vec<Namespace> = focus
                .map(|n| Namespace::new(n, Labels::new()))
                .into_iter()
                .collect();
            health.namespaces.objects = known.len();
            known
        }
        Err(e) => return Err(e),
    };
    let pods = pods?;
    let policies = policies?;
    health.pods = pods.health;
    health.policies = policies.health;
    // Services only name groups of pods: without them (an older RBAC role)
    // every verdict still holds, so a refusal is a note, not a failure.
    let services = match services {
        Ok(l) => {
            health.services = l.health;
            l.models
        }
        Err(e @ LiveError::Forbidden { .. }) => {
            health.services.state = SyncState::Forbidden {
                message: e.to_string(),
            };
            Vec::new()
        }
        Err(e) => return Err(e),
    };

    health.tiers = Some(tiers.status());
    let mut snapshot = Snapshot {
        namespaces,
        pods: pods.models,
        policies: policies.models,
        cluster_policies: tiers.policies,
        services,
    };
    snapshot.namespaces.sort_by(|a, b| a.name.cmp(&b.name));
    snapshot
        .pods
        .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    snapshot
        .policies
        .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let cni = detect_cni(&snapshot.pods);
    let mut notes = health.notes();
    notes.extend(tiers.notes);
    Ok(LiveState {
        snapshot,
        health,
        cni,
        notes,
    })
}
