//! `POST /service/get_corp_token`: a third-party (ISV) app's token for one authorized corp.
//!
//! The request is signed: `signature = urlencode(base64(HMAC-SHA256(suite_secret,
//! timestamp + "\n" + suite_ticket)))`, sent with `accessKey` (the suite key), `timestamp`
//! (milliseconds) and `suiteTicket` in the query.

use http::Method;
use serde::Serialize;

use super::endpoint::{Endpoint, json_body};
use crate::api::gettoken::AccessTokenResponse;
use crate::auth::SuiteSigned;
use crate::error::BuildError;
use crate::validate::check_not_empty;

/// Gets the access token of an ISV app for the corp `auth_corpid`; authenticate it with a
/// [`SuiteSignature`](crate::auth::SuiteSignature).
///
/// ```
/// use dingtalk_notify_proto::api::{GetCorpToken};
/// use dingtalk_notify_proto::auth::SuiteSignature;
/// use dingtalk_notify_proto::{BaseUrl, Endpoint, SuiteSecret, SuiteTicket};
/// let sig = SuiteSignature::sign("suitekey", &SuiteSecret::new("s"), &SuiteTicket::new("t"), 1_700_000_000_000)?;
/// let req = GetCorpToken::new("ding_corp").build_request(&BaseUrl::default(), &sig)?;
/// assert!(req.uri().query().unwrap().starts_with("accessKey=suitekey&timestamp=1700000000000&suiteTicket=t&signature="));
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    const IDEMPOTENT: bool = true;
    type Auth = SuiteSigned;
    type Response = AccessTokenResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_not_empty("auth_corpid", &self.auth_corpid)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}
