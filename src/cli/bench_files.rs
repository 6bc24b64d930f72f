//! `bench --write-manifests DIR`: the synthetic cluster as the files a user
//! would load offline, `kubectl get ns,pods,netpol -A -o yaml|json` style:
//! one `List` per kind, in `DIR/yaml/` and `DIR/json/`. With them anyone can
//! time `-f DIR/yaml can-reach ...` (BENCHMARKS.md, "Offline input").

use std::path::Path;

use color_eyre::eyre::{Result, WrapErr};
use serde_json::{Value, json};

use crate::engine::manifest::policy_yaml;
use crate::engine::model::{Pod, Snapshot};
use crate::source::synth::{SynthSpec, generate};
use crate::yaml;

fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}})
}

fn pod_json(i: usize, p: &Pod) -> Value {
    let ports: Vec<Value> = p
        .ports
        .iter()
        .map(|c| {
            let mut v = json!({"containerPort": c.port, "protocol": c.protocol.as_str()});
            if let Some(n) = &c.name {
                v["name"] = json!(n);
            }
            v
        })
        .collect();
    let ip = p.ips.first().map(|a| a.to_string()).unwrap_or_default();
    let mut metadata = json!({
        "creationTimestamp": "2026-11-30T10:00:00Z",
        "labels": p.labels,
        "name": p.name,
        "namespace": p.namespace,
        "uid": format!("00000000-0000-4000-8000-{i:012}"),
    });
    if let Some(o) = &p.owner {
        metadata["ownerReferences"] = json!([{
            "apiVersion": "apps/v1", "controller": true, "kind": "ReplicaSet",
            "name": format!("{}-7d9f8", o.name), "uid": format!("00000000-0000-4000-9000-{i:012}"),
        }]);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {
            "containers": [{"image": "registry.example/app:1.0", "name": "app", "ports": ports}],
            "nodeName": format!("node-{}", i % 100),
        },
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    })
}

/// The three Lists (namespaces, pods, policies) of a synthetic cluster.
fn lists(s: &Snapshot) -> Result<[(&'static str, Value); 3]> {
    let ns = s
        .namespaces
        .iter()
        .map(|n| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"labels": n.labels, "name": n.name}}))
        .collect();
    let pods = s
        .pods
        .iter()
        .enumerate()
        .map(|(i, p)| pod_json(i, p))
        .collect();
    let mut pols = Vec::with_capacity(s.policies.len());
    for p in &s.policies {
        let v = yaml::parse_value(&policy_yaml(p))
            .map_err(|e| color_eyre::eyre::eyre!("{}", e.message))?
            .unwrap_or(Value::Null);
        pols.push(v);
    }
    Ok([
        ("namespaces", list(ns)),
        ("pods", list(pods)),
        ("networkpolicies", list(pols)),
    ])
}

/// Writes `DIR/yaml/*.yaml` and `DIR/json/*.json`; returns a summary.
pub fn write(dir: &Path, pods: usize) -> Result<String> {
    let s = generate(SynthSpec::with_pods(pods));
    let mut out = String::new();
    for sub in ["yaml", "json"] {
        std::fs::create_dir_all(dir.join(sub)).wrap_err("creating the directory")?;
    }
    for (name, v) in lists(&s)? {
        let y = yaml::to_string(&v).map_err(|e| color_eyre::eyre::eyre!("{e}"))?;
        let j = serde_json::to_string_pretty(&v)? + "\n";
        for (sub, text) in [("yaml", y), ("json", j)] {
            let path = dir.join(sub).join(format!("{name}.{sub}"));
            std::fs::write(&path, &text).wrap_err_with(|| path.display().to_string())?;
            out.push_str(&format!("{}: {} bytes\n", path.display(), text.len()));
        }
    }
    out.push_str(&format!(
        "{} pods, {} namespaces, {} policies\n",
        s.pods.len(),
        s.namespaces.len(),
        s.policies.len()
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::source::synth::{SynthSpec, generate};
    use crate::source::{Spec, load};

    /// One load of `dir` (the CLI's `-f DIR` path: read, parse, convert,
    /// index): its time and the number of pods it held.
    fn timed_load(dir: &std::path::Path) -> (Duration, usize) {
        let spec = Spec::Files(vec![dir.to_path_buf()]);
        let t = Instant::now();
        let loaded = load(&spec).expect("files always load");
        let took = t.elapsed();
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        (took, loaded.index.pod_count())
    }

    /// Offline loading stays linear in the input (issue #14's regression
    /// check): a ratio of two sizes timed in the same run, so the build
    /// profile and the machine's speed cancel out. Linear is 4x; a step that
    /// grows with the square of the input (a lookup per object in a list,
    /// re-splitting a List per item) is 16x, so one that takes a quarter of
    /// the small load already pushes the ratio to 7.
    #[test]
    fn offline_loading_stays_linear_in_the_input() {
        let root = std::env::temp_dir().join(format!("netpol-load-ratio-{}", std::process::id()));
        let (small, big) = (1_000, 4_000);
        for n in [small, big] {
            super::write(&root.join(n.to_string()), n).expect("manifests written");
        }
        for fmt in ["json", "yaml"] {
            // Interleaved, best of 3: the machine's speed drifts.
            let (mut ts, mut tb) = (Duration::MAX, Duration::MAX);
            let (mut ps, mut pb) = (0, 0);
            for _ in 0..3 {
                let (t, p) = timed_load(&root.join(small.to_string()).join(fmt));
                (ts, ps) = (ts.min(t), p);
                let (t, p) = timed_load(&root.join(big.to_string()).join(fmt));
                (tb, pb) = (tb.min(t), p);
            }
            let want = |n| generate(SynthSpec::with_pods(n)).pods.len();
            assert_eq!((ps, pb), (want(small), want(big)), "{fmt}: every pod loads");
            let ratio = tb.as_secs_f64() / ts.as_secs_f64();
            eprintln!("{fmt}: {small} pods {ts:?}, {big} pods {tb:?}, ratio {ratio:.2}");
            assert!(ratio < 7.0, "{fmt}: 4x the input took {ratio:.1}x the time");
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}
