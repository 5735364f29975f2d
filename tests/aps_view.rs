//! The aggregated AP view through the reducer and the renderer, from engine events (no
//! network): two Central accounts and a Conductor, the site prefixes, per-source counts,
//! the refresh line of each source, the filters (keys and `:aps`), down first, CSV.
//! Snapshots at 80x24 and 160x48 with a fixed clock.

use std::time::Duration;

use crossterm::event::KeyCode;
use netdash::app::msg::Effect;
use netdash::engine::messages::{AccessPoint, Budget, Event, Site};
use netdash::tui::testing::{Dashboard, t0};

const CONFIG: &str = r#"
[[devices]]
name = "mc-west"
kind = "arubaos"
host = "10.0.0.4"
username = "admin"
password = "x"

[[central]]
name = "acme-central"
region = "US-2"
client_id = "id"
client_secret = "s"
customer_id = "c"
access_token = "a"
refresh_token = "r"

[[central]]
name = "branch-central"
region = "US-2"
client_id = "id2"
client_secret = "s2"
customer_id = "c2"
access_token = "a2"
refresh_token = "r2"
calls_per_second = 5
"#;

fn ap(name: &str, site: &str, model: &str, up: bool, clients: Option<u64>) -> AccessPoint {
    let n: u32 = name.bytes().map(u32::from).sum();
    AccessPoint {
        name: name.into(),
        serial: format!("CN{n:06}"),
        site: site.into(),
        model: model.into(),
        ip: format!("10.{}.{}.{}", n % 200, n % 7, n % 250),
        mac: format!("20:4c:03:00:{:02x}:{:02x}", (n >> 8) & 255, n & 255),
        up,
        clients,
        firmware: "10.4.1.0".into(),
    }
}

fn site(name: &str, up: usize, down: usize) -> Site {
    Site {
        id: name.into(),
        name: name.into(),
        aps_up: up,
        aps_down: down,
    }
}

fn budget(per_second: usize, left: u64, limit: u64) -> Budget {
    let mut b = Budget::from_rate(per_second, 1, 0, None);
    b.remaining_day = Some(left);
    b.limit_day = Some(limit);
    b
}

/// Both accounts and the Conductor have answered, 14 s, 9 s and 3 s before t0.
fn dash() -> Dashboard {
    let mut d = Dashboard::from_config(CONFIG, true).expect("config");
    d.event(Event::Budget {
        account: "acme-central".into(),
        budget: budget(7, 4870, 5000),
    });
    d.event(Event::Budget {
        account: "branch-central".into(),
        budget: budget(5, 1_930, 2000),
    });
    d.event(Event::Central {
        account: "acme-central".into(),
        sites: vec![site("HQ", 3, 1), site("Lab", 1, 0)],
        aps: vec![
            ap("hq-01", "HQ", "AP-535", true, Some(12)),
            ap("hq-02", "HQ", "AP-515", false, Some(0)),
            ap("hq-03", "HQ", "AP-515", true, Some(4)),
            ap("hq-04", "HQ", "AP-535", true, Some(30)),
            ap("lab-01", "Lab", "AP-515", true, Some(1)),
        ],
        at: t0() - Duration::from_secs(14),
        calls: 3,
        next_at: t0() + Duration::from_secs(16),
    });
    d.event(Event::Central {
        account: "branch-central".into(),
        sites: vec![site("HQ", 1, 1), site("Branch-3", 2, 0)],
        aps: vec![
            ap("br-01", "HQ", "AP-505", true, Some(2)),
            ap("br-02", "HQ", "AP-505", false, Some(0)),
            ap("br-03", "Branch-3", "AP-515", true, Some(7)),
            ap("br-04", "Branch-3", "AP-505", true, None),
        ],
        at: t0() - Duration::from_secs(9),
        calls: 2,
        next_at: t0() + Duration::from_secs(51),
    });
    d.event(Event::ApDatabase {
        conductor: "mc-west".into(),
        aps: vec![
            ap("AP-01", "default", "535", true, Some(7)),
            ap("AP-02", "campus-aps", "515", true, None),
            ap("AP-03", "campus-aps", "535", false, Some(0)),
        ],
        at: t0() - Duration::from_secs(3),
        calls: 2,
        next_at: t0() + Duration::from_secs(7),
    });
    d.press(KeyCode::Char('5'));
    d
}

fn command(d: &mut Dashboard, line: &str) -> Vec<Effect> {
    d.press(KeyCode::Char(':'));
    for c in line.chars() {
        d.press(KeyCode::Char(c));
    }
    d.press(KeyCode::Enter)
}

