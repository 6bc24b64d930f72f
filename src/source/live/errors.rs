//! Errors of the live source, written for the person at the terminal: which
//! server and context, what was refused, and how to fix it. Never a stack of
//! library error types.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use super::ResourceKind;

/// Where the cluster in use lives; carried into every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The API server URL, e.g. `https://10.0.0.1:6443`.
    pub server: String,
    /// The kubeconfig context (`in-cluster` when running in a pod).
    pub context: String,
    /// The effective request timeout (`None`: no limit).
    pub timeout: Option<Duration>,
}

/// Why the live source cannot serve the cluster state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveError {
    /// No usable kubeconfig, context or credentials.
    Config { message: String },
    /// The API server could not be reached, or did not answer in time.
    Unreachable {
        server: String,
        context: String,
        reason: String,
    },
    /// 401: the credentials of the context were refused.
    Unauthorized {
        server: String,
        context: String,
        message: String,
    },
    /// 403: RBAC does not allow `verb` on `resource` (in `namespace`, or
    /// cluster-wide when `None`).
    Forbidden {
        context: String,
        resource: ResourceKind,
        verb: &'static str,
        namespace: Option<String>,
        message: String,
    },
    /// Any other error answer of the API server.
    Api {
        server: String,
        context: String,
        resource: ResourceKind,
        code: u16,
        message: String,
    },
}

/// Where the fix for a 403 lives (also embedded as [`super::RBAC_YAML`]).
pub const RBAC_HINT: &str = "assets/rbac.yaml";

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::Config { message } => f.write_str(message),
            LiveError::Unreachable {
                server,
                context,
                reason,
            } => write!(
                f,
                "cannot reach the Kubernetes API server at {server} (context \"{context}\"): {reason}. \
                 Check that the cluster is up and that --context/--kubeconfig select the right one"
            ),
            LiveError::Unauthorized {
                server,
                context,
                message,
            } => write!(
                f,
                "the API server at {server} rejected the credentials of context \"{context}\" \
                 (401 Unauthorized: {message}). Log in again or refresh the token, then retry"
            ),
            LiveError::Forbidden {
                context,
                resource,
                verb,
                namespace,
                message,
            } => {
                let scope = match namespace {
                    Some(ns) => format!("in namespace \"{ns}\""),
                    None => "in all namespaces (cluster scope)".to_string(),
                };
                write!(
                    f,
                    "forbidden: context \"{context}\" may not {verb} {} {scope} (403: {message}). \
                     netpol-tui needs get, list and watch on namespaces, pods and \
                     networkpolicies.networking.k8s.io. Fix: have a cluster admin run \
                     `kubectl apply -f {RBAC_HINT}` and bind the ClusterRole netpol-tui-reader \
                     to you, as the comment at the top of that file shows",
                    resource.qualified()
                )?;
                if namespace.is_none() && *resource != ResourceKind::Namespaces {
                    write!(
                        f,
                        "; or pass -n NAMESPACE to look at one namespace you may read"
                    )?;
                }
                Ok(())
            }
            LiveError::Api {
                server,
                context,
                resource,
                code,
                message,
            } => write!(
                f,
                "the API server at {server} (context \"{context}\") failed to list {}: {code} {message}",
                resource.qualified()
            ),
        }
    }
}

impl StdError for LiveError {}

/// The status code of an API error answer, if the error is one.
pub(crate) fn api_status(err: &kube::Error) -> Option<&kube::core::Status> {
    match err {
        kube::Error::Api(s) => Some(s),
        _ => None,
    }
}

pub(crate) fn is_forbidden(err: &kube::Error) -> bool {
    api_status(err).is_some_and(|s| s.code == 403)
}

pub(crate) fn is_gone(err: &kube::Error) -> bool {
    api_status(err).is_some_and(|s| s.code == 410)
}

/// True for errors of the connection rather than answers of the server.
pub(crate) fn is_transport(err: &kube::Error) -> bool {
    matches!(
        err,
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_)
    )
}

