//! The partner structure over HTTP: the downline with levels (a GSI query, paginated), `all`
//! behind its permission, sponsor moves that carry the whole subtree and refuse cycles, a move
//! interrupted halfway finished by the next one, and the referral QR code.

use serde_json::{Value, json};
use std::time::Duration;
use upline_contract::PartnerId;
use upline_tests::{StatusCode, TestApp, TestTenant};

/// Every page of a list, following `next_cursor`.
async fn all_pages(app: &TestApp, path: &str, token: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}&limit={limit}");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let (status, page) = app.get(&url, token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let batch = page["items"].as_array().unwrap().clone();
        assert!(batch.len() <= limit as usize);
        items.extend(batch);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// The owner joins (a partner at the top) and returns their partner id.
async fn owner_joins(app: &TestApp, tenant: &TestTenant) -> PartnerId {
    let (status, partner) = app
        .post("/v1/program/join", Some(&tenant.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{partner}");
    PartnerId::from(partner["id"].as_str().unwrap())
}

#[tokio::test]
async fn the_downline_of_a_five_level_tree_is_listed_with_levels_in_tree_order() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("tree-five").await;
    let root = owner_joins(&app, &tenant).await;
    // root ← L1a ← L2 ← L3 ← L4 ← L5, and root ← L1b; Other sits outside.
    let l1a = app.create_partner(&tenant, "L1a", Some(&root)).await;
    let l1b = app.create_partner(&tenant, "L1b", Some(&root)).await;
    let mut chain = vec![l1a.clone()];
    for name in ["L2", "L3", "L4", "L5"] {
        let id = app.create_partner(&tenant, name, chain.last()).await;
        chain.push(id);
    }
    let other = app.create_partner(&tenant, "Other", None).await;

    let downline = all_pages(&app, "/v1/partners?scope=downline", &tenant.token, 2).await;
    let listed: Vec<(&str, u64)> = downline
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["level"].as_u64().unwrap()))
        .collect();
    // A partner comes right before its own downline; L1a's branch and L1b in id order.
    let mut expected = vec![("L1a", 1), ("L2", 2), ("L3", 3), ("L4", 4), ("L5", 5)];
    if l1b.as_str() < l1a.as_str() {
        expected.insert(0, ("L1b", 1));
    } else {
        expected.push(("L1b", 1));
    }
    assert_eq!(listed, expected);
    assert!(downline.iter().all(|p| p["id"] != json!(other.as_str())));
    assert_eq!(
        downline.iter().find(|p| p["name"] == "L5").unwrap()["depth"],
        5
    );

    // Someone else's cursor cannot page through this tree's other branches.
    let (_, first) = app
        .get("/v1/partners?scope=downline&limit=1", &tenant.token)
        .await;
    assert!(first["next_cursor"].is_string());
    let (status, body) = app
        .get("/v1/partners?scope=downline&cursor=Zm9vLw", &tenant.token)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "cursor");

    // A partner in the middle sees only what is below them.
    let l3 = &chain[2];
    let (_, l3_partner) = app.get(&format!("/v1/partners/{l3}"), &tenant.token).await;
    let (l3_session, _) = app
        .register_confirmed(
            &tenant,
            "Below",
            l3_partner["referral_code"].as_str().unwrap(),
        )
        .await;
    let below = all_pages(&app, "/v1/partners?scope=downline", &l3_session, 10).await;
    assert!(below.is_empty(), "a new partner has no downline yet");
    let (status, body) = app.get("/v1/partners?scope=all", &l3_session).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = app.get(&format!("/v1/partners/{l3}"), &l3_session).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an upline partner is not the caller's to see"
    );

    let everyone = all_pages(&app, "/v1/partners?scope=all", &tenant.token, 3).await;
    assert_eq!(everyone.len(), 9, "root, L1a to L5, L1b, Other and Below");
}

