//! Keys to actions. Every action has a default key and can be remapped from the config's
//! `[keys]` table (`quit = "q"`, `search = ["/", "ctrl-f"]`). No destructive action sits on
//! a Ctrl chord.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    CommandLine,
    NextPane,
    PrevPane,
    Pane1,
    Pane2,
    Pane3,
    Pane4,
    Pane5,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    Select,
    Mark,
    Sort,
    Filter,
    Search,
    SearchNext,
    SearchPrev,
    Refresh,
    Reconnect,
    ExpandAll,
    CollapseAll,
    DeeperLevel,
    ShallowerLevel,
    JqFilter,
    RawToggle,
    CopyValue,
    CopyPath,
    /// Copy the request behind the result as a curl command (credentials as `$VARS`).
    CopyCurl,
    Save,
    FocusInput,
    StatusFilter,
    /// Central pane: only the next AP source (account or Conductor); after the last, all.
    SourceFilter,
    /// Central pane: only the selected AP's model; again for all.
    ModelFilter,
    HistoryOlder,
    HistoryNewer,
    ChangesSince,
    Compare,
}

/// Every action with its config name, default keys and help text.
pub const ACTIONS: &[(Action, &str, &[&str], &str)] = &[
    (
        Action::Quit,
        "quit",
        &["q"],
        "quit (logs every session out)",
    ),
    (Action::Help, "help", &["?"], "this help"),
    (
        Action::CommandLine,
        "command_line",
        &[":"],
        "command line: :theme NAME, :reconnect NAME, :device NAME, :readonly, :reload, :every 5s @TARGETS CMD, :snap NAME, :diff NAME, :aps source= site= status= model=, :mask",
    ),
    (Action::NextPane, "next_pane", &["tab"], "next pane"),
    (Action::PrevPane, "prev_pane", &["backtab"], "previous pane"),
    (
        Action::Pane1,
        "pane_devices",
        &["1", "alt-1", "f1"],
        "devices",
    ),
    (
        Action::Pane2,
        "pane_sessions",
        &["2", "alt-2", "f2"],
        "sessions",
    ),
    (
        Action::Pane3,
        "pane_console",
        &["3", "alt-3", "f3"],
        "console (cursor in the input)",
    ),
    (
        Action::Pane4,
        "pane_explorer",
        &["4", "alt-4", "f4"],
        "JSON explorer",
    ),
    (
        Action::Pane5,
        "pane_central",
        &["5", "alt-5", "f5"],
        "Central sites and APs",
    ),
    (Action::Up, "up", &["up", "k"], "move up"),
    (Action::Down, "down", &["down", "j"], "move down"),
    (Action::PageUp, "page_up", &["pageup", "ctrl-b"], "page up"),
    (
        Action::PageDown,
        "page_down",
        &["pagedown", "ctrl-f"],
        "page down",
    ),
    (Action::Top, "top", &["g", "home"], "top"),
    (Action::Bottom, "bottom", &["G", "end"], "bottom"),
    (Action::Left, "left", &["left", "h"], "collapse / back"),
    (Action::Right, "right", &["right", "l"], "expand"),
    (Action::Select, "select", &["enter"], "open / toggle"),
    (
        Action::Mark,
        "mark",
        &["space"],
        "mark device for the console",
    ),
    (Action::Sort, "sort", &["s"], "sort by the next column"),
    (Action::Filter, "filter", &["/"], "filter rows / search"),
    (
        Action::Search,
        "search",
        &[],
        "search (explorer: same as filter key)",
    ),
    (Action::SearchNext, "search_next", &["n"], "next match"),
    (Action::SearchPrev, "search_prev", &["N"], "previous match"),
    (Action::Refresh, "refresh", &["r"], "poll now"),
    (Action::Reconnect, "reconnect", &["R"], "log in again"),
    (Action::ExpandAll, "expand_all", &["e"], "expand all"),
    (Action::CollapseAll, "collapse_all", &["c"], "collapse all"),
    (
        Action::DeeperLevel,
        "expand_level",
        &["+"],
        "expand one more level",
    ),
    (
        Action::ShallowerLevel,
        "collapse_level",
        &["-"],
        "collapse one level",
    ),
    (Action::JqFilter, "jq", &["|"], "jq filter"),
    (Action::RawToggle, "raw", &["t"], "raw / tree"),
    (
        Action::CopyValue,
        "copy_value",
        &["y"],
        "copy value (OSC 52)",
    ),
    (Action::CopyPath, "copy_path", &["Y"], "copy path (OSC 52)"),
    (
        Action::CopyCurl,
        "copy_curl",
        &["C"],
        "copy the request as curl",
    ),
    (Action::Save, "save", &["w"], "save to a file"),
    (Action::FocusInput, "focus_input", &["i"], "type a command"),
    (
        Action::StatusFilter,
        "status_filter",
        &["f"],
        "cycle AP status filter",
    ),
    (
        Action::SourceFilter,
        "source_filter",
        &["a"],
        "only the next source's APs (then all)",
    ),
    (
        Action::ModelFilter,
        "model_filter",
        &["m"],
        "only the selected AP's model (again: all)",
    ),
    (
        Action::HistoryOlder,
        "history_older",
        &["["],
        "repeat: an older run",
    ),
    (
        Action::HistoryNewer,
        "history_newer",
        &["]"],
        "repeat: a newer run",
    ),
    (
        Action::ChangesSince,
        "changes_since",
        &["b"],
        "repeat: changes since the first / the previous run",
    ),
    (
        Action::Compare,
        "compare",
        &["d"],
        "compare the answers of the selected run",
    ),
];

