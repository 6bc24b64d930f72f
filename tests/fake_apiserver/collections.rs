//! Collections: paged lists, server-side Tables and watch streams.

use super::server::{
    decode_continue, encode_continue, error_response, forbidden, full, json_response, status,
};
use super::*;

pub(super) fn list_collection(
    shared: &Shared,
    kind: Kind,
    namespace: Option<String>,
    q: &BTreeMap<String, String>,
    accept: &str,
) -> Response<Body> {
    let inner = shared.inner.lock().unwrap();
    if inner.forbidden(kind, namespace.as_deref()) {
        return forbidden(kind, "list", namespace.as_deref());
    }
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let (list_rv, after) = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let Some((rv, ns, name)) = decode_continue(token) else {
                return error_response(400, "BadRequest", "invalid continue token", json!({}));
            };
            if rv < inner.compacted {
                return error_response(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. \
                     You can start a new list without the continue parameter.",
                    json!({}),
                );
            }
            (rv, Some((ns, name)))
        }
        None => {
            let exact = q.get("resourceVersionMatch").map(String::as_str) == Some("Exact");
            match q.get("resourceVersion").and_then(|r| r.parse::<u64>().ok()) {
                Some(rv) if exact && rv != 0 => {
                    if rv < inner.compacted {
                        return error_response(
                            410,
                            "Expired",
                            &format!("too old resource version: {rv} ({})", inner.compacted),
                            json!({}),
                        );
                    }
                    (rv, None)
                }
                _ => (inner.rv, None),
            }
        }
    };
    let start: Key = match (&after, &namespace) {
        (Some((ns, name)), _) => (kind, ns.clone(), name.clone()),
        (None, Some(ns)) => (kind, ns.clone(), String::new()),
        (None, None) => (kind, String::new(), String::new()),
    };
    let mut items: Vec<(Arc<Value>, Bytes)> = Vec::new();
    let mut last: Option<Key> = None;
    // Stop at the first object past the page: counting the rest
    // (remainingItemCount, optional in the API) made a paged list of N
    // objects cost N²/limit.
    let mut more = false;
    for (key, versions) in inner.store.range(start.clone()..) {
        if key.0 != kind || namespace.as_ref().is_some_and(|ns| *ns < key.1) {
            break;
        }
        if after.is_some() && *key == start {
            continue;
        }
        if namespace.as_ref().is_some_and(|ns| *ns != key.1) {
            continue;
        }
        let Some(v) = Inner::version_at(versions, list_rv) else {
            continue;
        };
        if items.len() == limit {
            more = true;
            break;
        }
        items.push((v.obj.clone().unwrap(), v.json.clone()));
        last = Some(key.clone());
    }
    let mut metadata = json!({"resourceVersion": list_rv.to_string()});
    if more {
        let (_, ns, name) = last.clone().unwrap();
        metadata["continue"] = json!(encode_continue(list_rv, &ns, &name));
    }
    drop(inner);
    if accept.contains("as=Table") {
        let objs: Vec<Arc<Value>> = items.into_iter().map(|(o, _)| o).collect();
        return json_response(StatusCode::OK, &table(kind, &objs, metadata, q));
    }
    let size: usize = items.iter().map(|(_, j)| j.len() + 1).sum();
    let mut body = Vec::with_capacity(size + 256);
    body.extend_from_slice(
        format!(
            "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
            kind.kind(),
            kind.api_version(),
            metadata
        )
        .as_bytes(),
    );
    for (i, (_, json)) in items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(json);
    }
    body.extend_from_slice(b"]}");
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json")
        .body(full(body))
        .unwrap()
}

