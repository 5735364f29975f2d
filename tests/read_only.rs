//! `netdash --read-only run` against the lab through a loopback TCP relay that counts
//! connections: output redirection (`>`, `>>`, `| redirect`, `| tee`, `| append`) is refused
//! before anything reaches the device, and harmless filters (`| include`) still run.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::netdash;

/// A TCP relay in front of a lab device: TLS passes through untouched (the lab certificate
/// names 127.0.0.1, so verification stays on), and every connection is counted.
async fn relay(to: std::net::SocketAddr) -> (u16, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = l.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut dev) = tokio::net::TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut dev).await;
                }
            });
        }
    });
    (port, seen)
}

/// The lab (one EOS, one ASA) with each device behind a counting relay.
async fn lab_behind_relays() -> (common::TestLab, Vec<(String, Arc<AtomicUsize>)>) {
    let mut o = common::only("eos");
    o.asa = 1;
    let tl = common::start(o).await;
    let mut text = std::fs::read_to_string(&tl.config_path).expect("config");
    let mut counters = Vec::new();
    for d in &tl.lab.devices {
        let (port, seen) = relay(d.addr).await;
        text = text.replace(
            &format!("host = \"{}\"", d.addr),
            &format!("host = \"127.0.0.1:{port}\""),
        );
        counters.push((d.name.clone(), seen));
    }
    std::fs::write(&tl.config_path, text).expect("config rewritten");
    (tl, counters)
}

fn connections(counters: &[(String, Arc<AtomicUsize>)], name: &str) -> usize {
    counters
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, c)| c.load(Ordering::SeqCst))
        .expect("a relay for that device")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirection_is_refused_before_anything_is_sent() {
    let (tl, counters) = lab_behind_relays().await;
    let cfg = &tl.config_path;
    let cases = [
        ("lab-asa-01", "show running-config | redirect disk0:/x.cfg"),
        ("lab-asa-01", "show running-config | red disk0:/x.cfg"),
        ("lab-asa-01", "show running-config | append disk0:/x.cfg"),
        (
            "lab-asa-01",
            "show version | include Version | redirect disk0:/v",
        ),
        ("lab-eos-01", "show running-config > flash:x.cfg"),
        ("lab-eos-01", "show running-config >> flash:x.cfg"),
        ("lab-eos-01", "show running-config | redirect flash:x.cfg"),
        ("lab-eos-01", "show running-config | tee flash:x.cfg"),
        ("lab-eos-01", "show running-config | append flash:x.cfg"),
        (
            "lab-eos-01",
            "show version; show running-config | copy flash:x",
        ),
    ];
    for (target, line) in cases {
        let o = netdash(cfg, &["--read-only", "run", target, "--", line]).await;
        assert_ne!(o.code, 0, "{line}: {}\n{}", o.stdout, o.stderr);
        let all = format!("{}{}", o.stdout, o.stderr);
        assert!(all.contains("read-only"), "{line}: {all}");
        assert_eq!(all.trim_end().lines().count(), 1, "one line: {all}");
        assert_eq!(connections(&counters, target), 0, "{line} reached {target}");
    }
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harmless_filters_still_run_in_read_only_mode() {
    let (tl, counters) = lab_behind_relays().await;
    let o = netdash(
        &tl.config_path,
        &[
            "--read-only",
            "run",
            "lab-asa-01",
            "--",
            "show version | include Version",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("Software Version"), "{}", o.stdout);
    assert!(!o.stdout.contains("Hardware"), "filtered: {}", o.stdout);
    assert!(connections(&counters, "lab-asa-01") > 0);

    // Each device gets its own vendor's filters: ASA has `| grep` (ArubaOS does not, so
    // the console's rule for every vendor refuses it).
    let o = netdash(
        &tl.config_path,
        &[
            "--read-only",
            "run",
            "lab-asa-01",
            "--",
            "show version | grep Serial",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(
        o.stdout.trim(),
        "Serial Number: 9AVP5MLG543",
        "{}",
        o.stdout
    );

    // EOS: eAPI itself may refuse pipes, but netdash lets the filter through to it.
    let o = netdash(
        &tl.config_path,
        &[
            "--read-only",
            "run",
            "lab-eos-01",
            "--",
            "show version | section Arista",
        ],
    )
    .await;
    assert!(!o.stdout.contains("read-only"), "{}", o.stdout);
    assert!(connections(&counters, "lab-eos-01") > 0);
    assert_eq!(tl.lab.open_sessions(), 0);
}
