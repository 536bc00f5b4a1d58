//! Opaque ids. Each is a newtype so a partner id can never be passed where a tenant id belongs.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// A tenant: one company running one partner program.
    TenantId
);
id_type!(
    /// A person's account inside a tenant.
    UserId
);
id_type!(
    /// A participant of the partner structure.
    PartnerId
);
id_type!(
    /// An API key of a tenant's backend (the id, never the secret).
    ApiKeyId
);
id_type!(
    /// One wallet ledger entry.
    EntryId
);
