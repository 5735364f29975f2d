//! The engine: one async task that owns every device and Central session, runs what the
//! UI (or `netdash run`, or `netdash watch`) asks, polls in the background, and streams
//! typed events back. The only place that does network I/O for the product.
//!
//! Shape: a coordinator task reads [`EngineRequest`]s; each device has an actor
//! ([`device::DeviceActor`]) that owns its one session; each Central account has a small
//! worker pool behind one rate limiter ([`central`]). Every session is also in a registry
//! so shutdown can log all of them out concurrently, within a bounded time, whatever state
//! their actors are in.

pub mod ap_database;
pub mod backoff;
pub mod central;
pub mod device;
pub mod guard;
pub mod messages;
pub mod poll;
pub mod reload;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

pub use messages::{EngineRequest, Event, RunId, SessionState};

use crate::command::Command;
use crate::config::{Config, PasswordCmd};
use crate::drivers::{Context, Session, VendorError};
use crate::kind::TargetKind;
use crate::target;
use device::{ActorOptions, DeviceActor, Job};
use messages::Outcome;

/// How the engine behaves.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Background polling every interval; None for `netdash run`.
    pub poll_interval: Option<Duration>,
    /// Targets one fan-out runs at once.
    pub concurrency: usize,
    /// Refuse mutating commands before anything is sent.
    pub read_only: bool,
    /// Only these targets get sessions (`netdash run`); None: every configured target.
    pub only: Option<Vec<String>>,
    /// Longest time shutdown waits for logouts.
    pub shutdown_grace: Duration,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Central console workers (requests in flight at once per account).
    pub central_workers: usize,
    /// Find MSP entries' tenants in the background and add them as accounts (the dashboard
    /// and `watch`; `run` finds them before it selects targets).
    pub discover_tenants: bool,
    /// Each device logs out as soon as its command is answered (`netdash run`).
    pub logout_after_run: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            poll_interval: Some(Duration::from_secs(30)),
            concurrency: 64,
            read_only: false,
            only: None,
            shutdown_grace: Duration::from_secs(3),
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(300),
            central_workers: 4,
            discover_tenants: true,
            logout_after_run: false,
        }
    }
}

impl EngineOptions {
    /// A polling engine (the dashboard, `watch`) as `[settings]` asks; read-only when the
    /// command line or the settings say so.
    pub fn polling(settings: &crate::config::Settings, read_only: bool) -> Self {
        EngineOptions {
            poll_interval: Some(Duration::from_secs(settings.poll_interval_secs.max(1))),
            concurrency: settings.concurrency,
            read_only: read_only || settings.read_only,
            ..EngineOptions::default()
        }
    }
}

/// The UI's end of the engine.
pub struct EngineHandle {
    pub commands: mpsc::UnboundedSender<EngineRequest>,
    pub events: mpsc::Receiver<Event>,
    pub task: JoinHandle<()>,
    /// Set once every session has been logged out (the panic hook waits for it).
    pub finished: guard::Finished,
}

impl EngineHandle {
    /// The next event, for a front end that runs until it is told to stop: when `stop`
    /// fires (Ctrl-C, SIGTERM, SIGHUP) the engine is asked once to shut down, and events
    /// keep coming until it has logged out. `None` once the engine is gone.
    pub async fn next_until_stopped(
        &mut self,
        stop: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
        stopping: &mut bool,
    ) -> Option<Event> {
        loop {
            tokio::select! {
                ev = self.events.recv() => return ev,
                () = stop.as_mut(), if !*stopping => {
                    *stopping = true;
                    let _ = self.commands.send(EngineRequest::Shutdown);
                }
            }
        }
    }
}

/// Where a target's work goes.
#[derive(Clone)]
enum Mailbox {
    Device(mpsc::Sender<Job>),
    Central(mpsc::Sender<central::CentralJob>),
}

