//! An unmarked request's idempotency: the core's endpoints are told apart by method and
//! path (no extension), any other endpoint carries the marker where its method would mislead.
use dingtalk_notify_proto::api::{
    GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult, RecallWorkNotification,
    SendWorkNotification, UpdateStatusBar,
};
use dingtalk_notify_proto::auth::SuiteSignature;
use dingtalk_notify_proto::transport::Idempotency;
use dingtalk_notify_proto::{AccessToken, Message, SuiteSecret, SuiteTicket};
use dingtalk_notify_proto::{BaseUrl, BuildError, Endpoint, HttpRequest};
use http::Method;

fn unmarked<E: Endpoint>(request: &HttpRequest) {
    assert!(request.extensions().is_empty(), "{}", E::PATH);
    let want = if E::IDEMPOTENT {
        Idempotency::Idempotent
    } else {
        Idempotency::NonIdempotent
    };
    assert_eq!(Idempotency::of(request), want, "{}", E::PATH);
}

#[test]
fn core_endpoints_are_told_apart_without_an_extension() {
    let token = AccessToken::new("t");
    for base in ["https://oapi.dingtalk.io", "https://gw.example.com/prefix"] {
        let base = BaseUrl::new(base).unwrap();
        let send = SendWorkNotification::new(1, Message::text("x")).to_users(["u"]);
        unmarked::<SendWorkNotification>(&send.build_request(&base, &token).unwrap());
        let r = GetSendProgress::new(1, 2)
            .build_request(&base, &token)
            .unwrap();
        unmarked::<GetSendProgress>(&r);
        let r = GetSendResult::new(1, 2)
            .build_request(&base, &token)
            .unwrap();
        unmarked::<GetSendResult>(&r);
        let r = RecallWorkNotification::new(1, 2)
            .build_request(&base, &token)
            .unwrap();
        unmarked::<RecallWorkNotification>(&r);
        let r = UpdateStatusBar::new(1, 2, "ok")
            .build_request(&base, &token)
            .unwrap();
        unmarked::<UpdateStatusBar>(&r);
        let r = GetAccessToken::new("k", "s")
            .build_request(&base, ())
            .unwrap();
        unmarked::<GetAccessToken>(&r);
        let sig = SuiteSignature::sign(
            "sk",
            &SuiteSecret::new("s"),
            &SuiteTicket::new("t"),
            1_700_000_000_000,
        )
        .unwrap();
        let r = GetCorpToken::new("corp")
            .build_request(&base, &sig)
            .unwrap();
        unmarked::<GetCorpToken>(&r);
        assert!(r.uri().to_string().starts_with(base.as_str()));
    }
}

/// An endpoint of the caller's, idempotent although it is a POST.
struct Custom;

impl Endpoint for Custom {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/custom/query";
    const IDEMPOTENT: bool = true;
    type Auth = dingtalk_notify_proto::auth::AccessTokenQuery;
    type Response = serde_json::Value;
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn query(&self) -> Vec<(&'static str, &str)> {
        vec![("lang", "zh CN")]
    }
    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        Ok(None)
    }
}

#[test]
fn other_endpoints_carry_the_marker_when_the_method_would_mislead() {
    let base = BaseUrl::new("https://oapi.dingtalk.io/p/").unwrap();
    let r = Custom
        .build_request(&base, &AccessToken::new("a b"))
        .unwrap();
    assert_eq!(
        r.extensions().get::<Idempotency>(),
        Some(&Idempotency::Idempotent)
    );
    assert_eq!(Idempotency::of(&r), Idempotency::Idempotent);
    assert_eq!(
        r.uri().to_string(),
        "https://oapi.dingtalk.io/p/topapi/custom/query?access_token=a%20b&lang=zh%20CN"
    );
    let mut unmarked = r;
    unmarked.extensions_mut().clear();
    assert_eq!(Idempotency::of(&unmarked), Idempotency::NonIdempotent);
}
