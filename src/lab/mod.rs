//! The lab: simulated EOS, ASA, AOS-CX, ArubaOS and Central APIs on 127.0.0.1 with real TLS.
//! Strict like the real devices (credentials, CSRF, UIDARUBA, session limits, expiring and
//! rotating tokens, rate limits) and built from recorded responses in `fixtures/`.
//! Used by `netdash lab`, `netdash demo` and the tests; lifetimes and limits are settable so
//! tests can make sessions expire in seconds, and every simulator counts its open sessions
//! so tests can prove nothing leaks.

pub mod aoscx;
pub mod arubaos;
pub mod asa;
pub mod central;
pub mod eos;
pub mod faults;
pub mod mobility_aps;
pub mod tls;
pub mod util;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How long things live in the lab. Defaults are the vendors' documented figures.
#[derive(Debug, Clone)]
pub struct Lifetimes {
    /// eAPI `/login` session cookie (24 h).
    pub eos_session: Duration,
    /// ASA token idle timeout (`http server idle-timeout`, 20 min).
    pub asa_idle: Duration,
    /// AOS-CX session idle timeout (20 min).
    pub aoscx_idle: Duration,
    /// AOS-CX session hard limit (8 h).
    pub aoscx_hard: Duration,
    /// ArubaOS web-server session timeout (900 s).
    pub arubaos_idle: Duration,
    /// Central access token (`expires_in`, 7200 s).
    pub central_access: Duration,
    /// Central OAuth auth code (step 3 to step 4: 300 s, the API guide's figure).
    pub central_auth_code: Duration,
    /// Central OAuth login session (step 1 cookies; 30 min).
    pub central_login: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            eos_session: Duration::from_secs(24 * 3600),
            asa_idle: Duration::from_secs(20 * 60),
            aoscx_idle: Duration::from_secs(20 * 60),
            aoscx_hard: Duration::from_secs(8 * 3600),
            arubaos_idle: Duration::from_secs(900),
            central_access: Duration::from_secs(7200),
            central_auth_code: Duration::from_secs(300),
            central_login: Duration::from_secs(30 * 60),
        }
    }
}

/// Session and rate limits. Defaults are the vendors' documented figures.
#[derive(Debug, Clone)]
pub struct Limits {
    pub asa_sessions: usize,
    pub aoscx_per_user: usize,
    pub aoscx_total: usize,
    pub arubaos_sessions: usize,
    pub central_per_second: usize,
    pub central_daily: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            asa_sessions: 25,
            aoscx_per_user: 6,
            aoscx_total: 48,
            arubaos_sessions: 64,
            central_per_second: 7,
            central_daily: 5000,
        }
    }
}

/// Limits and size of the Central accounts after the first (`lab-central-02`, ...): a
/// smaller customer than `lab-central-01`, so one view has to respect two budgets.
#[derive(Debug, Clone)]
pub struct OtherCentral {
    /// Calls per second before 429 (and the `calls_per_second` the lab config gives).
    pub per_second: usize,
    pub daily: u64,
    pub sites: usize,
    pub aps: usize,
}

impl Default for OtherCentral {
    fn default() -> Self {
        OtherCentral {
            per_second: 5,
            daily: 2000,
            sites: 4,
            aps: 100,
        }
    }
}

/// What to start.
#[derive(Debug, Clone)]
pub struct LabOptions {
    pub eos: usize,
    pub asa: usize,
    pub aoscx: usize,
    pub arubaos: usize,
    pub central: usize,
    pub lifetimes: Lifetimes,
    pub limits: Limits,
    /// Sites and APs each simulated Central account holds.
    pub central_sites: usize,
    pub central_aps: usize,
    /// Limits and sizes of Central accounts 2 and up (`limits` and `central_sites` /
    /// `central_aps` are the first account's and its tenants').
    pub other_central: OtherCentral,
    /// Tenants of the first Central account (`lab-central-01`), which is then an MSP
    /// serving them on its port (0: no MSP).
    pub central_msp_tenants: usize,
    /// Write the Central sign-in lines (`username`, `password`, `msp`) into the lab config
    /// (on by default; off for a config that works with pasted tokens only).
    pub central_signin_in_config: bool,
    /// Every request waits this long before it is answered, as a device tens to hundreds
    /// of milliseconds away would (zero: answer at once).
    pub latency: Duration,
    /// EOS switches that report another software version (`lab-eos-02` → `4.31.1F`), so
    /// a comparison has something to find.
    pub eos_versions: Vec<(String, String)>,
}

