//! Waiting for the signals that mean "stop": Ctrl-C, SIGTERM (init, `kill`) and SIGHUP (the
//! SSH link dropped). The dashboard, `run`, `watch` and `lab` all stop on the same three; this
//! module imports nothing of the crate, so any front end can use it.

/// Ctrl-C, SIGTERM or SIGHUP, whichever comes first.
pub async fn wait_for_stop() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let hup = signal(SignalKind::hangup());
    match (term, hup) {
        (Ok(mut t), Ok(mut h)) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = t.recv() => {}
                _ = h.recv() => {}
            }
        }
        // Without handlers for the other two, Ctrl-C still stops.
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
