//! Every endpoint of the API, declared once: the server mounts these, the OpenAPI document and
//! the SAM template describe them, and the portal calls them by type
//! (`api::call::<RequestPayout>(…)`).

use crate::endpoint::{
    AnyJson, Declared, Endpoint, ErrorCode, Metadata, Method, NoBody, NoContent, NoParams, NotJson,
};
use crate::params::*;
use crate::types::*;

macro_rules! status_of {
    ($code:expr) => {
        $code.status()
    };
    ($code:expr, $status:literal) => {
        $status
    };
}

macro_rules! also_of {
    () => {
        None
    };
    ($also:literal) => {
        Some($also)
    };
}

macro_rules! endpoints {
    ($(
        $name:ident = $id:literal, $method:ident $path:literal => $status:literal $(or $also:literal)?,
        $summary:literal,
        $path_params:ty, $query:ty, $request:ty => $response:ty,
        [$($error:ident $(= $error_status:literal)?),*];
    )*) => {
        $(
            #[doc = $summary]
            #[derive(Clone, Copy, Debug)]
            pub struct $name;

            impl Endpoint for $name {
                const META: Metadata = Metadata {
                    id: $id,
                    method: Method::$method,
                    path: $path,
                    summary: $summary,
                    status: $status,
                    also: also_of!($($also)?),
                    errors: &[$(Declared {
                        code: ErrorCode::$error,
                        status: status_of!(ErrorCode::$error $(, $error_status)?),
                    }),*],
                };
                type Path = $path_params;
                type Query = $query;
                type Request = $request;
                type Response = $response;
            }
        )*

        /// Every endpoint's metadata, in declaration order.
        pub const ALL: &[Metadata] = &[$(<$name as Endpoint>::META),*];
    };
}