impl Default for LabOptions {
    fn default() -> Self {
        LabOptions {
            eos: 2,
            asa: 1,
            aoscx: 1,
            arubaos: 1,
            // Two accounts by default: the AP view aggregates them (with the Conductor).
            central: 2,
            lifetimes: Lifetimes::default(),
            limits: Limits::default(),
            central_sites: 6,
            central_aps: 120,
            other_central: OtherCentral::default(),
            central_msp_tenants: 0,
            central_signin_in_config: true,
            latency: Duration::ZERO,
            eos_versions: Vec::new(),
        }
    }
}

impl LabOptions {
    /// No simulator at all, lifetimes and limits as real devices have them: tests name only
    /// what they need (`LabOptions { central: 1, ..LabOptions::none() }`).
    pub fn none() -> Self {
        LabOptions {
            eos: 0,
            asa: 0,
            aoscx: 0,
            arubaos: 0,
            central: 0,
            ..LabOptions::default()
        }
    }
}

/// Hold each request `latency` before handling it (`--latency-ms`).
async fn delay_answer(
    axum::extract::State(latency): axum::extract::State<Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    tokio::time::sleep(latency).await;
    next.run(req).await
}

/// `eos_versions` may only name switches the lab will have.
fn check_eos_versions(opts: &LabOptions) -> std::io::Result<()> {
    let width = if opts.eos >= 100 { 4 } else { 2 };
    for (name, _) in &opts.eos_versions {
        let known = (1..=opts.eos).any(|i| format!("lab-eos-{i:0width$}") == *name);
        if !known {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "--eos-version names {name}, which this lab does not have (it has lab-eos-{:0width$} to lab-eos-{:0width$}; --eos N makes more)",
                    1.min(opts.eos),
                    opts.eos
                ),
            ));
        }
    }
    Ok(())
}

/// The lab login every simulated device accepts (the lab's own, written into its config).
pub const USERNAME: &str = "admin";
/// A second, low-privilege eAPI user (privilege 1): `configure` is refused with 1005.
pub const VIEWER: &str = "viewer";

/// The password for a lab device of `kind`.
pub fn password(kind: &str) -> String {
    format!("lab-{kind}-pass")
}

/// One running simulator.
#[derive(Clone)]
pub enum Sim {
    Eos(Arc<eos::EosSim>),
    Asa(Arc<asa::AsaSim>),
    AosCx(Arc<aoscx::AosCxSim>),
    ArubaOs(Arc<arubaos::ArubaOsSim>),
    Central(Arc<central::CentralSim>),
}

impl Sim {
    fn router(&self) -> axum::Router {
        match self {
            Sim::Eos(s) => s.clone().router(),
            Sim::Asa(s) => s.clone().router(),
            Sim::AosCx(s) => s.clone().router(),
            Sim::ArubaOs(s) => s.clone().router(),
            Sim::Central(s) => s.clone().router(),
        }
    }

    /// Sessions open on this simulator right now (expired ones are not counted).
    pub fn open_sessions(&self) -> usize {
        match self {
            Sim::Eos(s) => s.open_sessions(),
            Sim::Asa(s) => s.open_sessions(),
            Sim::AosCx(s) => s.open_sessions(),
            Sim::ArubaOs(s) => s.open_sessions(),
            Sim::Central(_) => 0,
        }
    }

