//! Secrets: values that must never be printed.
//!
//! Every type here hides its value from [`Debug`](std::fmt::Debug) and
//! [`Display`](std::fmt::Display). Read the value with `expose_secret()` only where it goes on
//! the wire.

use std::fmt;
use std::sync::Arc;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        // `Arc<str>`: a clone (one per call, from the token cache) allocates nothing.
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(Arc::from(value.into()))
            }

            /// The secret value itself. Put it on the wire; never log or display it.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }

            /// Whether the secret is the empty string (never valid on the wire).
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(Arc::from(value))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(Arc::from(value))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::from)
            }
        }
    };
}

secret_type!(
    /// An access token, sent as the `access_token` query parameter of every oapi call.
    ///
    /// ```
    /// use dingtalk_notify_proto::AccessToken;
    /// let token = AccessToken::new("bE74xxxx");
    /// assert_eq!(format!("{token:?} {token}"), "AccessToken { .. } [redacted]");
    /// assert_eq!(token.expose_secret(), "bE74xxxx");
    /// ```
    AccessToken
);
secret_type!(
    /// An internal app's `appsecret`, used by `gettoken`.
    AppSecret
);
secret_type!(
    /// A third-party (ISV) suite secret: the HMAC key of `get_corp_token`'s signature.
    SuiteSecret
);
secret_type!(
    /// The suite ticket DingTalk pushes to an ISV's callback; the caller supplies it.
    SuiteTicket
);
