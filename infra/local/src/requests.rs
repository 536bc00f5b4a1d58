//! Watches every DynamoDB request the local clients send. Two uses:
//! - counts by operation, so the load run can say how many requests a deal costs (retries are
//!   separate requests and are counted);
//! - which IAM actions each function used on which partition key families, so a test can check
//!   that the SAM template grants each function exactly what it does. A request is attributed to
//!   the function named by the task-local [`FUNCTION`] (set per route by the local cloud, and to
//!   `stream` around the stream handler).

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

static COUNTS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());
static USES: Mutex<BTreeMap<String, BTreeSet<(String, String)>>> = Mutex::new(BTreeMap::new());

tokio::task_local! {
    /// The function (route id, or `stream`) on whose behalf the current task calls DynamoDB.
    pub static FUNCTION: &'static str;
}

#[derive(Debug)]
pub struct CountRequests;

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "CountRequests"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        // DynamoDB's JSON protocol names the operation: `DynamoDB_20120810.TransactWriteItems`.
        let operation = request
            .headers()
            .get("x-amz-target")
            .and_then(|target| target.rsplit('.').next())
            .unwrap_or("unknown")
            .to_owned();
        if let Ok(mut counts) = COUNTS.lock() {
            *counts.entry(operation.clone()).or_default() += 1;
        }
        if let Ok(function) = FUNCTION.try_with(|f| *f) {
            let body: Value = request
                .body()
                .bytes()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or_default();
            if let Ok(mut uses) = USES.lock() {
                uses.entry(function.to_owned())
                    .or_default()
                    .extend(iam_uses(&operation, &body));
            }
        }
        Ok(())
    }
}

/// The IAM actions and key families one request needs. A transaction needs the item actions
/// inside it (there is no `dynamodb:TransactWriteItems` permission).
pub fn iam_uses(operation: &str, body: &Value) -> Vec<(String, String)> {
    let mut uses = Vec::new();
    if operation == "TransactWriteItems" {
        for item in body["TransactItems"].as_array().into_iter().flatten() {
            for (kind, action) in [
                ("Put", "PutItem"),
                ("Update", "UpdateItem"),
                ("Delete", "DeleteItem"),
                ("ConditionCheck", "ConditionCheckItem"),
            ] {
                for family in key_families(&item[kind]) {
                    uses.push((format!("dynamodb:{action}"), family));
                }
            }
        }
    } else {
        for family in key_families(body) {
            uses.push((format!("dynamodb:{operation}"), family));
        }
    }
    uses
}

/// The families of every partition key value in a request: `T#tn_1#P#pt_2` → `T#*#P#*`.
fn key_families(value: &Value) -> BTreeSet<String> {
    let mut families = BTreeSet::new();
    collect(value, &mut families);
    families
}

fn collect(value: &Value, families: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (name, inner) in map {
                match (name.as_str(), inner["S"].as_str()) {
                    ("pk" | ":pk", Some(key)) => {
                        families.insert(family(key));
                    }
                    _ => collect(inner, families),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, families)),
        _ => {}
    }
}

/// Keeps the upper-case type tags of a key and stars the values between them.
pub fn family(key: &str) -> String {
    let tokens: Vec<&str> = key.split('#').collect();
    let mut parts = Vec::new();
    for pair in tokens.chunks(2) {
        let tag = pair[0];
        if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_uppercase()) {
            break;
        }
        parts.push(tag.to_owned());
        if pair.len() == 2 {
            parts.push("*".to_owned());
        }
    }
    parts.join("#")
}

/// Requests sent so far, by operation.
pub fn snapshot() -> BTreeMap<String, u64> {
    COUNTS
        .lock()
        .map(|counts| counts.clone())
        .unwrap_or_default()
}

/// Requests sent between two snapshots.
pub fn since(before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    snapshot()
        .into_iter()
        .map(|(op, n)| {
            let earlier = before.get(&op).copied().unwrap_or(0);
            (op, n - earlier)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Records a use of the sealing key (`kms:…`) by the current function.
pub fn record_key_use(action: &'static str) {
    if let Ok(function) = FUNCTION.try_with(|f| *f)
        && let Ok(mut uses) = USES.lock()
    {
        uses.entry(function.to_owned())
            .or_default()
            .insert((action.to_owned(), KEY_USE_FAMILY.to_owned()));
    }
}

/// The "key family" of a KMS use: KMS actions are on the sealing key, not on table keys.
pub const KEY_USE_FAMILY: &str = "(sealing key)";

/// What each function has been seen to do: function → {(IAM action, key family)}.
pub fn iam_seen() -> BTreeMap<String, BTreeSet<(String, String)>> {
    USES.lock().map(|uses| uses.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_families_keep_tags_and_star_values() {
        assert_eq!(family("T#tn_1#P#pt_2"), "T#*#P#*");
        assert_eq!(family("T#tn_1"), "T#*");
        assert_eq!(family("SLUG#acme"), "SLUG#*");
        assert_eq!(family("T#tn_1#EMAIL#a#b@x.io"), "T#*#EMAIL#*");
    }

    #[test]
    fn a_transaction_needs_the_actions_inside_it() {
        let body = json!({"TransactItems": [
            {"Put": {"Item": {"pk": {"S": "T#t#P#p"}, "gsi1pk": {"S": "T#t#PARTNERS"}}}},
            {"Update": {"Key": {"pk": {"S": "T#t#D#d"}, "sk": {"S": "WALK"}}}}
        ]});
        let uses = iam_uses("TransactWriteItems", &body);
        assert_eq!(
            uses,
            vec![
                ("dynamodb:PutItem".to_owned(), "T#*#P#*".to_owned()),
                ("dynamodb:UpdateItem".to_owned(), "T#*#D#*".to_owned()),
            ]
        );
        let query = json!({"ExpressionAttributeValues": {":pk": {"S": "T#t#D#d"}}});
        assert_eq!(
            iam_uses("Query", &query),
            vec![("dynamodb:Query".to_owned(), "T#*#D#*".to_owned())]
        );
    }
}
