//! What-if: the proposal, the diff it produces, and the update logic of the
//! what-if panel (split out of `update`, which calls in here; nothing else
//! changes this state). The diff itself is computed by a background job on
//! a copy of the index ([`compute`]); nothing is ever sent to the cluster.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::connectivity::Granularity;
use crate::engine::diff::{Diff, PreviewOptions, preview};
use crate::engine::findings::LintOptions;
use crate::engine::index::Index;
use crate::engine::model::PolicyKey;
use crate::engine::proposal::{self, default_deny_bundle, template};
use crate::source::files::load_sources;

use super::app::{App, Overlay, Selected};
use super::jobs::Job;
use super::keymap::Action;
use super::update::Effect;

/// Where `s` saves by default.
pub const DEFAULT_SAVE_PATH: &str = "./netpol-proposal.yaml";

/// A change to rehearse: the YAML the user would `kubectl apply -f`, plus
/// policies to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// What it is, for the panel title.
    pub title: String,
    /// The name parse errors carry: the file, or `draft`.
    pub source: String,
    pub yaml: String,
    /// A file to read the YAML from (in the job) instead of `yaml`.
    pub file: Option<PathBuf>,
    pub deletes: Vec<PolicyKey>,
}

impl Proposal {
    /// The `kubectl delete` lines for the deletions.
    pub fn delete_commands(&self) -> Vec<String> {
        self.deletes
            .iter()
            .map(|k| {
                format!(
                    "kubectl delete networkpolicy -n {} {}",
                    shell_word(&k.namespace),
                    shell_word(&k.name)
                )
            })
            .collect()
    }

    /// Whether the YAML holds anything but comments and blanks.
    pub fn has_yaml(&self) -> bool {
        has_content(&self.yaml)
    }
}

fn has_content(yaml: &str) -> bool {
    yaml.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#') && t != "---"
    })
}

/// A word safe to paste into a shell.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./~=:@+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What the job found: load problems, or the diff.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Parse errors (file, document, object, field) and bad deletions: the
    /// diff is not computed then (`kubectl apply` would refuse too).
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// `apply shop/x, shop/y; delete shop/z`.
    pub summary: String,
    pub diff: Option<Arc<Diff>>,
    /// Whether findings were diffed (not on very big clusters).
    pub linted: bool,
    pub lost: usize,
    pub gained: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Lost,
    Gained,
}

/// One line of the diff list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffRow {
    /// `Lost connections (12)`.
    Heading(Change, usize),
    /// `shop → payments`.
    Pair(Change, String, String),
    /// `Diff.entries[i]`, its lost or gained part.
    Entry(Change, usize),
    /// `Findings introduced (n)` / `resolved`.
    FindingsHeading(bool, usize),
    /// `Diff.findings_introduced[i]` (true) or `findings_resolved[i]`.
    Finding(bool, usize),
    /// A dim note (`none`).
    Note(&'static str),
    Blank,
}

