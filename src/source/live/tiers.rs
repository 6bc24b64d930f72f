//! Cluster-scoped policy tiers in live mode (one list, for the
//! non-interactive commands): ClusterNetworkPolicy, AdminNetworkPolicy and
//! BaselineAdminNetworkPolicy are CRDs, so a cluster without them is
//! normal: 404 means "not installed", not an error.

use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};

use super::errors::{api_status, is_forbidden};
use super::health::TierHealth;
use crate::engine::tiers::{ClusterKind, ClusterPolicy};
use crate::source::convert::cluster_policy_from_value;

const GROUP: &str = "policy.networking.k8s.io";

/// (kind, version, plural) of the three kinds.
pub(super) const KINDS: [(ClusterKind, &str, &str); 3] = [
    (ClusterKind::Cnp, "v1alpha2", "clusternetworkpolicies"),
    (ClusterKind::Anp, "v1alpha1", "adminnetworkpolicies"),
    (
        ClusterKind::Banp,
        "v1alpha1",
        "baselineadminnetworkpolicies",
    ),
];

/// What one list of the three kinds found.
#[derive(Debug, Default)]
pub(crate) struct TierList {
    pub policies: Vec<ClusterPolicy>,
    /// For the user: kinds not readable, objects refused. A kind whose
    /// CRD is not installed (404) is no news.
    pub notes: Vec<String>,
    /// The kinds whose answer is known (listed, or not installed: none).
    pub known: Vec<ClusterKind>,
    /// Kinds that answered a list / 404 / 403.
    listed: usize,
    missing: usize,
    forbidden: usize,
    failed: Option<String>,
}

impl TierList {
    /// The status for the user: "not installed" only when none of the
    /// three kinds exists.
    pub fn status(&self) -> TierHealth {
        if self.listed > 0 {
            TierHealth::Listed(self.policies.len())
        } else if self.forbidden > 0 {
            TierHealth::Forbidden
        } else if let Some(e) = &self.failed {
            TierHealth::Failed(e.clone())
        } else {
            debug_assert_eq!(self.missing, KINDS.len());
            TierHealth::NotInstalled
        }
    }
}

/// The cluster-wide API of one of the three kinds.
pub(super) fn api(
    client: &Client,
    kind: ClusterKind,
    version: &str,
    plural: &str,
) -> Api<DynamicObject> {
    let ar = ApiResource {
        group: GROUP.to_string(),
        version: version.to_string(),
        api_version: format!("{GROUP}/{version}"),
        kind: kind.kind().to_string(),
        plural: plural.to_string(),
    };
    Api::all_with(client.clone(), &ar)
}

/// One object as a policy, or the note saying why it was skipped.
pub(super) fn convert(kind: ClusterKind, obj: &DynamicObject) -> Result<ClusterPolicy, String> {
    let name = obj.metadata.name.clone().unwrap_or_default();
    // The version asked for: list items may leave out apiVersion and kind.
    let version = KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("", |(_, v, _)| v);
    let api_version = format!("{GROUP}/{version}");
    let mut v =
        serde_json::to_value(obj).map_err(|e| format!("{} {name} skipped: {e}", kind.kind()))?;
    if let Some(m) = v.as_object_mut() {
        m.insert("apiVersion".into(), api_version.clone().into());
        m.insert("kind".into(), kind.kind().into());
    }
    cluster_policy_from_value(kind, &api_version, &v)
        .0
        .map_err(|errs| {
            let why: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
            format!(
                "{} {name} skipped (invalid): {}",
                kind.kind(),
                why.join("; ")
            )
        })
}

pub(crate) async fn list_cluster_policies(client: &Client) -> TierList {
    let mut out = TierList::default();
    for (kind, version, plural) in KINDS {
        let api = api(client, kind, version, plural);
        match api.list(&ListParams::default()).await {
            Ok(list) => {
                out.known.push(kind);
                out.listed += 1;
                for obj in list.items {
                    match convert(kind, &obj) {
                        Ok(p) => out.policies.push(p),
                        Err(note) => out.notes.push(note),
                    }
                }
            }
            Err(e) if api_status(&e).is_some_and(|s| s.code == 404) => {
                out.known.push(kind);
                out.missing += 1;
            }
            Err(e) if is_forbidden(&e) => {
                out.forbidden += 1;
                out.notes.push(format!(
                "{plural}.{GROUP} is forbidden: verdicts leave out {} objects (see assets/rbac.yaml)",
                kind.kind()
            ));
            }
            Err(e) => {
                out.failed = Some(e.to_string());
                out.notes.push(format!(
                    "could not list {plural}.{GROUP}: {e}; verdicts leave them out"
                ));
            }
        }
    }
    out
}
