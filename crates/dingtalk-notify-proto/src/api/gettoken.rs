//! `GET /gettoken`: the access token of an internal app.
//!
//! The app secret travels in the query string, so the built request's URI must never be
//! logged or shown. Tokens are valid for `expires_in` seconds (7200); cache them.

use std::time::Duration;

use http::Method;
use serde::Deserialize;

use super::endpoint::Endpoint;
use crate::auth::NoAuth;
use crate::error::BuildError;
use crate::secret::{AccessToken, AppSecret};
use crate::validate::check_not_empty;
use crate::wire::{opt_lenient, opt_string};

/// The lifetime assumed when `expires_in` is 0 or missing.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(7200);

/// The longest lifetime believed: a day. DingTalk issues tokens for 7200 s; a larger
/// `expires_in` (a hostile `9223372036854775807`) is clamped to this, and a token that dies
/// sooner is refused by DingTalk and fetched again.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Gets an internal app's access token from its `appkey` and `appsecret`.
///
/// ```
/// use dingtalk_notify_proto::api::GetAccessToken;
/// use dingtalk_notify_proto::{BaseUrl, Endpoint};
/// let req = GetAccessToken::new("dingkey", "s3cret").build_request(&BaseUrl::default(), ())?;
/// assert_eq!(req.uri().path(), "/gettoken");
/// assert_eq!(req.uri().query(), Some("appkey=dingkey&appsecret=s3cret"));
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAccessToken {
    /// The app's `appkey`.
    pub appkey: String,
    /// The app's `appsecret`.
    pub appsecret: AppSecret,
}

impl GetAccessToken {
    /// A token request for this app.
    pub fn new(appkey: impl Into<String>, appsecret: impl Into<AppSecret>) -> Self {
        Self {
            appkey: appkey.into(),
            appsecret: appsecret.into(),
        }
    }
}

impl Endpoint for GetAccessToken {
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "/gettoken";
    const IDEMPOTENT: bool = true;
    type Auth = NoAuth;
    type Response = AccessTokenResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_not_empty("appkey", &self.appkey)?;
        check_not_empty("appsecret", self.appsecret.expose_secret())
    }

    fn query(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("appkey", self.appkey.as_str()),
            ("appsecret", self.appsecret.expose_secret()),
        ]
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        Ok(None)
    }
}

/// A token answer, from `gettoken` or `get_corp_token`. `Debug` hides the token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AccessTokenResponse {
    /// The token. Never empty: an answer with an empty or missing one is a
    /// [`Decode`](crate::ResponseError::Decode) error, an unusable response.
    #[serde(deserialize_with = "nonempty_token")]
    pub access_token: AccessToken,
    /// Seconds until it expires, as sent (`None` when missing).
    #[serde(default, deserialize_with = "opt_lenient")]
    pub expires_in: Option<u64>,
    /// The request id, when sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub request_id: Option<String>,
}

impl AccessTokenResponse {
    /// How long the token lives: `expires_in`, or [`DEFAULT_TOKEN_LIFETIME`] when it is 0 or
    /// missing (a zero lifetime would make every call refresh), at most
    /// [`MAX_TOKEN_LIFETIME`].
    pub fn lifetime(&self) -> Duration {
        match self.expires_in {
            Some(0) | None => DEFAULT_TOKEN_LIFETIME,
            Some(secs) => Duration::from_secs(secs).min(MAX_TOKEN_LIFETIME),
        }
    }
}

/// A token that can be used: present and not blank.
fn nonempty_token<'de, D: serde::Deserializer<'de>>(d: D) -> Result<AccessToken, D::Error> {
    let token = AccessToken::deserialize(d)?;
    if token.expose_secret().trim().is_empty() {
        return Err(serde::de::Error::custom(
            "the answer's access_token is empty: DingTalk sent no usable token",
        ));
    }
    Ok(token)
}
