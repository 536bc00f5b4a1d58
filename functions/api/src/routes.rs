//! The route list: declared once. The local cloud mounts it, `/openapi.json` describes it, and
//! the SAM template's functions and HTTP API routes are checked against it.

use crate::AppState;
use crate::handlers::{api_keys, auth, deals, partners, program, tenants, wallets};
use crate::openapi::{SchemaFn, schema_of};
use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post, put};
use upline_contract as c;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Public,
    /// A session token or an API key; the handler checks permissions.
    Authenticated,
}

pub struct Route {
    /// Stable name: the Lambda function and `UPLINE_ROUTE` use it.
    pub id: &'static str,
    pub method: Method,
    /// API Gateway and axum share the `{param}` syntax.
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
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
pub const OUTBOX: &str = "T#*#OUTBOX#*";
pub const DEAD_LETTER: &str = "DLQ#*";

/// What the stream handler's function does to the table.
pub const STREAM_IAM: Iam = Iam {
    actions: &[BATCH_GET, GET, PUT, QUERY, UPDATE],
    keys: &[TENANT, PARTNER, DEAL, OUTBOX, DEAD_LETTER],
};

pub static ROUTES: &[Route] = &[
    Route {
        id: "create_tenant",
        method: Method::POST,
        path: "/v1/tenants",
        summary: "Sign up a tenant with its owner account",
        access: Access::Public,
        request: Some(schema_of::<c::CreateTenantRequest>),
        status: 201,
        response: Some(schema_of::<c::CreateTenantResponse>),
        mount: || post(tenants::create),
        iam: Iam {
            actions: &[PUT],
            keys: &[SLUG, TENANT, USER, EMAIL],
        },
    },
    Route {
        id: "login",
        method: Method::POST,
        path: "/v1/auth/login",
        summary: "Log in with tenant slug, email and password; 429 after repeated failures",
        access: Access::Public,
        request: Some(schema_of::<c::LoginRequest>),
        status: 200,
        response: Some(schema_of::<c::TokenResponse>),
        mount: || post(auth::login),
        iam: Iam {
            actions: &[GET, UPDATE],
            keys: &[SLUG, USER, EMAIL],
        },
    },
    Route {
        id: "get_program",
        method: Method::GET,
        path: "/v1/program",
        summary: "The program settings and commission plan",
        access: Access::Authenticated,
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
        access: Access::Authenticated,
        request: Some(schema_of::<c::UpdateProgramRequest>),
        status: 200,
        response: Some(schema_of::<c::Program>),
        mount: || put(program::update),
        iam: Iam {
            actions: &[GET, PUT],
            keys: &[TENANT, USER, API_KEY],
        },
    },
    Route {
        id: "create_partner",
        method: Method::POST,
        path: "/v1/partners",
        summary: "Create a partner under an optional sponsor (configure_program)",
        access: Access::Authenticated,
        request: Some(schema_of::<c::CreatePartnerRequest>),
        status: 201,
        response: Some(schema_of::<c::Partner>),
        mount: || post(partners::create),
        iam: Iam {
            actions: &[GET, PUT, UPDATE],
            keys: &[TENANT, USER, API_KEY, PARTNER, CODE, PARTNER_EXTERNAL_ID],
        },
    },
    Route {
        id: "get_partner",
        method: Method::GET,
        path: "/v1/partners/{id}",
        summary: "A partner: self, its upline, or view_all_partners",
        access: Access::Authenticated,
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
        id: "put_deal",
        method: Method::PUT,
        path: "/v1/deals/{external_id}",
        summary: "Create or update a deal by its external id (API key or staff)",
        access: Access::Authenticated,
        request: Some(schema_of::<c::PutDealRequest>),
        status: 201,
        response: Some(schema_of::<c::Deal>),
        mount: || put(deals::put),
        iam: Iam {
            actions: &[GET, PUT, QUERY],
            keys: &[TENANT, USER, API_KEY, PARTNER, CODE, DEAL],
        },
    },
    Route {
        id: "get_deal",
        method: Method::GET,
        path: "/v1/deals/{external_id}",
        summary: "A deal with its status history and commissions (API key or staff)",
        access: Access::Authenticated,
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
        access: Access::Authenticated,
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
        id: "get_partner_wallet",
        method: Method::GET,
        path: "/v1/partners/{id}/wallet",
        summary: "A partner's wallet balance (manage_balances)",
        access: Access::Authenticated,
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
        access: Access::Authenticated,
        request: None,
        status: 200,
        response: Some(schema_of::<c::WalletEntryPage>),
        mount: || get(wallets::entries_of_partner),
        iam: Iam {
            actions: &[GET, QUERY],
            keys: &[TENANT, USER, API_KEY, PARTNER],
        },
    },
    Route {
        id: "create_api_key",
        method: Method::POST,
        path: "/v1/api-keys",
        summary: "Create an API key for a tenant's backend (configure_program)",
        access: Access::Authenticated,
        request: Some(schema_of::<c::CreateApiKeyRequest>),
        status: 201,
        response: Some(schema_of::<c::ApiKeyCreated>),
        mount: || post(api_keys::create),
        iam: Iam {
            actions: &[GET, PUT],
            keys: &[USER, API_KEY],
        },
    },
    Route {
        id: "openapi",
        method: Method::GET,
        path: "/openapi.json",
        summary: "This document",
        access: Access::Public,
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
            router.route(route.path, (route.mount)())
        });
    router.fallback(not_found).with_state(state)
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