/// (source, AP name) as the pane lists them.
fn listed(d: &mut Dashboard) -> Vec<(String, String)> {
    netdash::app::update::refresh_views(&mut d.app);
    let c = &d.app.central;
    (0..c.view.len())
        .filter_map(|i| netdash::app::central::ap_at(c, i))
        .map(|(s, a)| (s.to_string(), a.name.clone()))
        .collect()
}

fn names(d: &mut Dashboard) -> Vec<String> {
    listed(d).into_iter().map(|(_, n)| n).collect()
}

#[test]
fn every_source_in_one_list_down_first() {
    let mut d = dash();
    assert_eq!(
        d.app.central.order,
        ["acme-central", "branch-central", "mc-west"],
        "accounts in config order, then the Conductor"
    );
    assert_eq!(
        names(&mut d),
        [
            "hq-02", "br-02", "AP-03", // down, by source
            "hq-01", "hq-03", "hq-04", "lab-01", "br-03", "br-04", "br-01", "AP-02", "AP-01",
        ]
    );
}

#[test]
fn sites_keep_their_account_as_a_prefix_and_the_title_counts_per_source() {
    let mut d = dash();
    let screen = d.draw(160, 48);
    assert!(screen.contains("acme-central/HQ"), "{screen}");
    assert!(screen.contains("branch-central/HQ"), "{screen}");
    let wide = {
        d.app.focus = netdash::app::state::Pane::Central;
        d.draw(110, 30)
    };
    assert!(
        wide.contains("5 Central 12 APs · acme-central 5 · branch-central 4 · mc-west 3"),
        "{wide}"
    );
    assert!(
        wide.contains("acme-central   14s ago · next in 16s · 3 calls of 7/s, 4,870 left today"),
        "{wide}"
    );
    assert!(
        wide.contains("branch-central 9s ago · next in 51s · 2 calls of 5/s, 1,930 left today"),
        "{wide}"
    );
    assert!(
        wide.contains("mc-west        3s ago · next in 7s · 2 showcommands, no quota"),
        "{wide}"
    );
    // Clients when known: "-" when the source does not say.
    assert!(wide.contains("br-04"), "{wide}");
    let line = wide
        .lines()
        .find(|l| l.contains("br-04"))
        .expect("br-04 row");
    assert!(line.contains(" - "), "{line}");
}

#[test]
fn one_source_needs_no_prefix() {
    let mut d = Dashboard::from_config(
        r#"
[[central]]
name = "solo"
region = "US-2"
client_id = "id"
client_secret = "s"
customer_id = "c"
access_token = "a"
refresh_token = "r"
"#,
        true,
    )
    .expect("config");
    d.event(Event::Central {
        account: "solo".into(),
        sites: vec![site("HQ", 1, 0)],
        aps: vec![ap("a", "HQ", "AP-515", true, Some(1))],
        at: t0(),
        calls: 2,
        next_at: t0() + Duration::from_secs(30),
    });
    d.press(KeyCode::Char('5'));
    let screen = d.draw(80, 24);
    assert!(!screen.contains("solo/HQ"), "{screen}");
    assert!(screen.contains("HQ"), "{screen}");
    assert!(screen.contains("5 Central 1 APs"), "{screen}");
}

#[test]
fn keys_filter_by_status_source_site_and_model() {
    let mut d = dash();
    // `f`: down only.
    d.press(KeyCode::Char('f'));
    assert_eq!(names(&mut d), ["hq-02", "br-02", "AP-03"]);
    d.press(KeyCode::Char('f'));
    d.press(KeyCode::Char('f'));
    assert_eq!(names(&mut d).len(), 12, "all again");
    // `a`: each source in turn, then all.
    d.press(KeyCode::Char('a'));
    assert!(listed(&mut d).iter().all(|(s, _)| s == "acme-central"));
    d.press(KeyCode::Char('a'));
    assert_eq!(names(&mut d), ["br-02", "br-03", "br-04", "br-01"]);
    d.press(KeyCode::Char('a'));
    d.press(KeyCode::Char('a'));
    assert_eq!(names(&mut d).len(), 12);
    // `/` on br-02 (branch-central/HQ): that account's HQ only, not acme's.
    d.press(KeyCode::Char('j'));
    d.press(KeyCode::Char('/'));
    assert_eq!(d.app.central.site.as_deref(), Some("branch-central/HQ"));
    assert_eq!(names(&mut d), ["br-02", "br-01"]);
    d.press(KeyCode::Char('/'));
    // `m` on the first row (hq-02, an AP-515): every AP-515 of every source.
    d.press(KeyCode::Char('m'));
    assert_eq!(names(&mut d), ["hq-02", "hq-03", "lab-01", "br-03"]);
    d.press(KeyCode::Char('m'));
    assert_eq!(names(&mut d).len(), 12);
}

