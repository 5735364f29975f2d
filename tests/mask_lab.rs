//! The mask against the lab: a dashboard fed by a real engine over HTTPS, the commands
//! that show addresses run on every vendor, every pane, the device page and each answer in
//! the explorer drawn at 80x24 and 160x48, masked and not. Every IP, MAC and serial found in
//! the lab's raw answers (and the lab's own 127.0.0.1) must be gone from the masked frames,
//! and the same frames unmasked must show them, so that the test can fail.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyCode;
use netdash::app::msg::Effect;
use netdash::app::state::{App, DeviceRow, Pane};
use netdash::engine::messages::{EngineRequest, Event, Outcome};
use netdash::engine::{self, EngineHandle, EngineOptions};
use netdash::lab::LabOptions;
use netdash::tui::testing::Dashboard;
use regex::Regex;
use serde_json::Value;

/// IPs, MACs and serials seen in the lab's answers, by kind.
#[derive(Default)]
struct Found {
    ips: BTreeSet<String>,
    macs: BTreeSet<String>,
    serials: BTreeSet<String>,
}

impl Found {
    fn all(&self) -> impl Iterator<Item = &String> {
        self.ips.iter().chain(&self.macs).chain(&self.serials)
    }

    /// Addresses in a string; the whole string if its key names a serial.
    fn text(&mut self, key: &str, s: &str) {
        let v4 = Regex::new(r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b").expect("re");
        let v6 = Regex::new(r"(?i)\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4})*::[0-9a-f:]*[0-9a-f]\b")
            .expect("re");
        let mac = Regex::new(
            r"(?i)\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b|\b[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}\b",
        )
        .expect("re");
        let serial_line = Regex::new(r"(?i)serial[^:\n]*:\s*([A-Z0-9]{5,})").expect("re");
        for m in v4.find_iter(s) {
            // `8.10.0.7_87123` is a version: \b does not end at `_`, so no match there.
            self.ips.insert(m.as_str().to_string());
        }
        for m in v6.find_iter(s) {
            self.ips.insert(m.as_str().to_string());
        }
        for m in mac.find_iter(s) {
            self.macs.insert(m.as_str().to_string());
        }
        for c in serial_line.captures_iter(s) {
            self.serials.insert(c[1].to_string());
        }
        if key.to_ascii_lowercase().contains("serial") && s.len() >= 4 {
            self.serials.insert(s.to_string());
        }
    }

    fn json(&mut self, key: &str, v: &Value) {
        match v {
            Value::String(s) => self.text(key, s),
            Value::Array(a) => a.iter().for_each(|x| self.json(key, x)),
            Value::Object(o) => o.iter().for_each(|(k, x)| self.json(k, x)),
            _ => {}
        }
    }

    fn event(&mut self, ev: &Event) {
        match ev {
            Event::Result {
                outcome: Outcome::Ok { output, .. },
                ..
            } => self.json("", output),
            Event::Polled { facts, .. } => {
                if let Some(s) = &facts.serial {
                    self.serials.insert(s.clone());
                }
            }
            Event::Central { aps, .. } | Event::ApDatabase { aps, .. } => {
                for ap in aps {
                    self.ips.insert(ap.ip.clone());
                    self.macs.insert(ap.mac.clone());
                    self.serials.insert(ap.serial.clone());
                }
            }
            _ => {}
        }
    }
}

struct Rig {
    d: Dashboard,
    e: EngineHandle,
    found: Found,
}

impl Rig {
    /// Events into the dashboard (and into `found`) until `done` says so.
    async fn pump(&mut self, what: &str, mut done: impl FnMut(&Event) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let ev = tokio::time::timeout_at(deadline, self.e.events.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("engine running");
            self.found.event(&ev);
            let stop = done(&ev);
            let fx = self.d.event(ev);
            self.carry_out(fx);
            if stop {
                return;
            }
        }
    }

    fn carry_out(&mut self, fx: Vec<Effect>) {
        for f in fx {
            if let Effect::Engine(req) = f {
                self.e.commands.send(req).expect("engine running");
            }
        }
    }

