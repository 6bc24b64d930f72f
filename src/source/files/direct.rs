//! The fast path of the loader (issue #14): documents and List items
//! decoded straight from the text into [`Fast`], List items on every core,
//! and whatever the fast path declines decoded the general way (text ->
//! value -> typed object), item by item. See `fast` for why both paths give
//! the same objects, errors and warnings; the tests below check it.

use serde_json::Value;

use super::fast::Fast;
use super::{Loader, Loc, decode, json_list};
use crate::source::convert::DEFAULT_NAMESPACE;
use crate::yaml;

impl yaml::Direct for Fast {
    fn decode(text: &str) -> Option<Self> {
        yaml::from_str(text)
    }
    fn from_value(v: Value) -> Self {
        Fast::Other(v)
    }
    fn list(rest: Value, items: Vec<Self>) -> Option<Self> {
        Fast::list(rest, items)
    }
}

/// The documents of a file, as `decode::parse_stream` reads them.
pub(super) fn parse_stream(text: &str) -> Vec<Result<Option<Fast>, String>> {
    let looks_json = text.trim_start().starts_with(['{', '[']);
    if !looks_json {
        return yaml::parse_documents_direct::<Fast>(text)
            .into_iter()
            .map(|d| d.value.map_err(|e| format!("invalid YAML: {}", e.message)))
            .collect();
    }
    if let Some(f) = json_list::direct_split(text) {
        return vec![Ok(Some(f))];
    }
    // One JSON object (a `null` document adds nothing either way).
    if let Ok(f) = serde_json::from_str::<Fast>(text) {
        return vec![Ok(Some(f))];
    }
    decode::parse_stream(text)
        .into_iter()
        .map(|d| d.map(|v| v.map(Fast::Other)))
        .collect()
}

