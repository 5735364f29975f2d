//! Logging sessions out when the process panics. The panic hook asks the engine to shut
//! down and, unless it is running on one of the engine's own threads, waits (bounded) for
//! the logouts before the process goes on to unwind and exit.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::{EngineHandle, EngineRequest};

/// Set by the engine when its shutdown has finished.
#[derive(Clone, Default)]
pub struct Finished(Arc<(Mutex<bool>, Condvar)>);

impl Finished {
    pub fn set(&self) {
        let (m, c) = &*self.0;
        if let Ok(mut done) = m.lock() {
            *done = true;
        }
        c.notify_all();
    }

    /// Wait until set, or `timeout`.
    pub fn wait(&self, timeout: Duration) -> bool {
        let (m, c) = &*self.0;
        let Ok(done) = m.lock() else { return false };
        c.wait_timeout_while(done, timeout, |d| !*d)
            .is_ok_and(|(d, _)| *d)
    }
}

/// Restores the previous panic hook when dropped.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::panic::take_hook();
        }
    }
}

/// Install a panic hook that shuts `engine` down first, then runs the previous hook.
pub fn install(engine: &EngineHandle) -> Guard {
    install_parts(engine.commands.clone(), engine.finished.clone())
}

fn install_parts(commands: mpsc::UnboundedSender<EngineRequest>, finished: Finished) -> Guard {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = commands.send(EngineRequest::Shutdown);
        let on_engine_thread = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("tokio-runtime-worker"));
        if !on_engine_thread {
            finished.wait(Duration::from_millis(3500));
        }
        previous(info);
    }));
    Guard
}
