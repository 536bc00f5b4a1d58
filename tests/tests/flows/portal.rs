//! The portal in a real headless Chromium against the local cloud: a partner registers from an
//! invitation, earns, asks for a payout that staff pay, and the plan editor's simulator agrees
//! with the server's commission preview; a page whose chunk cannot be fetched says so.
//! Screenshots of every main page, at desktop and phone widths, land in `target/screenshots/`.

use anyhow::Result;
use serde_json::{Value, json};
use upline_contract::PartnerId;
use upline_tests::browser::{Browser, DESKTOP, PHONE};
use upline_tests::two_factor::{code, now, require_of_staff};
use upline_tests::{PASSWORD, StatusCode, TestApp, TestTenant};

const EVA: &str = "eva@portal.example";

/// A tenant whose owner has joined (so can invite) with a two-level plan.
async fn program_with_owner_as_partner(app: &TestApp) -> TestTenant {
    let tenant = app.create_tenant("portal").await;
    let (status, body) = app
        .post(
            "/v1/program/join",
            Some(&tenant.token),
            json!({"accept_terms": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"min_payout": "20.00", "plan": {"rules": [{"on": {"deal_status": "won"},
                "levels": [{"percent": "10"}, {"percent": "5"}]}]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .send_bytes(
            reqwest::Method::PUT,
            "/v1/program/terms",
            Some(&tenant.token),
            "application/pdf",
            upline_tests::TINY_PDF.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    tenant
}

async fn partner_id_of(app: &TestApp, tenant: &TestTenant, email: &str) -> PartnerId {
    let (_, all) = app.get("/v1/partners?scope=all", &tenant.token).await;
    let id = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["email"] == email)
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .expect("the partner is listed");
    PartnerId::from(id.as_str())
}

/// Logs in through the form and waits for the dashboard it leads to.
async fn log_in(browser: &Browser, program: &str, email: &str) -> Result<()> {
    browser.goto("/login").await?;
    browser.fill("input-tenant", program).await?;
    browser.fill("input-email", email).await?;
    browser.fill("input-password", PASSWORD).await?;
    browser.click("login-submit").await?;
    browser.wait_for_path("/dashboard").await
}

async fn log_out(browser: &Browser) -> Result<()> {
    browser.click("log-out").await?;
    browser.find("login-page").await?;
    Ok(())
}

/// Runs `flow` in a fresh headless Chromium against `app`, and closes the browser whatever the
/// outcome (which it returns).
async fn in_chromium(app: &TestApp, flow: impl AsyncFnOnce(&Browser) -> Result<()>) -> Result<()> {
    let browser = Browser::start(&app.base).await.expect("Chromium starts");
    let outcome = flow(&browser).await;
    browser.close().await;
    outcome
}

/// Screenshots of the page at both widths, once it is known that its Content-Security-Policy
/// refused nothing (the portal is built to need no exception).
async fn both_widths(browser: &Browser, name: &str) -> Result<()> {
    if let Some(refused) = browser.csp_violations().await? {
        anyhow::bail!("{name}: the Content-Security-Policy refused {refused}");
    }
    browser.screenshot(name, DESKTOP).await?;
    browser.screenshot(name, PHONE).await?;
    browser.client.set_window_size(DESKTOP.0, DESKTOP.1).await?;
    Ok(())
}

#[tokio::test]
async fn a_partner_registers_from_an_invitation_earns_and_is_paid_and_the_simulator_matches_the_preview()
 {
    let app = TestApp::spawn_with_portal().await;
    in_chromium(&app, async |browser| whole_flow(&app, browser).await)
        .await
        .unwrap();
}

async fn whole_flow(app: &TestApp, browser: &Browser) -> Result<()> {
    let tenant = program_with_owner_as_partner(app).await;
    let owner_email = format!("owner@{}.example", tenant.slug);

    // The login page, before anyone is logged in.
    browser.goto("/login").await?;
    browser.find("login-page").await?;
    both_widths(browser, "login").await?;

    // The owner invites Eva; she opens the link from her email.
    let (status, body) = app
        .post(
            "/v1/invitations",
            Some(&tenant.token),
            json!({"first_name": "Eva", "last_name": "Nowak", "email": EVA, "subject": "Join us"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let invitation = app.token_from_email(EVA, "/register?invitation=").await;
    browser
        .goto(&format!("/register?invitation={invitation}"))
        .await?;
    browser
        .wait_for_text("invited-by", "portal Inc", false)
        .await?;
    assert_eq!(browser.value("input-email").await?, EVA, "prefilled");
    assert_eq!(browser.value("input-name").await?, "Eva Nowak", "prefilled");
    both_widths(browser, "register").await?;

    // A bad password is named next to its field; a good one logs her in.
    browser.fill("input-password", "short").await?;
    browser.click("register-submit").await?;
    let complaint = browser.wait_for_any_text("error-password").await?;
    assert!(
        complaint.contains("character"),
        "the password error is next to it: {complaint}"
    );
    // The terms are linked, and must be accepted.
    browser.fill("input-password", PASSWORD).await?;
    browser.find("terms-link").await?;
    browser.click("register-submit").await?;
    browser.wait_for_any_text("error-accept_terms").await?;
    browser.click("input-accept_terms").await?;
    browser.click("register-submit").await?;
    browser.find("dashboard").await?;
    let link = browser.value("referral-link").await?;
    assert!(link.contains("/r/") && link.contains("?program="), "{link}");
    let qr = browser.find("qr-code").await?;
    let started = std::time::Instant::now();
    while !qr.html(true).await?.contains("<svg") {
        assert!(started.elapsed().as_secs() < 10, "the QR code appears");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        browser.text("payout-blocker").await?.contains("20.00"),
        "nothing to pay out yet: the minimum is shown"
    );
    // The registration page and the dashboard came as their own chunks; no staff view came along.
    let files = browser.downloaded_files().await?;
    let fetched = |page: &str| {
        files
            .iter()
            .any(|f| f.contains(&format!("_{page}_page_view_")))
    };
    assert!(fetched("register") && fetched("dashboard"), "{files:?}");
    let staff_pages = [
        "staff_partners",
        "staff_payouts",
        "program",
        "staff_users",
        "deal_lookup",
    ];
    assert!(!staff_pages.iter().any(|page| fetched(page)), "{files:?}");
    assert_eq!(
        browser.stopped_cause().await?,
        None,
        "no page failed to load"
    );

    // A deal she brought in is won (through the API, as the CRM would).
    let eva = partner_id_of(app, &tenant, EVA).await;
    let (status, body) = app
        .put(
            "/v1/deals/d-1",
            &tenant.token,
            json!({"amount": "500.00", "status": "won", "partner_id": eva}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    browser.wait_for_text("balance", "50.00", true).await?;
    both_widths(browser, "dashboard").await?;
    browser.goto("/commissions").await?;
    let row = browser.wait_for_text("entry-row", "50.00", false).await?;
    assert!(row.contains("d-1"), "the entry names its deal: {row}");

    // She asks for the whole balance.
    browser.goto("/dashboard").await?;
    browser.click("request-payout").await?;
    assert_eq!(browser.value("input-amount").await?, "50.00");
    browser.click("payout-submit").await?;
    browser
        .wait_for_text("payout-blocker", "open", false)
        .await?;
    browser.goto("/payouts").await?;
    browser
        .wait_for_text("payout-row", "Requested", false)
        .await?;
    log_out(browser).await?;

    // Staff pay it.
    log_in(browser, &tenant.slug, &owner_email).await?;
    browser.find("dashboard").await?;
    browser.goto("/staff/payouts").await?;
    browser
        .wait_for_text("queue-row", "Eva Nowak", false)
        .await?;
    both_widths(browser, "staff-payouts").await?;
    browser.click("pay").await?;
    browser.find("empty").await?;
    // Unticking "open only" fetches the whole queue again: the paid request is in it.
    browser.click("only-open").await?;
    browser.wait_for_text("queue-row", "Paid", false).await?;
    let (_, paid) = app.get("/v1/payouts?status=paid", &tenant.token).await;
    assert_eq!(paid["items"].as_array().unwrap().len(), 1, "{paid}");

    // The simulator shows what the server's preview says for a deal about to be won.
    let (status, body) = app
        .put(
            "/v1/deals/d-2",
            &tenant.token,
            json!({"amount": "812.35", "status": "pending", "partner_id": eva}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (_, preview) = app
        .get("/v1/deals/d-2/commission-preview?status=won", &tenant.token)
        .await;
    let server: Vec<(String, String)> = preview["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["level"].to_string(),
                c["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        server,
        [("1".into(), "81.24".into()), ("2".into(), "40.62".into())]
    );
    browser.goto("/staff/program").await?;
    browser.find("simulator").await?;
    browser.fill("input-sim_chain", "2").await?;
    browser.fill("input-sim_amount", "812.35").await?;
    browser.fill("input-sim_status", "won").await?;
    browser.wait_for_text("sim-total", "121.86", false).await?;
    let simulated: Vec<(String, String)> = browser
        .attrs("sim-row", "data-level")
        .await?
        .into_iter()
        .zip(browser.attrs("sim-row", "data-amount").await?)
        .collect();
    assert_eq!(simulated, server);
    // Editing the plan re-runs the walk at once.
    let levels = browser
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=level-value]"))
        .await?;
    // A level that is not a number is said next to that level, which is marked invalid.
    levels[1].clear().await?;
    levels[1].send_keys("7,5x").await?;
    let started = std::time::Instant::now();
    loop {
        let said = browser
            .client
            .find_all(fantoccini::Locator::Css("[data-testid=level-error]"))
            .await?;
        if !said[1].text().await?.trim().is_empty() {
            assert!(said[0].text().await?.trim().is_empty(), "only there");
            break;
        }
        anyhow::ensure!(started.elapsed().as_secs() < 10, "no error at the level");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        levels[1].attr("aria-invalid").await?.as_deref(),
        Some("true")
    );
    levels[1].clear().await?;
    levels[1].send_keys("7.5").await?;
    browser.wait_for_text("sim-total", "142.17", false).await?;
    assert_eq!(
        levels[1].attr("aria-invalid").await?.as_deref(),
        Some("false")
    );
    both_widths(browser, "program").await?;

    // The deal lookup shows the same preview through the portal.
    browser.goto("/staff/deals").await?;
    browser.fill("input-external_id", "d-2").await?;
    browser.click("find-deal").await?;
    browser.find("preview").await?;
    assert_eq!(
        browser
            .attrs("commission-row", "data-amount")
            .await?
            .last()
            .cloned(),
        Some("40.62".into())
    );
    both_widths(browser, "staff-deals").await?;

    // Moving the owner under Eva, who is below the owner, is refused and said so.
    browser.goto("/staff/partners").await?;
    browser
        .wait_for_text("partners-table", "Eva Nowak", false)
        .await?;
    browser.click("change-sponsor").await?;
    browser
        .find("sponsor-select")
        .await?
        .select_by_value(eva.as_str())
        .await?;
    browser.click("sponsor-save").await?;
    browser
        .wait_for_text("form-error", "downline", false)
        .await?;

    for (path, name, marker) in [
        ("/staff/partners", "staff-partners", "partner-row"),
        ("/staff/users", "staff-users", "users-table"),
        ("/referrals", "referrals", "tree-node"),
        ("/invite", "invite", "invite-page"),
    ] {
        browser.goto(path).await?;
        browser.find(marker).await?;
        both_widths(browser, name).await?;
    }
    log_out(browser).await?;

    // Eva sees it paid, in Polish, with Polish money — and the choice survives a reload.
    log_in(browser, &tenant.slug, EVA).await?;
    browser.find("dashboard").await?;
    browser.goto("/payouts").await?;
    browser.wait_for_text("payout-row", "Paid", false).await?;
    let language = browser.find("language").await?;
    language.select_by_value("pl").await?;
    browser
        .wait_for_text("payout-row", "Wypłacona", false)
        .await?;
    // WebDriver reports the no-break space of Polish money as a plain space.
    browser
        .wait_for_text("payout-row", "50,00 €", false)
        .await?;
    both_widths(browser, "payouts").await?;
    browser.goto("/commissions").await?;
    browser.wait_for_text("entry-row", "Wypłata", false).await?;
    both_widths(browser, "commissions").await?;
    // A lead she brought in shows under her referrals.
    let (_, partner) = app.get(&format!("/v1/partners/{eva}"), &tenant.token).await;
    let (status, body) = app
        .post(
            "/v1/leads",
            Some(&tenant.token),
            json!({"referral_code": partner["referral_code"], "name": "Carl Client", "source": "widget"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    browser.goto("/referrals").await?;
    browser
        .wait_for_text("lead-row", "Carl Client", false)
        .await?;
    // Her deals are there too, newest first, with what each earned her (d-2 is not won yet).
    browser.wait_for_text("deals", "d-1", false).await?;
    let order = browser.attrs("deal-row", "data-deal").await?;
    assert_eq!(order, ["d-2", "d-1"], "newest first");
    let earned = browser.attrs("deal-earned", "data-amount").await?;
    assert_eq!(earned, ["0.00", "50.00"], "what each earned her");
    both_widths(browser, "referrals-deals").await?;
    let (_, me) = app.get("/v1/me", &eva_session(app, &tenant).await).await;
    assert_eq!(me["user"]["language"], "pl", "her emails follow: {me}");

    // A deal of a partner below her pays her the second level; her dashboard names him.
    let (status, piotr) = app
        .post(
            "/v1/partners",
            Some(&tenant.token),
            json!({"email": "piotr@example.com", "name": "Piotr Kowal", "sponsor_id": eva}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{piotr}");
    let (status, body) = app
        .put(
            "/v1/deals/d-3",
            &tenant.token,
            json!({"amount": "300.00", "status": "won", "partner_id": piotr["id"]}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    browser.goto("/dashboard").await?;
    let recent = browser
        .wait_for_text("entries", "Piotr Kowal", true)
        .await?;
    assert!(
        recent.contains("15,00"),
        "the second level's share: {recent}"
    );
    Ok(())
}

async fn eva_session(app: &TestApp, tenant: &TestTenant) -> String {
    let (status, body): (StatusCode, Value) = app.login(tenant, EVA, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_company_starts_its_program_in_the_portal_and_confirms_its_email_from_the_outbox() {
    let app = TestApp::spawn_with_portal().await;
    in_chromium(&app, async |browser| start_a_program(&app, browser).await)
        .await
        .unwrap();
}

async fn start_a_program(app: &TestApp, browser: &Browser) -> Result<()> {
    browser.goto("/login").await?;
    browser.click("start-link").await?;
    browser.find("start-page").await?;
    browser.fill("input-name", "Kite Surf Co").await?;
    browser.fill("input-slug", "Kite Surf").await?;
    browser.fill("input-owner.name", "Kim").await?;
    browser
        .fill("input-owner.email", "kim@kite.example")
        .await?;
    browser.fill("input-owner.password", PASSWORD).await?;
    browser.click("start-submit").await?;
    // The API's complaint about the address lands next to that field.
    browser.wait_for_any_text("error-slug").await?;
    both_widths(browser, "start").await?;
    browser.fill("input-slug", "kite-surf").await?;
    browser.click("start-submit").await?;

    // The owner is logged in but gated until the email is confirmed; locally, the outbox has it.
    browser.find("email-gate").await?;
    browser.find("local-outbox").await?;
    confirm_from_the_outbox(app, browser, "kim@kite.example").await?;
    browser.click("join-submit").await?;
    browser.find("share-card").await?;
    let link = browser.value("referral-link").await?;
    assert!(link.contains("/r/"), "{link}");
    both_widths(browser, "dashboard-new-partner").await?;

    // Someone follows Kim's link: the form knows the program, who invited and the code.
    log_out(browser).await?;
    let path = link.trim_start_matches(&app.base);
    browser.goto(path).await?;
    browser.wait_for_text("invited-by", "Kim", false).await?;
    assert!(browser.text("invited-by").await?.contains("Kite Surf Co"));
    let code = path.split("/r/").nth(1).unwrap().split('?').next().unwrap();
    assert_eq!(browser.value("input-referral_code").await?, code);
    browser.fill("input-name", "Lou").await?;
    browser.fill("input-email", "lou@kite.example").await?;
    browser.fill("input-password", PASSWORD).await?;
    browser.click("register-submit").await?;
    // Registered by link, the email is not confirmed yet: the gate until it is.
    browser.find("email-gate").await?;
    both_widths(browser, "email-gate").await?;
    browser.click("resend").await?;
    let started = std::time::Instant::now();
    while app.cloud.outbox().messages_to("lou@kite.example").len() < 2 {
        assert!(started.elapsed().as_secs() < 5, "the link is sent again");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    confirm_from_the_outbox(app, browser, "lou@kite.example").await?;
    browser.find("share-card").await?;
    let (_, partners) = app
        .get("/v1/partners?scope=all", &owner_token(app).await)
        .await;
    let lou = partners["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["email"] == "lou@kite.example")
        .expect("Lou is a partner");
    assert_eq!(lou["depth"], 1, "under Kim: {lou}");

    // A bookkeeper with manage_balances only sees the payout queue, not the program settings.
    let (status, body) = app
        .post(
            "/v1/users",
            Some(&owner_token(app).await),
            json!({"email": "bo@kite.example", "name": "Bo", "password": PASSWORD,
                   "permissions": ["manage_balances"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.confirm_email("bo@kite.example").await;
    log_out(browser).await?;
    log_in(browser, "kite-surf", "bo@kite.example").await?;
    let home = browser
        .wait_for_text("staff-home", "Payout requests", false)
        .await?;
    assert!(!home.contains("Program"), "{home}");
    browser.goto("/staff/program").await?;
    browser.find("forbidden").await?;
    browser.goto("/staff/payouts").await?;
    browser.find("staff-payouts-page").await?;
    Ok(())
}

/// Opens the newest confirmation link emailed to `email`, then the dashboard.
async fn confirm_from_the_outbox(app: &TestApp, browser: &Browser, email: &str) -> Result<()> {
    let token = app.token_from_email(email, "/confirm-email?token=").await;
    browser
        .goto(&format!("/confirm-email?token={token}"))
        .await?;
    browser.find("confirmed").await?;
    browser.goto("/dashboard").await
}

async fn owner_token(app: &TestApp) -> String {
    let (status, body) = app
        .post(
            "/v1/auth/login",
            None,
            json!({"tenant": "kite-surf", "email": "kim@kite.example", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// A copy of the built portal without the modules whose names hold one of `markers` (a page's own
/// code is `…_<page>_page_view_…`), as a browser meets them offline or when a deploy has removed
/// the build it was running.
fn portal_without(markers: &[&str]) -> std::path::PathBuf {
    fn copy(from: &std::path::Path, to: &std::path::Path, leave_out: &[&str]) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &to.join(&name), leave_out);
            } else if !leave_out.iter().any(|marker| name.contains(marker)) {
                std::fs::copy(entry.path(), to.join(&name)).unwrap();
            }
        }
    }
    let dir = std::env::temp_dir().join(format!(
        "upline-portal-without{}{}",
        markers.concat(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    copy(&upline_tests::browser::portal_dir(), &dir, markers);
    dir
}

#[tokio::test]
async fn a_page_whose_code_cannot_be_fetched_says_so_and_offers_a_reload() {
    let dist = portal_without(&["_forgot_password_page_view_"]);
    let app = TestApp::spawn_with_portal_in(dist.clone()).await;
    let outcome = in_chromium(&app, async |browser| {
        browser.goto("/login").await?;
        browser.click("forgot-link").await?;
        let banner = browser.wait_for_any_text("stopped").await?;
        assert!(banner.contains("could not be loaded"), "{banner}");
        browser.find("reload").await?;
        browser.screenshot("page-not-loaded", DESKTOP).await?;
        Ok(())
    })
    .await;
    let _ = std::fs::remove_dir_all(&dist);
    outcome.unwrap();
}

#[tokio::test]
async fn charts_whose_code_cannot_be_fetched_say_so_and_the_dashboard_keeps_working() {
    dashboard_without(&["_earnings_charts_"], 1).await;
}

#[tokio::test]
async fn a_dashboard_without_its_qr_and_latest_entries_code_says_so_and_keeps_working() {
    dashboard_without(&["_share_extras_", "_recent_activity_"], 2).await;
}

/// A partner logs in to a portal missing the modules of `markers` (parts of the dashboard fetched
/// after it shows): each missing part says so in its place (`complaints` of them), and the
/// balance, the link, the payout button and the rest of the portal keep working.
async fn dashboard_without(markers: &[&str], complaints: usize) {
    let dist = portal_without(markers);
    let app = TestApp::spawn_with_portal_in(dist.clone()).await;
    let outcome = in_chromium(&app, async |browser| {
        let tenant = program_with_owner_as_partner(&app).await;
        log_in(
            browser,
            &tenant.slug,
            &format!("owner@{}.example", tenant.slug),
        )
        .await?;
        let complaint = browser.wait_for_any_text("load-error").await?;
        assert!(complaint.contains("could not be loaded"), "{complaint}");
        browser.wait_for_count("load-error", complaints).await?;
        // The rest of the dashboard is there, and the portal still answers.
        browser.find("balance").await?;
        browser.find("referral-link").await?;
        browser.find("payout-blocker").await?;
        browser.click("nav-payouts").await?;
        browser.find("payouts-page").await?;
        assert_eq!(
            browser.stopped_cause().await?,
            None,
            "the portal did not stop"
        );
        Ok(())
    })
    .await;
    let _ = std::fs::remove_dir_all(&dist);
    outcome.unwrap();
}

#[tokio::test]
async fn a_partner_shares_invites_searches_and_pages_and_staff_adjust_reject_and_add_users() {
    let app = TestApp::spawn_with_portal().await;
    in_chromium(&app, async |browser| everyday_work(&app, browser).await)
        .await
        .unwrap();
}

/// What partners and staff do on most days, each through its form in the portal, checked
/// against the API afterwards.
async fn everyday_work(app: &TestApp, browser: &Browser) -> Result<()> {
    let tenant = program_with_owner_as_partner(app).await;
    let owner_email = format!("owner@{}.example", tenant.slug);
    let (_, me) = app.get("/v1/partners/me", &tenant.token).await;
    let owner = PartnerId::from(me["id"].as_str().unwrap());
    let ana = app.create_partner(&tenant, "Ana", Some(&owner)).await;
    let bo = app.create_partner(&tenant, "Bo", Some(&ana)).await;
    let cy = app.create_partner(&tenant, "Cy", Some(&bo)).await;
    // Thirty small credits: more history than one page shows. A bookkeeper makes them, since
    // nobody moves money in their own wallet.
    let (_, keeper) = app
        .staff_user(&tenant, "Keeper", &["manage_balances"], None)
        .await;
    for n in 1..=30 {
        let (status, body) = app
            .post(
                &format!("/v1/partners/{owner}/wallet/adjustments"),
                Some(&keeper),
                json!({"amount": "1.00", "reason": format!("credit {n}")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    // She forgot her password: the link from her email sets a new one and logs her in.
    browser.goto("/login").await?;
    browser.click("forgot-link").await?;
    browser.fill("input-tenant", &tenant.slug).await?;
    browser.fill("input-email", &owner_email).await?;
    browser.click("forgot-submit").await?;
    browser.find("link-sent").await?;
    let token = app
        .token_from_email(&owner_email, "/set-password?token=")
        .await;
    browser
        .goto(&format!("/set-password?token={token}"))
        .await?;
    browser.fill("input-password", PASSWORD).await?;
    browser.click("set-password-submit").await?;
    browser.wait_for_path("/dashboard").await?;
    // A new password ends every session she had: the API calls below log in afresh.
    let (status, _) = app.get("/v1/partners/me", &tenant.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old session ended");
    let (status, login) = app.login(&tenant, &owner_email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let fresh_token = login["token"].as_str().unwrap().to_owned();

    // The dashboard's share buttons carry her link; the QR code downloads as PNG and SVG.
    let link = browser.value("referral-link").await?;
    let encoded: String = url_encoded(&link);
    for network in ["email", "whatsapp", "telegram", "x", "facebook", "linkedin"] {
        let href = browser.attrs(&format!("share-{network}"), "href").await?;
        assert!(
            href.first().is_some_and(|h| h.contains(&encoded)),
            "{network}: {href:?}"
        );
    }
    browser.find("qr-code").await?;
    for download in ["qr-png", "qr-svg"] {
        let started = std::time::Instant::now();
        while !browser.attrs(download, "href").await?[0].starts_with("blob:") {
            anyhow::ensure!(started.elapsed().as_secs() < 10, "{download} has no file");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    // Her structure: three below her, as a table, searched and cut by depth.
    browser.click("nav-referrals").await?;
    browser.wait_for_text("downline-count", "3", false).await?;
    browser.click("view-table").await?;
    browser.wait_for_count("referral-row", 3).await?;
    browser.fill("search", "cy").await?;
    browser.wait_for_count("referral-row", 1).await?;
    browser.fill("search", "").await?;
    browser.wait_for_count("referral-row", 3).await?;
    browser
        .find("depth-filter")
        .await?
        .select_by_value("2")
        .await?;
    browser.wait_for_count("referral-row", 1).await?;
    assert!(browser.text("referrals-table").await?.contains("Bo"));

    // The history shows 25 entries, then the rest on "Load more".
    browser.click("nav-commissions").await?;
    browser.wait_for_count("entry-row", 25).await?;
    browser.click("load-more").await?;
    browser.wait_for_count("entry-row", 30).await?;
    assert!(!browser.has("load-more").await, "nothing more to load");

    // She invites someone with every field of the form; the invitation is emailed.
    browser.click("nav-invite").await?;
    browser.fill("input-first_name", "Dora").await?;
    browser.fill("input-last_name", "Lis").await?;
    browser.fill("input-email", "dora@people.example").await?;
    browser.fill("input-phone", "+48600100200").await?;
    browser.fill("input-subject", "Come aboard").await?;
    browser.fill("input-body", "We pay on time.").await?;
    browser.click("invite-submit").await?;
    browser.find("invitation-sent").await?;
    let invitation = app
        .token_from_email("dora@people.example", "/register?invitation=")
        .await;
    let (status, prefill) = app
        .request(
            reqwest::Method::GET,
            &format!("/v1/invitations/{invitation}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{prefill}");
    assert_eq!(prefill["phone"], "+48600100200", "{prefill}");

    // Staff adjust Cy's wallet from the partners list, with a reason.
    browser.goto("/staff/partners").await?;
    browser.fill("search", "Cy").await?;
    browser.wait_for_count("partner-row", 1).await?;
    browser.click("adjust").await?;
    browser.fill("input-amount", "12.50").await?;
    browser.fill("input-reason", "conference bonus").await?;
    browser.click("adjust-submit").await?;
    browser
        .wait_for_text("partner-balance", "12.50", false)
        .await?;
    let (_, entries) = app
        .get(&format!("/v1/partners/{cy}/wallet/entries"), &fresh_token)
        .await;
    assert_eq!(entries["items"][0]["reason"], "conference bonus");

    // She asks for a payout; staff reject it with a reason, and she is told why.
    let (status, payout) = app
        .post(
            "/v1/payouts",
            Some(&fresh_token),
            json!({"amount": "20.00"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{payout}");
    browser.goto("/staff/payouts").await?;
    browser.wait_for_count("queue-row", 1).await?;
    browser.click("reject").await?;
    browser.fill("input-reason", "bank details missing").await?;
    browser.click("reject-submit").await?;
    browser.wait_for_count("queue-row", 0).await?;
    let (_, rejected) = app.get("/v1/payouts?status=rejected", &fresh_token).await;
    assert_eq!(rejected["items"][0]["id"], payout["id"]);
    assert_eq!(rejected["items"][0]["reason"], "bank details missing");
    let started = std::time::Instant::now();
    while !app
        .cloud
        .outbox()
        .messages_to(&owner_email)
        .iter()
        .any(|m| m.body.contains("bank details missing"))
    {
        anyhow::ensure!(
            started.elapsed().as_secs() < 5,
            "the rejection email says why"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // A bookkeeper joins the staff with one permission.
    browser.goto("/staff/users").await?;
    browser.find("users-table").await?;
    browser.fill("input-name", "Bea Keeper").await?;
    browser.fill("input-email", "bea@people.example").await?;
    browser.fill("input-password", PASSWORD).await?;
    browser
        .client
        .find(fantoccini::Locator::Id("perm-manage_balances"))
        .await?
        .click()
        .await?;
    browser.click("add-user").await?;
    browser
        .wait_for_text("users-table", "bea@people.example", false)
        .await?;
    let (_, users) = app.get("/v1/users", &fresh_token).await;
    let bea = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "bea@people.example")
        .expect("Bea is a user");
    assert_eq!(bea["permissions"], json!(["manage_balances"]));
    // Later she may also see every partner: edited in her row, the newest (users are listed
    // oldest first, partners' accounts among them).
    browser
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=edit-user]"))
        .await?
        .pop()
        .expect("Bea's row has an edit button")
        .click()
        .await?;
    browser.click("edit-view_all_partners").await?;
    browser.click("save-user").await?;
    // Saved: the editor closes and the list is read again.
    browser.wait_for_count("user-form", 0).await?;
    browser.find("edit-user").await?;
    both_widths(browser, "staff-users-edited").await?;
    let (_, users) = app.get("/v1/users", &fresh_token).await;
    let bea = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "bea@people.example")
        .expect("Bea is a user");
    assert_eq!(
        bea["permissions"],
        json!(["view_all_partners", "manage_balances"])
    );

    // The audit log has both changes, newest first, with who made them and what changed.
    browser.goto("/staff/audit").await?;
    browser
        .wait_for_text("audit-table", "user.permissions", false)
        .await?;
    let actions = browser.attrs("audit-row", "data-action").await?;
    assert_eq!(
        actions[..2],
        ["user.permissions".to_owned(), "user.create".to_owned()],
        "newest first: {actions:?}"
    );
    let log = browser.text("audit-table").await?;
    assert!(log.contains(&owner_email), "the owner made them: {log}");
    assert!(
        log.contains(
            "permissions: [\"manage_balances\"] → [\"view_all_partners\",\"manage_balances\"]"
        ),
        "what changed: {log}"
    );
    both_widths(browser, "staff-audit").await?;
    // Bea has changed nothing; a period that ended before the program started has no changes.
    let bea_id = bea["id"].as_str().unwrap();
    browser
        .find("audit-actor")
        .await?
        .select_by_value(bea_id)
        .await?;
    browser.find("empty").await?;
    browser
        .find("audit-actor")
        .await?
        .select_by_value("")
        .await?;
    browser
        .wait_for_text("audit-table", "user.create", false)
        .await?;
    browser.choose_date("audit-to", "2020-01-01").await?;
    browser.find("empty").await?;

    // In Russian the menu speaks Russian, and stays so after a reload.
    browser
        .find("language")
        .await?
        .select_by_value("ru")
        .await?;
    browser
        .wait_for_text("nav-payouts", "Выплаты", false)
        .await?;
    browser.goto("/dashboard").await?;
    browser
        .wait_for_text("nav-payouts", "Выплаты", false)
        .await?;
    Ok(())
}

/// `text` as `encodeURIComponent` writes it.
fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn staff_required_to_use_two_factor_login_turn_it_on_in_the_portal_and_then_log_in_with_a_code()
 {
    let app = TestApp::spawn_with_portal().await;
    let tenant = app.create_tenant("guarded").await;
    require_of_staff(&app, &tenant.token).await;
    app.staff_user(&tenant, "Vic", &["view_all_partners"], None)
        .await;
    in_chromium(&app, async |browser| {
        two_factor_in_the_portal(browser, "vic@staff.example").await
    })
    .await
    .unwrap();
}

async fn two_factor_in_the_portal(browser: &Browser, email: &str) -> Result<()> {
    let submit_login = async |code: Option<String>| -> Result<()> {
        browser.goto("/login").await?;
        browser.fill("input-tenant", "guarded").await?;
        browser.fill("input-email", email).await?;
        browser.fill("input-password", PASSWORD).await?;
        browser.click("login-submit").await?;
        if let Some(code) = code {
            // The form asks for the code once the API says it is needed.
            browser.fill("input-totp", &code).await?;
            browser.click("login-submit").await?;
        }
        Ok(())
    };
    // Every page leads to turning it on, until it is on.
    submit_login(None).await?;
    browser.wait_for_path("/account/security").await?;
    browser.find("two-factor-required").await?;
    browser.goto("/staff/partners").await?;
    browser.wait_for_path("/account/security").await?;
    browser.click("two-factor-start").await?;
    let secret = browser.wait_for_any_text("two-factor-secret").await?;
    browser.find("two-factor-qr").await?;
    both_widths(browser, "two-factor-setup").await?;
    browser.fill("input-code", &code(&secret, now())).await?;
    browser.click("two-factor-confirm").await?;
    browser.find("two-factor-on").await?;
    assert!(!browser.has("two-factor-required").await);
    both_widths(browser, "two-factor-on").await?;
    browser.goto("/staff/partners").await?;
    browser.find("staff-partners-page").await?;

    // The next login needs a code: this step's was taken by the confirmation, so the next one.
    log_out(browser).await?;
    submit_login(Some(code(&secret, now() + 30))).await?;
    browser.wait_for_path("/dashboard").await
}

#[tokio::test]
async fn a_partner_sees_held_commissions_as_pending_with_their_date_and_then_as_balance() {
    let app = TestApp::spawn_with_portal().await;
    in_chromium(&app, async |browser| held_commissions(&app, browser).await)
        .await
        .unwrap();
}

async fn held_commissions(app: &TestApp, browser: &Browser) -> Result<()> {
    let tenant = program_with_owner_as_partner(app).await;
    let (status, body) = app
        .put("/v1/program", &tenant.token, json!({"hold_days": 14}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let owner = format!("owner@{}.example", tenant.slug);
    let partner = partner_id_of(app, &tenant, &owner).await;
    let (status, body) = app
        .put_deal(&tenant, "held-1", "300.00", "won", &partner)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    log_in(browser, &tenant.slug, &owner).await?;
    browser
        .wait_for_text("pending-amount", "30.00", true)
        .await?;
    assert!(browser.text("balance").await?.contains("0.00"));
    // Held money cannot be asked for: the minimum (20.00) is measured against the balance.
    assert!(
        !browser
            .wait_for_any_text("payout-blocker")
            .await?
            .is_empty()
    );
    both_widths(browser, "dashboard-pending").await?;
    browser.click("nav-commissions").await?;
    let status = browser
        .wait_for_text("entry-status", "Pending until", false)
        .await?;
    let (_, entries) = app
        .get(
            &format!("/v1/partners/{partner}/wallet/entries"),
            &tenant.token,
        )
        .await;
    let available_at = entries["items"][0]["available_at"].as_str().unwrap();
    let day = available_at.get(8..10).unwrap().trim_start_matches('0');
    assert!(
        status.contains(day),
        "{status} shows the day of {available_at}"
    );
    both_widths(browser, "commissions-pending").await?;

    let released = app
        .cloud
        .sweep_due_at(time::OffsetDateTime::now_utc() + time::Duration::days(15))
        .await;
    assert_eq!(released.released, 1, "the owner has no sponsor: one entry");
    browser
        .wait_for_text("entry-status", "Available", true)
        .await?;
    browser.wait_for_text("balance", "30.00", true).await?;
    assert!(!browser.has("pending").await, "nothing is held any more");
    Ok(())
}
