//! Loads the cluster state for completion: the same source flags the command
//! would use, a short timeout, and silence on any error.

use std::sync::mpsc;
use std::time::Duration;

use super::line::SourceFlags;
use crate::cli::SourceArgs;
use crate::engine::index::Index;

/// A Tab press should answer quickly; a slow cluster gives no candidates.
const TIMEOUT: Duration = Duration::from_secs(2);

/// The index, or None on error, on timeout, or when loading would read stdin.
pub fn load(src: &SourceFlags) -> Option<Index> {
    if src.files.iter().any(|f| f.as_os_str() == "-") {
        return None;
    }
    let g = SourceArgs {
        files: src.files.clone(),
        demo: src.demo,
        kubeconfig: src.kubeconfig.clone(),
        context: src.context.clone(),
        request_timeout: Some(TIMEOUT),
        ..Default::default()
    };
    // The API client has its own timeout; this one also bounds connecting
    // and file walking. A late thread is abandoned (the process exits).
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // The one call into the loading layer (h1: source::load(&Spec)).
        let _ = tx.send(crate::cli::input::load(&g).ok().map(|i| i.index));
    });
    rx.recv_timeout(TIMEOUT + Duration::from_millis(500))
        .ok()
        .flatten()
}
