//! `POST /topapi/v2/department/listsub`: a department's direct sub-departments, with
//! names (for reports per department).
//!
//! One level only, like `listsubid`. Permission `qyapi_get_department_list`. Errors: 60003
//! (no such department), 400002 (invalid parameter), -1 (busy).

use http::Method;
use serde::{Deserialize, Serialize};

use super::contact::{ContactLanguage, check_dept};
use crate::auth::AccessTokenQuery;
use crate::endpoint::{Endpoint, json_body};
use crate::error::BuildError;
use crate::ids::DeptId;
use crate::wire::{list_or_null, opt_string};

/// Asks for `dept_id`'s direct sub-departments with their names.
///
/// ```
/// use dingtalk_notify_proto::api::ListSubDepartments;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, DeptId, Endpoint};
/// let req = ListSubDepartments::new(1).build_request(&BaseUrl::default(), &AccessToken::new("t"))?;
/// assert_eq!(req.body(), br#"{"dept_id":1}"#);
/// let res = ListSubDepartments::parse_response(http::Response::new(
///     r#"{"errcode":0,"result":[{"dept_id":100,"name":"HR","parent_id":1}]}"#,
/// ))?;
/// assert_eq!(res.result[0].name, "HR");
/// assert_eq!(res.result[0].parent_id, Some(DeptId(1)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSubDepartments {
    /// The parent department (the root is 1).
    pub dept_id: DeptId,
    /// The language names come back in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<ContactLanguage>,
}

impl ListSubDepartments {
    /// The sub-departments of `dept_id`.
    pub fn new(dept_id: impl Into<DeptId>) -> Self {
        Self {
            dept_id: dept_id.into(),
            language: None,
        }
    }

    /// Names in `language`.
    #[must_use]
    pub fn with_language(mut self, language: ContactLanguage) -> Self {
        self.language = Some(language);
        self
    }
}

impl Endpoint for ListSubDepartments {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/v2/department/listsub";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = ListSubDepartmentsResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_dept(self.dept_id)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The answer: `result`, a list of departments.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListSubDepartmentsResponse {
    /// The sub-departments; missing or `null` is empty.
    #[serde(default, deserialize_with = "list_or_null")]
    pub result: Vec<Department>,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}

/// `DeptBaseResponse`: a department's id, name and parent (other fields are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Department {
    /// The department id.
    pub dept_id: DeptId,
    /// The name (empty when DingTalk omits it).
    #[serde(default, deserialize_with = "name")]
    pub name: String,
    /// The parent department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<DeptId>,
}

impl Department {
    /// Department `dept_id` named `name` under `parent_id`.
    pub fn new(
        dept_id: impl Into<DeptId>,
        name: impl Into<String>,
        parent_id: Option<DeptId>,
    ) -> Self {
        Self {
            dept_id: dept_id.into(),
            name: name.into(),
            parent_id,
        }
    }
}

fn name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}