    /// End every session now, as `https-server session close all` would (tests use this to
    /// prove re-login).
    pub fn expire_sessions(&self) {
        match self {
            Sim::Eos(s) => s.expire_sessions(),
            Sim::Asa(s) => s.expire_sessions(),
            Sim::AosCx(s) => s.expire_sessions(),
            Sim::ArubaOs(s) => s.expire_sessions(),
            Sim::Central(s) => s.expire_sessions(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Sim::Eos(_) => "eos",
            Sim::Asa(_) => "asa",
            Sim::AosCx(_) => "aoscx",
            Sim::ArubaOs(_) => "arubaos",
            Sim::Central(_) => "central",
        }
    }
}

/// A simulated device or Central account, listening on its own port.
pub struct LabDevice {
    pub name: String,
    pub addr: SocketAddr,
    pub sim: Sim,
    pub tags: Vec<String>,
    /// This device's fault switch (see [`faults::Fault`]).
    pub faults: faults::Faults,
}

/// A running lab. Dropping it stops every simulator.
pub struct Lab {
    pub pki: tls::Pki,
    pub devices: Vec<LabDevice>,
    tasks: Vec<JoinHandle<()>>,
    /// See [`LabOptions::central_signin_in_config`].
    pub central_signin_in_config: bool,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Lab {
    /// Generate a CA and start every simulator on 127.0.0.1 (ephemeral ports).
    pub async fn start(opts: LabOptions) -> std::io::Result<Lab> {
        let pki = tls::Pki::generate()?;
        check_eos_versions(&opts)?;
        let mut sims: Vec<(String, Sim, Vec<String>)> = Vec::new();
        let wide = |n: usize| if n >= 100 { 4 } else { 2 };
        for i in 1..=opts.eos {
            let name = format!("lab-eos-{:0w$}", i, w = wide(opts.eos));
            let role = if i % 2 == 1 { "spine" } else { "leaf" };
            sims.push((
                name.clone(),
                Sim::Eos(eos::EosSim::new(&name, i, &opts)),
                vec!["lab".into(), "eos".into(), role.into()],
            ));
        }
        for i in 1..=opts.asa {
            let name = format!("lab-asa-{i:02}");
            sims.push((
                name.clone(),
                Sim::Asa(asa::AsaSim::new(&name, &opts)),
                vec!["lab".into(), "asa".into(), "edge".into()],
            ));
        }
        for i in 1..=opts.aoscx {
            let name = format!("lab-cx-{i:02}");
            sims.push((
                name.clone(),
                Sim::AosCx(aoscx::AosCxSim::new(&name, &opts)),
                vec!["lab".into(), "aoscx".into(), "access".into()],
            ));
        }
        for i in 1..=opts.arubaos {
            let name = format!("lab-mc-{i:02}");
            sims.push((
                name.clone(),
                Sim::ArubaOs(arubaos::ArubaOsSim::new(&name, &opts)),
                vec!["lab".into(), "arubaos".into(), "wireless".into()],
            ));
        }
        for i in 1..=opts.central {
            let name = format!("lab-central-{i:02}");
            let sim = if i == 1 && opts.central_msp_tenants > 0 {
                central::CentralSim::new_msp(&opts, opts.central_msp_tenants)
            } else if i == 1 {
                central::CentralSim::new(&name, &opts)
            } else {
                central::CentralSim::new_other(&name, &opts, i)
            };
            sims.push((
                name.clone(),
                Sim::Central(sim),
                vec!["lab".into(), "central".into(), "wireless".into()],
            ));
        }
        let mut devices = Vec::with_capacity(sims.len());
        let mut tasks = Vec::with_capacity(sims.len());
        for (name, sim, tags) in sims {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let faults = faults::Faults::default();
            let app = sim.router().layer(axum::middleware::from_fn_with_state(
                (faults.clone(), sim.clone()),
                faults::http_faults,
            ));
            // Outermost, so faulty answers are as late as good ones.
            let app = if opts.latency.is_zero() {
                app
            } else {
                app.layer(axum::middleware::from_fn_with_state(
                    opts.latency,
                    delay_answer,
                ))
            };
            let acceptors = tls::Acceptors {
                good: pki.acceptor.clone(),
                wrong_ca: pki.wrong_ca_acceptor.clone(),
            };
            tasks.push(tokio::spawn(tls::serve_with_faults(
                listener,
                acceptors,
                app,
                faults.clone(),
            )));
            devices.push(LabDevice {
                name,
                addr,
                sim,
                tags,
                faults,
            });
        }
        Ok(Lab {
            pki,
            devices,
            tasks,
            central_signin_in_config: opts.central_signin_in_config,
        })
    }

    /// Make EOS switch `name` report software `version` from now on (`show version` and
    /// its polls); false when the lab has no such switch.
    pub fn set_eos_version(&self, name: &str, version: &str) -> bool {
        match self.devices.iter().find(|d| d.name == name).map(|d| &d.sim) {
            Some(Sim::Eos(s)) => {
                s.set_version(version);
                true
            }
            _ => false,
        }
    }

    /// Sessions open across the whole lab.
    pub fn open_sessions(&self) -> usize {
        self.devices.iter().map(|d| d.sim.open_sessions()).sum()
    }

    /// Sessions open at each simulated device (for messages that name the culprit).
    pub fn open_sessions_by_device(&self) -> Vec<(String, usize)> {
        self.devices
            .iter()
            .map(|d| (d.name.clone(), d.sim.open_sessions()))
            .collect()
    }

    /// The simulator named `name`.
    pub fn device(&self, name: &str) -> Option<&LabDevice> {
        self.devices.iter().find(|d| d.name == name)
    }

    /// Make device `name` misbehave (`Some`) or behave again (`None`); false if there is
    /// no such device.
    pub fn set_fault(&self, name: &str, fault: Option<faults::Fault>) -> bool {
        match self.device(name) {
            Some(d) => {
                d.faults.set(fault);
                true
            }
            None => false,
        }
    }

    /// Every device behaves again.
    pub fn clear_faults(&self) {
        for d in &self.devices {
            d.faults.set(None);
        }
    }

    /// Apply a `--faults` plan. Fixed faults are set now (unknown device names are an
    /// error); `cycle` rotates every fault across `devices` (all when empty) until the
    /// returned task is aborted.
    pub fn apply_faults(
        &self,
        plan: &faults::FaultPlan,
        only: &[String],
    ) -> Result<Option<JoinHandle<()>>, String> {
        match plan {
            faults::FaultPlan::Fixed(list) => {
                for (name, f) in list {
                    if !self.set_fault(name, Some(*f)) {
                        let names: Vec<&str> =
                            self.devices.iter().map(|d| d.name.as_str()).collect();
                        return Err(format!(
                            "--faults: no lab device is called '{name}'; the lab has {}",
                            names.join(", ")
                        ));
                    }
                }
                Ok(None)
            }
            faults::FaultPlan::Cycle(period) => {
                let targets: Vec<(String, faults::Faults)> = self
                    .devices
                    .iter()
                    .filter(|d| only.is_empty() || only.contains(&d.name))
                    .map(|d| (d.sim.kind().to_string(), d.faults.clone()))
                    .collect();
                let period = *period;
                Ok(Some(tokio::spawn(async move {
                    let mut step = 0usize;
                    loop {
                        for (i, (kind, f)) in targets.iter().enumerate() {
                            f.set(faults::cycle_fault(kind, i, step));
                        }
                        tokio::time::sleep(period).await;
                        step += 1;
                    }
                })))
            }
        }
    }

    /// The first simulator of `kind`.
    pub fn first(&self, kind: &str) -> Option<&LabDevice> {
        self.devices.iter().find(|d| d.sim.kind() == kind)
    }

    /// A config that points at every simulator; `ca_path` is where the CA PEM is (or will
    /// be) written.
    pub fn config_toml(&self, ca_path: &Path) -> String {
        let ca = toml_str(&ca_path.display().to_string());
        let mut out = String::from(
            "# Written by `netdash lab`: it points at the simulated devices on 127.0.0.1.\n\
             # The passwords and tokens below are the lab's own, not real credentials.\n\n\
             [settings]\npoll_interval_secs = 10\nread_only = false\ntheme = \"default\"\n",
        );
        for d in &self.devices {
            let tags: Vec<String> = d.tags.iter().map(|t| toml_str(t)).collect();
            match &d.sim {
                Sim::Central(c) => {
                    let _ = write!(
                        out,
                        "\n[[central]]\nname = {}\nbase_url = {}\nclient_id = {}\nclient_secret = {}\ncustomer_id = {}\naccess_token = {}\nrefresh_token = {}\nca_cert = {ca}\ntags = [{}]\n",
                        toml_str(&d.name),
                        toml_str(&format!("https://{}", d.addr)),
                        toml_str(&c.client_id),
                        toml_str(&c.client_secret),
                        toml_str(&c.customer_id),
                        toml_str(&c.seed_access_token),
                        toml_str(&c.seed_refresh_token),
                        tags.join(", ")
                    );
                    // The account's own limit, so netdash's limiter keeps to it.
                    let _ = writeln!(out, "calls_per_second = {}", c.per_second());
                    if self.central_signin_in_config {
                        let _ = write!(
                            out,
                            "username = {}\npassword = {}\n",
                            toml_str(central::CENTRAL_USER),
                            toml_str(&password("central"))
                        );
                        if !c.tenants().is_empty() {
                            out.push_str("msp = true\n");
                        }
                    }
                }
                sim => {
                    let kind = sim.kind();
                    let _ = write!(
                        out,
                        "\n[[devices]]\nname = {}\nkind = \"{kind}\"\nhost = \"{}\"\nusername = \"{USERNAME}\"\npassword = {}\nca_cert = {ca}\ntags = [{}]\n",
                        toml_str(&d.name),
                        d.addr,
                        toml_str(&password(kind)),
                        tags.join(", ")
                    );
                }
            }
        }
        out
    }

    /// Write `config.toml` content to `path` and the CA to `ca.pem` beside it.
    pub fn write_config(&self, path: &Path) -> std::io::Result<()> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let dir = dir.canonicalize()?;
        let ca_path = dir.join("ca.pem");
        std::fs::write(&ca_path, &self.pki.ca_pem)?;
        crate::fsutil::write_private(path, self.config_toml(&ca_path).as_bytes())
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
