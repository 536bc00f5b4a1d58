//! Staff → Audit log: who changed what and when, newest first, for a period and one person or
//! key, a page at a time.

use crate::api::{self, ApiError};
use crate::components::{Empty, ErrorBox, date, loaded};
use crate::fetched::Fetched;
use crate::i18n::T;
use crate::session::{text, tr};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use upline_contract as c;
use upline_contract::{ApiKey, AuditEvent, AuditQuery, ListQuery, NoBody, NoParams, Page, User};

/// How many changes one page of the log shows.
const AUDIT_PAGE: u32 = 50;

/// The log's query for the chosen filters, from `cursor` on (a filter not chosen is left out).
fn audit_query(from: &str, to: &str, actor: &str, cursor: Option<&str>) -> AuditQuery {
    let chosen = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    AuditQuery {
        from: chosen(from),
        to: chosen(to),
        actor: chosen(actor),
        cursor: cursor.and_then(chosen),
        limit: Some(AUDIT_PAGE.to_string()),
    }
}

/// A value of the details as a person reads it: text without quotes, nothing as "—".
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// One line per field: `field: before → after` for a change, `field: value` for what was made.
fn detail_lines(details: &Value) -> Vec<String> {
    let Value::Object(fields) = details else {
        return vec![shown(details)];
    };
    fields
        .iter()
        .map(
            |(field, value)| match (value.get("from"), value.get("to")) {
                (Some(from), Some(to)) if value.as_object().is_some_and(|o| o.len() == 2) => {
                    format!("{field}: {} → {}", shown(from), shown(to))
                }
                _ => format!("{field}: {}", shown(value)),
            },
        )
        .collect()
}

