//! The store against DynamoDB Local, a fresh table per test.

use rust_decimal::Decimal;
use std::collections::BTreeMap;
use upline_contract::{PartnerId, Permission, TenantId, Trigger, UserId};
use upline_domain::{DealLedger, WalkInput, walk};
use upline_store::deals::{DealRecord, TransitionRecord};
use upline_store::partners::{CreatePartnerError, PartnerRecord};
use upline_store::tenants::{CreateTenantError, TenantRecord};
use upline_store::users::UserRecord;
use upline_store::walk::{ApplyWalkError, WalkWrite};
use upline_store::{Store, Timestamp, schema};

async fn fresh_store() -> Store {
    let endpoint = upline_local::shared_test_endpoint().await;
    let client = upline_local::dynamodb_client(&endpoint);
    let table = upline_local::unique_table_name("store-test");
    schema::create_table(&client, &table)
        .await
        .expect("the table is created");
    Store::new(
        client,
        table,
        upline_store::sealed::Sealer::local(upline_store::sealed::Sealer::random_local_key()),
    )
}

fn tenant(id: &str, slug: &str) -> TenantRecord {
    TenantRecord {
        id: TenantId::from(id),
        slug: slug.into(),
        name: "Acme".into(),
        currency: "EUR".parse().unwrap(),
        created_at: "2026-11-24T00:00:00Z".into(),
    }
}

fn owner(tenant: &TenantId, email: &str) -> UserRecord {
    UserRecord {
        tenant_id: tenant.clone(),
        id: UserId::from(format!("us_{email}")),
        email: email.parse().unwrap(),
        name: "Owner".into(),
        password_hash: "$argon2id$placeholder".into(),
        permissions: Permission::ALL.to_vec(),
        email_confirmed: false,
        partner_id: None,
        supervisor_id: None,
        phone: None,
        created_at: "2026-11-24T00:00:00Z".into(),
        language: Default::default(),
        owner: true,
        sessions_valid_from: 0,
        ended_sessions: Vec::new(),
        totp: Default::default(),
    }
}

fn partner(tenant: &TenantId, id: &str, code: &str, ancestors: &[&str]) -> PartnerRecord {
    PartnerRecord {
        tenant_id: tenant.clone(),
        id: PartnerId::from(id),
        user_id: None,
        name: id.into(),
        email: format!("{id}@example.com").parse().unwrap(),
        referral_code: code.parse().unwrap(),
        external_id: format!("P-{id}"),
        ancestors: ancestors.iter().map(|a| PartnerId::from(*a)).collect(),
        status: "active".into(),
        joined_at: "2026-11-24T00:00:00Z".into(),
        terms_version: None,
        terms_accepted_at: None,
        language: Default::default(),
    }
}

