//! What the program sends people: the delivery state of every notification, and the wording
//! of each template per language (`configure_program`).

use super::encode_cursor;
use super::webhooks::delivery_status;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Paged, PathParam, word};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use upline_contract as c;
use upline_contract::{
    DeliveryState, Language, Notification, NotificationTemplate, Page, Permission, TemplateList,
};
use upline_domain::templates;
use upline_store::Timestamp;
use upline_store::templates::TemplateRecord;

/// `GET /v1/notifications?status=`: newest first, with where each delivery stands.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::ListNotifications>,
) -> ApiResult<Reply<c::ListNotifications>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let status = word("status", params.status.as_deref(), DeliveryState::expected)?;
    let limit = params.page().limit()?;
    let after = params.page().decoded_cursor()?;
    let (records, next) = state
        .store
        .notifications_page(&tenant, status, limit, after.as_deref())
        .await?;
    let items = records
        .into_iter()
        .map(|r| Notification {
            id: r.id,
            template: r.template,
            channel: r.channel,
            partner_id: r.partner_id,
            to: r.delivery.sent_to.clone(),
            created_at: r.created_at,
            delivery: delivery_status(r.delivery),
        })
        .collect();
    Ok(Reply::ok(Page {
        items,
        next_cursor: next.as_deref().map(encode_cursor),
    }))
}

/// `GET /v1/program/templates`: every template in every language, the tenant's own wording
/// where it wrote one, the built-in one elsewhere.
pub async fn list_templates(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Reply<c::ListTemplates>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let custom = state.store.templates(&tenant).await?;
    let mut items = Vec::new();
    for name in templates::NAMES {
        for language in Language::ALL {
            let own = custom
                .iter()
                .find(|t| t.name == name && t.language == language);
            let (subject, body) = match own {
                Some(own) => (own.subject.clone(), own.body.clone()),
                None => templates::default_text(name, language)
                    .map(|(s, b)| (s.to_owned(), b.to_owned()))
                    .unwrap_or_default(),
            };
            items.push(NotificationTemplate {
                name: name.to_owned(),
                language,
                subject,
                body,
                custom: own.is_some(),
            });
        }
    }
    Ok(Reply::ok(TemplateList {
        items,
        variables: templates::VARIABLES
            .iter()
            .map(|v| (*v).to_owned())
            .collect(),
    }))
}

/// `PUT /v1/program/templates/{name}`: the tenant's wording of one template in one language,
/// checked (syntax, sizes, a trial render) before it is saved.
pub async fn put_template(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(name): PathParam,
    Body(request): Body<c::PutTemplate>,
) -> ApiResult<Reply<c::PutTemplate>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    if !templates::NAMES.contains(&name.as_str()) {
        return Err(ApiError::not_found("template"));
    }
    templates::check(&request.subject, &request.body)
        .map_err(|err| ApiError::invalid(err.field, err.message))?;
    let record = TemplateRecord {
        name: name.clone(),
        language: request.language,
        subject: request.subject,
        body: request.body,
        updated_at: Timestamp::now().rfc3339,
    };
    let audit = super::audit::record(
        &caller,
        "template.update",
        format!("template:{name}/{}", record.language.code()),
        serde_json::json!({"subject": record.subject}),
    );
    state.store.put_template(&tenant, &record, &audit).await?;
    Ok(Reply::ok(NotificationTemplate {
        name,
        language: record.language,
        subject: record.subject,
        body: record.body,
        custom: true,
    }))
}
