//! The only place that talks HTTP: the API on the portal's own origin, with the session token
//! from [`crate::session`]. Each call names its endpoint (`api::call::<RequestPayout>(…)`):
//! method, path, bodies and answer come from the contract's declaration, so no page spells a path.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use upline_contract::endpoint::{PathArgs, QueryArgs, ViewOf};
use upline_contract::{Endpoint, ErrorBody, Method, NoBody, NoParams, NotJson, Page};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// What the API (or the network) said went wrong; `field` names the input at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// 0 when the request never got an answer.
    pub status: u16,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    fn network(what: impl Into<String>) -> ApiError {
        ApiError {
            status: 0,
            code: "network".into(),
            message: what.into(),
            field: None,
        }
    }

    /// An input refused before it is sent, in the API's own shape, so it shows next to its field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError {
            status: 422,
            code: "invalid_field".into(),
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// Whether this error is about one input (shown next to it rather than above the form).
    pub fn is_for(&self, field: &str) -> bool {
        self.field
            .as_deref()
            .is_some_and(|f| f == field || f.ends_with(&format!(".{field}")))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

fn js_error(value: JsValue) -> ApiError {
    ApiError::network(
        value
            .as_string()
            .or_else(|| {
                js_sys::JSON::stringify(&value)
                    .ok()
                    .and_then(|s| s.as_string())
            })
            .unwrap_or_else(|| "the request failed".into()),
    )
}

/// A chunk of the portal's code that could not be fetched (offline, a lost deploy), for a part of
/// a page that loads it on its own.
impl From<leptos::wasm_split::SplitLoaderError> for ApiError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ApiError::network("this part of the page could not be loaded")
    }
}

