//! End to end: the real binary in a real terminal (tmux). Opens the demo,
//! navigates the tree, uses the finder, opens the help, quits with `q`, and
//! checks the exit status and that the terminal was handed back. Skipped
//! (with a note) when tmux is not installed.

mod common;
mod fake_apiserver;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-netpol_tui");

/// A tmux server of our own (unique socket), killed on drop.
struct Tmux {
    socket: String,
    /// Where the app's exit status is written.
    status: std::path::PathBuf,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running tmux {args:?}: {e}"))
    }

    fn ok(&self, args: &[&str]) {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.ok(&args);
    }

    fn text(&self, s: &str) {
        self.ok(&["send-keys", "-t", "t", "-l", s]);
    }

    /// Polls the screen until `pred` holds (at most 10 s).
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            // A capture can land mid-frame: return only a screen that holds
            // and stays the same a moment later, so later asserts on the same
            // screen see a whole frame.
            if pred(&s) {
                std::thread::sleep(Duration::from_millis(60));
                if self.screen() == s {
                    return s;
                }
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }

    fn pane(&self, format: &str) -> String {
        let o = self.run(&["display-message", "-p", "-t", "t", format]);
        if !o.status.success() {
            eprintln!(
                "tmux display-message {format}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        let _ = std::fs::remove_file(&self.status);
    }
}

fn tmux_missing() -> bool {
    let missing = Command::new("tmux")
        .arg("-V")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true);
    if missing {
        common::ci::skip("note: tmux is not installed; skipping the end-to-end TUI test");
    }
    missing
}

/// The command in a shell that writes its exit status to `status` when it
/// ends (the shell reaps it, so the status is exact and prompt).
fn wrapped(cmd: &str, status: &std::path::Path) -> String {
    format!(
        "sh -c 'env TERM=xterm-256color {cmd}; echo $? > {}'",
        status.display()
    )
}

/// Runs the binary with `args` in a fresh tmux server, 120x40. The pane is
/// kept after the app exits (a shell first, then respawned), so the exit
/// status can be read.
fn launch(tag: &str, args: &str) -> Tmux {
    launch_env(tag, "", args)
}

/// As `launch`, with `NAME=VALUE` words in the environment.
fn launch_env(tag: &str, env: &str, args: &str) -> Tmux {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!("netpol-tui-{tag}-{}-{nanos}", std::process::id());
    let t = Tmux {
        status: std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.status")),
        socket: name,
    };
    t.ok(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
    ]);
    t.ok(&["set-option", "-t", "t", "remain-on-exit", "on"]);
    t.ok(&[
        "respawn-pane",
        "-k",
        "-t",
        "t",
        &wrapped(&format!("{env} {BIN} {args}"), &t.status),
    ]);
    t
}

impl Tmux {
    /// Waits for the app's exit status (at most 10 s).
    fn exit_status(&self) -> String {
        let start = Instant::now();
        loop {
            if let Ok(s) = std::fs::read_to_string(&self.status)
                && s.ends_with('\n')
            {
                return s.trim().to_string();
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "app did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Quits with `q`; checks status 0 and that the normal screen is back.
    fn quit_cleanly(&self) {
        self.keys(&["q"]);
        assert_eq!(self.exit_status(), "0");
        assert_eq!(self.pane("#{alternate_on}"), "0");
        let s = self.screen();
        assert!(!s.contains("Namespaces ("), "alternate screen left:\n{s}");
    }
}

#[test]
fn demo_navigate_find_help_quit() {
    if tmux_missing() {
        return;
    }
    let t = launch("demo", "--demo");
    let s = t.wait_for("Namespaces (6)");
    assert!(s.contains("inventory") && s.contains("demo cluster"), "{s}");
    // The background lint runs on its own and its counts reach the tree.
    t.wait("finding badges in the tree", |s| {
        s.lines().any(|l| l.contains("shop in") && l.contains('⚠'))
    });

    // Tree: down to kube-system, open it, down onto its second child (it
    // has no policies: its Services come first, then its pods).
    t.keys(&["j"]);
    t.wait_for("Namespace kube-system");
    t.keys(&["Enter"]);
    t.wait_for("▾ kube-system");
    t.keys(&["Down", "Down"]);
    t.wait("a kube-system child", |s| {
        s.contains("Pod kube-system/")
            || s.contains("Policy kube-system/")
            || s.contains("Service kube-system/metrics-server")
    });

    // Finder: type, the list narrows; Enter jumps to the pod.
    t.keys(&["/"]);
    t.wait_for("Find:");
    t.text("shop/checkout");
    t.wait_for("workload shop/checkout[Deployment]");
    t.keys(&["Enter"]);
    let s = t.wait_for("Pod shop/checkout");
    assert!(s.contains("Ingress") && s.contains("Egress"), "{s}");

    // Help, generated from the keymap, lists q.
    t.keys(&["?"]);
    let s = t.wait_for("Help: keys");
    assert!(
        s.lines().any(|l| l.contains(" q ") && l.contains("quit")),
        "{s}"
    );
    t.keys(&["Escape"]);
    t.wait("help closed", |s| !s.contains("Help: keys"));

    t.quit_cleanly();
}

fn pod(ns: &str, name: &str) -> serde_json::Value {
    serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "main", "image": "nginx", "ports": [{"name": "http", "containerPort": 8080}]}]},
        "status": {"phase": "Running", "podIP": "10.1.0.9"}})
}

