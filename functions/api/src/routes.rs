//! The route list: the server's side of each endpoint `upline_contract::endpoints` declares (who
//! may call it, its handler, what its Lambda may do). The local cloud mounts it, `/openapi.json`
//! describes it, and the SAM template's functions and HTTP API routes are generated from it.

use crate::AppState;
use crate::auth::{Caller, SessionUser};
use crate::error::ApiError;
use crate::handlers::{
    accounts, api_keys, audit, auth, deals, embed, invitations, leads, notifications, partners,
    payouts, program, public, tenants, terms, totp, users, wallets, webhooks,
};
use crate::openapi::Schemas;
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use upline_contract as c;
use upline_contract::{Endpoint, Metadata, Permission};
use utoipa::openapi::path::Operation;

/// Who may call a route. The router enforces it before the handler runs, so a handler cannot
/// forget it; handlers then decide only *which* rows a caller may see (own partner, downline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// Anyone, with no token.
    Public,
    /// The widget on a tenant's site: public, but only from the origins of the program the body
    /// names (`widget_site`), with CORS for them; throttled per address by the handler.
    Widget,
    /// The tenant's backend only: an API key.
    ApiKey,
    /// An embed token (one partner's panel on the tenant's site); nothing else opens it.
    Embed,
    /// A session of a user, confirmed or not; an API key is no session (401).
    Session,
    /// Any session of a confirmed user, or an API key; the handler narrows what it shows.
    Anyone,
    /// A confirmed user holding at least one of these permissions.
    AnyOf(&'static [Permission]),
    /// An API key (the tenant's backend), or a confirmed user holding one of these.
    KeyOrAnyOf(&'static [Permission]),
}

const CONFIGURE: Who = Who::AnyOf(&[Permission::ConfigureProgram]);
const MANAGE_BALANCES: Who = Who::AnyOf(&[Permission::ManageBalances]);
const PARTICIPATE: Who = Who::AnyOf(&[Permission::Participate]);
/// A partner sees their own payouts, balance managers everyone's.
const PAYOUT_READERS: Who = Who::AnyOf(&[Permission::Participate, Permission::ManageBalances]);
/// Level-zero invitations need `invite_level_zero`, downline ones `participate` (the handler
/// tells them apart).
const INVITERS: Who = Who::AnyOf(&[Permission::InviteLevelZero, Permission::Participate]);
/// Writing deals and leads moves money (a won deal credits, a refund reverses): the backend, or
/// staff who manage balances. Seeing all partners is not enough.
const WRITE_DEALS: Who = Who::KeyOrAnyOf(&[Permission::ManageBalances]);
const READ_DEALS: Who = Who::KeyOrAnyOf(&Permission::STAFF);

impl Who {
    /// Whether no token is asked for.
    pub fn is_public(self) -> bool {
        matches!(self, Who::Public | Who::Widget)
    }

    /// Whether this caller passes the gate.
    pub fn admits(self, caller: &Caller) -> bool {
        let holds_any = |wanted: &[Permission]| wanted.iter().any(|p| caller.has(*p));
        match self {
            Who::Public | Who::Widget | Who::Anyone => true,
            Who::Session => matches!(caller, Caller::User(_)),
            Who::ApiKey => matches!(caller, Caller::ApiKey(_)),
            Who::Embed => false,
            Who::AnyOf(wanted) => holds_any(wanted),
            Who::KeyOrAnyOf(wanted) => matches!(caller, Caller::ApiKey(_)) || holds_any(wanted),
        }
    }

    /// One line for the OpenAPI description.
    pub fn describe(self) -> String {
        let names = |wanted: &[Permission]| {
            wanted
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        };
        match self {
            Who::Public => "Public.".into(),
            Who::Widget => "Public, from a page on one of the program's `widget_origins` (its `Origin` header; CORS for those); throttled per client address and program.".into(),
            Who::ApiKey => "An API key (the tenant's backend).".into(),
            Who::Embed => "An embed token from `POST /v1/embed-tokens` (no session or API key).".into(),
            Who::Session => "A user's session (not an API key); email confirmation not needed.".into(),
            Who::Anyone => "Any confirmed user's session or an API key; the answer is narrowed to what the caller may see.".into(),
            Who::AnyOf(wanted) => format!("A user holding {}.", names(wanted)),
            Who::KeyOrAnyOf(wanted) => format!("An API key, or a user holding {}.", names(wanted)),
        }
    }
}

/// The gate in front of every non-public route: authenticate once, check `who`, and hand the
/// caller to the handler's extractor through the request's extensions (no second read).
async fn authorize(who: Who, state: AppState, request: Request, next: Next) -> Response {
    if who == Who::Widget {
        return crate::widget_site::gate(state, request, next).await;
    }
    let (mut parts, body) = request.into_parts();
    let admitted = match who {
        Who::Public | Who::Widget => Ok(()),
        Who::Embed => crate::embed_token::EmbedCaller::from_request_parts(&mut parts, &state)
            .await
            .map(|caller| {
                parts.extensions.insert(caller);
            }),
        Who::Session => SessionUser::from_request_parts(&mut parts, &state)
            .await
            .map(|user| {
                parts.extensions.insert(user);
            }),
        _ => match Caller::from_request_parts(&mut parts, &state).await {
            Ok(caller) if who.admits(&caller) => {
                let recorded = match &caller {
                    Caller::ApiKey(key) => crate::auth::record_key_use(&parts, key, &state).await,
                    Caller::User(_) => Ok(()),
                };
                parts.extensions.insert(caller);
                recorded
            }
            Ok(_) => Err(match who {
                Who::AnyOf(wanted) | Who::KeyOrAnyOf(wanted) => ApiError::forbidden_any(wanted),
                Who::ApiKey => ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    upline_contract::ErrorCode::Forbidden,
                    "only the tenant's backend may do this: use an API key",
                ),
                _ => ApiError::unauthorized(),
            }),
            Err(error) => Err(error),
        },
    };
    match admitted {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(error) => error.into_response(),
    }
}

