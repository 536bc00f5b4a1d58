//! The partner portal: a Leptos client-side-rendered app. For now the shell that the build, the
//! local cloud and the browser tests stand on; the pages come with the portal issue.

use leptos::prelude::*;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="shell">
            <h1 data-testid="title">"Upline"</h1>
            <p data-testid="status">"The partner portal is coming soon."</p>
        </main>
    }
}

/// Mounts [`App`] on `<body>`; panics are reported on the browser console.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
