//! `upline-local`: the whole product on one machine (see `make dev`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use upline_local::dynamodb_local::{DynamoDbLocal, Options};
use upline_local::{DEFAULT_TABLE, LocalCloud, LocalConfig};

const USAGE: &str = "\
upline-local — the local cloud: DynamoDB Local, the HTTP API, the stream poller, the outbox, the portal

usage: upline-local [--in-memory] [--data-dir DIR] [--port N] [--app-dir DIR] [--table NAME]

  --in-memory      keep nothing: DynamoDB Local in memory, outbox in memory, random session key
  --data-dir DIR   where data survives restarts (default .upline/): DynamoDB files, the outbox
                   journal, stream checkpoints, the session key, terms PDFs (s3/)
  --port N         HTTP port on 127.0.0.1 (default $UPLINE_PORT, else 8080; 0 = any)
  --app-dir DIR    the built portal to serve (default dist/; build it with `make app`)
  --table NAME     the DynamoDB table (default upline)

environment: UPLINE_SESSION_KEY (base64, 32+ bytes) overrides the stored session key;
UPLINE_DYNAMODB_LOCAL_DIR points at a DynamoDB Local directory; RUST_LOG sets the log filter.";

struct Args {
    in_memory: bool,
    data_dir: PathBuf,
    port: u16,
    app_dir: PathBuf,
    table: String,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        in_memory: false,
        data_dir: PathBuf::from(".upline"),
        port: match std::env::var("UPLINE_PORT") {
            Ok(port) if !port.is_empty() => port
                .parse()
                .with_context(|| format!("UPLINE_PORT={port} is no port"))?,
            _ => 8080,
        },
        app_dir: PathBuf::from("dist"),
        table: DEFAULT_TABLE.to_owned(),
    };
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> anyhow::Result<String> {
            inline
                .clone()
                .or_else(|| raw.next())
                .with_context(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match flag.as_str() {
            "--in-memory" => args.in_memory = true,
            "--data-dir" => args.data_dir = PathBuf::from(value("--data-dir")?),
            "--port" => {
                let port = value("--port")?;
                args.port = port
                    .parse()
                    .with_context(|| format!("--port {port} is no port"))?;
            }
            "--app-dir" => args.app_dir = PathBuf::from(value("--app-dir")?),
            "--table" => args.table = value("--table")?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n\n{USAGE}"),
        }
    }
    Ok(args)
}

/// A key of the local cloud: `$<env_var>` (base64), else the one stored in the data dir as
/// `file` (created on first run), else (in memory) a fresh one.
fn local_key(env_var: &str, file: &str, data_dir: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    if let Ok(encoded) = std::env::var(env_var)
        && !encoded.is_empty()
    {
        let key = BASE64
            .decode(encoded.trim())
            .with_context(|| format!("{env_var} is not base64"))?;
        if key.len() < 32 {
            bail!(
                "{env_var} must hold at least 32 bytes, it holds {}",
                key.len()
            );
        }
        return Ok(key);
    }
    let Some(dir) = data_dir else {
        return Ok(upline_local::random_key());
    };
    let path = dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(encoded) => {
            let key = BASE64.decode(encoded.trim()).with_context(|| {
                format!(
                    "{} is not base64: delete it to get a new key",
                    path.display()
                )
            })?;
            if key.len() < 32 {
                bail!(
                    "{} holds fewer than 32 bytes: delete it to get a new key",
                    path.display()
                );
            }
            Ok(key)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = upline_local::random_key();
            write_private(&path, BASE64.encode(&key).as_bytes())?;
            tracing::info!(file = %path.display(), "generated a key");
            Ok(key)
        }
        Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
    }
}

fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents)?;
    Ok(())
}

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .init();
    let args = parse_args()?;

    let data_dir = if args.in_memory {
        None
    } else {
        std::fs::create_dir_all(&args.data_dir)
            .with_context(|| format!("creating the data dir {}", args.data_dir.display()))?;
        Some(args.data_dir.canonicalize()?)
    };
    let options = match &data_dir {
        Some(dir) => Options {
            log_file: Some(dir.join("dynamodb-local.log")),
            ..Options::persistent(dir.join("dynamodb"))
        },
        None => Options::in_memory(),
    };
    match &data_dir {
        Some(dir) => tracing::info!(
            "starting DynamoDB Local (data in {})",
            dir.join("dynamodb").display()
        ),
        None => tracing::info!("starting DynamoDB Local (in memory: nothing is kept)"),
    }
    let dynamodb = DynamoDbLocal::start(options).await?;
    tracing::info!(
        "DynamoDB Local answers on {} (pid {})",
        dynamodb.endpoint(),
        dynamodb.pid()
    );

    let config = LocalConfig {
        port: args.port,
        table: args.table,
        dynamodb_endpoint: dynamodb.endpoint().to_owned(),
        session_key: local_key("UPLINE_SESSION_KEY", "session.key", data_dir.as_deref())?,
        // The local stand-in for the cloud's KMS key: it wraps the data keys that seal webhook
        // and TOTP secrets. Losing it makes the sealed secrets unreadable, as losing a KMS key
        // would.
        sealing_key: local_key("UPLINE_SEALING_KEY", "sealing.key", data_dir.as_deref())?[..32]
            .try_into()?,
        data_dir: data_dir.clone(),
        app_dir: Some(args.app_dir),
        // Due email and webhook retries, as often as the cloud's schedule (every minute) would
        // at the most; here a little sooner so a developer sees a retry happen.
        sweep_every: Some(std::time::Duration::from_secs(5)),
        limits: upline_api::throttle::Limits::default(),
    };
    let cloud = LocalCloud::start(config).await?;
    wait_for_poller(&cloud).await;
    if let Some(dir) = &data_dir {
        tracing::info!(
            "outbox journal: {}",
            dir.join(upline_local::outbox::OUTBOX_FILE).display()
        );
    }
    tracing::info!(
        "serving {} (outbox: {0}/_local/outbox) — Ctrl-C stops everything",
        cloud.base_url()
    );

    shutdown_signal().await;
    tracing::info!("stopping: HTTP server, stream poller, DynamoDB Local");
    let result = cloud.shutdown().await;
    dynamodb.stop();
    tracing::info!("stopped");
    result
}

async fn wait_for_poller(cloud: &LocalCloud) {
    let Some(status) = cloud.poller() else { return };
    for _ in 0..100 {
        if status.is_running() {
            tracing::info!("stream poller running");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tracing::warn!(
        "stream poller not running yet (the table has no stream?): /healthz answers 503 until it does"
    );
}
