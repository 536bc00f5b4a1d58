//! The one error body every endpoint returns: `{"error":{"code","message","field"?}}`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// A stable snake_case code, e.g. `invalid_field`, `slug_taken`, `cycle`.
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// The request field at fault, as a dotted path (`owner.email`, `plan.rules[0].levels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
