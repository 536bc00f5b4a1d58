//! The user's own account: two-factor login (TOTP) turned on with an authenticator app's code,
//! and off again with one.

use crate::api::{self, ApiError};
use crate::components::{Field, FormError};
use crate::i18n::T;
use crate::session::{session, text};
use leptos::prelude::*;
use leptos::task::spawn_local;
use upline_contract as c;
use upline_contract::{TotpCode, TotpSetup};

#[component]
pub fn Security() -> impl IntoView {
    let session = session();
    let me = move || session.current();
    let is_on = move || me().is_some_and(|me| me.user.two_factor);
    let required = move || me().is_some_and(|me| me.two_factor_setup_required);
    view! {
        <section class="card narrow" data-testid="security-page">
            <h1>{text(T::NavSecurity)}</h1>
            <Show when=required>
                <p class="notice" role="alert" data-testid="two-factor-required">{text(T::TwoFactorRequiredNotice)}</p>
            </Show>
            <p class="muted">{text(T::TwoFactorIntro)}</p>
            <Show when=is_on fallback=|| view! { <TurnOn/> }>
                <TurnOff/>
            </Show>
        </section>
    }
}

/// Start: a new secret as a QR code and as text; then a code from the app turns it on.
#[component]
fn TurnOn() -> impl IntoView {
    let setup = RwSignal::new(None::<TotpSetup>);
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let start = move |_| {
        spawn_local(async move {
            match api::fetch::<c::StartTotp>().await {
                Ok(started) => {
                    error.set(None);
                    setup.set(Some(started));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = TotpCode {
            code: code.get_untracked().trim().to_owned(),
        };
        spawn_local(async move {
            match api::submit::<c::ConfirmTotp>(&request).await {
                // The session reads `/v1/me` again: the page turns to "on", and a session that
                // could only set this up becomes a whole one.
                Ok(_) => session().refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <p data-testid="two-factor-off">{text(T::TwoFactorOff)}</p>
        {move || match setup.get() {
            None => view! {
                <button type="button" class="primary" on:click=start data-testid="two-factor-start">{text(T::TurnOnTwoFactor)}</button>
            }.into_any(),
            Some(started) => view! {
                <p>{text(T::ScanTwoFactorCode)}</p>
                // The SVG is the API's own rendering of the QR code: modules, no user text.
                <div class="qr" role="img" aria-label=text(T::QrCode) data-testid="two-factor-qr" inner_html=started.qr_svg></div>
                <p>{text(T::TwoFactorKey)}" "<code class="secret" data-testid="two-factor-secret">{started.secret}</code></p>
                <form on:submit=confirm novalidate>
                    <Field label=T::AuthenticatorCode name="code" value=code error=error required=true autocomplete="one-time-code"/>
                    <button type="submit" class="primary" data-testid="two-factor-confirm">{text(T::ConfirmCode)}</button>
                </form>
            }.into_any(),
        }}
        <FormError error=error fields=&["code"]/>
    }
}

/// Off again, with a current code: a session alone is not enough.
#[component]
fn TurnOff() -> impl IntoView {
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let turn_off = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = TotpCode {
            code: code.get_untracked().trim().to_owned(),
        };
        spawn_local(async move {
            match api::submit::<c::DisableTotp>(&request).await {
                Ok(_) => session().refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <p class="success" data-testid="two-factor-on">{text(T::TwoFactorOn)}</p>
        <form on:submit=turn_off novalidate>
            <Field label=T::AuthenticatorCode name="code" value=code error=error required=true autocomplete="one-time-code"/>
            <FormError error=error fields=&["code"]/>
            <button type="submit" data-testid="two-factor-turn-off">{text(T::TurnOffTwoFactor)}</button>
        </form>
    }
}
