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

pub(crate) mod endpoint;

pub(crate) mod asyncsend_v2;
pub(crate) mod get_corp_token;
pub(crate) mod getsendprogress;
pub(crate) mod getsendresult;
pub(crate) mod gettoken;
pub(crate) mod recall;
pub(crate) mod status_bar_update;

pub use asyncsend_v2::{RecipientLimits, SendWorkNotification, SendWorkNotificationResponse};
pub use get_corp_token::GetCorpToken;
pub use getsendprogress::{GetSendProgress, GetSendProgressResponse, ProgressStatus, SendProgress};
pub use getsendresult::{
    ForbiddenEntry, GetSendResult, GetSendResultResponse, MAX_RESULT_RECIPIENTS, SendResult,
};
pub use gettoken::{
    AccessTokenResponse, DEFAULT_TOKEN_LIFETIME, GetAccessToken, MAX_TOKEN_LIFETIME,
};
pub use recall::{RecallWorkNotification, RecallWorkNotificationResponse};
pub use status_bar_update::{UpdateStatusBar, UpdateStatusBarResponse};

use crate::code::hint::Call;
use endpoint::Facts;

/// The core's endpoints, one line each: what an unmarked request's
/// [`Idempotency`](crate::transport::Idempotency) is, and the context their hints are written
/// for, both read from the endpoint's own consts. An endpoint not listed still works: its
/// requests carry an `Idempotency` marker when their method would mislead, and its answers
/// get the generic hints.
static CORE: [Facts; 7] = [
    Facts::of::<GetAccessToken>(Call::Token),
    Facts::of::<GetCorpToken>(Call::CorpToken),
    Facts::of::<SendWorkNotification>(Call::Send),
    Facts::of::<GetSendProgress>(Call::Progress),
    Facts::of::<GetSendResult>(Call::Result),
    Facts::of::<UpdateStatusBar>(Call::StatusBar),
    Facts::of::<RecallWorkNotification>(Call::Recall),
];
