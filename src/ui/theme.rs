//! Themes: a dozen semantic colours from `themes/*.toml` (built in) or the user's config
//! dir, turned into the styles panes use. Panes never name raw colours. `NO_COLOR` keeps
//! only modifiers (bold, reverse), so state is still never told by colour alone.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The built-in themes, embedded so the binary needs no files.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// Why a theme cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeError {
    /// The TOML does not read as a theme; toml's own one-line message.
    #[error("{0}")]
    Syntax(String),
    #[error("unknown colour {0:?}")]
    UnknownColour(String),
    /// A user theme file that is broken, named so the user knows which file to fix.
    #[error("{}: {source}", .path.display())]
    InFile {
        path: PathBuf,
        source: Box<ThemeError>,
    },
    #[error("no theme {name:?}; built in: default, light, high-contrast (or add {})", .user.display())]
    NotFound { name: String, user: PathBuf },
}

/// A theme file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub name: String,
    pub fg: String,
    pub dim: String,
    pub accent: String,
    pub border: String,
    pub border_focus: String,
    pub ok: String,
    pub warn: String,
    pub error: String,
    pub selection_fg: String,
    pub selection_bg: String,
    pub json_key: String,
    pub json_string: String,
    pub json_number: String,
    pub json_literal: String,
}

impl Theme {
    pub fn parse(text: &str) -> Result<Theme, ThemeError> {
        let t: Theme = toml::from_str(text).map_err(|e| ThemeError::Syntax(e.message().into()))?;
        // Check every colour now so a typo is reported, not silently drawn as default.
        for c in [
            &t.fg,
            &t.dim,
            &t.accent,
            &t.border,
            &t.border_focus,
            &t.ok,
            &t.warn,
            &t.error,
            &t.selection_fg,
            &t.selection_bg,
            &t.json_key,
            &t.json_string,
            &t.json_number,
            &t.json_literal,
        ] {
            Color::from_str(c).map_err(|_| ThemeError::UnknownColour(c.clone()))?;
        }
        Ok(t)
    }

    /// A built-in theme, or `<config_dir>/themes/<name>.toml`.
    pub fn load(name: &str, config_dir: &Path) -> Result<Theme, ThemeError> {
        let user = config_dir.join("themes").join(format!("{name}.toml"));
        if let Ok(text) = std::fs::read_to_string(&user) {
            return Theme::parse(&text).map_err(|e| ThemeError::InFile {
                path: user,
                source: Box::new(e),
            });
        }
        BUILTIN.iter().find(|(n, _)| *n == name).map_or_else(
            || {
                Err(ThemeError::NotFound {
                    name: name.to_string(),
                    user,
                })
            },
            |(_, t)| Theme::parse(t),
        )
    }

    pub fn builtin_default() -> Theme {
        Theme::parse(BUILTIN[0].1).unwrap_or_else(|_| Theme {
            name: "fallback".into(),
            fg: "reset".into(),
            dim: "reset".into(),
            accent: "reset".into(),
            border: "reset".into(),
            border_focus: "reset".into(),
            ok: "reset".into(),
            warn: "reset".into(),
            error: "reset".into(),
            selection_fg: "reset".into(),
            selection_bg: "reset".into(),
            json_key: "reset".into(),
            json_string: "reset".into(),
            json_number: "reset".into(),
            json_literal: "reset".into(),
        })
    }
}

/// Ready-made styles for the panes.
#[derive(Debug, Clone, PartialEq)]
pub struct Styles {
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub selected: Style,
    pub key: Style,
    pub string: Style,
    pub number: Style,
    pub literal: Style,
    pub name: String,
}

impl Styles {
    /// Styles from a theme; `no_color` (the `NO_COLOR` convention) drops every colour.
    pub fn new(t: &Theme, no_color: bool) -> Styles {
        let c = |s: &str| {
            if no_color {
                Color::Reset
            } else {
                Color::from_str(s).unwrap_or(Color::Reset)
            }
        };
        let fg = |s: &str| Style::default().fg(c(s));
        Styles {
            text: fg(&t.fg),
            dim: fg(&t.dim),
            accent: fg(&t.accent),
            title: fg(&t.accent).add_modifier(Modifier::BOLD),
            border: fg(&t.border),
            border_focus: fg(&t.border_focus).add_modifier(Modifier::BOLD),
            ok: fg(&t.ok),
            warn: fg(&t.warn).add_modifier(Modifier::BOLD),
            error: fg(&t.error).add_modifier(Modifier::BOLD),
            selected: if no_color {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
                    .fg(c(&t.selection_fg))
                    .bg(c(&t.selection_bg))
            },
            key: fg(&t.json_key),
            string: fg(&t.json_string),
            number: fg(&t.json_number),
            literal: fg(&t.json_literal),
            name: t.name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses() {
        for (name, text) in BUILTIN {
            let t = Theme::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&t.name, name);
        }
    }

    #[test]
    fn bad_colour_is_named() {
        let text = BUILTIN[0].1.replace("\"cyan\"", "\"cyanish\"");
        assert!(
            Theme::parse(&text)
                .expect_err("bad")
                .to_string()
                .contains("cyanish")
        );
    }

    #[test]
    fn no_color_keeps_selection_visible() {
        let s = Styles::new(&Theme::builtin_default(), true);
        assert_eq!(s.ok.fg, Some(Color::Reset));
        assert!(s.selected.add_modifier.contains(Modifier::REVERSED));
    }

    /// The messages are the ones the dashboard printed when these were strings.
    #[test]
    fn theme_messages_are_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = Theme::load("nope", dir.path()).expect_err("missing");
        let user = dir.path().join("themes").join("nope.toml");
        assert_eq!(
            missing.to_string(),
            format!(
                "no theme \"nope\"; built in: default, light, high-contrast (or add {})",
                user.display()
            )
        );
        std::fs::create_dir_all(dir.path().join("themes")).expect("mkdir");
        let text = BUILTIN[0].1.replace("\"cyan\"", "\"cyanish\"");
        std::fs::write(&user, text).expect("write");
        let bad = Theme::load("nope", dir.path()).expect_err("bad colour");
        assert_eq!(
            bad.to_string(),
            format!("{}: unknown colour \"cyanish\"", user.display())
        );
    }
}
