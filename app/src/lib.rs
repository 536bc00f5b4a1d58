//! The partner portal: a Leptos client-side-rendered app over the HTTP API (shared/API.md).
//! Partners see their link, QR, referrals, commissions and payouts; staff see what their
//! permissions allow. `api` is the only module that talks HTTP.

pub mod api;
pub mod charts;
pub mod components;
pub mod i18n;
pub mod pages;
pub mod session;

use crate::components::Loading;
use crate::i18n::T;
use crate::pages::{auth, partner, program, staff};
use crate::session::{Session, session, tr};
use leptos::prelude::*;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::path;
use upline_contract::{Language, Permission};

/// The portal is two wasm modules over one library: what every partner loads, and the staff
/// views (`/staff/…`), which only staff ever download. `index.html` picks one by the path; a
/// link into the other area is a full page load (`rel="external"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Partner,
    Staff,
}

impl Area {
    pub fn of_path(path: &str) -> Area {
        if path.starts_with("/staff/") {
            Area::Staff
        } else {
            Area::Partner
        }
    }
}

fn not_found() -> impl IntoView {
    view! { <p class="empty" data-testid="not-found">{move || tr(T::NotFound)}</p> }
}

/// The partner area: accounts, dashboard, referrals, commissions, invitations, payouts.
#[component]
pub fn PartnerApp() -> impl IntoView {
    Session::provide();
    view! {
        <Router>
            <Header area=Area::Partner/>
            <FocusOnNavigation/>
            <main class="shell" id="main">
                <Routes fallback=not_found>
                    <Route path=path!("/") view=|| view! { <Redirect path="/dashboard"/> }/>
                    <Route path=path!("/login") view=auth::Login/>
                    <Route path=path!("/start") view=auth::StartProgram/>
                    <Route path=path!("/register") view=auth::Register/>
                    <Route path=path!("/r/:code") view=auth::ReferralLanding/>
                    <Route path=path!("/confirm-email") view=auth::ConfirmEmail/>
                    <Route path=path!("/set-password") view=auth::SetPassword/>
                    <Route path=path!("/forgot-password") view=auth::ForgotPassword/>
                    <Route path=path!("/dashboard") view=|| view! { <Private><partner::Dashboard/></Private> }/>
                    <Route path=path!("/referrals") view=|| view! { <Private><partner::Referrals/></Private> }/>
                    <Route path=path!("/commissions") view=|| view! { <Private><partner::Commissions/></Private> }/>
                    <Route path=path!("/invite") view=|| view! { <Private><partner::Invite/></Private> }/>
                    <Route path=path!("/payouts") view=|| view! { <Private><partner::Payouts/></Private> }/>
                </Routes>
            </main>
        </Router>
    }
}

/// The staff area, each view behind its permission (the API checks it again).
#[component]
pub fn StaffApp() -> impl IntoView {
    Session::provide();
    view! {
        <Router>
            <Header area=Area::Staff/>
            <FocusOnNavigation/>
            <main class="shell" id="main">
                <Routes fallback=not_found>
                    <Route path=path!("/staff/partners") view=|| view! { <Private><Allowed to=Permission::ViewAllPartners><staff::StaffPartners/></Allowed></Private> }/>
                    <Route path=path!("/staff/payouts") view=|| view! { <Private><Allowed to=Permission::ManageBalances><staff::StaffPayouts/></Allowed></Private> }/>
                    <Route path=path!("/staff/program") view=|| view! { <Private><Allowed to=Permission::ConfigureProgram><program::ProgramSettings/></Allowed></Private> }/>
                    <Route path=path!("/staff/users") view=|| view! { <Private><Allowed to=Permission::ConfigureProgram><staff::StaffUsers/></Allowed></Private> }/>
                    <Route path=path!("/staff/deals") view=|| view! { <Private><Allowed to=Permission::ViewAllPartners><staff::DealLookup/></Allowed></Private> }/>
                </Routes>
            </main>
        </Router>
    }
}

/// A full page load: the login page lives in the partner module, whichever area asks.
pub fn load_page(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
}

/// After a client-side navigation, focus the new page's heading, so a screen reader announces
/// the page and the keyboard starts at its top (the first load leaves focus alone).
#[component]
fn FocusOnNavigation() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
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

#[component]
fn ToLogin() -> impl IntoView {
    Effect::new(|| load_page("/login"));
    view! { <Loading/> }
}

/// Logged in, with a confirmed email; otherwise the login page or the email gate.
#[component]
fn Private(children: ChildrenFn) -> impl IntoView {
    let session = session();
    move || {
        if session.token.get().is_none() {
            return view! { <ToLogin/> }.into_any();
        }
        match session.me.get() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(error)) => view! { <components::ErrorBox error=error/> }.into_any(),
            // The answer for the token before this one, while the new one loads.
            Some(Ok(None)) => view! { <Loading/> }.into_any(),
            Some(Ok(Some(me))) if !me.user.email_confirmed => {
                view! { <auth::EmailGate email=me.user.email/> }.into_any()
            }
            Some(Ok(Some(_))) => children().into_any(),
        }
    }
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
fn Header(area: Area) -> impl IntoView {
    let session = session();
    let logged_in = move || session.current().is_some_and(|me| me.user.email_confirmed);
    let is_partner = move || session.current().is_some_and(|me| me.partner.is_some());
    let menu_open = RwSignal::new(false);
    let staff_open = RwSignal::new(false);
    let log_out = move |_| {
        session.log_out();
        load_page("/login");
    };
    // Within the module a link is the router's; into the other module it is a page load.
    let link = move |href: &'static str, text: T, testid: &'static str| {
        let close = move |_| {
            menu_open.set(false);
            staff_open.set(false);
        };
        if Area::of_path(href) == area {
            view! { <A href=href attr:data-testid=testid on:click=close>{move || tr(text)}</A> }
                .into_any()
        } else {
            view! { <a href=href rel="external" data-testid=testid on:click=close>{move || tr(text)}</a> }.into_any()
        }
    };
    view! {
        <header class="top">
            <a class="skip" href="#main">"Skip to content"</a>
            <a class="brand" href="/dashboard" rel="external">
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
                            <summary data-testid="nav-staff">{move || tr(T::NavStaff)}</summary>
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
                                </Show>
                            </div>
                        </details>
                    </Show>
                </Show>
            </nav>
            <div class="header-tools">
                <label class="sr-only" for="language">{move || tr(T::Language)}</label>
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
                    <button type="button" class="link" on:click=log_out data-testid="log-out">{move || tr(T::LogOut)}</button>
                </Show>
            </div>
        </header>
    }
}

/// Mounts the partner area on `<body>`; panics are reported on the browser console.
pub fn mount_partner() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(PartnerApp);
}

/// Mounts the staff area on `<body>`.
pub fn mount_staff() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(StaffApp);
}

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
