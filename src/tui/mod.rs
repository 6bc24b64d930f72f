//! Terminal UI. One direction of flow: source events -> engine index ->
//! view models (`models`) -> widgets (`views`). Keys and mouse gestures map
//! to actions in `keymap`, state changes only in `update` (one file per
//! mode), drawing reads state only, heavy work runs as `jobs` off the UI
//! thread, and filesystem work as `io` effects: `update` does no I/O. The
//! loop redraws only when `update` marked the app dirty.

pub mod app;
pub mod config;
pub mod feed;
pub mod fuzzy;
pub mod harness;
pub mod io;
pub mod jobs;
pub mod keymap;
pub mod live;
pub mod models;
pub mod nsstats;
pub mod term;
pub mod theme;
pub mod update;
pub mod views;
pub mod whatif;

use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::engine::index::Index;
use crate::source::{self, Spec};

use app::{App, SourceInfo};
use theme::{Theme, ThemeKind};
use update::{Effect, Msg, update};

pub use views::draw;

/// How the TUI looks and what it opens on; the source is a [`Spec`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `dark` or `light`; `None`: `ThemeKind::resolve` reads
    /// `NETPOL_TUI_THEME`, then COLORFGBG.
    pub theme: Option<String>,
    /// The namespace to select at start (`-n`).
    pub focus: Option<String>,
    /// The config file's theme and keys ([`config::load`]).
    pub config: config::Config,
    /// Recorded flows (`--flows`): marked in the pod panes.
    pub flows: Option<crate::engine::flows::Recorded>,
    /// Hubble Relay to follow (`--hubble`), and the window to start with:
    /// its flows add to `flows`.
    pub hubble: Option<(
        crate::source::flows::relay::RelayOptions,
        crate::source::flows::relay::Window,
    )>,
}

/// `$VISUAL`, else `$EDITOR`, else `vi`, split into words (`code -w`).
fn editor_command() -> Vec<String> {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|s| s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .find(|w| !w.is_empty())
        .unwrap_or_else(|| vec!["vi".to_string()])
}

/// Writes the draft to a temporary file, suspends the terminal, runs the
/// editor on it, restores the terminal and returns the edited text (or why
/// there is none). Errs only when the terminal cannot be taken back.
fn edit_draft(terminal: &mut term::Term, draft: &str) -> std::io::Result<Result<String, String>> {
    let path = std::env::temp_dir().join(format!("netpol-tui-draft-{}.yaml", std::process::id()));
    if let Err(e) = std::fs::write(&path, draft) {
        return Ok(Err(format!(
            "cannot write the draft {}: {e}",
            path.display()
        )));
    }
    let cmd = editor_command();
    term::suspend();
    let status = std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .arg(&path)
        .status();
    term::resume(terminal)?;
    let res = match status {
        Err(e) => Err(format!(
            "cannot run the editor `{}` ($VISUAL / $EDITOR): {e}",
            cmd.join(" ")
        )),
        Ok(s) if !s.success() => Err(format!(
            "the editor `{}` failed ({s}): draft discarded",
            cmd.join(" ")
        )),
        Ok(_) => std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read the draft {}: {e}", path.display())),
    };
    let _ = std::fs::remove_file(&path);
    Ok(res)
}

/// Opens the TUI: on the demo (`--demo`), on files (`-f`), or on the
/// current context. Returns the exit status (0 on `q` / Ctrl-C).
pub fn run(spec: &Spec, opts: &Options) -> Result<u8> {
    let theme = Theme::new(ThemeKind::resolve(opts.theme.as_deref(), opts.config.theme));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let status = rt.block_on(async move {
        let (tx, rx) = mpsc::unbounded_channel::<Msg>();
        let (index, info) = match spec {
            Spec::Live(live_opts) => {
                live::start(live_opts.clone(), tx.clone())?;
                (Index::new(), SourceInfo::new(spec.origin()))
            }
            _ => {
                // Load before touching the terminal: errors print normally.
                let loaded = source::load(spec).map_err(|e| eyre!("{e}"))?;
                let mut info = SourceInfo::new(loaded.origin);
                info.errors = loaded.errors;
                info.warnings = loaded.warnings;
                (loaded.index, info)
            }
        };
        let mut app = App::new(index, info, theme);
        app.keymap = opts.config.keymap.clone();
        app.flows = opts.flows.clone().map(std::sync::Arc::new);
        if let Some((relay, start)) = &opts.hubble {
            app.feed = Some(feed::FlowFeed::new(relay.addr.clone(), app.now));
            app.flows.get_or_insert_with(Default::default);
            feed::start(relay.clone(), *start, tx.clone());
        }
        if let Some(ns) = opts.focus.clone() {
            update::select(&mut app, app::Selected::Namespace(ns));
        }
        let mut terminal = term::enter()?;
        let result = event_loop(&mut terminal, &mut app, tx, rx).await;
        term::leave();
        result.map(|()| 0)
    });
    // Do not wait for background jobs (a lint of a big cluster can take a
    // minute) or the source: the user asked to quit.
    rt.shutdown_background();
    status
}

async fn event_loop(
    terminal: &mut term::Term,
    app: &mut App,
    tx: mpsc::UnboundedSender<Msg>,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) -> Result<()> {
    let size = terminal.size()?;
    // The first update asks for work too (the initial lint): keep it for
    // the first turn of the loop.
    let mut initial = update(app, Msg::Resize(size.width, size.height));
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    terminal.draw(|f| draw(f, app))?;
    app.dirty = false;
    // Test hook: proves the terminal is restored on panic (tests/tui_tmux.rs).
    if std::env::var_os("NETPOL_TUI_PANIC_AFTER_DRAW").is_some() {
        panic!("panic requested by NETPOL_TUI_PANIC_AFTER_DRAW");
    }
    loop {
        let msg = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => Msg::Key(k),
                Some(Ok(TermEvent::Mouse(m))) => Msg::Mouse(m),
                Some(Ok(TermEvent::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(m) = rx.recv() => m,
            _ = tick.tick() => Msg::Tick(std::time::Instant::now()),
        };
        let mut effects = std::mem::take(&mut initial);
        effects.extend(update(app, msg));
        // Take whatever else is queued (a burst of source events) before
        // drawing: one frame per burst.
        while let Ok(m) = rx.try_recv() {
            effects.extend(update(app, m));
            if app.quit {
                break;
            }
        }
        if app.quit {
            return match app.fatal.take() {
                Some(e) => Err(color_eyre::eyre::eyre!(e)),
                None => Ok(()),
            };
        }
        for effect in effects {
            let job = match effect {
                Effect::Spawn(job) => job,
                Effect::Io(req) => {
                    let tx = tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = tx.send(Msg::Io(io::perform(req)));
                    });
                    continue;
                }
                Effect::Edit(draft) => {
                    // Stop reading the terminal (the editor reads it), and
                    // read it afresh after.
                    drop(std::mem::take(&mut input));
                    let res = edit_draft(terminal, &draft)?;
                    let _ = tx.send(Msg::Edited(res));
                    continue;
                }
            };
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let msg =
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| jobs::run(job)))
                    {
                        Ok(out) => Msg::Job(out),
                        Err(_) => Msg::Fatal(
                            "a background computation failed (see the panic message above)".into(),
                        ),
                    };
                let _ = tx.send(msg);
            });
        }
        if std::mem::take(&mut app.dirty) {
            terminal.draw(|f| draw(f, app))?;
        }
    }
}
