//! The served OpenAPI document, checked by tools nobody here wrote: it is the committed
//! `docs/openapi.json`, `openapi-spec-validator` accepts it, and Schemathesis, generating
//! requests for every operation from it, finds no server error and no answer off the schema.

use serde_json::Value;
use std::path::{Path, PathBuf};
use upline_tests::TestApp;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// A tool of `tests/contract/requirements.txt`, which `make tools` installs into `.venv`.
fn tool(name: &str) -> PathBuf {
    let path = repository().join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `make tools` (it installs tests/contract/requirements.txt into .venv)",
        path.display()
    );
    path
}

#[tokio::test]
async fn the_served_document_is_the_committed_one_and_a_valid_openapi_document() {
    let app = TestApp::spawn().await;
    let served: Value = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed_path = repository().join("docs/openapi.json");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(&committed_path).unwrap()).unwrap();
    assert!(
        served == committed,
        "docs/openapi.json is stale: run `cargo run -p upline-api --bin upline-openapi`"
    );
    let checked = std::process::Command::new(tool("openapi-spec-validator"))
        .arg(&committed_path)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// What Schemathesis may still report: a schema-valid request refused (ST202) or a
/// schema-violating one taken (ST201), where a rule of the server (a slug already taken, a
/// deal's rule) cannot be said in JSON Schema. Anything else (a 5xx, an answer off its schema,
/// an undocumented status or content type) means the document and the server disagree.
const TOLERATED: &[&str] = &["ST201", "ST202"];

const FUZZ_SITE: &str = "http://fuzz.localhost:9000";

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_server_error_and_no_answer_off_the_schema() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("fuzzed").await;
    // The widget's capture endpoints answer pages of the program's sites: every request of the
    // run comes from one (an `Origin` is harmless elsewhere).
    let (status, _) = app
        .put(
            "/v1/program",
            &tenant.token,
            serde_json::json!({"widget_origins": [FUZZ_SITE]}),
        )
        .await;
    assert_eq!(status, upline_tests::StatusCode::OK);
    let examples = std::env::var("UPLINE_FUZZ_EXAMPLES").unwrap_or_else(|_| "8".into());
    let report =
        std::env::temp_dir().join(format!("upline-schemathesis-{}.json", std::process::id()));
    let base = app.base.clone();
    let token = tenant.token.clone();
    let report_path = report.clone();
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new(tool("schemathesis"))
            .env("SCHEMATHESIS_HOOKS", "hooks")
            .env("PYTHONPATH", repository().join("tests/contract"))
            .args(["run", &format!("{base}/openapi.json"), "--url", &base])
            .args([
                "--checks",
                "all",
                "--max-examples",
                &examples,
                "--seed",
                "1",
            ])
            // One worker: Hypothesis's source inspection is not thread-safe ("AST constructor
            // recursion depth mismatch" under two), and the run stays short anyway.
            .args(["--workers", "1", "--no-color"])
            // Logging out would end the session every other operation is tested with.
            .args(["--exclude-path", "/v1/auth/logout"])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["-H", &format!("Origin: {FUZZ_SITE}")])
            .args(["--report", "json", "--report-json-path"])
            .arg(&report_path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = output
        .rsplit_once("SUMMARY")
        .map_or(output.as_str(), |(_, s)| s);
    println!("{output}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(&report)
            .unwrap_or_else(|_| panic!("no report; output:\n{output}")),
    )
    .unwrap();
    let failures = report["failures"].as_array().cloned().unwrap_or_default();
    let broken: Vec<&Value> = failures
        .iter()
        .filter(|f| !TOLERATED.contains(&f["code"].as_str().unwrap_or("")))
        .collect();
    assert!(
        broken.is_empty(),
        "schemathesis found failures of checks that must hold: {broken:#?}\n{output}"
    );
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "schemathesis could not test some operations:\n{summary}"
    );
    // Routes no session opens (an API key's, an embed token's) answer the owner 401 or 403
    // by design; any other route that did means the owner's token stopped working.
    let not_for_sessions: Vec<String> = upline_api::routes::ROUTES
        .iter()
        .filter(|r| {
            matches!(
                r.who,
                upline_api::routes::Who::ApiKey | upline_api::routes::Who::Embed
            )
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let refused: Vec<&Value> = report["warnings"]["missing_auth"]
        .as_array()
        .map(|ops| {
            ops.iter()
                .filter(|op| !not_for_sessions.iter().any(|n| op.as_str() == Some(n)))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        refused.is_empty(),
        "the owner's token stopped working during the run: {refused:?}\n{summary}"
    );
}
