//! A wrong password on every device API, in one table: an auth error that says what the
//! device answered and what to check, never the password, and no session left open.

mod common;

use common::{cmd, only, start};
use netdash::drivers::{Session, VendorError};

/// Kind, and what its error must say (the device's own words, or netdash's advice).
const CASES: &[(&str, &[&str])] = &[
    ("eos", &["check username and password"]),
    ("asa", &["username or password", "401"]),
    ("aoscx", &["check username and password"]),
    ("arubaos", &["Unauthorized request, authentication failed"]),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_an_auth_error_that_never_shows_it() {
    for (kind, says) in CASES {
        let tl = start(only(kind)).await;
        let mut d = tl.device_config(kind);
        let wrong = format!("Wr0ng-{kind}-Passw0rd");
        d.password = Some(wrong.clone());
        let mut s = Session::for_device(&d, &tl.ctx).expect("session");
        // `execute`, not `login`: eAPI over Basic auth only finds out on the first command.
        let e = s
            .execute(&cmd("show version"))
            .await
            .expect_err("wrong password");
        assert!(matches!(e, VendorError::Auth(_)), "{kind}: {e:?}");
        let m = e.to_string();
        for s in *says {
            assert!(m.contains(s), "{kind}: {m}");
        }
        assert!(!m.contains(&wrong), "{kind}: {m}");
        assert!(!format!("{e:?}").contains(&wrong), "{kind}: {e:?}");
        // eAPI over Basic auth holds no session either way.
        if *kind != "eos" {
            assert!(!s.is_logged_in(), "{kind}");
        }
        assert_eq!(tl.lab.open_sessions(), 0, "{kind}");
    }
}
