//! A listener that never answers, for request timeouts.

use super::*;

/// A TCP listener on 127.0.0.1 that accepts connections and never answers:
/// for request timeouts. Dropping it closes everything.
pub struct BlackHole {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl BlackHole {
    pub async fn start() -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                held.push(s);
            }
        });
        BlackHole { addr, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.task.abort();
    }
}
