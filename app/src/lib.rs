//! The partner portal: a Leptos client-side-rendered app over the HTTP API (docs/API.md).
//! Partners see their link, QR, referrals, commissions and payouts; staff see what their
//! permissions allow. `api` is the only module that talks HTTP.

pub mod api;
pub mod charts;
pub mod components;
pub mod fetched;
pub mod i18n;
pub mod navigation;
pub mod pages;
pub mod session;

use crate::components::Loading;
use crate::i18n::T;
use crate::navigation::Page;
use crate::pages::{account, audit, auth, embed, partner, program, staff};
use crate::session::{Session, session, text, tr};
use leptos::prelude::*;
use upline_contract::{Language, Permission};

/// Each page's code is its own wasm chunk: `app/build.sh` splits the module with wasm-split-cli at
/// every `#[lazy]` function, and the chunk is fetched the first time the page shows, so a visitor
/// downloads the shell and the page in front of them, never the staff views they cannot open.
macro_rules! lazy_pages {
    ($($name:ident => $view:expr;)*) => {
        $(
            #[lazy]
            fn $name() -> AnyView {
                $view.into_any()
            }
        )*
    };
}

lazy_pages! {
    login_page_view => view! { <auth::Login/> };
    start_page_view => view! { <auth::StartProgram/> };
    register_page_view => view! { <auth::Register/> };
    confirm_email_page_view => view! { <auth::ConfirmEmail/> };
    set_password_page_view => view! { <auth::SetPassword/> };
    forgot_password_page_view => view! { <auth::ForgotPassword/> };
    dashboard_page_view => view! { <Private><partner::Dashboard/></Private> };
    referrals_page_view => view! { <Private><partner::Referrals/></Private> };
    commissions_page_view => view! { <Private><partner::Commissions/></Private> };
    invite_page_view => view! { <Private><partner::Invite/></Private> };
    payouts_page_view => view! { <Private><partner::Payouts/></Private> };
    staff_partners_page_view => view! {
        <Private><Allowed to=Permission::ViewAllPartners><staff::StaffPartners/></Allowed></Private>
    };
    staff_payouts_page_view => view! {
        <Private><Allowed to=Permission::ManageBalances><staff::StaffPayouts/></Allowed></Private>
    };
    program_page_view => view! {
        <Private><Allowed to=Permission::ConfigureProgram><program::ProgramSettings/></Allowed></Private>
    };
    staff_users_page_view => view! {
        <Private><Allowed to=Permission::ConfigureProgram><staff::StaffUsers/></Allowed></Private>
    };
    deal_lookup_page_view => view! {
        <Private><Allowed to=Permission::ViewAllPartners><staff::DealLookup/></Allowed></Private>
    };
    security_page_view => view! { <Private><account::Security/></Private> };
    embed_page_view => view! { <embed::Panel/> };
    audit_page_view => view! {
        <Private><Allowed to=Permission::ConfigureProgram><audit::StaffAudit/></Allowed></Private>
    };
}

/// The view of a page, once its chunk is loaded.
async fn page_view(page: Page) -> AnyView {
    match page {
        Page::Home => redirected("/dashboard"),
        // A referral link lands on registration with the code filled in.
        Page::Referral(code) => {
            let program = navigation::query("program").unwrap_or_default();
            redirected(&format!(
                "/register?{}",
                api::query(&[("ref", &code), ("program", &program)])
            ))
        }
        Page::Login => login_page_view().await,
        Page::Start => start_page_view().await,
        Page::Register => register_page_view().await,
        Page::ConfirmEmail => confirm_email_page_view().await,
        Page::SetPassword => set_password_page_view().await,
        Page::ForgotPassword => forgot_password_page_view().await,
        Page::Dashboard => dashboard_page_view().await,
        Page::Referrals => referrals_page_view().await,
        Page::Commissions => commissions_page_view().await,
        Page::Invite => invite_page_view().await,
        Page::Payouts => payouts_page_view().await,
        Page::StaffPartners => staff_partners_page_view().await,
        Page::StaffPayouts => staff_payouts_page_view().await,
        Page::Program => program_page_view().await,
        Page::StaffUsers => staff_users_page_view().await,
        Page::Deals => deal_lookup_page_view().await,
        Page::Audit => audit_page_view().await,
        Page::Security => security_page_view().await,
        Page::Embed => embed_page_view().await,
        Page::NotFound => {
            view! { <p class="empty" data-testid="not-found">{text(T::NotFound)}</p> }.into_any()
        }
    }
}

