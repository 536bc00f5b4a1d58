//! The stream handler as a Lambda: clients built once, then one batch per invocation.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use std::sync::Arc;
use upline_stream::{Deliver, DeliveryError, EmailLinks, Message, StreamHandler};

/// The cloud's channel until SES/SNS delivery lands (notifications issue): each message goes to
/// the function's log, and the outbox item records it as delivered there.
struct LogChannel;

impl Deliver for LogChannel {
    fn deliver(
        &self,
        message: Message,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DeliveryError>> + Send + '_>>
    {
        Box::pin(async move {
            tracing::info!(to = %message.to, subject = %message.subject, "notification (log channel)");
            Ok(())
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
    let store = upline_store::Store::new(aws_sdk_dynamodb::Client::new(&config), table);
    let key = std::env::var("UPLINE_SESSION_KEY").map_err(|_| "UPLINE_SESSION_KEY is not set")?;
    let links = EmailLinks {
        key: upline_store::tokens::TokenKey::new(key.as_bytes()),
        portal_url: std::env::var("UPLINE_PORTAL_URL").unwrap_or_default(),
    };
    let handler = Arc::new(StreamHandler::new(store, Arc::new(LogChannel)).with_email_links(links));
    run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::event::dynamodb::Event>| {
            let handler = handler.clone();
            async move { Ok::<_, Error>(handler.handle(event.payload).await) }
        },
    ))
    .await
}
