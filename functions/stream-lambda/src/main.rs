//! The stream handler as a Lambda: clients built once, then per invocation either one batch of
//! the table's stream or, every minute from EventBridge Scheduler, a sweep of due retries.

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message as SesMessage};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use std::sync::Arc;
use upline_stream::{Deliver, DeliveryError, EmailLinks, Message, StreamHandler};

/// Email through SES v2 from the stack's verified sender; SMS through SNS.
struct CloudChannels {
    ses: aws_sdk_sesv2::Client,
    sns: aws_sdk_sns::Client,
    sender: String,
}

impl CloudChannels {
    async fn email(&self, message: Message) -> Result<String, DeliveryError> {
        let text = |data: &str| {
            Content::builder()
                .data(data)
                .charset("UTF-8")
                .build()
                .map_err(|e| DeliveryError(e.to_string()))
        };
        // Sent in someone's name (an invitation): their name on our verified address.
        let from = match &message.from_name {
            Some(name) => format!("\"{}\" <{}>", name.replace('"', "'"), self.sender),
            None => self.sender.clone(),
        };
        let content = EmailContent::builder()
            .simple(
                SesMessage::builder()
                    .subject(text(&message.subject)?)
                    .body(Body::builder().text(text(&message.body)?).build())
                    .build(),
            )
            .build();
        let output = self
            .ses
            .send_email()
            .from_email_address(from)
            .destination(Destination::builder().to_addresses(&message.to).build())
            .set_reply_to_addresses(message.reply_to.clone().map(|r| vec![r]))
            .content(content)
            .send()
            .await
            .map_err(|e| DeliveryError(format!("SES: {}", aws_error_text(&e))))?;
        Ok(output.message_id.unwrap_or_default())
    }

    async fn sms(&self, message: Message) -> Result<String, DeliveryError> {
        let output = self
            .sns
            .publish()
            .phone_number(&message.to)
            .message(&message.body)
            .send()
            .await
            .map_err(|e| DeliveryError(format!("SNS: {}", aws_error_text(&e))))?;
        Ok(output.message_id.unwrap_or_default())
    }
}

fn aws_error_text<E: std::error::Error>(err: &E) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

impl Deliver for CloudChannels {
    fn deliver(
        &self,
        message: Message,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<String, DeliveryError>> + Send + '_>,
    > {
        Box::pin(async move {
            match message.channel {
                Some(upline_contract::Channel::Email) => self.email(message).await,
                Some(upline_contract::Channel::Sms) => self.sms(message).await,
                None => Err(DeliveryError("a message without a channel".to_owned())),
            }
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .without_time()
        .init();
    let config = aws_config::load_from_env().await;
    let table = std::env::var("UPLINE_TABLE").map_err(|_| "UPLINE_TABLE is not set")?;
    // The KMS key that wraps the data keys sealing webhook and TOTP secrets.
    let kms_key = std::env::var("UPLINE_KMS_KEY").map_err(|_| "UPLINE_KMS_KEY is not set")?;
    let store = upline_store::Store::new(
        aws_sdk_dynamodb::Client::new(&config),
        table,
        upline_store::sealed::Sealer::kms(aws_sdk_kms::Client::new(&config), kms_key),
    );
    let key = std::env::var("UPLINE_SESSION_KEY").map_err(|_| "UPLINE_SESSION_KEY is not set")?;
    let links = EmailLinks {
        key: upline_store::tokens::TokenKey::new(key.as_bytes()),
        portal_url: std::env::var("UPLINE_PORTAL_URL").unwrap_or_default(),
    };
    let channels = CloudChannels {
        ses: aws_sdk_sesv2::Client::new(&config),
        sns: aws_sdk_sns::Client::new(&config),
        sender: std::env::var("UPLINE_NOTIFICATION_SENDER")
            .map_err(|_| "UPLINE_NOTIFICATION_SENDER is not set")?,
    };
    let handler = Arc::new(StreamHandler::new(store, Arc::new(channels)).with_email_links(links));
    run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let handler = handler.clone();
        async move {
            // The schedule's event has no `Records`; the stream's always has.
            if event.payload.get("Records").is_none() {
                let report = handler.sweep_due(time::OffsetDateTime::now_utc()).await;
                tracing::info!(
                    due = report.due,
                    released = report.released,
                    errors = report.errors,
                    release_errors = report.release_errors,
                    "swept due deliveries and held entries"
                );
                return Ok::<_, Error>(serde_json::json!({
                    "due": report.due,
                    "released": report.released,
                    "errors": report.errors,
                    "release_errors": report.release_errors,
                }));
            }
            let batch: aws_lambda_events::event::dynamodb::Event =
                serde_json::from_value(event.payload)?;
            Ok(serde_json::to_value(handler.handle(batch).await)?)
        }
    }))
    .await
}
