//! HTTP: accepting connections, routing a path, Status bodies, discovery.

use super::collections::{list_collection, watch_collection};
use super::*;

pub(super) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // As Go's net/http (the API server) does: no Nagle delay on the
        // small writes of a watch stream.
        let _ = stream.set_nodelay(true);
        let s = shared.clone();
        let conn = tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let s = s.clone();
                async move { Ok::<_, Infallible>(handle(s, req).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
        let mut inner = shared.inner.lock().unwrap();
        inner.conns.retain(|c| !c.is_finished());
        inner.conns.push(conn);
    }
}

pub(super) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

pub(super) fn json_response(code: StatusCode, v: &Value) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(CONTENT_TYPE, "application/json")
        .body(full(serde_json::to_vec(v).unwrap()))
        .unwrap()
}

pub(super) fn status(code: u16, reason: &str, message: &str, details: Value) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "details": details, "code": code})
}

pub(super) fn error_response(
    code: u16,
    reason: &str,
    message: &str,
    details: Value,
) -> Response<Body> {
    json_response(
        StatusCode::from_u16(code).unwrap(),
        &status(code, reason, message, details),
    )
}

pub(super) fn not_found(path: &str) -> Response<Body> {
    error_response(
        404,
        "NotFound",
        &format!("the server could not find the requested resource ({path})"),
        json!({}),
    )
}

pub(super) fn forbidden(kind: Kind, verb: &str, namespace: Option<&str>) -> Response<Body> {
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    let message = format!(
        "{res} is forbidden: User \"system:serviceaccount:test:netpol-tui\" cannot {verb} resource \"{res}\" in API group \"{}\" {scope}",
        kind.group(),
        res = kind.resource()
    );
    let mut details = json!({"kind": kind.resource()});
    if !kind.group().is_empty() {
        details["group"] = json!(kind.group());
    }
    error_response(403, "Forbidden", &message, details)
}

pub(super) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// What a path names.
enum Route {
    Version,
    CoreVersions,
    CoreResources,
    Groups,
    NetworkingGroup,
    NetworkingResources,
    Collection {
        kind: Kind,
        namespace: Option<String>,
    },
    Object {
        kind: Kind,
        namespace: Option<String>,
        name: String,
    },
}

fn route(path: &str) -> Option<Route> {
    let path = path.trim_end_matches('/');
    match path {
        "/version" => return Some(Route::Version),
        "/api" => return Some(Route::CoreVersions),
        "/api/v1" => return Some(Route::CoreResources),
        "/apis" => return Some(Route::Groups),
        "/apis/networking.k8s.io" => return Some(Route::NetworkingGroup),
        "/apis/networking.k8s.io/v1" => return Some(Route::NetworkingResources),
        _ => {}
    }
    let (group, rest) = if let Some(r) = path.strip_prefix("/api/v1/") {
        ("", r)
    } else if let Some(r) = path.strip_prefix("/apis/networking.k8s.io/v1/") {
        ("networking.k8s.io", r)
    } else if let Some(r) = path.strip_prefix("/apis/policy.networking.k8s.io/v1alpha2/") {
        ("policy.networking.k8s.io", r)
    } else {
        return None;
    };
    let seg: Vec<&str> = rest.split('/').collect();
    let kind = |r: &str| Kind::from_path(group, r);
    match seg.as_slice() {
        [r] => Some(Route::Collection {
            kind: kind(r)?,
            namespace: None,
        }),
        ["namespaces", name] if group.is_empty() => Some(Route::Object {
            kind: Kind::Namespace,
            namespace: None,
            name: name.to_string(),
        }),
        ["namespaces", ns, r] => {
            let k = kind(r)?;
            k.namespaced().then(|| Route::Collection {
                kind: k,
                namespace: Some(ns.to_string()),
            })
        }
        ["namespaces", ns, r, name] => {
            let k = kind(r)?;
            k.namespaced().then(|| Route::Object {
                kind: k,
                namespace: Some(ns.to_string()),
                name: name.to_string(),
            })
        }
        _ => None,
    }
}

