//! The command line: `run`, `watch`, `exporter`, `lab`, `demo`, `explore`, `inventory`,
//! `config path`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::command::Command;
use crate::config::Config;
use crate::drivers::Context;
use crate::engine::EngineOptions;
use crate::headless::RunEnd;
use crate::inventory::Loaded;
use crate::lab::faults::FaultPlan;
use crate::lab::{Lab, LabOptions};
use crate::paths::Paths;
use std::sync::Arc;

/// `println!` that survives a closed stdout (`netdash lab | head`): the message is lost,
/// the lab keeps serving.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

#[derive(Parser, Debug)]
#[command(
    name = "netdash",
    version,
    about = "One terminal for Arista EOS, Cisco ASA, AOS-CX, ArubaOS 8 and Aruba Central APIs"
)]
pub struct Cli {
    /// Config file (default: ~/.config/netdash/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Refuse every mutating request before it is sent (dashboard, run and watch; the NOC
    /// wall-screen mode). Accepted before or after the subcommand.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Hide IP and MAC addresses, serial numbers and `[mask] patterns` on screen (the
    /// dashboard, `demo` and `explore`), to share it; `:mask` toggles. Output is not masked.
    #[arg(long, global = true)]
    pub mask: bool,
    /// Run the dashboard as a locked NOC wall screen (implies --read-only): keys are
    /// ignored except the unlock chord and q, each behind a y/n question.
    #[arg(long, global = true)]
    pub kiosk: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run one command on targets: `netdash run @all -- show version`.
    Run(RunArgs),
    /// Print engine events (sessions, polls, budgets) as lines until Ctrl-C.
    Watch {
        /// One JSON object per event per line.
        #[arg(long)]
        json: bool,
    },
    /// Serve metrics to Prometheus (`/metrics`, `/sd`) while polling, until Ctrl-C.
    Exporter(ExporterArgs),
    /// Start the simulated lab on 127.0.0.1 and serve until Ctrl-C.
    Lab(LabArgs),
    /// Start the lab in-process and open the dashboard on it.
    Demo,
    /// Explore a JSON file (or `-` for stdin) like jless: `netdash run --json ... | netdash explore -`.
    Explore {
        /// The file; `-` or nothing reads stdin.
        file: Option<PathBuf>,
    },
    /// Import the config's Ansible inventories and print the resolved devices and the
    /// skipped hosts with the reason.
    Inventory {
        /// One JSON document: {"devices": [...], "skipped": [...]}.
        #[arg(long)]
        json: bool,
    },
    /// Show where netdash keeps its files.
    Config {
        #[command(subcommand)]
        what: ConfigCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCmd {
    /// Print the paths of the config, logs, history and token store.
    Path,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// One JSON object per target per line, in the order they finish.
    #[arg(long)]
    pub json: bool,
    /// Group the answers by equality (volatile fields ignored) and print each group's diff
    /// against the largest: exit 0 when all are equal, 1 when they differ or a target failed.
    #[arg(long)]
    pub compare: bool,
    /// A CSV table (RFC 4180) on stdout: one row per answering target, `target` first;
    /// failures go to stderr.
    #[arg(long, conflicts_with_all = ["json", "every", "compare"])]
    pub csv: bool,
    /// With --csv: the columns, as dotted paths into each answer (`.hostname,.a.0.b`).
    #[arg(long, requires = "csv", value_name = "PATHS")]
    pub select: Option<String>,
    /// Targets run at once (default: settings.concurrency, 64).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Run again every INTERVAL (5s, 2m) on the same sessions, marking what changed
    /// since the previous run; Ctrl-C stops. Central targets may stretch it.
    // A String parsed by the command: a bad value is one line, like every other error.
    #[arg(long, value_name = "INTERVAL", conflicts_with = "compare")]
    pub every: Option<String>,
    /// With --every: stop after N runs.
    #[arg(long, value_name = "N", requires = "every")]
    pub count: Option<u64>,
    /// Device or Central names, @tag:NAME, or @all.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
    /// The command, after `--`: a CLI line or `GET /path`, `POST /path {json}`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ExporterArgs {
    /// Address to serve /metrics and /sd on (port 0 picks a free one and prints it).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9184")]
    pub listen: std::net::SocketAddr,
    /// Serve only the devices whose name hashes to K of N (FNV-1a 64 of the name, mod N).
    // A String parsed by the command, not clap: a bad value is then one line, like every
    // other error.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Device or Central names, @tag:NAME, or @all (default: every configured target).
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
}

#[derive(Args, Debug)]
pub struct LabArgs {
    /// Write a ready config (and ca.pem beside it) to PATH.
    #[arg(long, value_name = "PATH")]
    pub write_config: Option<PathBuf>,
    #[arg(long, default_value_t = 2)]
    pub eos: usize,
    #[arg(long, default_value_t = 1)]
    pub asa: usize,
    #[arg(long, default_value_t = 1)]
    pub aoscx: usize,
    #[arg(long, default_value_t = 1)]
    pub arubaos: usize,
    /// Central accounts: lab-central-01, then smaller ones (5 calls/s, 2,000 a day).
    #[arg(long, default_value_t = 2)]
    pub central: usize,
    /// Central access-token lifetime, seconds (real: 7200).
    #[arg(long)]
    pub token_ttl: Option<u64>,
    /// Idle timeout for AOS-CX, ArubaOS and ASA sessions, seconds (real: 1200/900/1200).
    #[arg(long)]
    pub session_idle: Option<u64>,
    /// Central calls per second before 429 (real: 7).
    #[arg(long)]
    pub central_per_second: Option<usize>,
    /// Central daily quota (real: 5000 and up).
    #[arg(long)]
    pub central_daily: Option<u64>,
    /// Make lab-central-01 an MSP with N tenants, served on its port.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub msp_tenants: usize,
    /// Answer every request N milliseconds late, like a device across a WAN (real: 10-300).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,
    /// Make devices misbehave: DEVICE=FAULT[,DEVICE=FAULT...], or cycle[:SECS].
    #[arg(
        long,
        value_name = "SPEC",
        value_parser = parse_faults,
        long_help = "Make devices misbehave.\n\
          DEVICE=FAULT[,DEVICE=FAULT...] sets fixed faults, e.g. lab-eos-01=html200,lab-asa-01=reset.\n\
          cycle[:SECS] rotates every fault across every device, a healthy period between two \
          faults, one step every SECS seconds (default 10).\n\
          FAULT is one of:\n  \
          refused          nothing listens on the port\n  \
          silent           accepts the connection, never answers\n  \
          trickle          answers one byte at a time\n  \
          reset            cuts the connection mid-body\n  \
          truncated        a complete response with half a JSON body\n  \
          html200          an HTML error page with status 200\n  \
          500, 503         that HTTP status\n  \
          429, 429-bare    a 429 storm with / without Retry-After\n  \
          revoked          every session is revoked on the device before each request\n  \
          csrf             the CSRF token is rejected (AOS-CX)\n  \
          refresh-revoked  Central refuses the refresh token\n  \
          wrong-ca         a certificate from a CA the client does not trust\n  \
          endless          a JSON body that never ends\n  \
          wrong-id         an eAPI reply with another request's JSON-RPC id (EOS)"
    )]
    pub faults: Option<FaultPlan>,
    /// Make an EOS switch report another software version: DEVICE=VERSION, e.g.
    /// lab-eos-02=4.31.1F (repeatable), so `run --compare` has a difference to find.
    #[arg(long, value_name = "DEVICE=VERSION", value_parser = parse_eos_version)]
    pub eos_version: Vec<(String, String)>,
}