/// The server's side of an endpoint of `upline_contract::endpoints`: who may call it, what its
/// Lambda may do, and the handler. The rest (method, path, bodies, statuses) is the declaration's.
pub struct Route {
    /// Stable name: the Lambda function and `UPLINE_ROUTE` use it.
    pub id: &'static str,
    pub method: Method,
    /// API Gateway and axum share the `{param}` syntax.
    pub path: &'static str,
    pub summary: &'static str,
    pub status: u16,
    pub meta: Metadata,
    pub who: Who,
    /// What the route's Lambda may do to the table: the SAM template grants exactly this, and
    /// a test checks it equals what the handler is seen to do.
    pub iam: Iam,
    pub mount: fn() -> MethodRouter<AppState>,
    /// The endpoint's operation in the OpenAPI document.
    pub describe: fn(&Route, &mut Schemas) -> Operation,
}

impl Route {
    pub const fn of<E: Endpoint>(
        who: Who,
        iam: Iam,
        mount: fn() -> MethodRouter<AppState>,
    ) -> Route {
        Route {
            id: E::META.id,
            method: crate::serve::http_method(E::META.method),
            path: E::META.path,
            summary: E::META.summary,
            status: E::META.status,
            meta: E::META,
            who,
            iam,
            mount,
            describe: crate::openapi::operation::<E>,
        }
    }
}

/// `route!(Endpoint => handler, who, iam)`: the handler is checked against the endpoint.
macro_rules! route {
    ($endpoint:ty => $handler:expr, $who:expr, $iam:expr $(,)?) => {
        Route::of::<$endpoint>($who, $iam, || {
            crate::serve::mount::<$endpoint, _, _, _>($handler)
        })
    };
}

/// DynamoDB actions and the partition key families (`dynamodb:LeadingKeys` patterns) a
/// function needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Iam {
    pub actions: &'static [&'static str],
    pub keys: &'static [&'static str],
}

