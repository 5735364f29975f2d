//! The exporter's metrics, encoded from the [`Model`] at scrape time with the official
//! `prometheus-client` crate: `OpenMetrics` text for scrapers that offer it, the Prometheus
//! text format (0.0.4) for the rest. Names follow the exporter guidelines: prefix
//! `netdash_`, base units (seconds), timestamps as unix seconds, `_total` on counters.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};

use super::state::{Model, SESSION_STATES, SiteCount, Target};
use crate::engine::messages::SessionView;

/// The model as the server and the event loop share it: one writer (the loop), scrapes read.
pub type Shared = Arc<Mutex<Model>>;

/// `Content-Type` of `OpenMetrics` text 1.0.0.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// `Content-Type` of the Prometheus text format 0.0.4.
pub const PROMETHEUS_TEXT: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Which text format a scrape gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenMetrics,
    PrometheusText,
}

impl Format {
    /// `OpenMetrics` when the `Accept` header offers it (with a non-zero q), else the
    /// Prometheus text format, which every scraper reads.
    pub fn from_accept(accept: Option<&str>) -> Format {
        let offered = accept.unwrap_or("").split(',').any(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f64>().ok())
                .unwrap_or(1.0);
            media.eq_ignore_ascii_case("application/openmetrics-text") && q > 0.0
        });
        if offered {
            Format::OpenMetrics
        } else {
            Format::PrometheusText
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => OPENMETRICS,
            Format::PrometheusText => PROMETHEUS_TEXT,
        }
    }
}

/// The whole exposition for one scrape: every target, or only `target`.
pub fn render(model: &Shared, target: Option<&str>, format: Format) -> Result<String, fmt::Error> {
    let started = Instant::now();
    let mut out = String::new();
    let mut fleet = Registry::with_prefix("netdash");
    fleet.register_collector(Box::new(Fleet {
        model: model.clone(),
        only: target.map(str::to_string),
    }));
    encode(&mut out, &fleet, format)?;
    // Measured over the part that reads the model: that is what grows with the fleet.
    let mut own = Registry::with_prefix("netdash");
    own.register_collector(Box::new(Own {
        scrape_secs: started.elapsed().as_secs_f64(),
    }));
    encode(&mut out, &own, format)?;
    if format == Format::OpenMetrics {
        prometheus_client::encoding::text::encode_eof(&mut out)?;
    }
    Ok(out)
}

fn encode(out: &mut String, r: &Registry, format: Format) -> fmt::Result {
    match format {
        Format::OpenMetrics => prometheus_client::encoding::text::encode_registry(out, r),
        Format::PrometheusText => prometheus_client::encoding::prometheus_text::encode(out, r),
    }
}

/// A sample's value.
enum V {
    Int(i64),
    Float(f64),
    Count(u64),
}

/// One metric family: a descriptor, then one sample per label set.
fn family<'a>(
    enc: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    ty: MetricType,
    rows: impl IntoIterator<Item = (Vec<(&'a str, &'a str)>, V)>,
) -> fmt::Result {
    let mut m = enc.encode_descriptor(name, help, unit, ty)?;
    for (labels, v) in rows {
        sample(&mut m, &labels, v)?;
    }
    Ok(())
}

fn sample(m: &mut MetricEncoder<'_>, labels: &[(&str, &str)], v: V) -> fmt::Result {
    let e = m.encode_family(&labels)?;
    match v {
        V::Int(i) => ConstGauge::new(i).encode(e),
        V::Float(f) => ConstGauge::new(f).encode(e),
        V::Count(c) => ConstCounter::new(c).encode(e),
    }
}

fn unix_secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Counts from devices are clamped into a gauge's range, never wrapped.
fn int(n: impl TryInto<i64>) -> V {
    V::Int(n.try_into().unwrap_or(i64::MAX))
}

/// Every target's metrics (or one target's, for `/metrics?target=NAME`).
#[derive(Debug)]
struct Fleet {
    model: Shared,
    only: Option<String>,
}

impl Collector for Fleet {
    fn encode(&self, mut enc: DescriptorEncoder<'_>) -> fmt::Result {
        // A poisoned lock only means a fold panicked mid-way: the model is still readable.
        let model = self.model.lock().unwrap_or_else(PoisonError::into_inner);
        let targets: Vec<(&str, &Target)> = model
            .targets
            .iter()
            .filter(|(n, _)| self.only.as_deref().is_none_or(|o| o == n.as_str()))
            .map(|(n, t)| (n.as_str(), t))
            .collect();
        encode_devices(&mut enc, &targets)?;
        encode_sessions(&mut enc, &targets)?;
        encode_central(&mut enc, &targets)?;
        Ok(())
    }
}

