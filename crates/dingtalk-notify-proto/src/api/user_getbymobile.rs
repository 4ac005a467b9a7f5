//! `POST /topapi/v2/user/getbymobile`: the user id of the person with a mobile number.
//!
//! Internal apps only, with the permission `qyapi_get_member_by_mobile`. People who left the
//! organisation cannot be found. Errors: 40104 (the number is not valid in the
//! organisation), 60121 (no such user), 400002 (invalid parameter), -1 (busy).

use http::Method;
use serde::{Deserialize, Serialize};

use super::contact::check_mobile;
use crate::auth::AccessTokenQuery;
use crate::endpoint::{Endpoint, json_body};
use crate::error::BuildError;
use crate::wire::{opt_string, string_list};

/// Asks for the user id of the person whose mobile number is `mobile`.
///
/// ```
/// use dingtalk_notify_proto::api::GetUserByMobile;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, BuildError, Endpoint};
/// let req = GetUserByMobile::new("13800138000").build_request(&BaseUrl::default(), &AccessToken::new("t"))?;
/// assert_eq!(req.body(), br#"{"mobile":"13800138000","support_exclusive_account_search":false}"#);
/// // Something that cannot be a phone number is refused before anything is sent.
/// let err = GetUserByMobile::new("138-oo13").build_request(&BaseUrl::default(), &AccessToken::new("t"));
/// assert!(matches!(err, Err(BuildError::InvalidValue { field: "mobile", .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetUserByMobile {
    /// The mobile number: digits, an optional leading `+`, dashes between digit groups.
    pub mobile: String,
    /// Whether to search the organisation's exclusive (enterprise) accounts too.
    pub support_exclusive_account_search: bool,
}

impl GetUserByMobile {
    /// The user with mobile number `mobile`, among ordinary accounts.
    pub fn new(mobile: impl Into<String>) -> Self {
        Self {
            mobile: mobile.into(),
            support_exclusive_account_search: false,
        }
    }

    /// Also searches the exclusive accounts the organisation created.
    #[must_use]
    pub fn with_exclusive_accounts(mut self, search: bool) -> Self {
        self.support_exclusive_account_search = search;
        self
    }
}

impl Endpoint for GetUserByMobile {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/v2/user/getbymobile";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = GetUserByMobileResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_mobile(&self.mobile)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The answer: `result.userid`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetUserByMobileResponse {
    /// The result; empty when DingTalk omits it.
    #[serde(default)]
    pub result: UserByMobile,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}

impl GetUserByMobileResponse {
    /// The user id found, if any (a missing or empty `userid` is none).
    pub fn userid(&self) -> Option<&str> {
        self.result.userid.as_deref().filter(|u| !u.is_empty())
    }
}

/// The person found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserByMobile {
    /// The user id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub userid: Option<String>,
    /// The exclusive accounts with this number, when asked for.
    #[serde(default, deserialize_with = "string_list")]
    pub exclusive_account_userid_list: Vec<String>,
}
