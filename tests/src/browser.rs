//! A real headless Chromium (Debian's `chromium` + `chromedriver`) driven over WebDriver, against
//! a local cloud that serves the built portal (`dist/`, from `app/build.sh`).

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

use crate::TestApp;

pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

/// The workspace's `dist/`, where `app/build.sh` (run by `make test`) puts the portal.
pub fn portal_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

/// `target/screenshots/`, where every page's picture is kept for a person to look at.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("screenshots")
}

impl TestApp {
    /// A local cloud that also serves the built portal.
    pub async fn spawn_with_portal() -> TestApp {
        TestApp::spawn_with_portal_in(portal_dir()).await
    }

    /// A local cloud that serves the portal built in `dir`.
    pub async fn spawn_with_portal_in(dir: PathBuf) -> TestApp {
        assert!(
            dir.join("index.html").is_file() && dir.join("pkg").is_dir(),
            "no built portal in {}: run `app/build.sh dist` (make test does)",
            dir.display()
        );
        let endpoint = upline_local::dynamodb_local::shared_test_endpoint().await;
        let mut config = upline_local::LocalConfig::new(
            endpoint,
            upline_local::dynamodb_local::unique_table_name("upline-portal"),
        );
        config.app_dir = Some(dir);
        TestApp::from_cloud(
            upline_local::LocalCloud::start(config)
                .await
                .expect("the local cloud starts"),
        )
    }
}

pub struct Browser {
    pub client: Client,
    base: String,
    driver: Child,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    pub async fn start(base: &str) -> Result<Browser> {
        Browser::start_with(base, &[]).await
    }

