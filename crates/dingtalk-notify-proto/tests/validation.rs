//! Validation: bad arguments are refused before anything is built, with the specific
//! [`BuildError`] and a message that says what to fix.

use dingtalk_notify_proto::api::{
    GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult, RecallWorkNotification,
    RecipientLimits, SendWorkNotification, UpdateStatusBar,
};
use dingtalk_notify_proto::auth::AccessTokenQuery;
use dingtalk_notify_proto::auth::SuiteSignature;
use dingtalk_notify_proto::message::{ActionCard, BtnOrientation, Link, Oa, OaBody, OaHead};
use dingtalk_notify_proto::{
    AccessToken, BaseUrl, BuildError, Endpoint, Message, StatusColor, SuiteSecret, SuiteTicket,
};

fn build_err<E: Endpoint<Auth = AccessTokenQuery>>(endpoint: &E) -> BuildError {
    endpoint
        .build_request(&BaseUrl::default(), &AccessToken::new("tok"))
        .expect_err("must be refused")
}

fn builds<E: Endpoint<Auth = AccessTokenQuery>>(endpoint: &E) {
    if let Err(e) = endpoint.build_request(&BaseUrl::default(), &AccessToken::new("tok")) {
        panic!("should build: {e}");
    }
}

fn assert_mentions(err: &BuildError, words: &[&str]) {
    let text = err.to_string();
    for w in words {
        assert!(text.contains(w), "{text:?} should mention {w:?}");
    }
}

fn users(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user{i}")).collect()
}

fn send_to_users(n: usize) -> SendWorkNotification {
    SendWorkNotification::new(1, Message::text("hi")).to_users(users(n))
}

fn send_to_depts(n: usize) -> SendWorkNotification {
    SendWorkNotification::new(1, Message::text("hi")).to_depts(1..=n as u64)
}

// ---- status_value and status_bg -----------------------------------------------------------

#[test]
fn empty_or_blank_status_value() {
    for value in ["", "   ", "\t\n"] {
        let err = build_err(&UpdateStatusBar::new(123, 1111, value));
        assert_eq!(
            err,
            BuildError::EmptyField {
                field: "status_value"
            },
            "{value:?}"
        );
        assert_mentions(&err, &["status_value", "must not be empty"]);
    }
}

#[test]
fn status_bg_accepted_forms_normalise() {
    for (input, want) in [
        ("0xFFF65E5E", 0xFFF6_5E5E),
        ("0xfff65e5e", 0xFFF6_5E5E),
        ("0x80F65E5E", 0x80F6_5E5E),
        ("FFF65E5E", 0xFFF6_5E5E),
        ("#F65E5E", 0xFFF6_5E5E),
        ("#f65e5e", 0xFFF6_5E5E),
        ("F65E5E", 0xFFF6_5E5E),
        (" #F65E5E ", 0xFFF6_5E5E),
    ] {
        let color = StatusColor::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(color.argb(), want, "{input}");
        assert_eq!(color, input.parse::<StatusColor>().expect("FromStr agrees"));
    }
    let six: StatusColor = "F65E5E".parse().expect("parses");
    assert_eq!(six.to_string(), "0xFFF65E5E");
    assert_eq!(six.head_bgcolor(), "FFF65E5E");
    assert_eq!(format!("{six:?}"), "StatusColor(0xFFF65E5E)");
}

#[test]
fn status_bg_refused_forms() {
    for input in [
        "",
        "red",
        "0x",
        "#",
        "0xF65E5E",
        "#F65E5",
        "F65E5",
        "0xFFF65E5E00",
        "0xGGF65E5E",
        "+F65E5E",
        "0x-F65E5E",
        "rgb(1,2,3)",
        "中中中中中中",
    ] {
        let err = StatusColor::parse(input).expect_err(input);
        assert_eq!(
            err,
            BuildError::InvalidStatusColor {
                input: input.to_owned()
            },
            "{input:?}"
        );
        assert_mentions(&err, &["0xAARRGGBB", "#RRGGBB"]);
    }
}

#[test]
fn status_bg_error_cuts_a_long_input() {
    let long = "x".repeat(1000);
    match StatusColor::parse(&long).expect_err("refused") {
        BuildError::InvalidStatusColor { input } => assert_eq!(input.len(), 64),
        other => panic!("{other:?}"),
    }
}

