//! `--hubble [ADDR]` and the `hubble` CLI's TLS flags, on the TUI and on
//! every command that takes `--flows`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::source::flows::relay::{DEFAULT_ADDR, RelayOptions, TlsOptions, Window};

/// How many flows commands read when neither --hubble-last nor
/// --hubble-since is given (and the TUI's start).
pub const DEFAULT_LAST: u64 = 10_000;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Args, Default)]
// Every flag but --hubble requires it: a TLS flag alone would be ignored.
#[command(next_help_heading = "Live flows (Hubble Relay)")]
pub struct HubbleArgs {
    /// Read flows from Hubble Relay's gRPC API at ADDR (default
    /// localhost:4245, what `cilium hubble port-forward` exposes; tls://ADDR
    /// turns TLS on). Commands read a bounded window and end; the TUI
    /// follows new flows. Combines with --flows.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = DEFAULT_ADDR)]
    pub hubble: Option<String>,
    /// With --hubble: the last N flows of the relay's buffers (default
    /// 10000; the TUI starts with them, then follows).
    #[arg(
        long = "hubble-last",
        value_name = "N",
        conflicts_with = "hubble_since",
        requires = "hubble"
    )]
    pub hubble_last: Option<u64>,
    /// With --hubble: the flows of the last DURATION (e.g. 5m, 1h) instead of
    /// the last N.
    #[arg(long = "hubble-since", value_name = "DURATION", value_parser = super::parse_duration, requires = "hubble")]
    pub hubble_since: Option<Duration>,
    /// With --hubble: give up connecting, and (commands) reading, after
    /// this long (default 60s; 0: no limit).
    #[arg(long = "hubble-timeout", value_name = "DURATION", value_parser = super::parse_duration, requires = "hubble")]
    pub hubble_timeout: Option<Duration>,
    /// Use TLS to the relay (as `hubble --tls`).
    #[arg(long, requires = "hubble")]
    pub tls: bool,
    /// Do not verify the relay's certificate (implies --tls).
    #[arg(long, requires = "hubble")]
    pub tls_allow_insecure: bool,
    /// CA certificates (PEM) to verify the relay with, instead of the
    /// system's (implies --tls). Comma-separated or repeated.
    #[arg(long, value_name = "FILE", value_delimiter = ',', requires = "hubble")]
    pub tls_ca_cert_files: Vec<PathBuf>,
    /// Client certificate (PEM) for mutual TLS (implies --tls).
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_client_key_file",
        requires = "hubble"
    )]
    pub tls_client_cert_file: Option<PathBuf>,
    /// Client key (PEM) for mutual TLS (implies --tls).
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_client_cert_file",
        requires = "hubble"
    )]
    pub tls_client_key_file: Option<PathBuf>,
    /// The name the relay's certificate must carry (default: the host of
    /// ADDR; Cilium's relay certificate is for *.hubble-relay.cilium.io).
    #[arg(long, value_name = "NAME", requires = "hubble")]
    pub tls_server_name: Option<String>,
}

impl HubbleArgs {
    /// The relay to read, when --hubble is given.
    pub fn relay(&self) -> Option<RelayOptions> {
        let addr = self.hubble.clone()?;
        let tls_flag = self.tls
            || self.tls_allow_insecure
            || !self.tls_ca_cert_files.is_empty()
            || self.tls_client_cert_file.is_some()
            || self.tls_server_name.is_some();
        let tls = (tls_flag || addr.starts_with("tls://")).then(|| TlsOptions {
            allow_insecure: self.tls_allow_insecure,
            ca_cert_files: self.tls_ca_cert_files.clone(),
            client_cert_file: self.tls_client_cert_file.clone(),
            client_key_file: self.tls_client_key_file.clone(),
            server_name: self.tls_server_name.clone(),
        });
        Some(RelayOptions {
            addr,
            tls,
            timeout: self.hubble_timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }

    /// The window commands read.
    pub fn window(&self) -> Window {
        match self.hubble_since {
            Some(d) => Window::Since(d),
            None => Window::Last(self.hubble_last.unwrap_or(DEFAULT_LAST)),
        }
    }

    /// Whether any flows were asked for, with `--flows` paths.
    pub fn given(&self, paths: &[PathBuf]) -> bool {
        self.hubble.is_some() || !paths.is_empty()
    }
}
