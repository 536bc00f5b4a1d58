//! Before and around logging in: log in, register (from a referral link or an invitation),
//! confirm the email, set or reset a password, the unconfirmed-email gate, joining.

use crate::api::{self, ApiError};
use crate::components::{Field, FormError, Loading};
use crate::fetched::Fetched;
use crate::i18n::T;
use crate::navigation::{self, query};
use crate::session::{self, session, text, tr};
use leptos::prelude::*;
use leptos::task::spawn_local;
use upline_contract as c;
use upline_contract::{
    CreateTenantRequest, EmailTokenRequest, ForgotPasswordRequest, InvitationPrefill, JoinRequest,
    LoginRequest, NewAccount, NoBody, NoParams, ProgramBasics, ProgramPath, PublicProgramQuery,
    RegisterRequest, SetPasswordRequest, Terms, TokenPath, TokenResponse,
};

/// In with a new session: this browser remembers the program, and the dashboard opens.
fn signed_in(program: &str, token: String) {
    session::remember_program(program);
    session().log_in(token);
    navigation::navigate("/dashboard");
}

#[component]
pub fn Login() -> impl IntoView {
    let program = RwSignal::new(session::stored_program().unwrap_or_default());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let totp = RwSignal::new(String::new());
    // Shown once the API says this account has two-factor login on.
    let asks_code = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        let code = totp.get_untracked().trim().to_owned();
        let request = LoginRequest {
            tenant: program.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            totp: (!code.is_empty()).then_some(code),
        };
        spawn_local(async move {
            match api::submit::<c::Login>(&request).await {
                Ok(answer) => signed_in(&request.tenant, answer.token),
                Err(e) => {
                    if e.code == "totp_required" || e.code == "invalid_totp" {
                        asks_code.set(true);
                    }
                    error.set(Some(e));
                }
            }
            pending.set(false);
        });
    };
    view! {
        <section class="card narrow" data-testid="login-page">
            <h1>{text(T::LogInTitle)}</h1>
            <form on:submit=submit novalidate>
                <Field label=T::Program name="tenant" value=program error=error required=true autocomplete="organization"/>
                <Field label=T::Email name="email" value=email error=error kind="email" required=true autocomplete="email"/>
                <Field label=T::Password name="password" value=password error=error kind="password" required=true autocomplete="current-password"/>
                <Show when=move || asks_code.get()>
                    <Field label=T::AuthenticatorCode name="totp" value=totp error=error required=true autocomplete="one-time-code"/>
                </Show>
                <FormError error=error fields=&["tenant", "email", "password", "totp"]/>
                <button type="submit" class="primary" data-testid="login-submit" disabled=move || pending.get()>
                    {text(T::LogIn)}
                </button>
            </form>
            <p><a href="/forgot-password" data-testid="forgot-link">{text(T::ForgotPassword)}</a></p>
            <p class="muted">{text(T::NoAccount)}" "<a href="/register">{text(T::Register)}</a></p>
            <p class="muted"><a href="/start" data-testid="start-link">{text(T::StartTitle)}</a></p>
        </section>
    }
}