impl Iam {
    pub const NONE: Iam = Iam {
        actions: &[],
        keys: &[],
    };
}

const GET: &str = "dynamodb:GetItem";
const PUT: &str = "dynamodb:PutItem";
const UPDATE: &str = "dynamodb:UpdateItem";
const QUERY: &str = "dynamodb:Query";
const BATCH_GET: &str = "dynamodb:BatchGetItem";
const DELETE: &str = "dynamodb:DeleteItem";
const CHECK: &str = "dynamodb:ConditionCheckItem";
/// Seals a secret (webhook, TOTP) under a new data key: see `upline_store::sealed`.
const SEAL: &str = "kms:GenerateDataKey";
/// Opens a sealed secret.
const OPEN: &str = "kms:Decrypt";

/// Key families (see store/DESIGN.md).
const SLUG: &str = "SLUG#*";
const TENANT: &str = "T#*";
const USER: &str = "T#*#U#*";
const EMAIL: &str = "T#*#EMAIL#*";
const PARTNER: &str = "T#*#P#*";
const CODE: &str = "T#*#CODE#*";
const PARTNER_EXTERNAL_ID: &str = "T#*#PEXT#*";
const DEAL: &str = "T#*#D#*";
const API_KEY: &str = "APIKEY#*";
const TOKEN: &str = "TOKEN#*";
/// Per-address counters of unauthenticated actions (signup, register, login).
const CLIENT_THROTTLE: &str = "THROTTLE#*";
const USERS_LIST: &str = "T#*#USERS";
const API_KEYS_LIST: &str = "T#*#APIKEYS";
/// The tenant's audit log: every staff or API-key change appends to it.
const AUDIT: &str = "T#*#AUDIT";
const PARTNERS_LIST: &str = "T#*#PARTNERS";
const TREE: &str = "T#*#TREE";
const PAYOUTS_LIST: &str = "T#*#PAYOUTS";
const LEADS_LIST: &str = "T#*#LEADS";
const DEALS_LIST: &str = "T#*#DEALS";
pub const OUTBOX: &str = "T#*#OUTBOX#*";
const OUTBOX_LIST: &str = "T#*#OUTBOX";
pub const WEBHOOK_DELIVERIES: &str = "T#*#WH#*";
/// The `due` index's one partition (retries waiting for their time).
pub const DUE: &str = "DUE";
/// The `due` index's release partitions (held entries by when they become available).
pub const RELEASES: &str = "RELEASE#*";
pub const DEAD_LETTER: &str = "DLQ#*";

/// Routes that write program terms PDFs to the terms bucket (`s3:PutObject` under `terms/`).
pub const TERMS_WRITERS: &[&str] = &["upload_terms"];

/// What the gate adds for a route that admits API keys: it records the key's use
/// (`last_used_at`, at most hourly).
pub const KEY_USE_IAM: Iam = Iam {
    actions: &[UPDATE],
    keys: &[API_KEY],
};

impl Route {
    pub fn admits_keys(&self) -> bool {
        matches!(self.who, Who::Anyone | Who::KeyOrAnyOf(_) | Who::ApiKey)
    }
}

/// What the stream handler's function does to the table.
pub const STREAM_IAM: Iam = Iam {
    actions: &[BATCH_GET, GET, PUT, QUERY, UPDATE, OPEN],
    keys: &[
        TENANT,
        PARTNER,
        DEAL,
        OUTBOX,
        DEAD_LETTER,
        WEBHOOK_DELIVERIES,
        DUE,
        RELEASES,
    ],
};

