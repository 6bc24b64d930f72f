//! Offline input: manifests from files, directories or stdin (`-f PATH`).
//!
//! Reads what `kubectl get -o yaml|json` prints and what people keep in git:
//! multi-document YAML, JSON, `List`/`*List` objects, CRLF, a BOM (UTF-8 or
//! UTF-16, as PowerShell writes). Namespaces, Pods, Services and NetworkPolicies are
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
//!
//! The stages, one file each: `walk` (paths to texts), `decode` (texts to
//! objects), `classify` (which kinds count), `prune` (which fields are
//! read) and `workloads` (workloads and owners to pods, and the snapshot).

mod classify;
mod decode;
mod direct;
mod fast;
mod json_list;
mod parallel;
mod prune;
mod walk;
mod workloads;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;

use crate::engine::model::{Namespace, Pod, Policy, Service, Snapshot};
use crate::source::convert::{DEFAULT_NAMESPACE, FieldError};
use workloads::Workload;

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

/// What manifests hold: the state that could be read, and what could not
/// (located errors, before [`crate::source::load`] flattens them to text).
#[derive(Debug, Clone, Default)]
pub struct Manifests {
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

#[cfg(test)]
impl Manifests {
    /// Two loads of the same input agree: state, errors, warnings and the
    /// implicit namespaces (the tests of each faster path against its
    /// reference).
    pub(crate) fn assert_same_as(&self, other: &Manifests) {
        assert_eq!(
            format!("{:#?}", self.snapshot),
            format!("{:#?}", other.snapshot)
        );
        assert_eq!(self.errors, other.errors);
        assert_eq!(self.warnings, other.warnings);
        assert_eq!(self.implicit_namespaces, other.implicit_namespaces);
    }
}

/// Loads files, directories (recursively: `.yaml`, `.yml`, `.json`, in
/// sorted path order) and `-` (stdin), in the order given.
pub fn load_paths(paths: &[PathBuf]) -> Manifests {
    let mut l = Loader::default();
    for p in paths {
        if p.as_os_str() == "-" {
            let mut bytes = Vec::new();
            match std::io::stdin().lock().read_to_end(&mut bytes) {
                Ok(_) => l.add_bytes(STDIN_NAME, bytes, false),
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
pub fn load_sources(sources: &[(String, String)]) -> Manifests {
    let mut l = Loader::default();
    for (name, text) in sources {
        l.add_text(name, text, false);
    }
    l.finish()
}

const STDIN_NAME: &str = "<stdin>";

// ---------------------------------------------------------------------------
// Where an object came from.

/// Every object keeps one (for duplicate warnings): the file name is
/// shared, not copied per object.
#[derive(Debug, Clone)]
struct Loc {
    file: Arc<str>,
    document: usize,
    /// Path of the object inside its document (`items[3]`), empty at the root.
    prefix: String,
}

impl Loc {
    /// The general form of [`Loc::item`] (which the tests check it against).
    #[cfg(test)]
    fn child(&self, seg: &str) -> Loc {
        Loc {
            file: self.file.clone(),
            document: self.document,
            prefix: join_path(&self.prefix, seg),
        }
    }

    /// `child("items[i]")` in one allocation.
    fn item(&self, i: usize) -> Loc {
        let prefix = match self.prefix.is_empty() {
            true => format!("items[{i}]"),
            false => format!("{}.items[{i}]", self.prefix),
        };
        Loc {
            file: self.file.clone(),
            document: self.document,
            prefix,
        }
    }

    /// A copy with a file name of its own, for another thread (threads
    /// sharing one count would contend on it at every object).
    fn detached(&self) -> Loc {
        Loc {
            file: Arc::from(&*self.file),
            ..self.clone()
        }
    }

    fn error(&self, object: Option<&str>, field: &str, message: impl Into<String>) -> LoadError {
        let field = join_path(&self.prefix, field);
        LoadError {
            file: self.file.to_string(),
            document: Some(self.document),
            object: object.map(str::to_string),
            field: (!field.is_empty()).then_some(field),
            message: message.into(),
        }
    }

    /// The conversion's field errors, located in this document.
    fn field_errors<'a>(
        &'a self,
        object: &'a str,
        fes: &'a [FieldError],
    ) -> impl Iterator<Item = LoadError> + 'a {
        fes.iter()
            .map(move |fe| self.error(Some(object), &fe.path, fe.reason.clone()))
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
#[derive(Debug)]
enum Data {
    Namespace(Namespace),
    /// `None`: a pod that has finished (Succeeded/Failed) and is dropped.
    Pod(Option<Pod>),
    Policy(Policy),
    ClusterPolicy(crate::engine::tiers::ClusterPolicy),
    Service(Service),
    Workload(Workload),
}

#[derive(Debug)]
struct Entry {
    loc: Loc,
    data: Data,
}

/// Kind, namespace ("" for namespaces), name.
type ObjKey = (&'static str, String, String);

/// An insertion a worker loader leaves for the main one: the key, the
/// entry, the object's label, and how many warnings came before it (so that
/// replaying keeps every message in input order).
type Deferred = (ObjKey, Entry, String, usize);

#[derive(Default)]
struct Loader {
    errors: Vec<LoadError>,
    warnings: Vec<LoadError>,
    objects: BTreeMap<ObjKey, Entry>,
    /// Objects of big Lists kept as the workers left them (see
    /// [`Loader::replay_all`]): each run in strictly increasing key order
    /// and above every key there was when it came, so the runs in turn are
    /// one sorted sequence, with no key in `objects` too.
    runs: Vec<Vec<Deferred>>,
    seen_files: BTreeSet<PathBuf>,
    /// Set on the workers of [`Loader::add_items`]: inserts are recorded here
    /// and replayed in order by the main loader.
    deferred: Option<Vec<Deferred>>,
    /// Every document through the value (tests compare the two paths).
    general_only: bool,
}

impl Loader {
    /// Keeps the later of two definitions of one object, with a warning.
    fn insert(&mut self, key: ObjKey, loc: &Loc, object: &str, data: Data) {
        let entry = Entry {
            loc: loc.clone(),
            data,
        };
        if let Some(d) = &mut self.deferred {
            d.push((key, entry, object.to_string(), self.warnings.len()));
            return;
        }
        self.insert_entry(key, entry, object);
    }

    fn insert_entry(&mut self, key: ObjKey, entry: Entry, object: &str) {
        use std::collections::btree_map::Entry as Slot;
        let w = match self.run_slot(&key) {
            Some(slot) => {
                let old = std::mem::replace(slot, entry);
                duplicate(slot, &old, object)
            }
            None => match self.objects.entry(key) {
                Slot::Vacant(v) => {
                    v.insert(entry);
                    return;
                }
                Slot::Occupied(mut o) => {
                    let old = std::mem::replace(o.get_mut(), entry);
                    duplicate(o.get(), &old, object)
                }
            },
        };
        self.warnings.push(w);
    }

    /// The entry of `key` when a run holds it.
    fn run_slot(&mut self, key: &ObjKey) -> Option<&mut Entry> {
        let i = self
            .runs
            .partition_point(|r| r.last().is_some_and(|l| l.0 < *key));
        let run = self.runs.get_mut(i)?;
        let j = run.binary_search_by(|d| d.0.cmp(key)).ok()?;
        Some(&mut run[j].1)
    }

    /// Every object in key order: the map and the runs merged.
    fn into_objects(
        objects: BTreeMap<ObjKey, Entry>,
        runs: Vec<Vec<Deferred>>,
    ) -> impl Iterator<Item = (ObjKey, Entry)> {
        let mut a = objects.into_iter().peekable();
        let mut b = runs.into_iter().flatten().map(|d| (d.0, d.1)).peekable();
        std::iter::from_fn(move || match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y.0 < x.0 => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        })
    }
}

/// The warning for `new` replacing `old` (the later definition is used).
fn duplicate(new: &Entry, old: &Entry, object: &str) -> LoadError {
    new.loc.error(
        Some(object),
        "",
        format!(
            "duplicate: also defined in {} document {}; this later definition is used",
            old.loc.file,
            old.loc.document + 1
        ),
    )
}

/// `metadata.namespace`, or the namespace the API server would use.
fn namespace_of(m: &meta::ObjectMeta) -> String {
    m.namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
}