#[component]
pub fn ForgotPassword() -> impl IntoView {
    let program = RwSignal::new(session::stored_program().unwrap_or_default());
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let sent = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = ForgotPasswordRequest {
            tenant: program.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
        };
        spawn_local(async move {
            match api::submit::<c::ForgotPassword>(&request).await {
                Ok(_) => sent.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card narrow">
            <h1>{text(T::ForgotPassword)}</h1>
            <Show when=move || !sent.get() fallback=|| view! { <p class="success" role="status" data-testid="link-sent">{text(T::LinkSent)}</p> }>
                <form on:submit=submit novalidate>
                    <Field label=T::Program name="tenant" value=program error=error required=true/>
                    <Field label=T::Email name="email" value=email error=error kind="email" required=true autocomplete="email"/>
                    <FormError error=error fields=&["tenant", "email"]/>
                    <button type="submit" class="primary" data-testid="forgot-submit">{text(T::SendLink)}</button>
                </form>
            </Show>
        </section>
    }
}

/// What the registration form knows before the person types anything.
#[derive(Clone, Default)]
struct Prefill {
    slug: Option<String>,
    program_name: Option<String>,
    inviter: Option<String>,
    terms: Option<Terms>,
    email: Option<String>,
    name: Option<String>,
    phone: Option<String>,
}

/// The invitation's details, or the program's (and the referrer's name) when the visitor came
/// with a program and perhaps a referral code; nothing when neither is known.
async fn load_prefill(
    invitation: Option<String>,
    program_hint: Option<String>,
    referral: String,
) -> Result<Prefill, ApiError> {
    if let Some(token) = invitation {
        let found: InvitationPrefill =
            api::call::<c::GetInvitation>(&TokenPath { token }, &NoParams {}, &NoBody {}).await?;
        let full_name = format!("{} {}", found.first_name, found.last_name);
        return Ok(Prefill {
            slug: Some(found.tenant.slug),
            program_name: Some(found.tenant.name),
            inviter: Some(found.inviter_name),
            terms: found.terms,
            email: Some(found.email),
            name: Some(full_name.trim().to_owned()),
            phone: found.phone,
        });
    }
    let Some(hint) = program_hint else {
        return Ok(Prefill::default());
    };
    let query = PublicProgramQuery {
        referral_code: (!referral.is_empty()).then_some(referral),
    };
    let program = ProgramPath { program: hint };
    match api::call::<c::GetPublicProgram>(&program, &query, &NoBody {}).await {
        Ok(found) => Ok(Prefill {
            slug: Some(found.tenant.slug),
            program_name: Some(found.tenant.name),
            inviter: found.referrer_name,
            terms: found.terms,
            ..Prefill::default()
        }),
        // An unknown program is typed in by hand.
        Err(e) if e.status == 404 => Ok(Prefill::default()),
        Err(e) => Err(e),
    }
}

#[component]
pub fn Register() -> impl IntoView {
    let invitation = query("invitation");
    let referral = query("ref").unwrap_or_default();
    let program_hint = query("program").or_else(session::stored_program);

    let program = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(referral.clone());
    let accept = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);

    // The form's fields are filled as the prefill arrives, before the form shows.
    let prefill = RwSignal::new(None::<Result<Prefill, ApiError>>);
    let loading = load_prefill(invitation.clone(), program_hint, referral);
    spawn_local(async move {
        let found = loading.await;
        if let Ok(found) = &found {
            program.set(found.slug.clone().unwrap_or_default());
            for (field, value) in [
                (email, &found.email),
                (name, &found.name),
                (phone, &found.phone),
            ] {
                if let Some(value) = value {
                    field.set(value.clone());
                }
            }
        }
        prefill.set(Some(found));
    });
    let known = move || prefill.get().and_then(|p| p.ok()).unwrap_or_default();
    let from_invitation = invitation.is_some();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        let code_value = code.get_untracked().trim().to_owned();
        let request = RegisterRequest {
            tenant: program.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            name: name.get_untracked().trim().to_owned(),
            phone: Some(phone.get_untracked().trim().to_owned()).filter(|p| !p.is_empty()),
            accept_terms: accept.get_untracked(),
            referral_code: Some(code_value).filter(|c| !c.is_empty() && !from_invitation),
            invitation_token: invitation.clone(),
            language: Some(session().language.get_untracked()),
        };
        spawn_local(async move {
            // The answer also carries the new partner; the portal only needs the token (and
            // leaves decoding a whole partner to the pages that show one).
            match api::submit_as::<c::Register, TokenResponse>(&request).await {
                Ok(answer) => signed_in(&request.tenant, answer.token),
                Err(e) => error.set(Some(e)),
            }
            pending.set(false);
        });
    };

    view! {
        <section class="card narrow" data-testid="register-page">
            <h1>{text(T::RegisterTitle)}</h1>
            {move || {
                let found = known();
                found.program_name.map(|program_name| {
                    let who = found.inviter.unwrap_or_default();
                    view! {
                        <p class="invited" data-testid="invited-by">
                            <strong>{who.clone()}</strong>
                            {if who.is_empty() { "" } else { " " }}
                            {move || if who.is_empty() { "" } else { tr(T::InvitedBy) }}
                            " "<strong>{program_name}</strong>
                        </p>
                    }
                })
            }}
            <Show when=move || prefill.get().is_some() fallback=|| view! { <Loading/> }>
                <form on:submit=submit.clone() novalidate>
                    <Show when=move || known().slug.is_none()>
                        <Field label=T::Program name="tenant" value=program error=error required=true/>
                    </Show>
                    <Field label=T::Name name="name" value=name error=error required=true autocomplete="name"/>
                    <Field label=T::Email name="email" value=email error=error kind="email" required=true autocomplete="email" readonly=from_invitation/>
                    <Field label=T::Phone name="phone" value=phone error=error kind="tel" autocomplete="tel"/>
                    <Field label=T::Password name="password" value=password error=error kind="password" required=true autocomplete="new-password"/>
                    <Show when=move || !from_invitation>
                        <Field label=T::ReferralCode name="referral_code" value=code error=error/>
                    </Show>
                    {move || known().terms.map(|terms| view! {
                        <div class="field checkbox">
                            <input type="checkbox" id="accept-terms" data-testid="input-accept_terms" bind:checked=accept/>
                            <label for="accept-terms">{text(T::AcceptTerms)}</label>
                            " · "<a href=terms.url target="_blank" rel="noopener" data-testid="terms-link">{text(T::ReadTerms)}</a>
                            <p class="field-error" role="alert" data-testid="error-accept_terms">
                                {move || error.get().filter(|e| e.is_for("accept_terms")).map(|e| e.message)}
                            </p>
                        </div>
                    })}
                    <FormError error=error fields=&["tenant", "name", "email", "phone", "password", "referral_code", "accept_terms"]/>
                    <button type="submit" class="primary" data-testid="register-submit" disabled=move || pending.get()>
                        {text(T::Register)}
                    </button>
                </form>
            </Show>
            <p class="muted"><a href="/login">{text(T::LogIn)}</a></p>
        </section>
    }
}

