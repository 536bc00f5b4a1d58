//! Who is logged in, into which program, in which language: kept in `localStorage` so a reload
//! (or a link from an email opened in the same browser) keeps them.

use crate::api::{self, ApiResult};
use crate::fetched::Fetched;
use crate::i18n::{self, T};
use leptos::prelude::*;
use std::cell::Cell;
use upline_contract as c;
use upline_contract::{Language, Me, NoParams, Permission, SetLanguageRequest};

const TOKEN_KEY: &str = "upline.session";
const PROGRAM_KEY: &str = "upline.program";
const LANGUAGE_KEY: &str = "upline.language";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn stored(key: &str) -> Option<String> {
    storage()?
        .get_item(key)
        .ok()
        .flatten()
        .filter(|v| !v.is_empty())
}

fn store(key: &str, value: Option<&str>) {
    if let Some(storage) = storage() {
        let _ = match value {
            Some(value) => storage.set_item(key, value),
            None => storage.remove_item(key),
        };
    }
}

pub fn stored_token() -> Option<String> {
    stored(TOKEN_KEY)
}

/// The program (tenant slug) last used on this browser: the login form starts with it.
pub fn stored_program() -> Option<String> {
    stored(PROGRAM_KEY)
}

pub fn remember_program(slug: &str) {
    store(PROGRAM_KEY, Some(slug));
}

/// The whole portal's state; every part is a signal, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Session {
    pub token: RwSignal<Option<String>>,
    /// Set only once its texts have arrived (a chunk of their own, see [`i18n::texts`]).
    pub language: RwSignal<Language>,
    /// `/v1/me` for the token; `None` while loading, `Some(None)` when logged out.
    pub me: Fetched<ApiResult<Option<Me>>>,
}

thread_local! {
    static SESSION: Cell<Option<Session>> = const { Cell::new(None) };
}

/// `/v1/me`, in a chunk of its own: decoding a user, partner and program is code a visitor who
/// has not logged in never needs. (wasm-bindgen-test-runner loads one unsplit module, which cannot
/// import a chunk: component tests decode it in place.)
#[cfg_attr(not(test), lazy)]
async fn fetch_me() -> ApiResult<Me> {
    api::fetch::<c::GetMe>().await
}

/// The portal's session (created by [`Session::provide`] when the app mounts).
pub fn session() -> Session {
    SESSION.with(|cell| cell.get().expect("the app created the session"))
}

/// A text in the current language (reactive where it is read).
pub fn tr(key: T) -> &'static str {
    i18n::loaded(session().language.get())[key as usize]
}

/// A text that follows the language, for a view: one closure type for every key, so the code
/// that renders and updates it is compiled once instead of once per text on the page.
pub fn text(key: T) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || tr(key)
}

/// The language the portal starts in: the one chosen last on this browser, else the browser's.
pub fn initial_language() -> Language {
    stored(LANGUAGE_KEY)
        .and_then(|code| Language::parse(&code))
        .or_else(|| {
            let tag = web_sys::window()?.navigator().language()?;
            i18n::from_browser(&tag)
        })
        .unwrap_or_default()
}

impl Session {
    pub fn provide() -> Session {
        let language = initial_language();
        let token = RwSignal::new(stored_token());
        // Fetched again whenever the token changes (log_in, log_out, session_expired).
        let me = Fetched::new(move || {
            let token = token.get_untracked();
            async move {
                match token {
                    None => Ok(None),
                    Some(_) => fetch_me().await.map(Some),
                }
            }
        });
        let session = Session {
            token,
            language: RwSignal::new(language),
            me,
        };
        // Replaced, not kept: each mount (a test mounts several) owns its own signals.
        SESSION.with(|cell| cell.set(Some(session)));
        Effect::new(move || {
            let code = session.language.get().code();
            store(LANGUAGE_KEY, Some(code));
            if let Some(html) = document().document_element() {
                let _ = html.set_attribute("lang", code);
            }
        });
        session
    }

    pub fn log_in(self, token: String) {
        store(TOKEN_KEY, Some(&token));
        self.token.set(Some(token));
        self.me.refetch();
    }

    pub fn log_out(self) {
        store(TOKEN_KEY, None);
        self.token.set(None);
        self.me.refetch();
    }

    /// Re-reads `/v1/me` (after confirming the email, joining, …).
    pub fn refresh(self) {
        self.me.refetch();
    }

    /// The logged-in user, once loaded.
    pub fn current(self) -> Option<Me> {
        self.me.get().and_then(|me| me.ok().flatten())
    }

    pub fn can(self, permission: Permission) -> bool {
        self.current()
            .is_some_and(|me| me.user.permissions.contains(&permission))
    }

    pub fn is_staff(self) -> bool {
        Permission::STAFF.into_iter().any(|p| self.can(p))
    }

    /// Switches the portal's language; a logged-in user's emails follow it.
    pub fn set_language(self, language: Language) {
        leptos::task::spawn_local(async move {
            i18n::texts(language).await;
            self.language.set(language);
            if self.token.get_untracked().is_some() {
                let request = SetLanguageRequest { language };
                let _ = api::call_ignoring_answer::<c::SetLanguage>(
                    &NoParams {},
                    &NoParams {},
                    &request,
                )
                .await;
            }
        });
    }
}

/// Called by the API client on a 401 with a token: the session ended.
pub fn session_expired() {
    let session = session();
    session.log_out();
}
