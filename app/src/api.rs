//! The only place that talks HTTP: the API of shared/API.md on the portal's own origin, with the
//! session token from [`crate::session`]. Bodies are the `upline-contract` types.

use serde::Serialize;
use serde::de::DeserializeOwned;
use upline_contract::ErrorBody;
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

async fn send(method: &str, path: &str, body: Option<(&str, JsValue)>) -> ApiResult<Response> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(js_error)?;
    let sent_with = crate::session::stored_token();
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
    if status == 401 && sent_with.is_some() && crate::session::stored_token() == sent_with {
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

pub async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    decode(&answer_text("GET", path, None).await?)
}

pub async fn post<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> ApiResult<T> {
    decode(&answer_text("POST", path, Some(json_body(body)?)).await?)
}

pub async fn put<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> ApiResult<T> {
    decode(&answer_text("PUT", path, Some(json_body(body)?)).await?)
}

/// A POST of an action without parameters (its body is `{}`).
pub async fn post_action<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    let body = Some(("application/json", JsValue::from_str("{}")));
    decode(&answer_text("POST", path, body).await?)
}

/// A PUT whose answer does not matter to the portal (only whether it succeeded).
pub async fn put_ignoring_answer(path: &str, body: &impl Serialize) -> ApiResult<()> {
    send("PUT", path, Some(json_body(body)?)).await.map(drop)
}

/// A DELETE that carries a body (the code that turns two-factor login off); answers 204.
pub async fn delete_with_body(path: &str, body: &impl Serialize) -> ApiResult<()> {
    send("DELETE", path, Some(json_body(body)?)).await.map(drop)
}

/// A body that is not JSON (the terms PDF); only whether it was taken matters.
pub async fn put_file(path: &str, file: &web_sys::File) -> ApiResult<()> {
    let body = Some(("application/pdf", JsValue::from(file.clone())));
    send("PUT", path, body).await.map(drop)
}

/// Whether a GET succeeds, whatever it answers.
pub async fn exists(path: &str) -> bool {
    send("GET", path, None).await.is_ok()
}

pub async fn get_text(path: &str) -> ApiResult<String> {
    answer_text("GET", path, None).await
}

/// An authenticated download as an object URL (the QR code as PNG or SVG).
pub async fn object_url(path: &str) -> ApiResult<String> {
    let response = send("GET", path, None).await?;
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
            Some(c) => format!(
                "{path}{separator}limit=100&cursor={}",
                js_sys::encode_uri_component(c)
            ),
            None => format!("{path}{separator}limit=100"),
        };
        let text = get_text(&page_path).await?;
        cursor = decode::<Cursor>(&text)?.next_cursor;
        pages.push(text);
        if cursor.is_none() {
            break;
        }
    }
    Ok(pages)
}

/// Every item of a list, following `next_cursor` (at most `max_pages` pages of 100).
pub async fn all_pages<T: DeserializeOwned>(path: &str, max_pages: usize) -> ApiResult<Vec<T>> {
    let mut items = Vec::new();
    for text in page_texts(path, max_pages).await? {
        items.extend(decode::<upline_contract::Page<T>>(&text)?.items);
    }
    Ok(items)
}
