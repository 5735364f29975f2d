//! The exporter's HTTP routes: `/metrics` (every target, or `?target=NAME`), `/sd`
//! (Prometheus HTTP service discovery: one scrape target per device) and `/` (what is
//! here). Handlers only read the model: a scrape never talks to a device.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::metrics::{Format, Shared, render};
use super::shard::Shard;

/// What every handler reads.
#[derive(Clone)]
pub struct Served {
    pub model: Shared,
    /// The address the exporter listens on (the fallback for `/sd` targets).
    pub addr: SocketAddr,
    pub shard: Shard,
}

pub fn router(s: Served) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/metrics", get(metrics))
        .route("/sd", get(sd))
        .with_state(s)
}

async fn index(State(s): State<Served>) -> Response {
    let text = format!(
        "netdash exporter (shard {})\n/metrics          every device of this shard\n/metrics?target=NAME  one device\n/sd               Prometheus HTTP service discovery, one target per device\n",
        s.shard
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

fn plain(status: StatusCode, line: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        line + "\n",
    )
        .into_response()
}

async fn metrics(
    State(s): State<Served>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let target = q.get("target").map(String::as_str);
    if let Some(t) = target {
        let known = s
            .model
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .targets
            .contains_key(t);
        if !known {
            // Quoted with escapes: the name comes from whoever sent the request.
            return plain(
                StatusCode::NOT_FOUND,
                format!(
                    "no target {t:?} in this exporter (shard {}): GET /sd lists the ones it has",
                    s.shard
                ),
            );
        }
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = Format::from_accept(accept);
    match render(&s.model, target, format) {
        Ok(body) => ([(header::CONTENT_TYPE, format.content_type())], body).into_response(),
        Err(_) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the metrics could not be encoded; see the log".into(),
        ),
    }
}

async fn sd(State(s): State<Served>, headers: HeaderMap) -> Response {
    // Prometheus reached us under the Host it sent: the scrapes should go there too.
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
        .map_or_else(|| s.addr.to_string(), |a| a.to_string());
    let groups: Vec<Value> = s
        .model
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .names()
        .map(|(name, kind)| {
            json!({
                "targets": [host],
                "labels": {
                    "__param_target": name,
                    "device": name,
                    "vendor": kind.as_str(),
                }
            })
        })
        .collect();
    axum::Json(groups).into_response()
}