/// `/confirm-email?token=…` from the confirmation email: confirms on arrival.
#[component]
pub fn ConfirmEmail() -> impl IntoView {
    let token = query("token").unwrap_or_default();
    let outcome = Fetched::new(move || {
        let token = token.clone();
        async move { api::submit::<c::ConfirmEmail>(&EmailTokenRequest { token }).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = outcome.get() {
            session().refresh();
        }
    });
    view! {
        <section class="card narrow" data-testid="confirm-page">
            <h1>{text(T::ConfirmTitle)}</h1>
            {move || match outcome.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(_)) => view! {
                    <p class="success" role="status" data-testid="confirmed">{text(T::Confirmed)}</p>
                    <a class="button primary" href="/dashboard">{text(T::Continue)}</a>
                }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert" data-testid="form-error">{e.message}</p> }.into_any(),
            }}
        </section>
    }
}

/// `/set-password?token=…`: a new account's first password, or a reset.
#[component]
pub fn SetPassword() -> impl IntoView {
    let token = query("token").unwrap_or_default();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SetPasswordRequest {
            token: token.clone(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match api::submit::<c::SetPassword>(&request).await {
                Ok(answer) => {
                    session().log_in(answer.token);
                    navigation::navigate("/dashboard");
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card narrow" data-testid="set-password-page">
            <h1>{text(T::SetPasswordTitle)}</h1>
            <form on:submit=submit novalidate>
                <Field label=T::NewPassword name="password" value=password error=error kind="password" required=true autocomplete="new-password"/>
                <FormError error=error fields=&["password"]/>
                <button type="submit" class="primary" data-testid="set-password-submit">{text(T::Save)}</button>
            </form>
        </section>
    }
}

/// Shown instead of everything else while the email is unconfirmed (the API refuses the rest).
#[component]
pub fn EmailGate(email: String) -> impl IntoView {
    let sent = RwSignal::new(false);
    // Only the local cloud has an outbox; in the cloud this answers 404 and shows nothing.
    let local = Fetched::new(api::local_outbox_exists);
    let error = RwSignal::new(None::<ApiError>);
    let resend = move |_| {
        spawn_local(async move {
            match api::fetch::<c::ResendConfirmation>().await {
                Ok(_) => sent.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card narrow" data-testid="email-gate">
            <h1>{text(T::ConfirmGateTitle)}</h1>
            <p>{text(T::ConfirmGateBody)}</p>
            <p><strong>{email}</strong></p>
            <button type="button" on:click=resend data-testid="resend" disabled=move || sent.get()>{text(T::Resend)}</button>
            <Show when=move || sent.get()><p class="success" role="status">{text(T::Resent)}</p></Show>
            <FormError error=error fields=&[]/>
            <Show when=move || local.get().unwrap_or(false)>
                <p class="muted" data-testid="local-outbox">{text(T::LocalOutbox)}" "<a href="/_local/outbox" rel="external" target="_blank">"/_local/outbox"</a></p>
            </Show>
        </section>
    }
}

/// A staff user (or owner) who is not a partner yet may join.
#[component]
pub fn JoinProgram() -> impl IntoView {
    let program = Fetched::new(api::fetch_as::<c::GetProgram, ProgramBasics>);
    let terms = move || program.get().and_then(|p| p.ok()).and_then(|p| p.terms);
    let accept = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let join = move |_| {
        let has_terms = program
            .get_untracked()
            .and_then(|p| p.ok())
            .is_some_and(|p| p.terms.is_some());
        let request = JoinRequest {
            accept_terms: accept.get_untracked() || !has_terms,
        };
        spawn_local(async move {
            match api::submit::<c::JoinProgram>(&request).await {
                Ok(_) => session().refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" data-testid="join-program">
            <h2>{text(T::JoinTitle)}</h2>
            {move || terms().map(|terms| view! {
                <div class="field checkbox">
                    <input type="checkbox" id="join-terms" bind:checked=accept/>
                    <label for="join-terms">{text(T::AcceptTerms)}</label>
                    " · "<a href=terms.url target="_blank" rel="noopener">{text(T::ReadTerms)}</a>
                </div>
            })}
            <FormError error=error fields=&[]/>
            <button type="button" class="primary" on:click=join data-testid="join-submit">{text(T::Join)}</button>
        </section>
    }
}

/// `/start`: a company creates its program (a tenant) and its owner account.
#[component]
pub fn StartProgram() -> impl IntoView {
    let slug = RwSignal::new(String::new());
    let program_name = RwSignal::new(String::new());
    let currency = RwSignal::new("EUR".to_owned());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(code) = currency.get_untracked().trim().to_ascii_uppercase().parse() else {
            return error.set(Some(ApiError::invalid(
                "currency",
                "is not an ISO 4217 currency code",
            )));
        };
        pending.set(true);
        let request = CreateTenantRequest {
            slug: slug.get_untracked().trim().to_owned(),
            name: program_name.get_untracked().trim().to_owned(),
            currency: code,
            owner: NewAccount {
                email: email.get_untracked().trim().to_owned(),
                password: password.get_untracked(),
                name: name.get_untracked().trim().to_owned(),
            },
        };
        spawn_local(async move {
            match api::submit::<c::CreateTenant>(&request).await {
                Ok(created) => signed_in(&created.tenant.slug, created.token),
                Err(e) => error.set(Some(e)),
            }
            pending.set(false);
        });
    };
    view! {
        <section class="card narrow" data-testid="start-page">
            <h1>{text(T::StartTitle)}</h1>
            <form on:submit=submit novalidate>
                <Field label=T::ProgramName name="name" value=program_name error=error required=true autocomplete="organization"/>
                <Field label=T::Program name="slug" value=slug error=error required=true/>
                <p class="muted">{text(T::StartHint)}</p>
                <Field label=T::Currency name="currency" value=currency error=error required=true/>
                <Field label=T::YourName name="owner.name" value=name error=error required=true autocomplete="name"/>
                <Field label=T::Email name="owner.email" value=email error=error kind="email" required=true autocomplete="email"/>
                <Field label=T::Password name="owner.password" value=password error=error kind="password" required=true autocomplete="new-password"/>
                <FormError error=error fields=&["name", "slug", "currency", "owner.name", "owner.email", "owner.password"]/>
                <button type="submit" class="primary" data-testid="start-submit" disabled=move || pending.get()>{text(T::Start)}</button>
            </form>
        </section>
    }
}