fn dv<'a>(name: &'a str, t: &'a Target) -> Vec<(&'a str, &'a str)> {
    vec![("device", name), ("vendor", t.kind.as_str())]
}

fn encode_devices(enc: &mut DescriptorEncoder<'_>, ts: &[(&str, &Target)]) -> fmt::Result {
    let s = Some(&Unit::Seconds);
    family(
        enc,
        "device_up",
        "1 if the device (or Central account) answered its last poll, 0 if not or not yet.",
        None,
        MetricType::Gauge,
        ts.iter().map(|(n, t)| (dv(n, t), V::Int(i64::from(t.up)))),
    )?;
    let mut info = enc.encode_descriptor(
        "device",
        "What the device says it is (from its last successful poll).",
        None,
        MetricType::Info,
    )?;
    for (n, t) in ts {
        let f = &t.facts;
        if f.model.is_none() && f.version.is_none() && f.serial.is_none() {
            continue;
        }
        let labels: &[(&str, &str)] = &[
            ("device", n),
            ("vendor", t.kind.as_str()),
            ("model", f.model.as_deref().unwrap_or("")),
            ("version", f.version.as_deref().unwrap_or("")),
            ("serial", f.serial.as_deref().unwrap_or("")),
        ];
        info.encode_info(&labels)?;
    }
    family(
        enc,
        "poll_latency",
        "How long the last successful background poll took.",
        s,
        MetricType::Gauge,
        ts.iter()
            .filter_map(|(n, t)| Some((dv(n, t), V::Float(t.latency_secs?)))),
    )?;
    family(
        enc,
        "last_successful_poll_timestamp",
        "When the last background poll succeeded (unix time).",
        s,
        MetricType::Gauge,
        ts.iter()
            .filter_map(|(n, t)| Some((dv(n, t), V::Float(unix_secs(t.last_success?))))),
    )?;
    family(
        enc,
        "alarm_active",
        "1 while an alarm condition (down, poll, quota, tokens, tenants) is raised, 0 once cleared.",
        None,
        MetricType::Gauge,
        ts.iter().flat_map(|(n, t)| {
            t.alarms.iter().map(move |(what, on)| {
                let mut l = dv(n, t);
                l.push(("condition", what));
                (l, V::Int(i64::from(*on)))
            })
        }),
    )
}

fn encode_sessions(enc: &mut DescriptorEncoder<'_>, ts: &[(&str, &Target)]) -> fmt::Result {
    let s = Some(&Unit::Seconds);
    family(
        enc,
        "session_state",
        "The session's state: 1 for the current one, 0 for the others.",
        None,
        MetricType::Gauge,
        ts.iter().flat_map(|(n, t)| {
            SESSION_STATES.iter().filter_map(move |st| {
                let cur = t.state?;
                let mut l = dv(n, t);
                l.push(("state", st));
                Some((l, V::Int(i64::from(cur == *st))))
            })
        }),
    )?;
    let views = || {
        ts.iter()
            .filter_map(|(n, t)| Some((dv(n, t), t.session.as_ref()?)))
    };
    for (name, help, pick) in [
        (
            "session_idle_deadline_timestamp",
            "When the device ends the session if it stays unused (unix time).",
            (|v| v.idle_deadline) as fn(&SessionView) -> _,
        ),
        (
            "session_hard_deadline_timestamp",
            "When the device ends the session however busy it is (unix time).",
            |v| v.hard_deadline,
        ),
        (
            "session_token_expiry_timestamp",
            "When the session's token expires (unix time; Central renews ahead of it).",
            |v| v.expires_at,
        ),
    ] {
        family(
            enc,
            name,
            help,
            s,
            MetricType::Gauge,
            views().filter_map(|(l, v)| Some((l, V::Float(unix_secs(pick(v)?))))),
        )?;
    }
    family(
        enc,
        "sessions_held",
        "Sessions netdash holds on the device (one serves polling and the console).",
        None,
        MetricType::Gauge,
        views().map(|(l, v)| (l, int(v.held))),
    )?;
    family(
        enc,
        "sessions_user_limit",
        "Sessions the device allows one user.",
        None,
        MetricType::Gauge,
        views().filter_map(|(l, v)| Some((l, int(v.per_user_limit?)))),
    )?;
    family(
        enc,
        "sessions_device_limit",
        "Sessions the device allows in all.",
        None,
        MetricType::Gauge,
        views().filter_map(|(l, v)| Some((l, int(v.per_device_limit?)))),
    )?;
    family(
        enc,
        "session_relogins",
        "Times the session had to be opened again after the device ended it.",
        None,
        MetricType::Counter,
        views().map(|(l, v)| (l, V::Count(u64::from(v.relogins)))),
    )
}