pub(super) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let accept = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let unauthorized = {
        let mut inner = shared.inner.lock().unwrap();
        inner.requests.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
        });
        inner.unauthorized
    };
    if unauthorized {
        return error_response(401, "Unauthorized", "Unauthorized", json!({}));
    }
    if method != "GET" {
        return error_response(
            405,
            "MethodNotAllowed",
            &format!("the fake API server is read-only: {method} is not supported"),
            json!({}),
        );
    }
    let q = parse_query(&query);
    let Some(r) = route(&path) else {
        return not_found(&path);
    };
    match r {
        Route::Version => json_response(
            StatusCode::OK,
            &json!({"major": "1", "minor": "34", "gitVersion": "v1.34.0-fake", "gitCommit": "fake",
                    "gitTreeState": "clean", "buildDate": "2025-08-27T00:00:00Z", "goVersion": "go1.24",
                    "compiler": "gc", "platform": "linux/amd64"}),
        ),
        Route::CoreVersions => json_response(
            StatusCode::OK,
            &json!({"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": shared.addr.to_string()}]}),
        ),
        Route::Groups => json_response(
            StatusCode::OK,
            &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [networking_group()]}),
        ),
        Route::NetworkingGroup => {
            let mut g = networking_group();
            g["kind"] = json!("APIGroup");
            g["apiVersion"] = json!("v1");
            json_response(StatusCode::OK, &g)
        }
        Route::CoreResources => json_response(
            StatusCode::OK,
            &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
                resource_entry("namespaces", "namespace", false, "Namespace", &["ns"]),
                resource_entry("pods", "pod", true, "Pod", &["po"]),
            ]}),
        ),
        Route::NetworkingResources => json_response(
            StatusCode::OK,
            &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "networking.k8s.io/v1", "resources": [
                resource_entry("networkpolicies", "networkpolicy", true, "NetworkPolicy", &["netpol"]),
            ]}),
        ),
        Route::Object {
            kind,
            namespace,
            name,
        } => {
            let inner = shared.inner.lock().unwrap();
            if inner.forbidden(kind, namespace.as_deref()) {
                return forbidden(kind, "get", namespace.as_deref());
            }
            let key = (kind, namespace.unwrap_or_default(), name.clone());
            match inner.current(&key) {
                Some(o) => json_response(StatusCode::OK, &o),
                None => error_response(
                    404,
                    "NotFound",
                    &format!("{} \"{name}\" not found", kind.resource()),
                    json!({"name": name, "kind": kind.resource()}),
                ),
            }
        }
        Route::Collection { kind, namespace } => {
            if shared.inner.lock().unwrap().uninstalled.contains(&kind) {
                return error_response(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                    json!({}),
                );
            }
            for sel in ["labelSelector", "fieldSelector"] {
                if q.get(sel).is_some_and(|s| !s.is_empty()) {
                    return error_response(
                        400,
                        "BadRequest",
                        &format!("the fake does not support {sel}"),
                        json!({}),
                    );
                }
            }
            let watching = matches!(q.get("watch").map(String::as_str), Some("true" | "1"));
            if watching {
                watch_collection(shared, kind, namespace, &q).await
            } else {
                list_collection(&shared, kind, namespace, &q, &accept)
            }
        }
    }
}

pub(super) fn networking_group() -> Value {
    json!({"name": "networking.k8s.io",
           "versions": [{"groupVersion": "networking.k8s.io/v1", "version": "v1"}],
           "preferredVersion": {"groupVersion": "networking.k8s.io/v1", "version": "v1"}})
}

pub(super) fn resource_entry(
    name: &str,
    singular: &str,
    namespaced: bool,
    kind: &str,
    short: &[&str],
) -> Value {
    json!({"name": name, "singularName": singular, "namespaced": namespaced, "kind": kind,
           "verbs": ["get", "list", "watch"], "shortNames": short})
}

pub(super) fn encode_continue(rv: u64, ns: &str, name: &str) -> String {
    format!("{rv}\n{ns}\n{name}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn decode_continue(token: &str) -> Option<(u64, String, String)> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let mut parts = text.splitn(3, '\n');
    let rv = parts.next()?.parse().ok()?;
    Some((rv, parts.next()?.to_string(), parts.next()?.to_string()))
}
