use upline_local::LocalOutbox;
use upline_local::outbox::OUTBOX_FILE;
use upline_stream::outbox::{Deliver, Message};

fn message(id: &str) -> Message {
    Message {
        id: id.into(),
        channel: Some(upline_contract::Channel::Sms),
        to: "+15550100".into(),
        subject: String::new(),
        body: format!("code {id}"),
        from_name: None,
        reply_to: None,
        created_at: "2026-11-24T06:00:00Z".into(),
    }
}

#[tokio::test]
async fn a_restarted_outbox_shows_the_messages_sent_before() {
    let dir = std::env::temp_dir().join(upline_local::unique_table_name("upline-outbox"));
    {
        let outbox = LocalOutbox::open(&dir).unwrap();
        outbox.deliver(message("1")).await.unwrap();
        outbox.deliver(message("2")).await.unwrap();
    }
    // A line cut short by a crash is skipped, not fatal.
    let journal = dir.join(OUTBOX_FILE);
    let mut text = std::fs::read_to_string(&journal).unwrap();
    text.push_str("{\"id\":\"3\",\"chan");
    std::fs::write(&journal, text).unwrap();

    let reopened = LocalOutbox::open(&dir).unwrap();
    let ids: Vec<String> = reopened.messages().into_iter().map(|m| m.id).collect();
    assert_eq!(ids, ["1", "2"]);
    reopened.deliver(message("4")).await.unwrap();
    assert_eq!(reopened.len(), 3);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_in_memory_outbox_writes_no_file() {
    let outbox = LocalOutbox::in_memory();
    outbox.deliver(message("1")).await.unwrap();
    assert_eq!(outbox.messages_to("+15550100").len(), 1);
    assert!(outbox.journal().is_none());
}