fn encode_central(enc: &mut DescriptorEncoder<'_>, ts: &[(&str, &Target)]) -> fmt::Result {
    let budgets = || {
        ts.iter()
            .filter_map(|(n, t)| Some((vec![("account", *n)], t.budget.as_ref()?)))
    };
    family(
        enc,
        "central_calls_per_second_limit",
        "Calls per second the account may make (configured, or lower if the gateway says so).",
        None,
        MetricType::Gauge,
        budgets().map(|(l, b)| (l, int(b.per_second_limit))),
    )?;
    family(
        enc,
        "central_calls_per_second_remaining",
        "Calls left in the current one-second window.",
        None,
        MetricType::Gauge,
        budgets().map(|(l, b)| {
            (
                l,
                int(b.per_second_limit.saturating_sub(b.used_this_second)),
            )
        }),
    )?;
    family(
        enc,
        "central_calls_daily_limit",
        "The account's daily call quota (X-RateLimit-Limit-day).",
        None,
        MetricType::Gauge,
        budgets().filter_map(|(l, b)| Some((l, int(b.limit_day?)))),
    )?;
    family(
        enc,
        "central_calls_daily_remaining",
        "Calls left today, until 00:00 UTC (X-RateLimit-Remaining-day).",
        None,
        MetricType::Gauge,
        budgets().filter_map(|(l, b)| Some((l, int(b.remaining_day?)))),
    )?;
    family(
        enc,
        "central_throttled_responses",
        "429 answers from the API gateway.",
        None,
        MetricType::Counter,
        budgets().map(|(l, b)| (l, V::Count(b.throttled))),
    )?;
    family(
        enc,
        "central_token_refreshes",
        "New token pairs obtained (refreshes, and sign-ins after the first pair).",
        None,
        MetricType::Counter,
        budgets().map(|(l, b)| (l, V::Count(b.token_refreshes))),
    )?;
    family(
        enc,
        "central_aps",
        "Access points by site and status, from the last complete poll.",
        None,
        MetricType::Gauge,
        ap_counts(ts, |t| t.sites.as_deref(), "account", "site"),
    )?;
    family(
        enc,
        "conductor_aps",
        "A Mobility Conductor's access points by AP group and status, from its last AP database poll.",
        None,
        MetricType::Gauge,
        ap_counts(ts, |t| t.ap_groups.as_deref(), "conductor", "group"),
    )
}

/// AP counts as (labels, value): one `up` and one `down` sample per site or AP group.
fn ap_counts<'a>(
    ts: &[(&'a str, &'a Target)],
    groups: fn(&Target) -> Option<&[SiteCount]>,
    source: &'a str,
    group: &'a str,
) -> Vec<(Vec<(&'a str, &'a str)>, V)> {
    let mut out = Vec::new();
    for (n, t) in ts {
        for s in groups(t).into_iter().flatten() {
            for (status, count) in [("up", s.up), ("down", s.down)] {
                out.push((
                    vec![(source, *n), (group, s.name.as_str()), ("status", status)],
                    int(count),
                ));
            }
        }
    }
    out
}

/// The exporter's own metrics.
#[derive(Debug)]
struct Own {
    scrape_secs: f64,
}

impl Collector for Own {
    fn encode(&self, mut enc: DescriptorEncoder<'_>) -> fmt::Result {
        family(
            &mut enc,
            "exporter_scrape_duration",
            "How long this scrape took to read the model and encode it.",
            Some(&Unit::Seconds),
            MetricType::Gauge,
            [(vec![], V::Float(self.scrape_secs))],
        )?;
        let mut info = enc.encode_descriptor(
            "build",
            "The netdash build serving these metrics.",
            None,
            MetricType::Info,
        )?;
        let labels: &[(&str, &str)] = &[("version", env!("CARGO_PKG_VERSION"))];
        info.encode_info(&labels)
    }
}

#[cfg(test)]
mod tests {
    use super::{Format, OPENMETRICS, PROMETHEUS_TEXT, Shared, render};
    use crate::engine::messages::{AccessPoint, Budget, DeviceFacts, SessionView, Site};
    use crate::engine::{Event, SessionState};
    use crate::exporter::state::{Model, Target};
    use crate::kind::{AuthScheme, TargetKind};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    const HOSTILE: &str = "evil\"} netdash_device_up{device=\"x\\\nfake 1";

