//! `GET /v1/audit`, and how a handler makes the record of the change it writes (the store puts
//! the record in the change's own transaction).

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Paged;
use crate::serve::{Params, Reply};
use axum::extract::State;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upline_contract as c;
use upline_contract::{ApiKeyId, AuditActor, AuditEvent, Page, Permission, UserId};
use upline_store::audit::{AuditFilter, AuditRecord};

/// The record of a change `caller` makes now.
pub fn record(
    caller: &Caller,
    action: &str,
    target: impl Into<String>,
    details: Value,
) -> AuditRecord {
    let label = match caller {
        Caller::User(user) => user.email.to_string(),
        Caller::ApiKey(key) => key.name.clone(),
    };
    AuditRecord::new(
        caller.tenant_id(),
        caller.actor(),
        label,
        action,
        target,
        details,
    )
}

/// The top-level fields whose values differ, as `{"field": {"from": …, "to": …}}`.
pub fn changes<T: Serialize>(before: &T, after: &T) -> Value {
    let as_map = |value: &T| match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let (before, after) = (as_map(before), as_map(after));
    let mut changed = Map::new();
    for (field, to) in &after {
        let from = before.get(field).cloned().unwrap_or(Value::Null);
        if &from != to {
            changed.insert(field.clone(), json!({"from": from, "to": to}));
        }
    }
    for (field, from) in &before {
        if !after.contains_key(field) {
            changed.insert(field.clone(), json!({"from": from, "to": null}));
        }
    }
    Value::Object(changed)
}

/// A bound of `?from=` / `?to=`: an RFC 3339 time, or a date (`to` then means its whole day).
fn moment(field: &str, text: &str, end_of_day: bool) -> Result<i64, ApiError> {
    let millis = |at: OffsetDateTime| (at.unix_timestamp_nanos() / 1_000_000) as i64;
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(millis(at));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format)
        .map_err(|_| ApiError::invalid(field, "must be a date (2026-12-31) or an RFC 3339 time"))?;
    let start = millis(date.midnight().assume_utc());
    Ok(if end_of_day {
        start + 86_400_000 - 1
    } else {
        start
    })
}

fn actor_filter(text: &str) -> Result<String, ApiError> {
    let plausible =
        text.len() <= 64 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match text.split_once('_') {
        Some(("us", _)) if plausible => Ok(format!("user:{text}")),
        Some(("ak", _)) if plausible => Ok(format!("api_key:{text}")),
        _ => Err(ApiError::invalid(
            "actor",
            "must be a user id (us_…) or an API key id (ak_…)",
        )),
    }
}

fn cursor(text: &str) -> Result<&str, ApiError> {
    let ulid = text.strip_prefix("au_").unwrap_or("");
    if ulid.len() == 26 && ulid.parse::<ulid::Ulid>().is_ok() {
        Ok(text)
    } else {
        Err(ApiError::invalid(
            "cursor",
            "is not a cursor this list returned",
        ))
    }
}

fn event(record: AuditRecord) -> AuditEvent {
    let (user_id, api_key_id) = match record.actor.split_once(':') {
        Some(("user", id)) => (Some(UserId(id.to_owned())), None),
        Some(("api_key", id)) => (None, Some(ApiKeyId(id.to_owned()))),
        _ => (None, None),
    };
    AuditEvent {
        id: record.id,
        at: record.at.rfc3339,
        actor: AuditActor {
            user_id,
            api_key_id,
            label: record.actor_label,
        },
        action: record.action,
        target: record.target,
        details: record.details,
    }
}

/// `GET /v1/audit?from=&to=&actor=&cursor=&limit=`: newest first.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::ListAudit>,
) -> ApiResult<Reply<c::ListAudit>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let filter = AuditFilter {
        from_millis: params
            .from
            .as_deref()
            .map(|t| moment("from", t, false))
            .transpose()?,
        to_millis: params
            .to
            .as_deref()
            .map(|t| moment("to", t, true))
            .transpose()?,
        actor: params.actor.as_deref().map(actor_filter).transpose()?,
    };
    if let (Some(from), Some(to)) = (filter.from_millis, filter.to_millis)
        && from > to
    {
        return Err(ApiError::invalid("to", "must not be before from"));
    }
    let limit = params.page().limit()?;
    let before = params.cursor.as_deref().map(cursor).transpose()?;
    let (records, next) = state
        .store
        .audit_page(&tenant, &filter, limit as usize, before)
        .await?;
    Ok(Reply::ok(Page {
        items: records.into_iter().map(event).collect(),
        next_cursor: next,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_only_the_fields_that_differ() {
        let before = json!({"min_payout": "50.00", "open_signup": false, "plan": [1]});
        let after = json!({"min_payout": "75.00", "open_signup": false, "plan": [1]});
        assert_eq!(
            changes(&before, &after),
            json!({"min_payout": {"from": "50.00", "to": "75.00"}})
        );
    }

    #[test]
    fn a_date_bound_covers_its_whole_day() {
        let from = moment("from", "2026-12-06", false).unwrap();
        let to = moment("to", "2026-12-06", true).unwrap();
        assert_eq!(to - from, 86_400_000 - 1);
        assert!(moment("from", "yesterday", false).is_err());
    }

    #[test]
    fn an_actor_is_a_user_or_key_id() {
        assert_eq!(actor_filter("us_01abc").unwrap(), "user:us_01abc");
        assert_eq!(actor_filter("ak_01abc").unwrap(), "api_key:ak_01abc");
        assert!(actor_filter("pt_01abc").is_err());
        assert!(actor_filter("us_a:b").is_err());
    }
}