pub static ROUTES: &[Route] = &[
    route!(c::CreateTenant => tenants::create, Who::Public, Iam {
        actions: &[PUT, UPDATE],
        keys: &[SLUG, TENANT, USER, EMAIL, TOKEN, OUTBOX, CLIENT_THROTTLE],
    }),
    route!(c::Login => auth::login, Who::Public, Iam {
        actions: &[GET, UPDATE, DELETE, OPEN],
        keys: &[SLUG, TENANT, USER, EMAIL, CLIENT_THROTTLE],
    }),
    route!(c::Register => accounts::register, Who::Public, Iam {
        actions: &[GET, PUT, UPDATE, DELETE, CHECK],
        keys: &[
            SLUG,
            TENANT,
            USER,
            EMAIL,
            PARTNER,
            CODE,
            PARTNER_EXTERNAL_ID,
            TOKEN,
            OUTBOX,
            CLIENT_THROTTLE,
        ],
    }),
    route!(c::ConfirmEmail => accounts::confirm_email, Who::Public, Iam {
        actions: &[GET, UPDATE, DELETE],
        keys: &[USER, TOKEN],
    }),
    route!(c::ResendConfirmation => accounts::resend_confirmation, Who::Session, Iam {
        actions: &[GET, PUT, UPDATE],
        keys: &[USER, EMAIL, TOKEN, OUTBOX],
    }),
    route!(c::ForgotPassword => accounts::forgot_password, Who::Public, Iam {
        actions: &[GET, PUT, UPDATE],
        keys: &[SLUG, USER, EMAIL, TOKEN, OUTBOX],
    }),
    route!(c::SetPassword => accounts::set_password, Who::Public, Iam {
        actions: &[GET, UPDATE, DELETE],
        // The program, when a staff user's session may depend on its two-factor rule.
        keys: &[TENANT, USER, TOKEN],
    }),
    route!(c::Logout => accounts::logout, Who::Session, Iam {
        actions: &[GET, UPDATE],
        keys: &[USER],
    }),
    route!(c::GetMe => accounts::me, Who::Session, Iam {
        actions: &[GET],
        keys: &[TENANT, USER, PARTNER],
    }),
    route!(c::CreateUser => users::create, CONFIGURE, Iam {
        actions: &[GET, PUT],
        keys: &[USER, API_KEY, EMAIL, TOKEN, OUTBOX, AUDIT],
    }),
    route!(c::ListUsers => users::list, CONFIGURE, Iam {
        actions: &[GET, QUERY],
        keys: &[USER, API_KEY, USERS_LIST],
    }),
    route!(c::SetSupervisor => users::set_supervisor, CONFIGURE, Iam {
        actions: &[GET, PUT, UPDATE],
        keys: &[USER, API_KEY, AUDIT],
    }),
    route!(c::SetPermissions => users::set_permissions, CONFIGURE, Iam {
        actions: &[GET, PUT, UPDATE, QUERY, DELETE],
        keys: &[USER, API_KEY, API_KEYS_LIST, AUDIT],
    }),
    route!(c::JoinProgram => partners::join, PARTICIPATE, Iam {
        actions: &[GET, PUT, UPDATE, CHECK],
        keys: &[TENANT, USER, API_KEY, PARTNER, CODE, PARTNER_EXTERNAL_ID],
    }),
    route!(c::UploadTerms => terms::upload, CONFIGURE, Iam {
        actions: &[GET, PUT],
        keys: &[TENANT, USER, API_KEY, AUDIT],
    }),
    route!(c::GetProgram => program::get, Who::Anyone, Iam {
        actions: &[GET],
        keys: &[TENANT, USER, API_KEY],
    }),
    route!(c::UpdateProgram => program::update, CONFIGURE, Iam {
        actions: &[GET, PUT],
        keys: &[TENANT, USER, API_KEY, AUDIT],
    }),
    route!(c::CreatePartner => partners::create, CONFIGURE, Iam {
        actions: &[GET, PUT, UPDATE, CHECK],
        keys: &[
            TENANT,
            USER,
            API_KEY,
            EMAIL,
            PARTNER,
            CODE,
            PARTNER_EXTERNAL_ID,
            TOKEN,
            OUTBOX,
            AUDIT,
        ],
    }),
    route!(c::MyPartner => partners::me, Who::Anyone, Iam {
        actions: &[GET],
        keys: &[USER, API_KEY, PARTNER],
    }),
    route!(c::MyQrCode => partners::qr, Who::Anyone, Iam {
        actions: &[GET],
        keys: &[USER, API_KEY, PARTNER],
    }),
    route!(c::ListPartners => partners::list, Who::Anyone, Iam {
        // The balances of a page (BatchGetItem), and the program for their currency.
        actions: &[GET, QUERY, BATCH_GET],
        keys: &[TENANT, USER, API_KEY, PARTNER, PARTNERS_LIST, TREE],
    }),
    route!(c::SetSponsor => partners::set_sponsor, CONFIGURE, Iam {
        actions: &[GET, PUT, UPDATE, DELETE, QUERY],
        keys: &[TENANT, USER, API_KEY, PARTNER, TREE, AUDIT],
    }),
    route!(c::CreateInvitation => invitations::create, INVITERS, Iam {
        actions: &[GET, PUT, UPDATE],
        keys: &[TENANT, USER, EMAIL, API_KEY, TOKEN, OUTBOX, AUDIT],
    }),
    route!(c::GetInvitation => invitations::prefill, Who::Public, Iam {
        actions: &[GET],
        keys: &[TENANT, USER, TOKEN],
    }),
    route!(c::GetPublicProgram => program::public, Who::Public, Iam {
        actions: &[GET],
        keys: &[SLUG, TENANT, CODE, PARTNER],
    }),
    route!(c::RecordClick => public::click, Who::Widget, Iam {
        // The program the body names (by slug or id), the code's partner, the address's
        // throttle, then the click with its count.
        actions: &[GET, PUT, UPDATE],
        keys: &[SLUG, TENANT, CODE, CLIENT_THROTTLE, PARTNER],
    }),
    route!(c::CreatePublicLead => public::lead, Who::Widget, Iam {
        actions: &[GET, PUT, UPDATE],
        keys: &[SLUG, TENANT, CODE, CLIENT_THROTTLE, PARTNER, DEAL],
    }),
    route!(c::FollowReferralLink => public::follow, Who::Public, Iam {
        actions: &[GET, PUT, UPDATE],
        keys: &[SLUG, TENANT, CODE, CLIENT_THROTTLE, PARTNER],
    }),
    route!(c::CreateEmbedToken => embed::create_token, Who::ApiKey, Iam {
        actions: &[GET],
        keys: &[API_KEY, PARTNER, PARTNER_EXTERNAL_ID],
    }),
    route!(c::GetEmbedPanel => embed::panel, Who::Embed, Iam {
        // The partner's direct referrals are counted in the tree index.
        actions: &[GET, QUERY],
        keys: &[TENANT, PARTNER, TREE],
    }),
    route!(c::EmbedPage => embed::page, Who::Public, Iam {
        // The token's program, for the page's frame-ancestors.
        actions: &[GET],
        keys: &[TENANT],
    }),
    route!(c::GetPartner => partners::get, Who::Anyone, Iam {
        actions: &[GET],
        keys: &[USER, API_KEY, PARTNER],
    }),
    route!(c::CreateLead => leads::create, WRITE_DEALS, Iam {
        // The partner's lead count is an `ADD` in the lead's transaction.
        actions: &[GET, PUT, UPDATE],
        keys: &[TENANT, USER, API_KEY, CODE, PARTNER, DEAL, AUDIT],
    }),
    route!(c::RegisterClient => leads::registered, WRITE_DEALS, Iam {
        actions: &[GET, PUT, UPDATE],
        keys: &[TENANT, USER, API_KEY, PARTNER, DEAL, AUDIT],
    }),
    route!(c::ListLeads => leads::list, Who::Anyone, Iam {
        actions: &[GET, QUERY],
        keys: &[USER, API_KEY, PARTNER, LEADS_LIST],
    }),
    route!(c::PutDeal => deals::put, WRITE_DEALS, Iam {
        // A won deal adds to its partner's count (`UPDATE`); a click attributes by its id.
        actions: &[GET, PUT, UPDATE, QUERY],
        keys: &[TENANT, USER, API_KEY, PARTNER, CODE, DEAL, AUDIT],
    }),
    route!(c::ListDeals => deals::list, Who::Anyone, Iam {
        // A partner's deals from their partition, or everyone's from the list; the deals, their
        // ledgers and (for staff) the partners' names in BatchGetItems.
        actions: &[GET, QUERY, BATCH_GET],
        keys: &[USER, API_KEY, PARTNER, DEAL, DEALS_LIST],
    }),
    route!(c::GetDeal => deals::get, READ_DEALS, Iam {
        actions: &[GET, QUERY],
        keys: &[USER, API_KEY, DEAL],
    }),
    route!(c::PreviewCommission => deals::preview, READ_DEALS, Iam {
        actions: &[BATCH_GET, GET],
        keys: &[TENANT, USER, API_KEY, PARTNER, DEAL],
    }),
    route!(c::GetWallet => wallets::own, Who::Anyone, Iam {
        // The wallet with its open-payout marker in one BatchGetItem.
        actions: &[GET, BATCH_GET],
        keys: &[TENANT, USER, API_KEY, PARTNER],
    }),
    route!(c::ListWalletEntries => wallets::own_entries, Who::Anyone, Iam {
        // The names of the partners the entries came from, in one BatchGetItem.
        actions: &[GET, QUERY, BATCH_GET],
        keys: &[TENANT, USER, API_KEY, PARTNER],
    }),
    route!(c::GetPartnerWallet => wallets::of_partner, MANAGE_BALANCES, Iam {
        actions: &[GET, BATCH_GET],
        keys: &[TENANT, USER, API_KEY, PARTNER],
    }),
    route!(c::ListPartnerWalletEntries => wallets::entries_of_partner, MANAGE_BALANCES, Iam {
        actions: &[GET, QUERY, BATCH_GET],
        keys: &[TENANT, USER, API_KEY, PARTNER],
    }),
    route!(c::AdjustWallet => wallets::adjust, MANAGE_BALANCES, Iam {
        actions: &[GET, PUT, UPDATE],
        keys: &[TENANT, USER, API_KEY, PARTNER, AUDIT],
    }),
    route!(c::RequestPayout => payouts::request, PARTICIPATE, Iam {
        // The wallet with its open-request marker (BatchGetItem), then the request.
        actions: &[GET, PUT, BATCH_GET],
        keys: &[TENANT, USER, API_KEY, PARTNER],
    }),
    route!(c::ListPayouts => payouts::list, PAYOUT_READERS, Iam {
        // Whose each request is: the partners' names in one BatchGetItem.
        actions: &[GET, QUERY, BATCH_GET],
        keys: &[TENANT, USER, API_KEY, PARTNER, PAYOUTS_LIST],
    }),
    route!(c::PayPayout => payouts::pay, MANAGE_BALANCES, Iam {
        actions: &[GET, PUT, UPDATE, DELETE],
        keys: &[TENANT, USER, API_KEY, PARTNER, OUTBOX, AUDIT],
    }),
    route!(c::RejectPayout => payouts::reject, MANAGE_BALANCES, Iam {
        actions: &[GET, PUT, UPDATE, DELETE],
        keys: &[TENANT, USER, API_KEY, PARTNER, OUTBOX, AUDIT],
    }),
    route!(c::CreateWebhook => webhooks::create, CONFIGURE, Iam {
        actions: &[GET, PUT, QUERY, SEAL],
        keys: &[TENANT, USER, API_KEY, AUDIT],
    }),
    route!(c::ListWebhooks => webhooks::list, CONFIGURE, Iam {
        actions: &[GET, QUERY],
        keys: &[TENANT, USER, API_KEY],
    }),
    route!(c::DeleteWebhook => webhooks::delete, CONFIGURE, Iam {
        actions: &[GET, PUT, DELETE],
        keys: &[TENANT, USER, API_KEY, AUDIT],
    }),
    route!(c::RotateWebhookSecret => webhooks::rotate_secret, CONFIGURE, Iam {
        actions: &[GET, PUT, UPDATE, SEAL],
        keys: &[TENANT, USER, API_KEY, AUDIT],
    }),
    route!(c::ListWebhookDeliveries => webhooks::deliveries, CONFIGURE, Iam {
        actions: &[GET, QUERY],
        keys: &[TENANT, USER, API_KEY, WEBHOOK_DELIVERIES],
    }),
    route!(c::ListNotifications => notifications::list, CONFIGURE, Iam {
        actions: &[GET, QUERY],
        keys: &[USER, API_KEY, OUTBOX_LIST],
    }),
    route!(c::ListTemplates => notifications::list_templates, CONFIGURE, Iam {
        actions: &[GET, QUERY],
        keys: &[TENANT, USER, API_KEY],
    }),
    route!(c::PutTemplate => notifications::put_template, CONFIGURE, Iam {
        actions: &[GET, PUT],
        keys: &[TENANT, USER, API_KEY, AUDIT],
    }),
    route!(c::StartTotp => totp::start, Who::Session, Iam {
        actions: &[GET, UPDATE, SEAL],
        keys: &[USER],
    }),
    route!(c::DisableTotp => totp::disable, Who::Session, Iam {
        actions: &[GET, PUT, UPDATE, OPEN],
        keys: &[USER, AUDIT],
    }),
    route!(c::ConfirmTotp => totp::confirm, Who::Session, Iam {
        actions: &[GET, PUT, UPDATE, OPEN],
        keys: &[USER, AUDIT],
    }),
    route!(c::SetLanguage => accounts::set_language, Who::Session, Iam {
        actions: &[GET, UPDATE],
        keys: &[USER, PARTNER],
    }),
    route!(c::CreateApiKey => api_keys::create, CONFIGURE, Iam {
        actions: &[GET, PUT],
        keys: &[USER, API_KEY, AUDIT],
    }),
    route!(c::ListApiKeys => api_keys::list, CONFIGURE, Iam {
        actions: &[GET, QUERY],
        keys: &[USER, API_KEY, API_KEYS_LIST],
    }),
    route!(c::DeleteApiKey => api_keys::delete, CONFIGURE, Iam {
        actions: &[GET, PUT, QUERY, DELETE],
        keys: &[USER, API_KEY, API_KEYS_LIST, AUDIT],
    }),
    route!(c::ListAudit => audit::list, CONFIGURE, Iam {
        actions: &[GET, QUERY],
        keys: &[USER, API_KEY, AUDIT],
    }),
    route!(c::OpenApiDocument => crate::openapi::serve, Who::Public, Iam::NONE),
];

