//! Colours and text styles. Two palettes (dark and light terminals) and a
//! monochrome one for `NO_COLOR` (https://no-color.org): meaning is then
//! carried by marks (✓ ✗), bold, underline and reverse video only.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeKind {
    Dark,
    Light,
    Mono,
}

impl ThemeKind {
    /// Chooses the palette: `NO_COLOR` wins, then the `--theme` flag, then
    /// `NETPOL_TUI_THEME`, then the config file's `theme`, then the
    /// terminal's hint in `COLORFGBG` (`fg;bg`, a light background is 7 or
    /// 9-15), else dark.
    pub fn resolve(flag: Option<&str>, config: Option<ThemeKind>) -> Self {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self::resolve_from(
            flag,
            env("NO_COLOR").is_some(),
            env("NETPOL_TUI_THEME").as_deref(),
            config,
            env("COLORFGBG").as_deref(),
        )
    }

    pub fn resolve_from(
        flag: Option<&str>,
        no_color: bool,
        env_theme: Option<&str>,
        config: Option<ThemeKind>,
        colorfgbg: Option<&str>,
    ) -> Self {
        if no_color {
            return ThemeKind::Mono;
        }
        if let Some(k) = flag.and_then(Self::parse) {
            return k;
        }
        if let Some(k) = env_theme.and_then(Self::parse).or(config) {
            return k;
        }
        let light_bg = colorfgbg
            .and_then(|s| s.rsplit(';').next())
            .and_then(|bg| bg.parse::<u8>().ok())
            .is_some_and(|bg| bg == 7 || (9..=15).contains(&bg));
        if light_bg {
            ThemeKind::Light
        } else {
            ThemeKind::Dark
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "dark" => Some(ThemeKind::Dark),
            "light" => Some(ThemeKind::Light),
            "mono" | "none" | "no-color" => Some(ThemeKind::Mono),
            _ => None,
        }
    }
}

/// Every style the views use, by meaning.
#[derive(Debug, Clone)]
pub struct Theme {
    pub kind: ThemeKind,
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub allow: Style,
    pub deny: Style,
    pub info: Style,
    pub warn: Style,
    pub key: Style,
    pub ns: Style,
    pub pod: Style,
    pub policy: Style,
    pub label: Style,
    pub matched: Style,
    pub status: Style,
    /// Heatmap shades, from nothing allowed to everything allowed.
    pub heat: [Style; 5],
}

impl Theme {
    pub fn new(kind: ThemeKind) -> Self {
        let fg = |c: Color| Style::new().fg(c);
        let bold = Modifier::BOLD;
        match kind {
            ThemeKind::Dark => Theme {
                kind,
                base: Style::new(),
                dim: fg(Color::DarkGray),
                title: fg(Color::Cyan).add_modifier(bold),
                border: fg(Color::DarkGray),
                border_focus: fg(Color::Cyan),
                selected: Style::new().bg(Color::Indexed(238)).add_modifier(bold),
                allow: fg(Color::Green),
                deny: fg(Color::Red),
                info: fg(Color::Gray),
                warn: fg(Color::Yellow),
                key: fg(Color::Yellow).add_modifier(bold),
                ns: fg(Color::Cyan).add_modifier(bold),
                pod: Style::new(),
                policy: fg(Color::Magenta),
                label: fg(Color::LightBlue),
                matched: fg(Color::Yellow).add_modifier(bold | Modifier::UNDERLINED),
                status: Style::new().bg(Color::Indexed(236)).fg(Color::Gray),
                heat: [
                    fg(Color::DarkGray),
                    fg(Color::Indexed(22)),
                    fg(Color::Indexed(28)),
                    fg(Color::Indexed(34)),
                    fg(Color::Indexed(46)),
                ],
            },
            ThemeKind::Light => Theme {
                kind,
                base: Style::new(),
                dim: fg(Color::Indexed(244)),
                title: fg(Color::Indexed(24)).add_modifier(bold),
                border: fg(Color::Indexed(247)),
                border_focus: fg(Color::Indexed(25)),
                selected: Style::new().bg(Color::Indexed(254)).add_modifier(bold),
                allow: fg(Color::Indexed(28)),
                deny: fg(Color::Indexed(160)),
                info: fg(Color::Indexed(240)),
                warn: fg(Color::Indexed(130)),
                key: fg(Color::Indexed(25)).add_modifier(bold),
                ns: fg(Color::Indexed(24)).add_modifier(bold),
                pod: Style::new(),
                policy: fg(Color::Indexed(90)),
                label: fg(Color::Indexed(19)),
                matched: fg(Color::Indexed(160)).add_modifier(bold | Modifier::UNDERLINED),
                status: Style::new().bg(Color::Indexed(253)).fg(Color::Indexed(236)),
                heat: [
                    fg(Color::Indexed(250)),
                    fg(Color::Indexed(151)),
                    fg(Color::Indexed(77)),
                    fg(Color::Indexed(34)),
                    fg(Color::Indexed(22)),
                ],
            },
            ThemeKind::Mono => {
                let plain = Style::new();
                Theme {
                    kind,
                    base: plain,
                    dim: plain,
                    title: plain.add_modifier(bold),
                    border: plain,
                    border_focus: plain.add_modifier(bold),
                    selected: plain.add_modifier(Modifier::REVERSED),
                    allow: plain,
                    deny: plain.add_modifier(bold),
                    info: plain,
                    warn: plain.add_modifier(bold),
                    key: plain.add_modifier(bold),
                    ns: plain.add_modifier(bold),
                    pod: plain,
                    policy: plain,
                    label: plain,
                    matched: plain.add_modifier(Modifier::UNDERLINED),
                    status: plain.add_modifier(Modifier::REVERSED),
                    heat: [plain; 5],
                }
            }
        }
    }

    /// The heatmap glyph and style for a fraction of allowed pairs.
    pub fn heat_cell(&self, fraction: f64) -> (&'static str, Style) {
        let (glyph, i) = if fraction <= 0.0 {
            ("· ", 0)
        } else if fraction < 0.25 {
            ("░░", 1)
        } else if fraction < 0.75 {
            ("▒▒", 2)
        } else if fraction < 1.0 {
            ("▓▓", 3)
        } else {
            ("██", 4)
        };
        (glyph, self.heat[i])
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::new(ThemeKind::Dark)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_then_flag_then_env_then_config_then_terminal() {
        assert_eq!(
            ThemeKind::resolve_from(Some("light"), true, None, None, None),
            ThemeKind::Mono
        );
        assert_eq!(
            ThemeKind::resolve_from(
                Some("light"),
                false,
                Some("dark"),
                Some(ThemeKind::Dark),
                None
            ),
            ThemeKind::Light
        );
        assert_eq!(
            ThemeKind::resolve_from(None, false, Some("light"), Some(ThemeKind::Dark), None),
            ThemeKind::Light
        );
        assert_eq!(
            ThemeKind::resolve_from(None, false, None, None, Some("0;15")),
            ThemeKind::Light
        );
        assert_eq!(
            ThemeKind::resolve_from(None, false, None, None, Some("15;0")),
            ThemeKind::Dark
        );
        assert_eq!(
            ThemeKind::resolve_from(None, false, None, None, None),
            ThemeKind::Dark
        );
        // The config file: below the flag and the variable, above the guess.
        assert_eq!(
            ThemeKind::resolve_from(None, false, None, Some(ThemeKind::Light), Some("15;0")),
            ThemeKind::Light
        );
    }
}
