//! `POST /topapi/v2/department/listsubid`: the ids of a department's direct sub-departments.
//!
//! One level only: the sub-departments of the sub-departments are not listed, so a whole
//! tree is the caller's walk (see [`crate::resolve`]). Not limited by the app's contacts
//! scope. Errors: 60003 (no such department), 400002 (invalid parameter), -1 (busy).

use http::Method;
use serde::{Deserialize, Serialize};

use super::contact::check_dept;
use crate::auth::AccessTokenQuery;
use crate::endpoint::{Endpoint, json_body};
use crate::error::BuildError;
use crate::ids::DeptId;
use crate::wire::{list_or_null, opt_string};

/// Asks for the ids of `dept_id`'s direct sub-departments (the root is 1).
///
/// ```
/// use dingtalk_notify_proto::api::ListSubDepartmentIds;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};
/// let req = ListSubDepartmentIds::new(1).build_request(&BaseUrl::default(), &AccessToken::new("t"))?;
/// assert_eq!(req.uri().path(), "/topapi/v2/department/listsubid");
/// assert_eq!(req.body(), br#"{"dept_id":1}"#);
/// let res = ListSubDepartmentIds::parse_response(http::Response::new(
///     r#"{"errcode":0,"result":{"dept_id_list":[2,3,4]}}"#,
/// ))?;
/// assert_eq!(res.result.dept_id_list.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSubDepartmentIds {
    /// The parent department.
    pub dept_id: DeptId,
}

impl ListSubDepartmentIds {
    /// The sub-department ids of `dept_id`.
    pub fn new(dept_id: impl Into<DeptId>) -> Self {
        Self {
            dept_id: dept_id.into(),
        }
    }
}

impl Endpoint for ListSubDepartmentIds {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/v2/department/listsubid";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = ListSubDepartmentIdsResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_dept(self.dept_id)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The answer: `result.dept_id_list`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListSubDepartmentIdsResponse {
    /// The result; an empty list when DingTalk omits it.
    #[serde(default)]
    pub result: SubDepartmentIds,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}

/// `DeptListSubIdResponse`: the sub-department ids.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubDepartmentIds {
    /// The direct sub-departments; missing or `null` is empty.
    #[serde(default, deserialize_with = "list_or_null")]
    pub dept_id_list: Vec<DeptId>,
}
