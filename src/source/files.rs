//! Offline input: manifests from files, directories or stdin (`-f PATH`).
//!
//! Reads what `kubectl get -o yaml|json` prints and what people keep in git:
//! multi-document YAML, JSON, `List`/`*List` objects, CRLF, a BOM (UTF-8 or
//! UTF-16, as PowerShell writes). Namespaces, Pods and NetworkPolicies are
//! converted with [`crate::source::convert`]; workloads (Deployment,
//! StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob)
//! stand for their pods through one representative pod built from their pod
//! template. Everything else is skipped, with a warning when it is a kind
//! that changes connectivity but is not evaluated (AdminNetworkPolicy, ...).
//!
//! Loading never stops at a bad object: every problem becomes a
//! [`LoadError`] naming the file, document, object and field, and the rest
//! still loads. Nothing here panics on any input.
//!
//! Only the fields the analysis reads are decoded and type-checked (object
//! metadata, container ports, hostNetwork, pod status IPs and phase, the
//! whole NetworkPolicy spec); a wrong type elsewhere, say in `resources`, does
//! not cost the object.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::yaml;
use crate::engine::model::{Labels, Namespace, Owner, Pod, PodKey, Policy, Snapshot};
use crate::source::convert::{self, DEFAULT_NAMESPACE, FieldError};

/// One problem with the input, located as precisely as known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    /// 0-based index of the document in the file.
    pub document: Option<usize>,
    /// `Kind namespace/name` (or `Kind name` for cluster-scoped kinds).
    pub object: Option<String>,
    /// Field path from the document root, e.g. `spec.ingress[0].from[1]`.
    pub field: Option<String>,
    pub message: String,
}

impl LoadError {
    fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        LoadError {
            file: file.into(),
            document: None,
            object: None,
            field: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(d) = self.document {
            write!(f, ": document {}", d + 1)?;
        }
        if let Some(o) = &self.object {
            write!(f, " ({o})")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

/// The result of loading: the state that could be read, and what could not.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub snapshot: Snapshot,
    /// Objects (or files) left out because they are broken.
    pub errors: Vec<LoadError>,
    /// Things the user should know that did not stop an object from loading,
    /// or kinds that were skipped although they affect connectivity.
    pub warnings: Vec<LoadError>,
    /// Namespaces not given but referenced, created with only their name
    /// label (a what-if proposal must not relabel real ones with these).
    pub implicit_namespaces: Vec<String>,
}

/// Loads files, directories (recursively: `.yaml`, `.yml`, `.json`, in
/// sorted path order) and `-` (stdin), in the order given.
pub fn load_paths(paths: &[PathBuf]) -> Loaded {
    let mut l = Loader::default();
    for p in paths {
        if p.as_os_str() == "-" {
            let mut bytes = Vec::new();
            match std::io::stdin().lock().read_to_end(&mut bytes) {
                Ok(_) => l.add_bytes(STDIN_NAME, &bytes, false),
                Err(e) => l
                    .errors
                    .push(LoadError::file(STDIN_NAME, format!("cannot read: {e}"))),
            }
        } else {
            l.add_path(p);
        }
    }
    l.finish()
}

/// Loads in-memory texts, each with the name to show in errors.
pub fn load_sources(sources: &[(String, String)]) -> Loaded {
    let mut l = Loader::default();
    for (name, text) in sources {
        l.add_text(name, text, false);
    }
    l.finish()
}

const STDIN_NAME: &str = "<stdin>";
const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];
/// Enough for any real owner chain (CronJob > Job > Pod is the longest).
const MAX_OWNER_DEPTH: usize = 16;

// ---------------------------------------------------------------------------
// Where an object came from.

#[derive(Debug, Clone)]
struct Loc {
    file: String,
    document: usize,
    /// Path of the object inside its document (`items[3]`), empty at the root.
    prefix: String,
}

impl Loc {
    fn child(&self, seg: &str) -> Loc {
        Loc {
            file: self.file.clone(),
            document: self.document,
            prefix: join_path(&self.prefix, seg),
        }
    }

    fn error(&self, object: Option<&str>, field: &str, message: impl Into<String>) -> LoadError {
        let field = join_path(&self.prefix, field);
        LoadError {
            file: self.file.clone(),
            document: Some(self.document),
            object: object.map(str::to_string),
            field: (!field.is_empty()).then_some(field),
            message: message.into(),
        }
    }