impl Loader {
    /// [`Loader::add_value`] for what the fast path decoded.
    pub(super) fn add_fast(
        &mut self,
        f: Fast,
        loc: &Loc,
        item_of: Option<(&str, &str)>,
        from_walk: bool,
    ) {
        match f {
            Fast::Other(v) => self.add_value(v, loc, item_of, from_walk),
            Fast::List {
                kind,
                api_version,
                items,
            } => {
                let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
                let of = item_kind.map(|k| (api_version.as_str(), k));
                self.add_items(items, loc, of, from_walk);
            }
            Fast::Pod(pod) => {
                let m = &pod.metadata;
                let object = match m.name.as_deref().filter(|n| !n.is_empty()) {
                    None => "Pod (no name)".to_string(),
                    Some(n) => {
                        let ns = m.namespace.as_deref().filter(|s| !s.is_empty());
                        format!("Pod {}/{n}", ns.unwrap_or(DEFAULT_NAMESPACE))
                    }
                };
                self.add_decoded_pod(*pod, loc, &object);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::manifest::policy_yaml;
    use crate::source::files::Manifests;
    use crate::source::synth::{SynthSpec, generate};

    fn load(sources: &[(String, String)], general_only: bool) -> Manifests {
        let mut l = Loader {
            general_only,
            ..Loader::default()
        };
        for (name, text) in sources {
            l.add_text(name, text, false);
        }
        l.finish()
    }

    /// Both paths on the same texts: the same snapshot, errors and warnings.
    fn same(sources: &[(String, String)]) -> Manifests {
        let fast = load(sources, false);
        let general = load(sources, true);
        fast.assert_same_as(&general);
        fast
    }

    fn texts(files: &[(&str, &str)]) -> Vec<(String, String)> {
        files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn demo_loads_the_same_both_ways() {
        let m = same(&texts(crate::source::demo::FILES));
        assert!(m.snapshot.pods.len() > 10);
    }

    /// A generated cluster as `kubectl get -o yaml|json` Lists, big enough
    /// for the split (parallel) paths, with odd items mixed in.
    fn cluster_lists() -> (String, String, String) {
        let s = generate(SynthSpec::with_pods(1500));
        let mut items = Vec::new();
        for (i, p) in s.pods.iter().enumerate() {
            let ports: Vec<Value> = p
                .ports
                .iter()
                .map(|c| serde_json::json!({"containerPort": c.port, "name": c.name, "protocol": c.protocol.as_str()}))
                .collect();
            let ip = p.ips.first().map(|a| a.to_string()).unwrap_or_default();
            items.push(serde_json::json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": p.name, "namespace": p.namespace, "labels": p.labels,
                    "annotations": {"a": "b"}, "uid": format!("u{i}"),
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                        "name": "rs", "uid": "x", "controller": true}]},
                "spec": {"containers": [{"name": "c", "image": "i", "ports": ports,
                    "resources": {"limits": {"cpu": "1"}}}], "hostNetwork": i % 50 == 3},
                "status": {"phase": if i % 40 == 7 { "Succeeded" } else { "Running" },
                    "podIP": ip, "podIPs": [{"ip": ip}]},
            }));
        }
        // Items the fast path declines or that are broken: the general path
        // must report them exactly, and the others still load.
        items[10]["spec"]["containers"][0]["ports"][0]["containerPort"] = "80".into();
        items[11]["metadata"]["labels"]["n"] = serde_json::json!(5);
        items[12]["spec"]["containers"][0]["ports"][0]["containerPort"] = 80.5.into();
        items[13]["status"]["podIPs"][0]["ip"] = "not-an-ip".into();
        items[14]["spec"]["containers"][0]["ports"][0]["protocol"] = "ICMP".into();
        items[15]["metadata"]["labels"] = Value::Null;
        items[16]["spec"] = serde_json::json!({"containers": null});
        items[17]["apiVersion"] = "apps/v1".into();
        items[18]["metadata"]["name"] = Value::Null;
        items[19]["spec"]["containers"][0]["resources"] = "wrong type, not read".into();
        items[20] = serde_json::json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "namespace": "ns-00000"},
            "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}});
        items[21] =
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        items[22] = serde_json::json!({"kind": "Pod", "metadata": {"name": "no-api"}});
        items[23] =
            serde_json::json!({"metadata": {"name": "p23"}, "kind": "Pod", "apiVersion": "v1"});
        items[24] = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p24"},
            "spec": {"initContainers": [{"name": "s", "restartPolicy": "Always", "ports": [{"containerPort": 9}]}]}});
        items[25] = Value::Null;
        items[26] = "a string".into();
        items[27]["spec"]["containers"][0]["ports"][0]["hostPort"] = "x".into();
        let pods = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items,
            "metadata": {"resourceVersion": ""}});
        let pols: Vec<Value> = s
            .policies
            .iter()
            .filter_map(|p| yaml::parse_value(&policy_yaml(p)).ok().flatten())
            .collect();
        let pols = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": pols});
        let ns: Vec<Value> = s.namespaces.iter().map(|n| serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n.name, "labels": n.labels}})).collect();
        let ns = serde_json::json!({"apiVersion": "v1", "kind": "NamespaceList", "items": ns});
        let pods_yaml = yaml::to_string(&pods).unwrap();
        let pods_json = serde_json::to_string_pretty(&pods).unwrap();
        let rest = yaml::to_string(&pols).unwrap() + "---\n" + &yaml::to_string(&ns).unwrap();
        (pods_yaml, pods_json, rest)
    }

    #[test]
    fn generated_cluster_loads_the_same_both_ways() {
        let (pods_yaml, pods_json, rest) = cluster_lists();
        assert!(pods_yaml.len() > 256 * 1024 && pods_json.len() > 256 * 1024);
        let m = same(&[
            ("pods.yaml".into(), pods_yaml.clone()),
            ("rest.yaml".into(), rest.clone()),
        ]);
        assert!(m.snapshot.pods.len() > 1000 && !m.snapshot.policies.is_empty());
        assert!(
            m.errors.len() >= 5 && m.warnings.len() >= 2,
            "{:?}",
            m.errors
        );
        // The fast path did the work: the Lists were split, and most pods
        // were decoded slim (not through the value).
        for text in [&pods_yaml, &pods_json] {
            let docs = parse_stream(text);
            let Some(Ok(Some(Fast::List { items, .. }))) = docs.first() else {
                panic!("not read as a List: {docs:?}");
            };
            let slim = items.iter().filter(|f| matches!(f, Fast::Pod(_))).count();
            assert!(
                slim > 1400 && slim < items.len(),
                "{slim} of {}",
                items.len()
            );
        }
        let j = same(&[
            ("pods.json".into(), pods_json),
            ("rest.yaml".into(), rest.clone()),
        ]);
        assert_eq!(
            format!("{:?}", j.snapshot),
            format!("{:?}", m.snapshot),
            "YAML and JSON give the same cluster"
        );
        // The same items as one document each (not a List), and a List with
        // an anchor (which the split declines: decoded whole).
        let docs = pods_yaml
            .split("\n- ")
            .skip(1)
            .map(|item| {
                let mut d = String::from("---\n");
                for (i, line) in item.lines().enumerate() {
                    let line = if i == 0 {
                        line
                    } else {
                        line.get(2..).unwrap_or("")
                    };
                    if !line.starts_with("kind: List")
                        && !line.starts_with("metadata:\n  resourceVersion")
                    {
                        d.push_str(line);
                        d.push('\n');
                    }
                }
                d
            })
            .collect::<String>();
        same(&[("docs.yaml".into(), docs)]);
        let anchored = pods_yaml
            .replacen("app: svc-0", "app: &a svc-0", 1)
            .replacen("app: svc-1\n", "app: *a\n", 1);
        same(&[("anchored.yaml".into(), anchored)]);
    }

    #[test]
    fn odd_inputs_load_the_same_both_ways() {
        let cases = [
            // Quoted and odd numbers, int-or-string ports, missing fields.
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: \"80\"\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {v: 1.0, w: '2', x: yes, y: ~}}\nspec: {containers: [{name: c}]}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, ports: [{containerPort: 0x50}, {containerPort: 99999}, {containerPort: 8080, protocol: udp}]}]}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {app: x}}\n",
            "apiVersion: v1\nkind: Pod\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\nspec:\nstatus:\n",
            "kind: Pod\napiVersion: v1\nmetadata: {name: a, namespace: ''}\nspec: {hostNetwork: 'true', containers: []}\n",
            "kind: Pod\napiVersion: v1\nmetadata: {name: a}\nspec: {hostNetwork: true, containers: [~]}\n",
            "kind: Pod\napiVersion: v1\nmetadata: {name: a}\nstatus: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.2}, {ip: ::1}]}\n",
            // Anchors, aliases, merge keys, tags, repeated and odd keys.
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: &l {app: x}}\nspec: {containers: [{name: c, ports: [&p {containerPort: 80}, *p]}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, labels: *l}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    <<: {app: x}\n    b: c\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: !!str a, labels: {app: !custom x}}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, name: b}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {x: a, x: b}}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, annotations: {1: x, true: y}}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, env: {a: 1, a: 2}}]}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, env: [{? [x]: y}]}]}\n",
            // Multi-document streams, empty documents, Lists, typed Lists.
            "---\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n...\n---\n# c\n",
            "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n- kind: Pod\n  metadata: {name: b}\n",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items: [{apiVersion: v1, kind: Pod, metadata: {name: n}}]\n",
            "items: [{apiVersion: v1, kind: Pod, metadata: {name: a}}]\nkind: Deployment\napiVersion: apps/v1\nmetadata: {name: d}\n",
            "apiVersion: 1\nkind: Pod\nmetadata: {name: a}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: [\n",
            "- a\n- b\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, ownerReferences: [{kind: ReplicaSet, name: r, controller: 'yes'}]}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, ownerReferences: [{kind: Node, name: n}, {kind: ReplicaSet, name: r, uid: u, controller: true}]}\n",
        ];
        for (i, text) in cases.iter().enumerate() {
            let name = format!("case{i}.yaml");
            same(&[(name.clone(), text.to_string())]);
            // The same objects as JSON, where YAML can say them in JSON.
            if let Ok(Some(v)) = yaml::parse_value(text)
                && !text.contains("---")
            {
                let j = serde_json::to_string(&v).unwrap();
                same(&[(format!("case{i}.json"), j)]);
            }
        }
        // JSON only: a repeated key (the last wins), a float port.
        for j in [
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "name": "b"}}"#,
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80.0}]}]}}"#,
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}} {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}"#,
            r#"{kind: Pod, apiVersion: v1, metadata: {name: flow}}"#,
        ] {
            same(&[("x.json".into(), j.to_string())]);
        }
    }
}
