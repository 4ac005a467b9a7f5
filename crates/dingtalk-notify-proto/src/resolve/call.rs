//! [`ContactCall`]: the contact request a resolution asks the driver to make, and
//! [`ContactAnswer`], its typed answer.

use crate::api::{
    GetUserByMobile, GetUserByMobileResponse, GetUserByUnionId, GetUserByUnionIdResponse,
    ListDepartmentUserIds, ListDepartmentUserIdsResponse, ListDepartmentUsers,
    ListDepartmentUsersResponse, ListSubDepartmentIds, ListSubDepartmentIdsResponse,
};
use crate::base_url::BaseUrl;
use crate::endpoint::Endpoint;
use crate::error::{BuildError, ResponseError};
use crate::http_types::HttpRequest;
use crate::secret::AccessToken;

/// One contact call; every one is safe to repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContactCall {
    /// `topapi/v2/department/listsubid`.
    SubDepartments(ListSubDepartmentIds),
    /// `topapi/user/listid` (when inactive people are kept, ids are enough).
    MemberIds(ListDepartmentUserIds),
    /// `topapi/v2/user/list`, one page (when inactive people are left out).
    Members(ListDepartmentUsers),
    /// `topapi/v2/user/getbymobile`.
    ByMobile(GetUserByMobile),
    /// `topapi/user/getbyunionid`.
    ByUnionId(GetUserByUnionId),
}

/// The typed answer to a [`ContactCall`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContactAnswer {
    /// To [`ContactCall::SubDepartments`].
    SubDepartments(ListSubDepartmentIdsResponse),
    /// To [`ContactCall::MemberIds`].
    MemberIds(ListDepartmentUserIdsResponse),
    /// To [`ContactCall::Members`].
    Members(ListDepartmentUsersResponse),
    /// To [`ContactCall::ByMobile`].
    ByMobile(GetUserByMobileResponse),
    /// To [`ContactCall::ByUnionId`].
    ByUnionId(GetUserByUnionIdResponse),
}

impl ContactAnswer {
    /// The endpoint path the answer belongs to.
    pub fn path(&self) -> &'static str {
        match self {
            Self::SubDepartments(_) => ListSubDepartmentIds::PATH,
            Self::MemberIds(_) => ListDepartmentUserIds::PATH,
            Self::Members(_) => ListDepartmentUsers::PATH,
            Self::ByMobile(_) => GetUserByMobile::PATH,
            Self::ByUnionId(_) => GetUserByUnionId::PATH,
        }
    }
}

impl ContactCall {
    /// The endpoint path.
    pub fn path(&self) -> &'static str {
        match self {
            Self::SubDepartments(_) => ListSubDepartmentIds::PATH,
            Self::MemberIds(_) => ListDepartmentUserIds::PATH,
            Self::Members(_) => ListDepartmentUsers::PATH,
            Self::ByMobile(_) => GetUserByMobile::PATH,
            Self::ByUnionId(_) => GetUserByUnionId::PATH,
        }
    }

    /// Builds the request under `base` with `token`.
    ///
    /// # Errors
    /// A [`BuildError`] when the arguments are invalid (the plan only asks for valid ones)
    /// or the token is empty.
    pub fn build_request(
        &self,
        base: &BaseUrl,
        token: &AccessToken,
    ) -> Result<HttpRequest, BuildError> {
        match self {
            Self::SubDepartments(c) => c.build_request(base, token),
            Self::MemberIds(c) => c.build_request(base, token),
            Self::Members(c) => c.build_request(base, token),
            Self::ByMobile(c) => c.build_request(base, token),
            Self::ByUnionId(c) => c.build_request(base, token),
        }
    }

    /// Parses the answer to this call.
    ///
    /// # Errors
    /// The [`ResponseError`] of the endpoint's parser.
    pub fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: http::Response<B>,
    ) -> Result<ContactAnswer, ResponseError> {
        Ok(match self {
            Self::SubDepartments(_) => {
                ContactAnswer::SubDepartments(ListSubDepartmentIds::parse_response(response)?)
            }
            Self::MemberIds(_) => {
                ContactAnswer::MemberIds(ListDepartmentUserIds::parse_response(response)?)
            }
            Self::Members(_) => {
                ContactAnswer::Members(ListDepartmentUsers::parse_response(response)?)
            }
            Self::ByMobile(_) => {
                ContactAnswer::ByMobile(GetUserByMobile::parse_response(response)?)
            }
            Self::ByUnionId(_) => {
                ContactAnswer::ByUnionId(GetUserByUnionId::parse_response(response)?)
            }
        })
    }
}