    fn field_error(&self, object: &str, fe: &FieldError) -> LoadError {
        self.error(Some(object), &fe.path, fe.reason.clone())
    }
}

fn join_path(prefix: &str, field: &str) -> String {
    match (prefix.is_empty(), field.is_empty()) {
        (true, _) => field.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) if field.starts_with('[') => format!("{prefix}{field}"),
        (false, false) => format!("{prefix}.{field}"),
    }
}

// ---------------------------------------------------------------------------
// What the input holds, after conversion, before owners are resolved.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
}

impl WorkloadKind {
    fn parse(kind: &str) -> Option<Self> {
        Some(match kind {
            "Deployment" => Self::Deployment,
            "StatefulSet" => Self::StatefulSet,
            "DaemonSet" => Self::DaemonSet,
            "ReplicaSet" => Self::ReplicaSet,
            "ReplicationController" => Self::ReplicationController,
            "Job" => Self::Job,
            "CronJob" => Self::CronJob,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Deployment => "Deployment",
            Self::StatefulSet => "StatefulSet",
            Self::DaemonSet => "DaemonSet",
            Self::ReplicaSet => "ReplicaSet",
            Self::ReplicationController => "ReplicationController",
            Self::Job => "Job",
            Self::CronJob => "CronJob",
        }
    }

    fn groups(self) -> &'static [&'static str] {
        match self {
            Self::ReplicationController => &[""],
            Self::Job | Self::CronJob => &["batch"],
            // extensions/v1beta1 served these until 1.16; old dumps use it.
            _ => &["apps", "extensions"],
        }
    }

    fn template_path(self) -> &'static [&'static str] {
        match self {
            Self::CronJob => &["spec", "jobTemplate", "spec", "template"],
            _ => &["spec", "template"],
        }
    }
}

#[derive(Debug)]
struct Workload {
    kind: WorkloadKind,
    /// The workload's own controller (a ReplicaSet's Deployment, ...).
    owner: Option<Owner>,
    pod: Pod,
}

#[derive(Debug)]
enum Data {
    Namespace(Namespace),
    /// `None`: a pod that has finished (Succeeded/Failed) and is dropped.
    Pod(Option<Pod>),
    Policy(Policy),
    Workload(Workload),
}

#[derive(Debug)]
struct Entry {
    loc: Loc,
    data: Data,
}

