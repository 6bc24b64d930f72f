//! The real binary, as scripts and CI call it: exit statuses, JSON
//! contracts on the demo, `-n` focus, and the kubectl plugin name.

mod common;

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-netpol_tui");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("running {args:?}: {e}"))
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[test]
fn help_lists_every_command() {
    let o = run(&["--help"]);
    assert_eq!(code(&o), 0);
    let h = stdout(&o);
    for c in ["connectivity", "can-reach", "diff", "lint", "bench"] {
        assert!(h.contains(c), "{c} missing from --help:\n{h}");
    }
}

#[test]
fn can_reach_exit_status_is_the_verdict() {
    let allowed = run(&[
        "can-reach",
        "--demo",
        "payments/api",
        "payments/db",
        "--port",
        "5432/TCP",
    ]);
    assert_eq!(code(&allowed), 0, "{}", stdout(&allowed));
    let denied = run(&[
        "can-reach",
        "--demo",
        "shop/frontend",
        "payments/db",
        "--port",
        "5432/TCP",
    ]);
    assert_eq!(code(&denied), 1, "{}", stdout(&denied));
    let error = run(&["can-reach", "--demo", "nope/missing", "payments/db"]);
    assert_eq!(code(&error), 2);
    assert!(
        !String::from_utf8_lossy(&error.stderr).contains("panicked"),
        "a clean error, not a panic"
    );
}

#[test]
fn connectivity_json_follows_the_contract() {
    let o = run(&["connectivity", "--demo", "-o", "json"]);
    assert_eq!(code(&o), 0);
    let v = json(&o);
    assert_eq!(v["schema"], "netpol-connectivity/v1");
    let pods = v["pods"].as_array().expect("pods");
    let names: Vec<&str> = pods.iter().filter_map(|p| p.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "pods are sorted");
    assert!(names.contains(&"payments/db"));
}

/// `-o json` is streamed; its bytes are exactly the document built in memory.
#[test]
fn streamed_connectivity_json_is_byte_identical_to_the_built_document() {
    use netpol_tui::engine::connectivity::{Granularity, report};
    use netpol_tui::engine::index::Index;
    let o = run(&["connectivity", "--demo", "-o", "json"]);
    assert_eq!(code(&o), 0);
    let idx = Index::from_snapshot(netpol_tui::source::demo::load().snapshot);
    let reference = netpol_tui::cli::connectivity::json(&report(&idx, Granularity::Pod));
    assert_eq!(String::from_utf8_lossy(&o.stdout), reference);
}

#[test]
fn lint_and_diff_gate_ci_with_fail_on() {
    let lint = run(&["lint", "--demo", "--fail-on", "high", "-o", "json"]);
    assert_eq!(code(&lint), 1, "the demo has high findings");
    assert_eq!(json(&lint)["schema"], "netpol-findings/v1");

    let args = ["diff", "--demo", "--delete", "payments/db-allow-clients"];
    let lost = run(&[&args[..], &["--fail-on", "lost", "-o", "json"]].concat());
    assert_eq!(code(&lost), 1);
    let v = json(&lost);
    assert_eq!(v["schema"], "netpol-diff/v1");
    assert_eq!(v["lost"][0]["from"], "payments/api");
    assert_eq!(v["lost"][0]["to"], "payments/db");
    let gained = run(&[&args[..], &["--fail-on", "gained"]].concat());
    assert_eq!(code(&gained), 0, "deleting an allow gains nothing");
    let bad = run(&["diff", "--demo", "--delete", "payments/no-such-policy"]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn namespace_focus_keeps_only_its_rows_and_endpoints() {
    let o = run(&["connectivity", "--demo", "-o", "dot", "-n", "payments"]);
    assert_eq!(code(&o), 0);
    let dot = stdout(&o);
    assert!(dot.contains("\"payments/db\""), "{dot}");
    for line in dot.lines().filter(|l| l.contains("->")) {
        assert!(
            line.contains("\"payments/"),
            "edge not touching payments: {line}"
        );
    }
    // Every node drawn is in payments or at the other end of one of its edges.
    for line in dot
        .lines()
        .filter(|l| l.contains("[label=") && !l.contains("->"))
    {
        let node = line.trim().split(' ').next().unwrap_or_default();
        assert!(
            node.starts_with("\"payments/")
                || dot.contains(&format!("-> {node} "))
                || dot.contains(&format!("{node} -> ")),
            "unconnected node {node}"
        );
    }
}

/// kubectl finds the binary by its name on PATH and forwards every flag.
#[test]
fn runs_as_a_kubectl_plugin() {
    let kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(kubectl) = kubectl else {
        common::ci::skip("note: kubectl not found; skipping the plugin check");
        return;
    };
    let dir = Path::new(BIN).parent().expect("bin dir");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let list = Command::new(kubectl)
        .args(["plugin", "list"])
        .env("PATH", &path)
        .output()
        .expect("kubectl plugin list");
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("kubectl-netpol_tui"),
        "{}{}",
        String::from_utf8_lossy(&list.stdout),
        String::from_utf8_lossy(&list.stderr)
    );
    let o = Command::new(kubectl)
        .args([
            "netpol-tui",
            "connectivity",
            "--demo",
            "-o",
            "json",
            "-n",
            "shop",
        ])
        .env("PATH", &path)
        .output()
        .expect("kubectl netpol-tui");
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&o)["schema"], "netpol-connectivity/v1");
}