#[test]
fn aps_command_sets_and_clears_filters() {
    let mut d = dash();
    d.press(KeyCode::Char('1'));
    command(&mut d, "aps source=branch-central site=HQ status=up");
    assert_eq!(
        d.app.focus,
        netdash::app::state::Pane::Central,
        ":aps shows the pane"
    );
    assert_eq!(names(&mut d), ["br-01"]);
    command(&mut d, "aps model=515");
    assert_eq!(
        names(&mut d),
        ["hq-02", "hq-03", "lab-01", "br-03", "AP-02"],
        "515 matches AP-515 and the Conductor's 515; the other filters were cleared"
    );
    // A bad word: one line that says how, and nothing changes.
    command(&mut d, "aps color=red");
    let status = d.app.status.clone().unwrap_or_default();
    assert!(
        status.starts_with("color=red: :aps takes source=NAME"),
        "{status}"
    );
    assert_eq!(names(&mut d).len(), 5);
    command(&mut d, "aps status=sideways");
    assert_eq!(names(&mut d).len(), 5);
    command(&mut d, "aps");
    assert_eq!(names(&mut d).len(), 12);
    // The unknown-command hint names :aps.
    command(&mut d, "apz");
    let status = d.app.status.clone().unwrap_or_default();
    assert!(
        status.contains(":aps source= site= status= model="),
        "{status}"
    );
}

#[test]
fn the_list_is_rebuilt_on_change_not_per_frame() {
    let mut d = dash();
    d.draw(160, 48);
    assert!(!d.app.central.view_dirty);
    let before = d.app.central.view.clone();
    // A frame, a tick: nothing to rebuild.
    d.send(netdash::app::msg::Msg::Tick(t0() + Duration::from_secs(1)));
    assert!(!d.app.central.view_dirty);
    // An AP database: rebuilt before the next frame.
    d.event(Event::ApDatabase {
        conductor: "mc-west".into(),
        aps: vec![ap("AP-09", "default", "535", false, Some(0))],
        at: t0(),
        calls: 2,
        next_at: t0() + Duration::from_secs(10),
    });
    assert!(d.app.central.view_dirty);
    d.draw(160, 48);
    assert_ne!(d.app.central.view, before);
    assert_eq!(names(&mut d).len(), 10);
}

#[test]
fn w_saves_every_source_with_mac_and_kind() {
    let mut d = dash();
    command(&mut d, "aps status=down");
    let fx = d.press(KeyCode::Char('w'));
    let Some(Effect::Save { bytes, .. }) =
        fx.into_iter().find(|e| matches!(e, Effect::Save { .. }))
    else {
        panic!("w saves");
    };
    let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "account,name,site,model,ip,status,clients,firmware,serial,mac,source_kind"
    );
    assert_eq!(lines.len(), 4);
    assert!(
        lines[3].starts_with("mc-west,AP-03,campus-aps,535,"),
        "{}",
        lines[3]
    );
    assert!(lines[3].ends_with(",conductor"), "{}", lines[3]);
    assert!(lines[1].ends_with(",central"), "{}", lines[1]);
}

#[test]
fn snapshots_at_both_sizes() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut d = dash();
        insta::assert_snapshot!(format!("aps_all_{w}x{h}"), d.draw(w, h));
        command(&mut d, "aps status=down");
        d.press(KeyCode::Char('a'));
        insta::assert_snapshot!(format!("aps_filtered_{w}x{h}"), d.draw(w, h));
    }
}

#[test]
fn a_conductor_removed_by_reload_leaves_the_view() {
    let mut d = dash();
    d.event(Event::DevicesChanged {
        added: vec![],
        removed: vec!["mc-west".into()],
    });
    assert_eq!(d.app.central.order, ["acme-central", "branch-central"]);
    assert_eq!(names(&mut d).len(), 9);
    // A changed Conductor (removed and added) comes back with its next AP database.
    d.event(Event::ApDatabase {
        conductor: "mc-west".into(),
        aps: vec![ap("AP-01", "default", "535", true, Some(7))],
        at: t0(),
        calls: 2,
        next_at: t0() + Duration::from_secs(10),
    });
    assert_eq!(names(&mut d).len(), 10);
}

#[test]
fn help_lists_the_source_and_model_keys() {
    let mut d = dash();
    d.press(KeyCode::Char('?'));
    let screen = d.draw(160, 48);
    assert!(
        screen.contains("only the next source's APs (then all)"),
        "{screen}"
    );
    assert!(
        screen.contains("only the selected AP's model (again: all)"),
        "{screen}"
    );
}