#[component]
pub fn StaffAudit() -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    // Who can appear in the log: the staff users and the API keys, for the "Who" filter.
    let actors = Fetched::new(|| async {
        let users: Vec<User> =
            api::all_pages::<c::ListUsers, _>(&NoParams {}, &ListQuery::default(), 20)
                .await
                .unwrap_or_default();
        let keys: Vec<ApiKey> =
            api::all_pages::<c::ListApiKeys, _>(&NoParams {}, &ListQuery::default(), 5)
                .await
                .unwrap_or_default();
        let mut actors: Vec<(String, String)> = users
            .into_iter()
            .map(|u| (u.id.to_string(), format!("{} <{}>", u.name, u.email)))
            .collect();
        actors.extend(keys.into_iter().map(|k| {
            (
                k.id.to_string(),
                format!("{} ({})", k.name, tr(T::ApiKeyMark)),
            )
        }));
        actors
    });
    let first = Fetched::new(move || {
        let query = audit_query(
            &from.get_untracked(),
            &to.get_untracked(),
            &actor.get_untracked(),
            None,
        );
        async move { api::call::<c::ListAudit>(&NoParams {}, &query, &NoBody {}).await }
    });
    // The pages after the first, as "Load more" brings them; a new filter starts over.
    let older = RwSignal::new(Vec::<Page<AuditEvent>>::new());
    let more_error = RwSignal::new(None::<ApiError>);
    let refilter = move || {
        older.set(Vec::new());
        more_error.set(None);
        first.refetch();
    };
    // A filter's change handler: keep the value, read the log again from its newest change.
    let refilter_by = move |filter: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            filter.set(event_target_value(&ev));
            refilter();
        }
    };
    let next_cursor = move |first_page: &Page<AuditEvent>| {
        older.with(|pages| match pages.last() {
            Some(page) => page.next_cursor.clone(),
            None => first_page.next_cursor.clone(),
        })
    };
    let load_more = move |cursor: String| {
        let query = audit_query(
            &from.get_untracked(),
            &to.get_untracked(),
            &actor.get_untracked(),
            Some(&cursor),
        );
        spawn_local(async move {
            match api::call::<c::ListAudit>(&NoParams {}, &query, &NoBody {}).await {
                Ok(page) => older.update(|pages| pages.push(page)),
                Err(error) => more_error.set(Some(error)),
            }
        });
    };
    view! {
        <h1 data-testid="staff-audit-page">{text(T::NavAudit)}</h1>
        <section class="card">
            <div class="toolbar">
                <label>{text(T::PeriodFrom)}" "
                    <input type="date" data-testid="audit-from" prop:value=from on:change=refilter_by(from)/>
                </label>
                <label>{text(T::PeriodTo)}" "
                    <input type="date" data-testid="audit-to" prop:value=to on:change=refilter_by(to)/>
                </label>
                <label>{text(T::Who)}" "
                    <select data-testid="audit-actor" on:change=refilter_by(actor)>
                        <option value="">{text(T::Anyone)}</option>
                        {move || actors.get().unwrap_or_default().into_iter().map(|(id, label)| view! {
                            <option value=id.clone() selected=move || actor.get() == id>{label}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            {loaded(first, move |first_page: Page<AuditEvent>| {
                let cursor = next_cursor(&first_page);
                let events: Vec<AuditEvent> = first_page
                    .items
                    .iter()
                    .cloned()
                    .chain(older.with(|pages| pages.iter().flat_map(|p| p.items.clone()).collect::<Vec<_>>()))
                    .collect();
                if events.is_empty() {
                    return view! { <Empty text=T::NoAuditEvents/> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="stacked" data-testid="audit-table">
                        <thead><tr>
                            <th scope="col">{text(T::Date)}</th>
                            <th scope="col">{text(T::Who)}</th>
                            <th scope="col">{text(T::Action)}</th>
                            <th scope="col">{text(T::Target)}</th>
                            <th scope="col">{text(T::Changes)}</th>
                        </tr></thead>
                        <tbody>
                            {events.into_iter().map(|event| view! { <AuditRow event=event/> }).collect_view()}
                        </tbody>
                    </table></div>
                    {cursor.map(|cursor| view! {
                        <button type="button" data-testid="load-more" on:click=move |_| load_more(cursor.clone())>{text(T::LoadMore)}</button>
                    })}
                    {move || more_error.get().map(|error| view! { <ErrorBox error=error/> })}
                }
                .into_any()
            })}
        </section>
    }
}

/// The time of day of an RFC 3339 UTC time, as the filters' dates are UTC days too.
fn when_utc(rfc3339: &str) -> String {
    rfc3339
        .get(11..16)
        .map(|time| format!("{time} UTC"))
        .unwrap_or_default()
}

#[component]
fn AuditRow(event: AuditEvent) -> impl IntoView {
    let is_key = event.actor.api_key_id.is_some();
    let lines = detail_lines(&event.details);
    view! {
        <tr data-testid="audit-row" data-action=event.action.clone()>
            <td data-label=text(T::Date) class="when">{date(&event.at)}" "{when_utc(&event.at)}</td>
            <td data-label=text(T::Who) data-testid="audit-actor-label">
                {event.actor.label.clone()}
                {is_key.then(|| view! { " " <span class="badge">{text(T::ApiKeyMark)}</span> })}
            </td>
            <td data-label=text(T::Action)><code>{event.action.clone()}</code></td>
            <td data-label=text(T::Target) class="target"><code>{event.target.clone()}</code></td>
            <td data-label=text(T::Changes)>
                <ul class="changes">
                    {lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_change_reads_as_before_and_after_and_what_was_made_as_its_value() {
        let details = json!({
            "name": {"from": "Old", "to": "New"},
            "max_depth": {"from": null, "to": 3},
            "url": "https://example.com/hook",
        });
        assert_eq!(
            detail_lines(&details),
            vec![
                "max_depth: — → 3".to_owned(),
                "name: Old → New".to_owned(),
                "url: https://example.com/hook".to_owned(),
            ]
        );
    }

    #[wasm_bindgen_test]
    fn the_log_address_leaves_out_the_filters_not_chosen() {
        assert_eq!(
            api::url::<c::ListAudit>(&NoParams {}, &audit_query("2026-12-01", "", "", None)),
            format!(
                "{}?from=2026-12-01&limit=50",
                <c::ListAudit as upline_contract::Endpoint>::META.path
            )
        );
    }
}
