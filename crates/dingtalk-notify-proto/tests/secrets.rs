//! Secrets never print: not through their own `Debug`/`Display`, not through any request type,
//! and not through any error a call with them can produce, even when a server echoes the
//! request URI or an answer carries a token.

use dingtalk_notify_proto::api::{
    AccessTokenResponse, GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult,
    RecallWorkNotification, SendWorkNotification, UpdateStatusBar,
};
use dingtalk_notify_proto::auth::SuiteSignature;
use dingtalk_notify_proto::{
    AccessToken, AppSecret, AuthInput, BaseUrl, BuildError, Endpoint, Error, HttpRequest,
    HttpResponse, Message, ResponseError, SuiteSecret, SuiteTicket, transport,
};

const TOKEN: &str = "SECRET-TOKEN-123";
const APP_SECRET: &str = "SECRET-APP-456";
const SUITE_SECRET: &str = "SECRET-SUITE-789";
const TICKET: &str = "SECRET-TICKET-000";

fn signature() -> SuiteSignature {
    SuiteSignature::sign(
        "suitekey",
        &SuiteSecret::new(SUITE_SECRET),
        &SuiteTicket::new(TICKET),
        1_700_000_000_000,
    )
    .expect("signs")
}

/// Every secret text, including the signature in its raw and URL-encoded forms.
fn secret_texts() -> Vec<String> {
    let sig = signature().signature().to_owned();
    let encoded = sig
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    vec![
        TOKEN.to_owned(),
        APP_SECRET.to_owned(),
        SUITE_SECRET.to_owned(),
        TICKET.to_owned(),
        sig,
        encoded,
    ]
}

fn assert_hidden(what: &str, text: &str) {
    for secret in secret_texts() {
        assert!(!text.contains(&secret), "{what} shows {secret:?}: {text}");
    }
}

fn assert_error_hidden<E: std::fmt::Display + std::fmt::Debug>(what: &str, e: &E) {
    assert_hidden(&format!("{what} (Display)"), &format!("{e}"));
    assert_hidden(&format!("{what} (Debug)"), &format!("{e:?}"));
    assert_hidden(&format!("{what} (alternate Debug)"), &format!("{e:#?}"));
}