    /// The same, with more Chromium arguments (a visitor's user agent: headless Chromium's own
    /// is a bot's, whose clicks are not counted).
    pub async fn start_with(base: &str, more_args: &[&str]) -> Result<Browser> {
        let port = free_port()?;
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("chromedriver (Debian chromium-driver; `make tools` installs it)")?;
        let webdriver = format!("http://127.0.0.1:{port}");
        let mut capabilities = serde_json::Map::new();
        let extra: Vec<String> = more_args.iter().map(|a| a.to_string()).collect();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                ],
            }),
        );
        if let Some(args) = capabilities["goog:chromeOptions"]["args"].as_array_mut() {
            args.extend(extra.into_iter().map(serde_json::Value::String));
        }
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&webdriver)
                .await
            {
                Ok(client) => break client,
                // chromedriver takes a moment to listen.
                Err(_) if started.elapsed() < Duration::from_secs(15) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => bail!("no WebDriver session: {error}"),
            }
        };
        Ok(Browser {
            client,
            base: base.trim_end_matches('/').to_owned(),
            driver,
        })
    }

    pub async fn goto(&self, path: &str) -> Result<()> {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .with_context(|| format!("goto {path}"))
    }

    fn testid(id: &str) -> String {
        format!("[data-testid=\"{id}\"]")
    }

    /// Waits up to 10 s for the element with `data-testid=id`.
    pub async fn find(&self, id: &str) -> Result<fantoccini::elements::Element> {
        let css = Self::testid(id);
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&css))
            .await
        {
            Ok(element) => Ok(element),
            Err(error) => {
                let _ = self.screenshot(&format!("failed-{id}"), DESKTOP).await;
                bail!("no [data-testid={id}] on {}: {error}", self.url().await)
            }
        }
    }

    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Clicks the element; if the page re-rendered between finding it and clicking (a route
    /// change that keeps the same test id), finds it again, as a user's next look would.
    pub async fn click(&self, id: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            match self.find(id).await?.click().await {
                Err(error) if error.is_stale_element_reference() && tries < 3 => tries += 1,
                outcome => return outcome.with_context(|| format!("click {id}")),
            }
        }
    }

    /// Replaces what the input holds with `text` (typed, so the app sees input events), finding
    /// the input again if the page re-rendered meanwhile.
    pub async fn fill(&self, id: &str, text: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            match self.fill_once(id, text).await {
                Err(error)
                    if tries < 3
                        && error
                            .downcast_ref::<fantoccini::error::CmdError>()
                            .is_some_and(|e| e.is_stale_element_reference()) =>
                {
                    tries += 1
                }
                outcome => return outcome.with_context(|| format!("type into {id}")),
            }
        }
    }

    async fn fill_once(&self, id: &str, text: &str) -> Result<()> {
        let input = self.find(id).await?;
        input.clear().await?;
        // WebDriver's clear fires no input event: the app hears of it here, as of a user's
        // deleting (so filling in "" empties a search).
        self.client
            .execute(
                "arguments[0].dispatchEvent(new Event('input', { bubbles: true }))",
                vec![serde_json::to_value(&input)?],
            )
            .await?;
        Ok(input.send_keys(text).await?)
    }

    /// Sets a date input to `iso` (`2026-12-31`) as a date picker would, with its change event:
    /// typing into one depends on the browser's locale.
    pub async fn choose_date(&self, id: &str, iso: &str) -> Result<()> {
        let input = self.find(id).await?;
        self.client
            .execute(
                "arguments[0].value = arguments[1]; \
                 arguments[0].dispatchEvent(new Event('change', { bubbles: true }))",
                vec![serde_json::to_value(&input)?, serde_json::json!(iso)],
            )
            .await?;
        Ok(())
    }

    pub async fn text(&self, id: &str) -> Result<String> {
        Ok(self.find(id).await?.text().await?)
    }

    pub async fn value(&self, id: &str) -> Result<String> {
        Ok(self
            .find(id)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    /// An attribute of every element matching `data-testid=id`.
    pub async fn attrs(&self, id: &str, attribute: &str) -> Result<Vec<String>> {
        let mut values = Vec::new();
        for element in self
            .client
            .find_all(Locator::Css(&Self::testid(id)))
            .await?
        {
            values.push(element.attr(attribute).await?.unwrap_or_default());
        }
        Ok(values)
    }

    /// Waits until the element's text contains `wanted`, reloading the page between looks if
    /// `reload` (for figures that arrive from the stream).
    pub async fn wait_for_text(&self, id: &str, wanted: &str, reload: bool) -> Result<String> {
        let started = Instant::now();
        let mut looks = 0_u32;
        loop {
            let seen = match self.client.find(Locator::Css(&Self::testid(id))).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if seen.contains(wanted) {
                return Ok(seen);
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = self.screenshot(&format!("failed-{id}"), DESKTOP).await;
                bail!(
                    "[data-testid={id}] says {seen:?}, not {wanted:?}, on {}",
                    self.url().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            looks += 1;
            // A reload every 2 s, for figures that arrive from the stream.
            if reload && looks.is_multiple_of(20) {
                self.client.refresh().await?;
            }
        }
    }

    /// Waits until exactly `count` elements `data-testid=id` are on the page.
    pub async fn wait_for_count(&self, id: &str, count: usize) -> Result<()> {
        let started = Instant::now();
        loop {
            let seen = self
                .client
                .find_all(Locator::Css(&Self::testid(id)))
                .await?
                .len();
            if seen == count {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(10) {
                bail!(
                    "{seen} [data-testid={id}], not {count}, on {}",
                    self.url().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element has some text, and returns it.
    pub async fn wait_for_any_text(&self, id: &str) -> Result<String> {
        let started = Instant::now();
        loop {
            let seen = self.text(id).await?;
            if !seen.trim().is_empty() {
                return Ok(seen);
            }
            if started.elapsed() > Duration::from_secs(10) {
                bail!("[data-testid={id}] stays empty on {}", self.url().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the path of the current URL is `path`.
    pub async fn wait_for_path(&self, path: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            let url = self.url().await;
            if url.split('?').next().is_some_and(|u| u.ends_with(path)) {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(10) {
                bail!("still on {url}, not {path}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether an element with this `data-testid` is on the page now.
    pub async fn has(&self, id: &str) -> bool {
        self.client
            .find(Locator::Css(&Self::testid(id)))
            .await
            .is_ok()
    }

    /// Why the portal stopped (its "could not be loaded" banner is up), or `None` while it runs.
    pub async fn stopped_cause(&self) -> Result<Option<String>> {
        let cause = self
            .client
            .execute(
                "const b = document.getElementById('stopped'); return b ? b.dataset.cause : null;",
                vec![],
            )
            .await?;
        Ok(cause.as_str().map(str::to_owned))
    }

    /// What the page's Content-Security-Policy refused since it loaded (recorded by the portal's
    /// stopped.js), or `None`.
    pub async fn csp_violations(&self) -> Result<Option<String>> {
        let refused = self
            .client
            .execute(
                "return document.documentElement.dataset.cspViolations || null;",
                vec![],
            )
            .await?;
        Ok(refused.as_str().map(str::to_owned))
    }

    /// The file names this page has downloaded since it was loaded (the Resource Timing list).
    pub async fn downloaded_files(&self) -> Result<Vec<String>> {
        let names = self
            .client
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name.split('/').pop());",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(names)?)
    }

    /// Writes `target/screenshots/<name>-<width>.png` at the given window size.
    pub async fn screenshot(&self, name: &str, (width, height): (u32, u32)) -> Result<PathBuf> {
        self.client.set_window_size(width, height).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.client.screenshot().await?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}-{width}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the session and chromedriver (always call it, or Chromium stays behind).
    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }
}
