//! `netdash exporter`: the engine without a screen, polling as the dashboard does, and an
//! HTTP server that Prometheus scrapes. Engine events are folded into a plain model
//! ([`state`]); each scrape encodes that model ([`metrics`]) and never logs in to anything.
//! `--shard K/N` ([`shard`]) splits a fleet between N exporters with no coordination.
//! Shutdown (Ctrl-C, SIGTERM, SIGHUP) logs every session out, as `watch` does.

pub mod metrics;
pub mod server;
pub mod shard;
pub mod state;

use std::collections::HashSet;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use crate::config::Config;
use crate::drivers::Context;
use crate::engine::{self, EngineOptions, Event};
use crate::sanitize;
use shard::Shard;
use state::Model;

/// What `netdash exporter` was asked to serve.
#[derive(Debug, Clone)]
pub struct ExporterOptions {
    pub listen: SocketAddr,
    pub shard: Shard,
    /// Names, `@tag:NAME`, `@all`; empty means every configured target.
    pub targets: Vec<String>,
}

/// Why the exporter could not start.
#[derive(Debug, thiserror::Error)]
pub enum ExporterError {
    #[error("{0}")]
    Targets(String),
    #[error("cannot listen on {addr}: {source}; pick another --listen address")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The configured targets `opts` selects that belong to its shard, in config order.
pub fn shard_targets(
    config: &Config,
    opts: &ExporterOptions,
) -> Result<Vec<String>, ExporterError> {
    let names: Vec<String> = if opts.targets.is_empty() {
        config
            .devices()
            .map(|d| d.name.clone())
            .chain(config.centrals().map(|c| c.name.clone()))
            .collect()
    } else {
        // A REST GET: nothing is skipped for its kind (a CLI line would skip Central).
        let probe = crate::command::Command::Rest {
            method: crate::command::Method::Get,
            path: "/".into(),
            body: None,
        };
        crate::target::select(config, &opts.targets, &probe)
            .map_err(|e| ExporterError::Targets(e.to_string()))?
            .targets
            .iter()
            .map(|t| t.name().to_string())
            .collect()
    };
    Ok(names.into_iter().filter(|n| opts.shard.keeps(n)).collect())
}

/// Serve until Ctrl-C, SIGTERM or SIGHUP; then log every session out and stop. `out` gets
/// the address and what is served, `err` alarms, log lines and failed logouts.
pub async fn run(
    config: Arc<Config>,
    ctx: Context,
    mut engine_opts: EngineOptions,
    opts: ExporterOptions,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), ExporterError> {
    let names = shard_targets(&config, &opts)?;
    // Listen before any session opens: a taken port must not cost a login storm.
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| ExporterError::Listen {
            addr: opts.listen,
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(opts.listen);
    let keep: HashSet<&str> = names.iter().map(String::as_str).collect();
    let model = Arc::new(Mutex::new(Model::from_config(&config, |n| {
        keep.contains(n)
    })));
    // Lines for a log: a closed stdout or stderr must not stop the exporter.
    let _ = writeln!(
        out,
        "netdash exporter: {} targets (shard {}) on http://{addr}/metrics",
        names.len(),
        opts.shard
    );
    let _ = out.flush();
    engine_opts.only = Some(names);
    let mut engine = engine::start(config, ctx, engine_opts);
    let _guard = engine::guard::install(&engine);
    let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let app = server::router(server::Served {
        model: model.clone(),
        addr,
        shard: opts.shard,
    });
    let http = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = http_stopped.await;
            })
            .await
    });
    let stop = crate::signals::wait_for_stop();
    tokio::pin!(stop);
    let mut stopping = false;
    while let Some(ev) = engine.next_until_stopped(&mut stop, &mut stopping).await {
        model
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fold(&ev, SystemTime::now());
        if let Some(line) = log_line(&ev) {
            let _ = writeln!(err, "{line}");
        }
        if let Event::ShutdownComplete { failed, .. } = &ev {
            for (name, why) in failed {
                let l = format!("netdash: {name}: logout failed: {why}");
                let _ = writeln!(err, "{}", sanitize::one_line(&l));
            }
            break;
        }
    }
    let _ = stop_http.send(());
    let _ = http.await;
    Ok(())
}

/// The events worth a line in the exporter's log (alarms, engine notes, shutdown), escaped
/// and on one line: device text cannot forge a line.
fn log_line(ev: &Event) -> Option<String> {
    let now = crate::clock::hms(SystemTime::now());
    let l = match ev {
        Event::Alarm {
            target,
            message,
            raised,
            ..
        } => {
            let what = if *raised { "raised" } else { "cleared" };
            format!("{now} {target} alarm {what}: {message}")
        }
        Event::Log { message } => format!("{now} {message}"),
        Event::ShutdownComplete { logged_out, failed } => format!(
            "{now} shut down: {logged_out} sessions logged out, {} failed",
            failed.len()
        ),
        _ => return None,
    };
    Some(sanitize::one_line(&l).into_owned())
}

#[cfg(test)]
mod tests {
    use super::log_line;
    use crate::engine::Event;

    #[test]
    fn device_text_in_the_log_stays_on_one_escaped_line() {
        let l = log_line(&Event::Alarm {
            target: "eos-1".into(),
            what: "down",
            message: "refused\n12:00:00 eos-2 alarm cleared: \x1b[2Jok".into(),
            raised: true,
        })
        .expect("a line");
        assert_eq!(l.lines().count(), 1, "{l}");
        assert!(!l.contains('\x1b'), "{l}");
        assert!(l.contains("eos-1 alarm raised: refused"), "{l}");
        assert!(
            log_line(&Event::PollFailed {
                target: "x".into(),
                error: "e".into()
            })
            .is_none()
        );
    }
}