/// Bodies a server or gateway might answer with, given the request: some echo the request
/// URI (with the token or secrets in its query), some carry a token.
fn bad_answers(req: &HttpRequest) -> Vec<(u16, String)> {
    let uri = req.uri().to_string();
    let query = req.uri().query().unwrap_or_default().to_owned();
    vec![
        (
            200,
            format!(
                r#"{{"errcode":40014,"errmsg":"invalid access_token","request_id":"r1","url":"{uri}"}}"#
            ),
        ),
        (
            200,
            format!(r#"{{"errcode":41,"errmsg":"Invalid arguments: {query}"}}"#),
        ),
        (
            200,
            format!(
                r#"{{"errcode":88,"errmsg":"bad","sub_code":"x","sub_msg":"request {uri} refused"}}"#
            ),
        ),
        (
            404,
            format!(
                "<html><body><h1>Not Found</h1><p>{} {uri}</p></body></html>",
                req.method()
            ),
        ),
        (502, format!("<html>bad gateway for {uri}\r\n</html>")),
        (200, format!("Cannot {} {uri}", req.method())),
        (
            200,
            format!(r#"{{"errcode":0,"echo":{{"query":"{query}"}}}}"#),
        ),
        (
            200,
            format!(r#"{{"errcode":0,"access_token":"{TOKEN}","expires_in":"soon"}}"#),
        ),
        (
            200,
            format!(r#"{{"errcode":0,"access_token":"{TOKEN}","expires_in":-5}}"#),
        ),
        (
            500,
            format!(r#"{{"access_token": "{TOKEN}", "appsecret": "{APP_SECRET}"}}"#),
        ),
        (
            200,
            format!(
                r#"{{"errcode":0,"data":{{"accessToken":"{TOKEN}","suiteTicket":"{TICKET}"}}}}"#
            ),
        ),
        (
            200,
            format!(r#"{{"errcode":0,"access_token":"{TOKEN}","expires_in":7200"#),
        ),
        (
            200,
            format!(r#"{{"status":1111,"wait":5,"punish":"deny","uri":"{uri}"}}"#),
        ),
        (
            200,
            format!(r#"{{"errcode":0,"quoted":"{{\"access_token\":\"{TOKEN}\"}}"}}"#),
        ),
    ]
}

/// Runs `endpoint` against every bad answer and checks no error shows a secret.
fn check_endpoint<E: Endpoint>(name: &str, endpoint: &E, auth: AuthInput<'_, E>) {
    let base = BaseUrl::default();
    let req = endpoint.build_request(&base, auth).expect("builds");
    for (status, body) in bad_answers(&req) {
        let transport = |_req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
            Ok(http::Response::builder()
                .status(status)
                .body(body.clone().into_bytes())
                .expect("a valid response"))
        };
        match transport::execute(&transport, &base, auth, endpoint) {
            Ok(_) => {}
            Err(e) => {
                let what = format!("{name} answered {status} {body:?}");
                assert_error_hidden(&what, &e);
                if let Error::Response(r) = &e {
                    assert_error_hidden(&what, r);
                    if let Some(api) = r.api() {
                        assert_error_hidden(&what, api);
                    }
                }
            }
        }
    }
}

#[test]
fn secret_types_hide_their_values() {
    let token = AccessToken::new(TOKEN);
    let app = AppSecret::new(APP_SECRET);
    let suite = SuiteSecret::new(SUITE_SECRET);
    let ticket = SuiteTicket::new(TICKET);
    assert_eq!(format!("{token:?}"), "AccessToken { .. }");
    assert_eq!(format!("{app:?}"), "AppSecret { .. }");
    assert_eq!(format!("{suite:?}"), "SuiteSecret { .. }");
    assert_eq!(format!("{ticket:?}"), "SuiteTicket { .. }");
    for shown in [
        format!("{token} {token:#?}"),
        format!("{app} {app:#?}"),
        format!("{suite} {suite:#?}"),
        format!("{ticket} {ticket:#?}"),
    ] {
        assert!(shown.contains("[redacted]"), "{shown}");
        assert_hidden("a secret type", &shown);
    }
    // The value is still there for the wire.
    assert_eq!(token.expose_secret(), TOKEN);
    assert_eq!(app.expose_secret(), APP_SECRET);
    assert_eq!(suite.expose_secret(), SUITE_SECRET);
    assert_eq!(ticket.expose_secret(), TICKET);
}

#[test]
fn suite_signature_debug_hides_ticket_and_signature() {
    let sig = signature();
    let shown = format!("{sig:?} {sig:#?}");
    assert_hidden("SuiteSignature", &shown);
    assert!(
        shown.contains("suitekey") && shown.contains("1700000000000"),
        "{shown}"
    );
}

#[test]
fn requests_and_answers_hide_their_secrets_in_debug() {
    let token = AccessToken::new(TOKEN);
    assert_hidden("AccessToken", &format!("{:?}", &token));
    assert_hidden(
        "GetAccessToken",
        &format!("{:?}", GetAccessToken::new("appkey", APP_SECRET)),
    );
    let answer = GetAccessToken::parse_response(http::Response::new(format!(
        r#"{{"errcode":0,"access_token":"{TOKEN}","expires_in":7200}}"#
    )))
    .expect("parses");
    assert_eq!(answer.access_token.expose_secret(), TOKEN);
    assert_hidden("AccessTokenResponse", &format!("{answer:?}"));
    let _: &AccessTokenResponse = &answer;
}

#[test]
fn build_errors_never_show_secrets() {
    let base = BaseUrl::default();
    let token = AccessToken::new(TOKEN);
    let sig = signature();
    let auth = &token;
    let errors: Vec<BuildError> = vec![
        GetSendProgress::new(0, 1)
            .build_request(&base, auth)
            .expect_err("zero agent"),
        GetSendResult::new(1, 0)
            .build_request(&base, auth)
            .expect_err("zero task"),
        UpdateStatusBar::new(1, 2, " ")
            .build_request(&base, auth)
            .expect_err("empty value"),
        RecallWorkNotification::new(1, 0)
            .build_request(&base, auth)
            .expect_err("zero task"),
        SendWorkNotification::new(1, Message::text("x"))
            .build_request(&base, auth)
            .expect_err("no recipients"),
        GetAccessToken::new("", APP_SECRET)
            .build_request(&base, ())
            .expect_err("no key"),
        GetCorpToken::new("")
            .build_request(&base, &sig)
            .expect_err("no corp"),
        SuiteSignature::sign(
            "",
            &SuiteSecret::new(SUITE_SECRET),
            &SuiteTicket::new(TICKET),
            1,
        )
        .expect_err("no key"),
        BaseUrl::new(&format!("https://user:{TOKEN}@gw.example.com")).expect_err("credentials"),
        BaseUrl::new(&format!("https://user:{TOKEN}@gw example.com")).expect_err("junk"),
        BaseUrl::new(&format!("https://{APP_SECRET}:x@gw.example.com/p")).expect_err("credentials"),
    ];
    for e in errors {
        assert_error_hidden("a build error", &e);
        let wrapped: Error<std::io::Error> = Error::Build(e);
        assert_error_hidden("Error::Build", &wrapped);
    }
}

#[test]
fn response_errors_of_every_endpoint_never_show_secrets() {
    let token = AccessToken::new(TOKEN);
    let sig = signature();
    let auth = &token;
    check_endpoint("gettoken", &GetAccessToken::new("appkey", APP_SECRET), ());
    check_endpoint("get_corp_token", &GetCorpToken::new("ding_corp"), &sig);
    check_endpoint(
        "asyncsend_v2",
        &SendWorkNotification::new(1, Message::text("x")).to_users(["u"]),
        auth,
    );
    check_endpoint("getsendprogress", &GetSendProgress::new(1, 2), auth);
    check_endpoint("getsendresult", &GetSendResult::new(1, 2), auth);
    check_endpoint(
        "status_bar/update",
        &UpdateStatusBar::new(1, 2, "Done"),
        auth,
    );
    check_endpoint("recall", &RecallWorkNotification::new(1, 2), auth);
}

#[test]
fn the_redaction_really_ran() {
    // The checks above must not pass by accident: the answers do carry the secrets, and the
    // errors still show the rest of the body.
    let token = AccessToken::new(TOKEN);
    let base = BaseUrl::default();
    let endpoint = GetSendProgress::new(1, 2);
    let req = endpoint.build_request(&base, &token).expect("builds");
    let html = format!("<html>bad gateway for {}</html>", req.uri());
    assert!(html.contains(TOKEN));
    let err = GetSendProgress::parse_response(
        http::Response::builder()
            .status(502)
            .body(html.clone())
            .expect("response"),
    )
    .expect_err("a status error");
    let text = err.to_string();
    assert!(
        text.contains("bad gateway for https://oapi.dingtalk.io"),
        "{text}"
    );
    assert!(text.contains("access_token=[redacted]"), "{text}");
    assert_hidden("the 502", &text);
    match err {
        ResponseError::Status { body, .. } => {
            assert_eq!(body.as_bytes(), html.as_bytes(), "the raw bytes stay whole")
        }
        other => panic!("{other:?}"),
    }

    let body = format!(r#"{{"errcode":0,"access_token":"{TOKEN}","expires_in":"soon"}}"#);
    let err = GetAccessToken::parse_response(http::Response::new(body)).expect_err("decode");
    let text = err.to_string();
    assert!(
        text.contains(r#"\"access_token\":\"[redacted]\""#),
        "{text}"
    );
    assert!(text.contains("expires_in"), "{text}");
    assert_hidden("the token answer", &text);
}

#[test]
fn other_error_variants_never_show_secrets() {
    let token = AccessToken::new(TOKEN);
    let transport = |_req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        ))
    };
    let e = transport::execute(
        &transport,
        &BaseUrl::default(),
        &token,
        &GetSendProgress::new(1, 2),
    )
    .expect_err("the transport fails");
    assert_error_hidden("Error::Transport", &e);
}

#[test]
fn redaction_forms_in_shown_bodies() {
    use dingtalk_notify_proto::RawBody;
    for (body, shown) in [
        (
            "GET /x?access_token=abc&agent=1",
            "GET /x?access_token=[redacted]&agent=1",
        ),
        (
            "/gettoken?appkey=k&appsecret=s3cr3t",
            "/gettoken?appkey=k&appsecret=[redacted]",
        ),
        (
            r#"{"access_token": "abc", "n": 1}"#,
            r#"{"access_token": "[redacted]", "n": 1}"#,
        ),
        (
            r#"{"accessToken":"abc"}"#,
            r#"{"accessToken":"[redacted]"}"#,
        ),
        ("ACCESS_TOKEN=abc def", "ACCESS_TOKEN=[redacted] def"),
        (
            r#"{"suiteTicket":"t","signature":"a%2Bb"}"#,
            r#"{"suiteTicket":"[redacted]","signature":"[redacted]"}"#,
        ),
        (
            r#"{"s":"{\"access_token\":\"abc\"}"}"#,
            r#"{"s":"{\"access_token\":\"[redacted]\"}"}"#,
        ),
        (
            "signature verification failed",
            "signature verification failed",
        ),
        ("an access_token is required", "an access_token is required"),
        ("access_token=", "access_token="),
    ] {
        assert_eq!(
            RawBody::new(body).to_string(),
            format!("{shown:?}"),
            "{body}"
        );
    }
    // The bytes themselves are untouched.
    assert_eq!(
        RawBody::new("access_token=abc").as_bytes(),
        b"access_token=abc"
    );
}

#[test]
fn base_url_errors_redact_credentials_but_keep_the_rest() {
    let err = BaseUrl::new("https://user:pw@gw.example.com/dingtalk").expect_err("credentials");
    assert_eq!(
        err,
        BuildError::InvalidBaseUrl {
            input: "https://[redacted]@gw.example.com/dingtalk".to_owned(),
            reason: "credentials do not belong in a base URL",
        }
    );
    let err = BaseUrl::new("https://gw.example.com/?access_token=abc").expect_err("query");
    assert!(
        matches!(&err, BuildError::InvalidBaseUrl { input, .. } if input == "https://gw.example.com/?access_token=[redacted]"),
        "{err:?}"
    );
}