fn parse_eos_version(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((d, v)) if !d.trim().is_empty() && !v.trim().is_empty() => {
            Ok((d.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(format!(
            "{s:?}: write DEVICE=VERSION, e.g. lab-eos-02=4.31.1F"
        )),
    }
}

fn parse_faults(s: &str) -> Result<FaultPlan, String> {
    FaultPlan::parse(s).map_err(|e| e.to_string())
}

impl LabArgs {
    pub fn options(&self) -> LabOptions {
        let mut o = LabOptions {
            eos: self.eos,
            asa: self.asa,
            aoscx: self.aoscx,
            arubaos: self.arubaos,
            central: self.central,
            central_msp_tenants: self.msp_tenants,
            latency: Duration::from_millis(self.latency_ms),
            eos_versions: self.eos_version.clone(),
            ..LabOptions::default()
        };
        if let Some(t) = self.token_ttl {
            o.lifetimes.central_access = Duration::from_secs(t);
        }
        if let Some(s) = self.session_idle {
            let d = Duration::from_secs(s);
            o.lifetimes.aoscx_idle = d;
            o.lifetimes.arubaos_idle = d;
            o.lifetimes.asa_idle = d;
        }
        if let Some(n) = self.central_per_second {
            o.limits.central_per_second = n;
        }
        if let Some(n) = self.central_daily {
            o.limits.central_daily = n;
        }
        o
    }
}

/// `eprintln!` that survives a stderr nobody reads any more (a pipe whose reader is gone, a
/// terminal that hung up): `eprintln!` panics there, and the panic report, written to the
/// same stderr, aborts the process instead of giving the intended exit status.
macro_rules! complain {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

/// An expected failure: one line on stderr and an exit status, never a backtrace.
struct Failure(u8, String);

pub fn main() -> ExitCode {
    // Readable reports for the unexpected (a panic); expected failures never get here.
    // The dashboard and the engine chain their own hooks in front of this one (restore the
    // terminal, log sessions out), so the report comes last, on a sane screen.
    let _ = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install();
    let cli = Cli::parse();
    // Only the commands that keep files need a home; `lab` and `demo` do not.
    let paths = Paths::from_env().map_err(|e| e.to_string());
    if let Ok(p) = &paths {
        crate::logging::init(p);
    }
    crate::init_crypto();
    // A fan-out to a thousand devices (or a lab of them) needs more descriptors than the
    // usual soft limit of 1024; raise it to the hard limit.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    // The long-running pollers (`watch`, `exporter`, the dashboard) run their engine on one
    // worker thread: it is enough for their many small waits and leaves the other core to
    // the machine (the dashboard at 10,000 devices: 12.0 % of a core against 12.9 % with
    // two). A current-thread runtime was cheaper still (`watch`: 7.7 % against 11.4 %) but
    // cannot log out on a panic: the panic hook waits for the engine's logouts, which need
    // a thread of their own while the main one panics. `run` and the lab use every core.
    let pollers = matches!(
        cli.command,
        None | Some(Cmd::Watch { .. } | Cmd::Exporter(_) | Cmd::Demo)
    );
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if pollers {
        builder.worker_threads(1);
    }
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            complain!("netdash: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(dispatch(cli, paths)) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(code, msg)) => {
            // Messages can quote device or user text: escaped, and kept to one line.
            complain!("netdash: {}", crate::sanitize::one_line(&msg));
            ExitCode::from(code)
        }
    }
}

/// The config with its `[[inventory]]` entries imported. Running `ansible-inventory`
/// blocks, so it runs on a blocking thread before any engine or screen starts.
async fn load_config(cli_path: Option<&PathBuf>, paths: &Paths) -> Result<Loaded, Failure> {
    let path = config_path(cli_path, paths)?;
    tokio::task::spawn_blocking(move || crate::inventory::load(&path))
        .await
        .map_err(|e| Failure(1, format!("loading the config stopped: {e}")))?
        .map_err(|e| Failure(2, e.to_string()))
}

/// `--config`, or the default path if a file is there.
fn config_path(cli_path: Option<&PathBuf>, paths: &Paths) -> Result<PathBuf, Failure> {
    let path = cli_path.cloned().unwrap_or_else(|| paths.config_file());
    if cli_path.is_none() && !path.exists() {
        return Err(Failure(
            2,
            format!(
                "no config at {}; copy config.example.toml there (or pass --config PATH), or try `netdash demo`",
                path.display()
            ),
        ));
    }
    Ok(path)
}

/// One line per inventory that skipped hosts, on stderr: they are not silently dropped.
fn say_skipped(loaded: &Loaded) {
    for line in loaded.skipped_summary() {
        complain!("netdash: {}", crate::sanitize::one_line(&line));
    }
}

async fn dispatch(cli: Cli, paths: Result<Paths, String>) -> Result<u8, Failure> {
    // A wall screen is a dashboard: with another subcommand --kiosk would do nothing.
    if cli.kiosk && !matches!(cli.command, None | Some(Cmd::Demo)) {
        return Err(Failure(
            2,
            "--kiosk runs the dashboard as a wall screen: use `netdash --kiosk` (or `netdash --kiosk demo`) without another subcommand".into(),
        ));
    }
    // `lab` and `demo` keep no files of the user's; everything else needs a home.
    let paths = match &cli.command {
        Some(Cmd::Lab(args)) => return lab_cmd(args).await,
        Some(Cmd::Demo) => return demo_cmd(cli.read_only, cli.mask, cli.kiosk).await,
        _ => paths.map_err(|e| Failure(2, e))?,
    };
    match cli.command {
        Some(Cmd::Run(args)) => {
            let loaded = load_config(cli.config.as_ref(), &paths).await?;
            say_skipped(&loaded);
            run_cmd(loaded.config, &paths, &args, cli.read_only).await
        }
        Some(Cmd::Watch { json }) => {
            let loaded = load_config(cli.config.as_ref(), &paths).await?;
            say_skipped(&loaded);
            watch_cmd(loaded.config, &paths, json, cli.read_only).await
        }
        Some(Cmd::Inventory { json }) => {
            let loaded = load_config(cli.config.as_ref(), &paths).await?;
            inventory_cmd(&loaded, json)
        }
        Some(Cmd::Exporter(args)) => {
            let loaded = load_config(cli.config.as_ref(), &paths).await?;
            say_skipped(&loaded);
            exporter_cmd(loaded.config, &paths, args, cli.read_only).await
        }
        // Handled above.
        Some(Cmd::Lab(_) | Cmd::Demo) => Ok(0),
        Some(Cmd::Config {
            what: ConfigCmd::Path,
        }) => {
            let cfg = cli.config.clone().unwrap_or_else(|| paths.config_file());
            say!("config   {}", cfg.display());
            say!("themes   {}", paths.config_dir.join("themes").display());
            say!("history  {}", paths.state_dir.join("history").display());
            say!("snapshot {}", paths.state_dir.join("snapshots").display());
            say!("log      {}", paths.log_file().display());
            say!("tokens   {}", paths.token_dir().display());
            Ok(0)
        }
        Some(Cmd::Explore { file }) => {
            use std::io::IsTerminal;
            if file.is_none() && std::io::stdin().is_terminal() {
                return Err(Failure(
                    2,
                    "nothing to explore: netdash explore FILE, or pipe JSON in (netdash run --json ... | netdash explore -)".into(),
                ));
            }
            // The config's theme and keys apply here too; a missing or broken config
            // must not stop a JSON pager.
            let cfg_path = cli.config.clone().unwrap_or_else(|| paths.config_file());
            let loaded = Config::load(&cfg_path);
            // Masked without the user's own patterns, the screen could show what they meant
            // to hide: with --mask a broken config stops explore after all.
            if cli.mask
                && cfg_path.exists()
                && let Err(e) = &loaded
            {
                return Err(Failure(
                    2,
                    format!(
                        "{e}; --mask needs the config's [mask] patterns: fix the file or pass --config with another"
                    ),
                ));
            }
            let mut cfg = loaded.ok();
            if cli.mask {
                cfg.get_or_insert_with(Config::default).mask.enabled = true;
            }
            crate::tui::launch::explore(file, paths, cfg.as_ref())
                .await
                .map_err(|e| Failure(1, e))?;
            Ok(0)
        }
        None => {
            // Skipped hosts go to the log only: the screen is the dashboard's.
            let mut cfg = load_config(cli.config.as_ref(), &paths).await?.config;
            cfg.mask.enabled |= cli.mask;
            let ro = cli.read_only || cfg.settings.read_only;
            let file = cli.config.clone().unwrap_or_else(|| paths.config_file());
            crate::tui::launch::dashboard(Arc::new(cfg), file, paths, ro, cli.kiosk)
                .await
                .map_err(|e| Failure(1, e))?;
            Ok(0)
        }
    }
}

async fn run_cmd(
    mut cfg: Config,
    paths: &Paths,
    args: &RunArgs,
    read_only: bool,
) -> Result<u8, Failure> {
    let line = args.command.join(" ");
    let cmd = Command::parse(&line).map_err(|e| Failure(2, e.to_string()))?;
    let every = args
        .every
        .as_deref()
        .map(crate::repeat::schedule::parse_interval)
        .transpose()
        .map_err(|e| Failure(2, format!("--every: {e}")))?;
    if every.is_some() && cmd.is_mutating() {
        return Err(Failure(
            2,
            format!(
                "--every repeats read commands only: '{line}' may change the device; run it once without --every"
            ),
        ));
    }
    let read_only = read_only || cfg.settings.read_only;
    let mut ctx = Context::for_settings(paths.clone(), &cfg.settings);
    ctx.read_only = read_only;
    // MSP tenants are accounts too: found (and their credentials made) before selecting.
    let mut problems = Vec::new();
    if cfg.centrals().any(|c| c.msp) {
        problems = crate::drivers::msp::expand(&mut cfg, &args.targets, &ctx).await;
    }
    // Select here too, so a bad target is a usage error (exit 2) before any session starts.
    let sel = crate::target::select(&cfg, &args.targets, &cmd);
    for p in &problems {
        // A refused password is said once, by the MSP's own result when it runs.
        let said = p.refused
            && sel
                .as_ref()
                .is_ok_and(|s| s.targets.iter().any(|t| t.name() == p.msp));
        if !said {
            complain!("{}", p.line);
        }
    }
    let sel = sel.map_err(|e| Failure(2, e.to_string()))?;
    for t in &sel.targets {
        match t {
            crate::target::Target::Device(d) => d.preflight(),
            crate::target::Target::Central(c) => c.preflight(),
        }
        .map_err(|e| Failure(2, e))?;
    }
    let only: Vec<String> = sel.targets.iter().map(|t| t.name().to_string()).collect();
    let unverified: Vec<&str> = sel
        .targets
        .iter()
        .filter(|t| match t {
            crate::target::Target::Device(d) => !d.verify_tls,
            crate::target::Target::Central(c) => !c.verify_tls,
        })
        .map(crate::target::Target::name)
        .collect();
    if let Some(line) = crate::drivers::tls::warn_unverified(&unverified) {
        complain!("{line}");
    }
    let req = crate::headless::RunRequest {
        targets: args.targets.clone(),
        line,
        read_only,
        concurrency: args.concurrency.unwrap_or(cfg.settings.concurrency),
        json: args.json || args.csv,
    };
    let select = match (args.csv, &args.select) {
        (true, Some(s)) => {
            Some(crate::csv_export::parse_select(s).map_err(|e| Failure(2, e.to_string()))?)
        }
        _ => None,
    };
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    // CSV needs every answer before its header: the JSON lines are kept, then tabled.
    let mut lines = Vec::new();
    let sink: &mut dyn std::io::Write = if args.csv { &mut lines } else { &mut stdout };
    let mut sink = WriteRef(sink);
    let end = match every {
        Some(every) => {
            let req = crate::headless::EveryRequest {
                run: req,
                every,
                count: args.count,
            };
            crate::headless::every(Arc::new(cfg), ctx, req, only, &mut sink, &mut stderr).await
        }
        None if args.compare => {
            crate::headless::run_compare(Arc::new(cfg), ctx, req, only, &mut sink, &mut stderr)
                .await
        }
        None => crate::headless::run(Arc::new(cfg), ctx, req, only, &mut sink, &mut stderr).await,
    }
    .map_err(|e| Failure(1, format!("cannot write output: {e}")))?;
    if args.csv {
        csv_out(&lines, select.as_deref(), &mut stdout, &mut stderr)?;
    }
    match end {
        RunEnd::AllOk | RunEnd::Equal => Ok(0),
        RunEnd::SomeFailed | RunEnd::Differ => Ok(1),
        RunEnd::Rejected(e) => Err(Failure(2, e)),
        RunEnd::Interrupted => Err(Failure(
            1,
            "interrupted; every session was logged out".into(),
        )),
    }
}

/// A `&mut dyn Write` as a sized writer.
struct WriteRef<'a>(&'a mut dyn std::io::Write);

impl std::io::Write for WriteRef<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.write(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `run --csv`: the `--json` lines as one table; failed targets as lines on stderr.
fn csv_out(
    lines: &[u8],
    select: Option<&[crate::csv_export::Column]>,
    out: &mut impl std::io::Write,
    err: &mut impl std::io::Write,
) -> Result<(), Failure> {
    let mut answers = Vec::new();
    for l in String::from_utf8_lossy(lines).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            continue;
        };
        let target = v["target"].as_str().unwrap_or_default().to_string();
        match v.get("output") {
            Some(o) if v["ok"] == true => answers.push((target, o.clone())),
            _ => {
                let e = v["error"].as_str().unwrap_or("failed");
                let _ = writeln!(
                    err,
                    "{}",
                    crate::sanitize::one_line(&format!("netdash: {target}: {e}"))
                );
            }
        }
    }
    // Rows in target order, whatever order they finished in.
    answers.sort_by(|a, b| a.0.cmp(&b.0));
    let (header, rows) = crate::csv_export::results_table(&answers, select);
    crate::csv_export::write(out, &header, &rows).map_err(|e| Failure(1, e.to_string()))
}

