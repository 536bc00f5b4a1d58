//! A real S3-compatible server on loopback (`s3s-fs`: objects are files under a directory),
//! so the terms PDFs take the same `aws-sdk-s3` path locally as in the cloud.

use anyhow::Context;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use hyper_util::rt::TokioIo;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::task::JoinHandle;

/// The bucket the local cloud keeps terms in.
pub const TERMS_BUCKET: &str = "terms";
const ACCESS_KEY: &str = "upline-local";
const SECRET_KEY: &str = "upline-local-secret";

pub struct LocalS3 {
    addr: SocketAddr,
    root: PathBuf,
    /// Removed on drop (a throwaway run).
    temporary: bool,
    server: JoinHandle<()>,
}

impl LocalS3 {
    /// Serves the objects under `root` (created if missing); `temporary` removes it on drop.
    pub async fn start(root: &Path, temporary: bool) -> anyhow::Result<Self> {
        std::fs::create_dir_all(root.join(TERMS_BUCKET))
            .with_context(|| format!("creating {}", root.display()))?;
        let fs = s3s_fs::FileSystem::new(root)
            .map_err(|e| anyhow::anyhow!("starting the local S3 store: {e:?}"))?;
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let service = service.clone();
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        tracing::info!(%addr, root = %root.display(), "local S3 ready");
        Ok(Self {
            addr,
            root: root.to_owned(),
            temporary,
            server,
        })
    }

    /// A throwaway store under the system's temp dir.
    pub async fn start_temporary() -> anyhow::Result<Self> {
        let root = std::env::temp_dir().join(format!(
            "upline-s3-{}-{}",
            std::process::id(),
            crate::cloud::random_key()
                .iter()
                .take(6)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ));
        Self::start(&root, true).await
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// An SDK client for this server (path-style, its static credentials).
    pub fn client(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .force_path_style(true)
            .credentials_provider(Credentials::new(
                ACCESS_KEY, SECRET_KEY, None, None, "local",
            ))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }
}

impl Drop for LocalS3 {
    fn drop(&mut self) {
        self.server.abort();
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}
