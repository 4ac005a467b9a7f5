//! One module per endpoint, each with its request and response, named after its URL path.
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

pub mod asyncsend_v2;
pub mod get_corp_token;
pub mod getsendprogress;
pub mod getsendresult;
pub mod gettoken;
pub mod recall;
pub mod status_bar_update;

// The contact endpoints.
pub mod contact;
pub mod department_listsub;
pub mod department_listsubid;
pub mod user_getbymobile;
pub mod user_getbyunionid;
pub mod user_list;
pub mod user_listid;

pub use asyncsend_v2::{RecipientLimits, SendWorkNotification, SendWorkNotificationResponse};
pub use get_corp_token::{GetCorpToken, SuiteSignature};
pub use getsendprogress::{GetSendProgress, GetSendProgressResponse, ProgressStatus, SendProgress};
pub use getsendresult::{ForbiddenEntry, GetSendResult, GetSendResultResponse, SendResult};
pub use gettoken::{AccessTokenResponse, GetAccessToken};
pub use recall::{RecallWorkNotification, RecallWorkNotificationResponse};
pub use status_bar_update::{UpdateStatusBar, UpdateStatusBarResponse};

pub use contact::{ContactLanguage, MAX_USER_PAGE_SIZE, ROOT_DEPT_ID};
pub use department_listsub::{Department, ListSubDepartments, ListSubDepartmentsResponse};
pub use department_listsubid::{
    ListSubDepartmentIds, ListSubDepartmentIdsResponse, SubDepartmentIds,
};
pub use user_getbymobile::{GetUserByMobile, GetUserByMobileResponse, UserByMobile};
pub use user_getbyunionid::{
    ContactType, GetUserByUnionId, GetUserByUnionIdResponse, UserByUnionId,
};
pub use user_list::{
    ListDepartmentUsers, ListDepartmentUsersResponse, UserDetail, UserOrder, UserPage,
};
pub use user_listid::{DepartmentUserIds, ListDepartmentUserIds, ListDepartmentUserIdsResponse};
