//! The fake's object store: versions per object, the event log, compaction
//! and fan-out to watch subscribers.

use super::*;

impl Inner {
    pub(super) fn current(&self, key: &Key) -> Option<Arc<Value>> {
        self.store
            .get(key)
            .and_then(|v| v.last())
            .and_then(|v| v.obj.clone())
    }

    /// The version of an object a list at `rv` shows, if it existed then.
    pub(super) fn version_at(versions: &[Version], rv: u64) -> Option<&Version> {
        versions
            .iter()
            .rev()
            .find(|v| v.rv <= rv)
            .filter(|v| v.obj.is_some())
    }

    pub(super) fn put(&mut self, mut obj: Value, exists: Option<bool>) -> u64 {
        let kind_name = obj["kind"]
            .as_str()
            .expect("object without kind")
            .to_string();
        let kind = Kind::from_kind(&kind_name)
            .unwrap_or_else(|| panic!("the fake does not serve {kind_name}"));
        obj["apiVersion"] = json!(kind.api_version());
        let name = obj["metadata"]["name"]
            .as_str()
            .expect("object without name")
            .to_string();
        let namespace = if kind.namespaced() {
            let ns = obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string();
            obj["metadata"]["namespace"] = json!(ns);
            ns
        } else {
            String::new()
        };
        let key = (kind, namespace.clone(), name.clone());
        let old = self.current(&key);
        match (exists, &old) {
            (Some(false), Some(_)) => panic!("{kind_name} {namespace}/{name} already exists"),
            (Some(true), None) => panic!("{kind_name} {namespace}/{name} does not exist"),
            _ => {}
        }
        self.rv += 1;
        let rv = self.rv;
        let meta = obj["metadata"].as_object_mut().unwrap();
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        match &old {
            Some(o) => {
                meta.insert("uid".into(), o["metadata"]["uid"].clone());
                meta.insert(
                    "creationTimestamp".into(),
                    o["metadata"]["creationTimestamp"].clone(),
                );
            }
            None => {
                self.uid += 1;
                meta.entry("uid")
                    .or_insert(json!(format!("00000000-0000-4000-8000-{:012}", self.uid)));
                meta.entry("creationTimestamp")
                    .or_insert(json!(now_rfc3339()));
            }
        }
        if kind == Kind::Namespace {
            // As the API server does since 1.21.
            let labels = meta.entry("labels").or_insert(json!({}));
            labels["kubernetes.io/metadata.name"] = json!(name);
            obj.as_object_mut()
                .unwrap()
                .entry("status")
                .or_insert(json!({"phase": "Active"}));
        }
        let obj = Arc::new(obj);
        let etype = if old.is_some() { "MODIFIED" } else { "ADDED" };
        let json = Bytes::from(serde_json::to_vec(&*obj).unwrap());
        self.store.entry(key).or_default().push(Version {
            rv,
            obj: Some(obj.clone()),
            json,
        });
        self.publish(LogEntry {
            rv,
            kind,
            namespace,
            etype,
            obj,
        });
        rv
    }

    pub(super) fn delete(&mut self, kind: Kind, namespace: &str, name: &str) -> u64 {
        let ns = if kind.namespaced() { namespace } else { "" };
        let key = (kind, ns.to_string(), name.to_string());
        let old = self
            .current(&key)
            .unwrap_or_else(|| panic!("{} {ns}/{name} does not exist", kind.kind()));
        self.rv += 1;
        let rv = self.rv;
        let mut last = (*old).clone();
        last["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.store.get_mut(&key).unwrap().push(Version {
            rv,
            obj: None,
            json: Bytes::new(),
        });
        self.publish(LogEntry {
            rv,
            kind,
            namespace: ns.to_string(),
            etype: "DELETED",
            obj: Arc::new(last),
        });
        rv
    }

    pub(super) fn publish(&mut self, entry: LogEntry) {
        let ev = line(&json!({"type": entry.etype, "object": &*entry.obj}));
        self.subscribers.retain(|s| {
            if s.kind != entry.kind || s.namespace.as_ref().is_some_and(|n| *n != entry.namespace) {
                return !s.tx.is_closed();
            }
            s.tx.send(ev.clone()).is_ok()
        });
        self.log.push(entry);
    }

    pub(super) fn forbidden(&self, kind: Kind, namespace: Option<&str>) -> bool {
        self.forbidden.contains(&(kind, Scope::Any))
            || match namespace {
                None => self.forbidden.contains(&(kind, Scope::Cluster)),
                Some(ns) => self
                    .forbidden
                    .contains(&(kind, Scope::Namespace(ns.to_string()))),
            }
    }
}

pub(super) fn line(v: &Value) -> Bytes {
    let mut s = serde_json::to_vec(v).unwrap();
    s.push(b'\n');
    Bytes::from(s)
}

pub(super) fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