impl DiffRow {
    pub fn selectable(&self) -> bool {
        matches!(self, DiffRow::Entry(..) | DiffRow::Finding(..))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptPurpose {
    Load,
    Save,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub purpose: PromptPurpose,
    pub input: String,
    /// Matches of the last Tab, when there were several.
    pub candidates: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct WhatIfState {
    pub proposal: Option<Proposal>,
    /// The job computing the diff.
    pub pending: Option<u64>,
    /// The index generation `outcome` was computed for.
    pub generation: u64,
    pub outcome: Option<Outcome>,
    pub rows: Vec<DiffRow>,
    /// Row indices Up/Down move between.
    pub selectable: Vec<usize>,
    /// Index into `selectable`.
    pub cursor: usize,
    /// First row shown.
    pub scroll: usize,
    /// Showing the explanation of the selected row.
    pub drill: bool,
    pub drill_scroll: u16,
    pub prompt: Option<Prompt>,
    /// A note for the panel (an error when the bool is false).
    pub note: Option<(bool, String)>,
    /// Where the proposal was last saved.
    pub saved: Option<String>,
    /// Pods the change touches, by namespace (tree badges).
    pub touched: HashMap<String, HashSet<String>>,
}

impl WhatIfState {
    /// A proposal with a computed diff: the tree shows what it touches.
    pub fn active(&self) -> bool {
        self.outcome.as_ref().is_some_and(|o| o.diff.is_some())
    }

    pub fn selected_row(&self) -> Option<&DiffRow> {
        self.selectable
            .get(self.cursor)
            .and_then(|&i| self.rows.get(i))
    }

    pub fn diff(&self) -> Option<&Diff> {
        self.outcome.as_ref().and_then(|o| o.diff.as_deref())
    }
}

// ---- the job -----------------------------------------------------------

/// Where the proposal's YAML comes from.
#[derive(Debug, Clone)]
pub enum YamlInput {
    Text { name: String, text: String },
    File(PathBuf),
}

/// Loads the proposal and previews it on the shared index (which stays
/// untouched). Returns the text read from a file.
pub fn compute(
    index: Arc<Index>,
    input: YamlInput,
    deletes: &[PolicyKey],
    lint: bool,
) -> (Outcome, Option<String>) {
    let mut out = Outcome::default();
    let (name, text, read) = match input {
        YamlInput::Text { name, text } => (name, text, None),
        YamlInput::File(p) => match std::fs::read_to_string(&p) {
            Ok(t) => (p.display().to_string(), t.clone(), Some(t)),
            Err(e) => {
                out.errors
                    .push(format!("{}: cannot read: {e}", p.display()));
                return (out, None);
            }
        },
    };
    let mut proposal = proposal::Proposal::default();
    if has_content(&text) {
        let loaded = load_sources(&[(name, text)]);
        out.errors = loaded.errors.iter().map(|e| e.to_string()).collect();
        out.warnings = loaded.warnings.iter().map(|e| e.to_string()).collect();
        if !out.errors.is_empty() {
            return (out, read);
        }
        proposal =
            proposal::Proposal::from_loaded(&index, loaded.snapshot, &loaded.implicit_namespaces);
    }
    for k in deletes {
        if index.policy(k).is_none() {
            out.errors.push(format!(
                "delete {k}: no such NetworkPolicy in the current state"
            ));
        } else {
            proposal.delete_policy(k.clone());
        }
    }
    if out.errors.is_empty() && proposal.is_empty() {
        out.errors.push(
            "the proposal changes nothing: it holds no NetworkPolicy, Namespace or Pod, and deletes nothing"
                .to_string(),
        );
    }
    if !out.errors.is_empty() {
        return (out, read);
    }
    out.summary = proposal.summary.join("; ");
    let opts = lint.then(LintOptions::default);
    let o = PreviewOptions {
        granularity: Granularity::Workload,
        lint: opts.as_ref(),
    };
    let d = preview(&index, &proposal, &o);
    out.lost = d.entries.iter().filter(|e| !e.lost().is_empty()).count();
    out.gained = d.entries.iter().filter(|e| !e.gained().is_empty()).count();
    out.linted = lint;
    out.diff = Some(Arc::new(d));
    (out, read)
}

// ---- pure helpers --------------------------------------------------------

/// The namespace of a row name (`ns/workload`, or an external range).
pub fn ns_of(name: &str) -> &str {
    if name.ends_with("[External]") {
        "(external)"
    } else {
        name.split('/').next().unwrap_or(name)
    }
}

/// The diff as list rows: lost then gained, grouped by namespace pair, then
/// the findings introduced and resolved.
pub fn build_rows(d: &Diff, linted: bool) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    for change in [Change::Lost, Change::Gained] {
        let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
        for (i, e) in d.entries.iter().enumerate() {
            let ports = match change {
                Change::Lost => e.lost(),
                Change::Gained => e.gained(),
            };
            if !ports.is_empty() {
                groups
                    .entry((ns_of(&e.src), ns_of(&e.dst)))
                    .or_default()
                    .push(i);
            }
        }
        let n = groups.values().map(Vec::len).sum();
        if !rows.is_empty() {
            rows.push(DiffRow::Blank);
        }
        rows.push(DiffRow::Heading(change, n));
        if n == 0 {
            rows.push(DiffRow::Note("none"));
        }
        for ((a, b), entries) in groups {
            rows.push(DiffRow::Pair(change, a.to_string(), b.to_string()));
            rows.extend(entries.into_iter().map(|i| DiffRow::Entry(change, i)));
        }
    }
    for (introduced, list) in [
        (true, &d.findings_introduced),
        (false, &d.findings_resolved),
    ] {
        rows.push(DiffRow::Blank);
        rows.push(DiffRow::FindingsHeading(introduced, list.len()));
        if !linted {
            rows.push(DiffRow::Note("not computed: the cluster is too big"));
        } else if list.is_empty() {
            rows.push(DiffRow::Note("none"));
        }
        rows.extend((0..list.len()).map(|i| DiffRow::Finding(introduced, i)));
    }
    rows
}

/// `~` and `~/…` to the home directory.
pub fn expand_home(input: &str) -> PathBuf {
    let home = std::env::var_os("HOME");
    match (input.strip_prefix('~'), home) {
        (Some(rest), Some(h)) if rest.is_empty() || rest.starts_with('/') => {
            let mut p = PathBuf::from(h);
            let rest = rest.trim_start_matches('/');
            if !rest.is_empty() {
                p.push(rest);
            }
            p
        }
        _ => PathBuf::from(input),
    }
}

/// Tab completion of a path against the filesystem: the completed input
/// (unchanged when nothing matches) and, when several entries match, their
/// names (directories end in `/`).
pub fn complete(input: &str) -> (String, Vec<String>) {
    if input == "~" {
        return ("~/".to_string(), vec![]);
    }
    let (head, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir = if head.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(head)
    };
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return (input.to_string(), vec![]);
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.path().is_dir();
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    names.sort();
    match names.len() {
        0 => (input.to_string(), vec![]),
        1 => (format!("{head}{}", names[0]), vec![]),
        _ => {
            let mut common: Vec<char> = names[0].chars().collect();
            for n in &names[1..] {
                let same = common
                    .iter()
                    .zip(n.chars())
                    .take_while(|(a, b)| **a == *b)
                    .count();
                common.truncate(same);
            }
            let common: String = common.into_iter().collect();
            let done = if common.len() > prefix.len() {
                format!("{head}{common}")
            } else {
                input.to_string()
            };
            (done, names)
        }
    }
}

/// The saved file: a header with what to run, then the YAML.
pub fn file_text(p: &Proposal, path: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# netpol-tui what-if proposal: {}", p.title);
    let _ = writeln!(s, "# Nothing was sent to the cluster. When satisfied, run:");
    if p.has_yaml() {
        let _ = writeln!(s, "#   kubectl apply -f {}", shell_word(path));
    }
    for c in p.delete_commands() {
        let _ = writeln!(s, "#   {c}");
    }
    if p.has_yaml() {
        s.push_str(&p.yaml);
        if !p.yaml.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

/// The commands to run once saved at `path`.
pub fn commands(p: &Proposal, path: &str) -> Vec<String> {
    let mut v = Vec::new();
    if p.has_yaml() {
        v.push(format!("kubectl apply -f {}", shell_word(path)));
    }
    v.extend(p.delete_commands());
    v
}

// ---- update ----------------------------------------------------------------

fn selected_ns(sel: &Selected) -> Option<String> {
    match sel {
        Selected::Namespace(n) => Some(n.clone()),
        Selected::Pod(k) | Selected::Policy(k) => Some(k.namespace.clone()),
        Selected::None => None,
    }
}

/// Opens the panel (`w` on the main screen).
pub fn open(app: &mut App) {
    app.whatif.prompt = None;
    app.whatif.drill = false;
    app.overlay = Overlay::WhatIf;
}

/// Starts a new proposal and its computation.
fn propose(app: &mut App, p: Proposal, fx: &mut Vec<Effect>) {
    let st = &mut app.whatif;
    st.proposal = Some(p);
    st.outcome = None;
    st.rows.clear();
    st.selectable.clear();
    st.cursor = 0;
    st.scroll = 0;
    st.drill = false;
    st.saved = None;
    st.note = None;
    spawn(app, fx);
}

/// Asks for the diff of the current proposal on the current index.
pub fn spawn(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(p) = &app.whatif.proposal else {
        return;
    };
    let input = match &p.file {
        Some(f) => YamlInput::File(f.clone()),
        None => YamlInput::Text {
            name: p.source.clone(),
            text: p.yaml.clone(),
        },
    };
    let deletes = p.deletes.clone();
    let id = app.job_id();
    app.whatif.pending = Some(id);
    fx.push(Effect::Spawn(Job::WhatIf {
        id,
        index: app.index.clone(),
        input,
        deletes,
        lint: app.index.pod_count() <= super::update::AUTO_LINT_MAX_PODS,
    }));
}

/// The diff of `id` arrived. Returns whether the tree badges changed.
pub fn job_done(
    app: &mut App,
    id: u64,
    generation: u64,
    outcome: Outcome,
    read: Option<String>,
    fx: &mut Vec<Effect>,
) -> bool {
    let st = &mut app.whatif;
    if st.pending != Some(id) {
        return false;
    }
    st.pending = None;
    if let (Some(p), Some(text)) = (&mut st.proposal, read) {
        // The file is read once; later recomputations use its text.
        p.yaml = text;
        p.file = None;
    }
    st.generation = generation;
    // Keep the place in the list across recomputations.
    let keep = st.selected_row().cloned();
    st.rows = outcome
        .diff
        .as_deref()
        .map(|d| build_rows(d, outcome.linted))
        .unwrap_or_default();
    st.selectable = (0..st.rows.len())
        .filter(|&i| st.rows[i].selectable())
        .collect();
    st.cursor = keep
        .and_then(|k| st.selectable.iter().position(|&i| st.rows[i] == k))
        .unwrap_or(0);
    if st.cursor == 0 {
        st.scroll = 0;
    }
    if st.selectable.is_empty() {
        st.drill = false;
    }
    let mut touched: HashMap<String, HashSet<String>> = HashMap::new();
    for k in outcome.diff.iter().flat_map(|d| d.touched.iter()) {
        touched
            .entry(k.namespace.clone())
            .or_default()
            .insert(k.name.clone());
    }
    st.outcome = Some(outcome);
    let changed = touched != st.touched;
    st.touched = touched;
    // The state changed while computing: go again.
    if generation != app.index.generation() {
        spawn(app, fx);
    }
    changed
}

/// The cluster changed: recompute an open proposal.
pub fn index_changed(app: &mut App, fx: &mut Vec<Effect>) {
    let st = &app.whatif;
    if st.proposal.is_some() && st.pending.is_none() && st.generation != app.index.generation() {
        spawn(app, fx);
    }
}

/// The editor returned (the text of the draft, or why it failed).
pub fn edited(app: &mut App, res: Result<String, String>, fx: &mut Vec<Effect>) {
    let text = match res {
        Ok(t) => t,
        Err(e) => {
            app.whatif.note = Some((false, e));
            return;
        }
    };
    let deletes = app
        .whatif
        .proposal
        .as_ref()
        .map(|p| p.deletes.clone())
        .unwrap_or_default();
    if !has_content(&text) && deletes.is_empty() {
        app.whatif.note = Some((
            false,
            "the draft is empty (only comments): nothing to compare".into(),
        ));
        return;
    }
    if app
        .whatif
        .proposal
        .as_ref()
        .is_some_and(|p| p.yaml == text && p.file.is_none())
    {
        app.whatif.note = Some((true, "draft unchanged".into()));
        return;
    }
    let title = match app.whatif.proposal.as_ref() {
        Some(p) if !p.title.starts_with("draft") => format!("draft (from {})", p.title),
        _ => "draft from $EDITOR".to_string(),
    };
    propose(
        app,
        Proposal {
            title,
            source: "draft".into(),
            yaml: text,
            file: None,
            deletes,
        },
        fx,
    );
}

/// Lines the list shows (the view's layout decides).
fn list_height(app: &App) -> usize {
    super::views::whatif::list_area(app).height.max(1) as usize
}

fn move_cursor(app: &mut App, delta: isize) {
    let h = list_height(app);
    let st = &mut app.whatif;
    if st.drill {
        st.drill_scroll = (st.drill_scroll as isize + delta).clamp(0, 500) as u16;
        return;
    }
    let n = st.selectable.len();
    if n == 0 {
        st.scroll = (st.scroll as isize + delta).clamp(0, st.rows.len().saturating_sub(h) as isize)
            as usize;
        return;
    }
    st.cursor = (st.cursor as isize + delta).clamp(0, n as isize - 1) as usize;
    let row = st.selectable[st.cursor];
    if st.cursor == 0 {
        st.scroll = 0;
    }
    if row < st.scroll {
        // Show the headings just above when going up.
        st.scroll = row.saturating_sub(2);
    } else if row >= st.scroll + h {
        st.scroll = row + 1 - h;
    }
}

/// A key in the panel.
pub fn action(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    if app.whatif.prompt.is_some() {
        prompt(app, a, fx);
        return;
    }
    let page = list_height(app).saturating_sub(1).max(1) as isize;
    match a {
        Action::Close | Action::WhatIf => {
            if app.whatif.drill {
                app.whatif.drill = false;
            } else {
                app.overlay = Overlay::None;
            }
        }
        Action::WhatIfDefaultDeny => match selected_ns(&app.selected) {
            Some(ns) => propose(
                app,
                Proposal {
                    title: format!("default-deny for {ns}"),
                    source: format!("default-deny-{ns}.yaml"),
                    yaml: default_deny_bundle(&ns),
                    file: None,
                    deletes: vec![],
                },
                fx,
            ),
            None => {
                app.whatif.note = Some((
                    false,
                    "select a namespace (or something in it) in the tree first".into(),
                ))
            }
        },
        Action::WhatIfDelete => {
            let Selected::Policy(k) = app.selected.clone() else {
                app.whatif.note = Some((false, "select a policy in the tree first".into()));
                return;
            };
            let p = match app.whatif.proposal.clone() {
                Some(mut p) => {
                    if p.deletes.contains(&k) {
                        app.whatif.note = Some((true, format!("{k} is already deleted")));
                        return;
                    }
                    p.title = format!("{} + delete {k}", p.title);
                    p.deletes.push(k);
                    p
                }
                None => Proposal {
                    title: format!("delete {k}"),
                    source: "draft".into(),
                    yaml: String::new(),
                    file: None,
                    deletes: vec![k],
                },
            };
            propose(app, p, fx);
        }
        Action::WhatIfLoad => {
            app.whatif.prompt = Some(Prompt {
                purpose: PromptPurpose::Load,
                input: String::new(),
                candidates: vec![],
                error: None,
            })
        }
        Action::WhatIfSave => {
            if app.whatif.proposal.is_none() {
                app.whatif.note = Some((false, "nothing to save: make a proposal first".into()));
                return;
            }
            let input = app
                .whatif
                .saved
                .clone()
                .unwrap_or_else(|| DEFAULT_SAVE_PATH.to_string());
            app.whatif.prompt = Some(Prompt {
                purpose: PromptPurpose::Save,
                input,
                candidates: vec![],
                error: None,
            });
        }
        Action::WhatIfEdit => {
            let ns = selected_ns(&app.selected).unwrap_or_else(|| "default".into());
            let draft = match &app.whatif.proposal {
                Some(p) if p.has_yaml() => p.yaml.clone(),
                _ => template(&ns),
            };
            fx.push(Effect::Edit(draft));
        }
        Action::WhatIfClear => {
            let had = !app.whatif.touched.is_empty();
            app.whatif = WhatIfState::default();
            if had {
                super::update::refresh_tree(app);
            }
        }
        Action::Activate if app.whatif.selected_row().is_some() => {
            app.whatif.drill = true;
            app.whatif.drill_scroll = 0;
        }
        Action::Up | Action::ScrollUp => move_cursor(app, -1),
        Action::Down | Action::ScrollDown => move_cursor(app, 1),
        Action::PageUp => move_cursor(app, -page),
        Action::PageDown => move_cursor(app, page),
        Action::Top => move_cursor(app, -(isize::MAX / 2)),
        Action::Bottom => move_cursor(app, isize::MAX / 2),
        _ => {}
    }
}

fn prompt(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let Some(pr) = &mut app.whatif.prompt else {
        return;
    };
    match a {
        Action::Input(c) => {
            pr.input.push(c);
            pr.error = None;
        }
        Action::Backspace => {
            pr.input.pop();
            pr.error = None;
        }
        Action::ClearInput => pr.input.clear(),
        Action::Complete => {
            let (done, candidates) = complete(&pr.input);
            pr.input = done;
            pr.candidates = candidates;
        }
        Action::Close => app.whatif.prompt = None,
        Action::Activate => {
            let input = pr.input.trim().to_string();
            if input.is_empty() {
                pr.error = Some("type a path".into());
                return;
            }
            let path = expand_home(&input);
            match pr.purpose {
                PromptPurpose::Load => {
                    if path.is_dir() {
                        pr.error = Some(format!("{input} is a directory: pick a file"));
                        return;
                    }
                    app.whatif.prompt = None;
                    propose(
                        app,
                        Proposal {
                            title: format!("file {input}"),
                            source: input.clone(),
                            yaml: String::new(),
                            file: Some(path),
                            deletes: vec![],
                        },
                        fx,
                    );
                }
                PromptPurpose::Save => save(app, &input, &path),
            }
        }
        _ => {}
    }
}

fn save(app: &mut App, input: &str, path: &Path) {
    let Some(p) = &app.whatif.proposal else {
        app.whatif.prompt = None;
        return;
    };
    if p.file.is_some() {
        if let Some(pr) = &mut app.whatif.prompt {
            pr.error = Some("the file is still being read: try again".into());
        }
        return;
    }
    match std::fs::write(path, file_text(p, input)) {
        Ok(()) => {
            app.whatif.prompt = None;
            app.whatif.saved = Some(input.to_string());
            app.whatif.note = Some((
                true,
                format!("saved to {input}; nothing was sent to the cluster"),
            ));
        }
        Err(e) => {
            if let Some(pr) = &mut app.whatif.prompt {
                pr.error = Some(format!("cannot write {input}: {e}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_extends_to_the_common_prefix_and_marks_dirs() {
        let dir = std::env::temp_dir().join(format!("netpol-complete-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("policies")).expect("mkdir");
        std::fs::write(dir.join("proposal-a.yaml"), "").expect("write");
        std::fs::write(dir.join("proposal-b.yaml"), "").expect("write");
        std::fs::write(dir.join(".hidden"), "").expect("write");
        let base = format!("{}/", dir.display());
        let (done, cands) = complete(&format!("{base}pro"));
        assert_eq!(done, format!("{base}proposal-"));
        assert_eq!(cands, vec!["proposal-a.yaml", "proposal-b.yaml"]);
        let (done, cands) = complete(&format!("{base}pol"));
        assert_eq!(done, format!("{base}policies/"));
        assert!(cands.is_empty());
        let (done, _) = complete(&format!("{base}nothing"));
        assert_eq!(done, format!("{base}nothing"));
        let (_, cands) = complete(&base);
        assert!(!cands.iter().any(|c| c.starts_with('.')), "{cands:?}");
        let (done, _) = complete("/definitely/not/here/x");
        assert_eq!(done, "/definitely/not/here/x");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn saved_file_says_what_to_run() {
        let p = Proposal {
            title: "t".into(),
            source: "draft".into(),
            yaml: "kind: NetworkPolicy\n".into(),
            file: None,
            deletes: vec![PolicyKey::new("shop", "old one")],
        };
        let text = file_text(&p, "./my file.yaml");
        assert!(
            text.contains("#   kubectl apply -f './my file.yaml'"),
            "{text}"
        );
        assert!(text.contains("#   kubectl delete networkpolicy -n shop 'old one'"));
        assert!(text.ends_with("kind: NetworkPolicy\n"));
        let only_delete = Proposal {
            yaml: "# nothing\n".into(),
            ..p
        };
        assert_eq!(commands(&only_delete, "x.yaml").len(), 1);
    }
}