    fn t0() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn model() -> Shared {
        let mut m = Model::default();
        m.targets
            .insert("eos-1".into(), Target::new_for_tests(TargetKind::Eos));
        m.targets
            .insert("cx-1".into(), Target::new_for_tests(TargetKind::Aoscx));
        m.targets
            .insert("acme".into(), Target::new_for_tests(TargetKind::Central));
        m.targets
            .insert("mc-1".into(), Target::new_for_tests(TargetKind::Arubaos));
        let ap = |name: &str, group: &str, up: bool| AccessPoint {
            name: name.into(),
            serial: String::new(),
            site: group.into(),
            model: "535".into(),
            ip: String::new(),
            mac: String::new(),
            up,
            clients: None,
            firmware: String::new(),
        };
        let evs = [
            Event::Polled {
                target: "eos-1".into(),
                latency_ms: 250,
                facts: DeviceFacts {
                    model: Some(HOSTILE.into()),
                    version: Some("4.30.0F".into()),
                    serial: Some("SN1".into()),
                    ..DeviceFacts::default()
                },
            },
            Event::Session {
                target: "cx-1".into(),
                kind: TargetKind::Aoscx,
                state: SessionState::Connected,
                session: SessionView {
                    auth: AuthScheme::CookieCsrf,
                    held: 1,
                    per_user_limit: Some(6),
                    per_device_limit: Some(48),
                    since: Some(t0()),
                    idle_deadline: Some(t0() + Duration::from_secs(1200)),
                    hard_deadline: None,
                    expires_at: None,
                    relogins: 3,
                    scope: None,
                },
            },
            Event::Budget {
                account: "acme".into(),
                budget: Budget {
                    per_second_limit: 7,
                    used_this_second: 2,
                    background_waiting: 0,
                    limit_day: Some(5000),
                    remaining_day: Some(400),
                    throttled: 4,
                    token_refreshes: 2,
                    token_expires_at: None,
                    last_refresh: None,
                },
            },
            Event::Central {
                account: "acme".into(),
                sites: vec![Site {
                    id: "1".into(),
                    name: "Roseville".into(),
                    aps_up: 19,
                    aps_down: 1,
                }],
                aps: vec![],
                at: t0(),
                calls: 2,
                next_at: t0(),
            },
            Event::ApDatabase {
                conductor: "mc-1".into(),
                aps: vec![
                    ap("ap-1", "campus", true),
                    ap("ap-2", "campus", false),
                    ap("ap-3", "campus", true),
                    ap("ap-4", "lab", true),
                ],
                at: t0(),
                calls: 2,
                next_at: t0(),
            },
            Event::Alarm {
                target: "acme".into(),
                what: "quota",
                message: "low".into(),
                raised: true,
            },
        ];
        for e in &evs {
            m.fold(e, t0());
        }
        Arc::new(Mutex::new(m))
    }

    #[test]
    fn accept_picks_openmetrics_only_when_offered() {
        // What Prometheus 2.x sends.
        let prom = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::from_accept(Some(prom)), Format::OpenMetrics);
        assert_eq!(Format::from_accept(None), Format::PrometheusText);
        assert_eq!(Format::from_accept(Some("*/*")), Format::PrometheusText);
        assert_eq!(
            Format::from_accept(Some("text/plain;version=0.0.4")),
            Format::PrometheusText
        );
        assert_eq!(
            Format::from_accept(Some("application/openmetrics-text; q=0")),
            Format::PrometheusText
        );
        assert_eq!(Format::OpenMetrics.content_type(), OPENMETRICS);
        assert_eq!(
            OPENMETRICS,
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        assert_eq!(
            Format::PrometheusText.content_type(),
            "text/plain; version=0.0.4; charset=utf-8"
        );
        assert_eq!(PROMETHEUS_TEXT, "text/plain; version=0.0.4; charset=utf-8");
    }

