//! netdash: one terminal tool for the REST APIs of Arista EOS, Cisco ASA, AOS-CX,
//! ArubaOS 8 and Aruba Central. The binary in `main.rs` is a thin shell over these modules,
//! which `tests/` and `benches/` use directly.

pub mod app;
pub mod cli;
pub mod clock;
pub mod command;
pub mod compare;
pub mod config;
pub mod csv_export;
pub mod curl;
pub mod drivers;
pub mod engine;
pub mod explore;
pub mod exporter;
pub mod fsutil;
pub mod headless;
pub mod inventory;
pub mod kind;
pub mod lab;
pub mod logging;
pub mod mask;
pub mod password_cmd;
pub mod paths;
pub mod redact;
pub mod repeat;
pub mod sanitize;
pub mod signals;
pub mod target;
pub mod tui;
pub mod ui;

/// Install the process-wide rustls crypto provider (ring). Both the HTTP client and the lab
/// server use rustls; installing once avoids a runtime panic about an ambiguous provider.
pub fn init_crypto() {
    // An Err only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
