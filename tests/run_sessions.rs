//! `netdash run` closes each device's session as soon as its command is answered, not all
//! of them at exit: thousands of logouts would not fit the 3 s shutdown grace.

mod common;

use std::sync::Arc;
use std::time::Duration;

use netdash::engine::{self, EngineOptions, EngineRequest, Event};
use netdash::lab::LabOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_session_is_closed_once_its_command_is_answered() {
    let tl = common::start(LabOptions {
        asa: 1,
        aoscx: 1,
        arubaos: 1,
        ..LabOptions::none()
    })
    .await;
    let opts = EngineOptions {
        poll_interval: None,
        logout_after_run: true,
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    e.commands
        .send(EngineRequest::Run {
            id: 1,
            targets: vec!["lab-asa-01".into(), "lab-cx-01".into(), "lab-mc-01".into()],
            line: "show version".into(),
            interactive: false,
        })
        .expect("send");
    let (mut answered, mut logins) = (0, 0);
    while answered < 3 {
        match tokio::time::timeout(Duration::from_secs(20), e.events.recv())
            .await
            .expect("events keep coming")
            .expect("event")
        {
            Event::Result { outcome, .. } => {
                assert!(outcome.is_ok(), "{outcome:?}");
                answered += 1;
            }
            Event::Alarm { what, message, .. } => panic!("{what}: {message}"),
            Event::Session { session, .. } if session.since.is_some() => logins += 1,
            _ => {}
        }
    }
    assert!(logins >= 3, "every device logged in ({logins})");
    // The logouts follow the answers: before any shutdown, the lab holds no session.
    let mut open = tl.lab.open_sessions();
    for _ in 0..50 {
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        open = tl.lab.open_sessions();
    }
    assert_eq!(open, 0, "{:?}", tl.lab.open_sessions_by_device());
    let _ = e.commands.send(EngineRequest::Shutdown);
    loop {
        match e.events.recv().await {
            Some(Event::ShutdownComplete { failed, .. }) => {
                assert!(failed.is_empty(), "{failed:?}");
                break;
            }
            Some(_) => {}
            None => break,
        }
    }
}
