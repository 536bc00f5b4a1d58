//! `/embed?token=…`: one partner's panel, framed by widget.js on the tenant's site. It calls
//! with the embed token only (never the portal's session), tells the host page its height, and
//! says when the token has expired so the host can mint a new one.

use crate::api;
use crate::components::{Loading, money};
use crate::fetched::Fetched;
use crate::i18n::T;
use crate::session::{text, tr};
use leptos::prelude::*;
use upline_contract as c;
use upline_contract::{EmbedPanel, NoBody, NoParams};
use wasm_bindgen::JsValue;

/// The host page's origin: where the frame's messages may go (none: they are not sent).
fn host_origin() -> Option<String> {
    let referrer = document().referrer();
    let url = web_sys::Url::new(&referrer).ok()?;
    Some(url.origin()).filter(|o| o != "null")
}

/// `{upline: kind, …}` to the host page's widget, which checks that it comes from this frame.
fn tell_host(kind: &str, height: Option<f64>) {
    let (Some(origin), Ok(Some(parent))) = (host_origin(), window().parent()) else {
        return;
    };
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"upline".into(), &kind.into());
    if let Some(height) = height {
        let _ = js_sys::Reflect::set(&message, &"height".into(), &JsValue::from_f64(height));
    }
    let _ = parent.post_message(&message, &origin);
}

fn tell_height() {
    // After the view is in the document.
    request_animation_frame(|| {
        if let Some(body) = document().body() {
            tell_host("height", Some(f64::from(body.scroll_height())));
        }
    });
}

#[component]
pub fn Panel() -> impl IntoView {
    if let Some(token) = crate::navigation::query("token") {
        api::use_embed_token(token);
    }
    let hide_earnings = window().location().hash().unwrap_or_default() == "#hide-earnings";
    let panel =
        Fetched::new(|| api::call::<c::GetEmbedPanel>(&NoParams {}, &NoParams {}, &NoBody {}));
    let _resize = window_event_listener(leptos::ev::resize, |_| tell_height());
    view! {
        <section class="embed-panel" data-testid="embed-panel">
            {move || match panel.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) if error.status == 401 => {
                    tell_host("expired", None);
                    tell_height();
                    view! { <p class="empty" data-testid="embed-expired" role="status">{text(T::PanelExpired)}</p> }.into_any()
                }
                Some(Err(error)) => {
                    tell_height();
                    view! { <p class="form-error" role="alert">{error.message}</p> }.into_any()
                }
                Some(Ok(panel)) => {
                    tell_height();
                    panel_view(panel, hide_earnings).into_any()
                }
            }}
        </section>
    }
}

fn panel_view(panel: EmbedPanel, hide_earnings: bool) -> impl IntoView {
    let link = panel.partner.referral_link.clone();
    let copied = RwSignal::new(false);
    let for_copy = link.clone();
    let copy = move |_| {
        let promise = window().navigator().clipboard().write_text(&for_copy);
        leptos::task::spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                copied.set(true);
            }
        });
    };
    let currency = panel.program.currency;
    let counts = [
        (T::DirectReferrals, panel.referrals, "referrals"),
        (T::PanelLeads, panel.leads, "leads"),
        (T::PanelClients, panel.clients, "clients"),
        (T::PanelDealsWon, panel.deals_won, "deals-won"),
    ];
    let money_rows = [
        (T::Balance, panel.balance, "balance"),
        (T::PanelPending, panel.pending, "pending"),
        (T::PanelPaidOut, panel.paid_out, "paid-out"),
    ];
    view! {
        <h2 data-testid="embed-name">{panel.partner.name.clone()}" · "{panel.program.name.clone()}</h2>
        <div class="link-row">
            <input readonly value=link.clone() aria-label=text(T::YourLink) data-testid="referral-link"/>
            <button type="button" class="primary" on:click=copy data-testid="copy-link" aria-live="polite">
                {move || if copied.get() { tr(T::Copied) } else { tr(T::Copy) }}
            </button>
        </div>
        <div class="qr-row">
            // The server draws the SVG from the link alone: nothing a person wrote is in it.
            <div class="qr" data-testid="qr-code" role="img" aria-label=text(T::QrCode) inner_html=panel.qr_svg.clone()></div>
            <ul class="share-buttons">
                {crate::pages::partner::share_links(&link).into_iter().map(|(id, label, href)| view! {
                    <li><a class="button share-button" href=href target="_blank" rel="noopener" data-testid=format!("share-{id}")>{label}</a></li>
                }).collect_view()}
            </ul>
        </div>
        <dl class="embed-figures">
            {counts.into_iter().map(|(label, value, id)| view! {
                <div><dt>{text(label)}</dt><dd data-testid=format!("embed-{id}")>{value.to_string()}</dd></div>
            }).collect_view()}
            {(!hide_earnings).then(|| money_rows.into_iter().map(|(label, value, id)| view! {
                <div><dt>{text(label)}</dt><dd data-testid=format!("embed-{id}")>{money(value, currency)}</dd></div>
            }).collect_view())}
        </dl>
    }
}
