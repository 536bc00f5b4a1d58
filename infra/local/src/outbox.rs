//! The local outbox: every email/SMS/webhook the local cloud "sent", kept in memory and, with a data
//! dir, appended to `<data_dir>/outbox.jsonl` (one JSON message a line) so a restart keeps history.

use std::fs::OpenOptions;
use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;

use anyhow::Context;
use std::sync::Arc;
use upline_stream::outbox::{Deliver, DeliveryError, Message};
use upline_stream::{SendWebhook, WebhookRequest};

/// File name of the journal inside the data dir.
pub const OUTBOX_FILE: &str = "outbox.jsonl";

/// Collects delivered messages instead of sending them.
#[derive(Debug, Default)]
pub struct LocalOutbox {
    items: Mutex<Vec<Message>>,
    journal: Option<PathBuf>,
    /// Emails and SMS to refuse before accepting again: a mailbox outage, to see retries.
    refuse: std::sync::atomic::AtomicU64,
}

impl LocalOutbox {
    /// Memory only.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Loads `<data_dir>/outbox.jsonl` (if any) and appends new messages to it.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let journal = data_dir.join(OUTBOX_FILE);
        let mut items = Vec::new();
        match std::fs::File::open(&journal) {
            Ok(file) => {
                for (number, line) in BufReader::new(file).lines().enumerate() {
                    let line = line.with_context(|| format!("reading {}", journal.display()))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    match serde_json::from_str::<Message>(&line) {
                        Ok(message) => items.push(message),
                        // A line cut short by a crash must not keep the local cloud from starting.
                        Err(error) => tracing::warn!(
                            file = %journal.display(),
                            line = number + 1,
                            %error,
                            "skipping an unreadable outbox line"
                        ),
                    }
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error).with_context(|| format!("opening {}", journal.display()));
            }
        }
        Ok(Self {
            items: Mutex::new(items),
            journal: Some(journal),
            refuse: Default::default(),
        })
    }

    /// Every message so far, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        self.lock().clone()
    }

    /// Messages to one recipient, oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<Message> {
        self.lock()
            .iter()
            .filter(|message| message.to == to)
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// The journal file, when there is one.
    pub fn journal(&self) -> Option<&Path> {
        self.journal.as_deref()
    }

    /// Refuses the next `count` emails/SMS as an unreachable provider would.
    pub fn refuse_next(&self, count: u64) {
        self.refuse
            .store(count, std::sync::atomic::Ordering::SeqCst);
    }

    /// Records one message (what [`Deliver::deliver`] does, without the future).
    pub fn push(&self, message: Message) -> Result<(), DeliveryError> {
        let mut items = self.lock();
        if let Some(journal) = &self.journal {
            let mut line =
                serde_json::to_vec(&message).map_err(|e| DeliveryError(e.to_string()))?;
            line.push(b'\n');
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(journal)
                .and_then(|mut file| file.write_all(&line))
                .map_err(|e| DeliveryError(format!("appending to {}: {e}", journal.display())))?;
        }
        tracing::info!(
            channel = message.channel.map_or("webhook", |c| c.as_str()),
            to = %message.to,
            subject = %message.subject,
            "outbox: message \"sent\" (see GET /_local/outbox)"
        );
        items.push(message);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Message>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Deliver for LocalOutbox {
    fn deliver(
        &self,
        message: Message,
    ) -> Pin<Box<dyn Future<Output = Result<String, DeliveryError>> + Send + '_>> {
        use std::sync::atomic::Ordering;
        let refused = self
            .refuse
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let result = if refused {
            Err(DeliveryError(
                "mailbox unavailable (local outbox refusing)".into(),
            ))
        } else {
            self.push(message).map(|()| "local outbox".to_owned())
        };
        Box::pin(std::future::ready(result))
    }
}

/// Webhooks go to their receivers over real HTTP, and each attempt is also kept in the local
/// outbox (channel `webhook`, the event type as subject), so `GET /_local/outbox` shows them.
pub struct LocalWebhooks {
    pub http: Arc<dyn SendWebhook>,
    pub outbox: Arc<LocalOutbox>,
}

impl SendWebhook for LocalWebhooks {
    fn send(
        &self,
        request: WebhookRequest,
    ) -> Pin<Box<dyn Future<Output = Result<u16, String>> + Send + '_>> {
        Box::pin(async move {
            let header = |name: &str| {
                request
                    .headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let event_type = serde_json::from_str::<serde_json::Value>(&request.body)
                .ok()
                .and_then(|body| body["type"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let message = Message {
                id: header("webhook-id"),
                channel: None,
                to: request.url.clone(),
                subject: event_type,
                body: request.body.clone(),
                from_name: None,
                reply_to: None,
                created_at: upline_store::Timestamp::now().rfc3339,
            };
            if let Err(err) = self.outbox.push(message) {
                tracing::warn!(error = %err, "could not journal a webhook");
            }
            self.http.send(request).await
        })
    }
}