/// Kind, namespace ("" for namespaces), name.
type ObjKey = (&'static str, String, String);

#[derive(Default)]
struct Loader {
    errors: Vec<LoadError>,
    warnings: Vec<LoadError>,
    objects: BTreeMap<ObjKey, Entry>,
    seen_files: BTreeSet<PathBuf>,
}

impl Loader {
    // --- files -------------------------------------------------------------

    fn add_path(&mut self, path: &Path) {
        let shown = path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.errors
                    .push(LoadError::file(shown, "no such file or directory"));
                return;
            }
            Err(e) => {
                self.errors
                    .push(LoadError::file(shown, format!("cannot read: {e}")));
                return;
            }
        };
        if meta.is_dir() {
            let mut files = Vec::new();
            let mut visited = BTreeSet::new();
            self.walk(path, &mut files, &mut visited);
            files.sort();
            if files.is_empty() {
                self.warnings.push(LoadError::file(
                    shown,
                    "no .yaml, .yml or .json files in this directory",
                ));
            }
            for f in files {
                self.add_file(&f, true);
            }
        } else {
            self.add_file(path, false);
        }
    }

    fn walk(&mut self, dir: &Path, files: &mut Vec<PathBuf>, visited: &mut BTreeSet<PathBuf>) {
        // Symlinked directories may form loops: visit each real directory once.
        let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !visited.insert(real) {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.errors.push(LoadError::file(
                    dir.display().to_string(),
                    format!("cannot read directory: {e}"),
                ));
                return;
            }
        };
        for entry in entries {
            let path = match entry {
                Ok(e) => e.path(),
                Err(e) => {
                    self.errors.push(LoadError::file(
                        dir.display().to_string(),
                        format!("cannot read directory: {e}"),
                    ));
                    continue;
                }
            };
            if path.is_dir() {
                self.walk(&path, files, visited);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
            {
                files.push(path);
            }
        }
    }

    fn add_file(&mut self, path: &Path, from_walk: bool) {
        // The same file named twice (`-f dir -f dir/a.yaml`) is read once.
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !self.seen_files.insert(real) {
            return;
        }
        let shown = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => self.add_bytes(&shown, &bytes, from_walk),
            Err(e) => self
                .errors
                .push(LoadError::file(shown, format!("cannot read: {e}"))),
        }
    }

    fn add_bytes(&mut self, name: &str, bytes: &[u8], from_walk: bool) {
        match decode_text(bytes) {
            Ok(text) => self.add_text(name, &text, from_walk),
            Err(msg) => self.errors.push(LoadError::file(name, msg)),
        }
    }

    // --- documents ---------------------------------------------------------

    /// `from_walk`: the file was found by walking a directory rather than
    /// named by the user, so a document that is not a Kubernetes object at
    /// all (stray output files, tool configs) is only a warning.
    fn add_text(&mut self, name: &str, text: &str, from_walk: bool) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, doc) in parse_stream(text).into_iter().enumerate() {
            let loc = Loc {
                file: name.to_string(),
                document: index,
                prefix: String::new(),
            };
            match doc {
                Ok(None) => {}
                Ok(Some(v)) => self.add_value(v, &loc, None, from_walk),
                Err(msg) => {
                    // kubectl stops reading a file at its first malformed
                    // document (what comes before it is applied, the rest is
                    // not); so does netpol-analyzer. Do the same, loudly.
                    self.errors.push(loc.error(
                        None,
                        "",
                        format!("{msg}; the rest of this file is not read"),
                    ));
                    break;
                }
            }
        }
    }

    /// One object, or a list of them. `item_of`: the apiVersion and kind an
    /// item of a typed list (`PodList`) has when it does not say.
    fn add_value(&mut self, v: Value, loc: &Loc, item_of: Option<(&str, &str)>, from_walk: bool) {
        let mut map = match v {
            Value::Object(m) => m,
            Value::Null => return,
            other => {
                let what = match other {
                    Value::Array(_) => "a list",
                    Value::String(_) => "a string",
                    Value::Number(_) => "a number",
                    _ => "a boolean",
                };
                self.not_an_object(loc, from_walk, format!("not a Kubernetes object ({what}, not a mapping with kind and apiVersion); skipped"));
                return;
            }
        };
        if let Some((api, kind)) = item_of {
            if !map.contains_key("kind") {
                map.insert("kind".into(), Value::String(kind.to_string()));
            }
            if !map.contains_key("apiVersion") {
                map.insert("apiVersion".into(), Value::String(api.to_string()));
            }
        }
        let kind = match map.get("kind") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            None | Some(Value::Null) | Some(Value::String(_)) => {
                self.not_an_object(
                    loc,
                    from_walk,
                    "not a Kubernetes object (no kind); skipped".to_string(),
                );
                return;
            }
            Some(_) => {
                self.errors
                    .push(loc.error(None, "kind", "Invalid value: must be a string"));
                return;
            }
        };
        let api_version = match map.get("apiVersion") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            Some(_) => {
                self.errors.push(loc.error(
                    Some(&label(&kind, &map)),
                    "apiVersion",
                    "Invalid value: must be a string",
                ));
                return;
            }
        };

        // `List` (kubectl get -o yaml) and typed lists (`PodList`, from the API).
        let items_is_list = matches!(map.get("items"), Some(Value::Array(_)));
        if kind == "List" || (kind.ends_with("List") && items_is_list) {
            match map.remove("items") {
                Some(Value::Array(items)) => {
                    let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
                    for (i, item) in items.into_iter().enumerate() {
                        let child = loc.child(&format!("items[{i}]"));
                        let of = item_kind.map(|k| (api_version.as_str(), k));
                        self.add_value(item, &child, of, from_walk);
                    }
                }
                None | Some(Value::Null) => {}
                Some(_) => self.errors.push(loc.error(
                    Some(&kind),
                    "items",
                    "Invalid value: must be a list",
                )),
            }
            return;
        }

        let object = label(&kind, &map);
        if api_version.is_empty() {
            self.errors.push(loc.error(
                Some(&object),
                "apiVersion",
                "Required value: a Kubernetes object needs both apiVersion and kind; skipped",
            ));
            return;
        }
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        match classify(group, &kind) {
            Class::Namespace => self.add_namespace(map, loc, &object),
            Class::Pod => self.add_pod(map, loc, &object),
            Class::Policy => self.add_policy(map, loc, &object),
            Class::Workload(wk) => self.add_workload(wk, map, loc, &object),
            Class::WrongGroup(expected) => self.errors.push(loc.error(
                Some(&object),
                "apiVersion",
                format!("Invalid value: {api_version:?}: {kind} is served by {expected}; skipped"),
            )),
            Class::NotEvaluated(why) => self.warnings.push(loc.error(Some(&object), "", why)),
            Class::Ignore => {}
        }
    }

    fn not_an_object(&mut self, loc: &Loc, from_walk: bool, msg: String) {
        let e = loc.error(None, "", msg);
        if from_walk {
            self.warnings.push(e);
        } else {
            self.errors.push(e);
        }
    }

    // --- kinds -------------------------------------------------------------

    fn add_namespace(&mut self, map: Map<String, Value>, loc: &Loc, object: &str) {
        let v = prune(Value::Object(map), &NAMESPACE);
        let Some(ns) = self.decode::<core::Namespace>(&v, loc, object, "") else {
            return;
        };
        match convert::namespace_from_api(&ns) {
            Ok(n) => {
                let key = ("Namespace", String::new(), n.name.clone());
                self.insert(key, loc, object, Data::Namespace(n));
            }
            Err(fes) => self
                .errors
                .extend(fes.iter().map(|fe| loc.field_error(object, fe))),
        }
    }

    fn add_pod(&mut self, map: Map<String, Value>, loc: &Loc, object: &str) {
        let v = prune(Value::Object(map), &POD);
        let Some(pod) = self.decode::<core::Pod>(&v, loc, object, "") else {
            return;
        };
        let (res, warnings) = convert::pod_from_api(&pod);
        self.warnings
            .extend(warnings.iter().map(|fe| loc.field_error(object, fe)));
        match res {
            Ok(p) => {
                let ns = namespace_of(&pod.metadata);
                let name = pod.metadata.name.clone().unwrap_or_default();
                self.insert(("Pod", ns, name), loc, object, Data::Pod(p));
            }
            Err(fes) => self
                .errors
                .extend(fes.iter().map(|fe| loc.field_error(object, fe))),
        }
    }

    fn add_policy(&mut self, map: Map<String, Value>, loc: &Loc, object: &str) {
        let v = prune(Value::Object(map), &POLICY);
        let Some(np) = self.decode::<net::NetworkPolicy>(&v, loc, object, "") else {
            return;
        };
        match convert::policy_from_api(&np) {
            Ok(p) => {
                let key = ("NetworkPolicy", p.namespace.clone(), p.name.clone());
                self.insert(key, loc, object, Data::Policy(p));
            }
            Err(fes) => self
                .errors
                .extend(fes.iter().map(|fe| loc.field_error(object, fe))),
        }
    }

    fn add_workload(
        &mut self,
        kind: WorkloadKind,
        mut map: Map<String, Value>,
        loc: &Loc,
        object: &str,
    ) {
        let meta_v = prune(map.remove("metadata").unwrap_or(Value::Null), &META);
        let Some(meta) = self.decode::<Option<meta::ObjectMeta>>(&meta_v, loc, object, "metadata")
        else {
            return;
        };
        let meta = meta.unwrap_or_default();
        let Some(name) = meta.name.clone().filter(|n| !n.is_empty()) else {
            self.errors
                .push(loc.error(Some(object), "metadata.name", "Required value"));
            return;
        };
        let path = kind.template_path();
        let tpath = path.join(".");
        let mut cur = Value::Object(map);
        for (i, seg) in path.iter().enumerate() {
            cur = match cur {
                Value::Object(mut m) => match m.remove(*seg) {
                    Some(Value::Null) | None => {
                        self.errors.push(loc.error(
                            Some(object),
                            &path[..=i].join("."),
                            "Required value: the pod template",
                        ));
                        return;
                    }
                    Some(v) => v,
                },
                _ => {
                    self.errors.push(loc.error(
                        Some(object),
                        &path[..i].join("."),
                        "Invalid value: must be a mapping",
                    ));
                    return;
                }
            };
        }
        let tv = prune(cur, &TEMPLATE);
        let Some(template) = self.decode::<core::PodTemplateSpec>(&tv, loc, object, &tpath) else {
            return;
        };
        let ns = namespace_of(&meta);
        let (pod, warnings) =
            convert::pod_from_template(&ns, &name, kind.as_str(), &template, &tpath);
        self.warnings
            .extend(warnings.iter().map(|fe| loc.field_error(object, fe)));
        let owner = controller_of(&meta);
        let w = Workload { kind, owner, pod };
        self.insert((kind.as_str(), ns, name), loc, object, Data::Workload(w));
    }

    /// Decodes the pruned value; on failure records an error with the path
    /// of the offending field (relative to `base`).
    fn decode<T: DeserializeOwned>(
        &mut self,
        v: &Value,
        loc: &Loc,
        object: &str,
        base: &str,
    ) -> Option<T> {
        match decode(v) {
            Ok(t) => Some(t),
            Err((field, msg)) => {
                self.errors.push(loc.error(
                    Some(object),
                    &join_path(base, &field),
                    format!("{msg}; skipped"),
                ));
                None
            }
        }
    }

    fn insert(&mut self, key: ObjKey, loc: &Loc, object: &str, data: Data) {
        let entry = Entry {
            loc: loc.clone(),
            data,
        };
        if let Some(old) = self.objects.insert(key, entry) {
            let w = loc.error(
                Some(object),
                "",
                format!(
                    "duplicate: also defined in {} document {}; this later definition is used",
                    old.loc.file,
                    old.loc.document + 1
                ),
            );
            self.warnings.push(w);
        }
    }

    // --- assembling the snapshot ------------------------------------------

    fn finish(self) -> Loaded {
        let Loader {
            errors,
            warnings,
            objects,
            ..
        } = self;
        let mut namespaces: BTreeMap<String, Namespace> = BTreeMap::new();
        let mut real_pods: Vec<Pod> = Vec::new();
        let mut policies: Vec<Policy> = Vec::new();
        // (namespace, kind, name) -> workload
        let mut workloads: BTreeMap<(String, &'static str, String), Workload> = BTreeMap::new();
        for ((kind, ns, name), entry) in objects {
            match entry.data {
                Data::Namespace(n) => {
                    namespaces.insert(n.name.clone(), n);
                }
                Data::Pod(Some(p)) => real_pods.push(p),
                Data::Pod(None) => {}
                Data::Policy(p) => policies.push(p),
                Data::Workload(w) => {
                    workloads.insert((ns, kind, name), w);
                }
            }
        }

        let in_input = |ns: &str, o: &Owner| {
            workloads.contains_key(&(ns.to_string(), kind_static(&o.kind), o.name.clone()))
        };
        // Follows controllers up through the workloads present in the input.
        let resolve = |ns: &str, mut o: Owner| -> Owner {
            for _ in 0..MAX_OWNER_DEPTH {
                let next = workloads
                    .get(&(ns.to_string(), kind_static(&o.kind), o.name.clone()))
                    .and_then(|w| w.owner.clone());
                match next {
                    Some(n) if n != o => o = n,
                    _ => break,
                }
            }
            o
        };

        let mut covered: BTreeSet<(String, Owner)> = BTreeSet::new();
        let mut pods: BTreeMap<PodKey, Pod> = BTreeMap::new();
        for mut p in real_pods {
            let owner = p
                .owner
                .take()
                .map(|o| deployment_of_orphan_pod(&p, o, &in_input));
            // Static pods' mirror objects are "owned" by their Node: not a
            // workload. A reference without a name is no owner; one without a
            // kind still groups its pods under that name (as netpol-analyzer
            // does), shown as a Pod.
            p.owner = owner
                .filter(|o| !o.name.is_empty())
                .map(|o| {
                    if o.kind.is_empty() {
                        Owner {
                            kind: "Pod".to_string(),
                            name: o.name,
                        }
                    } else {
                        resolve(&p.namespace, o)
                    }
                })
                .filter(|o| o.kind != "Node");
            if let Some(o) = &p.owner {
                covered.insert((p.namespace.clone(), o.clone()));
            }
            pods.insert(p.key(), p);
        }
        for ((ns, kind, name), w) in &workloads {
            if let Some(o) = &w.owner
                && in_input(ns, o)
                && !(o.kind == *kind && o.name == *name)
            {
                continue; // its owner (also in the input) stands for it
            }
            let top = resolve(
                ns,
                Owner {
                    kind: kind.to_string(),
                    name: name.clone(),
                },
            );
            if covered.contains(&(ns.clone(), top.clone())) {
                continue; // real pods stand for it
            }
            let mut pod = w.pod.clone();
            pod.owner = Some(top);
            if pods.contains_key(&pod.key()) {
                // A real pod or another kind of workload has this name already.
                pod.name = format!("{} ({})", pod.name, w.kind.as_str());
            }
            pods.insert(pod.key(), pod);
        }

        let referenced: BTreeSet<String> = pods
            .values()
            .map(|p| p.namespace.clone())
            .chain(policies.iter().map(|p| p.namespace.clone()))
            .collect();
        let mut implicit_namespaces = Vec::new();
        for ns in referenced {
            namespaces.entry(ns.clone()).or_insert_with(|| {
                implicit_namespaces.push(ns.clone());
                Namespace::new(ns, Labels::new())
            });
        }
        policies.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        Loaded {
            snapshot: Snapshot {
                namespaces: namespaces.into_values().collect(),
                pods: pods.into_values().collect(),
                policies,
            },
            errors,
            warnings,
            implicit_namespaces,
        }
    }
}

