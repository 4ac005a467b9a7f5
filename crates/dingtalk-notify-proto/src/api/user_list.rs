//! `POST /topapi/v2/user/list`: the details of a department's direct members, a page at a
//! time.
//!
//! Pages are walked with `cursor`: start at 0, then pass `next_cursor` while `has_more`.
//! A page holds at most 100 people. `active: false` marks people who never activated their
//! account (they cannot read anything). Permission `qyapi_get_department_member`.

use http::Method;
use serde::{Deserialize, Serialize};

use super::contact::{ContactLanguage, MAX_USER_PAGE_SIZE, check_dept, check_page_size};
use crate::auth::AccessTokenQuery;
use crate::endpoint::{Endpoint, json_body};
use crate::error::BuildError;
use crate::ids::DeptId;
use crate::wire::{LenientString, list_or_null, opt_lenient, opt_string};

/// Asks for one page of `dept_id`'s direct members, with details.
///
/// ```
/// use dingtalk_notify_proto::api::ListDepartmentUsers;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};
/// let req = ListDepartmentUsers::first_page(100)
///     .build_request(&BaseUrl::default(), &AccessToken::new("t"))?;
/// assert_eq!(req.body(), br#"{"dept_id":100,"cursor":0,"size":100}"#);
/// let res = ListDepartmentUsers::parse_response(http::Response::new(
///     r#"{"errcode":0,"result":{"has_more":true,"next_cursor":100,
///         "list":[{"userid":"u1","name":"Ann","active":false,"dept_id_list":[100]}]}}"#,
/// ))?;
/// assert_eq!(res.result.next_page(), Some(100));
/// assert_eq!(res.result.list[0].active, Some(false));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDepartmentUsers {
    /// The department (the root is 1).
    pub dept_id: DeptId,
    /// Where the page starts: 0, then the previous page's `next_cursor`.
    pub cursor: u64,
    /// People per page, 1 to [`MAX_USER_PAGE_SIZE`].
    pub size: u32,
    /// The order of the people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_field: Option<UserOrder>,
    /// Whether to include people whose profile is access-limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contain_access_limit: Option<bool>,
    /// The language names come back in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<ContactLanguage>,
}

impl ListDepartmentUsers {
    /// The page of `size` people of `dept_id` starting at `cursor`.
    pub fn new(dept_id: impl Into<DeptId>, cursor: u64, size: u32) -> Self {
        Self {
            dept_id: dept_id.into(),
            cursor,
            size,
            order_field: None,
            contain_access_limit: None,
            language: None,
        }
    }

    /// The first page of `dept_id`, as large as DingTalk serves.
    pub fn first_page(dept_id: impl Into<DeptId>) -> Self {
        Self::new(dept_id, 0, MAX_USER_PAGE_SIZE)
    }

    /// Includes or leaves out people whose profile is access-limited.
    #[must_use]
    pub fn with_access_limited(mut self, contain: bool) -> Self {
        self.contain_access_limit = Some(contain);
        self
    }

    /// People in `order`.
    #[must_use]
    pub fn with_order(mut self, order: UserOrder) -> Self {
        self.order_field = Some(order);
        self
    }

    /// Names in `language`.
    #[must_use]
    pub fn with_language(mut self, language: ContactLanguage) -> Self {
        self.language = Some(language);
        self
    }
}

impl Endpoint for ListDepartmentUsers {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/v2/user/list";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = ListDepartmentUsersResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_dept(self.dept_id)?;
        check_page_size(self.size)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// `order_field`: the order of a department's people (DingTalk's default is `custom`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UserOrder {
    /// `entry_asc`: by the time they joined the department, oldest first.
    EntryAsc,
    /// `entry_desc`: by the time they joined the department, newest first.
    EntryDesc,
    /// `modify_asc`: by the time their details changed, oldest first.
    ModifyAsc,
    /// `modify_desc`: by the time their details changed, newest first.
    ModifyDesc,
    /// `custom`: the order the organisation set (by pinyin when none).
    Custom,
}

/// The answer: one page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListDepartmentUsersResponse {
    /// The page; empty when DingTalk omits it.
    #[serde(default)]
    pub result: UserPage,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}

/// `PageResult`: the people of one page and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserPage {
    /// Whether another page follows.
    #[serde(default)]
    pub has_more: bool,
    /// The next page's cursor, when `has_more`.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_cursor: Option<u64>,
    /// The people; missing or `null` is empty.
    #[serde(default, deserialize_with = "list_or_null")]
    pub list: Vec<UserDetail>,
}

impl UserPage {
    /// The cursor of the next page: `next_cursor` when `has_more`, else `None`.
    pub fn next_page(&self) -> Option<u64> {
        if self.has_more {
            self.next_cursor
        } else {
            None
        }
    }
}

/// `ListUserResponse`: one person, with the fields a sender needs (others are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserDetail {
    /// The user id.
    #[serde(deserialize_with = "userid")]
    pub userid: String,
    /// The union id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub unionid: Option<String>,
    /// The name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Whether the account was activated; `false`: the person never logged in and cannot
    /// read anything. `None` when DingTalk omits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Every department the person sits in.
    #[serde(default, deserialize_with = "list_or_null")]
    pub dept_id_list: Vec<DeptId>,
}

impl UserDetail {
    /// A person with `userid`, nothing else known.
    pub fn new(userid: impl Into<String>) -> Self {
        Self {
            userid: userid.into(),
            unionid: None,
            name: None,
            active: None,
            dept_id_list: Vec::new(),
        }
    }

    /// Whether the person never activated the account (`active: false`).
    pub fn is_inactive(&self) -> bool {
        self.active == Some(false)
    }
}

fn userid<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    LenientString::deserialize(d).map(|s| s.0)
}
