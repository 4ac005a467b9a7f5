//! One sentence per code saying what to do, fitted to the endpoint where the meaning of a
//! code depends on it.

/// The endpoint an answer came from, as far as hints care; each endpoint names its own in
/// the core's table (`api::CORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Call {
    Token,
    CorpToken,
    Send,
    Progress,
    Result,
    StatusBar,
    Recall,
    /// The contact endpoints (listsubid, listsub, listid, v2/user/list, getbymobile,
    /// getbyunionid).
    Contacts,
    /// `POST /media/upload`.
    Upload,
    Other,
}

impl Call {
    /// The name a campaign's ledger counts the call under (`api::call_name`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Call::Token => "token",
            Call::CorpToken => "corp_token",
            Call::Send => "send",
            Call::Progress => "progress",
            Call::Result => "result",
            Call::StatusBar => "status_bar",
            Call::Recall => "recall",
            Call::Contacts => "contacts",
            Call::Upload => "upload",
            Call::Other => "other",
        }
    }
}

pub(crate) fn hint(code: i64, call: Option<Call>) -> Option<&'static str> {
    let call = call.unwrap_or(Call::Other);
    Some(match code {
        -1 | 500 => "DingTalk is busy; retry later with backoff",
        22 | 404 => "the endpoint path is unknown; check the base URL and its path prefix",
        40 | 41 => "an argument is missing or invalid; check the request fields",
        88 => "see sub_code and sub_msg for the cause",
        33001 => "check the corp id the token was issued for",
        40001 => "check the app key and app secret",
        40004 => {
            "the media type must be image, voice, video or file, in the form and in the query \
             (?type=)"
        }
        40005 => {
            "DingTalk does not take this format for the media type (image: jpg, gif, png, bmp; \
             voice: amr, mp3, wav; video: mp4; file: doc, docx, xls, xlsx, ppt, pptx, zip, pdf, \
             rar)"
        }
        40006 => "the file is empty or over its limit (voice 2 MB; image, video and file 20 MB)",
        40007 => match call {
            Call::Send => {
                "the message names a media_id DingTalk never issued; upload the file \
                 (POST /media/upload) and send the media_id it answers"
            }
            _ => "check the media_id: it must come from POST /media/upload",
        },
        40008 => "the msgtype is not one DingTalk knows; check msg.msgtype",
        40014 | 42001 => "fetch a new access token and retry once",
        40035 => match call {
            Call::Token => "appkey or appsecret is missing; pass both to gettoken",
            Call::CorpToken => {
                "a parameter of the signed request is missing; check accessKey, timestamp, \
                 suiteTicket, signature and auth_corpid"
            }
            Call::Send => {
                "a parameter is missing or invalid; check agent_id, the recipients and msg"
            }
            Call::Progress => {
                "check task_id and agent_id (the task must be this app's and at most 7 days old)"
            }
            Call::Result | Call::Recall => {
                "check task_id and agent_id (the task must be this app's and at most 24 hours old)"
            }
            Call::StatusBar => {
                "check task_id and agent_id (an OA notification of this app, at most 7 days old)"
            }
            Call::Contacts => {
                "a parameter is missing or invalid; check dept_id, the mobile number or the union id"
            }
            Call::Upload | Call::Other => {
                "check task_id and agent_id (tasks are only queryable for 24 hours)"
            }
        },
        40056 => "check agent_id: it must be the app's AgentId from the developer console",
        40089 => {
            "the corp id or corp secret was refused; copy both again from the developer console"
        }
        40096 => "the appkey or appsecret was refused; copy both again from the developer console",
        41052 => "the task has too many recipients or is still sending; query it later",
        60011 => match call {
            Call::Send | Call::Progress | Call::Result | Call::StatusBar | Call::Recall => {
                "the app lacks the work-notification permission; grant it under the app's \
                 permissions in the developer console"
            }
            Call::Contacts => {
                "the app lacks the contacts permission for this API (qyapi_get_department_list, \
                 qyapi_get_member, qyapi_get_department_member or qyapi_get_member_by_mobile); \
                 grant it in the developer console"
            }
            _ => {
                "the app lacks the permission for this API; grant it under the app's permissions in the developer console"
            }
        },
        60020 => {
            "this server's IP is not on the app's allow-list; add its public egress IP in the developer console"
        }
        90002 => "DingTalk's global limit for this API was hit; wait a second, then retry",
        90018 => "over this app's call rate for this API; wait at least a second, then retry",
        90019 => "over 40 calls per second to this corp; slow down",
        90001 | 90003..=90014 | 90017 => {
            "calls are banned for a while; back off for minutes before retrying"
        }
        90020 => {
            "the organization's monthly quota of metered API calls is used up (the free plan \
             allows 10,000 a month); retrying cannot help: calls fail until next month or a \
             plan upgrade (developer console, resource management, usage details)"
        }
        143103 | 143104 | 143203 | 143204 => {
            "over the recipients-per-minute limit; retry after a minute"
        }
        143105 | 143205 => "this user reached today's message limit for the app",
        143106 | 143206 => "the same content was already sent to this user today",
        400002 => match call {
            Call::Contacts => {
                "a parameter was refused; check dept_id, the mobile number or the union id"
            }
            _ => {
                "check agent_id and the task id; only this app's notifications of the last 24 hours can be recalled"
            }
        },
        // The contact endpoints' codes.
        60003 => "no such department; check dept_id (the root department is 1)",
        60121 => {
            "no such user in the organization; check the mobile number or union id (people who \
             left cannot be found)"
        }
        40104 => "the mobile number is not valid in this organization; check it",
        853002 => {
            "the timestamp is more than a minute off DingTalk's clock; sync this server's clock (NTP)"
        }
        853001 => "timestamp must be the current time in milliseconds since the Unix epoch",
        853003 => "accessKey must be the suite's SuiteKey as the developer console shows it",
        853004 => {
            "the get_corp_token signature differs from DingTalk's; sign timestamp + \"\\n\" + \
             suiteTicket with the suite secret (HMAC-SHA256, base64, URL-encoded)"
        }
        853005 => {
            "the suiteTicket is not valid; sign with the latest suite_ticket DingTalk pushed to \
             your callback"
        }
        1430000 => "give at least one of userid_list, dept_id_list or to_all_user",
        1430002 => "the message contains prohibited words; change the content",
        1430003 => "DingTalk's OAPI protection refused the call; slow down and try again later",
        1430004 => "the recipient has executive protection enabled",
        _ => return None,
    })
}