/// Turns a client error into the message a person should read.
pub(crate) fn classify(
    err: &kube::Error,
    target: &Target,
    resource: ResourceKind,
    verb: &'static str,
    namespace: Option<&str>,
) -> LiveError {
    if let Some(status) = api_status(err) {
        let message = if status.message.is_empty() {
            status.reason.clone()
        } else {
            status.message.clone()
        };
        return match status.code {
            401 => LiveError::Unauthorized {
                server: target.server.clone(),
                context: target.context.clone(),
                message,
            },
            403 => LiveError::Forbidden {
                context: target.context.clone(),
                resource,
                verb,
                namespace: namespace.map(str::to_string),
                message,
            },
            code => LiveError::Api {
                server: target.server.clone(),
                context: target.context.clone(),
                resource,
                code,
                message,
            },
        };
    }
    if let kube::Error::Auth(e) = err {
        return LiveError::Config {
            message: format!(
                "cannot get credentials for context \"{}\": {}",
                target.context,
                root_cause(e)
            ),
        };
    }
    LiveError::Unreachable {
        server: target.server.clone(),
        context: target.context.clone(),
        reason: transport_reason(err, target.timeout),
    }
}

/// A short human reason for a failed connection.
pub(crate) fn transport_reason(
    err: &(dyn StdError + 'static),
    timeout: Option<Duration>,
) -> String {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => return "connection refused".into(),
                io::ErrorKind::TimedOut => return timed_out(timeout),
                io::ErrorKind::ConnectionReset => return "connection reset by the server".into(),
                io::ErrorKind::UnexpectedEof => return "the server closed the connection".into(),
                _ => {}
            }
        }
        cur = e.source();
    }
    let text = root_cause(err);
    let lower = text.to_ascii_lowercase();
    if lower.contains("timed out") || lower.contains("deadline") || lower.contains("elapsed") {
        return timed_out(timeout);
    }
    if lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve") {
        return format!("cannot resolve the server's host name ({text})");
    }
    text
}

fn timed_out(timeout: Option<Duration>) -> String {
    match timeout {
        Some(t) => format!("no answer within {} (--request-timeout)", human_duration(t)),
        None => "the request timed out".into(),
    }
}

pub(crate) fn human_duration(d: Duration) -> String {
    if d.subsec_millis() != 0 && d < Duration::from_secs(10) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs())
    }
}

/// The innermost error's message: the one that says what actually happened.
pub(crate) fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut cur = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// A one-line message for a watcher error, for the health view.
pub(crate) fn watcher_error_message(
    err: &kube::runtime::watcher::Error,
    target: &Target,
) -> String {
    use kube::runtime::watcher::Error as W;
    match err {
        W::InitialListFailed(e) | W::WatchStartFailed(e) | W::WatchFailed(e) => match api_status(e)
        {
            Some(s) => format!("{} {}", s.code, s.message),
            None => format!(
                "cannot reach {} (context \"{}\"): {}",
                target.server,
                target.context,
                transport_reason(e, target.timeout)
            ),
        },
        W::WatchError(s) => format!("{} {}", s.code, s.message),
        W::NoResourceVersion => "the server sent no resourceVersion".into(),
    }
}

/// The client error inside a watcher error, if any.
pub(crate) fn watcher_client_error(err: &kube::runtime::watcher::Error) -> Option<&kube::Error> {
    use kube::runtime::watcher::Error as W;
    match err {
        W::InitialListFailed(e) | W::WatchStartFailed(e) | W::WatchFailed(e) => Some(e),
        _ => None,
    }
}

pub(crate) fn watcher_is_forbidden(err: &kube::runtime::watcher::Error) -> bool {
    use kube::runtime::watcher::Error as W;
    match err {
        W::WatchError(s) => s.code == 403,
        other => watcher_client_error(other).is_some_and(is_forbidden),
    }
}
