//! The user's config file: the theme and key bindings.
//!
//! Path: `$NETPOL_TUI_CONFIG`, else `$XDG_CONFIG_HOME/netpol-tui/config.toml`,
//! else `~/.config/netpol-tui/config.toml`. A missing file at the default
//! path means the defaults; a missing file that `NETPOL_TUI_CONFIG` names is
//! an error (it was asked for). Everything is validated up front, and every
//! error names the file, the key and the problem. The documented example
//! is `assets/config.example.toml`.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::keymap::{Action, Context, Key, Keymap, configurable};
use super::theme::ThemeKind;

/// What the config file sets; the defaults when there is none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `theme = "dark" | "light" | "mono"`; below --theme and NETPOL_TUI_THEME.
    pub theme: Option<ThemeKind>,
    pub keymap: Keymap,
}

/// A config that cannot be used, with the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "config file {}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The config path, and whether it was named explicitly (NETPOL_TUI_CONFIG).
pub fn path() -> Option<(PathBuf, bool)> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = var("NETPOL_TUI_CONFIG") {
        return Some((PathBuf::from(p), true));
    }
    let base = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some((base.join("netpol-tui").join("config.toml"), false))
}

/// Reads and validates the config file (the defaults when there is none).
pub fn load() -> Result<Config, ConfigError> {
    let Some((path, explicit)) = path() else {
        return Ok(Config::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text).map_err(|message| ConfigError { path, message }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(Config::default()),
        Err(e) => Err(ConfigError {
            path,
            message: format!("cannot read it: {e}"),
        }),
    }
}

/// Reads `path` (for tests and tools: no fallback to the defaults).
pub fn load_from(path: &Path) -> Result<Config, ConfigError> {
    let err = |message| ConfigError {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read it: {e}")))?;
    parse(&text).map_err(err)
}

/// Parses and validates a config's text. Err: what is wrong, and where.
pub fn parse(text: &str) -> Result<Config, String> {
    let table: Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.to_string().trim_end()))?;
    let mut config = Config::default();
    for (key, value) in &table {
        match key.as_str() {
            "theme" => config.theme = Some(theme(value)?),
            "keys" => {
                let Value::Table(sections) = value else {
                    return Err("keys: must be a table ([keys.SECTION])".into());
                };
                for (name, section) in sections {
                    keys_section(&mut config.keymap, name, section)?;
                }
            }
            other => {
                return Err(format!(
                    "unknown key {other:?} (known: theme, [keys.SECTION])"
                ));
            }
        }
    }
    config.keymap.check()?;
    Ok(config)
}

fn theme(value: &Value) -> Result<ThemeKind, String> {
    value.as_str().and_then(ThemeKind::parse).ok_or_else(|| {
        format!("theme: {value} is not a theme (use \"dark\", \"light\" or \"mono\")")
    })
}