    /// A console line, run to its last answer.
    async fn run(&mut self, line: &str) {
        self.d.press(KeyCode::Char('3'));
        for c in line.chars() {
            self.d.press(KeyCode::Char(c));
        }
        let fx = self.d.press(KeyCode::Enter);
        self.d.press(KeyCode::Esc);
        let id = fx
            .iter()
            .find_map(|e| match e {
                Effect::Engine(EngineRequest::Run { id, .. }) => Some(*id),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{line}: no run"));
        self.carry_out(fx);
        self.pump(line, |ev| {
            matches!(ev, Event::Progress { id: i, done, total, .. } if *i == id && done == total)
        })
        .await;
    }

    /// The frame drawn as is and masked: (plain, masked).
    fn frames(&mut self, w: u16, h: u16) -> (String, String) {
        self.d.app.mask.on = false;
        let plain = self.d.draw(w, h);
        self.d.app.mask.on = true;
        let masked = self.d.draw(w, h);
        (plain, masked)
    }
}

const COMMANDS: &[&str] = &[
    "@lab-eos-01 show ip interface",
    "@lab-eos-01 show arp",
    "@lab-eos-01 show lldp neighbors",
    "@lab-eos-01 show version",
    "@lab-asa-01 show version",
    "@lab-asa-01 GET /api/monitoring/serialnumber",
    "@lab-asa-01 GET /api/monitoring/arp",
    "@lab-cx-01 GET /system",
    "@lab-mc-01 show ap database",
    "@lab-mc-01 show ap database long",
    "@lab-mc-01 show switches",
    "@lab-central-01 GET /monitoring/v2/aps?limit=20",
    "@lab-central-02 GET /monitoring/v2/aps?limit=20",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_ip_mac_or_serial_of_the_lab_survives_on_a_masked_screen() {
    let tl = common::start(LabOptions::default()).await;
    let cfg = Arc::new(tl.config.clone());
    let mut app = App::new(DeviceRow::from_config(&cfg), false, Vec::new());
    app.mask = netdash::mask::MaskState::default();
    let opts = EngineOptions::polling(&cfg.settings, false);
    let e = engine::start(cfg.clone(), tl.ctx.clone(), opts);
    let mut rig = Rig {
        d: Dashboard::new(app),
        e,
        found: Found::default(),
    };
    // Every device polled once, every Central account and Conductor AP database fetched once.
    let mut waiting: BTreeSet<String> = cfg
        .devices()
        .map(|d| d.name.clone())
        .chain(cfg.centrals().map(|c| c.name.clone()))
        .chain(
            cfg.devices()
                .filter(|d| d.kind == netdash::config::DeviceKind::Arubaos)
                .map(|d| format!("aps:{}", d.name)),
        )
        .collect();
    assert_eq!(
        cfg.centrals().count(),
        2,
        "the lab has two Central accounts"
    );
    rig.pump("first polls", |ev| {
        match ev {
            Event::Polled { target, .. }
            | Event::Central {
                account: target, ..
            } => {
                waiting.remove(target);
            }
            Event::ApDatabase { conductor, .. } => {
                waiting.remove(&format!("aps:{conductor}"));
            }
            _ => {}
        }
        waiting.is_empty()
    })
    .await;
    for line in COMMANDS {
        rig.run(line).await;
    }
    rig.found.ips.insert("127.0.0.1".into());

    let secrets: Vec<String> = rig.found.all().cloned().collect();
    let mut plain_all = String::new();
    let mut checked = 0;
    let mut check = |plain: String, masked: String, at: &str| {
        for s in &secrets {
            assert!(
                !masked.contains(s.as_str()),
                "{s} survived on {at}:\n{masked}"
            );
        }
        assert!(masked.contains("MASKED"), "{at}:\n{masked}");
        plain_all.push_str(&plain);
        checked += 1;
    };
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        for pane in Pane::ALL {
            rig.d.app.focus = pane;
            let (p, m) = rig.frames(w, h);
            check(p, m, &format!("{pane:?} {w}x{h}"));
        }
        // The device page of every device (model, version, serial).
        for name in ["lab-eos-01", "lab-asa-01", "lab-cx-01", "lab-mc-01"] {
            rig.d.press(KeyCode::Char('1'));
            rig.d.press(KeyCode::Char(':'));
            for c in format!("device {name}").chars() {
                rig.d.press(KeyCode::Char(c));
            }
            rig.d.press(KeyCode::Enter);
            let (p, m) = rig.frames(w, h);
            check(p, m, &format!("device page {name} {w}x{h}"));
            rig.d.press(KeyCode::Esc);
        }
        // Each answer in the explorer, all expanded, page by page.
        for older in 0..COMMANDS.len() {
            rig.d.press(KeyCode::Char('3'));
            rig.d.press(KeyCode::Esc);
            rig.d.press(KeyCode::Char('G'));
            for _ in 0..older {
                rig.d.press(KeyCode::Up);
            }
            rig.d.press(KeyCode::Enter);
            rig.d.press(KeyCode::Char('4'));
            rig.d.press(KeyCode::Char('e'));
            for page in 0..4 {
                let (p, m) = rig.frames(w, h);
                check(p, m, &format!("answer {older} page {page} {w}x{h}"));
                rig.d.press(KeyCode::PageDown);
            }
        }
    }
    // The frames unmasked did show the lab's data: of every kind, from every vendor.
    let found = &rig.found;
    let shown = |set: &BTreeSet<String>| {
        set.iter()
            .filter(|s| plain_all.contains(s.as_str()))
            .count()
    };
    assert!(
        shown(&found.ips) >= 10,
        "IPs shown: {} of {:?}",
        shown(&found.ips),
        found.ips
    );
    assert!(
        shown(&found.macs) >= 3,
        "MACs shown: {} of {:?}",
        shown(&found.macs),
        found.macs
    );
    assert!(
        shown(&found.serials) >= 4,
        "serials shown: {} of {:?}",
        shown(&found.serials),
        found.serials
    );
    for must in ["127.0.0.1", "9AVP5MLG543", "AB1234567", "00:1a:1e:00:00:01"] {
        assert!(
            found.all().any(|s| s == must),
            "{must} not found in the lab's answers"
        );
        assert!(plain_all.contains(must), "{must} never drawn unmasked");
    }
    assert!(checked > 100, "{checked} frames");
    let _ = rig.e.commands.send(EngineRequest::Shutdown);
    while let Some(ev) = rig.e.events.recv().await {
        if matches!(ev, Event::ShutdownComplete { .. }) {
            break;
        }
    }
    assert_eq!(tl.lab.open_sessions(), 0, "every session logged out");
}
