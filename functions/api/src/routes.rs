//! The route list: declared once. The local cloud mounts it, `/openapi.json` describes it, and
//! the SAM template's functions and HTTP API routes are checked against it.

use crate::AppState;
use crate::auth::{Caller, SessionUser};
use crate::error::ApiError;
use crate::handlers::{
    accounts, api_keys, audit, auth, deals, invitations, leads, notifications, partners, payouts,
    program, tenants, terms, totp, users, wallets, webhooks,
};
use crate::openapi::{SchemaFn, schema_of};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use upline_contract as c;
use upline_contract::Permission;

/// Who may call a route. The router enforces it before the handler runs, so a handler cannot
/// forget it; handlers then decide only *which* rows a caller may see (own partner, downline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// Anyone, with no token.
    Public,
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
    pub fn is_public(self) -> bool {
        self == Who::Public
    }

    /// Whether this caller passes the gate.
    pub fn admits(self, caller: &Caller) -> bool {
        let holds_any = |wanted: &[Permission]| wanted.iter().any(|p| caller.has(*p));
        match self {
            Who::Public | Who::Anyone => true,
            Who::Session => matches!(caller, Caller::User(_)),
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
    let (mut parts, body) = request.into_parts();
    let admitted = match who {
        Who::Public => Ok(()),
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

pub struct Route {
    /// Stable name: the Lambda function and `UPLINE_ROUTE` use it.
    pub id: &'static str,
    pub method: Method,
    /// API Gateway and axum share the `{param}` syntax.
    pub path: &'static str,
    pub summary: &'static str,
    pub who: Who,
    pub request: Option<SchemaFn>,
    pub status: u16,
    pub response: Option<SchemaFn>,
    pub mount: fn() -> MethodRouter<AppState>,
    /// What the route's Lambda may do to the table: the SAM template grants exactly this, and
    /// a test checks it equals what the handler is seen to do.
    pub iam: Iam,
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
pub const OUTBOX: &str = "T#*#OUTBOX#*";
const OUTBOX_LIST: &str = "T#*#OUTBOX";
pub const WEBHOOK_DELIVERIES: &str = "T#*#WH#*";
/// The `due` index's one partition (retries waiting for their time).
pub const DUE: &str = "DUE";
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
        matches!(self.who, Who::Anyone | Who::KeyOrAnyOf(_))
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
    ],
};

pub static ROUTES: &[Route] = &[
    Route {
        id: "create_tenant",
        method: Method::POST,
        path: "/v1/tenants",
        summary: "Sign up a tenant with its owner account",
        who: Who::Public,
        request: Some(schema_of::<c::CreateTenantRequest>),
        status: 201,
        response: Some(schema_of::<c::CreateTenantResponse>),
        mount: || post(tenants::create),
        iam: Iam {
            actions: &[PUT, UPDATE],
            keys: &[SLUG, TENANT, USER, EMAIL, TOKEN, OUTBOX, CLIENT_THROTTLE],
        },
    },
    Route {
        id: "login",
        method: Method::POST,
        path: "/v1/auth/login",
        summary: "Log in with tenant slug, email and password; 429 after repeated failures",
        who: Who::Public,
        request: Some(schema_of::<c::LoginRequest>),
        status: 200,
        response: Some(schema_of::<c::TokenResponse>),
        mount: || post(auth::login),
        iam: Iam {
            actions: &[GET, UPDATE, DELETE, OPEN],
            keys: &[SLUG, TENANT, USER, EMAIL, CLIENT_THROTTLE],
        },
    },
    Route {
        id: "register",
        method: Method::POST,
        path: "/v1/auth/register",
        summary: "Join a program by referral code, invitation or open signup; logged in at once",
        who: Who::Public,
        request: Some(schema_of::<c::RegisterRequest>),
        status: 201,
        response: Some(schema_of::<c::RegisterResponse>),
        mount: || post(accounts::register),
        iam: Iam {
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
        },
    },
    Route {
        id: "confirm_email",
        method: Method::POST,
        path: "/v1/auth/confirm-email",
        summary: "Confirm an email with the token from the confirmation email (once)",
        who: Who::Public,
        request: Some(schema_of::<c::EmailTokenRequest>),
        status: 200,
        response: Some(schema_of::<c::Ack>),
        mount: || post(accounts::confirm_email),
        iam: Iam {
            actions: &[GET, UPDATE, DELETE],
            keys: &[USER, TOKEN],
        },
    },
    Route {
        id: "resend_confirmation",
        method: Method::POST,
        path: "/v1/auth/resend-confirmation",
        summary: "Send the logged-in user a new confirmation email",
        who: Who::Session,
        request: None,
        status: 202,
        response: Some(schema_of::<c::Ack>),
        mount: || post(accounts::resend_confirmation),
        iam: Iam {
            actions: &[GET, PUT, UPDATE],
            keys: &[USER, EMAIL, TOKEN, OUTBOX],
        },
    },
    Route {
        id: "forgot_password",
        method: Method::POST,
        path: "/v1/auth/forgot-password",
        summary: "Email a set-password link (at most 3 per 15 minutes); 202 whether or not the account exists",
        who: Who::Public,
        request: Some(schema_of::<c::ForgotPasswordRequest>),
        status: 202,
        response: Some(schema_of::<c::Ack>),
        mount: || post(accounts::forgot_password),
        iam: Iam {
            actions: &[GET, PUT, UPDATE],
            keys: &[SLUG, USER, EMAIL, TOKEN, OUTBOX],
        },
    },
    Route {
        id: "set_password",
        method: Method::POST,
        path: "/v1/auth/set-password",
        summary: "Set a password with the token from a set-password email (once); logs in",
        who: Who::Public,
        request: Some(schema_of::<c::SetPasswordRequest>),
        status: 200,
        response: Some(schema_of::<c::TokenResponse>),
        mount: || post(accounts::set_password),
        iam: Iam {
            actions: &[GET, UPDATE, DELETE],
            // The program, when a staff user's session may depend on its two-factor rule.
            keys: &[TENANT, USER, TOKEN],
        },
    },
    Route {
        id: "logout",
        method: Method::POST,
        path: "/v1/auth/logout",
        summary: "End this session: its token answers 401 from now on (other sessions stand)",
        who: Who::Session,
        request: None,
        status: 204,
        response: None,
        mount: || post(accounts::logout),
        iam: Iam {
            actions: &[GET, UPDATE],
            keys: &[USER],
        },
    },
    Route {
        id: "me",
        method: Method::GET,
        path: "/v1/me",
        summary: "The logged-in user, their partner and tenant (also before email confirmation)",
        who: Who::Session,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Me>),
        mount: || get(accounts::me),
        iam: Iam {
            actions: &[GET],
            keys: &[TENANT, USER, PARTNER],
        },
    },
    Route {
        id: "create_user",
        method: Method::POST,
        path: "/v1/users",
        summary: "Create a staff user with permissions and an optional supervisor (configure_program)",
        who: CONFIGURE,
        request: Some(schema_of::<c::CreateUserRequest>),
        status: 201,
        response: Some(schema_of::<c::User>),
        mount: || post(users::create),
        iam: Iam {
            actions: &[GET, PUT],
            keys: &[USER, API_KEY, EMAIL, TOKEN, OUTBOX, AUDIT],
        },
    },
    Route {
        id: "list_users",
        method: Method::GET,
        path: "/v1/users",
        summary: "The tenant's users, oldest first (configure_program)",
        who: CONFIGURE,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::User>>),
        mount: || get(users::list),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[USER, API_KEY, USERS_LIST],
        },
    },
    Route {
        id: "set_supervisor",
        method: Method::PUT,
        path: "/v1/users/{id}/supervisor",
        summary: "Move a user in the staff structure (configure_program); a loop is a 409 cycle",
        who: CONFIGURE,
        request: Some(schema_of::<c::SetSupervisorRequest>),
        status: 200,
        response: Some(schema_of::<c::User>),
        mount: || put(users::set_supervisor),
        iam: Iam {
            actions: &[GET, PUT, UPDATE],
            keys: &[USER, API_KEY, AUDIT],
        },
    },
    Route {
        id: "set_permissions",
        method: Method::PUT,
        path: "/v1/users/{id}/permissions",
        summary: "Replace a staff user's permissions (configure_program); only permissions the caller holds, never their own",
        who: CONFIGURE,
        request: Some(schema_of::<c::SetPermissionsRequest>),
        status: 200,
        response: Some(schema_of::<c::User>),
        mount: || put(users::set_permissions),
        iam: Iam {
            actions: &[GET, PUT, UPDATE, QUERY, DELETE],
            keys: &[USER, API_KEY, API_KEYS_LIST, AUDIT],
        },
    },
    Route {
        id: "join_program",
        method: Method::POST,
        path: "/v1/program/join",
        summary: "Become a partner, under the supervisor's partner if any (participate)",
        who: PARTICIPATE,
        request: Some(schema_of::<c::JoinRequest>),
        status: 201,
        response: Some(schema_of::<c::Partner>),
        mount: || post(partners::join),
        iam: Iam {
            actions: &[GET, PUT, UPDATE, CHECK],
            keys: &[TENANT, USER, API_KEY, PARTNER, CODE, PARTNER_EXTERNAL_ID],
        },
    },
    Route {
        id: "upload_terms",
        method: Method::PUT,
        path: "/v1/program/terms",
        summary: "Upload the program terms as a PDF (≤ 5 MB), a new version (configure_program)",
        who: CONFIGURE,
        request: None,
        status: 201,
        response: Some(schema_of::<c::Terms>),
        mount: || put(terms::upload).layer(DefaultBodyLimit::disable()),
        iam: Iam {
            actions: &[GET, PUT],
            keys: &[TENANT, USER, API_KEY, AUDIT],
        },
    },
    Route {
        id: "get_program",
        method: Method::GET,
        path: "/v1/program",
        summary: "The program settings and commission plan",
        who: Who::Anyone,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Program>),
        mount: || get(program::get),
        iam: Iam {
            actions: &[GET],
            keys: &[TENANT, USER, API_KEY],
        },
    },
    Route {
        id: "update_program",
        method: Method::PUT,
        path: "/v1/program",
        summary: "Change program settings and the plan (configure_program)",
        who: CONFIGURE,
        request: Some(schema_of::<c::UpdateProgramRequest>),
        status: 200,
        response: Some(schema_of::<c::Program>),
        mount: || put(program::update),
        iam: Iam {
            actions: &[GET, PUT],
            keys: &[TENANT, USER, API_KEY, AUDIT],
        },
    },
    Route {
        id: "create_partner",
        method: Method::POST,
        path: "/v1/partners",
        summary: "Create a partner and its account under an optional sponsor; the account gets a set-password email (configure_program)",
        who: CONFIGURE,
        request: Some(schema_of::<c::CreatePartnerRequest>),
        status: 201,
        response: Some(schema_of::<c::Partner>),
        mount: || post(partners::create),
        iam: Iam {
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
        },
    },
    Route {
        id: "my_partner",
        method: Method::GET,
        path: "/v1/partners/me",
        summary: "The caller's own partner: referral code, link, external id, sponsor, depth",
        who: Who::Anyone,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Partner>),
        mount: || get(partners::me),
        iam: Iam {
            actions: &[GET],
            keys: &[USER, API_KEY, PARTNER],
        },
    },
    Route {
        id: "my_qr_code",
        method: Method::GET,
        path: "/v1/partners/me/qr.svg",
        summary: "The referral link as a QR code: SVG, or PNG with ?format=png",
        who: Who::Anyone,
        request: None,
        status: 200,
        response: None,
        mount: || get(partners::qr),
        iam: Iam {
            actions: &[GET],
            keys: &[USER, API_KEY, PARTNER],
        },
    },
    Route {
        id: "list_partners",
        method: Method::GET,
        path: "/v1/partners",
        summary: "The caller's downline with levels (?scope=downline) or everyone (?scope=all, view_all_partners)",
        who: Who::Anyone,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::Partner>>),
        mount: || get(partners::list),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[USER, API_KEY, PARTNER, PARTNERS_LIST, TREE],
        },
    },
    Route {
        id: "set_sponsor",
        method: Method::PUT,
        path: "/v1/partners/{id}/sponsor",
        summary: "Move a partner and its downline under another sponsor (configure_program); a cycle is a 409",
        who: CONFIGURE,
        request: Some(schema_of::<c::SetSponsorRequest>),
        status: 200,
        response: Some(schema_of::<c::Partner>),
        mount: || put(partners::set_sponsor),
        iam: Iam {
            actions: &[GET, PUT, UPDATE, DELETE, QUERY],
            keys: &[TENANT, USER, API_KEY, PARTNER, TREE, AUDIT],
        },
    },
    Route {
        id: "create_invitation",
        method: Method::POST,
        path: "/v1/invitations",
        summary: "Invite someone by email, in the inviter's name (level_zero needs invite_level_zero)",
        who: INVITERS,
        request: Some(schema_of::<c::CreateInvitationRequest>),
        status: 201,
        response: Some(schema_of::<c::InvitationCreated>),
        mount: || post(invitations::create),
        iam: Iam {
            actions: &[GET, PUT, UPDATE],
            keys: &[TENANT, USER, EMAIL, API_KEY, TOKEN, OUTBOX, AUDIT],
        },
    },
    Route {
        id: "get_invitation",
        method: Method::GET,
        path: "/v1/invitations/{token}",
        summary: "What a registration form is prefilled with; used or expired → 404 (public)",
        who: Who::Public,
        request: None,
        status: 200,
        response: Some(schema_of::<c::InvitationPrefill>),
        mount: || get(invitations::prefill),
        iam: Iam {
            actions: &[GET],
            keys: &[TENANT, USER, TOKEN],
        },
    },
    Route {
        id: "get_public_program",
        method: Method::GET,
        path: "/v1/public/programs/{program}",
        summary: "A program by slug or tenant id, its terms, and who `?ref=` is: what the registration page shows (public)",
        who: Who::Public,
        request: None,
        status: 200,
        response: Some(schema_of::<c::PublicProgram>),
        mount: || get(program::public),
        iam: Iam {
            actions: &[GET],
            keys: &[SLUG, TENANT, CODE, PARTNER],
        },
    },
    Route {
        id: "get_partner",
        method: Method::GET,
        path: "/v1/partners/{id}",
        summary: "A partner: self, its upline, or view_all_partners",
        who: Who::Anyone,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Partner>),
        mount: || get(partners::get),
        iam: Iam {
            actions: &[GET],
            keys: &[USER, API_KEY, PARTNER],
        },
    },
    Route {
        id: "create_lead",
        method: Method::POST,
        path: "/v1/leads",
        summary: "Record a lead, attributed by referral code; the plan's lead_created rule pays through the walk (API key or staff)",
        who: WRITE_DEALS,
        request: Some(schema_of::<c::CreateLeadRequest>),
        status: 201,
        response: Some(schema_of::<c::LeadCreated>),
        mount: || post(leads::create),
        iam: Iam {
            actions: &[GET, PUT],
            keys: &[TENANT, USER, API_KEY, CODE, PARTNER, DEAL, AUDIT],
        },
    },
    Route {
        id: "register_client",
        method: Method::POST,
        path: "/v1/leads/{id}/registered",
        summary: "The lead became a client (once); the plan's client_registered rule pays through the walk (API key or staff)",
        who: WRITE_DEALS,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Lead>),
        mount: || post(leads::registered),
        iam: Iam {
            actions: &[GET, PUT, UPDATE],
            keys: &[TENANT, USER, API_KEY, PARTNER, DEAL, AUDIT],
        },
    },
    Route {
        id: "list_leads",
        method: Method::GET,
        path: "/v1/leads",
        summary: "Leads, newest first: a partner's own, or everyone's (?partner_id=) for staff",
        who: Who::Anyone,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::Lead>>),
        mount: || get(leads::list),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[USER, API_KEY, PARTNER, LEADS_LIST],
        },
    },
    Route {
        id: "put_deal",
        method: Method::PUT,
        path: "/v1/deals/{external_id}",
        summary: "Create or update a deal by its external id (API key or staff)",
        who: WRITE_DEALS,
        request: Some(schema_of::<c::PutDealRequest>),
        status: 201,
        response: Some(schema_of::<c::Deal>),
        mount: || put(deals::put),
        iam: Iam {
            actions: &[GET, PUT, QUERY],
            keys: &[TENANT, USER, API_KEY, PARTNER, CODE, DEAL, AUDIT],
        },
    },
    Route {
        id: "get_deal",
        method: Method::GET,
        path: "/v1/deals/{external_id}",
        summary: "A deal with its status history and commissions (API key or staff)",
        who: READ_DEALS,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Deal>),
        mount: || get(deals::get),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[USER, API_KEY, DEAL],
        },
    },
    Route {
        id: "preview_commission",
        method: Method::GET,
        path: "/v1/deals/{external_id}/commission-preview",
        summary: "What the deal entering ?status= would credit now, to whom, at which level",
        who: READ_DEALS,
        request: None,
        status: 200,
        response: Some(schema_of::<c::CommissionPreview>),
        mount: || get(deals::preview),
        iam: Iam {
            actions: &[BATCH_GET, GET],
            keys: &[TENANT, USER, API_KEY, PARTNER, DEAL],
        },
    },
    Route {
        id: "get_wallet",
        method: Method::GET,
        path: "/v1/wallet",
        summary: "The caller's wallet balance (a partner)",
        who: Who::Anyone,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Wallet>),
        mount: || get(wallets::own),
        iam: Iam {
            actions: &[GET],
            keys: &[TENANT, USER, API_KEY, PARTNER],
        },
    },
    Route {
        id: "list_wallet_entries",
        method: Method::GET,
        path: "/v1/wallet/entries",
        summary: "The caller's wallet entries, newest first, with the source of each (deal, from whom, level, rule, reason)",
        who: Who::Anyone,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::WalletEntry>>),
        mount: || get(wallets::own_entries),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[TENANT, USER, API_KEY, PARTNER],
        },
    },
    Route {
        id: "get_partner_wallet",
        method: Method::GET,
        path: "/v1/partners/{id}/wallet",
        summary: "A partner's wallet balance (manage_balances)",
        who: MANAGE_BALANCES,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Wallet>),
        mount: || get(wallets::of_partner),
        iam: Iam {
            actions: &[GET],
            keys: &[TENANT, USER, API_KEY, PARTNER],
        },
    },
    Route {
        id: "list_partner_wallet_entries",
        method: Method::GET,
        path: "/v1/partners/{id}/wallet/entries",
        summary: "A partner's wallet entries, newest first (manage_balances)",
        who: MANAGE_BALANCES,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::WalletEntry>>),
        mount: || get(wallets::entries_of_partner),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[TENANT, USER, API_KEY, PARTNER],
        },
    },
    Route {
        id: "adjust_wallet",
        method: Method::POST,
        path: "/v1/partners/{id}/wallet/adjustments",
        summary: "Credit or debit a partner's wallet with a reason, never below zero (manage_balances)",
        who: MANAGE_BALANCES,
        request: Some(schema_of::<c::AdjustmentRequest>),
        status: 201,
        response: Some(schema_of::<c::WalletEntry>),
        mount: || post(wallets::adjust),
        iam: Iam {
            actions: &[GET, PUT, UPDATE],
            keys: &[TENANT, USER, API_KEY, PARTNER, AUDIT],
        },
    },
    Route {
        id: "request_payout",
        method: Method::POST,
        path: "/v1/payouts",
        summary: "Request a payout: at most the balance, at least the minimum, one open at a time (a partner)",
        who: PARTICIPATE,
        request: Some(schema_of::<c::CreatePayoutRequest>),
        status: 201,
        response: Some(schema_of::<c::Payout>),
        mount: || post(payouts::request),
        iam: Iam {
            actions: &[GET, PUT],
            keys: &[TENANT, USER, API_KEY, PARTNER],
        },
    },
    Route {
        id: "list_payouts",
        method: Method::GET,
        path: "/v1/payouts",
        summary: "Payout requests (?status=): the caller's own, or everyone's with manage_balances",
        who: PAYOUT_READERS,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::Payout>>),
        mount: || get(payouts::list),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[TENANT, USER, API_KEY, PARTNER, PAYOUTS_LIST],
        },
    },
    Route {
        id: "pay_payout",
        method: Method::POST,
        path: "/v1/payouts/{id}/pay",
        summary: "Pay an open request: the balance drops by the amount atomically, never below zero (manage_balances)",
        who: MANAGE_BALANCES,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Payout>),
        mount: || post(payouts::pay),
        iam: Iam {
            actions: &[GET, PUT, UPDATE, DELETE],
            keys: &[TENANT, USER, API_KEY, PARTNER, OUTBOX, AUDIT],
        },
    },
    Route {
        id: "reject_payout",
        method: Method::POST,
        path: "/v1/payouts/{id}/reject",
        summary: "Reject an open request with a reason (manage_balances)",
        who: MANAGE_BALANCES,
        request: Some(schema_of::<c::RejectPayoutRequest>),
        status: 200,
        response: Some(schema_of::<c::Payout>),
        mount: || post(payouts::reject),
        iam: Iam {
            actions: &[GET, PUT, UPDATE, DELETE],
            keys: &[TENANT, USER, API_KEY, PARTNER, OUTBOX, AUDIT],
        },
    },
    Route {
        id: "create_webhook",
        method: Method::POST,
        path: "/v1/webhooks",
        summary: "Subscribe a URL to events; the signing secret is shown once (configure_program)",
        who: CONFIGURE,
        request: Some(schema_of::<c::CreateWebhookRequest>),
        status: 201,
        response: Some(schema_of::<c::WebhookCreated>),
        mount: || post(webhooks::create),
        iam: Iam {
            actions: &[GET, PUT, QUERY, SEAL],
            keys: &[TENANT, USER, API_KEY, AUDIT],
        },
    },
    Route {
        id: "list_webhooks",
        method: Method::GET,
        path: "/v1/webhooks",
        summary: "The program's webhook endpoints, without their secrets (configure_program)",
        who: CONFIGURE,
        request: None,
        status: 200,
        response: Some(schema_of::<c::WebhookList>),
        mount: || get(webhooks::list),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[TENANT, USER, API_KEY],
        },
    },
    Route {
        id: "delete_webhook",
        method: Method::DELETE,
        path: "/v1/webhooks/{id}",
        summary: "Stop deliveries to an endpoint; its log stays readable (configure_program)",
        who: CONFIGURE,
        request: None,
        status: 204,
        response: None,
        mount: || delete(webhooks::delete),
        iam: Iam {
            actions: &[GET, PUT, DELETE],
            keys: &[TENANT, USER, API_KEY, AUDIT],
        },
    },
    Route {
        id: "rotate_webhook_secret",
        method: Method::POST,
        path: "/v1/webhooks/{id}/rotate-secret",
        summary: "A new signing secret; the old one also signs for 24 h (configure_program)",
        who: CONFIGURE,
        request: None,
        status: 200,
        response: Some(schema_of::<c::SecretRotated>),
        mount: || post(webhooks::rotate_secret),
        iam: Iam {
            actions: &[GET, PUT, UPDATE, SEAL],
            keys: &[TENANT, USER, API_KEY, AUDIT],
        },
    },
    Route {
        id: "list_webhook_deliveries",
        method: Method::GET,
        path: "/v1/webhooks/{id}/deliveries",
        summary: "An endpoint's delivery log, newest first: status, attempts, last result (configure_program)",
        who: CONFIGURE,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::WebhookDelivery>>),
        mount: || get(webhooks::deliveries),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[TENANT, USER, API_KEY, WEBHOOK_DELIVERIES],
        },
    },
    Route {
        id: "list_notifications",
        method: Method::GET,
        path: "/v1/notifications",
        summary: "Emails and SMS sent or waiting, newest first, with their delivery state (configure_program)",
        who: CONFIGURE,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::Notification>>),
        mount: || get(notifications::list),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[USER, API_KEY, OUTBOX_LIST],
        },
    },
    Route {
        id: "list_templates",
        method: Method::GET,
        path: "/v1/program/templates",
        summary: "Every notification template in every language, custom or built in (configure_program)",
        who: CONFIGURE,
        request: None,
        status: 200,
        response: Some(schema_of::<c::TemplateList>),
        mount: || get(notifications::list_templates),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[TENANT, USER, API_KEY],
        },
    },
    Route {
        id: "put_template",
        method: Method::PUT,
        path: "/v1/program/templates/{name}",
        summary: "The program's wording of a template in one language, checked first (configure_program)",
        who: CONFIGURE,
        request: Some(schema_of::<c::PutTemplateRequest>),
        status: 200,
        response: Some(schema_of::<c::NotificationTemplate>),
        mount: || put(notifications::put_template),
        iam: Iam {
            actions: &[GET, PUT],
            keys: &[TENANT, USER, API_KEY, AUDIT],
        },
    },
    Route {
        id: "start_totp",
        method: Method::POST,
        path: "/v1/me/totp",
        summary: "Start two-factor login: a new authenticator secret, on once a code from it is confirmed",
        who: Who::Session,
        request: None,
        status: 201,
        response: Some(schema_of::<c::TotpSetup>),
        mount: || post(totp::start),
        iam: Iam {
            actions: &[GET, UPDATE, SEAL],
            keys: &[USER],
        },
    },
    Route {
        id: "disable_totp",
        method: Method::DELETE,
        path: "/v1/me/totp",
        summary: "Turn two-factor login off, with a current code from it",
        who: Who::Session,
        request: Some(schema_of::<c::TotpCode>),
        status: 204,
        response: None,
        mount: || delete(totp::disable),
        iam: Iam {
            actions: &[GET, PUT, UPDATE, OPEN],
            keys: &[USER, AUDIT],
        },
    },
    Route {
        id: "confirm_totp",
        method: Method::POST,
        path: "/v1/me/totp/confirm",
        summary: "Turn two-factor login on with a code from the new secret; login then needs `totp`",
        who: Who::Session,
        request: Some(schema_of::<c::TotpCode>),
        status: 200,
        response: Some(schema_of::<c::TotpStatus>),
        mount: || post(totp::confirm),
        iam: Iam {
            actions: &[GET, PUT, UPDATE, OPEN],
            keys: &[USER, AUDIT],
        },
    },
    Route {
        id: "set_language",
        method: Method::PUT,
        path: "/v1/me/language",
        summary: "The language of the caller's emails (en, pl, ru, uk)",
        who: Who::Session,
        request: Some(schema_of::<c::SetLanguageRequest>),
        status: 200,
        response: Some(schema_of::<c::User>),
        mount: || put(accounts::set_language),
        iam: Iam {
            actions: &[GET, UPDATE],
            keys: &[USER, PARTNER],
        },
    },
    Route {
        id: "create_api_key",
        method: Method::POST,
        path: "/v1/api-keys",
        summary: "Create an API key for a tenant's backend (configure_program)",
        who: CONFIGURE,
        request: Some(schema_of::<c::CreateApiKeyRequest>),
        status: 201,
        response: Some(schema_of::<c::ApiKeyCreated>),
        mount: || post(api_keys::create),
        iam: Iam {
            actions: &[GET, PUT],
            keys: &[USER, API_KEY, AUDIT],
        },
    },
    Route {
        id: "list_api_keys",
        method: Method::GET,
        path: "/v1/api-keys",
        summary: "The tenant's API keys: name, creator, last use, expiry (never the secret)",
        who: CONFIGURE,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::ApiKey>>),
        mount: || get(api_keys::list),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[USER, API_KEY, API_KEYS_LIST],
        },
    },
    Route {
        id: "delete_api_key",
        method: Method::DELETE,
        path: "/v1/api-keys/{id}",
        summary: "Revoke an API key: it answers 401 at once",
        who: CONFIGURE,
        request: None,
        status: 204,
        response: None,
        mount: || delete(api_keys::delete),
        iam: Iam {
            actions: &[GET, PUT, QUERY, DELETE],
            keys: &[USER, API_KEY, API_KEYS_LIST, AUDIT],
        },
    },
    Route {
        id: "list_audit",
        method: Method::GET,
        path: "/v1/audit",
        summary: "Every change staff or an API key made, newest first; ?from=&to= (date or RFC 3339), ?actor= (user or key id), ?cursor=, ?limit=",
        who: CONFIGURE,
        request: None,
        status: 200,
        response: Some(schema_of::<c::Page<c::AuditEvent>>),
        mount: || get(audit::list),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[USER, API_KEY, AUDIT],
        },
    },
    Route {
        id: "openapi",
        method: Method::GET,
        path: "/openapi.json",
        summary: "This document",
        who: Who::Public,
        request: None,
        status: 200,
        response: None,
        mount: || get(crate::openapi::serve),
        iam: Iam::NONE,
    },
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
            router.route(route.path, (route.mount)().route_layer(gate))
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
