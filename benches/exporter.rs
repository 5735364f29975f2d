//! One `/metrics` scrape of 10,000 polled devices (every one with a session), encoded as
//! `OpenMetrics` and as Prometheus text: what the exporter spends per scrape at fleet scale.
//! Run by hand: `cargo bench --bench exporter`.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use netdash::config::Config;
use netdash::engine::messages::{DeviceFacts, SessionView};
use netdash::engine::{Event, SessionState};
use netdash::exporter::metrics::{Format, render};
use netdash::exporter::state::Model;
use netdash::kind::{AuthScheme, TargetKind};

const DEVICES: usize = 10_000;

fn fleet() -> Model {
    let mut toml = String::new();
    for i in 0..DEVICES {
        toml.push_str(&format!(
            "[[devices]]\nname = \"leaf-{i:05}\"\nkind = \"aoscx\"\nhost = \"10.0.{}.{}\"\nusername = \"u\"\npassword = \"p\"\n\n",
            i >> 8,
            i & 255
        ));
    }
    let config = Config::parse(&toml, Path::new("bench.toml")).expect("config parses");
    let mut m = Model::from_config(&config, |_| true);
    let now = SystemTime::now();
    for i in 0..DEVICES {
        let target = format!("leaf-{i:05}");
        m.fold(
            &Event::Session {
                target: target.clone(),
                kind: TargetKind::Aoscx,
                state: SessionState::Connected,
                session: SessionView {
                    auth: AuthScheme::CookieCsrf,
                    held: 1,
                    per_user_limit: Some(6),
                    per_device_limit: Some(48),
                    since: Some(now),
                    idle_deadline: Some(now + Duration::from_secs(1200)),
                    hard_deadline: Some(now + Duration::from_secs(28_800)),
                    expires_at: None,
                    relogins: 0,
                    scope: None,
                },
            },
            now,
        );
        m.fold(
            &Event::Polled {
                target,
                latency_ms: 12,
                facts: DeviceFacts {
                    hostname: None,
                    model: Some("8325".into()),
                    version: Some("GL.10.09.1010".into()),
                    serial: Some(format!("SG{i:08}")),
                    uptime_secs: None,
                },
            },
            now,
        );
    }
    m
}

fn scrape(c: &mut Criterion) {
    let model = Arc::new(Mutex::new(fleet()));
    let size = render(&model, None, Format::OpenMetrics)
        .expect("encodes")
        .len();
    eprintln!("one scrape of {DEVICES} devices: {} KiB", size / 1024);
    c.bench_function("scrape 10k devices, OpenMetrics", |b| {
        b.iter(|| render(&model, None, Format::OpenMetrics).expect("encodes"));
    });
    c.bench_function("scrape 10k devices, Prometheus text", |b| {
        b.iter(|| render(&model, None, Format::PrometheusText).expect("encodes"));
    });
    c.bench_function("scrape one of 10k devices (/metrics?target=)", |b| {
        b.iter(|| render(&model, Some("leaf-05000"), Format::OpenMetrics).expect("encodes"));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = scrape
}
criterion_main!(benches);
