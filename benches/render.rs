//! One full dashboard frame at 160x48 into a `TestBackend`: with 10,000 devices, with a
//! 100,000-node JSON result open in the explorer, and with 10,000 APs of two Central
//! accounts and a Conductor in the Central pane; the first two again with the privacy mask
//! on (10,000 learned serials). Run by hand: `cargo bench --bench render`.

use std::collections::VecDeque;
use std::time::SystemTime;

use criterion::{Criterion, criterion_group, criterion_main};
use netdash::app::central;
use netdash::app::keymap::KeyMap;
use netdash::app::state::{App, DeviceRow, ExplorerBody, Pane};
use netdash::app::update::refresh_views;
use netdash::engine::SessionState;
use netdash::engine::messages::{AccessPoint, DeviceFacts, Event, Site};
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

/// `n` APs named `{prefix}-NNNNN` over `sites` sites, one in 13 down.
fn aps(prefix: &str, n: usize, sites: usize) -> Vec<AccessPoint> {
    (0..n)
        .map(|i| AccessPoint {
            name: format!("{prefix}-{i:05}"),
            serial: format!("CN{i:08}"),
            site: format!("Site-{:02}", i % sites.max(1)),
            model: if i % 3 == 0 { "AP-535" } else { "AP-515" }.into(),
            ip: format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
            mac: format!(
                "20:4c:03:{:02x}:{:02x}:{:02x}",
                i >> 16,
                (i >> 8) & 255,
                i & 255
            ),
            up: i % 13 != 5,
            clients: Some((i % 40) as u64),
            firmware: "10.4.1.0_87250".into(),
        })
        .collect()
}

/// The Central pane focused with 10,000 APs: 4,000 and 3,000 in two Central accounts,
/// 3,000 in a Conductor's AP database.
fn aps_frame(c: &mut Criterion) {
    let styles = Styles::new(&Theme::builtin_default(), false);
    let keys = KeyMap::default();
    let mut term =
        Terminal::new(TestBackend::new(160, 48)).unwrap_or_else(|_| std::process::exit(1));
    let mut app: App = App::new(devices(20), false, vec![]);
    let now = SystemTime::now();
    let next = now + std::time::Duration::from_secs(30);
    for (name, n, sites) in [("lab-central-01", 4000, 12), ("lab-central-02", 3000, 8)] {
        central::on_event(
            &mut app.central,
            Event::Central {
                account: name.into(),
                sites: (0..sites)
                    .map(|k| Site {
                        id: k.to_string(),
                        name: format!("Site-{k:02}"),
                        aps_up: n / sites,
                        aps_down: 3,
                    })
                    .collect(),
                aps: aps(name, n, sites),
                at: now,
                calls: 5,
                next_at: next,
            },
        );
    }
    central::on_event(
        &mut app.central,
        Event::ApDatabase {
            conductor: "lab-mc-01".into(),
            aps: aps("mc", 3000, 3),
            at: now,
            calls: 2,
            next_at: next,
        },
    );
    app.focus = Pane::Central;
    refresh_views(&mut app);
    eprintln!("central pane: {} APs listed", app.central.view.len());
    c.bench_function("frame 160x48, 10k APs, Central pane focused", |b| {
        b.iter(|| {
            term.draw(|f| {
                netdash::ui::render(f, &app, &styles, &keys);
            })
            .ok();
        });
    });
    // The worst case: an AP database arrived (or a filter changed), so the list is
    // filtered and sorted again before the frame.
    c.bench_function("frame 160x48, 10k APs, list rebuilt", |b| {
        b.iter(|| {
            app.central.view_dirty = true;
            refresh_views(&mut app);
            term.draw(|f| {
                netdash::ui::render(f, &app, &styles, &keys);
            })
            .ok();
        });
    });
}

criterion_group!(benches, frame, aps_frame);
criterion_main!(benches);
