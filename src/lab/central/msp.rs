//! The MSP side of the gateway: `GET /msp_api/v1/customers` lists the tenants. The API
//! guide caps `limit` at 50 for the MSP customer and device lists (more: 400
//! `LIMIT_REQUEST_EXCEEDED`). Step 2 (tenant client credentials) is in [`super::oauth`].

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{CentralSim, read_only_endpoint};
use crate::lab::util::form;

/// The guide's cap on the MSP list endpoints.
const MSP_LIMIT_MAX: usize = 50;

fn bad(h: HeaderMap, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        h,
        axum::Json(json!({"message": message})),
    )
        .into_response()
}

/// `GET /msp_api/v1/customers?offset=&limit=`: the MSP's tenants, a page at a time. A call
/// counts against the caller's rate window like any API call.
pub(super) async fn customers(
    State(front): State<Arc<CentralSim>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let sim = front.by_bearer(&headers);
    let h = match sim.admit(&headers, &method) {
        Ok(h) if method != Method::GET => return read_only_endpoint(h),
        Ok(h) => h,
        Err(r) => return r,
    };
    if sim.tenants.is_empty() {
        // [G] what real Central answers a non-MSP account here is unverified.
        return (
            StatusCode::FORBIDDEN,
            h,
            axum::Json(json!({"message": "Not an MSP account"})),
        )
            .into_response();
    }
    let q = form(q.as_deref().unwrap_or(""));
    let Ok(offset) = q.get("offset").map_or(Ok(0), |o| o.parse::<usize>()) else {
        return bad(h, "offset must be a non-negative integer");
    };
    let Ok(limit) = q
        .get("limit")
        .map_or(Ok(MSP_LIMIT_MAX), |o| o.parse::<usize>())
    else {
        return bad(h, "limit must be a non-negative integer");
    };
    if limit > MSP_LIMIT_MAX {
        return bad(h, "LIMIT_REQUEST_EXCEEDED");
    }
    let customers: Vec<_> = sim
        .tenants
        .iter()
        .skip(offset)
        .take(limit)
        .map(|t| {
            json!({
                "customer_id": t.customer_id, "customer_name": t.customer_name,
                "msp_id": sim.customer_id, "description": "", "lock_msp_ssids": false,
            })
        })
        .collect();
    (
        h,
        axum::Json(json!({"customers": customers, "total": sim.tenants.len()})),
    )
        .into_response()
}