    #[test]
    fn openmetrics_has_units_types_and_eof() {
        let text = render(&model(), None, Format::OpenMetrics).expect("encodes");
        assert!(text.ends_with("# EOF\n"), "{text}");
        assert_eq!(text.matches("# EOF").count(), 1);
        for line in [
            "# TYPE netdash_device_up gauge",
            "netdash_device_up{device=\"eos-1\",vendor=\"eos\"} 1",
            "netdash_device_up{device=\"cx-1\",vendor=\"aoscx\"} 0",
            "netdash_device_up{device=\"acme\",vendor=\"central\"} 1",
            "# TYPE netdash_device info",
            "# TYPE netdash_poll_latency_seconds gauge",
            "# UNIT netdash_poll_latency_seconds seconds",
            "netdash_poll_latency_seconds{device=\"eos-1\",vendor=\"eos\"} 0.25",
            "netdash_last_successful_poll_timestamp_seconds{device=\"eos-1\",vendor=\"eos\"} 1700000000.0",
            "netdash_session_state{device=\"cx-1\",vendor=\"aoscx\",state=\"connected\"} 1",
            "netdash_session_state{device=\"cx-1\",vendor=\"aoscx\",state=\"backing_off\"} 0",
            "netdash_session_idle_deadline_timestamp_seconds{device=\"cx-1\",vendor=\"aoscx\"} 1700001200.0",
            "netdash_sessions_held{device=\"cx-1\",vendor=\"aoscx\"} 1",
            "netdash_sessions_user_limit{device=\"cx-1\",vendor=\"aoscx\"} 6",
            "netdash_sessions_device_limit{device=\"cx-1\",vendor=\"aoscx\"} 48",
            "# TYPE netdash_session_relogins counter",
            "netdash_session_relogins_total{device=\"cx-1\",vendor=\"aoscx\"} 3",
            "netdash_central_calls_per_second_limit{account=\"acme\"} 7",
            "netdash_central_calls_per_second_remaining{account=\"acme\"} 5",
            "netdash_central_calls_daily_limit{account=\"acme\"} 5000",
            "netdash_central_calls_daily_remaining{account=\"acme\"} 400",
            "netdash_central_throttled_responses_total{account=\"acme\"} 4",
            "netdash_central_token_refreshes_total{account=\"acme\"} 2",
            "netdash_central_aps{account=\"acme\",site=\"Roseville\",status=\"up\"} 19",
            "netdash_central_aps{account=\"acme\",site=\"Roseville\",status=\"down\"} 1",
            "# TYPE netdash_conductor_aps gauge",
            "netdash_conductor_aps{conductor=\"mc-1\",group=\"campus\",status=\"up\"} 2",
            "netdash_conductor_aps{conductor=\"mc-1\",group=\"campus\",status=\"down\"} 1",
            "netdash_conductor_aps{conductor=\"mc-1\",group=\"lab\",status=\"up\"} 1",
            "netdash_conductor_aps{conductor=\"mc-1\",group=\"lab\",status=\"down\"} 0",
            "netdash_alarm_active{device=\"acme\",vendor=\"central\",condition=\"quota\"} 1",
            "# TYPE netdash_exporter_scrape_duration_seconds gauge",
            "# TYPE netdash_build info",
            "netdash_build_info{version=\"0.1.0\"} 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }

    #[test]
    fn hostile_label_values_stay_inside_their_quotes() {
        let text = render(&model(), None, Format::OpenMetrics).expect("encodes");
        let info: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("netdash_device_info{"))
            .collect();
        assert_eq!(info.len(), 1, "{text}");
        assert_eq!(
            info[0],
            "netdash_device_info{device=\"eos-1\",vendor=\"eos\",model=\"evil\\\"} netdash_device_up{device=\\\"x\\\\\\nfake 1\",version=\"4.30.0F\",serial=\"SN1\"} 1"
        );
        // The forged sample never becomes a line of its own.
        assert!(!text.lines().any(|l| l.starts_with("fake")));
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("netdash_device_up{"))
                .count(),
            4,
            "eos-1, cx-1, acme, mc-1"
        );
    }

    #[test]
    fn prometheus_text_is_a_faithful_conversion() {
        let text = render(&model(), None, Format::PrometheusText).expect("encodes");
        assert!(!text.contains("# EOF"), "{text}");
        assert!(!text.contains("# UNIT"), "{text}");
        for line in [
            "# TYPE netdash_session_relogins_total counter",
            "netdash_session_relogins_total{device=\"cx-1\",vendor=\"aoscx\"} 3",
            "# TYPE netdash_device_info gauge",
            "# TYPE netdash_build_info gauge",
            "# TYPE netdash_poll_latency_seconds gauge",
            "netdash_poll_latency_seconds{device=\"eos-1\",vendor=\"eos\"} 0.25",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(!text.contains(" info\n"));
    }

    #[test]
    fn one_target_gets_only_its_series() {
        let text = render(&model(), Some("acme"), Format::OpenMetrics).expect("encodes");
        assert!(text.contains("netdash_device_up{device=\"acme\",vendor=\"central\"} 1"));
        assert!(text.contains("netdash_central_calls_daily_remaining{account=\"acme\"} 400"));
        assert!(!text.contains("eos-1"), "{text}");
        assert!(!text.contains("cx-1"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
