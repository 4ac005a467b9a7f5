//! Authentication as a type: each [`Endpoint`](crate::Endpoint) names its [`AuthScheme`],
//! and the scheme's [`Input`](AuthScheme::Input) is what `build_request` takes, so a wrong
//! scheme does not compile.
//!
//! | scheme | endpoints | input |
//! |---|---|---|
//! | [`NoAuth`] | `GET /gettoken` (its credentials are its own query) | `()` |
//! | [`SuiteSigned`] | `POST /service/get_corp_token` | `&`[`SuiteSignature`] |
//! | [`AccessTokenQuery`] | every `/topapi/...` call | `&`[`AccessToken`] |

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::BuildError;
use crate::secret::{AccessToken, SuiteSecret, SuiteTicket};
use crate::validate::check_not_empty;

/// How an endpoint authenticates, and what a caller must hand in for it.
pub trait AuthScheme {
    /// What `build_request` takes for this scheme.
    type Input<'a>: Copy;

    /// Appends the scheme's query parameters through `push(key, value)`, in order.
    ///
    /// # Errors
    /// [`BuildError::EmptyField`] when the input is unusable (an empty token).
    fn append_query(
        input: Self::Input<'_>,
        push: &mut dyn FnMut(&'static str, &str),
    ) -> Result<(), BuildError>;
}

/// No authentication in the request itself: `gettoken` carries its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NoAuth;

impl AuthScheme for NoAuth {
    type Input<'a> = ();

    fn append_query((): (), _push: &mut dyn FnMut(&'static str, &str)) -> Result<(), BuildError> {
        Ok(())
    }
}

/// The `access_token` query parameter of every `/topapi` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AccessTokenQuery;

impl AuthScheme for AccessTokenQuery {
    type Input<'a> = &'a AccessToken;

    fn append_query(
        token: &AccessToken,
        push: &mut dyn FnMut(&'static str, &str),
    ) -> Result<(), BuildError> {
        if token.is_empty() {
            return Err(BuildError::EmptyField {
                field: "access_token",
            });
        }
        push("access_token", token.expose_secret());
        Ok(())
    }
}

/// An ISV suite signature: `accessKey`, `timestamp`, `suiteTicket`, `signature`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SuiteSigned;

impl AuthScheme for SuiteSigned {
    type Input<'a> = &'a SuiteSignature;

    fn append_query(
        signature: &SuiteSignature,
        push: &mut dyn FnMut(&'static str, &str),
    ) -> Result<(), BuildError> {
        for (key, value) in signature.query() {
            push(key, value);
        }
        Ok(())
    }
}

/// The signed query of an ISV request. `Debug` hides the ticket and signature.
///
/// `signature = urlencode(base64(HMAC-SHA256(suite_secret, timestamp + "\n" + suite_ticket)))`.
#[derive(Clone, PartialEq, Eq)]
pub struct SuiteSignature {
    access_key: String,
    timestamp: String,
    suite_ticket: SuiteTicket,
    signature: String,
}

impl SuiteSignature {
    /// Signs `timestamp_ms + "\n" + suite_ticket` with the suite secret.
    ///
    /// # Errors
    /// [`BuildError::EmptyField`] if the key, secret or ticket is empty.
    pub fn sign(
        suite_key: &str,
        suite_secret: &SuiteSecret,
        suite_ticket: &SuiteTicket,
        timestamp_ms: u64,
    ) -> Result<Self, BuildError> {
        check_not_empty("accessKey", suite_key)?;
        check_not_empty("suite_secret", suite_secret.expose_secret())?;
        check_not_empty("suiteTicket", suite_ticket.expose_secret())?;
        let timestamp = timestamp_ms.to_string();
        let mut mac = Hmac::<Sha256>::new_from_slice(suite_secret.expose_secret().as_bytes())
            .map_err(|_| BuildError::Encode("HMAC key rejected".to_owned()))?;
        mac.update(timestamp.as_bytes());
        mac.update(b"\n");
        mac.update(suite_ticket.expose_secret().as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        Ok(Self {
            access_key: suite_key.to_owned(),
            timestamp,
            suite_ticket: suite_ticket.clone(),
            signature,
        })
    }

    /// The base64 signature, before URL encoding.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The timestamp signed, in milliseconds, as sent.
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// The query pairs, in the order sent.
    pub(crate) fn query(&self) -> [(&'static str, &str); 4] {
        [
            ("accessKey", self.access_key.as_str()),
            ("timestamp", self.timestamp.as_str()),
            ("suiteTicket", self.suite_ticket.expose_secret()),
            ("signature", self.signature.as_str()),
        ]
    }

    /// The secret values (ticket and signature), for redaction.
    pub(crate) fn secrets(&self) -> [&str; 2] {
        [self.suite_ticket.expose_secret(), self.signature.as_str()]
    }
}

impl fmt::Debug for SuiteSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SuiteSignature")
            .field("access_key", &self.access_key)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}
