//! Shell completion: kubectl's real bash completion of the plugin (through
//! the kubectl_complete-netpol_tui helper), cobra's `__complete` protocol,
//! the static scripts, and `--version`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-netpol_tui");

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output()
        .unwrap_or_else(|e| panic!("running {args:?}: {e}"))
}

/// `__complete ARGS`: the candidates and the directive line.
fn complete(args: &[&str], env: &[(&str, &str)]) -> (Vec<String>, String) {
    let mut all = vec!["__complete"];
    all.extend(args);
    let o = run(&all, env);
    assert!(o.status.success(), "{o:?}");
    assert!(
        o.stderr.is_empty(),
        "completion stays silent on stderr: {o:?}"
    );
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let directive = lines.pop().expect("a directive line");
    assert!(directive.starts_with(':'), "{text}");
    (lines, directive)
}

fn temp_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("completion-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// `kubectl netpol-tui can-reach --demo sh<Tab>` in bash, with kubectl's own
/// completion script: kubectl runs the helper from PATH, which asks the
/// plugin for the demo's shop pods and workloads.
#[test]
fn kubectl_bash_completion_of_can_reach_on_the_demo() {
    let has_kubectl = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_kubectl {
        common::ci::skip("note: kubectl not found; skipping the kubectl completion test");
        return;
    }
    let dir = temp_dir("path");
    let o = run(
        &[
            "completion",
            "--install-kubectl-helper",
            dir.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert!(o.status.success(), "{o:?}");
    std::os::unix::fs::symlink(BIN, dir.join("kubectl-netpol_tui")).expect("symlink");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // kubectl's script needs bash-completion's _get_comp_words_by_ref; when
    // that package is absent, a minimal stand-in (no splitting on = or :).
    let script = r#"
        [ -r /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
        if ! declare -F _get_comp_words_by_ref >/dev/null; then
          _get_comp_words_by_ref() {
            cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
            words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
          }
        fi
        source <(kubectl completion bash)
        COMP_WORDS=(kubectl netpol-tui can-reach --demo sh)
        COMP_CWORD=4
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        __start_kubectl 2>/dev/null
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let o = Command::new("bash")
        .args(["-c", script])
        .env("PATH", path)
        .output()
        .expect("bash");
    let reply = String::from_utf8_lossy(&o.stdout);
    let got: Vec<&str> = reply.lines().filter(|l| !l.is_empty()).collect();
    for want in [
        "shop/cart",
        "shop/catalog",
        "shop/checkout",
        "shop/frontend",
        "shop/redis",
    ] {
        assert!(
            got.contains(&want),
            "{want} not in COMPREPLY {got:?}\n{o:?}"
        );
    }
    assert!(got.iter().all(|c| c.starts_with("shop/")), "{got:?}");
}

#[test]
fn complete_follows_cobras_protocol() {
    // Subcommands, without the hidden __complete.
    let (c, d) = complete(&["c"], &[]);
    assert_eq!(
        (c, d.as_str()),
        (
            vec![
                "connectivity".into(),
                "can-reach".into(),
                "completion".into()
            ],
            ":4"
        )
    );
    // Namespaces for -n, from the source the command would read.
    let (c, _) = complete(&["--demo", "lint", "-n", ""], &[]);
    assert!(
        c.contains(&"shop".to_string()) && c.contains(&"payments".to_string()),
        "{c:?}"
    );
    let (c, _) = complete(&["--demo", "--namespace=sh"], &[]);
    assert_eq!(c, vec!["--namespace=shop".to_string()]);
    // Policies for diff --delete.
    let (c, _) = complete(&["diff", "--demo", "--delete", "payments/default"], &[]);
    assert_eq!(c, vec!["payments/default-deny".to_string()]);
    // With -n, bare names of that namespace too.
    let (c, _) = complete(&["can-reach", "--demo", "-n", "shop", "fr"], &[]);
    assert_eq!(c, vec!["frontend".to_string()]);
    // Fixed values come from the flag's definition.
    let (c, _) = complete(&["lint", "-o", ""], &[]);
    assert_eq!(c, vec!["text".to_string(), "json".to_string()]);
    // File flags leave completion to the shell (directive 0).
    let (c, d) = complete(&["-f", ""], &[]);
    assert_eq!((c.len(), d.as_str()), (0, ":0"));
    // A source that fails to load: no candidates and nothing on stderr.
    let (c, d) = complete(&["can-reach", "-f", "/nonexistent/netpol", ""], &[]);
    assert_eq!((c.len(), d.as_str()), (0, ":4"));
}

#[test]
fn contexts_come_from_the_kubeconfig() {
    let dir = temp_dir("kubeconfig");
    let kc = dir.join("config");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: prod-eu\n  context: {cluster: a, user: a}\n- name: staging\n  context: {cluster: b, user: b}\n",
    )
    .expect("kubeconfig");
    let kc = kc.to_str().expect("utf-8");
    let (c, _) = complete(&["--context", ""], &[("KUBECONFIG", kc)]);
    assert_eq!(c, vec!["prod-eu".to_string(), "staging".to_string()]);
    let (c, _) = complete(
        &["--kubeconfig", kc, "--context", "st"],
        &[("KUBECONFIG", "")],
    );
    assert_eq!(c, vec!["staging".to_string()]);
}

#[test]
fn completion_scripts_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = run(&["completion", shell], &[]);
        assert!(o.status.success(), "{shell}: {o:?}");
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            s.contains("kubectl-netpol_tui") && s.contains("can-reach"),
            "{shell}:\n{s}"
        );
    }
    assert!(!run(&["completion", "tcsh"], &[]).status.success());
}

#[test]
fn version_names_the_commit() {
    let o = run(&["--version"], &[]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains(env!("CARGO_PKG_VERSION")) && s.contains("(commit "),
        "{s}"
    );
}

#[test]
fn completion_offers_only_the_flags_a_command_takes() {
    // The TUI takes --theme and the Hubble Relay TLS flags (`--hubble`).
    let (c, _) = complete(&["--t"], &[]);
    let want = [
        "--theme",
        "--tls",
        "--tls-allow-insecure",
        "--tls-ca-cert-files",
        "--tls-client-cert-file",
        "--tls-client-key-file",
        "--tls-server-name",
    ];
    assert_eq!(c, want.map(String::from).to_vec());
    let (c, _) = complete(&["--th"], &[]);
    assert_eq!(c, vec!["--theme".to_string()]);
    let (c, _) = complete(&["lint", "--"], &[]);
    assert!(c.contains(&"--context".to_string()), "{c:?}");
    assert!(!c.contains(&"--theme".to_string()), "{c:?}");
    let (c, _) = complete(&["bench", "--"], &[]);
    assert!(
        !c.iter().any(|f| f == "--context" || f == "--demo"),
        "{c:?}"
    );
    // Source flags typed before the command still feed its candidates.
    let (c, _) = complete(&["--demo", "can-reach", "shop/fr"], &[]);
    assert!(c.contains(&"shop/frontend".to_string()), "{c:?}");
}
