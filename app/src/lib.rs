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
use leptos_router::{Lazy, LazyRoute, lazy_route, path};
use upline_contract::{Language, Permission};

/// A page whose code is its own wasm chunk: `app/build.sh` splits the module with
/// wasm-split-cli, and the router fetches a page's chunks the first time it shows the page, so a
/// visitor downloads the shell and the page in front of them, never the staff views they cannot
/// open.
macro_rules! lazy_page {
    ($page:ident, $view:expr) => {
        struct $page;
        #[lazy_route]
        impl LazyRoute for $page {
            fn data() -> Self {
                $page
            }
            fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }
    };
}

lazy_page!(LoginPage, view! { <auth::Login/> });
lazy_page!(StartPage, view! { <auth::StartProgram/> });
lazy_page!(RegisterPage, view! { <auth::Register/> });
lazy_page!(ReferralPage, view! { <auth::ReferralLanding/> });
lazy_page!(ConfirmEmailPage, view! { <auth::ConfirmEmail/> });
lazy_page!(SetPasswordPage, view! { <auth::SetPassword/> });
lazy_page!(ForgotPasswordPage, view! { <auth::ForgotPassword/> });
lazy_page!(
    DashboardPage,
    view! { <Private><partner::Dashboard/></Private> }
);
lazy_page!(
    ReferralsPage,
    view! { <Private><partner::Referrals/></Private> }
);
lazy_page!(
    CommissionsPage,
    view! { <Private><partner::Commissions/></Private> }
);
lazy_page!(InvitePage, view! { <Private><partner::Invite/></Private> });
lazy_page!(
    PayoutsPage,
    view! { <Private><partner::Payouts/></Private> }
);
lazy_page!(
    StaffPartnersPage,
    view! { <Private><Allowed to=Permission::ViewAllPartners><staff::StaffPartners/></Allowed></Private> }
);
lazy_page!(
    StaffPayoutsPage,
    view! { <Private><Allowed to=Permission::ManageBalances><staff::StaffPayouts/></Allowed></Private> }
);
lazy_page!(
    ProgramPage,
    view! { <Private><Allowed to=Permission::ConfigureProgram><program::ProgramSettings/></Allowed></Private> }
);
lazy_page!(
    StaffUsersPage,
    view! { <Private><Allowed to=Permission::ConfigureProgram><staff::StaffUsers/></Allowed></Private> }
);
lazy_page!(
    DealLookupPage,
    view! { <Private><Allowed to=Permission::ViewAllPartners><staff::DealLookup/></Allowed></Private> }
);

fn not_found() -> impl IntoView {
    view! { <p class="empty" data-testid="not-found">{move || tr(T::NotFound)}</p> }
}

/// The portal: accounts, the partner's pages, and the staff views (each behind its
/// permission; the API checks it again).
#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    view! {
        <Router>
            <Header/>
            <FocusOnNavigation/>
            <main class="shell" id="main">
                <Routes fallback=not_found>
                    <Route path=path!("/") view=|| view! { <Redirect path="/dashboard"/> }/>
                    <Route path=path!("/login") view={Lazy::<LoginPage>::new()}/>
                    <Route path=path!("/start") view={Lazy::<StartPage>::new()}/>
                    <Route path=path!("/register") view={Lazy::<RegisterPage>::new()}/>
                    <Route path=path!("/r/:code") view={Lazy::<ReferralPage>::new()}/>
                    <Route path=path!("/confirm-email") view={Lazy::<ConfirmEmailPage>::new()}/>
                    <Route path=path!("/set-password") view={Lazy::<SetPasswordPage>::new()}/>
                    <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordPage>::new()}/>
                    <Route path=path!("/dashboard") view={Lazy::<DashboardPage>::new()}/>
                    <Route path=path!("/referrals") view={Lazy::<ReferralsPage>::new()}/>
                    <Route path=path!("/commissions") view={Lazy::<CommissionsPage>::new()}/>
                    <Route path=path!("/invite") view={Lazy::<InvitePage>::new()}/>
                    <Route path=path!("/payouts") view={Lazy::<PayoutsPage>::new()}/>
                    <Route path=path!("/staff/partners") view={Lazy::<StaffPartnersPage>::new()}/>
                    <Route path=path!("/staff/payouts") view={Lazy::<StaffPayoutsPage>::new()}/>
                    <Route path=path!("/staff/program") view={Lazy::<ProgramPage>::new()}/>
                    <Route path=path!("/staff/users") view={Lazy::<StaffUsersPage>::new()}/>
                    <Route path=path!("/staff/deals") view={Lazy::<DealLookupPage>::new()}/>
                </Routes>
            </main>
        </Router>
    }
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

/// Logged in, with a confirmed email; otherwise the login page or the email gate.
#[component]
fn Private(children: ChildrenFn) -> impl IntoView {
    let session = session();
    move || {
        if session.token.get().is_none() {
            return view! { <Redirect path="/login"/> }.into_any();
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
        view! { <A href=href attr:data-testid=testid on:click=close>{move || tr(text)}</A> }
    };
    view! {
        <header class="top">
            <a class="skip" href="#main">"Skip to content"</a>
            <A href="/dashboard" attr:class="brand">
                <span aria-hidden="true">"▲ "</span>
                {move || session.current().map(|me| me.tenant.name).unwrap_or_else(|| tr(T::AppName).to_owned())}
            </A>
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

/// Mounts the portal on `<body>`; panics are reported on the browser console.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
