//! Path and query parameters of the endpoints, as types. Values stay strings on the wire and are
//! checked by the server (which names the parameter at fault); the constraints are stated here for
//! the OpenAPI document. An unknown query parameter is refused by name.

use crate::endpoint::{PathArgs, QueryArgs};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::IntoParams;

/// A path struct: `{field}` for each field, all strings.
macro_rules! path_params {
    ($($(#[doc = $doc:literal])* $name:ident { $($(#[$attr:meta])* $field:ident),+ })*) => {$(
        $(#[doc = $doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(IntoParams))]
        #[cfg_attr(feature = "openapi", into_params(parameter_in = Path))]
        pub struct $name {
            $($(#[$attr])* pub $field: String,)+
        }

        impl PathArgs for $name {
            fn args(&self) -> Vec<(&'static str, &str)> {
                vec![$((stringify!($field), self.$field.as_str()),)+]
            }
        }
    )*};
}

/// A query struct: every field optional, unknown ones refused.
macro_rules! query_params {
    ($($(#[doc = $doc:literal])* $name:ident { $($(#[$attr:meta])* $field:ident $(as $wire:literal)?),+ })*) => {$(
        $(#[doc = $doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(IntoParams))]
        #[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$attr])* $(#[serde(rename = $wire)])? pub $field: Option<String>,)+
        }

        impl QueryArgs for $name {
            fn pairs(&self) -> Vec<(&'static str, &str)> {
                let mut pairs = Vec::new();
                $(if let Some(value) = &self.$field {
                    pairs.push((query_params!(@wire $field $($wire)?), value.as_str()));
                })+
                pairs
            }
        }
    )*};
    (@wire $field:ident $wire:literal) => { $wire };
    (@wire $field:ident) => { stringify!($field) };
}

path_params! {
    /// `{id}`: a partner, user, payout, webhook, lead or API key.
    IdPath {
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
        id
    }
    /// `{external_id}`: the deal's id in the tenant's own system.
    DealPath {
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
        external_id
    }
    /// `{token}`: an invitation's token.
    TokenPath {
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9_-]{1,100}$"))]
        token
    }
    /// `{name}`: a notification template.
    TemplatePath {
        #[cfg_attr(feature = "openapi", param(pattern = "^[a-z_]{1,40}$"))]
        name
    }
    /// `{program}`: a program's slug or tenant id.
    ProgramPath {
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
        program
    }
    /// `{code}`: a partner's referral code.
    CodePath {
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9_-]{1,40}$"))]
        code
    }
}

query_params! {
    /// `?program=`: the program a referral link names (its tenant id or slug).
    ReferralLinkQuery {
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
        program
    }
    /// `?token=`: the embed token the panel page opens with.
    EmbedPageQuery {
        #[cfg_attr(feature = "openapi", param(pattern = "^uet_[A-Za-z0-9_.-]{1,600}$"))]
        token
    }
    /// `?cursor=&limit=`.
    ListQuery {
        /// The `next_cursor` of the previous page.
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,300}$"))]
        cursor,
        /// Items per page, 1–100 (default 50).
        #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 1, maximum = 100))]
        limit
    }
    /// `?scope=downline|all` and the page.
    PartnerListQuery {
        /// `downline` (default): the caller's structure; `all`: everyone (staff, API keys).
        #[cfg_attr(feature = "openapi", param(schema_with = scopes))]
        scope,
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,300}$"))]
        cursor,
        #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 1, maximum = 100))]
        limit
    }
    /// `?partner_id=` and the page.
    LeadListQuery {
        /// Only this partner's leads (staff); a partner sees their own whatever it says.
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
        partner_id,
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,300}$"))]
        cursor,
        #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 1, maximum = 100))]
        limit
    }
    /// `?partner_id=`, `?status=` and the page.
    DealListQuery {
        /// Only the deals attributed to this partner (staff); a partner sees their own whatever
        /// it says.
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
        partner_id,
        /// Only deals in this status.
        #[cfg_attr(feature = "openapi", param(pattern = "^[a-z0-9_-]{1,40}$"))]
        status,
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,300}$"))]
        cursor,
        #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 1, maximum = 100))]
        limit
    }
    /// `?status=` and the page.
    PayoutListQuery {
        #[cfg_attr(feature = "openapi", param(schema_with = payout_statuses))]
        status,
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,300}$"))]
        cursor,
        #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 1, maximum = 100))]
        limit
    }
    /// `?status=` and the page.
    NotificationListQuery {
        #[cfg_attr(feature = "openapi", param(schema_with = notification_statuses))]
        status,
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,300}$"))]
        cursor,
        #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 1, maximum = 100))]
        limit
    }
    /// `?from=&to=&actor=` and the page.
    AuditQuery {
        /// A date (`2026-12-01`, from its start) or an RFC 3339 time.
        #[cfg_attr(feature = "openapi", param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9:.]+([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"))]
        from,
        /// A date (to its end) or an RFC 3339 time.
        #[cfg_attr(feature = "openapi", param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9:.]+([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"))]
        to,
        /// A user id or an API key id.
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
        actor,
        #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9._:-]{1,300}$"))]
        cursor,
        #[cfg_attr(feature = "openapi", param(value_type = Option<i32>, minimum = 1, maximum = 100))]
        limit
    }
    /// `?status=`: preview the deal as if it entered this status.
    PreviewQuery {
        /// Required: the status the deal would enter.
        #[cfg_attr(feature = "openapi", param(required = true, pattern = "^[a-z0-9_-]{1,40}$"))]
        status
    }
    /// `?format=svg|png`.
    QrQuery {
        #[cfg_attr(feature = "openapi", param(schema_with = qr_formats))]
        format
    }
    /// `?ref=`: the referral code a link carried.
    PublicProgramQuery {
        /// Eight of `23456789ABCDEFGHJKLMNPQRSTUVWXYZ` (case does not matter).
        #[cfg_attr(feature = "openapi", param(rename = "ref", pattern = "^[2-9A-HJ-NP-Za-hj-np-z]{8}$"))]
        referral_code as "ref"
    }
}

#[cfg(feature = "openapi")]
fn one_of(values: &[&str]) -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

#[cfg(feature = "openapi")]
fn scopes() -> utoipa::openapi::schema::Object {
    one_of(&["downline", "all"])
}

#[cfg(feature = "openapi")]
fn payout_statuses() -> utoipa::openapi::schema::Object {
    one_of(crate::PayoutStatus::WORDS)
}

#[cfg(feature = "openapi")]
fn notification_statuses() -> utoipa::openapi::schema::Object {
    one_of(crate::DeliveryState::WORDS)
}

#[cfg(feature = "openapi")]
fn qr_formats() -> utoipa::openapi::schema::Object {
    one_of(&["svg", "png"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_names_of_query_pairs_are_the_serde_names() {
        let query = PublicProgramQuery {
            referral_code: Some("ABCD2345".into()),
        };
        assert_eq!(query.pairs(), vec![("ref", "ABCD2345")]);
        assert_eq!(
            serde_json::to_value(&query).unwrap(),
            serde_json::json!({"ref": "ABCD2345"})
        );
    }
}
