//! `kubectl-netpol_tui`: wiring only. Parse flags, pick a source, run a
//! command (or the TUI when no command is given).

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use color_eyre::eyre::eyre;
use netpol_tui::cli::{self, Cli, Command};

fn main() -> ExitCode {
    // Errors are shown as one clear message, never a stack trace.
    let _ = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install();
    // Completion requests carry a half-typed command line, not our flags.
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args.get(1).map(String::as_str) == Some(cli::completion::COMPLETE_CMD) {
        let _ = print(&cli::completion::answer(&args[2..]));
        return ExitCode::SUCCESS;
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn print(s: &str) -> color_eyre::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn run(cli: Cli) -> color_eyre::Result<u8> {
    let Some(command) = cli.command else {
        // The config (theme, keys) is read before anything else: a bad one
        // is an error at start, before the source is loaded.
        let config = netpol_tui::tui::config::load()?;
        let flows = if cli.tui.flows.is_empty() {
            None
        } else {
            let files_only = cli::hubble::HubbleArgs::default();
            Some(cli::flows::load_recorded(
                &cli.tui.flows,
                &files_only,
                cli.source.demo,
            )?)
        };
        // `--hubble flows` took the command's name as ADDR.
        if let Some(a) = &cli.tui.hubble.hubble
            && Cli::command().get_subcommands().any(|c| c.get_name() == a)
        {
            return Err(eyre!(
                "--hubble {a}: {a:?} is a command; put --hubble after it (`{a} --hubble [ADDR]`)"
            ));
        }
        // The TUI follows the relay (commands read a window and end).
        let hubble = cli.tui.hubble.relay().map(|r| (r, cli.tui.hubble.window()));
        let opts = netpol_tui::tui::Options {
            flows,
            hubble,
            theme: cli.tui.theme.clone(),
            focus: cli.source.namespace.clone(),
            config,
        };
        return netpol_tui::tui::run(&cli::input::spec(&cli.source), &opts);
    };
    // The source flags given before the subcommand's name count too.
    let source = match &command {
        Command::Connectivity(a) => Some(&a.source),
        Command::CanReach(a) => Some(&a.source),
        Command::Diff(a) => Some(&a.source),
        Command::Lint(a) => Some(&a.source),
        Command::Flows(a) => Some(&a.source),
        Command::Suggest(a) => Some(&a.source),
        Command::Bench(_) | Command::Completion(_) => None,
    };
    let source = match source {
        Some(sub) => cli.source.merged(sub).map_err(|e| eyre!(e))?,
        None => cli.source.clone(),
    };
    if let Command::Completion(args) = &command {
        print(&cli::completion::run(args)?)?;
        return Ok(0);
    }
    if let Command::Bench(args) = &command {
        print(&cli::bench::run(args)?)?;
        return Ok(0);
    }
    if let Command::Diff(args) = &command
        && args.base.is_some()
    {
        let (text, code) = cli::diff::run(None, args, &Default::default(), false)?;
        print(&text)?;
        return Ok(code);
    }
    let mut input = cli::input::load(&source)?;
    cli::input::report_diagnostics(&input);
    // `-n` focuses the reports; policies elsewhere still count.
    let focus = source.namespace.as_deref();
    let result = (|| -> color_eyre::Result<u8> {
        match command {
            Command::Connectivity(args) => {
                // Streamed: a big report starts printing before it is complete.
                let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
                match cli::connectivity::run_to(&input.index, &args, focus, &mut out) {
                    // A closed pipe (`| head`) is not an error worth reporting.
                    Err(e)
                        if e.downcast_ref::<std::io::Error>()
                            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {}
                    r => r?,
                }
                Ok(0)
            }
            Command::CanReach(args) => {
                let (text, code) = cli::can_reach::run(&input.index, &args, focus)?;
                print(&text)?;
                Ok(code)
            }
            Command::Lint(args) => {
                let (text, code) =
                    cli::lint::run(&input.index, &args, input.cni_info(), focus, source.demo)?;
                print(&text)?;
                Ok(code)
            }
            Command::Flows(args) => {
                print(&cli::flows::run(&input.index, &args, focus, source.demo)?)?;
                Ok(0)
            }
            Command::Suggest(args) => {
                let (text, proof, code) =
                    cli::suggest::run(&input.index, &args, focus, source.demo)?;
                eprint!("{proof}");
                print(&text)?;
                Ok(code)
            }
            Command::Diff(args) => {
                let lint = netpol_tui::engine::findings::LintOptions {
                    cni: input.cni_info(),
                    ..Default::default()
                };
                let (text, code) = cli::diff::run(Some(&mut input), &args, &lint, source.demo)?;
                print(&text)?;
                Ok(code)
            }
            Command::Bench(_) | Command::Completion(_) => {
                unreachable!("handled before loading input")
            }
        }
    })();
    // A one-shot command: the OS takes the memory back at exit much faster
    // than dropping the index object by object (~10 % of a 50k-pod run).
    std::mem::forget(input);
    result
}