/// A pod owned by a ReplicaSet that is not in the input, when the
/// Deployment is: the Deployment controller names its ReplicaSets
/// `<deployment>-<pod-template-hash>` and labels their pods with the hash,
/// so the link is certain. (`kubectl get deploy,pods -o yaml` has no RS.)
fn deployment_of_orphan_pod(p: &Pod, o: Owner, in_input: &impl Fn(&str, &Owner) -> bool) -> Owner {
    if o.kind != "ReplicaSet" || in_input(&p.namespace, &o) {
        return o;
    }
    let Some(hash) = p.labels.get("pod-template-hash").filter(|h| !h.is_empty()) else {
        return o;
    };
    let Some(deploy) = o
        .name
        .strip_suffix(hash.as_str())
        .and_then(|s| s.strip_suffix('-'))
    else {
        return o;
    };
    let d = Owner {
        kind: "Deployment".to_string(),
        name: deploy.to_string(),
    };
    if in_input(&p.namespace, &d) { d } else { o }
}

/// Workload map keys use static kind names; anything else is not a workload.
fn kind_static(kind: &str) -> &'static str {
    WorkloadKind::parse(kind).map_or("", WorkloadKind::as_str)
}

fn namespace_of(m: &meta::ObjectMeta) -> String {
    m.namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
}

