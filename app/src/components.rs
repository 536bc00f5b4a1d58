//! Small pieces every page uses: labelled fields that show the API's error for their field,
//! loading, empty and error states, and money and dates in the current language.

use crate::api::ApiError;
use crate::fetched::Fetched;
use crate::i18n::{self, T};
use crate::session::{session, text, tr};
use leptos::prelude::*;
use upline_contract::{Amount, Currency};

/// `€1,234.50` in the current language.
pub fn money(amount: Amount, currency: Currency) -> String {
    i18n::format_money(
        session().language.get(),
        amount.value(),
        currency.code(),
        currency.minor_units(),
    )
}

/// An amount as typed into the input `field`, or the error that names it.
pub fn parse_amount(text: &str, field: impl Into<String>) -> Result<Amount, ApiError> {
    text.trim()
        .parse::<Amount>()
        .map_err(|e| ApiError::invalid(field, e.to_string()))
}

/// A date in the current language.
/// Lower case as the browser writes it, in any script ("Łukasz", "Ольга"): Rust's own Unicode
/// tables would weigh on every page that searches.
pub fn lowercase(text: &str) -> String {
    js_sys::JsString::from(text).to_lower_case().into()
}

/// Whether a partner's name, email or external id contains `needle` (already lower case).
pub fn partner_matches(partner: &upline_contract::Partner, needle: &str) -> bool {
    needle.is_empty()
        || [&partner.name, &partner.email, &partner.external_id]
            .into_iter()
            .any(|field| lowercase(field).contains(needle))
}

pub fn date(rfc3339: &str) -> String {
    i18n::format_date(session().language.get(), rfc3339)
}

/// A labelled input bound to `value`; the API's error for `name` appears under it and the
/// input is marked invalid for screen readers.
#[component]
pub fn Field(
    label: T,
    name: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<ApiError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = false)] required: bool,
    #[prop(default = false)] readonly: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let message = move || error.get().filter(|e| e.is_for(name)).map(|e| e.message);
    view! {
        <div class="field">
            <label for=id.clone()>{move || tr(label)}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                readonly=readonly
                data-testid=format!("input-{name}")
                aria-invalid=move || if message().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
                bind:value=value
            />
            <p class="field-error" id=error_id role="alert" data-testid=format!("error-{name}")>
                {message}
            </p>
        </div>
    }
}

/// A multi-line [`Field`].
#[component]
pub fn TextArea(
    label: T,
    name: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<ApiError>>,
    #[prop(default = 4)] rows: u32,
) -> impl IntoView {
    let id = format!("field-{name}");
    let message = move || error.get().filter(|e| e.is_for(name)).map(|e| e.message);
    view! {
        <div class="field">
            <label for=id.clone()>{move || tr(label)}</label>
            <textarea id=id name=name rows=rows data-testid=format!("input-{name}") bind:value=value></textarea>
            <p class="field-error" role="alert" data-testid=format!("error-{name}")>{message}</p>
        </div>
    }
}

/// An error that no field of the form shows (a conflict, the network, a missing permission).
#[component]
pub fn FormError(
    error: RwSignal<Option<ApiError>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    let shown = move || {
        error
            .get()
            .filter(|e| !fields.iter().any(|f| e.is_for(f)))
            .map(|e| match e.field {
                Some(field) => format!("{field}: {}", e.message),
                None => e.message,
            })
    };
    view! {
        <Show when=move || shown().is_some()>
            <p class="form-error" role="alert" data-testid="form-error">{shown}</p>
        </Show>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" aria-busy="true" data-testid="loading">{text(T::Loading)}</p> }
}

#[component]
pub fn Empty(text: T) -> impl IntoView {
    view! { <p class="empty" data-testid="empty">{move || tr(text)}</p> }
}

#[component]
pub fn ErrorBox(error: ApiError) -> impl IntoView {
    view! {
        <div class="form-error" role="alert" data-testid="load-error">
            <strong>{text(T::SomethingWrong)}</strong>": "{error.message}
        </div>
    }
}

/// An error in place of what could not be loaded.
pub fn error_view(error: ApiError) -> AnyView {
    view! { <ErrorBox error=error/> }.into_any()
}

/// A part of a page whose code is a chunk of its own, fetched when this view is first shown:
/// `later!(part_view(args))` calls a function marked `#[wasm_split(name, …, fallible)]` that
/// returns `Result<AnyView, ApiError>`. A chunk that cannot be fetched is said so in its place
/// and the rest of the page keeps working. (The component tests load one unsplit module: there
/// the call is an ordinary one.)
#[macro_export]
macro_rules! later {
    ($part:expr) => {
        ::leptos::prelude::Suspend::new(async move {
            #[cfg(not(test))]
            let part = $part.await;
            #[cfg(test)]
            let part = $part;
            part.unwrap_or_else($crate::components::error_view)
        })
    };
}

/// Renders a loaded value, with the loading and error states around it.
pub fn loaded<V: Clone + Send + Sync + 'static, IV: IntoView + 'static>(
    resource: Fetched<Result<V, ApiError>>,
    render: impl Fn(V) -> IV + Send + Sync + 'static,
) -> impl IntoView {
    move || match resource.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => error_view(error),
        Some(Ok(value)) => render(value).into_any(),
    }
}