#[tokio::test]
async fn a_taken_slug_writes_nothing_of_the_second_tenant() {
    let store = fresh_store().await;
    let program = upline_contract::Program {
        currency: "EUR".parse().unwrap(),
        min_payout: Default::default(),
        open_signup: false,
        external_id_template: "P-{seq}".into(),
        plan: upline_domain::default_plan(),
        reversal_statuses: vec![],
        widget_origins: vec![],
        landing_url: None,
        attribution_window_days: upline_contract::DEFAULT_ATTRIBUTION_WINDOW_DAYS,
        attribution_model: upline_contract::AttributionModel::Last,
        lead_consent_text: None,
        hold_days: 0,
        terms: None,
        staff_two_factor_required: false,
    };
    let first = tenant("tn_1", "acme");
    store
        .create_tenant(&first, &program, &owner(&first.id, "a@acme.io"))
        .await
        .unwrap();
    let second = tenant("tn_2", "acme");
    let err = store
        .create_tenant(&second, &program, &owner(&second.id, "b@acme.io"))
        .await
        .unwrap_err();
    assert!(matches!(err, CreateTenantError::SlugTaken));
    assert!(store.tenant(&second.id).await.unwrap().is_none());
    assert!(
        store
            .user_by_email(&second.id, &"b@acme.io".parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.tenant_by_slug("acme").await.unwrap().unwrap().id,
        first.id
    );
    assert_eq!(store.program(&first.id).await.unwrap().unwrap().0, program);
}

#[tokio::test]
async fn a_partner_reads_its_whole_chain_in_one_item_and_codes_are_unique() {
    let store = fresh_store().await;
    let t = TenantId::from("tn_1");
    store
        .create_partner(&partner(&t, "a", "AAAAAAAA", &[]))
        .await
        .unwrap();
    store
        .create_partner(&partner(&t, "b", "BBBBBBBB", &["a"]))
        .await
        .unwrap();
    store
        .create_partner(&partner(&t, "c", "CCCCCCCC", &["b", "a"]))
        .await
        .unwrap();
    let c = store.partner(&t, &"c".into()).await.unwrap().unwrap();
    assert_eq!(c.chain(), ["c", "b", "a"].map(PartnerId::from).to_vec());
    assert_eq!(c.depth(), 2);
    let clash = store
        .create_partner(&partner(&t, "d", "AAAAAAAA", &[]))
        .await
        .unwrap_err();
    assert!(matches!(clash, CreatePartnerError::ReferralCodeTaken));
    assert!(store.partner(&t, &"d".into()).await.unwrap().is_none());
    assert_eq!(
        store
            .partner_id_by_code(&t, &"CCCCCCCC".parse().unwrap())
            .await
            .unwrap(),
        Some(PartnerId::from("c"))
    );
}

#[tokio::test]
async fn a_walk_is_written_once_and_a_replay_is_refused_by_its_condition() {
    let store = fresh_store().await;
    let t = TenantId::from("tn_1");
    store
        .create_partner(&partner(&t, "a", "AAAAAAAA", &[]))
        .await
        .unwrap();
    store
        .create_partner(&partner(&t, "b", "BBBBBBBB", &["a"]))
        .await
        .unwrap();
    let deal = DealRecord {
        tenant_id: t.clone(),
        external_id: "d1".into(),
        amount: Decimal::new(10_000, 2),
        currency: "EUR".parse().unwrap(),
        status: "won".into(),
        partner_id: "b".into(),
        seq: 1,
        created_at: "2026-11-24T00:00:00Z".into(),
        updated_at: "2026-11-24T00:00:00Z".into(),
    };
    let transition = TransitionRecord {
        tenant_id: t.clone(),
        deal_id: "d1".into(),
        seq: 1,
        from: None,
        to: "won".into(),
        amount: deal.amount,
        currency: deal.currency,
        partner_id: "b".into(),
        at: Timestamp::now(),
        event: None,
    };
    store
        .create_deal(&deal, &transition, None, 0)
        .await
        .unwrap();
    let mut plan = upline_domain::default_plan();
    plan.rules[0]
        .levels
        .push(upline_contract::LevelReward::Fixed(
            upline_contract::Amount(Decimal::new(500, 2)),
        ));
    let chain = store
        .partner(&t, &"b".into())
        .await
        .unwrap()
        .unwrap()
        .chain();
    let trigger = Trigger::DealStatus("won".into());
    let turnover = BTreeMap::new();
    let outcome = walk(&WalkInput {
        plan: &plan,
        reversal_statuses: &[],
        currency: deal.currency,
        chain: &chain,
        seq: 1,
        trigger: &trigger,
        amount: deal.amount,
        ledger: &DealLedger::default(),
        turnover: &turnover,
        timing: upline_domain::Timing::default(),
    })
    .unwrap();
    let write = WalkWrite {
        transition: &transition,
        outcome: &outcome,
        turnover_read: &turnover,
        guard_turnover: false,
    };
    store.apply_walk(&write).await.unwrap();
    assert!(matches!(
        store.apply_walk(&write).await,
        Err(ApplyWalkError::Concurrent)
    ));

    let b = store.wallet(&t, &"b".into()).await.unwrap();
    let a = store.wallet(&t, &"a".into()).await.unwrap();
    assert_eq!(
        (b.balance, a.balance),
        (Decimal::new(1000, 2), Decimal::new(500, 2))
    );
    assert_eq!(b.turnover["deal_status:won"], Decimal::new(10_000, 2));
    assert_eq!(store.all_entries(&t, &"b".into()).await.unwrap().len(), 1);
    let context = store.walk_context(&t, "d1", &"b".into()).await.unwrap();
    assert_eq!(context.ledger.applied_seq, 1);
    assert_eq!(context.partner.unwrap().id, PartnerId::from("b"));
}

#[tokio::test]
async fn entries_page_newest_first() {
    let store = fresh_store().await;
    let t = TenantId::from("tn_1");
    store
        .create_partner(&partner(&t, "a", "AAAAAAAA", &[]))
        .await
        .unwrap();
    let plan = upline_domain::default_plan();
    let chain = vec![PartnerId::from("a")];
    let trigger = Trigger::DealStatus("won".into());
    for i in 0..5i64 {
        let transition = TransitionRecord {
            tenant_id: t.clone(),
            deal_id: format!("d{i}"),
            seq: 1,
            from: None,
            to: "won".into(),
            amount: Decimal::new(100 * (i + 1), 0),
            currency: "EUR".parse().unwrap(),
            partner_id: "a".into(),
            at: Timestamp {
                rfc3339: format!("2026-11-24T00:00:0{i}Z"),
                millis: 1_000 * i,
            },
            event: None,
        };
        let outcome = walk(&WalkInput {
            plan: &plan,
            reversal_statuses: &[],
            currency: transition.currency,
            chain: &chain,
            seq: 1,
            trigger: &trigger,
            amount: transition.amount,
            ledger: &DealLedger::default(),
            turnover: &BTreeMap::new(),
            timing: upline_domain::Timing::default(),
        })
        .unwrap();
        let write = WalkWrite {
            transition: &transition,
            outcome: &outcome,
            turnover_read: &BTreeMap::new(),
            guard_turnover: false,
        };
        store.apply_walk(&write).await.unwrap();
    }
    let (first, cursor) = store.entries(&t, &"a".into(), None, 2).await.unwrap();
    let (second, _) = store
        .entries(&t, &"a".into(), cursor.as_deref(), 2)
        .await
        .unwrap();
    let deals: Vec<String> = first
        .iter()
        .chain(&second)
        .map(|e| e.deal_id.clone().unwrap())
        .collect();
    assert_eq!(deals, ["d4", "d3", "d2", "d1"]);
    assert_eq!(
        store.wallet(&t, &"a".into()).await.unwrap().balance,
        Decimal::new(150, 0)
    );
}
