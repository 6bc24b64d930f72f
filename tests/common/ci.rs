//! Prerequisites that a test needs from the machine (tmux, kubectl, the
//! ../shared corpus). Locally a missing one skips the test with a note; on CI
//! (`CI` set, as `.ci/run` and hosted runners do) it fails the test, so a
//! broken environment cannot turn the suite green by running less of it.

/// True when the `CI` environment variable is set to something other than
/// empty, `0` or `false`.
pub fn on_ci() -> bool {
    std::env::var("CI")
        .map(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
        .unwrap_or(false)
}

/// Reports a missing prerequisite: prints `note` and returns (the caller then
/// returns early) locally; panics on CI.
pub fn skip(note: &str) {
    assert!(
        !on_ci(),
        "{note} (CI is set: a missing prerequisite fails the test instead of skipping it)"
    );
    eprintln!("{note}");
}