/// Sends the visitor on (replacing this history entry); nothing to show meanwhile.
fn redirected(href: &str) -> AnyView {
    navigation::redirect(href);
    ().into_any()
}

/// The portal: accounts, the partner's pages, and the staff views (each behind its
/// permission; the API checks it again).
#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    navigation::provide();
    // A new page only when the page changes, not when its query does.
    let page = Memo::new(move |_| navigation::page());
    // The previous page stays in view until the next one's chunk has arrived, but inert: its
    // signals are gone with it, so it must not take clicks. A navigation meanwhile drops the
    // pending page.
    let leaving = RwSignal::new(false);
    // The embedded panel is a page of its own inside a tenant's site: no portal header.
    if page.get_untracked() == Page::Embed {
        return view! {
            <main class="embed" id="main">
                {Suspend::new(async move { page_view(Page::Embed).await })}
            </main>
        }
        .into_any();
    }
    view! {
        <Header/>
        <FocusOnNavigation/>
        <main class="shell" id="main" inert=move || leaving.get() aria-busy=move || leaving.get().to_string()>
            {move || {
                let next = page.get();
                leaving.set(true);
                Suspend::new(async move {
                    let view = page_view(next).await;
                    leaving.set(false);
                    view
                })
            }}
        </main>
    }
    .into_any()
}

/// A full page load, which starts the portal afresh: after logging out, nothing of the last
/// session stays in memory.
fn load_page(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
}

/// After a client-side navigation, focus the new page's heading, so a screen reader announces
/// the page and the keyboard starts at its top (the first load leaves focus alone).
#[component]
fn FocusOnNavigation() -> impl IntoView {
    Effect::new(move |previous: Option<String>| {
        let path = navigation::path();
        if previous.is_some_and(|p| p != path) {
            request_animation_frame(|| {
                if let Ok(Some(heading)) = document().query_selector("main h1") {
                    let _ = heading.set_attribute("tabindex", "-1");
                    if let Some(heading) =
                        wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&heading)
                    {
                        let _ = heading.focus();
                    }
                }
            });
        }
        path
    });
}

/// Logged in, with a confirmed email; otherwise the login page or the email gate.
#[component]
fn Private(children: ChildrenFn) -> impl IntoView {
    let session = session();
    move || {
        if session.token.get().is_none() {
            return redirected("/login");
        }
        match session.me.get() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(error)) => view! { <components::ErrorBox error=error/> }.into_any(),
            // The answer for the token before this one, while the new one loads.
            Some(Ok(None)) => view! { <Loading/> }.into_any(),
            Some(Ok(Some(me))) if !me.user.email_confirmed => {
                let email = me.user.email;
                Suspend::new(async move { email_gate_view(email).await }).into_any()
            }
            // The program requires two-factor login of staff: until it is on, the API answers
            // nothing else to this session, so every page leads to where it is turned on.
            Some(Ok(Some(me)))
                if me.two_factor_setup_required && navigation::page() != Page::Security =>
            {
                redirected("/account/security")
            }
            Some(Ok(Some(_))) => children().into_any(),
        }
    }
}

/// The unconfirmed-email gate, shown to an account once: a chunk of its own, not part of every
/// page behind the login. (The component tests load one unsplit module.)
#[cfg_attr(not(test), lazy)]
async fn email_gate_view(email: String) -> AnyView {
    view! { <auth::EmailGate email=email/> }.into_any()
}

/// A staff view: shown only with the permission (the API checks it again).
#[component]
fn Allowed(to: Permission, children: ChildrenFn) -> impl IntoView {
    move || {
        if session().can(to) {
            children().into_any()
        } else {
            view! { <p class="form-error" role="alert" data-testid="forbidden">{format!("{}: {}", tr(T::Permissions), to.as_str())}</p> }.into_any()
        }
    }
}

