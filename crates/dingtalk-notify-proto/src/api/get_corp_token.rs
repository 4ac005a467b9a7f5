//! `POST /service/get_corp_token`: a third-party (ISV) app's token for one authorized corp.
//!
//! The request is signed: `signature = urlencode(base64(HMAC-SHA256(suite_secret,
//! timestamp + "\n" + suite_ticket)))`, sent with `accessKey` (the suite key), `timestamp`
//! (milliseconds) and `suiteTicket` in the query.

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use http::Method;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::api::check_not_empty;
use crate::api::gettoken::AccessTokenResponse;
use crate::endpoint::{AuthScheme, Endpoint, json_body};
use crate::error::BuildError;
use crate::secret::{SuiteSecret, SuiteTicket};

/// Gets the access token of an ISV app for the corp `auth_corpid`; authenticate it with a
/// [`SuiteSignature`].
///
/// ```
/// use dingtalk_notify_proto::api::{GetCorpToken, SuiteSignature};
/// use dingtalk_notify_proto::{Auth, BaseUrl, Endpoint, SuiteSecret, SuiteTicket};
/// let sig = SuiteSignature::sign("suitekey", &SuiteSecret::new("s"), &SuiteTicket::new("t"), 1_700_000_000_000)?;
/// let req = GetCorpToken::new("ding_corp").build_request(&BaseUrl::default(), Auth::Suite(&sig))?;
/// assert!(req.uri().query().unwrap().starts_with("accessKey=suitekey&timestamp=1700000000000&suiteTicket=t&signature="));
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetCorpToken {
    /// The authorizing corp's id.
    pub auth_corpid: String,
}

impl GetCorpToken {
    /// A token request for the corp `auth_corpid`.
    pub fn new(auth_corpid: impl Into<String>) -> Self {
        Self {
            auth_corpid: auth_corpid.into(),
        }
    }
}

impl Endpoint for GetCorpToken {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/service/get_corp_token";
    const AUTH: AuthScheme = AuthScheme::SuiteSignature;
    const IDEMPOTENT: bool = true;
    type Response = AccessTokenResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_not_empty("auth_corpid", &self.auth_corpid)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The signed query of an ISV request. `Debug` hides the ticket and signature.
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

    pub(crate) fn query(&self) -> [(&'static str, &str); 4] {
        [
            ("accessKey", self.access_key.as_str()),
            ("timestamp", self.timestamp.as_str()),
            ("suiteTicket", self.suite_ticket.expose_secret()),
            ("signature", self.signature.as_str()),
        ]
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
