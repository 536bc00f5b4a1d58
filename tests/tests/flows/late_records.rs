//! Records that arrive late or out of order: the stream handler is fed by hand here (no poller
//! running), from the real stream of a real table.

use std::sync::Arc;
use upline_contract::PartnerId;
use upline_stream::StreamHandler;
use upline_tests::{TestApp, read_stream};

#[tokio::test]
async fn a_late_earlier_transition_is_applied_first_and_then_skipped() {
    // A cloud whose poller we stop, so the test decides the delivery order.
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("late-records").await;
    app.use_three_level_plan(&tenant).await;
    let chain = app.create_chain(&tenant, &["A", "B", "C", "D"]).await;
    let endpoint = app.cloud.dynamodb_endpoint().to_owned();
    let table = app.cloud.table().to_owned();
    let store = app.store();
    app.cloud.shutdown().await.unwrap();

    // Write the transitions straight through the store, as the API would.
    let tenant_id = tenant.id.clone();
    let d: &PartnerId = &chain[3];
    let program_currency = "EUR".parse().unwrap();
    let mut deal = upline_store::deals::DealRecord {
        tenant_id: tenant_id.clone(),
        external_id: "late-1".into(),
        amount: "1234.57".parse().unwrap(),
        currency: program_currency,
        status: "won".into(),
        partner_id: d.clone(),
        seq: 1,
        created_at: "2026-11-24T00:00:00Z".into(),
        updated_at: "2026-11-24T00:00:00Z".into(),
    };
    let transition = |deal: &upline_store::deals::DealRecord, from: Option<&str>, millis: i64| {
        upline_store::deals::TransitionRecord {
            tenant_id: tenant_id.clone(),
            deal_id: deal.external_id.clone(),
            seq: deal.seq,
            from: from.map(str::to_owned),
            to: deal.status.clone(),
            amount: deal.amount,
            currency: deal.currency,
            partner_id: deal.partner_id.clone(),
            at: upline_store::Timestamp {
                rfc3339: format!("2026-11-24T00:00:0{millis}Z"),
                millis,
            },
            event: None,
        }
    };
    store
        .create_deal(&deal, &transition(&deal, None, 1), None, 0)
        .await
        .unwrap();
    deal.seq = 2;
    deal.status = "refunded".into();
    store
        .update_deal(&deal, 1, Some(&transition(&deal, Some("won"), 2)), None, 0)
        .await
        .unwrap();

    let (arn, records) = read_stream(&endpoint, &table).await.unwrap();
    let is_transition = |r: &aws_sdk_dynamodbstreams::types::Record| {
        r.dynamodb()
            .and_then(|d| d.new_image())
            .and_then(|i| i.get("entity"))
            .and_then(|e| e.as_s().ok())
            .is_some_and(|e| e == "transition")
    };
    let transitions: Vec<_> = records.into_iter().filter(is_transition).collect();
    assert_eq!(transitions.len(), 2);
    let handler = StreamHandler::new(
        store.clone(),
        Arc::new(upline_local::LocalOutbox::in_memory()),
    );

    // The refund arrives first: the handler applies the missing `won` before it.
    let response = handler
        .handle(upline_local::to_lambda_event(&transitions[1..], &arn))
        .await;
    assert!(response.batch_item_failures.is_empty());
    let history = store
        .deal_history(&tenant_id, "late-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(history.ledger.applied_seq, 2);
    assert!(
        history.ledger.lines.is_empty(),
        "the reversal cleared what was outstanding"
    );
    let entries = store.all_entries(&tenant_id, d).await.unwrap();
    let kinds: Vec<_> = entries
        .iter()
        .map(|e| (e.kind, e.amount.to_string()))
        .collect();
    assert_eq!(kinds.len(), 2, "one accrual and its reversal: {kinds:?}");
    // The late `won` arrives now, twice: nothing more happens.
    for _ in 0..2 {
        handler
            .handle(upline_local::to_lambda_event(&transitions[..1], &arn))
            .await;
    }
    for partner in &chain {
        let wallet = store.wallet(&tenant_id, partner).await.unwrap();
        assert_eq!(wallet.balance, rust_decimal::Decimal::ZERO, "{partner}");
        let entries = store.all_entries(&tenant_id, partner).await.unwrap();
        assert_eq!(entries.len() as u64, wallet.entry_count);
    }
}