#[component]
fn Header() -> impl IntoView {
    let session = session();
    let logged_in = move || session.current().is_some_and(|me| me.user.email_confirmed);
    let is_partner = move || session.current().is_some_and(|me| me.partner.is_some());
    let menu_open = RwSignal::new(false);
    let staff_open = RwSignal::new(false);
    let log_out = move |_| {
        session.log_out();
        load_page("/login");
    };
    let link = move |href: &'static str, text: T, testid: &'static str| {
        let close = move |_| {
            menu_open.set(false);
            staff_open.set(false);
        };
        view! { <a href=href data-testid=testid on:click=close>{move || tr(text)}</a> }
    };
    view! {
        <header class="top">
            <a class="skip" href="#main">"Skip to content"</a>
            <a href="/dashboard" class="brand">
                <span aria-hidden="true">"▲ "</span>
                {move || session.current().map(|me| me.tenant.name).unwrap_or_else(|| tr(T::AppName).to_owned())}
            </a>
            <Show when=logged_in>
                <button type="button" class="menu-toggle" aria-expanded=move || menu_open.get().to_string() aria-controls="nav" on:click=move |_| menu_open.update(|o| *o = !*o)>"☰"</button>
            </Show>
            <nav id="nav" class:open=move || menu_open.get() aria-label="Main">
                <Show when=logged_in>
                    {link("/dashboard", T::NavDashboard, "nav-dashboard")}
                    <Show when=is_partner>
                        {link("/referrals", T::NavReferrals, "nav-referrals")}
                        {link("/commissions", T::NavCommissions, "nav-commissions")}
                        {link("/invite", T::NavInvite, "nav-invite")}
                        {link("/payouts", T::NavPayouts, "nav-payouts")}
                    </Show>
                    <Show when=move || session.is_staff()>
                        <details class="staff-menu" prop:open=move || staff_open.get()
                            on:toggle=move |ev| staff_open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
                            <summary data-testid="nav-staff">{text(T::NavStaff)}</summary>
                            <div class="staff-links">
                                <Show when=move || session.can(Permission::ViewAllPartners)>
                                    {link("/staff/partners", T::NavPartners, "nav-staff-partners")}
                                    {link("/staff/deals", T::NavDeals, "nav-staff-deals")}
                                </Show>
                                <Show when=move || session.can(Permission::ManageBalances)>
                                    {link("/staff/payouts", T::NavPayoutRequests, "nav-staff-payouts")}
                                </Show>
                                <Show when=move || session.can(Permission::ConfigureProgram)>
                                    {link("/staff/program", T::NavProgram, "nav-staff-program")}
                                    {link("/staff/users", T::NavUsers, "nav-staff-users")}
                                    {link("/staff/audit", T::NavAudit, "nav-staff-audit")}
                                </Show>
                            </div>
                        </details>
                    </Show>
                    {link("/account/security", T::NavSecurity, "nav-security")}
                </Show>
            </nav>
            <div class="header-tools">
                <label class="sr-only" for="language">{text(T::Language)}</label>
                <select id="language" data-testid="language" on:change=move |ev| {
                    if let Some(language) = Language::parse(&event_target_value(&ev)) {
                        session.set_language(language);
                    }
                }>
                    {Language::ALL.into_iter().map(|language| view! {
                        <option value=language.code() selected=move || session.language.get() == language>{i18n::language_name(language)}</option>
                    }).collect_view()}
                </select>
                <Show when=move || session.token.get().is_some()>
                    <button type="button" class="link" on:click=log_out data-testid="log-out">{text(T::LogOut)}</button>
                </Show>
            </div>
        </header>
    }
}

/// Mounts the portal on `<body>`. In debug builds (the component tests) a panic's message goes to
/// the browser console; the release build aborts on a panic without one (app/build.sh).
pub fn mount() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // The first render is in the visitor's language: its words arrive before the app mounts.
    // (Leptos's executor starts with the mount, so this task is wasm-bindgen's.)
    wasm_bindgen_futures::spawn_local(async {
        i18n::texts(session::initial_language()).await;
        leptos::mount::mount_to_body(App);
    });
}

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
