//! Fuzzes the request builders with arbitrary arguments: building never panics, and every
//! request that builds has a parseable URI and a JSON body that reads back as sent.
#![no_main]

use arbitrary::Arbitrary;
use dingtalk_notify_proto::api::{GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult, RecallWorkNotification, SendWorkNotification, UpdateStatusBar};
use dingtalk_notify_proto::auth::SuiteSignature;
use dingtalk_notify_proto::message::{ActionCard, ActionCardButton, BtnOrientation, Link};
use dingtalk_notify_proto::{
    AccessToken, BaseUrl, Endpoint, HttpRequest, Message, StatusColor, SuiteSecret,
    SuiteTicket,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Msg {
    Text(String),
    Markdown(String, String),
    Image(String),
    Voice(String, u32),
    File(String),
    Link(String, String, String, String),
    Single(String, String, String, String),
    Buttons(String, String, bool, Vec<(String, String)>),
}

#[derive(Debug, Arbitrary)]
struct Input {
    base: String,
    token: String,
    agent_id: u64,
    task_id: u64,
    users: Vec<String>,
    depts: Vec<u64>,
    to_all: bool,
    msg: Msg,
    status_value: String,
    status_bg: String,
    appkey: String,
    secret: String,
    corp: String,
    timestamp: u64,
}

fn message(m: Msg) -> Message {
    match m {
        Msg::Text(t) => Message::text(t),
        Msg::Markdown(a, b) => Message::markdown(a, b),
        Msg::Image(a) => Message::image(a),
        Msg::Voice(a, d) => Message::voice(a, d),
        Msg::File(a) => Message::file(a),
        Msg::Link(message_url, pic_url, title, text) => Message::from(Link {
            message_url,
            pic_url,
            title,
            text,
        }),
        Msg::Single(a, b, c, d) => Message::from(ActionCard::single(a, b, c, d)),
        Msg::Buttons(a, b, h, list) => Message::from(ActionCard::buttons(
            a,
            b,
            if h { BtnOrientation::Horizontal } else { BtnOrientation::Vertical },
            list.into_iter().map(|(t, u)| ActionCardButton::new(t, u)).collect(),
        )),
    }
}

fn check(built: Result<HttpRequest, dingtalk_notify_proto::BuildError>) {
    match built {
        Ok(req) => {
            assert!(req.uri().path().starts_with('/'));
            if !req.body().is_empty() {
                serde_json::from_slice::<serde_json::Value>(req.body()).expect("body is JSON");
            }
        }
        Err(e) => {
            let _ = format!("{e} {e:?}");
        }
    }
}

fuzz_target!(|input: Input| {
    let base = BaseUrl::new(&input.base).unwrap_or_default();
    let token = AccessToken::new(input.token);
    let auth = &token;

    let mut send = SendWorkNotification::new(input.agent_id, message(input.msg))
        .to_users(input.users)
        .to_depts(input.depts);
    if input.to_all {
        send = send.to_all_users();
    }
    let built = send.build_request(&base, auth);
    if let Ok(req) = &built {
        // What we send, a server can read back: the same recipients and message.
        let back: SendWorkNotification =
            serde_json::from_slice(req.body()).expect("the wire form reads back");
        // (A reader trims the comma-separated ids, as DingTalk does.)
        let trimmed: Vec<&str> = send.userid_list().iter().map(|u| u.trim()).collect();
        assert_eq!(back.userid_list(), trimmed.as_slice());
        assert_eq!(back.dept_id_list(), send.dept_id_list());
        assert_eq!(back.msg(), send.msg());
    }
    check(built);

    check(GetSendProgress::new(input.agent_id, input.task_id).build_request(&base, auth));
    check(GetSendResult::new(input.agent_id, input.task_id).build_request(&base, auth));
    check(RecallWorkNotification::new(input.agent_id, input.task_id).build_request(&base, auth));
    let mut bar = UpdateStatusBar::new(input.agent_id, input.task_id, input.status_value);
    if let Ok(color) = StatusColor::parse(&input.status_bg) {
        bar = bar.status_bg(color);
    }
    check(bar.build_request(&base, auth));
    check(GetAccessToken::new(input.appkey.clone(), input.secret.clone()).build_request(&base, ()));
    if let Ok(sig) = SuiteSignature::sign(
        &input.appkey,
        &SuiteSecret::new(input.secret.clone()),
        &SuiteTicket::new(input.secret),
        input.timestamp,
    ) {
        check(GetCorpToken::new(input.corp).build_request(&base, &sig));
    }
});