/// Live, against a fake API server: health reaches Live, watch events show
/// up without losing the selection, and a deleted selection falls back to
/// its namespace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_cluster_updates_keep_the_selection() {
    if tmux_missing() {
        return;
    }
    let fake = fake_apiserver::FakeApiServer::start().await;
    fake.create_value(serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "team-a", "labels": {"team": "a"}}}));
    fake.create_value(pod("team-a", "web-1"));
    fake.create_value(pod("team-a", "web-2"));
    fake.create_value(
        serde_json::json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "deny-all", "namespace": "team-a"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
    );
    let kc = fake.write_kubeconfig("fake");
    // tmux polling blocks: keep it off the runtime serving the fake.
    let t = tokio::task::spawn_blocking(move || {
        let t = launch("live", &format!("--kubeconfig {}", kc.display()));
        let s = t.wait("all kinds live", |s| {
            s.contains("pods Live") && s.contains("networkpolicies Live")
        });
        assert!(
            s.contains("context fake") && s.contains("team-a in 2/2"),
            "{s}"
        );
        t.keys(&["Enter"]);
        t.wait_for("● web-2");
        t.keys(&["j", "j"]);
        t.wait_for("Pod team-a/web-1");
        t
    })
    .await
    .expect("tmux steps");
    fake.create_value(pod("team-a", "web-3"));
    let t = tokio::task::spawn_blocking(move || {
        let s = t.wait_for("● web-3");
        assert!(
            s.contains("Pod team-a/web-1") && s.contains("team-a in 3/3"),
            "selection kept:\n{s}"
        );
        t
    })
    .await
    .expect("tmux steps");
    fake.delete(fake_apiserver::Kind::Pod, "team-a", "web-1");
    tokio::task::spawn_blocking(move || {
        t.wait_for("Namespace team-a");
        t.quit_cleanly();
    })
    .await
    .expect("tmux steps");
}

/// A panic restores the terminal first (raw mode off, normal screen), then
/// the panic message is printed and the status is not 0.
#[test]
fn panic_restores_the_terminal() {
    if tmux_missing() {
        return;
    }
    let t = launch("panic", "--demo");
    t.ok(&[
        "respawn-pane",
        "-k",
        "-t",
        "t",
        &wrapped(
            &format!("env RUST_BACKTRACE=0 NETPOL_TUI_PANIC_AFTER_DRAW=1 {BIN} --demo"),
            &t.status,
        ),
    ]);
    assert_ne!(t.exit_status(), "0", "a panic is a failure");
    assert_eq!(t.pane("#{alternate_on}"), "0");
    let o = t.run(&["capture-pane", "-p", "-S", "-", "-t", "t"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("NETPOL_TUI_PANIC_AFTER_DRAW"),
        "panic message shown:\n{s}"
    );
    assert!(!s.contains("Namespaces ("), "alternate screen left:\n{s}");
}

#[test]
fn what_if_rehearse_explain_and_edit_in_editor() {
    if tmux_missing() {
        return;
    }
    // An "editor" that writes a proposal over the draft it is given.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let editor = dir.join(format!("netpol-editor-{}.sh", std::process::id()));
    let ran = dir.join(format!("netpol-editor-{}.ran", std::process::id()));
    let _ = std::fs::remove_file(&ran);
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\nhead -1 \"$1\" > {ran}\ncat > \"$1\" <<'Y'\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny-legacy, namespace: legacy}}\nspec: {{podSelector: {{}}, policyTypes: [Ingress]}}\nY\n",
            ran = ran.display()
        ),
    )
    .expect("write editor");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let t = launch_env(
        "whatif",
        &format!("VISUAL= EDITOR={}", editor.display()),
        "--demo",
    );
    t.wait_for("Namespaces (6)");
    // Rehearse default deny for the selected namespace (the first one).
    t.keys(&["w"]);
    t.wait_for("rehearse default-deny for namespace inventory");
    t.keys(&["d"]);
    let s = t.wait_for("Lost connections (");
    assert!(s.contains(" lost · ") && s.contains("pods touched"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("Why");
    t.keys(&["Escape"]);
    t.wait("back to the list", |s| s.contains("Lost connections ("));
    // Edit: the terminal is handed to the editor and taken back.
    t.keys(&["e"]);
    // "Proposal: draft" is on screen while the edited proposal is recomputed
    // too: wait for the finished what-if, not the first frame after the editor.
    let s = t.wait("the what-if recomputed after the edit", |s| {
        s.contains("Proposal: draft") && s.contains("Lost connections (")
    });
    assert!(s.contains("apply legacy/deny-legacy"), "{s}");
    let first = std::fs::read_to_string(&ran).expect("the editor ran");
    assert!(first.starts_with("# Default deny for namespace"), "{first}");
    assert_eq!(t.pane("#{alternate_on}"), "1", "back in the TUI screen");
    t.keys(&["Escape"]);
    t.wait("closed, status shows the what-if", |s| {
        s.contains("what-if:")
    });
    t.quit_cleanly();
    let _ = std::fs::remove_file(&editor);
    let _ = std::fs::remove_file(&ran);
}

#[test]
fn an_unreachable_hubble_relay_shows_retrying_and_never_blocks_the_ui() {
    if tmux_missing() {
        return;
    }
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let t = launch("hubble", &format!("--demo --hubble 127.0.0.1:{port}"));
    t.wait_for("Namespaces (6)");
    let s = t.wait_for(&format!("hubble 127.0.0.1:{port} retrying in"));
    assert!(s.contains("(cannot connect"), "{s}");
    // Keys still work while it retries.
    t.keys(&["/"]);
    t.wait_for("Find:");
    t.keys(&["Escape"]);
    t.wait("finder closed", |s| !s.contains("Find:"));
    t.quit_cleanly();
}