/// `netdash inventory`: the resolved devices and the skipped hosts, never a password.
fn inventory_cmd(loaded: &Loaded, json: bool) -> Result<u8, Failure> {
    use std::io::Write as _;
    let text = if json {
        crate::inventory::show::json(loaded).to_string()
    } else {
        if let Some(line) = crate::drivers::tls::warn_unverified(&loaded.config.unverified()) {
            complain!("{line}");
        }
        crate::inventory::show::table(loaded).trim_end().to_string()
    };
    writeln!(std::io::stdout().lock(), "{text}")
        .map_err(|e| Failure(1, format!("cannot write output: {e}")))?;
    Ok(0)
}

async fn watch_cmd(cfg: Config, paths: &Paths, json: bool, read_only: bool) -> Result<u8, Failure> {
    if let Some(line) = crate::drivers::tls::warn_unverified(&cfg.unverified()) {
        complain!("{line}");
    }
    let ctx = Context::for_settings(paths.clone(), &cfg.settings);
    let opts = EngineOptions::polling(&cfg.settings, read_only);
    let mut stdout = std::io::stdout().lock();
    crate::headless::watch(Arc::new(cfg), ctx, opts, json, &mut stdout)
        .await
        .map_err(|e| Failure(1, e.to_string()))?;
    Ok(0)
}

