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
    value
        .as_str()
        .and_then(ThemeKind::parse)
        .ok_or_else(|| format!("theme: {value} is not a theme (use \"dark\", \"light\" or \"mono\")"))
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
            .ok_or_else(|| format!("{at}: unknown action (this section has: {})", known.join(", ")))?;
        let words: Vec<&Value> = match keys {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        let mut parsed = Vec::new();
        for w in words {
            let Some(s) = w.as_str() else {
                return Err(format!("{at}: {w} is not a key (write keys as strings: \"q\", \"Ctrl-F\")"));
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