/// The controller owner reference (or the first one), as convert.rs picks it.
fn controller_of(m: &meta::ObjectMeta) -> Option<Owner> {
    let refs = m.owner_references.as_deref().unwrap_or_default();
    refs.iter()
        .find(|o| o.controller == Some(true))
        .or_else(|| refs.first())
        .filter(|o| !o.kind.is_empty() && !o.name.is_empty())
        .map(|o| Owner {
            kind: o.kind.clone(),
            name: o.name.clone(),
        })
}

/// `Kind ns/name`, or `Kind name` when the object has no namespace.
fn label(kind: &str, map: &Map<String, Value>) -> String {
    let meta = map.get("metadata");
    let get = |k: &str| {
        meta.and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let name = get("name");
    let cluster_scoped = matches!(
        kind,
        "Namespace"
            | "Node"
            | "AdminNetworkPolicy"
            | "BaselineAdminNetworkPolicy"
            | "ClusterNetworkPolicy"
            | "ClusterUserDefinedNetwork"
    );
    let ns = if cluster_scoped {
        None
    } else {
        Some(get("namespace").unwrap_or(DEFAULT_NAMESPACE))
    };
    match (ns, name) {
        (_, None) => format!("{kind} (no name)"),
        (Some(ns), Some(n)) => format!("{kind} {ns}/{n}"),
        (None, Some(n)) => format!("{kind} {n}"),
    }
}

// ---------------------------------------------------------------------------
// Kinds.

enum Class {
    Namespace,
    Pod,
    Policy,
    Workload(WorkloadKind),
    /// A Kubernetes kind under an API group that does not serve it (a typo).
    WrongGroup(&'static str),
    /// Changes connectivity, but the tool does not model it: warn.
    NotEvaluated(String),
    Ignore,
}

/// Groups of Kubernetes itself: a known kind under one of these but not the
/// right one is a mistake, while under a third-party group it is someone
/// else's resource that happens to share the name.
fn is_kubernetes_group(group: &str) -> bool {
    !group.contains('.') || group.ends_with(".k8s.io")
}

fn classify(group: &str, kind: &str) -> Class {
    let expect = |groups: &'static [&'static str], class: Class, expected: &'static str| {
        if groups.contains(&group) {
            class
        } else if is_kubernetes_group(group) {
            Class::WrongGroup(expected)
        } else {
            Class::Ignore
        }
    };
    match kind {
        "Namespace" => return expect(&[""], Class::Namespace, "v1"),
        "Pod" => return expect(&[""], Class::Pod, "v1"),
        "NetworkPolicy" => {
            if matches!(group, "networking.k8s.io" | "extensions") {
                return Class::Policy;
            }
            if is_kubernetes_group(group) {
                return Class::WrongGroup("networking.k8s.io/v1");
            }
            return Class::NotEvaluated(format!(
                "NetworkPolicy of {group} is not evaluated: CNI-specific policies may allow or deny traffic that the results here do not show"
            ));
        }
        _ => {}
    }
    if let Some(wk) = WorkloadKind::parse(kind) {
        let expected = match wk {
            WorkloadKind::ReplicationController => "v1",
            WorkloadKind::Job | WorkloadKind::CronJob => "batch/v1",
            _ => "apps/v1",
        };
        return expect(wk.groups(), Class::Workload(wk), expected);
    }
    let why = match kind {
        "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy" | "ClusterNetworkPolicy" => {
            "cluster-wide admin policies take precedence over NetworkPolicies and may allow or deny traffic that the results here do not show"
        }
        "MultiNetworkPolicy" | "NetworkAttachmentDefinition" => {
            "only the default pod network is analysed, not secondary networks"
        }
        "UserDefinedNetwork" | "ClusterUserDefinedNetwork" => {
            "user-defined networks isolate their pods from the default network, so results for those pods may be wrong"
        }
        "GlobalNetworkPolicy"
        | "StagedNetworkPolicy"
        | "StagedGlobalNetworkPolicy"
        | "StagedKubernetesNetworkPolicy"
        | "CiliumNetworkPolicy"
        | "CiliumClusterwideNetworkPolicy"
        | "EgressFirewall"
        | "EgressNetworkPolicy" => {
            "CNI-specific policies may allow or deny traffic that the results here do not show"
        }
        "VirtualMachine" | "VirtualMachineInstance" => {
            "KubeVirt virtual machines are not modeled as pods; it is left out"
        }
        _ => return Class::Ignore,
    };
    Class::NotEvaluated(format!("{kind} is not evaluated: {why}"))
}