async fn exporter_cmd(
    cfg: Config,
    paths: &Paths,
    args: ExporterArgs,
    read_only: bool,
) -> Result<u8, Failure> {
    if let Some(line) = crate::drivers::tls::warn_unverified(&cfg.unverified()) {
        complain!("{line}");
    }
    let shard = match &args.shard {
        Some(s) => s
            .parse::<crate::exporter::shard::Shard>()
            .map_err(|e| Failure(2, e.to_string()))?,
        None => crate::exporter::shard::Shard::ALL,
    };
    let ctx = Context::for_settings(paths.clone(), &cfg.settings);
    let engine_opts = EngineOptions::polling(&cfg.settings, read_only);
    let opts = crate::exporter::ExporterOptions {
        listen: args.listen,
        shard,
        targets: args.targets,
    };
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    crate::exporter::run(
        Arc::new(cfg),
        ctx,
        engine_opts,
        opts,
        &mut stdout,
        &mut stderr,
    )
    .await
    .map_err(|e| {
        let code = match e {
            crate::exporter::ExporterError::Targets(_) => 2,
            crate::exporter::ExporterError::Listen { .. } => 1,
        };
        Failure(code, e.to_string())
    })?;
    Ok(0)
}

async fn lab_cmd(args: &LabArgs) -> Result<u8, Failure> {
    let lab = Lab::start(args.options()).await.map_err(|e| {
        // A flag naming a switch the lab does not have is a usage error.
        let code = if e.kind() == std::io::ErrorKind::InvalidInput {
            2
        } else {
            1
        };
        Failure(code, format!("cannot start the lab: {e}"))
    })?;
    for d in &lab.devices {
        say!("{:<16} {:<8} https://{}", d.name, d.sim.kind(), d.addr);
    }
    for (name, version) in &args.eos_version {
        say!("{name} reports EOS {version} (--eos-version)");
    }
    if args.msp_tenants > 0 && args.central > 0 {
        say!(
            "lab-central-01 is an MSP with {} tenants on its port (GET /msp_api/v1/customers)",
            args.msp_tenants
        );
    }
    if let Some(p) = &args.write_config {
        lab.write_config(p)
            .map_err(|e| Failure(1, format!("cannot write {}: {e}", p.display())))?;
        say!("config written to {} (CA beside it as ca.pem)", p.display());
        say!(
            "try: netdash --config {} run @all -- show version",
            p.display()
        );
    } else {
        say!("(pass --write-config PATH for a ready config)");
    }
    // Held until the lab stops: dropping a JoinHandle would not stop the cycle, aborting does.
    let cycle = match &args.faults {
        Some(plan) => {
            let task = lab.apply_faults(plan, &[]).map_err(|e| Failure(2, e))?;
            match plan {
                FaultPlan::Cycle(p) => say!(
                    "faults: every fault rotates across the devices, one step every {} s",
                    p.as_secs()
                ),
                FaultPlan::Fixed(list) => {
                    for (name, f) in list {
                        say!("fault: {name} = {f}");
                    }
                }
            }
            task
        }
        None => None,
    };
    say!("serving until Ctrl-C");
    crate::signals::wait_for_stop().await;
    if let Some(t) = cycle {
        t.abort();
    }
    say!(
        "lab stopped; {} sessions were still open",
        lab.open_sessions()
    );
    Ok(0)
}