endpoints! {
    CreateTenant = "create_tenant", Post "/v1/tenants" => 201,
        "Sign up a tenant with its owner account",
        NoParams, NoParams, CreateTenantRequest => CreateTenantResponse,
        [SlugTaken, TooManySignups];
    Login = "login", Post "/v1/auth/login" => 200,
        "Log in with tenant slug, email and password; 429 after repeated failures",
        NoParams, NoParams, LoginRequest => TokenResponse,
        [InvalidCredentials, TotpRequired, InvalidTotp, TooManyAttempts];
    Register = "register", Post "/v1/auth/register" => 201,
        "Join a program by referral code, invitation or open signup; logged in at once",
        NoParams, NoParams, RegisterRequest => RegisterResponse,
        [TokenNotFound, EmailTaken, ExternalIdTaken, AlreadyJoined, TryAgain, Conflict, TooManyRegistrations];
    ConfirmEmail = "confirm_email", Post "/v1/auth/confirm-email" => 200,
        "Confirm an email with the token from the confirmation email (once)",
        NoParams, NoParams, EmailTokenRequest => Ack,
        [TokenNotFound];
    ResendConfirmation = "resend_confirmation", Post "/v1/auth/resend-confirmation" => 202,
        "Send the logged-in user a new confirmation email",
        NoParams, NoParams, NoBody => Ack,
        [AlreadyConfirmed, TooManyEmails];
    ForgotPassword = "forgot_password", Post "/v1/auth/forgot-password" => 202,
        "Email a set-password link (at most 3 per 15 minutes); 202 whether or not the account exists",
        NoParams, NoParams, ForgotPasswordRequest => Ack,
        [];
    SetPassword = "set_password", Post "/v1/auth/set-password" => 200,
        "Set a password with the token from a set-password email (once); logs in",
        NoParams, NoParams, SetPasswordRequest => TokenResponse,
        [TokenNotFound];
    Logout = "logout", Post "/v1/auth/logout" => 204,
        "End this session: its token answers 401 from now on (other sessions stand)",
        NoParams, NoParams, NoBody => NoContent,
        [];
    GetMe = "me", Get "/v1/me" => 200,
        "The logged-in user, their partner and tenant (also before email confirmation)",
        NoParams, NoParams, NoBody => Me,
        [];
    CreateUser = "create_user", Post "/v1/users" => 201,
        "Create a staff user with permissions and an optional supervisor (configure_program)",
        NoParams, NoParams, CreateUserRequest => User,
        [EmailTaken, Cycle];
    ListUsers = "list_users", Get "/v1/users" => 200,
        "The tenant's users, oldest first (configure_program)",
        NoParams, ListQuery, NoBody => Page<User>,
        [];
    SetSupervisor = "set_supervisor", Put "/v1/users/{id}/supervisor" => 200,
        "Move a user in the staff structure (configure_program); a loop is a 409 cycle",
        IdPath, NoParams, SetSupervisorRequest => User,
        [Cycle];
    SetPermissions = "set_permissions", Put "/v1/users/{id}/permissions" => 200,
        "Replace a staff user's permissions (configure_program); only permissions the caller holds, never their own",
        IdPath, NoParams, SetPermissionsRequest => User,
        [OwnPermissions, OwnerKeepsPermissions];
    JoinProgram = "join_program", Post "/v1/program/join" => 201,
        "Become a partner, under the supervisor's partner if any (participate)",
        NoParams, NoParams, JoinRequest => Partner,
        [AlreadyJoined, SupervisorNotJoined, TryAgain, Conflict];
    UploadTerms = "upload_terms", Put "/v1/program/terms" => 201,
        "Upload the program terms as a PDF (≤ 5 MB), a new version (configure_program)",
        NoParams, NoParams, NotJson => Terms,
        [TooLarge, TryAgain];
    GetProgram = "get_program", Get "/v1/program" => 200,
        "The program settings and commission plan",
        NoParams, NoParams, NoBody => Program,
        [];
    UpdateProgram = "update_program", Put "/v1/program" => 200,
        "Change program settings and the plan (configure_program)",
        NoParams, NoParams, UpdateProgramRequest => Program,
        [Conflict, TwoFactorFirst];
    CreatePartner = "create_partner", Post "/v1/partners" => 201,
        "Create a partner and its account under an optional sponsor; the account gets a set-password email (configure_program)",
        NoParams, NoParams, CreatePartnerRequest => Partner,
        [EmailTaken, ExternalIdTaken, TryAgain, Conflict];
    MyPartner = "my_partner", Get "/v1/partners/me" => 200,
        "The caller's own partner: referral code, link, external id, sponsor, depth",
        NoParams, NoParams, NoBody => Partner,
        [NotFound];
    MyQrCode = "my_qr_code", Get "/v1/partners/me/qr.svg" => 200,
        "The referral link as a QR code: SVG, or PNG with ?format=png",
        NoParams, QrQuery, NoBody => NotJson,
        [NotFound];
    ListPartners = "list_partners", Get "/v1/partners" => 200,
        "The caller's downline with levels (?scope=downline) or everyone (?scope=all, view_all_partners)",
        NoParams, PartnerListQuery, NoBody => Page<Partner>,
        [];
    SetSponsor = "set_sponsor", Put "/v1/partners/{id}/sponsor" => 200,
        "Move a partner and its downline under another sponsor (configure_program); a cycle is a 409",
        IdPath, NoParams, SetSponsorRequest => Partner,
        [Cycle];
    CreateInvitation = "create_invitation", Post "/v1/invitations" => 201,
        "Invite someone by email, in the inviter's name (level_zero needs invite_level_zero)",
        NoParams, NoParams, CreateInvitationRequest => InvitationCreated,
        [NotAPartner, AlreadyMember, TooManyInvitations];
    GetInvitation = "get_invitation", Get "/v1/invitations/{token}" => 200,
        "What a registration form is prefilled with; used or expired → 404 (public)",
        TokenPath, NoParams, NoBody => InvitationPrefill,
        [TokenNotFound];
    GetPublicProgram = "get_public_program", Get "/v1/public/programs/{program}" => 200,
        "A program by slug or tenant id, its terms, and who `?ref=` is: what the registration page shows (public)",
        ProgramPath, PublicProgramQuery, NoBody => PublicProgram,
        [];
    RecordClick = "record_click", Post "/v1/public/clicks" => 202,
        "A visit with a partner's code, from the widget on a site of the program's widget_origins (public; throttled per address)",
        NoParams, NoParams, PublicClickRequest => ClickRecorded,
        [OriginNotAllowed, TooManyRequests];
    CreatePublicLead = "create_public_lead", Post "/v1/public/leads" => 201,
        "A lead from the widget's form on a site of the program's widget_origins, attributed by code or click (public; throttled per address)",
        NoParams, NoParams, PublicLeadRequest => PublicLeadCreated,
        [OriginNotAllowed, TooManyRequests, AttributionExpired];
    FollowReferralLink = "follow_referral_link", Get "/r/{code}" => 302,
        "A partner's referral link: records the click and redirects to the program's landing_url with ?ref= and ?upline_click=, else to the portal's registration (public)",
        CodePath, ReferralLinkQuery, NoBody => NotJson,
        [];
    CreateEmbedToken = "create_embed_token", Post "/v1/embed-tokens" => 201,
        "A read-only token for one partner's panel on the tenant's site, 60–3600 s (an API key)",
        NoParams, NoParams, CreateEmbedTokenRequest => EmbedToken,
        [];
    GetEmbedPanel = "get_embed_panel", Get "/v1/embed/me" => 200,
        "What the embedded panel shows: the partner's link, counts and money (an embed token)",
        NoParams, NoParams, NoBody => EmbedPanel,
        [];
    EmbedPage = "embed_page", Get "/embed" => 200,
        "The portal's panel page that widget.js frames on the tenant's site: HTML whose frame-ancestors are the token's program's widget_origins (public)",
        NoParams, EmbedPageQuery, NoBody => NotJson,
        [NotFound];
    GetPartner = "get_partner", Get "/v1/partners/{id}" => 200,
        "A partner: self, its upline, or view_all_partners",
        IdPath, NoParams, NoBody => Partner,
        [];
    CreateLead = "create_lead", Post "/v1/leads" => 201,
        "Record a lead, attributed by referral code; the plan's lead_created rule pays through the walk (API key or staff)",
        NoParams, NoParams, CreateLeadRequest => LeadCreated,
        [];
    RegisterClient = "register_client", Post "/v1/leads/{id}/registered" => 200,
        "The lead became a client (once); the plan's client_registered rule pays through the walk (API key or staff)",
        IdPath, NoParams, NoBody => Lead,
        [AlreadyRegistered];
    ListLeads = "list_leads", Get "/v1/leads" => 200,
        "Leads, newest first: a partner's own, or everyone's (?partner_id=) for staff",
        NoParams, LeadListQuery, NoBody => Page<Lead>,
        [];
    PutDeal = "put_deal", Put "/v1/deals/{external_id}" => 201 or 200,
        "Create or update a deal by its external id (API key or staff)",
        DealPath, NoParams, PutDealRequest => Deal,
        [Conflict, AttributionExpired];
    ListDeals = "list_deals", Get "/v1/deals" => 200,
        "Deals, newest first, with what each earned: a partner's own, or everyone's (?partner_id=, ?status=) for staff",
        NoParams, DealListQuery, NoBody => Page<DealSummary>,
        [];
    GetDeal = "get_deal", Get "/v1/deals/{external_id}" => 200,
        "A deal with its status history and commissions (API key or staff)",
        DealPath, NoParams, NoBody => Deal,
        [];
    PreviewCommission = "preview_commission", Get "/v1/deals/{external_id}/commission-preview" => 200,
        "What the deal entering ?status= would credit now, to whom, at which level",
        DealPath, PreviewQuery, NoBody => CommissionPreview,
        [];
    GetWallet = "get_wallet", Get "/v1/wallet" => 200,
        "The caller's wallet balance (a partner)",
        NoParams, NoParams, NoBody => Wallet,
        [NotFound];
    ListWalletEntries = "list_wallet_entries", Get "/v1/wallet/entries" => 200,
        "The caller's wallet entries, newest first, with the source of each (deal, from whom, level, rule, reason)",
        NoParams, ListQuery, NoBody => Page<WalletEntry>,
        [NotFound];
    GetPartnerWallet = "get_partner_wallet", Get "/v1/partners/{id}/wallet" => 200,
        "A partner's wallet balance (manage_balances)",
        IdPath, NoParams, NoBody => Wallet,
        [];
    ListPartnerWalletEntries = "list_partner_wallet_entries", Get "/v1/partners/{id}/wallet/entries" => 200,
        "A partner's wallet entries, newest first (manage_balances)",
        IdPath, ListQuery, NoBody => Page<WalletEntry>,
        [];
    AdjustWallet = "adjust_wallet", Post "/v1/partners/{id}/wallet/adjustments" => 201,
        "Credit or debit a partner's wallet with a reason, never below zero (manage_balances)",
        IdPath, NoParams, AdjustmentRequest => WalletEntry,
        [OwnWallet, InsufficientBalance];
    RequestPayout = "request_payout", Post "/v1/payouts" => 201,
        "Request a payout: at most the balance, at least the minimum, one open at a time (a partner)",
        NoParams, NoParams, CreatePayoutRequest => Payout,
        [NotAPartner, PayoutOpen, BelowMinimum, InsufficientBalance = 422];
    ListPayouts = "list_payouts", Get "/v1/payouts" => 200,
        "Payout requests (?status=): the caller's own, or everyone's with manage_balances",
        NoParams, PayoutListQuery, NoBody => Page<Payout>,
        [];
    PayPayout = "pay_payout", Post "/v1/payouts/{id}/pay" => 200,
        "Pay an open request: the balance drops by the amount atomically, never below zero (manage_balances)",
        IdPath, NoParams, NoBody => Payout,
        [PayoutNotOpen, OwnWallet, InsufficientBalance];
    RejectPayout = "reject_payout", Post "/v1/payouts/{id}/reject" => 200,
        "Reject an open request with a reason (manage_balances)",
        IdPath, NoParams, RejectPayoutRequest => Payout,
        [PayoutNotOpen];
    CreateWebhook = "create_webhook", Post "/v1/webhooks" => 201,
        "Subscribe a URL to events; the signing secret is shown once (configure_program)",
        NoParams, NoParams, CreateWebhookRequest => WebhookCreated,
        [TooManyWebhooks];
    ListWebhooks = "list_webhooks", Get "/v1/webhooks" => 200,
        "The program's webhook endpoints, without their secrets (configure_program)",
        NoParams, NoParams, NoBody => WebhookList,
        [];
    DeleteWebhook = "delete_webhook", Delete "/v1/webhooks/{id}" => 204,
        "Stop deliveries to an endpoint; its log stays readable (configure_program)",
        IdPath, NoParams, NoBody => NoContent,
        [];
    RotateWebhookSecret = "rotate_webhook_secret", Post "/v1/webhooks/{id}/rotate-secret" => 200,
        "A new signing secret; the old one also signs for 24 h (configure_program)",
        IdPath, NoParams, NoBody => SecretRotated,
        [];
    ListWebhookDeliveries = "list_webhook_deliveries", Get "/v1/webhooks/{id}/deliveries" => 200,
        "An endpoint's delivery log, newest first: status, attempts, last result (configure_program)",
        IdPath, ListQuery, NoBody => Page<WebhookDelivery>,
        [];
    ListNotifications = "list_notifications", Get "/v1/notifications" => 200,
        "Emails and SMS sent or waiting, newest first, with their delivery state (configure_program)",
        NoParams, NotificationListQuery, NoBody => Page<Notification>,
        [];
    ListTemplates = "list_templates", Get "/v1/program/templates" => 200,
        "Every notification template in every language, custom or built in (configure_program)",
        NoParams, NoParams, NoBody => TemplateList,
        [];
    PutTemplate = "put_template", Put "/v1/program/templates/{name}" => 200,
        "The program's wording of a template in one language, checked first (configure_program)",
        TemplatePath, NoParams, PutTemplateRequest => NotificationTemplate,
        [];
    StartTotp = "start_totp", Post "/v1/me/totp" => 201,
        "Start two-factor login: a new authenticator secret, on once a code from it is confirmed",
        NoParams, NoParams, NoBody => TotpSetup,
        [TotpEnabled];
    DisableTotp = "disable_totp", Delete "/v1/me/totp" => 204,
        "Turn two-factor login off, with a current code from it",
        NoParams, NoParams, TotpCode => NoContent,
        [TotpNotEnabled, InvalidTotp];
    ConfirmTotp = "confirm_totp", Post "/v1/me/totp/confirm" => 200,
        "Turn two-factor login on with a code from the new secret; login then needs `totp`",
        NoParams, NoParams, TotpCode => TotpStatus,
        [NoTotpSetup, InvalidTotp];
    SetLanguage = "set_language", Put "/v1/me/language" => 200,
        "The language of the caller's emails (en, pl, ru, uk)",
        NoParams, NoParams, SetLanguageRequest => User,
        [];
    CreateApiKey = "create_api_key", Post "/v1/api-keys" => 201,
        "Create an API key for a tenant's backend (configure_program)",
        NoParams, NoParams, CreateApiKeyRequest => ApiKeyCreated,
        [];
    ListApiKeys = "list_api_keys", Get "/v1/api-keys" => 200,
        "The tenant's API keys: name, creator, last use, expiry (never the secret)",
        NoParams, ListQuery, NoBody => Page<ApiKey>,
        [];
    DeleteApiKey = "delete_api_key", Delete "/v1/api-keys/{id}" => 204,
        "Revoke an API key: it answers 401 at once",
        IdPath, NoParams, NoBody => NoContent,
        [];
    ListAudit = "list_audit", Get "/v1/audit" => 200,
        "Every change staff or an API key made, newest first; ?from=&to= (date or RFC 3339), ?actor= (user or key id), ?cursor=, ?limit=",
        NoParams, AuditQuery, NoBody => Page<AuditEvent>,
        [];
    OpenApiDocument = "openapi", Get "/openapi.json" => 200,
        "This document",
        NoParams, NoParams, NoBody => AnyJson,
        [];
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_method_paths_are_unique() {
        let ids: HashSet<_> = ALL.iter().map(|e| e.id).collect();
        let routes: HashSet<_> = ALL.iter().map(|e| (e.method, e.path)).collect();
        assert_eq!((ids.len(), routes.len()), (ALL.len(), ALL.len()));
    }

    #[test]
    fn a_declared_error_code_is_not_one_every_endpoint_has() {
        for meta in ALL {
            let common = ErrorCode::common_to(meta, true, crate::endpoint::BodyKind::Json);
            for declared in meta.errors {
                assert!(
                    !common.contains(&declared.code),
                    "{}: {declared:?}",
                    meta.id
                );
            }
        }
    }
}