// ---------------------------------------------------------------------------
// Text and documents.

/// Bytes to text: UTF-8 (BOM optional) or UTF-16 with a BOM.
fn decode_text(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |be: bool| -> Result<String, String> {
        let units = bytes[2..].chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| "not valid UTF-16 text".to_string())
    };
    match bytes {
        [0xFF, 0xFE, ..] => utf16(false),
        [0xFE, 0xFF, ..] => utf16(true),
        _ => {
            let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            std::str::from_utf8(b).map(str::to_string).map_err(|e| {
                format!(
                    "not UTF-8 text (a binary file?): invalid byte at offset {}",
                    e.valid_up_to()
                )
            })
        }
    }
}

/// The documents of a file: JSON (one or more concatenated values) when it
/// looks like JSON and parses as such, YAML otherwise.
fn parse_stream(text: &str) -> Vec<Result<Option<Value>, String>> {
    let looks_json = text.trim_start().starts_with(['{', '[']);
    let from_yaml = || -> Vec<Result<Option<Value>, String>> {
        yaml::parse_documents(text)
            .into_iter()
            .map(|d| d.value.map_err(|e| format!("invalid YAML: {}", e.message)))
            .collect()
    };
    if !looks_json {
        return from_yaml();
    }
    let mut json = Vec::new();
    for v in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match v {
            Ok(Value::Null) => json.push(Ok(None)),
            Ok(v) => json.push(Ok(Some(v))),
            Err(e) => {
                json.push(Err(format!("invalid JSON: {e}")));
                break;
            }
        }
    }
    if json.iter().all(Result::is_ok) {
        return json;
    }
    // Flow-style YAML (`{kind: Pod, ...}`) also starts with a brace.
    let y = from_yaml();
    if y.iter().all(Result::is_ok) { y } else { json }
}