async fn demo_cmd(read_only: bool, mask: bool, kiosk: bool) -> Result<u8, Failure> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        return demo_dashboard(read_only, mask, kiosk).await;
    }
    demo_tour().await
}

/// A new private directory for the demo's files: a random name, created (never an existing
/// one, never through a symlink), mode 0700, removed when dropped. A name from the pid in
/// the shared temp directory could be planted in advance by another user.
pub fn demo_dir() -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix("netdash-demo-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
}

/// The demo's lab, running in-process, with its config in a new private directory (removed
/// when the `TempDir` is dropped).
struct DemoLab {
    lab: Lab,
    tmp: tempfile::TempDir,
    cfg_path: PathBuf,
    cfg: Config,
}

async fn demo_lab() -> Result<DemoLab, Failure> {
    let lab = Lab::start(LabOptions::default())
        .await
        .map_err(|e| Failure(1, format!("cannot start the lab: {e}")))?;
    let tmp = demo_dir().map_err(|e| {
        Failure(1, format!("cannot create a private temporary directory: {e}; set TMPDIR to a directory of yours"))
    })?;
    let cfg_path = tmp.path().join("config.toml");
    lab.write_config(&cfg_path)
        .map_err(|e| Failure(1, format!("cannot write the demo config: {e}")))?;
    let cfg = Config::load(&cfg_path).map_err(|e| Failure(1, e.to_string()))?;
    Ok(DemoLab {
        lab,
        tmp,
        cfg_path,
        cfg,
    })
}