/// A payout's status with its own colour.
#[component]
pub fn StatusBadge(status: upline_contract::PayoutStatus) -> impl IntoView {
    use upline_contract::PayoutStatus;
    let class = format!("badge badge-{status}");
    let label = move || match status {
        PayoutStatus::Requested => tr(T::Requested),
        PayoutStatus::Paid => tr(T::Paid),
        PayoutStatus::Rejected => tr(T::Rejected),
    };
    view! { <span class=class data-testid="status">{label}</span> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn fresh_container() -> web_sys::HtmlElement {
        let element = document().create_element("div").unwrap();
        document().body().unwrap().append_child(&element).unwrap();
        element.unchecked_into()
    }

    fn error_for(field: &str) -> ApiError {
        ApiError {
            status: 422,
            code: "invalid_field".into(),
            message: "must be 10 to 256 characters".into(),
            field: Some(field.into()),
        }
    }

    #[wasm_bindgen_test]
    fn search_folds_case_in_every_script_the_portal_speaks() {
        assert_eq!(lowercase("ŁUKASZ Żak"), "łukasz żak");
        assert_eq!(lowercase("ОЛЬГА Їжак"), "ольга їжак");
        assert_eq!(lowercase("Eva@Example.COM"), "eva@example.com");
    }

    #[wasm_bindgen_test]
    async fn a_field_shows_the_error_that_names_it_and_the_form_shows_the_rest() {
        let container = fresh_container();
        let error = RwSignal::new(None::<ApiError>);
        let _mounted = leptos::mount::mount_to(container.clone(), move || {
            Session::provide();
            let value = RwSignal::new(String::new());
            view! {
                <Field label=T::Password name="password" value=value error=error kind="password"/>
                <FormError error=error fields=&["password"]/>
            }
        });
        let input = container
            .query_selector("#field-password")
            .unwrap()
            .unwrap();
        assert_eq!(input.get_attribute("type").as_deref(), Some("password"));
        assert_eq!(
            input.get_attribute("aria-invalid").as_deref(),
            Some("false")
        );
        let label = container
            .query_selector("label[for=field-password]")
            .unwrap()
            .unwrap();
        assert_eq!(label.text_content().as_deref(), Some("Password"));

        error.set(Some(error_for("password")));
        leptos::task::tick().await;
        let shown = container
            .query_selector("[data-testid=error-password]")
            .unwrap()
            .unwrap();
        assert_eq!(
            shown.text_content().as_deref(),
            Some("must be 10 to 256 characters")
        );
        assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
        assert!(
            container
                .query_selector("[data-testid=form-error]")
                .unwrap()
                .is_none()
        );

        error.set(Some(error_for("tenant")));
        leptos::task::tick().await;
        assert_eq!(shown.text_content().as_deref(), Some(""));
        let general = container
            .query_selector("[data-testid=form-error]")
            .unwrap()
            .unwrap();
        assert!(general.text_content().unwrap().contains("must be 10"));
    }

    #[wasm_bindgen_test]
    fn a_bar_chart_draws_one_bar_per_value_with_its_amount_as_tooltip_and_labels_stay_text() {
        let container = fresh_container();
        let _mounted = leptos::mount::mount_to(container.clone(), move || {
            Session::provide();
            let bars = vec![
                ("L1".to_owned(), "30.00".parse().unwrap()),
                ("L2".to_owned(), "60.00".parse().unwrap()),
                ("<b>L3</b> & co".to_owned(), "15.00".parse().unwrap()),
            ];
            view! { <crate::charts::BarChart title=T::EarningsPerLevel bars=bars currency="EUR".parse().unwrap() testid="chart"/> }
        });
        let bars = container.query_selector_all("rect").unwrap();
        assert_eq!(bars.length(), 3);
        let tallest: web_sys::Element = bars.item(1).unwrap().unchecked_into();
        assert_eq!(tallest.get_attribute("height").as_deref(), Some("120"));
        assert_eq!(tallest.text_content().as_deref(), Some("L2: €60.00"));
        let odd: web_sys::Element = bars.item(2).unwrap().unchecked_into();
        assert_eq!(
            odd.text_content().as_deref(),
            Some("<b>L3</b> & co: €15.00")
        );
        assert!(container.query_selector("b").unwrap().is_none());
    }
}