#[test]
fn flag_values_that_overflow_are_clear_errors_not_panics() {
    for args in [
        &[
            "--demo",
            "--request-timeout",
            "99999999999999999999h",
            "lint",
        ][..],
        &[
            "--demo",
            "--request-timeout",
            "99999999999999999999",
            "lint",
        ],
        &["bench", "--pods", "99999999999999999999999"],
    ] {
        let o = run(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(code(&o), 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("invalid value"), "{args:?}: {err}");
    }
    // A port number too large for any integer type is still a number.
    let o = run(&[
        "--demo",
        "can-reach",
        "inventory/stock-api",
        "kube-system/coredns",
        "-p",
        "99999999999999999999999/UDP",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("out of range 1-65535"), "{err}");
}

fn help_of(args: &[&str]) -> String {
    let o = run(args);
    assert_eq!(
        code(&o),
        0,
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

#[test]
fn each_command_lists_only_the_flags_it_uses() {
    // The TUI (no subcommand): its theme and the source flags.
    let top = help_of(&["--help"]);
    for f in ["--theme", "--context", "--demo", "--filename"] {
        assert!(top.contains(f), "{f} missing from --help:\n{top}");
    }
    // Commands that load a cluster: the source flags, not the TUI's theme.
    for cmd in ["lint", "connectivity", "can-reach", "diff"] {
        let h = help_of(&[cmd, "--help"]);
        assert!(!h.contains("--theme"), "{cmd} --help lists --theme:\n{h}");
        for f in [
            "--filename",
            "--demo",
            "--kubeconfig",
            "--context",
            "--namespace",
            "--all-namespaces",
            "--request-timeout",
        ] {
            assert!(h.contains(f), "{cmd} --help lacks {f}:\n{h}");
        }
    }
    // Commands that load nothing: neither.
    for cmd in ["bench", "completion"] {
        let h = help_of(&[cmd, "--help"]);
        for f in ["--theme", "--context", "--demo", "--namespace"] {
            assert!(!h.contains(f), "{cmd} --help lists {f}:\n{h}");
        }
    }
    let o = run(&["bench", "--context", "x"]);
    assert_eq!(code(&o), 2, "bench takes no --context");
    let o = run(&["lint", "--theme", "dark", "--demo"]);
    assert_eq!(code(&o), 2, "lint takes no --theme");
}

#[test]
fn source_flags_work_before_or_after_the_command() {
    let before = run(&["--demo", "-n", "payments", "lint", "-o", "json"]);
    let after = run(&["lint", "--demo", "-n", "payments", "-o", "json"]);
    let mixed = run(&["-n", "payments", "lint", "--demo", "-o", "json"]);
    assert_eq!(code(&after), code(&before));
    assert_eq!(stdout(&before), stdout(&after));
    assert_eq!(stdout(&mixed), stdout(&after));
    assert_eq!(json(&after)["schema"], "netpol-findings/v1");
    // The conflicts clap checks on one side hold across both.
    let o = run(&["--demo", "lint", "-f", "tests/fixtures"]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--demo"));
}

#[test]
fn a_bad_config_file_stops_the_tui_at_start() {
    let dir = std::env::temp_dir().join(format!("netpol-tui-cli-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("config.toml");
    std::fs::write(&bad, "[keys.browse]\nmatrix = \"Ctl-M\"\n").expect("write");
    let o = Command::new(BIN)
        .args(["--demo"])
        .env("NETPOL_TUI_CONFIG", &bad)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains(&bad.display().to_string()), "{err}");
    assert!(
        err.contains("[keys.browse] matrix: cannot parse key \"Ctl-M\""),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // A file NETPOL_TUI_CONFIG names must exist.
    let missing = dir.join("missing.toml");
    let o = Command::new(BIN)
        .args(["--demo"])
        .env("NETPOL_TUI_CONFIG", &missing)
        .output()
        .expect("runs");
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.toml"));
    // Subcommands do not read it.
    let o = Command::new(BIN)
        .args(["lint", "--demo", "-o", "json"])
        .env("NETPOL_TUI_CONFIG", &bad)
        .output()
        .expect("runs");
    assert_ne!(code(&o), 2, "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
