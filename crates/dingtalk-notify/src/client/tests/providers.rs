//! Token providers, static tokens, ISV clients, and secrets echoed back by a server.

use super::*;

struct Store {
    gets: AtomicUsize,
    invalidated: Mutex<Vec<String>>,
}

impl dingtalk_notify_proto::TokenProvider for Store {
    fn token(
        &self,
    ) -> Result<dingtalk_notify_proto::token::ProvidedToken, Box<dyn std::error::Error + Send + Sync>>
    {
        let n = self.gets.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(dingtalk_notify_proto::token::ProvidedToken {
            token: AccessToken::new(format!("shared{n}")),
            expires_in: Some(Duration::from_secs(3600)),
        })
    }
    fn invalidate(&self, token: &AccessToken) {
        self.invalidated
            .lock()
            .unwrap()
            .push(token.expose_secret().to_owned());
    }
}

#[test]
fn a_provider_is_cached_and_told_of_rejections() {
    let store = Arc::new(Store {
        gets: AtomicUsize::new(0),
        invalidated: Mutex::new(Vec::new()),
    });
    struct Shared(Arc<Store>);
    impl dingtalk_notify_proto::TokenProvider for Shared {
        fn token(
            &self,
        ) -> Result<
            dingtalk_notify_proto::token::ProvidedToken,
            Box<dyn std::error::Error + Send + Sync>,
        > {
            self.0.token()
        }
        fn invalidate(&self, token: &AccessToken) {
            self.0.invalidate(token);
        }
    }
    let fake = Arc::new(Fake::default());
    fake.script
        .lock()
        .unwrap()
        .push_back(Ok(r#"{"errcode":40014,"errmsg":"invalid"}"#));
    let client = Client::builder(TokenSource::provider(Shared(Arc::clone(&store))))
        .clock(VirtualClock::new())
        .build(FakeRef(Arc::clone(&fake)));
    client.progress(&task()).unwrap();
    client.progress(&task()).unwrap();
    assert_eq!(store.gets.load(Ordering::SeqCst), 2);
    assert_eq!(*store.invalidated.lock().unwrap(), ["shared1"]);
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 0);
}

#[test]
fn a_static_token_is_never_fetched_nor_replayed() {
    let fake = Arc::new(Fake::default());
    fake.script
        .lock()
        .unwrap()
        .push_back(Ok(r#"{"errcode":40014,"errmsg":"invalid"}"#));
    let client =
        Client::builder(TokenSource::static_token("fixed")).build(FakeRef(Arc::clone(&fake)));
    let err = client.progress(&task()).unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::INVALID_ACCESS_TOKEN));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 0);
}

#[test]
fn isv_clients_sign_and_apply_isv_limits() {
    let fake = Arc::new(Fake::default());
    let client = Client::builder(TokenSource::isv("suite", "SUITESECRET", "TICKET", "corp"))
        .clock(VirtualClock::starting_at(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        ))
        .build(FakeRef(Arc::clone(&fake)));
    let err = client
        .send(&SendWorkNotification::new(1, Message::text("hi")).to_all_users())
        .unwrap_err();
    assert!(matches!(err, Error::Build(BuildError::ToAllUserNotAllowed)));
    let many = (0..101).map(|i| format!("u{i}"));
    let err = client
        .send(&SendWorkNotification::new(1, Message::text("hi")).to_users(many))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Build(BuildError::TooManyRecipients { limit: 100, .. })
    ));
    client.send(&send_req()).unwrap();
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
}

#[test]
fn echoed_secrets_are_scrubbed_from_errors() {
    let echo = "<html>404: /topapi/x?access_token=tok1 not found (tok1)</html>";
    let (client, _, _) = setup(vec![Ok(echo)]);
    let err = client.send(&send_req()).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("tok1"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");

    let api = r#"{"errcode":40056,"errmsg":"bad agent for token tok1","sub_msg":"tok1"}"#;
    let (client, _, _) = setup(vec![Ok(api)]);
    let err = client.send(&send_req()).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("tok1"));

    let top = r#"{"error_response":{"code":50,"msg":"bad tok1","sub_msg":"tok1 echoed"}}"#;
    let (client, _, _) = setup(vec![Ok(top)]);
    let err = client.send(&send_req()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Response(dingtalk_notify_proto::ResponseError::Top(_))
        ),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("tok1"), "{err}");
}

#[test]
fn client_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Client<FakeRef>>();
}