/// A server-side `Table`, as kubectl asks for.
pub(super) fn table(
    kind: Kind,
    items: &[Arc<Value>],
    metadata: Value,
    q: &BTreeMap<String, String>,
) -> Value {
    let col = |name: &str, ty: &str, format: &str| json!({"name": name, "type": ty, "format": format, "description": "", "priority": 0});
    let columns = match kind {
        Kind::Pod => vec![
            col("Name", "string", "name"),
            col("Ready", "string", ""),
            col("Status", "string", ""),
            col("Restarts", "string", ""),
            col("Age", "string", ""),
            json!({"name": "IP", "type": "string", "format": "", "description": "", "priority": 1}),
        ],
        Kind::Namespace => vec![
            col("Name", "string", "name"),
            col("Status", "string", ""),
            col("Age", "string", ""),
        ],
        Kind::NetworkPolicy => vec![
            col("Name", "string", "name"),
            col("Pod-Selector", "string", ""),
            col("Age", "string", ""),
        ],
        Kind::Service => vec![
            col("Name", "string", "name"),
            col("Type", "string", ""),
            col("Age", "string", ""),
        ],
        Kind::ClusterNetworkPolicy => vec![
            col("Name", "string", "name"),
            col("Tier", "string", ""),
            col("Priority", "string", ""),
            col("Age", "string", ""),
        ],
    };
    let include_object = q
        .get("includeObject")
        .map(String::as_str)
        .unwrap_or("Metadata");
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let name = o["metadata"]["name"].clone();
            let cells = match kind {
                Kind::Pod => {
                    let n = o["spec"]["containers"].as_array().map_or(0, Vec::len);
                    let phase = o["status"]["phase"].as_str().unwrap_or("Pending");
                    let ready = if phase == "Running" { n } else { 0 };
                    let ip = o["status"]["podIP"].as_str().unwrap_or("<none>");
                    json!([name, format!("{ready}/{n}"), phase, "0", "1m", ip])
                }
                Kind::Namespace => json!([name, o["status"]["phase"].as_str().unwrap_or("Active"), "1m"]),
                Kind::NetworkPolicy => {
                    let sel = o["spec"]["podSelector"]["matchLabels"]
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| "<none>".into());
                    json!([name, sel, "1m"])
                }
                Kind::Service => json!([name, o["spec"]["type"].as_str().unwrap_or("ClusterIP"), "1m"]),
                Kind::ClusterNetworkPolicy => json!([name, o["spec"]["tier"].clone(), o["spec"]["priority"].to_string(), "1m"]),
            };
            let object = match include_object {
                "None" => Value::Null,
                "Object" => (**o).clone(),
                _ => json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}),
            };
            json!({"cells": cells, "object": object})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata,
           "columnDefinitions": columns, "rows": rows})
}

pub(super) async fn watch_collection(
    shared: Arc<Shared>,
    kind: Kind,
    namespace: Option<String>,
    q: &BTreeMap<String, String>,
) -> Response<Body> {
    // Paused: hold the request until resumed.
    let mut paused = shared.paused.subscribe();
    while *paused.borrow_and_update() {
        if paused.changed().await.is_err() {
            break;
        }
    }
    let bookmarks = q.get("allowWatchBookmarks").map(String::as_str) == Some("true");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .filter(|t| *t > 0)
        .map(Duration::from_secs);
    let from = q
        .get("resourceVersion")
        .filter(|r| !r.is_empty() && *r != "0");
    let (tx, rx) = mpsc::unbounded_channel::<Bytes>();
    {
        let mut inner = shared.inner.lock().unwrap();
        if inner.forbidden(kind, namespace.as_deref()) {
            return forbidden(kind, "watch", namespace.as_deref());
        }
        let in_scope = |ns: &str| namespace.as_deref().is_none_or(|n| n == ns);
        match from {
            None => {
                // Synthetic ADDED for everything, then changes.
                for (key, versions) in inner
                    .store
                    .iter()
                    .filter(|(k, _)| k.0 == kind && in_scope(&k.1))
                {
                    let _ = key;
                    if let Some(obj) = versions.last().and_then(|v| v.obj.as_ref()) {
                        let _ = tx.send(line(&json!({"type": "ADDED", "object": &**obj})));
                    }
                }
            }
            Some(rv) => {
                let Ok(rv) = rv.parse::<u64>() else {
                    return error_response(
                        400,
                        "BadRequest",
                        &format!("invalid resourceVersion {rv:?}"),
                        json!({}),
                    );
                };
                if rv < inner.compacted {
                    // As the API server does: 200, then one ERROR event.
                    let err = status(
                        410,
                        "Expired",
                        &format!("too old resource version: {rv} ({})", inner.compacted),
                        json!({}),
                    );
                    let _ = tx.send(line(&json!({"type": "ERROR", "object": err})));
                    drop(tx);
                    return stream_response(rx, None);
                }
                for e in inner
                    .log
                    .iter()
                    .filter(|e| e.rv > rv && e.kind == kind && in_scope(&e.namespace))
                {
                    let _ = tx.send(line(&json!({"type": e.etype, "object": &*e.obj})));
                }
            }
        }
        inner.subscribers.push(Subscriber {
            kind,
            namespace,
            bookmarks,
            tx,
        });
    }
    stream_response(rx, timeout)
}

pub(super) fn stream_response(
    rx: mpsc::UnboundedReceiver<Bytes>,
    timeout: Option<Duration>,
) -> Response<Body> {
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let frames = futures::stream::unfold(rx, move |mut rx| async move {
        let next = match deadline {
            Some(d) => tokio::time::timeout_at(d, rx.recv()).await.ok().flatten(),
            None => rx.recv().await,
        };
        next.map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json")
        .body(StreamBody::new(frames).boxed())
        .unwrap()
}