#[test]
fn status_bg_deserialize_validates() {
    assert!(serde_json::from_str::<StatusColor>(r#""0xFF78C06E""#).is_ok());
    assert!(serde_json::from_str::<StatusColor>(r#""green""#).is_err());
}

// ---- ids ----------------------------------------------------------------------------------

#[test]
fn zero_agent_id() {
    let cases = [
        build_err(&GetSendProgress::new(0, 1)),
        build_err(&GetSendResult::new(0, 1)),
        build_err(&UpdateStatusBar::new(0, 1, "x")),
        build_err(&RecallWorkNotification::new(0, 1)),
        build_err(&SendWorkNotification::new(0, Message::text("x")).to_users(["u"])),
    ];
    for err in cases {
        assert_eq!(err, BuildError::ZeroId { field: "agent_id" });
        assert_mentions(&err, &["agent_id", "must not be 0", "developer console"]);
    }
}

#[test]
fn zero_task_id() {
    for err in [
        build_err(&GetSendProgress::new(1, 0)),
        build_err(&GetSendResult::new(1, 0)),
        build_err(&UpdateStatusBar::new(1, 0, "x")),
    ] {
        assert_eq!(err, BuildError::ZeroId { field: "task_id" });
        assert_mentions(&err, &["task_id", "must not be 0"]);
    }
    let err = build_err(&RecallWorkNotification::new(1, 0));
    assert_eq!(
        err,
        BuildError::ZeroId {
            field: "msg_task_id"
        }
    );
    assert_mentions(&err, &["msg_task_id"]);
}

// ---- recipients ---------------------------------------------------------------------------

#[test]
fn send_with_no_recipients() {
    let err = build_err(&SendWorkNotification::new(1, Message::text("hi")));
    assert_eq!(err, BuildError::NoRecipients);
    assert_mentions(
        &err,
        &["no recipients", "user id", "department id", "all users"],
    );
}

// The current asyncsend_v2 page: `userid_list` at most 100 ids and `dept_id_list` at most
// 20 per call (current-reference.md); the older TOP page said 5,000 and 500.

#[test]
fn users_over_the_internal_default() {
    builds(&send_to_users(100));
    let err = build_err(&send_to_users(101));
    assert_eq!(
        err,
        BuildError::TooManyRecipients {
            kind: "users",
            count: 101,
            limit: 100
        }
    );
    // The message says how to split it, and how to opt into the old limits.
    assert_mentions(
        &err,
        &[
            "users",
            "101",
            "at most 100",
            "split",
            "RecipientLimits::LEGACY",
            "nothing was sent",
        ],
    );
}

#[test]
fn users_over_the_isv_limit() {
    builds(&send_to_users(100).limits(RecipientLimits::ISV));
    let err = build_err(&send_to_users(101).limits(RecipientLimits::ISV));
    assert_eq!(
        err,
        BuildError::TooManyRecipients {
            kind: "users",
            count: 101,
            limit: 100
        }
    );
    assert_mentions(&err, &["101", "100"]);
}

#[test]
fn departments_over_the_default() {
    builds(&send_to_depts(20));
    let err = build_err(&send_to_depts(21));
    assert_eq!(
        err,
        BuildError::TooManyRecipients {
            kind: "departments",
            count: 21,
            limit: 20
        }
    );
    assert_mentions(
        &err,
        &[
            "departments",
            "21",
            "20",
            "split",
            "RecipientLimits::LEGACY",
        ],
    );
}

#[test]
fn the_legacy_presets_keep_the_old_limits() {
    builds(&send_to_users(5000).limits(RecipientLimits::LEGACY));
    builds(&send_to_depts(500).limits(RecipientLimits::LEGACY));
    assert!(matches!(
        build_err(&send_to_users(5001).limits(RecipientLimits::LEGACY)),
        BuildError::TooManyRecipients {
            count: 5001,
            limit: 5000,
            ..
        }
    ));
    assert!(matches!(
        build_err(&send_to_depts(501).limits(RecipientLimits::LEGACY)),
        BuildError::TooManyRecipients {
            count: 501,
            limit: 500,
            ..
        }
    ));
    builds(&send_to_users(1000).limits(RecipientLimits::LEGACY_ISV));
    assert!(matches!(
        build_err(&send_to_users(1001).limits(RecipientLimits::LEGACY_ISV)),
        BuildError::TooManyRecipients {
            count: 1001,
            limit: 1000,
            ..
        }
    ));
    let isv_to_all = SendWorkNotification::new(1, Message::text("hi"))
        .to_all_users()
        .limits(RecipientLimits::LEGACY_ISV);
    assert_eq!(build_err(&isv_to_all), BuildError::ToAllUserNotAllowed);
}

#[test]
fn custom_limits() {
    let limits = RecipientLimits {
        max_users: 2,
        max_depts: 1,
        allow_to_all_user: true,
    };
    builds(&send_to_users(2).limits(limits));
    assert_eq!(
        build_err(&send_to_users(3).limits(limits)),
        BuildError::TooManyRecipients {
            kind: "users",
            count: 3,
            limit: 2
        }
    );
    assert_eq!(
        build_err(&send_to_depts(2).limits(limits)),
        BuildError::TooManyRecipients {
            kind: "departments",
            count: 2,
            limit: 1
        }
    );
    // Looser than the defaults is allowed too (some accounts have other figures).
    let loose = RecipientLimits {
        max_users: 10_000,
        ..RecipientLimits::INTERNAL
    };
    builds(&send_to_users(6000).limits(loose));
    assert_eq!(send_to_users(1).limits(loose).recipient_limits(), loose);
}

#[test]
fn limits_defaults() {
    assert_eq!(RecipientLimits::default(), RecipientLimits::INTERNAL);
    assert_eq!(
        RecipientLimits::INTERNAL,
        RecipientLimits {
            max_users: 100,
            max_depts: 20,
            allow_to_all_user: true,
        }
    );
    assert_eq!(
        RecipientLimits::ISV,
        RecipientLimits {
            max_users: 100,
            max_depts: 20,
            allow_to_all_user: false,
        }
    );
    assert_eq!(
        RecipientLimits::LEGACY,
        RecipientLimits {
            max_users: 5000,
            max_depts: 500,
            allow_to_all_user: true,
        }
    );
    assert_eq!(
        RecipientLimits::LEGACY_ISV,
        RecipientLimits {
            max_users: 1000,
            max_depts: 500,
            allow_to_all_user: false,
        }
    );
    assert_eq!(
        send_to_users(1).recipient_limits(),
        RecipientLimits::INTERNAL
    );
}

#[test]
fn isv_with_to_all_user() {
    let send = SendWorkNotification::new(1, Message::text("hi"))
        .to_all_users()
        .limits(RecipientLimits::ISV);
    let err = build_err(&send);
    assert_eq!(err, BuildError::ToAllUserNotAllowed);
    assert_mentions(&err, &["ISV", "all users", "list the recipients"]);
    builds(&SendWorkNotification::new(1, Message::text("hi")).to_all_users());
}

#[test]
fn user_id_with_a_comma() {
    let err =
        build_err(&SendWorkNotification::new(1, Message::text("hi")).to_users(["ok", "bad,id"]));
    assert_eq!(
        err,
        BuildError::InvalidValue {
            field: "userid_list",
            value: "bad,id".to_owned(),
            reason: "a user id cannot contain a comma (the list is comma-separated)",
        }
    );
    assert_mentions(&err, &["userid_list", "bad,id", "comma"]);
}

#[test]
fn blank_user_id() {
    let err = build_err(&SendWorkNotification::new(1, Message::text("hi")).to_users(["u", " "]));
    assert_eq!(
        err,
        BuildError::EmptyField {
            field: "userid_list[]"
        }
    );
}

// ---- message bodies -----------------------------------------------------------------------

#[test]
fn empty_text_body() {
    for content in ["", "  "] {
        let err = build_err(&SendWorkNotification::new(1, Message::text(content)).to_users(["u"]));
        assert_eq!(
            err,
            BuildError::EmptyField {
                field: "msg.text.content"
            }
        );
        assert_mentions(&err, &["msg.text.content", "must not be empty"]);
    }
}

#[test]
fn empty_markdown_body_or_title() {
    let send = |m: Message| SendWorkNotification::new(1, m).to_users(["u"]);
    assert_eq!(
        build_err(&send(Message::markdown("Title", ""))),
        BuildError::EmptyField {
            field: "msg.markdown.text"
        }
    );
    assert_eq!(
        build_err(&send(Message::markdown("", "text"))),
        BuildError::EmptyField {
            field: "msg.markdown.title"
        }
    );
}

#[test]
fn other_empty_message_fields() {
    let send = |m: Message| SendWorkNotification::new(1, m).to_users(["u"]);
    let head = || OaHead::new(StatusColor::from_argb(0xFF00_0000), "App");
    let cases: Vec<(Message, &str)> = vec![
        (Message::image(""), "msg.image.media_id"),
        (Message::voice("", 3), "msg.voice.media_id"),
        (Message::file(""), "msg.file.media_id"),
        (
            Message::from(Link {
                message_url: String::new(),
                pic_url: "p".into(),
                title: "t".into(),
                text: "x".into(),
            }),
            "msg.link.messageUrl",
        ),
        (
            Message::from(ActionCard::single("", "m", "b", "u")),
            "msg.action_card.title",
        ),
        (
            Message::from(ActionCard::single("t", "m", "b", "")),
            "msg.action_card.single_url",
        ),
        (
            Message::from(ActionCard::buttons(
                "t",
                "m",
                BtnOrientation::Vertical,
                vec![],
            )),
            "msg.action_card.btn_json_list",
        ),
        (
            Message::from(Oa::new(
                "",
                head(),
                OaBody {
                    title: Some("t".into()),
                    ..OaBody::default()
                },
            )),
            "msg.oa.message_url",
        ),
        (
            Message::from(Oa::new("https://e", head(), OaBody::default())),
            "msg.oa.body",
        ),
        (
            Message::from(
                Oa::new(
                    "https://e",
                    head(),
                    OaBody {
                        title: Some("t".into()),
                        ..OaBody::default()
                    },
                )
                .status_bar(" ", None),
            ),
            "msg.oa.status_bar.status_value",
        ),
    ];
    for (msg, field) in cases {
        assert_eq!(build_err(&send(msg)), BuildError::EmptyField { field });
    }
}

// ---- credentials --------------------------------------------------------------------------

#[test]
fn empty_credentials() {
    let base = BaseUrl::default();
    let err = GetAccessToken::new("", "s")
        .build_request(&base, ())
        .expect_err("key");
    assert_eq!(err, BuildError::EmptyField { field: "appkey" });
    let err = GetAccessToken::new("k", "")
        .build_request(&base, ())
        .expect_err("secret");
    assert_eq!(err, BuildError::EmptyField { field: "appsecret" });

    let err = GetSendProgress::new(1, 2)
        .build_request(&base, &AccessToken::new(""))
        .expect_err("empty token");
    assert_eq!(
        err,
        BuildError::EmptyField {
            field: "access_token"
        }
    );

    let secret = SuiteSecret::new("s");
    let ticket = SuiteTicket::new("t");
    assert_eq!(
        SuiteSignature::sign("", &secret, &ticket, 1).expect_err("key"),
        BuildError::EmptyField { field: "accessKey" }
    );
    assert_eq!(
        SuiteSignature::sign("k", &SuiteSecret::new(""), &ticket, 1).expect_err("secret"),
        BuildError::EmptyField {
            field: "suite_secret"
        }
    );
    assert_eq!(
        SuiteSignature::sign("k", &secret, &SuiteTicket::new(""), 1).expect_err("ticket"),
        BuildError::EmptyField {
            field: "suiteTicket"
        }
    );
    let sig = SuiteSignature::sign("k", &secret, &ticket, 1).expect("signs");
    let err = GetCorpToken::new(" ")
        .build_request(&base, &sig)
        .expect_err("corp");
    assert_eq!(
        err,
        BuildError::EmptyField {
            field: "auth_corpid"
        }
    );
}

// ---- base URLs ----------------------------------------------------------------------------

#[test]
fn invalid_base_urls() {
    for bad in [
        "",
        "oapi.dingtalk.io",
        "/relative",
        "ftp://oapi.dingtalk.io",
        "https://oapi.dingtalk.io/?a=b",
        "https://oapi.dingtalk.io/#frag",
        "https://user:pw@oapi.dingtalk.io",
    ] {
        let err = BaseUrl::new(bad).expect_err(bad);
        assert!(
            matches!(err, BuildError::InvalidBaseUrl { .. }),
            "{bad}: {err:?}"
        );
        assert!(err.to_string().starts_with("invalid base URL"), "{err}");
    }
    let err = BaseUrl::new("http://oapi.dingtalk.io").expect_err("plain http");
    assert_eq!(
        err,
        BuildError::InsecureBaseUrl {
            host: "oapi.dingtalk.io".to_owned()
        }
    );
    assert_mentions(
        &err,
        &["http://", "loopback", "oapi.dingtalk.io", "https://"],
    );
}

#[test]
fn nothing_is_built_when_validation_fails() {
    // The error comes from validation even when the body would serialize fine.
    let send = SendWorkNotification::new(1, Message::text("")).to_users(["u"]);
    assert!(matches!(build_err(&send), BuildError::EmptyField { .. }));
    assert!(send.validate().is_err());
    assert!(send_to_users(1).validate().is_ok());
}

#[test]
fn to_all_user_with_recipients_is_refused() {
    // DingTalk ignores the lists under to_all_user: the whole organisation would get it.
    for send in [
        SendWorkNotification::new(1, Message::text("hi"))
            .to_all_users()
            .to_users(["alice"]),
        SendWorkNotification::new(1, Message::text("hi"))
            .to_depts([2])
            .to_all_users(),
    ] {
        let err = build_err(&send);
        assert!(
            matches!(
                err,
                BuildError::InvalidValue {
                    field: "to_all_user",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_mentions(&err, &["whole organisation", "user or department"]);
    }
}
