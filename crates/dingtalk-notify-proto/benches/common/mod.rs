//! Fixtures shared by the `codec` (timing) and `allocs` (allocation counting) benches: one
//! realistic request and one realistic DingTalk answer per endpoint.

// Each bench uses a different subset.
#![allow(dead_code)]

use dingtalk_notify_proto::api::{
    GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult, RecallWorkNotification,
    SendWorkNotification, UpdateStatusBar,
};
use dingtalk_notify_proto::auth::SuiteSignature;
use dingtalk_notify_proto::{AccessToken, BaseUrl, Message, StatusColor, SuiteSecret, SuiteTicket};

/// A token of DingTalk's usual length (32 hex digits).
pub const TOKEN: &str = "bE74d9c0a1b2c3d4e5f60718293a4b5c";
pub const AGENT: u64 = 836_390_886;
pub const TASK: u64 = 256_271_667_526;

pub const GETTOKEN_OK: &str = r#"{"errcode":0,"access_token":"bE74d9c0a1b2c3d4e5f60718293a4b5c","errmsg":"ok","expires_in":7200}"#;
pub const CORP_TOKEN_OK: &str = r#"{"errcode":0,"access_token":"bE74d9c0a1b2c3d4e5f60718293a4b5c","errmsg":"ok","expires_in":7200}"#;
pub const SEND_OK: &str =
    r#"{"errcode":0,"errmsg":"ok","task_id":256271667526,"request_id":"4jzllmte0wau"}"#;
pub const PROGRESS_OK: &str = r#"{"errcode":0,"errmsg":"ok","progress":{"progress_in_percent":100,"status":2},"request_id":"ihnkwb9r8uvc"}"#;
pub const STATUS_BAR_OK: &str = r#"{"errcode":0,"errmsg":"ok","request_id":"8ra8xmc1ut7l"}"#;
pub const RECALL_OK: &str = r#"{"errcode":0,"errmsg":"ok","request_id":"3m0e9xkv0c2q"}"#;

/// The sizes of the send-result scaling series.
pub const RESULT_SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

pub fn base() -> BaseUrl {
    BaseUrl::new("https://oapi.dingtalk.com").expect("a valid base URL")
}

pub fn token() -> AccessToken {
    AccessToken::new(TOKEN)
}

pub fn gettoken() -> GetAccessToken {
    GetAccessToken::new(
        "dingbench0appkey0x",
        "bench-app-secret-0123456789abcdefghijklmnop",
    )
}

pub fn corp_token() -> GetCorpToken {
    GetCorpToken::new("ding0bench0corp0id")
}

/// Signs as the client does on every ISV token fetch.
pub fn suite_signature() -> SuiteSignature {
    SuiteSignature::sign(
        "suitebench0key",
        &SuiteSecret::new("bench-suite-secret-0123456789abcdefghij"),
        &SuiteTicket::new("bench-suite-ticket-0123456789"),
        1_700_000_000_000,
    )
    .expect("a valid signature")
}

pub fn send() -> SendWorkNotification {
    SendWorkNotification::new(AGENT, Message::text("Disk 91% on db-3: please check")).to_users([
        "manager4220",
        "user0123",
        "user0456",
    ])
}

pub fn progress() -> GetSendProgress {
    GetSendProgress::new(AGENT, TASK)
}

pub fn result() -> GetSendResult {
    GetSendResult::new(AGENT, TASK)
}

pub fn status_bar() -> UpdateStatusBar {
    UpdateStatusBar::new(AGENT, TASK, "Approved").status_bg(StatusColor::from_argb(0xFF78_C06E))
}

pub fn recall() -> RecallWorkNotification {
    RecallWorkNotification::new(AGENT, TASK)
}

/// A `getsendresult` answer listing `n` user ids: half read, half unread, as a finished task
/// looks.
pub fn result_body(n: usize) -> String {
    let mut read = Vec::with_capacity(n / 2 + 1);
    let mut unread = Vec::with_capacity(n / 2 + 1);
    for i in 0..n {
        let id = format!("\"user{i:07}\"");
        if i % 2 == 0 {
            read.push(id);
        } else {
            unread.push(id);
        }
    }
    format!(
        r#"{{"errcode":0,"errmsg":"ok","send_result":{{"read_user_id_list":[{}],"unread_user_id_list":[{}],"failed_user_id_list":[],"invalid_user_id_list":[],"forbidden_user_id_list":[],"invalid_dept_id_list":[],"forbidden_list":[]}},"request_id":"6pcvwp6jcows"}}"#,
        read.join(","),
        unread.join(",")
    )
}
