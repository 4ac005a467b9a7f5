//! Every endpoint, each with its request and response (one source module per endpoint,
//! named after its URL path; the types are all here).
//!
//! | path | request | response |
//! |---|---|---|
//! | `GET /gettoken` | [`GetAccessToken`] | [`AccessTokenResponse`] |
//! | `POST /service/get_corp_token` | [`GetCorpToken`] | [`AccessTokenResponse`] |
//! | `POST /topapi/message/corpconversation/asyncsend_v2` | [`SendWorkNotification`] | [`SendWorkNotificationResponse`] |
//! | `POST /topapi/message/corpconversation/getsendprogress` | [`GetSendProgress`] | [`GetSendProgressResponse`] |
//! | `POST /topapi/message/corpconversation/getsendresult` | [`GetSendResult`] | [`GetSendResultResponse`] |
//! | `POST /topapi/message/corpconversation/status_bar/update` | [`UpdateStatusBar`] | [`UpdateStatusBarResponse`] |
//! | `POST /topapi/message/corpconversation/recall` | [`RecallWorkNotification`] | [`RecallWorkNotificationResponse`] |
//!
//! | `POST /media/upload` | [`UploadMedia`] | [`UploadMediaResponse`] |
//!
//! The contact endpoints, which turn departments, phone numbers and union ids into user ids
//! (walked by [`crate::resolve`]):
//!
//! | path | request | response |
//! |---|---|---|
//! | `POST /topapi/v2/department/listsubid` | [`ListSubDepartmentIds`] | [`ListSubDepartmentIdsResponse`] |
//! | `POST /topapi/v2/department/listsub` | [`ListSubDepartments`] | [`ListSubDepartmentsResponse`] |
//! | `POST /topapi/user/listid` | [`ListDepartmentUserIds`] | [`ListDepartmentUserIdsResponse`] |
//! | `POST /topapi/v2/user/list` | [`ListDepartmentUsers`] | [`ListDepartmentUsersResponse`] |
//! | `POST /topapi/v2/user/getbymobile` | [`GetUserByMobile`] | [`GetUserByMobileResponse`] |
//! | `POST /topapi/user/getbyunionid` | [`GetUserByUnionId`] | [`GetUserByUnionIdResponse`] |

pub(crate) mod endpoint;

pub(crate) mod asyncsend_v2;
pub(crate) mod get_corp_token;
pub(crate) mod getsendprogress;
pub(crate) mod getsendresult;
pub(crate) mod gettoken;
pub(crate) mod media_upload;
pub(crate) mod recall;
pub(crate) mod status_bar_update;

// The contact endpoints.
pub(crate) mod contact;
pub(crate) mod department_listsub;
pub(crate) mod department_listsubid;
pub(crate) mod user_getbymobile;
pub(crate) mod user_getbyunionid;
pub(crate) mod user_list;
pub(crate) mod user_listid;

pub use asyncsend_v2::{RecipientLimits, SendWorkNotification, SendWorkNotificationResponse};
pub use get_corp_token::GetCorpToken;
pub use getsendprogress::{GetSendProgress, GetSendProgressResponse, ProgressStatus, SendProgress};
pub use getsendresult::{
    ForbiddenEntry, GetSendResult, GetSendResultResponse, MAX_RESULT_RECIPIENTS, SendResult,
};
pub use gettoken::{
    AccessTokenResponse, DEFAULT_TOKEN_LIFETIME, GetAccessToken, MAX_TOKEN_LIFETIME,
};
pub use media_upload::{UploadMedia, UploadMediaResponse};
pub use recall::{RecallWorkNotification, RecallWorkNotificationResponse};
pub use status_bar_update::{UpdateStatusBar, UpdateStatusBarResponse};

use crate::code::hint::Call;
pub use contact::{ContactLanguage, MAX_USER_PAGE_SIZE, ROOT_DEPT_ID};
pub use department_listsub::{Department, ListSubDepartments, ListSubDepartmentsResponse};
pub use department_listsubid::{
    ListSubDepartmentIds, ListSubDepartmentIdsResponse, SubDepartmentIds,
};
use endpoint::Facts;
pub use user_getbymobile::{GetUserByMobile, GetUserByMobileResponse, UserByMobile};
pub use user_getbyunionid::{
    ContactType, GetUserByUnionId, GetUserByUnionIdResponse, UserByUnionId,
};
pub use user_list::{
    ListDepartmentUsers, ListDepartmentUsersResponse, UserDetail, UserOrder, UserPage,
};
pub use user_listid::{DepartmentUserIds, ListDepartmentUserIds, ListDepartmentUserIdsResponse};

/// The core's endpoints, one line each: what an unmarked request's
/// [`Idempotency`](crate::transport::Idempotency) is, and the context their hints are written
/// for, both read from the endpoint's own consts. An endpoint not listed still works: its
/// requests carry an `Idempotency` marker when their method would mislead, and its answers
/// get the generic hints.
static CORE: [Facts; 14] = [
    Facts::of::<GetAccessToken>(Call::Token),
    Facts::of::<GetCorpToken>(Call::CorpToken),
    Facts::of::<SendWorkNotification>(Call::Send),
    Facts::of::<GetSendProgress>(Call::Progress),
    Facts::of::<GetSendResult>(Call::Result),
    Facts::of::<UpdateStatusBar>(Call::StatusBar),
    Facts::of::<RecallWorkNotification>(Call::Recall),
    Facts::of::<ListSubDepartmentIds>(Call::Contacts),
    Facts::of::<ListSubDepartments>(Call::Contacts),
    Facts::of::<ListDepartmentUserIds>(Call::Contacts),
    Facts::of::<ListDepartmentUsers>(Call::Contacts),
    Facts::of::<GetUserByMobile>(Call::Contacts),
    Facts::of::<GetUserByUnionId>(Call::Contacts),
    Facts::of::<UploadMedia<'static>>(Call::Upload),
];

/// The short name of the call a request path makes, as a campaign's ledger counts calls
/// ([`CampaignHeader::calls`](crate::campaign::CampaignHeader::calls)): `token`,
/// `corp_token`, `send`, `progress`, `result`, `status_bar`, `recall`, `contacts` (the six
/// contact endpoints), `upload`, or `other`. Matched on the path's end, so a gateway prefix
/// (`/dingtalk/topapi/...`) still fits.
///
/// ```
/// use dingtalk_notify_proto::api::call_name;
/// assert_eq!(call_name("/topapi/message/corpconversation/getsendprogress"), "progress");
/// assert_eq!(call_name("/dingtalk/gettoken"), "token");
/// assert_eq!(call_name("/topapi/v2/user/getbymobile"), "contacts");
/// assert_eq!(call_name("/nope"), "other");
/// ```
pub fn call_name(path: &str) -> &'static str {
    CORE.iter()
        .find(|facts| facts.matches_path(path))
        .map_or(Call::Other, |facts| facts.call())
        .name()
}
