//! `netdash explore` on a 50 MB document of 188,000 AP objects, through the same reducer,
//! worker code and renderer as the real thing: open, expand-all, search to the last
//! match, `G`, each up to its frame at 160x48. Prints wall times; run by hand:
//! `cargo bench --bench explore_ops` (or `bash benches/explore.sh`).

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use netdash::app::keymap::KeyMap;
use netdash::app::state::{App, ExplorerBody, Pane};
use netdash::app::update::{Effect, Msg, update};
use netdash::explore::doc::Doc;
use netdash::ui::theme::{Styles, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const APS: usize = 188_000;

fn document() -> Vec<u8> {
    let mut s = String::with_capacity(APS * 290);
    s.push('[');
    for i in 0..APS {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            concat!(
                r#"{{"serial":"CN{:08}","name":"ap-{}","macaddr":"a8:bd:27:{:02x}:{:02x}:{:02x}","#,
                r#""status":"{}","ip_address":"10.{}.{}.{}","model":"AP-515","site":"site-{}","#,
                r#""group_name":"campus","firmware_version":"10.4.1.0_88061","client_count":{},"#,
                r#""radios":[{{"band":0,"channel":"6","tx_power":12}},{{"band":1,"channel":"36","tx_power":18}}]}}"#
            ),
            i,
            i,
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255,
            if i % 17 == 0 { "Down" } else { "Up" },
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255,
            i % 400,
            i % 60,
        ));
    }
    s.push(']');
    s.into_bytes()
}

struct Bench {
    app: App,
    keys: KeyMap,
    styles: Styles,
    term: Terminal<TestBackend>,
}

impl Bench {
    /// Feed a message; run any job the way the loop's worker does; draw the frame.
    fn step(&mut self, msg: Msg) {
        let mut todo = vec![msg];
        while let Some(m) = todo.pop() {
            for fx in update(&mut self.app, &self.keys, m) {
                if let Effect::Explore(j) = fx {
                    let done = netdash::explore::job::run(&j.doc, &j.work, &j.control);
                    todo.push(Msg::Explored { seq: j.seq, done });
                }
            }
        }
        let mut r = Vec::new();
        let (app, styles, keys) = (&self.app, &self.styles, &self.keys);
        let _ = self
            .term
            .draw(|f| r = netdash::ui::render(f, app, styles, keys));
        self.app.viewports = netdash::ui::viewports(&self.app, &r);
    }

    fn keys(&mut self, s: &str) {
        for c in s.chars() {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            self.step(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        }
    }

    fn rows(&self) -> usize {
        match &self.app.explorer.body {
            ExplorerBody::Tree(t) => t.len(),
            _ => 0,
        }
    }
}

fn timed(what: &str, f: impl FnOnce()) {
    let t = Instant::now();
    f();
    println!("{what:<44} {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);
}

fn main() {
    let bytes = document();
    println!(
        "document: {:.1} MB, {APS} AP objects",
        bytes.len() as f64 / 1_048_576.0
    );
    let mut app = App::new(Vec::new(), true, Vec::new());
    app.solo = Some(Pane::Explorer);
    app.focus = Pane::Explorer;
    let mut b = Bench {
        app,
        keys: KeyMap::default(),
        styles: Styles::new(&Theme::builtin_default(), false),
        term: Terminal::new(TestBackend::new(160, 48)).unwrap_or_else(|_| std::process::exit(1)),
    };
    let needle = format!("CN{:08}", APS - 1);
    let open = |b: &mut Bench| {
        let doc = Doc::new(bytes.clone()).unwrap_or_else(|_| std::process::exit(1));
        b.step(Msg::Loaded {
            title: "aps".into(),
            doc: Ok(doc),
        });
    };
    timed("  of which: index the top level (Doc::new)", || {
        let _ = Doc::new(bytes.clone());
    });
    timed("open (index the top level) + first frame", || open(&mut b));
    timed("search to the last match (collapsed) + frame", || {
        b.keys(&format!("/{needle}\n"));
    });
    println!("  at {}", cursor_path(&b));
    timed("G (collapsed tree) + frame", || b.keys("G"));
    println!("  at {}, {} rows", cursor_path(&b), b.rows());
    open(&mut b);
    timed("expand all + frame", || b.keys("e"));
    println!("  {} rows", b.rows());
    timed("G (expanded tree) + frame", || b.keys("G"));
    println!("  at {}", cursor_path(&b));
    timed("g, then search to the last match + frame", || {
        b.keys("g");
        b.keys(&format!("/{needle}\n"));
    });
    println!("  at {}", cursor_path(&b));
    timed("one more frame (expanded tree, cursor at end)", || {
        b.step(Msg::Tick(std::time::SystemTime::now()));
    });
    timed("collapse all + frame", || b.keys("c"));
    println!("  {} rows", b.rows());
}

fn cursor_path(b: &Bench) -> String {
    match &b.app.explorer.body {
        ExplorerBody::Tree(t) => t.path(b.app.explorer.cursor.selected),
        _ => String::new(),
    }
}
