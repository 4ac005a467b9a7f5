//! `POST /topapi/user/listid`: the user ids of a department's direct members.
//!
//! Members of sub-departments are not included, and there is no call for the whole
//! organisation: walk the tree ([`crate::resolve`]). Not limited by the app's contacts scope.
//! Errors: 60003 (no such department), 400002 (invalid parameter), -1 (busy).

use http::Method;
use serde::{Deserialize, Serialize};

use super::contact::check_dept;
use crate::auth::AccessTokenQuery;
use crate::endpoint::{Endpoint, json_body};
use crate::error::BuildError;
use crate::ids::DeptId;
use crate::wire::{opt_string, string_list};

/// Asks for the user ids of `dept_id`'s direct members.
///
/// ```
/// use dingtalk_notify_proto::api::ListDepartmentUserIds;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};
/// let req = ListDepartmentUserIds::new(100).build_request(&BaseUrl::default(), &AccessToken::new("t"))?;
/// assert_eq!(req.body(), br#"{"dept_id":100}"#);
/// let res = ListDepartmentUserIds::parse_response(http::Response::new(
///     r#"{"errcode":0,"result":{"userid_list":["u1","u2"]}}"#,
/// ))?;
/// assert_eq!(res.result.userid_list, ["u1", "u2"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDepartmentUserIds {
    /// The department (the root is 1).
    pub dept_id: DeptId,
}

impl ListDepartmentUserIds {
    /// The member ids of `dept_id`.
    pub fn new(dept_id: impl Into<DeptId>) -> Self {
        Self {
            dept_id: dept_id.into(),
        }
    }
}

impl Endpoint for ListDepartmentUserIds {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/user/listid";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = ListDepartmentUserIdsResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_dept(self.dept_id)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The answer: `result.userid_list`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListDepartmentUserIdsResponse {
    /// The result; an empty list when DingTalk omits it.
    #[serde(default)]
    pub result: DepartmentUserIds,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}

/// `ListUserByDeptResponse`: the members' user ids.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DepartmentUserIds {
    /// The direct members; missing or `null` is empty, numbers are kept as their text.
    #[serde(default, deserialize_with = "string_list")]
    pub userid_list: Vec<String>,
}