/// The lab in-process and the dashboard on it; files under a temporary directory.
async fn demo_dashboard(read_only: bool, mask: bool, kiosk: bool) -> Result<u8, Failure> {
    let DemoLab {
        lab,
        tmp,
        mut cfg,
        cfg_path,
    } = demo_lab().await?;
    cfg.mask.enabled |= mask;
    let r = crate::tui::launch::dashboard(
        Arc::new(cfg),
        cfg_path,
        Paths::under(tmp.path()),
        read_only,
        kiosk,
    )
    .await;
    let open = lab.open_sessions();
    drop(tmp);
    r.map_err(|e| Failure(1, e))?;
    say!("netdash demo ended; sessions left open at the lab: {open}");
    Ok(0)
}

/// Without a terminal (a pipe, CI): run a few commands across the lab and print them.
async fn demo_tour() -> Result<u8, Failure> {
    let DemoLab {
        lab,
        tmp,
        cfg_path,
        cfg,
    } = demo_lab().await?;
    let cfg = Arc::new(cfg);
    let paths = Paths::under(tmp.path());
    say!(
        "netdash demo: {} simulated devices on 127.0.0.1 (config: {})\n",
        lab.devices.len(),
        cfg_path.display()
    );
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let mut all_ok = true;
    for (spec, line) in [
        ("@all", "show version"),
        ("@tag:aoscx", "GET /system/vlans?depth=1"),
        ("@tag:central", "GET /central/v2/sites?offset=0&limit=100"),
    ] {
        say!("$ netdash run {spec} -- {line}");
        let cmd = Command::parse(line).map_err(|e| Failure(1, e.to_string()))?;
        let sel = crate::target::select(&cfg, &[spec.to_string()], &cmd)
            .map_err(|e| Failure(1, e.to_string()))?;
        let only = sel.targets.iter().map(|t| t.name().to_string()).collect();
        let req = crate::headless::RunRequest {
            targets: vec![spec.to_string()],
            line: line.to_string(),
            read_only: false,
            concurrency: 8,
            json: false,
        };
        let ctx = Context::new(paths.clone(), Duration::from_secs(10));
        let end = crate::headless::run(cfg.clone(), ctx, req, only, &mut stdout, &mut stderr)
            .await
            .map_err(|e| Failure(1, e.to_string()))?;
        all_ok &= end == RunEnd::AllOk;
        say!();
    }
    say!("sessions still open at the lab: {}", lab.open_sessions());
    drop(tmp);
    Ok(u8::from(!all_ok))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn demo_dir_is_new_private_and_unpredictable() {
        let a = super::demo_dir().expect("dir");
        let b = super::demo_dir().expect("dir");
        assert_ne!(a.path(), b.path());
        for d in [&a, &b] {
            let m = std::fs::symlink_metadata(d.path()).expect("meta");
            assert!(m.is_dir() && !m.is_symlink());
            assert_eq!(m.permissions().mode() & 0o777, 0o700);
            let name = d
                .path()
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            assert_ne!(name, format!("netdash-demo-{}", std::process::id()));
        }
    }
}