/// A key and its modifiers, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        Key {
            code: match e.code {
                // Letters arrive with SHIFT set and the capital letter: keep the letter only.
                KeyCode::Char(c) => KeyCode::Char(c),
                other => other,
            },
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parse "q", "G", "ctrl-r", "alt-x", "enter", "space", "tab", "backtab", "f5", "up", ...
    pub fn parse(s: &str) -> Result<Key, UnknownKey> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => return Err(UnknownKey(s.to_string())),
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "shift-tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::F(n) => format!("f{n}"),
            other => format!("{other:?}").to_lowercase(),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("ctrl-");
        }
        if self.alt {
            s.push_str("alt-");
        }
        s + &base
    }
}

/// A key name [`Key::parse`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key {0:?}")]
pub struct UnknownKey(pub String);

/// Why the config's `[keys]` table cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyMapError {
    #[error("[keys] {action}: {key}")]
    BadKey {
        action: &'static str,
        #[source]
        key: UnknownKey,
    },
    #[error("[keys] unknown action {name:?}; actions: {}", .known.join(", "))]
    UnknownAction {
        name: String,
        known: Vec<&'static str>,
    },
    /// `key` is the key's label ("ctrl-r").
    #[error("[keys] {key} is bound to two actions")]
    BoundTwice { key: String },
}

/// The active bindings.
#[derive(Debug, Clone)]
pub struct KeyMap {
    map: HashMap<Key, Action>,
    keys: HashMap<Action, Vec<Key>>,
}

impl KeyMap {
    /// Defaults, with `overrides` (action name → keys) from the config replacing an
    /// action's keys entirely.
    pub fn new(overrides: &HashMap<String, Vec<String>>) -> Result<KeyMap, KeyMapError> {
        let mut keys: HashMap<Action, Vec<Key>> = HashMap::new();
        for (action, name, defaults, _) in ACTIONS {
            let list: Vec<String> = match overrides.get(*name) {
                Some(v) => v.clone(),
                None => defaults
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect(),
            };
            let parsed = list
                .iter()
                .map(|k| Key::parse(k).map_err(|key| KeyMapError::BadKey { action: name, key }))
                .collect::<Result<Vec<_>, _>>()?;
            keys.insert(*action, parsed);
        }
        for name in overrides.keys() {
            if !ACTIONS.iter().any(|(_, n, _, _)| n == name) {
                return Err(KeyMapError::UnknownAction {
                    name: name.clone(),
                    known: ACTIONS.iter().map(|(_, n, _, _)| *n).collect(),
                });
            }
        }
        let mut map = HashMap::new();
        for (action, ks) in &keys {
            for k in ks {
                if let Some(prev) = map.insert(*k, *action)
                    && prev != *action
                {
                    return Err(KeyMapError::BoundTwice { key: k.label() });
                }
            }
        }
        Ok(KeyMap { map, keys })
    }

    pub fn action(&self, e: &KeyEvent) -> Option<Action> {
        self.map.get(&Key::from_event(e)).copied()
    }

    /// The keys bound to an action, for help and hints ("q", "ctrl-r").
    pub fn label(&self, a: Action) -> String {
        self.keys
            .get(&a)
            .map(|ks| ks.iter().map(Key::label).collect::<Vec<_>>().join("/"))
            .unwrap_or_default()
    }
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap::new(&HashMap::new()).unwrap_or(KeyMap {
            map: HashMap::new(),
            keys: HashMap::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_remap() {
        let k = KeyMap::default();
        let ev = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(k.action(&ev), Some(Action::Quit));
        let mut o = HashMap::new();
        o.insert("quit".to_string(), vec!["x".to_string()]);
        let k = KeyMap::new(&o).expect("remap");
        assert_eq!(k.action(&ev), None);
        assert_eq!(
            k.action(&KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        o.insert("nonsense".into(), vec!["z".into()]);
        assert!(KeyMap::new(&o).is_err());
        let mut clash = HashMap::new();
        clash.insert("quit".to_string(), vec!["j".to_string()]);
        assert!(
            KeyMap::new(&clash)
                .expect_err("clash")
                .to_string()
                .contains("two actions")
        );
    }

    /// The messages are the ones the dashboard printed when these were strings.
    #[test]
    fn key_map_messages_are_unchanged() {
        let err = |k: &str, v: &str| {
            let mut o = HashMap::new();
            o.insert(k.to_string(), vec![v.to_string()]);
            KeyMap::new(&o).expect_err("refused").to_string()
        };
        assert_eq!(
            err("quit", "ctrl-nope"),
            r#"[keys] quit: unknown key "ctrl-nope""#
        );
        assert!(
            err("nonsense", "z")
                .starts_with(r#"[keys] unknown action "nonsense"; actions: quit, "#)
        );
        assert_eq!(err("quit", "j"), "[keys] j is bound to two actions");
    }
}
