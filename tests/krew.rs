//! The krew manifest and the release archive: krew's rules for a plugin
//! manifest, and for an archive built here by scripts/release.sh (from the
//! debug binary) that the manifest's sha256 matches and the archive holds the
//! binary the manifest names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-netpol_tui");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PLATFORMS: [&str; 5] = [
    "linux-amd64",
    "linux-arm64",
    "darwin-amd64",
    "darwin-arm64",
    "windows-amd64",
];

fn out_dir(name: &str) -> PathBuf {
    let d =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("krew-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("out dir");
    d
}

fn release(args: &[&str], bin: Option<&str>) -> String {
    let mut c = Command::new(Path::new(ROOT).join("scripts/release.sh"));
    c.args(args);
    if let Some(b) = bin {
        c.env("NETPOL_TUI_BIN", b);
    }
    let o = c.output().expect("running scripts/release.sh");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "release.sh {args:?}: {stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

fn sha256(path: &Path) -> String {
    let o = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .expect("a digest")
        .to_string()
}

fn tar_list(path: &Path) -> Vec<String> {
    let o = Command::new("tar")
        .arg("-tzf")
        .arg(path)
        .output()
        .expect("tar");
    assert!(o.status.success(), "tar -tzf {}", path.display());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(String::from)
        .collect()
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

/// krew's manifest rules (krew's `validation` package and the index's
/// checks). Returns the platforms as `os-arch` => (uri, sha256, bin).
fn validate(m: &Value) -> Vec<(String, String, String, String)> {
    assert_eq!(
        m["apiVersion"].as_str(),
        Some("krew.googlecontainertools.github.com/v1alpha2")
    );
    assert_eq!(m["kind"].as_str(), Some("Plugin"));
    let name = m["metadata"]["name"].as_str().expect("metadata.name");
    assert_eq!(name, "netpol-tui");
    assert!(
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !name.starts_with('-')
            && !name.ends_with('-'),
        "plugin name {name:?}"
    );
    let spec = &m["spec"];
    let version = spec["version"].as_str().expect("spec.version");
    let v = version
        .strip_prefix('v')
        .unwrap_or_else(|| panic!("{version:?}: needs a leading v"));
    assert!(is_semver(v), "{version:?} is not v + semver");
    for field in ["shortDescription", "description", "homepage"] {
        let s = spec[field].as_str().unwrap_or_default();
        assert!(!s.trim().is_empty(), "spec.{field} is empty");
    }
    assert!(
        spec["homepage"]
            .as_str()
            .unwrap_or_default()
            .starts_with("https://")
    );
    let platforms = spec["platforms"].as_sequence().expect("spec.platforms");
    assert!(!platforms.is_empty(), "no platforms");
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in platforms {
        let labels = p["selector"]["matchLabels"]
            .as_mapping()
            .expect("selector.matchLabels");
        assert_eq!(labels.len(), 2, "matchLabels are os and arch: {labels:?}");
        let os = p["selector"]["matchLabels"]["os"].as_str().expect("os");
        let arch = p["selector"]["matchLabels"]["arch"].as_str().expect("arch");
        let key = format!("{os}-{arch}");
        assert!(
            PLATFORMS.contains(&key.as_str()),
            "unexpected platform {key}"
        );
        assert!(seen.insert(key.clone()), "two entries for {key}");
        let uri = p["uri"].as_str().expect("uri");
        assert!(
            uri.starts_with("https://") && uri.ends_with(".tar.gz"),
            "{uri}"
        );
        assert!(
            uri.contains(&format!("/{version}/")) && uri.contains(&key),
            "{uri}"
        );
        let sha = p["sha256"].as_str().expect("sha256");
        assert!(
            sha.len() == 64
                && sha
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "sha256 {sha:?} is not 64 lowercase hex digits"
        );
        let bin = p["bin"].as_str().expect("bin");
        let want = if os == "windows" {
            "kubectl-netpol_tui.exe"
        } else {
            "kubectl-netpol_tui"
        };
        assert_eq!(bin, want, "{key}");
        out.push((key, uri.to_string(), sha.to_string(), bin.to_string()));
    }
    out
}

fn manifest(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("netpol-tui.yaml")).expect("filled manifest");
    assert!(!text.contains('@'), "a placeholder is left:\n{text}");
    serde_yaml::from_str(&text).expect("manifest yaml")
}

/// The archive for this platform, built from the debug binary: the sha256
/// printed and in the manifest is the archive's, and it holds the binary.
#[test]
fn release_archive_matches_the_filled_manifest() {
    let out = out_dir("here");
    let printed = release(&["0.1.0", "--out", out.to_str().expect("utf-8")], Some(BIN));
    let m = manifest(&out);
    let platforms = validate(&m);
    assert_eq!(m["spec"]["version"].as_str(), Some("v0.1.0"));
    assert_eq!(
        platforms.len(),
        1,
        "only this platform's archive exists here"
    );
    let (key, uri, sha, bin) = &platforms[0];
    let archive = out.join(format!("kubectl-netpol_tui-0.1.0-{key}.tar.gz"));
    assert!(uri.ends_with(archive.file_name().and_then(|f| f.to_str()).expect("name")));
    assert_eq!(*sha, sha256(&archive));
    assert!(printed.contains(sha.as_str()), "{printed}");
    let files = tar_list(&archive);
    for f in [bin.as_str(), "LICENSE", "README.md"] {
        assert!(files.iter().any(|x| x == f), "{f} not in {files:?}");
    }
    // The binary in the archive is the one given, and it runs.
    let x = out.join("x");
    std::fs::create_dir_all(&x).expect("x");
    let st = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&x)
        .status();
    assert!(st.expect("tar -x").success());
    let v = Command::new(x.join(bin))
        .arg("--version")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
}

/// The CI path: archives of all five platforms collected in one directory,
/// then the manifest filled from them. Every platform is listed once with
/// its own archive's sha256 (the archives here are stand-ins).
#[test]
fn manifest_lists_every_platform_when_all_archives_exist() {
    let out = out_dir("all");
    for p in PLATFORMS {
        let stage = out.join(format!("stage-{p}"));
        std::fs::create_dir_all(&stage).expect("stage");
        let bin = if p.starts_with("windows") {
            "kubectl-netpol_tui.exe"
        } else {
            "kubectl-netpol_tui"
        };
        std::fs::write(stage.join(bin), p).expect("stand-in binary");
        let archive = out.join(format!("kubectl-netpol_tui-1.2.3-{p}.tar.gz"));
        let st = Command::new("tar")
            .arg("-C")
            .arg(&stage)
            .arg("-czf")
            .arg(&archive)
            .arg(bin)
            .status();
        assert!(st.expect("tar -c").success());
    }
    release(
        &[
            "v1.2.3",
            "--out",
            out.to_str().expect("utf-8"),
            "--manifest-only",
        ],
        None,
    );
    let m = manifest(&out);
    let platforms = validate(&m);
    let keys: BTreeSet<&str> = platforms.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(keys, PLATFORMS.into_iter().collect());
    for (key, _, sha, bin) in &platforms {
        let archive = out.join(format!("kubectl-netpol_tui-1.2.3-{key}.tar.gz"));
        assert_eq!(*sha, sha256(&archive), "{key}");
        assert_eq!(tar_list(&archive), vec![bin.clone()]);
    }
}

#[test]
fn release_refuses_a_version_that_is_not_semver() {
    let o = Command::new(Path::new(ROOT).join("scripts/release.sh"))
        .args(["1.2", "--manifest-only", "--out"])
        .arg(out_dir("bad"))
        .output()
        .expect("release.sh");
    assert_eq!(o.status.code(), Some(2));
}