#[tokio::test]
async fn a_sponsor_move_that_would_make_a_cycle_is_refused() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("tree-cycle").await;
    let chain = app.create_chain(&tenant, &["A", "B", "C"]).await;
    for (who, under) in [(&chain[0], &chain[2]), (&chain[1], &chain[1])] {
        let (status, body) = app
            .put(
                &format!("/v1/partners/{who}/sponsor"),
                &tenant.token,
                json!({"sponsor_id": under}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "cycle");
    }
    let (status, body) = app
        .put(
            &format!("/v1/partners/{}/sponsor", chain[0]),
            &tenant.token,
            json!({"sponsor_id": "pt_nobody"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "sponsor_id");
    let (status, _) = app
        .put(
            "/v1/partners/pt_nobody/sponsor",
            &tenant.token,
            json!({"sponsor_id": null}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_moved_subtree_carries_its_downline_and_the_walk_pays_the_new_chain() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("tree-move").await;
    app.use_three_level_plan(&tenant).await;
    let chain = app.create_chain(&tenant, &["A", "B", "C", "D"]).await;
    let (a, b, c, d) = (&chain[0], &chain[1], &chain[2], &chain[3]);
    let z = app.create_partner(&tenant, "Z", None).await;

    let (status, moved) = app
        .put(
            &format!("/v1/partners/{c}/sponsor"),
            &tenant.token,
            json!({"sponsor_id": z}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(
        (moved["sponsor_id"].as_str(), moved["depth"].as_u64()),
        (Some(z.as_str()), Some(1))
    );
    let (_, moved_d) = app.get(&format!("/v1/partners/{d}"), &tenant.token).await;
    assert_eq!(
        (moved_d["sponsor_id"].as_str(), moved_d["depth"].as_u64()),
        (Some(c.as_str()), Some(2))
    );

    // D's deal now pays D 10 %, C 5 % and Z the fixed 20.00; A and B are off the chain.
    let (status, _) = app
        .put_deal(&tenant, "after-move", "1000.00", "won", d)
        .await;
    assert!(status.is_success());
    app.expect_balances(
        &tenant,
        &[
            (d, "100.00"),
            (c, "50.00"),
            (&z, "20.00"),
            (b, "0.00"),
            (a, "0.00"),
        ],
        Duration::from_secs(3),
    )
    .await;

    // The downline moved with it: Z sees C and D, B sees nobody.
    let store = app.store();
    let z_record = store.partner(&tenant.id, &z).await.unwrap().unwrap();
    let (below_z, _) = store.downline_page(&z_record, 10, None).await.unwrap();
    let names: Vec<&str> = below_z.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["C", "D"]);
    let b_record = store.partner(&tenant.id, b).await.unwrap().unwrap();
    assert!(
        store
            .downline_page(&b_record, 10, None)
            .await
            .unwrap()
            .0
            .is_empty()
    );

    // Back to the top: no sponsor at all.
    let (status, top) = app
        .put(
            &format!("/v1/partners/{c}/sponsor"),
            &tenant.token,
            json!({"sponsor_id": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (top["sponsor_id"].clone(), top["depth"].as_u64()),
        (Value::Null, Some(0))
    );
}

#[tokio::test]
async fn a_move_interrupted_halfway_is_finished_by_the_next_one() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("tree-resume").await;
    let chain = app.create_chain(&tenant, &["A", "B", "C", "D"]).await;
    let z = app.create_partner(&tenant, "Z", None).await;
    let y = app.create_partner(&tenant, "Y", None).await;
    let store = app.store();

    // B's move under Z is recorded, then the function "dies" before anyone moved.
    let job = store
        .start_move(&tenant.id, &chain[1], Some(&z), |_| None)
        .await
        .unwrap()
        .expect("a move to make");
    let d = store.partner(&tenant.id, &chain[3]).await.unwrap().unwrap();
    assert_eq!(
        d.ancestors,
        [chain[2].clone(), chain[1].clone(), chain[0].clone()]
    );
    assert_eq!(job.old_path, format!("{}/{}/", chain[0], chain[1]));

    // The next move in the tenant finishes it first.
    let (status, body) = app
        .put(
            &format!("/v1/partners/{y}/sponsor"),
            &tenant.token,
            json!({"sponsor_id": z}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d = store.partner(&tenant.id, &chain[3]).await.unwrap().unwrap();
    assert_eq!(d.ancestors, [chain[2].clone(), chain[1].clone(), z.clone()]);
    let c = store.partner(&tenant.id, &chain[2]).await.unwrap().unwrap();
    assert_eq!(c.ancestors, [chain[1].clone(), z.clone()]);
    let y = store.partner(&tenant.id, &y).await.unwrap().unwrap();
    assert_eq!(y.ancestors, std::slice::from_ref(&z));
}

#[tokio::test]
async fn the_referral_qr_code_comes_as_svg_and_png() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("tree-qr").await;
    owner_joins(&app, &tenant).await;
    let (status, content_type, svg) = app
        .get_bytes("/v1/partners/me/qr.svg", Some(&tenant.token))
        .await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "image/svg+xml")
    );
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");
    let (status, content_type, png) = app
        .get_bytes("/v1/partners/me/qr.svg?format=png", Some(&tenant.token))
        .await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "image/png")
    );
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!(info.width, info.height);
    assert!(info.width >= 200, "{} px", info.width);
    let (status, body) = app
        .get("/v1/partners/me/qr.svg?format=gif", &tenant.token)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app.get("/v1/partners/me/qr.svg", "not-a-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