/// `[keys.NAME]`: `action = "key"` or `action = ["key", ...]`.
fn keys_section(map: &mut Keymap, name: &str, section: &Value) -> Result<(), String> {
    let Some(ctx) = Context::from_name(name) else {
        let known: Vec<_> = Context::names().collect();
        return Err(format!(
            "unknown section [keys.{name}] (known: {})",
            known.join(", ")
        ));
    };
    let Value::Table(entries) = section else {
        return Err(format!("keys.{name}: must be a table of action = keys"));
    };
    for (action_name, keys) in entries {
        let at = format!("[keys.{name}] {action_name}");
        let known = configurable(ctx);
        let action = Action::from_name(action_name)
            .filter(|a| a.name().is_some_and(|n| known.contains(&n)))
            .ok_or_else(|| {
                format!(
                    "{at}: unknown action (this section has: {})",
                    known.join(", ")
                )
            })?;
        let words: Vec<&Value> = match keys {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        let mut parsed = Vec::new();
        for w in words {
            let Some(s) = w.as_str() else {
                return Err(format!(
                    "{at}: {w} is not a key (write keys as strings: \"q\", \"Ctrl-F\")"
                ));
            };
            let k = Key::parse(s).map_err(|e| format!("{at}: cannot parse key {s:?}: {e}"))?;
            if !parsed.contains(&k) {
                parsed.push(k);
            }
        }
        map.rebind(ctx, action, parsed)
            .map_err(|e| format!("{at}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::super::keymap::{BINDINGS, Mode, resolve};
    use super::*;

    const EXAMPLE: &str = include_str!("../../assets/config.example.toml");

    fn err(text: &str) -> String {
        parse(text).expect_err(text)
    }

    #[test]
    fn no_file_content_is_the_defaults_and_they_are_consistent() {
        assert_eq!(parse(""), Ok(Config::default()));
        assert_eq!(Keymap::default().check(), Ok(()));
    }

    #[test]
    fn the_example_parses_to_the_defaults_and_lists_every_action() {
        assert_eq!(parse(EXAMPLE), Ok(Config::default()));
        let table: Table = EXAMPLE.parse().expect("TOML");
        for b in BINDINGS {
            let (Some(ctx), Some(action)) = (b.context.name(), b.action.name()) else {
                continue;
            };
            assert!(
                table["keys"][ctx].get(action).is_some(),
                "the example lacks [keys.{ctx}] {action}"
            );
        }
        // Uncommented, the theme line parses too.
        let themed = EXAMPLE.replace("# theme = \"dark\"", "theme = \"dark\"");
        assert_eq!(parse(&themed).map(|c| c.theme), Ok(Some(ThemeKind::Dark)));
    }

    #[test]
    fn a_remap_replaces_that_actions_keys_only() {
        let c = parse("theme = \"light\"\n[keys.browse]\nmatrix = \"M\"\n[keys.move]\ndown = [\"Down\", \"Ctrl-J\"]\n")
            .expect("valid");
        assert_eq!(c.theme, Some(ThemeKind::Light));
        let press = |c: char, m| KeyEvent::new(KeyCode::Char(c), m);
        let none = KeyModifiers::NONE;
        assert_eq!(
            resolve(&c.keymap, Mode::Browse, &press('M', KeyModifiers::SHIFT)),
            Some(Action::Matrix)
        );
        assert_eq!(resolve(&c.keymap, Mode::Browse, &press('m', none)), None);
        assert_eq!(
            resolve(&c.keymap, Mode::Browse, &press('j', KeyModifiers::CONTROL)),
            Some(Action::Down)
        );
        assert_eq!(resolve(&c.keymap, Mode::Browse, &press('j', none)), None);
        // Untouched actions keep their keys.
        assert_eq!(
            resolve(&c.keymap, Mode::Browse, &press('k', none)),
            Some(Action::Up)
        );
    }

    #[test]
    fn the_readme_example_is_valid() {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("## Configuration")
            .nth(1)
            .expect("a Configuration section");
        let block = section
            .split("```toml\n")
            .nth(1)
            .and_then(|b| b.split("```").next())
            .expect("a toml block");
        let c = parse(block).expect("the README's example parses");
        assert_eq!(c.theme, Some(ThemeKind::Light));
        assert_ne!(c.keymap, Keymap::default());
    }

    #[test]
    fn unknown_top_level_key() {
        let e = err("colour = \"dark\"\n");
        assert!(e.contains("unknown key \"colour\""), "{e}");
    }

    #[test]
    fn unknown_section() {
        let e = err("[keys.brwose]\nmatrix = \"m\"\n");
        assert!(
            e.contains("unknown section [keys.brwose]") && e.contains("browse"),
            "{e}"
        );
    }

    #[test]
    fn unknown_action_lists_the_sections_actions() {
        let e = err("[keys.browse]\nmatrixx = \"m\"\n");
        assert!(e.contains("[keys.browse] matrixx: unknown action"), "{e}");
        assert!(e.contains("toggle-findings"), "{e}");
        // A real action, but not one of this section.
        let e = err("[keys.finder]\nmatrix = \"Ctrl-X\"\n");
        assert!(e.contains("[keys.finder] matrix: unknown action"), "{e}");
    }

    #[test]
    fn unparsable_key() {
        let e = err("[keys.browse]\nmatrix = \"Ctl-M\"\n");
        assert!(
            e.contains("[keys.browse] matrix: cannot parse key \"Ctl-M\""),
            "{e}"
        );
        assert!(e.contains("unknown modifier"), "{e}");
        let e = err("[keys.browse]\nmatrix = 5\n");
        assert!(e.contains("[keys.browse] matrix: 5 is not a key"), "{e}");
        let e = err("[keys.browse]\nmatrix = []\n");
        assert!(e.contains("[keys.browse] matrix: no keys"), "{e}");
    }

    #[test]
    fn conflicting_binding() {
        let e = err("[keys.browse]\nmatrix = \"f\"\n");
        assert!(
            e.contains("[keys.browse]: key \"f\" is bound to both matrix and toggle-findings"),
            "{e}"
        );
        // Moving the other action away resolves it.
        assert!(parse("[keys.browse]\nmatrix = \"f\"\ntoggle-findings = \"F\"\n").is_ok());
        // A plain letter where one types would never fire.
        let e = err("[keys.finder]\nclose = \"x\"\n");
        assert!(
            e.contains("[keys.finder] close: key \"x\" types text there"),
            "{e}"
        );
    }

    #[test]
    fn bad_theme_and_bad_toml() {
        let e = err("theme = \"solarized\"\n");
        assert!(e.contains("theme: \"solarized\" is not a theme"), "{e}");
        let e = err("[keys\n");
        assert!(e.starts_with("not valid TOML"), "{e}");
        let e = err("keys = 1\n");
        assert!(e.contains("keys: must be a table"), "{e}");
    }

    #[test]
    fn errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("netpol-tui-config-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("config.toml");
        std::fs::write(&path, "[keys.browse]\nmatrix = \"f\"\n").expect("write");
        let e = load_from(&path).expect_err("conflict").to_string();
        assert!(
            e.starts_with(&format!("config file {}: ", path.display())),
            "{e}"
        );
        let missing = load_from(&dir.join("nope.toml"))
            .expect_err("missing")
            .to_string();
        assert!(
            missing.contains("nope.toml") && missing.contains("cannot read"),
            "{missing}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
