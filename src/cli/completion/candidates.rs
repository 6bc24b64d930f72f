//! The dynamic values: namespaces, endpoints, policies (from the source) and
//! contexts (from the kubeconfig).

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::line::SourceFlags;
use super::source;

pub fn namespaces(src: &SourceFlags) -> Vec<String> {
    source::load(src).map_or_else(Vec::new, |idx| idx.namespace_names())
}

/// `ns/pod` and `ns/workload` (what `can-reach` resolves); with `-n`, the bare
/// names of that namespace too.
pub fn endpoints(src: &SourceFlags) -> Vec<String> {
    let Some(idx) = source::load(src) else {
        return vec![];
    };
    let mut out = BTreeSet::new();
    for key in idx.pod_keys() {
        let workload = idx.pod_owner(key).map(|o| o.name.as_str());
        for name in std::iter::once(key.name.as_str()).chain(workload) {
            out.insert(format!("{}/{name}", key.namespace));
            if src.namespace.as_deref() == Some(key.namespace.as_str()) {
                out.insert(name.to_string());
            }
        }
    }
    out.into_iter().collect()
}

/// `ns/name` of every policy (what `diff --delete` takes).
pub fn policies(src: &SourceFlags) -> Vec<String> {
    source::load(src).map_or_else(Vec::new, |idx| {
        idx.policies()
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .collect()
    })
}

/// Context names of the kubeconfig the command would read: --kubeconfig,
/// else every file in $KUBECONFIG, else ~/.kube/config.
pub fn contexts(src: &SourceFlags) -> Vec<String> {
    let files: Vec<PathBuf> = match (&src.kubeconfig, std::env::var_os("KUBECONFIG")) {
        (Some(k), _) => vec![k.clone()],
        (None, Some(list)) if !list.is_empty() => std::env::split_paths(&list).collect(),
        _ => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".kube/config"))
            .into_iter()
            .collect(),
    };
    let mut out = BTreeSet::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        // YAML goes through the crate's one parser (crate::yaml).
        let Ok(Some(doc)) = crate::yaml::parse_value(&text) else {
            continue;
        };
        let contexts = doc["contexts"].as_array().cloned().unwrap_or_default();
        out.extend(
            contexts
                .iter()
                .filter_map(|c| c["name"].as_str().map(String::from)),
        );
    }
    out.into_iter().collect()
}