// ---------------------------------------------------------------------------
// Decoding only what is needed.

/// Which parts of an object to keep before decoding it.
enum Keep {
    All,
    Fields(&'static [(&'static str, Keep)]),
    Each(&'static Keep),
}

const META: Keep = Keep::Fields(&[
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
const NAMESPACE: Keep = Keep::Fields(&[("metadata", META)]);
const POD: Keep = Keep::Fields(&[
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
const TEMPLATE: Keep = Keep::Fields(&[
    ("metadata", Keep::Fields(&[("labels", Keep::All)])),
    ("spec", POD_SPEC),
]);
const POLICY: Keep = Keep::Fields(&[("metadata", META), ("spec", Keep::All)]);

/// Drops what `keep` does not name. Values of the wrong shape are kept as
/// they are, so that decoding reports them.
fn prune(v: Value, keep: &Keep) -> Value {
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

/// Decodes a value; on failure, the path of the field at fault and serde's
/// message. The path is found by decoding again from pretty-printed text,
/// where serde_json reports a line, and mapping that line back to a path.
fn decode<T: DeserializeOwned>(v: &Value) -> Result<T, (String, String)> {
    let err = match T::deserialize(v) {
        Ok(t) => return Ok(t),
        Err(e) => e.to_string(),
    };
    let Ok(text) = serde_json::to_string_pretty(v) else {
        return Err((String::new(), err));
    };
    let field = match serde_json::from_str::<T>(&text) {
        Ok(_) => String::new(),
        Err(e) => e
            .line()
            .checked_sub(1)
            .and_then(|i| line_paths(v).into_iter().nth(i))
            .unwrap_or_default(),
    };
    Err((field, err))
}

/// The path of the value on each line of `serde_json::to_string_pretty(v)`.
fn line_paths(v: &Value) -> Vec<String> {
    fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push(path.to_string());
                for (k, c) in m {
                    walk(c, &join_path(path, &key_segment(k)), out);
                }
                out.push(path.to_string());
            }
            Value::Array(a) if !a.is_empty() => {
                out.push(path.to_string());
                for (i, c) in a.iter().enumerate() {
                    walk(c, &format!("{path}[{i}]"), out);
                }
                out.push(path.to_string());
            }
            _ => out.push(path.to_string()),
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out
}

/// `name`, or `[app.kubernetes.io/name]` for keys that are not plain names.
fn key_segment(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_string()
    } else {
        format!("[{k}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_paths_match_pretty_printing() {
        let v = serde_json::json!({"a": 1, "b": {"c": [1, {"d": "x"}], "e": {}, "f.g": []}});
        let text = serde_json::to_string_pretty(&v).unwrap();
        let paths = line_paths(&v);
        assert_eq!(text.lines().count(), paths.len());
        let line = text.lines().position(|l| l.contains("\"d\"")).unwrap();
        assert_eq!(paths[line], "b.c[1].d");
        let line = text.lines().position(|l| l.contains("\"f.g\"")).unwrap();
        assert_eq!(paths[line], "b[f.g]");
    }

    #[test]
    fn decode_reports_the_field() {
        let v = serde_json::json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": "http"}]}]}});
        let err = decode::<core::Pod>(&v).unwrap_err();
        assert_eq!(err.0, "spec.containers[0].ports[0].containerPort");
        assert!(err.1.contains("invalid type"), "{}", err.1);
    }

    #[test]
    fn utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "kind: Pod".encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        assert_eq!(decode_text(&b).unwrap(), "kind: Pod");
        assert!(decode_text(&[0xC3, 0x28]).is_err());
    }
}