thread_local! {
    static EMBED_TOKEN: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Calls from now on carry this embed token (the `/embed` page) instead of a session.
pub fn use_embed_token(token: String) {
    EMBED_TOKEN.with(|cell| *cell.borrow_mut() = Some(token));
}

async fn send(method: &str, path: &str, body: Option<(&str, JsValue)>) -> ApiResult<Response> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(js_error)?;
    // The embedded panel's page calls with its embed token, never the portal's session.
    let embedded = EMBED_TOKEN.with(|token| token.borrow().clone());
    let sent_with = embedded.clone().or_else(crate::session::stored_token);
    if let Some(token) = &sent_with {
        headers
            .set("authorization", &format!("Bearer {token}"))
            .map_err(js_error)?;
    }
    if let Some((content_type, body)) = body {
        headers
            .set("content-type", content_type)
            .map_err(js_error)?;
        init.set_body(&body);
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(path, &init).map_err(js_error)?;
    let window = web_sys::window().ok_or_else(|| ApiError::network("no window"))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let text = text_of(&response).await.unwrap_or_default();
    let error = serde_json::from_str::<ErrorBody>(&text).map(|b| b.error);
    // Only the session this request carried has ended: a 401 arriving after someone logged in
    // again must not log the new session out.
    if status == 401
        && embedded.is_none()
        && sent_with.is_some()
        && crate::session::stored_token() == sent_with
    {
        crate::session::session_expired();
    }
    Err(match error {
        Ok(detail) => ApiError {
            status,
            code: detail.code,
            message: detail.message,
            field: detail.field,
        },
        Err(_) => ApiError {
            status,
            code: format!("http_{status}"),
            message: response.status_text(),
            field: None,
        },
    })
}

async fn text_of(response: &Response) -> ApiResult<String> {
    let promise = response.text().map_err(js_error)?;
    Ok(JsFuture::from(promise)
        .await
        .map_err(js_error)?
        .as_string()
        .unwrap_or_default())
}

/// The answer's text. The typed calls below await only this and decode synchronously, so each
/// answer type adds its decoder to the wasm, not another copy of the request's async state.
async fn answer_text(method: &str, path: &str, body: Option<(&str, JsValue)>) -> ApiResult<String> {
    text_of(&send(method, path, body).await?).await
}

fn decode<T: DeserializeOwned>(text: &str) -> ApiResult<T> {
    // Where, not what: serde_json's messages would bring their formatting code into every page.
    serde_json::from_str(text).map_err(|e| {
        ApiError::network(format!(
            "unexpected answer (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

fn json_body(body: &impl Serialize) -> ApiResult<(&'static str, JsValue)> {
    let text = serde_json::to_string(body)
        .map_err(|_| ApiError::network("the request could not be written"))?;
    Ok(("application/json", JsValue::from_str(&text)))
}

fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}

/// The path and query of a call to endpoint `E`, from the contract's declaration.
pub fn url<E: Endpoint>(path: &E::Path, query: &E::Query) -> String {
    upline_contract::endpoint::url(E::META.path, &path.args(), &query.pairs(), &encode)
}

fn body_of<E: Endpoint>(body: &E::Request) -> ApiResult<Option<(&'static str, JsValue)>> {
    match E::META.method {
        Method::Get => Ok(None),
        _ => json_body(body).map(Some),
    }
}

/// A call of endpoint `E`: its method and path from the declaration, its body and answer of the
/// declared types (a 204 answers `NoContent`).
pub fn call<E: Endpoint>(
    path: &E::Path,
    query: &E::Query,
    body: &E::Request,
) -> impl Future<Output = ApiResult<E::Response>> + use<E> {
    call_as::<E, E::Response>(path, query, body)
}

/// A call of endpoint `E` whose answer is read as `V`, a part of it.
pub fn call_as<E: Endpoint, V: DeserializeOwned + ViewOf<E::Response>>(
    path: &E::Path,
    query: &E::Query,
    body: &E::Request,
) -> impl Future<Output = ApiResult<V>> + use<E, V> {
    // The inputs are read before the future is made, so it borrows nothing; the future depends
    // only on the answer's type, so endpoints answering the same type share one copy of it.
    answer_of::<V>(
        E::META.method.as_str(),
        url::<E>(path, query),
        body_of::<E>(body),
    )
}

async fn answer_of<V: DeserializeOwned>(
    method: &'static str,
    url: String,
    body: ApiResult<Option<(&'static str, JsValue)>>,
) -> ApiResult<V> {
    let text = answer_text(method, &url, body?).await?;
    decode(if text.is_empty() { "null" } else { &text })
}

/// A call of an endpoint that takes nothing.
pub async fn fetch<E>() -> ApiResult<E::Response>
where
    E: Endpoint<Path = NoParams, Query = NoParams, Request = NoBody>,
{
    call::<E>(&NoParams {}, &NoParams {}, &NoBody {}).await
}

/// [`fetch`], the answer read as `V`.
pub async fn fetch_as<E, V>() -> ApiResult<V>
where
    E: Endpoint<Path = NoParams, Query = NoParams, Request = NoBody>,
    V: DeserializeOwned + ViewOf<E::Response>,
{
    call_as::<E, V>(&NoParams {}, &NoParams {}, &NoBody {}).await
}

/// A call of an endpoint that takes only a body.
pub async fn submit<E>(body: &E::Request) -> ApiResult<E::Response>
where
    E: Endpoint<Path = NoParams, Query = NoParams>,
{
    call::<E>(&NoParams {}, &NoParams {}, body).await
}

/// [`submit`], the answer read as `V`.
pub async fn submit_as<E, V>(body: &E::Request) -> ApiResult<V>
where
    E: Endpoint<Path = NoParams, Query = NoParams>,
    V: DeserializeOwned + ViewOf<E::Response>,
{
    call_as::<E, V>(&NoParams {}, &NoParams {}, body).await
}

/// A call whose answer does not matter to the portal (only whether it succeeded), so its type's
/// decoder stays out of the wasm.
pub async fn call_ignoring_answer<E: Endpoint>(
    path: &E::Path,
    query: &E::Query,
    body: &E::Request,
) -> ApiResult<()> {
    send(
        E::META.method.as_str(),
        &url::<E>(path, query),
        body_of::<E>(body)?,
    )
    .await
    .map(drop)
}

/// The terms PDF going up; only whether it was taken matters.
pub async fn put_file<E>(path: &E::Path, file: &web_sys::File) -> ApiResult<()>
where
    E: Endpoint<Request = NotJson, Query = NoParams>,
{
    let body = Some(("application/pdf", JsValue::from(file.clone())));
    send(E::META.method.as_str(), &url::<E>(path, &NoParams {}), body)
        .await
        .map(drop)
}

/// An answer that is not JSON (the QR code's SVG), as text.
pub fn text<E>(path: &E::Path, query: &E::Query) -> impl Future<Output = ApiResult<String>> + use<E>
where
    E: Endpoint<Response = NotJson>,
{
    let url = url::<E>(path, query);
    async move { answer_text(E::META.method.as_str(), &url, None).await }
}

/// Whether the local cloud's outbox is there (it is not in the cloud), to offer its link.
pub async fn local_outbox_exists() -> bool {
    send("GET", "/_local/outbox?limit=1", None).await.is_ok()
}

/// An authenticated download as an object URL (the QR code as PNG or SVG).
pub fn object_url<E>(
    path: &E::Path,
    query: &E::Query,
) -> impl Future<Output = ApiResult<String>> + use<E>
where
    E: Endpoint<Response = NotJson>,
{
    let url = url::<E>(path, query);
    async move { blob_url(E::META.method.as_str(), &url).await }
}

async fn blob_url(method: &str, url: &str) -> ApiResult<String> {
    let response = send(method, url, None).await?;
    let promise = response.blob().map_err(js_error)?;
    let blob: web_sys::Blob = JsFuture::from(promise)
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)
}

/// `a=1&b=x%20y` from pairs, leaving out empty values.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", js_sys::encode_uri_component(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The JSON of every page of a list, following `next_cursor` (at most `max_pages` pages of 100).
/// Not generic: each item type a page lists adds its decoder, not another copy of the paging.
async fn page_texts(path: &str, max_pages: usize) -> ApiResult<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Cursor {
        next_cursor: Option<String>,
    }
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..max_pages {
        let page_path = match &cursor {
            Some(c) => format!("{path}{separator}limit=100&cursor={}", encode(c)),
            None => format!("{path}{separator}limit=100"),
        };
        let text = answer_text("GET", &page_path, None).await?;
        cursor = decode::<Cursor>(&text)?.next_cursor;
        pages.push(text);
        if cursor.is_none() {
            break;
        }
    }
    Ok(pages)
}

/// Every item of a list endpoint `E`, following `next_cursor` (at most `max_pages` pages of 100);
/// `query` gives the filters, the paging is added.
pub fn all_pages<E, T>(
    path: &E::Path,
    query: &E::Query,
    max_pages: usize,
) -> impl Future<Output = ApiResult<Vec<T>>> + use<E, T>
where
    E: Endpoint<Response = Page<T>>,
    T: DeserializeOwned + 'static,
{
    items_of::<T>(url::<E>(path, query), max_pages)
}

async fn items_of<T: DeserializeOwned>(url: String, max_pages: usize) -> ApiResult<Vec<T>> {
    let mut items = Vec::new();
    for text in page_texts(&url, max_pages).await? {
        items.extend(decode::<Page<T>>(&text)?.items);
    }
    Ok(items)
}
