//! The committed SAM template agrees with the code: routes, functions, policies and table.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use upline_api::routes::{ROUTES, STREAM_IAM, TERMS_WRITERS};
use upline_sam::function_name;
use upline_store::schema::TABLE;

fn template_on_disk() -> Value {
    let text =
        std::fs::read_to_string(upline_sam::template_path()).expect("infra/template.yaml exists");
    serde_yaml::from_str(&text).expect("the template is YAML")
}

#[test]
fn the_committed_template_is_what_the_code_generates() {
    let on_disk = std::fs::read_to_string(upline_sam::template_path()).unwrap();
    assert!(
        on_disk == upline_sam::template_yaml(),
        "infra/template.yaml is stale: run `cargo run -p upline-sam`"
    );
}

#[test]
fn every_route_has_its_own_function_and_the_http_api_serves_nothing_else() {
    let template = template_on_disk();
    let resources = template["Resources"].as_object().unwrap();
    let served: BTreeSet<(String, String, String)> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .flat_map(|(name, r)| {
            r["Properties"]["Events"]
                .as_object()
                .unwrap()
                .values()
                .filter(|e| e["Type"] == "HttpApi")
                .map(move |e| {
                    (
                        name.clone(),
                        e["Properties"]["Method"].as_str().unwrap().to_owned(),
                        e["Properties"]["Path"].as_str().unwrap().to_owned(),
                    )
                })
        })
        .collect();
    // Each route at its method, and the widget's capture routes also at OPTIONS (their
    // preflights, answered by the same function).
    let routes: BTreeSet<(String, String, String)> = ROUTES
        .iter()
        .flat_map(|r| {
            let preflight =
                (r.who == upline_api::routes::Who::Widget).then(|| "OPTIONS".to_owned());
            [Some(r.method.as_str().to_owned()), preflight]
                .into_iter()
                .flatten()
                .map(|method| (function_name(r.id), method, r.path.to_owned()))
        })
        .collect();
    assert_eq!(served, routes);
    for route in ROUTES {
        let function = &resources[&function_name(route.id)];
        assert_eq!(
            function["Properties"]["Environment"]["Variables"]["UPLINE_ROUTE"],
            route.id
        );
        // Only the terms route carries the S3 SDK, in its own binary.
        let binary = if TERMS_WRITERS.contains(&route.id) {
            "upline-terms"
        } else {
            "upline-api"
        };
        assert_eq!(function["Metadata"]["BuildProperties"]["Binary"], binary);
    }
}

fn function_statements(function: &Value) -> impl Iterator<Item = &Value> {
    function["Properties"]["Policies"][0]["Statement"]
        .as_array()
        .unwrap()
        .iter()
}