/// The router of every route, or of one route (a Lambda serves one).
pub fn router(state: AppState, only: Option<&str>) -> Router {
    let router = ROUTES
        .iter()
        .filter(|route| only.is_none_or(|id| id == route.id))
        .fold(Router::new(), |router, route| {
            let who = route.who;
            let gate = middleware::from_fn_with_state(
                state.clone(),
                move |axum::extract::State(state): axum::extract::State<AppState>,
                      request: Request,
                      next: Next| authorize(who, state, request, next),
            );
            let mounted = match who {
                // Browsers ask first whether a tenant's page may post JSON here.
                Who::Widget => (route.mount)().options(crate::widget_site::preflight),
                _ => (route.mount)(),
            };
            router.route(route.path, mounted.route_layer(gate))
        });
    router
        .fallback(not_found)
        .layer(middleware::from_fn(crate::headers::api_headers))
        .with_state(state)
}

async fn not_found() -> crate::ApiError {
    crate::ApiError::not_found("route")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn route_ids_and_method_paths_are_unique() {
        let ids: HashSet<_> = ROUTES.iter().map(|r| r.id).collect();
        let endpoints: HashSet<_> = ROUTES.iter().map(|r| (r.method.clone(), r.path)).collect();
        assert_eq!(ids.len(), ROUTES.len());
        assert_eq!(endpoints.len(), ROUTES.len());
    }
}