/// Start the engine on the current tokio runtime.
pub fn start(config: Arc<Config>, mut ctx: Context, opts: EngineOptions) -> EngineHandle {
    // Central sign-ins ask for read-scoped tokens in read-only mode.
    ctx.read_only = opts.read_only;
    let (ctx_tx, cmd_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::channel(4096);
    let finished = guard::Finished::default();
    let task = tokio::spawn(coordinator(
        config,
        ctx,
        opts,
        cmd_rx,
        ev_tx,
        finished.clone(),
    ));
    EngineHandle {
        commands: ctx_tx,
        events: ev_rx,
        task,
        finished,
    }
}

struct Registry {
    /// (target name, session) for every session the engine holds, including those of
    /// devices `:reload` removed until their actors have logged them out.
    sessions: Vec<(String, Arc<Mutex<Session>>)>,
    mailboxes: HashMap<String, Mailbox>,
    actors: Vec<JoinHandle<()>>,
}

/// A device's config with its `password_cmd` already run (the password filled in), or why
/// it could not be.
type Resolved = HashMap<String, Result<crate::config::DeviceConfig, VendorError>>;
/// The same for Central accounts that sign in with a `password_cmd`.
type ResolvedCentral = HashMap<String, Result<crate::config::CentralConfig, VendorError>>;

/// Run the `password_cmd` of every device and Central account this engine will use, all
/// at once.
async fn resolve_password_cmds(
    config: &Config,
    opts: &EngineOptions,
) -> (Resolved, ResolvedCentral) {
    let timeout = Duration::from_secs(config.settings.password_cmd_timeout_secs.max(1));
    let wanted = |name: &str| {
        opts.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|n| n == name))
    };
    let devices = run_password_cmds(config.devices().filter(|d| wanted(&d.name)), timeout);
    let centrals = run_password_cmds(config.centrals().filter(|c| wanted_by(opts, c)), timeout);
    futures::future::join(devices, centrals).await
}