fn table_statement(function: &Value) -> Option<&Value> {
    function_statements(function).find(|s| {
        s["Action"].as_array().is_some_and(|a| {
            a.iter()
                .any(|a| a.as_str().unwrap().starts_with("dynamodb:"))
        })
    })
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn each_function_is_granted_its_declared_actions_on_its_declared_keys_only() {
    let template = template_on_disk();
    let resources = &template["Resources"];
    let mut checked = vec![("StreamFunction".to_owned(), STREAM_IAM)];
    checked.extend(ROUTES.iter().map(|r| (function_name(r.id), r.iam)));
    for (name, iam) in checked {
        let statement = table_statement(&resources[&name]);
        if iam.actions.is_empty() {
            assert!(statement.is_none(), "{name} may touch the table");
            continue;
        }
        let statement = statement.unwrap_or_else(|| panic!("{name} has no table statement"));
        let declared = |prefix: &str| -> BTreeSet<String> {
            iam.actions
                .iter()
                .filter(|a| a.starts_with(prefix))
                .map(|a| a.to_string())
                .collect()
        };
        assert_eq!(
            strings(&statement["Action"]),
            declared("dynamodb:"),
            "{name}"
        );
        // The sealing key: only the KMS actions declared, only on that key, only for Upline's
        // data keys.
        let key_statement = function_statements(&resources[&name])
            .find(|s| s["Action"].to_string().contains("kms:"));
        match key_statement {
            None => assert!(declared("kms:").is_empty(), "{name} may not use the key"),
            Some(key) => {
                assert_eq!(strings(&key["Action"]), declared("kms:"), "{name}");
                assert_eq!(
                    key["Resource"],
                    json!({"Fn::GetAtt": ["SealingKey", "Arn"]})
                );
                assert_eq!(
                    key["Condition"]["StringEquals"]["kms:EncryptionContext:app"],
                    "upline"
                );
            }
        }
        let keys = &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
        assert_eq!(
            strings(keys),
            iam.keys.iter().map(|k| k.to_string()).collect(),
            "{name}"
        );
        let everything = resources.as_object().unwrap().values().any(|r| {
            r["Properties"]["Policies"]
                .to_string()
                .contains("\"dynamodb:*\"")
        });
        assert!(!everything, "no function may have dynamodb:*");
    }
}

#[test]
fn the_table_matches_the_schema_the_code_creates() {
    let template = template_on_disk();
    let table = &template["Resources"]["Table"]["Properties"];
    assert_eq!(table["KeySchema"][0]["AttributeName"], TABLE.pk);
    assert_eq!(table["KeySchema"][1]["AttributeName"], TABLE.sk);
    assert_eq!(
        table["StreamSpecification"]["StreamViewType"],
        TABLE.stream_view
    );
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(table["DeletionProtectionEnabled"], true);
    let indexes: Vec<(String, String, String)> = table["GlobalSecondaryIndexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["IndexName"].as_str().unwrap().into(),
                i["KeySchema"][0]["AttributeName"].as_str().unwrap().into(),
                i["KeySchema"][1]["AttributeName"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = TABLE
        .indexes
        .iter()
        .map(|i| (i.name.into(), i.pk.into(), i.sk.into()))
        .collect();
    assert_eq!(indexes, expected);
}

#[test]
fn the_stream_mapping_filters_retries_bounded_and_parks_failures() {
    let template = template_on_disk();
    let mapping = &template["Resources"]["StreamFunction"]["Properties"]["Events"]["TableStream"]["Properties"];
    assert_eq!(
        mapping["FunctionResponseTypes"][0],
        "ReportBatchItemFailures"
    );
    assert_eq!(mapping["BisectBatchOnFunctionError"], true);
    assert!(mapping["MaximumRetryAttempts"].as_u64().unwrap() <= 10);
    assert!(mapping["MaximumRecordAgeInSeconds"].as_u64().unwrap() <= 86_400);
    assert_eq!(mapping["DestinationConfig"]["OnFailure"]["Type"], "SQS");
    let pattern: Value = serde_json::from_str(
        mapping["FilterCriteria"]["Filters"][0]["Pattern"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        strings(&pattern["dynamodb"]["NewImage"]["entity"]["S"]),
        upline_sam::STREAM_ENTITIES
            .iter()
            .map(|e| e.to_string())
            .collect()
    );
    assert_eq!(
        strings(&pattern["eventName"]),
        BTreeSet::from(["INSERT".to_owned()])
    );
    let modified: Value = serde_json::from_str(
        mapping["FilterCriteria"]["Filters"][1]["Pattern"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        strings(&modified["eventName"]),
        BTreeSet::from(["MODIFY".to_owned()])
    );
    assert_eq!(
        strings(&modified["dynamodb"]["NewImage"]["entity"]["S"]),
        upline_sam::STREAM_MODIFIED_ENTITIES
            .iter()
            .map(|e| e.to_string())
            .collect()
    );
    let sweep = &template["Resources"]["StreamFunction"]["Properties"]["Events"]["SweepDue"];
    assert_eq!(sweep["Properties"]["ScheduleExpression"], "rate(1 minute)");
}

#[test]
fn emails_carry_absolute_links_and_only_the_terms_route_writes_terms() {
    let template = template_on_disk();
    let resources = &template["Resources"];
    let portal_url =
        &resources["StreamFunction"]["Properties"]["Environment"]["Variables"]["UPLINE_PORTAL_URL"];
    let text = portal_url.to_string();
    assert!(
        text.contains("https://${PortalDomainName}")
            && text.contains("PortalDistribution.DomainName"),
        "{text}"
    );
    let writers: Vec<&str> = resources
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource.to_string().contains("s3:PutObject"))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(writers, ["UploadTermsFunction"]);
    assert_eq!(
        resources["Table"]["Properties"]["TimeToLiveSpecification"]["AttributeName"],
        TABLE.ttl_attribute
    );
}

#[test]
fn the_portal_answers_its_routes_with_index_html_and_leaves_files_and_the_api_alone() {
    let template = template_on_disk();
    let distribution =
        &template["Resources"]["PortalDistribution"]["Properties"]["DistributionConfig"];
    assert!(
        distribution.get("CustomErrorResponses").is_none(),
        "error responses would rewrite the API's 403s and 404s too"
    );
    // The function itself, run by Node.js (which the machine has for DynamoDB Local's package).
    let script = format!(
        "{}\nfor (const uri of process.argv.slice(1)) console.log(handler({{request: {{uri}}}}).uri);",
        upline_sam::PORTAL_ROUTES_JS
    );
    let output = std::process::Command::new("node")
        .args(["-e", &script, "--"])
        .args([
            "/",
            "/dashboard",
            "/r/K7XQ2M",
            "/staff/users",
            "/pkg/main_bg.wasm",
            "/index.html",
        ])
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rewritten: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        rewritten,
        [
            "/index.html",
            "/index.html",
            "/index.html",
            "/index.html",
            "/pkg/main_bg.wasm",
            "/index.html"
        ]
    );
}
