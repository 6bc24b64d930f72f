//! Keeping only what the analysis reads before decoding, so that a wrong
//! type elsewhere (say in `resources`) does not cost the object.

use serde_json::{Map, Value};

/// Which parts of an object to keep before decoding it.
pub(super) enum Keep {
    All,
    Fields(&'static [(&'static str, Keep)]),
    Each(&'static Keep),
}

pub(super) const META: Keep = Keep::Fields(&[
    ("name", Keep::All),
    ("namespace", Keep::All),
    ("labels", Keep::All),
    ("ownerReferences", Keep::All),
]);
const CONTAINER: Keep = Keep::Fields(&[
    ("name", Keep::All),
    ("ports", Keep::All),
    ("restartPolicy", Keep::All),
]);
const POD_SPEC: Keep = Keep::Fields(&[
    ("hostNetwork", Keep::All),
    ("containers", Keep::Each(&CONTAINER)),
    ("initContainers", Keep::Each(&CONTAINER)),
]);
pub(super) const NAMESPACE: Keep = Keep::Fields(&[("metadata", META)]);
pub(super) const POD: Keep = Keep::Fields(&[
    ("metadata", META),
    ("spec", POD_SPEC),
    (
        "status",
        Keep::Fields(&[
            ("phase", Keep::All),
            ("podIP", Keep::All),
            ("podIPs", Keep::All),
        ]),
    ),
]);
pub(super) const TEMPLATE: Keep = Keep::Fields(&[
    ("metadata", Keep::Fields(&[("labels", Keep::All)])),
    ("spec", POD_SPEC),
]);
pub(super) const SERVICE: Keep = Keep::Fields(&[
    ("metadata", META),
    (
        "spec",
        Keep::Fields(&[
            ("type", Keep::All),
            ("selector", Keep::All),
            ("ports", Keep::All),
            ("clusterIP", Keep::All),
            ("clusterIPs", Keep::All),
            ("externalName", Keep::All),
        ]),
    ),
]);
pub(super) const POLICY: Keep = Keep::Fields(&[("metadata", META), ("spec", Keep::All)]);

/// Drops what `keep` does not name. Values of the wrong shape are kept as
/// they are, so that decoding reports them.
pub(super) fn prune(v: Value, keep: &Keep) -> Value {
    match (keep, v) {
        (Keep::All, v) => v,
        (Keep::Fields(fields), Value::Object(mut m)) => {
            let mut out = Map::new();
            for (name, k) in fields.iter() {
                if let Some(x) = m.remove(*name) {
                    out.insert((*name).to_string(), prune(x, k));
                }
            }
            Value::Object(out)
        }
        (Keep::Each(k), Value::Array(items)) => {
            Value::Array(items.into_iter().map(|x| prune(x, k)).collect())
        }
        (_, v) => v,
    }
}
