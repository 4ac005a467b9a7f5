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
//! | `POST /media/upload` | [`UploadMedia`] | [`UploadMediaResponse`] |

pub mod asyncsend_v2;
pub mod get_corp_token;
pub mod getsendprogress;
pub mod getsendresult;
pub mod gettoken;
pub mod media_upload;
pub mod recall;
pub mod status_bar_update;

pub use asyncsend_v2::{RecipientLimits, SendWorkNotification, SendWorkNotificationResponse};
pub use get_corp_token::{GetCorpToken, SuiteSignature};
pub use getsendprogress::{GetSendProgress, GetSendProgressResponse, ProgressStatus, SendProgress};
pub use getsendresult::{ForbiddenEntry, GetSendResult, GetSendResultResponse, SendResult};
pub use gettoken::{AccessTokenResponse, GetAccessToken};
pub use media_upload::{UploadMedia, UploadMediaResponse};
pub use recall::{RecallWorkNotification, RecallWorkNotificationResponse};
pub use status_bar_update::{UpdateStatusBar, UpdateStatusBarResponse};
