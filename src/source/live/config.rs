//! Which cluster, as kubectl would pick it: `--kubeconfig`, else `$KUBECONFIG`
//! (a list of files, merged), else `~/.kube/config`, else the in-cluster
//! service account; `--context`, else the current context. The request
//! timeout bounds connecting and every read.

use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::LiveOptions;
use super::errors::{LiveError, Target};

/// The request timeout when `--request-timeout` is not given. kubectl waits
/// forever by default; a browser of cluster state should not.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Watches are closed by the server after this long and resumed from the
/// last resourceVersion (cheap: no relist). Keeps a silently dead connection
/// from going unnoticed for long.
pub(crate) const WATCH_TIMEOUT_SECS: u32 = 60;

/// A watch may sit idle (no event, no bookmark) until the server closes it,
/// so its read timeout must outlast [`WATCH_TIMEOUT_SECS`].
const WATCH_READ_TIMEOUT_MIN: Duration = Duration::from_secs(WATCH_TIMEOUT_SECS as u64 + 15);

impl LiveOptions {
    /// The timeout in effect: the flag, `30s` by default, none for `0`.
    pub fn effective_timeout(&self) -> Option<Duration> {
        match self.request_timeout {
            None => Some(DEFAULT_REQUEST_TIMEOUT),
            Some(d) if d.is_zero() => None,
            Some(d) => Some(d),
        }
    }
}

/// A resolved cluster: its kube config and the names to show.
pub(crate) struct Resolved {
    pub target: Target,
    pub config: Config,
}

impl Resolved {
    /// A client for lists: every read bounded by the request timeout.
    pub fn list_client(&self) -> Result<Client, LiveError> {
        let mut c = self.config.clone();
        let t = self.target.timeout;
        c.connect_timeout = t;
        c.read_timeout = t;
        c.write_timeout = t;
        c.reset_reader_on_write = true;
        self.build(c)
    }

    /// A client for watches: connecting is bounded by the request timeout,
    /// reads by the longer of that and the watch's own lifetime.
    pub fn watch_client(&self) -> Result<Client, LiveError> {
        let mut c = self.config.clone();
        let t = self.target.timeout;
        c.connect_timeout = t;
        c.read_timeout = t.map(|t| t.max(WATCH_READ_TIMEOUT_MIN));
        c.write_timeout = t;
        c.reset_reader_on_write = true;
        self.build(c)
    }

    fn build(&self, c: Config) -> Result<Client, LiveError> {
        Client::try_from(c).map_err(|e| LiveError::Config {
            message: format!(
                "cannot set up a client for {} (context \"{}\"): {}",
                self.target.server,
                self.target.context,
                super::errors::root_cause(&e)
            ),
        })
    }
}

pub(crate) async fn resolve(opts: &LiveOptions) -> Result<Resolved, LiveError> {
    let timeout = opts.effective_timeout();
    let source = match &opts.kubeconfig {
        Some(p) => p.display().to_string(),
        None => match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
            Some(v) => format!("$KUBECONFIG ({})", v.to_string_lossy()),
            None => "~/.kube/config".to_string(),
        },
    };
    let kubeconfig = match &opts.kubeconfig {
        Some(p) => Kubeconfig::read_from(p),
        None => Kubeconfig::read(),
    };
    let kubeconfig = match kubeconfig {
        Ok(k) => k,
        Err(e) => {
            // Inside a pod without any kubeconfig: the service account.
            let explicit = opts.kubeconfig.is_some()
                || opts.context.is_some()
                || std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
            if !explicit && let Ok(config) = Config::incluster() {
                let server = server_of(&config);
                return Ok(Resolved {
                    target: Target {
                        server,
                        context: "in-cluster".into(),
                        timeout,
                    },
                    config,
                });
            }
            return Err(LiveError::Config {
                message: format!(
                    "cannot read the kubeconfig from {source}: {}. Pass --kubeconfig PATH or set KUBECONFIG \
                     (or use -f FILE / --demo to work without a cluster)",
                    super::errors::root_cause(&e)
                ),
            });
        }
    };
    let names: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let context = match opts
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
    {
        Some(c) if !c.is_empty() => c,
        _ => {
            return Err(LiveError::Config {
                message: format!(
                    "the kubeconfig ({source}) has no current context; pass --context NAME{}",
                    available(&names)
                ),
            });
        }
    };
    if !names.contains(&context) {
        return Err(LiveError::Config {
            message: format!(
                "context \"{context}\" is not in the kubeconfig ({source}){}",
                available(&names)
            ),
        });
    }
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        cluster: None,
        user: None,
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| LiveError::Config {
            message: format!(
                "cannot use context \"{context}\" of the kubeconfig ({source}): {}",
                super::errors::root_cause(&e)
            ),
        })?;
    let server = server_of(&config);
    Ok(Resolved {
        target: Target {
            server,
            context,
            timeout,
        },
        config,
    })
}

fn server_of(config: &Config) -> String {
    config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string()
}

fn available(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(" (available: {})", names.join(", "))
    }
}
