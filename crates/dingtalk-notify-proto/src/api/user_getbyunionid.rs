//! `POST /topapi/user/getbyunionid`: the user id of the person with a union id.
//!
//! A union id is per developer account: the same person has another union id under another
//! developer account. Permission `qyapi_get_member`. Errors: 60121 (no such user),
//! 400002 (invalid parameter), -1 (busy).

use http::Method;
use serde::{Deserialize, Serialize};

use super::contact::check_unionid;
use crate::auth::AccessTokenQuery;
use crate::endpoint::{Endpoint, json_body};
use crate::error::BuildError;
use crate::wire::{lenient, opt_string};

/// Asks for the user id of the person whose union id is `unionid`.
///
/// ```
/// use dingtalk_notify_proto::api::{ContactType, GetUserByUnionId};
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};
/// let req = GetUserByUnionId::new("z21HjQliSzpw0Yxxxx")
///     .build_request(&BaseUrl::default(), &AccessToken::new("t"))?;
/// assert_eq!(req.body(), br#"{"unionid":"z21HjQliSzpw0Yxxxx"}"#);
/// let res = GetUserByUnionId::parse_response(http::Response::new(
///     r#"{"errcode":0,"result":{"contact_type":0,"userid":"manager4220"}}"#,
/// ))?;
/// assert_eq!(res.userid(), Some("manager4220"));
/// assert_eq!(res.result.contact_type, ContactType::Internal);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetUserByUnionId {
    /// The union id.
    pub unionid: String,
}

impl GetUserByUnionId {
    /// The user with union id `unionid`.
    pub fn new(unionid: impl Into<String>) -> Self {
        Self {
            unionid: unionid.into(),
        }
    }
}

impl Endpoint for GetUserByUnionId {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/user/getbyunionid";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = GetUserByUnionIdResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_unionid(&self.unionid)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The answer: `result.userid` and `result.contact_type`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetUserByUnionIdResponse {
    /// The result; empty when DingTalk omits it.
    #[serde(default)]
    pub result: UserByUnionId,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}

impl GetUserByUnionIdResponse {
    /// The user id found, if any (a missing or empty `userid` is none).
    pub fn userid(&self) -> Option<&str> {
        self.result.userid.as_deref().filter(|u| !u.is_empty())
    }
}

/// The person found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserByUnionId {
    /// Whether the person is a member (0) or an external contact (1).
    #[serde(default)]
    pub contact_type: ContactType,
    /// The user id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub userid: Option<String>,
}

/// `contact_type`: 0 a member of the organisation, 1 an external contact; any other value
/// is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ContactType {
    /// `0`: a member of the organisation.
    #[default]
    Internal,
    /// `1`: an external contact.
    External,
    /// A value this version does not know.
    Unknown(i64),
}

impl ContactType {
    /// The wire value.
    pub fn code(self) -> i64 {
        match self {
            Self::Internal => 0,
            Self::External => 1,
            Self::Unknown(v) => v,
        }
    }
}

impl Serialize for ContactType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.code())
    }
}

impl<'de> Deserialize<'de> for ContactType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match lenient::<D, i64>(d)? {
            0 => Self::Internal,
            1 => Self::External,
            other => Self::Unknown(other),
        })
    }
}
