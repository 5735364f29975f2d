//! One full dashboard frame at 160x48 into a `TestBackend`: with 10,000 devices, and with a
//! 100,000-node JSON result open in the explorer; both again with the privacy mask on (10,000
//! learned serials). Run by hand: `cargo bench --bench render`.

use std::collections::VecDeque;
use std::time::SystemTime;

use criterion::{Criterion, criterion_group, criterion_main};
use netdash::app::keymap::KeyMap;
use netdash::app::state::{App, DeviceRow, ExplorerBody, Pane};
use netdash::app::update::refresh_views;
use netdash::engine::SessionState;
use netdash::engine::messages::DeviceFacts;
use netdash::explore::doc::Doc;
use netdash::explore::tree::Tree;
use netdash::ui::theme::{Styles, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn devices(n: usize) -> Vec<DeviceRow> {
    (0..n)
        .map(|i| DeviceRow {
            name: format!("leaf-{i:05}"),
            kind: netdash::kind::TargetKind::Eos,
            host: format!("10.{}.{}.{}:443", i >> 16, (i >> 8) & 255, i & 255),
            tags: vec!["dc1".into(), "leaf".into()],
            state: if i % 97 == 0 {
                SessionState::Disconnected
            } else {
                SessionState::Connected
            },
            session: None,
            latency: (0..40)
                .map(|k| ((i + k) % 30) as u64)
                .collect::<VecDeque<_>>(),
            last_poll: Some(SystemTime::now()),
            facts: DeviceFacts {
                hostname: None,
                model: Some("DCS-7050SX3".into()),
                version: Some("4.30.2F".into()),
                serial: None,
                uptime_secs: Some(1000),
            },
            last_error: None,
            marked: false,
            tls_unverified: false,
        })
        .collect()
}

/// The mask on, with a user pattern and 10,000 learned serials (as from Central APs).
fn masked() -> netdash::mask::MaskState {
    let masker = netdash::mask::Masker::new(&["(?i)acme-\\w+".to_string()])
        .unwrap_or_else(|_| std::process::exit(1));
    let mut m = netdash::mask::MaskState::new(true, masker);
    for i in 0..10_000 {
        m.known.learn(&format!("CNF{i:07}"));
    }
    m
}

fn big_json(nodes: usize) -> Vec<u8> {
    // An array of objects with 4 scalar fields each: 5 nodes per element.
    let items: Vec<serde_json::Value> = (0..nodes / 5)
        .map(|i| serde_json::json!({"name": format!("Ethernet{i}"), "mtu": 9214, "up": i % 3 != 0, "desc": "uplink to spine"}))
        .collect();
    serde_json::to_vec_pretty(&serde_json::json!({"interfaces": items})).unwrap_or_default()
}

fn frame(c: &mut Criterion) {
    let styles = Styles::new(&Theme::builtin_default(), false);
    let keys = KeyMap::default();
    let mut term =
        Terminal::new(TestBackend::new(160, 48)).unwrap_or_else(|_| std::process::exit(1));

    let mut app: App = App::new(devices(10_000), false, vec![]);
    refresh_views(&mut app);
    c.bench_function("frame 160x48, 10k devices", |b| {
        b.iter(|| {
            term.draw(|f| {
                netdash::ui::render(f, &app, &styles, &keys);
            })
            .ok();
        });
    });
    // The worst case: a device event arrived, so the list is filtered and sorted again
    // (by state: the costliest order) before the frame.
    app.devices.sort = netdash::app::state::SortBy::State;
    c.bench_function("frame 160x48, 10k devices, re-sorted", |b| {
        b.iter(|| {
            app.devices.view_dirty = true;
            refresh_views(&mut app);
            term.draw(|f| {
                netdash::ui::render(f, &app, &styles, &keys);
            })
            .ok();
        });
    });

    // The mask's pass over the same frame: every row scanned, addresses on every line.
    app.devices.sort = netdash::app::state::SortBy::Name;
    app.devices.view_dirty = true;
    refresh_views(&mut app);
    app.mask = masked();
    c.bench_function("frame 160x48, 10k devices, masked", |b| {
        b.iter(|| {
            term.draw(|f| {
                netdash::ui::render(f, &app, &styles, &keys);
            })
            .ok();
        });
    });

    let mut app: App = App::new(devices(20), false, vec![]);
    let doc = Doc::new(big_json(100_000)).unwrap_or_else(|_| std::process::exit(1));
    let mut tree = Tree::new(doc).unwrap_or_else(|_| std::process::exit(1));
    let _ = tree.expand_all();
    eprintln!("explorer tree: {} visible rows", tree.len());
    app.explorer.body = ExplorerBody::Tree(Box::new(tree));
    app.explorer.cursor.selected = 50_000;
    app.focus = Pane::Explorer;
    refresh_views(&mut app);
    c.bench_function("frame 160x48, 100k-node tree", |b| {
        b.iter(|| {
            term.draw(|f| {
                netdash::ui::render(f, &app, &styles, &keys);
            })
            .ok();
        });
    });
    app.mask = masked();
    c.bench_function("frame 160x48, 100k-node tree, masked", |b| {
        b.iter(|| {
            term.draw(|f| {
                netdash::ui::render(f, &app, &styles, &keys);
            })
            .ok();
        });
    });
}

criterion_group!(benches, frame);
criterion_main!(benches);
