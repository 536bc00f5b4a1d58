//! (interface stub, being written) One handler per endpoint.
#[derive(Clone)]
pub struct AppState {
    pub store: upline_store::Store,
}
/// The session-signing key (32+ random bytes).
#[derive(Clone)]
pub struct SessionKey(pub Vec<u8>);
impl AppState {
    pub fn new(store: upline_store::Store, _key: SessionKey) -> Self {
        Self { store }
    }
}
/// Every endpoint of the route list, plus `/openapi.json`.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new().with_state(state)
}