/// Each target's `password_cmd` run, its answer filled in as the password, or why not.
/// Each distinct command runs once: an inventory's `password_cmd` is every one of its
/// hosts', and a thousand `pass` processes (and prompts) at once would be a storm.
async fn run_password_cmds<'a, C: PasswordCmd + 'a>(
    targets: impl Iterator<Item = &'a C>,
    timeout: Duration,
) -> HashMap<String, Result<C, VendorError>> {
    use secrecy::ExposeSecret;
    let mut by_cmd: HashMap<String, Vec<&C>> = HashMap::new();
    for t in targets {
        if let Some(cmd) = t.password_source().cmd() {
            by_cmd.entry(cmd.to_string()).or_default().push(t);
        }
    }
    let jobs = by_cmd.into_iter().map(|(cmd, users)| async move {
        let answer = crate::password_cmd::run(&cmd, timeout).await;
        users
            .into_iter()
            .map(|t| {
                let r = match &answer {
                    Ok(p) => Ok(t.with_password(p.expose_secret().to_string())),
                    Err(e) => Err(VendorError::Config(format!(
                        "{}: {e}",
                        t.password_source().owner()
                    ))),
                };
                (t.target_name().to_string(), r)
            })
            .collect::<Vec<_>>()
    });
    futures::future::join_all(jobs)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// True if this engine serves Central account `c` (an MSP entry also when only its
/// tenants were asked for).
fn wanted_by(opts: &EngineOptions, c: &crate::config::CentralConfig) -> bool {
    opts.only.as_ref().is_none_or(|o| {
        o.iter().any(|n| {
            n == &c.name
                || (c.msp
                    && n.strip_prefix(c.name.as_str())
                        .is_some_and(|t| t.starts_with('/')))
        })
    })
}

fn spawn_actors(
    config: &Config,
    ctx: &Context,
    opts: &EngineOptions,
    events: &mpsc::Sender<Event>,
    mut resolved: Resolved,
    resolved_central: &ResolvedCentral,
) -> Registry {
    let mut reg = Registry {
        sessions: Vec::new(),
        mailboxes: HashMap::new(),
        actors: Vec::new(),
    };
    let only: Option<std::collections::HashSet<&str>> = opts
        .only
        .as_ref()
        .map(|o| o.iter().map(String::as_str).collect());
    let wanted = |name: &str| only.as_ref().is_none_or(|o| o.contains(name));
    let fleet = config.devices().filter(|d| wanted(&d.name)).count();
    let actor_opts = actor_options(opts, fleet);
    for d in config.devices().filter(|d| wanted(&d.name)) {
        let resolved = resolved.remove(&d.name);
        spawn_device(&mut reg, d, resolved, ctx, &actor_opts, events);
    }
    for c in config.centrals().filter(|c| wanted(&c.name)) {
        match resolved_central.get(&c.name) {
            Some(Ok(with_password)) => add_central(&mut reg, with_password, ctx, opts, events),
            Some(Err(e)) => {
                let (tx, rx) = mpsc::channel(1024);
                reg.actors
                    .push(tokio::spawn(central::broken(rx, e.clone())));
                reg.mailboxes.insert(c.name.clone(), Mailbox::Central(tx));
            }
            None => add_central(&mut reg, c, ctx, opts, events),
        }
    }
    reg
}

/// How device actors behave; `fleet` devices are polled (their first polls are spread).
fn actor_options(opts: &EngineOptions, fleet: usize) -> ActorOptions {
    ActorOptions {
        poll_interval: opts.poll_interval,
        backoff_base: opts.backoff_base,
        backoff_cap: opts.backoff_cap,
        renew_margin: Duration::from_secs(60),
        fleet,
        logout_after_run: opts.logout_after_run,
    }
}

/// A device's actor and mailbox; `resolved` is its config with the `password_cmd` already
/// run, if it has one.
fn spawn_device(
    reg: &mut Registry,
    d: &crate::config::DeviceConfig,
    resolved: Option<Result<crate::config::DeviceConfig, VendorError>>,
    ctx: &Context,
    actor_opts: &ActorOptions,
    events: &mpsc::Sender<Event>,
) {
    let (tx, rx) = mpsc::channel(256);
    let made = match resolved {
        Some(Ok(with_password)) => Session::for_device(&with_password, ctx),
        Some(Err(e)) => Err(e),
        None => Session::for_device(d, ctx),
    };
    match made {
        Ok(s) => {
            let s = Arc::new(Mutex::new(s));
            reg.sessions.push((d.name.clone(), s.clone()));
            let actor = DeviceActor::new(
                d.name.clone(),
                d.kind.into(),
                s,
                events.clone(),
                rx,
                actor_opts.clone(),
            );
            reg.actors.push(tokio::spawn(actor.run()));
        }
        // A device whose config cannot make a session (missing password env var,
        // unreadable CA) answers every job with that error.
        Err(e) => reg.actors.push(tokio::spawn(broken_device(rx, e))),
    }
    reg.mailboxes.insert(d.name.clone(), Mailbox::Device(tx));
}

fn add_central(
    reg: &mut Registry,
    c: &crate::config::CentralConfig,
    ctx: &Context,
    opts: &EngineOptions,
    events: &mpsc::Sender<Event>,
) {
    let (tx, rx) = mpsc::channel(1024);
    let (sessions, handles) = central::spawn(c, ctx, opts, events.clone(), rx);
    reg.sessions
        .extend(sessions.into_iter().map(|s| (c.name.clone(), s)));
    reg.actors.extend(handles);
    reg.mailboxes.insert(c.name.clone(), Mailbox::Central(tx));
}

/// Find an MSP entry's tenants, retrying while the gateway cannot be reached (a refused
/// password or a config error is final: retrying would only lock the user out).
async fn discover(
    msp: crate::config::CentralConfig,
    ctx: Context,
    found: mpsc::Sender<(String, Vec<crate::config::CentralConfig>)>,
    events: mpsc::Sender<Event>,
) {
    let mut wait = Duration::from_secs(30);
    loop {
        match crate::drivers::msp::tenant_accounts(&msp, &ctx).await {
            Ok(t) => {
                let _ = found.send((msp.name.clone(), t)).await;
                return;
            }
            Err(e) => {
                let final_ = matches!(
                    e,
                    VendorError::Auth(_) | VendorError::Config(_) | VendorError::TokenStore(_)
                );
                let message = if final_ {
                    format!("cannot set up the tenants: {e}")
                } else {
                    format!(
                        "cannot set up the tenants yet ({e}); retrying in {} s",
                        wait.as_secs()
                    )
                };
                let _ = events
                    .send(Event::Alarm {
                        target: msp.name.clone(),
                        what: "tenants",
                        message,
                        raised: true,
                    })
                    .await;
                if final_ {
                    return;
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(600));
            }
        }
    }
}

async fn broken_device(mut rx: mpsc::Receiver<Job>, e: VendorError) {
    while let Some(job) = rx.recv().await {
        if let Job::Run { reply, .. } = job {
            let _ = reply.send(Err(e.clone()));
        }
    }
}

async fn coordinator(
    config: Arc<Config>,
    ctx: Context,
    mut opts: EngineOptions,
    mut commands: mpsc::UnboundedReceiver<EngineRequest>,
    events: mpsc::Sender<Event>,
    finished: guard::Finished,
) {
    // password_cmds run first, concurrently, each within its timeout. Commands that arrive
    // meanwhile wait their turn, except Shutdown: it stops them (their processes are
    // killed), so Ctrl-C ends `run` even while a `pass` prompt is unanswered.
    let mut early = std::collections::VecDeque::new();
    let waiting: Vec<&str> = config
        .devices()
        .filter(|d| d.password_cmd.is_some())
        .filter(|d| opts.only.as_ref().is_none_or(|o| o.contains(&d.name)))
        .map(|d| d.name.as_str())
        .chain(
            config
                .centrals()
                .filter(|c| c.password_cmd.is_some() && wanted_by(&opts, c))
                .map(|c| c.name.as_str()),
        )
        .collect();
    if !waiting.is_empty() {
        // The dashboard's status bar says why no device connects yet.
        let _ = events
            .send(Event::Log {
                message: format!(
                    "running password_cmd for {} (at most {} s)",
                    waiting.join(", "),
                    config.settings.password_cmd_timeout_secs
                ),
            })
            .await;
    }
    let secrets = {
        let resolving = resolve_password_cmds(&config, &opts);
        tokio::pin!(resolving);
        loop {
            tokio::select! {
                r = &mut resolving => break Some(r),
                c = commands.recv() => match c {
                    Some(EngineRequest::Shutdown) | None => break None,
                    Some(c) => early.push_back(c),
                },
            }
        }
    };
    let Some((secrets, central_secrets)) = secrets else {
        finished.set();
        let _ = events.try_send(Event::ShutdownComplete {
            logged_out: 0,
            failed: Vec::new(),
        });
        return;
    };
    let mut reg = spawn_actors(&config, &ctx, &opts, &events, secrets, &central_secrets);
    let mut config = config;
    let (found_tx, mut found_rx) = mpsc::channel(16);
    if opts.discover_tenants {
        for c in config.centrals().filter(|c| c.msp && wanted_by(&opts, c)) {
            let c = match central_secrets.get(&c.name) {
                Some(Ok(resolved)) => resolved.clone(),
                Some(Err(_)) => continue,
                None => c.clone(),
            };
            reg.actors.push(tokio::spawn(discover(
                c,
                ctx.clone(),
                found_tx.clone(),
                events.clone(),
            )));
        }
    }
    drop(found_tx);
    // `:reload`: a new config whose new devices' password_cmds are running; one at a time.
    let (reload_tx, mut reload_rx) = mpsc::channel::<(Arc<Config>, Resolved, Vec<String>)>(1);
    let mut reloading = false;
    let mut runs: Vec<JoinHandle<()>> = Vec::new();
    loop {
        let cmd = if let Some(c) = early.pop_front() {
            c
        } else {
            tokio::select! {
                c = commands.recv() => match c {
                    Some(c) => c,
                    None => break,
                },
                Some((msp, tenants)) = found_rx.recv() => {
                    config = Arc::new(add_tenants(&config, &tenants));
                    for t in &tenants {
                        add_central(&mut reg, t, &ctx, &opts, &events);
                    }
                    let _ = events
                        .send(Event::Alarm {
                            target: msp.clone(),
                            what: "tenants",
                            message: format!("{} tenants added", tenants.len()),
                            raised: false,
                        })
                        .await;
                    let _ = events
                        .send(Event::AccountsAdded {
                            parent: msp,
                            accounts: tenants.iter().map(messages::TargetInfo::of_account).collect(),
                        })
                        .await;
                    continue;
                }
                Some((new, secrets, notes)) = reload_rx.recv() => {
                    reloading = false;
                    let new = Arc::unwrap_or_clone(new);
                    let (new, event, mut summary) =
                        reload::apply(&mut reg, &config, new, secrets, &ctx, &opts, &events);
                    for n in notes {
                        summary.push_str("; ");
                        summary.push_str(&n);
                    }
                    config = Arc::new(new);
                    let _ = events.send(event).await;
                    let _ = events.send(Event::Log { message: summary }).await;
                    continue;
                }
            }
        };
        runs.retain(|r| !r.is_finished());
        match cmd {
            EngineRequest::Run {
                id,
                targets,
                line,
                interactive,
            } => match plan(&config, &targets, &line) {
                Ok((parsed, names, skipped)) => {
                    let _ = events
                        .send(Event::RunStarted {
                            id,
                            line: line.clone(),
                            total: names.len(),
                            skipped,
                        })
                        .await;
                    runs.push(tokio::spawn(fan_out(
                        id,
                        parsed,
                        names,
                        reg.mailboxes.clone(),
                        opts.concurrency,
                        opts.read_only,
                        interactive,
                        events.clone(),
                    )));
                }
                Err(error) => {
                    let _ = events.send(Event::RunRejected { id, error }).await;
                }
            },
            EngineRequest::RefreshNow { target } => {
                for (name, mb) in &reg.mailboxes {
                    if target.as_ref().is_none_or(|t| t == name) {
                        match mb {
                            Mailbox::Device(tx) => {
                                let _ = tx.try_send(Job::Poll);
                            }
                            Mailbox::Central(tx) => {
                                let _ = tx.try_send(central::CentralJob::Poll);
                            }
                        }
                    }
                }
            }
            EngineRequest::Reconnect { target } => {
                send_control(&reg, &target, Job::Reconnect, &events).await;
            }
            EngineRequest::Close { target } => {
                send_control(&reg, &target, Job::Close, &events).await;
            }
            EngineRequest::SetReadOnly(on) => {
                opts.read_only = on;
                let _ = events
                    .send(Event::Log {
                        message: format!("read-only mode {}", if on { "on" } else { "off" }),
                    })
                    .await;
            }
            EngineRequest::Reload { config: new, notes } => {
                if reloading {
                    let _ = events
                        .send(Event::Log {
                            message: "a reload is already running; try again when it is done"
                                .into(),
                        })
                        .await;
                    continue;
                }
                reloading = true;
                let (tx, timeout) = (
                    reload_tx.clone(),
                    Duration::from_secs(new.settings.password_cmd_timeout_secs.max(1)),
                );
                let wanted: Vec<crate::config::DeviceConfig> =
                    reload::needing_passwords(&reload::diff(&config, &new))
                        .cloned()
                        .collect();
                // The password_cmds run beside the coordinator: a `pass` prompt must not
                // hold up the console, polling or shutdown.
                runs.push(tokio::spawn(async move {
                    let secrets = run_password_cmds(wanted.iter(), timeout).await;
                    let _ = tx.send((new, secrets, notes)).await;
                }));
            }
            EngineRequest::Shutdown => break,
        }
    }
    // Shutdown: stop starting work, then close every session concurrently, bounded in
    // time. Actors are not aborted first: cancelling one mid-login would drop a session the
    // device already opened. Closing waits for the request in flight (the session lock),
    // logs out, and refuses any later login, so an actor cannot open a new one.
    for r in &runs {
        r.abort();
    }
    let (logged_out, failed) = logout_all(&reg.sessions, opts.shutdown_grace, &reg.actors).await;
    tracing::info!(logged_out, failed = failed.len(), "engine shut down");
    finished.set();
    // try_send: nobody may be draining events any more (a panicking UI).
    let _ = events.try_send(Event::ShutdownComplete { logged_out, failed });
}

/// `config` with `tenants` added (a tenant already there is replaced).
fn add_tenants(config: &Config, tenants: &[crate::config::CentralConfig]) -> Config {
    let mut c = config.clone();
    c.tenants
        .retain(|t| !tenants.iter().any(|n| n.name == t.name));
    c.tenants.extend(tenants.iter().cloned());
    c
}

async fn send_control(reg: &Registry, target: &str, job: Job, events: &mpsc::Sender<Event>) {
    match reg.mailboxes.get(target) {
        // try_send: a device whose mailbox is full must not stall the coordinator (and
        // with it, shutdown).
        Some(Mailbox::Device(tx)) => {
            if tx.try_send(job).is_err() {
                let _ = events
                    .send(Event::Log {
                        message: format!("{target} is busy; try again in a moment"),
                    })
                    .await;
            }
        }
        Some(Mailbox::Central(_)) => {
            let _ = events
                .send(Event::Log {
                    message: format!("{target}: Central uses bearer tokens; nothing to reconnect"),
                })
                .await;
        }
        None => {
            let _ = events
                .send(Event::Log {
                    message: format!("unknown target {target:?}"),
                })
                .await;
        }
    }
}

/// Close every session concurrently within `grace`. First each session's request in
/// flight may finish (its actor holds the lock); what is still busy after two thirds of the
/// grace has its actor aborted (`actors`, all of them) and is closed in what is left, so a
/// slow request cannot keep a device session open past shutdown.
pub async fn logout_all(
    sessions: &[(String, Arc<Mutex<Session>>)],
    grace: Duration,
    actors: &[JoinHandle<()>],
) -> (usize, Vec<(String, String)>) {
    let start = Instant::now();
    let deadline = start + grace;
    let close = |until: Instant| {
        move |(name, s): &(String, Arc<Mutex<Session>>)| {
            let (name, s) = (name.clone(), s.clone());
            async move {
                let left = until.saturating_duration_since(Instant::now());
                let r = tokio::time::timeout(left, async {
                    let mut s = s.lock().await;
                    // Counted only where the device holds a session (not Basic, bearer).
                    let held = messages::SessionView::from_facts(&s.facts()).held > 0;
                    s.close().await.map(|()| held)
                })
                .await;
                (name, r)
            }
        }
    };
    let mut results =
        futures::future::join_all(sessions.iter().map(close(start + grace * 2 / 3))).await;
    for a in actors {
        a.abort();
    }
    let busy: Vec<usize> = (0..results.len())
        .filter(|&i| results[i].1.is_err())
        .collect();
    if !busy.is_empty() {
        let again =
            futures::future::join_all(busy.iter().map(|&i| close(deadline)(&sessions[i]))).await;
        for (i, r) in busy.into_iter().zip(again) {
            results[i] = r;
        }
    }
    let mut ok = 0;
    let mut failed = Vec::new();
    for (name, r) in results {
        match r {
            Ok(Ok(true)) => ok += 1,
            Ok(Ok(false)) => {}
            Ok(Err(e)) => failed.push((name, messages::error_line(&e))),
            Err(_) => failed.push((name, format!("no logout within {} s", grace.as_secs()))),
        }
    }
    (ok, failed)
}

/// The parsed command, the targets with their kinds, and who was skipped and why.
type Plan = (Command, Vec<(String, TargetKind)>, Vec<(String, String)>);

fn plan(config: &Config, specs: &[String], line: &str) -> Result<Plan, String> {
    // The engine reports a rejected run as one line (`Event::RunRejected`).
    let cmd = Command::parse(line).map_err(|e| e.to_string())?;
    let sel = target::select(config, specs, &cmd).map_err(|e| e.to_string())?;
    let names = sel
        .targets
        .iter()
        .map(|t| (t.name().to_string(), t.kind()))
        .collect();
    Ok((cmd, names, sel.skipped))
}

#[expect(
    clippy::too_many_arguments,
    reason = "one fan-out task owns everything it needs; a struct would only exist to be unpacked here"
)]
async fn fan_out(
    id: RunId,
    cmd: Command,
    names: Vec<(String, TargetKind)>,
    mailboxes: HashMap<String, Mailbox>,
    concurrency: usize,
    read_only: bool,
    interactive: bool,
    events: mpsc::Sender<Event>,
) {
    let total = names.len();
    let cmd = &cmd;
    let mailboxes = &mailboxes;
    let mut stream = futures::stream::iter(names)
        .map(|(name, kind)| async move {
            let start = Instant::now();
            // Each target's own pipe filters (ASA `| grep`, EOS `| section`) are allowed.
            let dialect = crate::command::CliDialect::for_kind(kind);
            let r = if let Some(why) = read_only
                .then(|| cmd.read_only_refusal_on(dialect))
                .flatten()
            {
                Err(VendorError::ReadOnly(why))
            } else {
                dispatch(mailboxes.get(&name), cmd, interactive).await
            };
            (name, kind, start.elapsed(), r)
        })
        .buffer_unordered(concurrency.max(1));
    let (mut done, mut failed) = (0, 0);
    while let Some((name, kind, elapsed, r)) = stream.next().await {
        done += 1;
        if r.is_err() {
            failed += 1;
        }
        if let Some(request) = r.as_ref().ok().and_then(|o| o.request.clone()) {
            let _ = events
                .send(Event::RequestSent {
                    id,
                    target: name.clone(),
                    request,
                })
                .await;
        }
        let _ = events
            .send(Event::Result {
                id,
                target: name,
                kind,
                elapsed_ms: elapsed.as_millis() as u64,
                outcome: Outcome::from_result(&r),
            })
            .await;
        let _ = events
            .send(Event::Progress {
                id,
                done,
                failed,
                total,
            })
            .await;
    }
}

async fn dispatch(
    mb: Option<&Mailbox>,
    cmd: &Command,
    interactive: bool,
) -> Result<crate::drivers::CommandOutput, VendorError> {
    let gone = || VendorError::Unsupported("the engine is shutting down".into());
    match mb {
        Some(Mailbox::Device(tx)) => {
            let (reply, rx) = oneshot::channel();
            tx.send(Job::Run {
                cmd: cmd.clone(),
                reply,
            })
            .await
            .map_err(|_| gone())?;
            rx.await.map_err(|_| gone())?
        }
        Some(Mailbox::Central(tx)) => {
            let (reply, rx) = oneshot::channel();
            tx.send(central::CentralJob::Run {
                cmd: cmd.clone(),
                interactive,
                reply,
            })
            .await
            .map_err(|_| gone())?;
            rx.await.map_err(|_| gone())?
        }
        None => Err(VendorError::Unsupported(
            "this target has no session in this engine".into(),
        )),
    }
}
