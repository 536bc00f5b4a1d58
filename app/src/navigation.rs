//! Which page the address shows, and moving between pages without reloading: the History API,
//! same-origin `<a href>` clicks taken over, back and forward followed. The portal's own
//! router: leptos_router was a quarter of the code every visitor downloads first (the shell went
//! from 192 to 143 KB gzipped without it).

use leptos::ev;
use leptos::prelude::*;
use std::cell::Cell;
use wasm_bindgen::{JsCast, JsValue};

/// Every page of the portal, parsed from the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Page {
    Home,
    Login,
    Start,
    Register,
    /// `/join/<code>` (where the API's `/r/<code>` sends a visitor without a landing page), or
    /// `/r/<code>` opened in the portal: a referral link.
    Referral(String),
    /// `/embed?token=`: the panel widget.js frames on a tenant's site.
    Embed,
    ConfirmEmail,
    SetPassword,
    ForgotPassword,
    Dashboard,
    Referrals,
    Commissions,
    Invite,
    Payouts,
    StaffPartners,
    StaffPayouts,
    Program,
    StaffUsers,
    Deals,
    Audit,
    Security,
    NotFound,
}

impl Page {
    pub fn from_path(path: &str) -> Page {
        // A trailing slash names the same page.
        let path = match path.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() => trimmed,
            _ => path,
        };
        match path {
            "" | "/" => Page::Home,
            "/login" => Page::Login,
            "/start" => Page::Start,
            "/register" => Page::Register,
            "/confirm-email" => Page::ConfirmEmail,
            "/set-password" => Page::SetPassword,
            "/forgot-password" => Page::ForgotPassword,
            "/dashboard" => Page::Dashboard,
            "/referrals" => Page::Referrals,
            "/commissions" => Page::Commissions,
            "/invite" => Page::Invite,
            "/payouts" => Page::Payouts,
            "/staff/partners" => Page::StaffPartners,
            "/staff/payouts" => Page::StaffPayouts,
            "/staff/program" => Page::Program,
            "/staff/users" => Page::StaffUsers,
            "/staff/deals" => Page::Deals,
            "/staff/audit" => Page::Audit,
            "/account/security" => Page::Security,
            "/embed" => Page::Embed,
            _ => match path
                .strip_prefix("/r/")
                .or_else(|| path.strip_prefix("/join/"))
            {
                Some(code) if !code.is_empty() && !code.contains('/') => {
                    Page::Referral(decode(code))
                }
                _ => Page::NotFound,
            },
        }
    }
}

fn decode(component: &str) -> String {
    js_sys::decode_uri_component(component)
        .ok()
        .and_then(|decoded| decoded.as_string())
        .unwrap_or_else(|| component.to_owned())
}

thread_local! {
    /// The address bar's path, as a signal.
    static PATH: Cell<Option<RwSignal<String>>> = const { Cell::new(None) };
}

fn path_signal() -> RwSignal<String> {
    PATH.with(|cell| cell.get().expect("the app started navigation"))
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_default()
}

/// Starts following the address: call once when the app mounts, before reading [`path`].
pub fn provide() {
    let path = RwSignal::new(current_path());
    PATH.with(|cell| cell.set(Some(path)));
    let back_or_forward = window_event_listener(ev::popstate, move |_| path.set(current_path()));
    let link_clicks = window_event_listener(ev::click, follow_link);
    on_cleanup(move || {
        back_or_forward.remove();
        link_clicks.remove();
    });
}

/// The current path (reactive where it is read).
pub fn path() -> String {
    path_signal().get()
}

/// The page the address shows (reactive where it is read).
pub fn page() -> Page {
    path_signal().with(|path| Page::from_path(path))
}

/// A query parameter of the current address (`?token=…`), decoded; read once, not tracked.
pub fn query(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|value| !value.is_empty())
}

/// Goes to `href` (a path with an optional query) as a new history entry.
pub fn navigate(href: &str) {
    go(href, false);
}

/// Goes to `href` in place of the current entry: back does not return to a page that only
/// sent the visitor on.
pub fn redirect(href: &str) {
    go(href, true);
}

fn go(href: &str, replace: bool) {
    let history = window().history().expect("the browser has a history");
    let moved = if replace {
        history.replace_state_with_url(&JsValue::NULL, "", Some(href))
    } else {
        history.push_state_with_url(&JsValue::NULL, "", Some(href))
    };
    if moved.is_err() {
        // Not ours to push (another origin): let the browser go there.
        let _ = window().location().assign(href);
        return;
    }
    // The page changes on the next task, not inside this one: whatever the current page still
    // does after asking to leave (a form resetting its "sending" flag) runs while it exists.
    let path = path_signal();
    set_timeout(
        move || {
            let now = current_path();
            if path.get_untracked() != now {
                if !replace {
                    window().scroll_to_with_x_and_y(0.0, 0.0);
                }
                path.set(now);
            }
        },
        std::time::Duration::ZERO,
    );
}

/// A plain left click on a link to one of the portal's pages moves there without a reload;
/// downloads, new tabs, other origins, the API's own files and in-page anchors stay the
/// browser's.
fn follow_link(event: web_sys::MouseEvent) {
    if event.default_prevented()
        || event.button() != 0
        || event.ctrl_key()
        || event.meta_key()
        || event.shift_key()
        || event.alt_key()
    {
        return;
    }
    let Some(anchor) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|element| element.closest("a[href]").ok().flatten())
        .and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    else {
        return;
    };
    if anchor.has_attribute("download")
        || !matches!(anchor.target().as_str(), "" | "_self")
        || anchor.rel().split_whitespace().any(|rel| rel == "external")
    {
        return;
    }
    let here = window().location();
    if anchor.origin() != here.origin().unwrap_or_default() {
        return;
    }
    let (path, search, hash) = (anchor.pathname(), anchor.search(), anchor.hash());
    let same_page =
        path == here.pathname().unwrap_or_default() && search == here.search().unwrap_or_default();
    if (same_page && !hash.is_empty()) || path.starts_with("/v1/") || path.starts_with("/_local/") {
        return;
    }
    event.prevent_default();
    navigate(&format!("{path}{search}{hash}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn each_path_names_its_page_and_an_unknown_one_is_not_found() {
        assert_eq!(Page::from_path("/"), Page::Home);
        assert_eq!(Page::from_path("/login"), Page::Login);
        assert_eq!(Page::from_path("/dashboard/"), Page::Dashboard);
        assert_eq!(Page::from_path("/staff/program"), Page::Program);
        assert_eq!(Page::from_path("/staff"), Page::NotFound);
        assert_eq!(Page::from_path("/dashboard/extra"), Page::NotFound);
        assert_eq!(Page::from_path("/logins"), Page::NotFound);
    }

    #[wasm_bindgen_test]
    fn a_referral_link_carries_its_decoded_code() {
        assert_eq!(
            Page::from_path("/r/ANNA-7"),
            Page::Referral("ANNA-7".into())
        );
        assert_eq!(Page::from_path("/r/a%20b"), Page::Referral("a b".into()));
        assert_eq!(Page::from_path("/r/"), Page::NotFound);
        assert_eq!(
            Page::from_path("/join/K7XQ2M"),
            Page::Referral("K7XQ2M".into())
        );
        assert_eq!(Page::from_path("/embed"), Page::Embed);
        assert_eq!(Page::from_path("/r/a/b"), Page::NotFound);
    }
}
