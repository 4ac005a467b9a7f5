//! Every message type serializes exactly as DingTalk expects, inside the send body as a JSON
//! object, and reads back from that wire form (the simulator deserializes sends).

use dingtalk_notify_proto::api::SendWorkNotification;
use dingtalk_notify_proto::message::{
    ActionCard, ActionCardButton, BtnOrientation, Link, Oa, OaBody, OaForm, OaHead, OaRich,
};
use dingtalk_notify_proto::{AccessToken, BaseUrl, DeptId, Endpoint, Message, StatusColor};
use serde_json::{Value, json};

fn wire(msg: &Message) -> Value {
    serde_json::to_value(msg).expect("serializes")
}

/// The message as it appears inside a built send body.
fn msg_in_send_body(msg: Message) -> Value {
    let req = SendWorkNotification::new(836390886, msg)
        .to_users(["manager4220"])
        .build_request(&BaseUrl::default(), &AccessToken::new("tok"))
        .expect("builds");
    let body: Value = serde_json::from_slice(req.body()).expect("JSON body");
    body["msg"].clone()
}

/// Serializes, checks the wire form, and reads it back to an equal message.
fn assert_wire(msg: Message, expected: Value) {
    assert_eq!(wire(&msg), expected);
    assert_eq!(
        msg_in_send_body(msg.clone()),
        expected,
        "inside the send body"
    );
    let back: Message = serde_json::from_value(expected).expect("reads back");
    assert_eq!(back, msg);
}

fn oa_sample() -> Oa {
    Oa::new(
        "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fexample.com",
        OaHead::new(StatusColor::from_argb(0xFFBB_BBBB), "Approvals"),
        OaBody {
            title: Some("Leave request".to_owned()),
            form: vec![OaForm::new("Name:", "Zhang San"), OaForm::new("Days:", "3")],
            rich: Some(OaRich {
                num: "15.6".to_owned(),
                unit: "CNY".to_owned(),
            }),
            content: Some("Family trip".to_owned()),
            image: Some("@lADOADmaWMzazQKA".to_owned()),
            file_count: Some("3".to_owned()),
            author: Some("Li Si".to_owned()),
        },
    )
    .pc_message_url("https://example.com/pc")
    .status_bar("Pending", Some("#FF9900".parse().expect("colour")))
}

#[test]
fn text() {
    assert_wire(
        Message::text("Disk 91% on db-3"),
        json!({"msgtype": "text", "text": {"content": "Disk 91% on db-3"}}),
    );
}

#[test]
fn image() {
    assert_wire(
        Message::image("@lADOADmaWMzazQKA"),
        json!({"msgtype": "image", "image": {"media_id": "@lADOADmaWMzazQKA"}}),
    );
}

#[test]
fn voice_duration_is_a_string() {
    let msg = Message::voice("@lATOADmaWM4", 10);
    assert_wire(
        msg.clone(),
        json!({"msgtype": "voice", "voice": {"media_id": "@lATOADmaWM4", "duration": "10"}}),
    );
    assert!(wire(&msg)["voice"]["duration"].is_string());
    // A duration sent as a number is read too.
    let back: Message = serde_json::from_value(
        json!({"msgtype": "voice", "voice": {"media_id": "@lATOADmaWM4", "duration": 10}}),
    )
    .expect("reads a numeric duration");
    assert_eq!(back, msg);
}

#[test]
fn file() {
    assert_wire(
        Message::file("@lAjPDeC2uGvX"),
        json!({"msgtype": "file", "file": {"media_id": "@lAjPDeC2uGvX"}}),
    );
}

#[test]
fn link_uses_camel_case_keys() {
    let msg = Message::from(Link {
        message_url: "https://example.com/a".to_owned(),
        pic_url: "@lADOADmaWMzazQKA".to_owned(),
        title: "Release notes".to_owned(),
        text: "What changed".to_owned(),
    });
    assert_wire(
        msg.clone(),
        json!({"msgtype": "link", "link": {
            "messageUrl": "https://example.com/a",
            "picUrl": "@lADOADmaWMzazQKA",
            "title": "Release notes",
            "text": "What changed"
        }}),
    );
    let link = &wire(&msg)["link"];
    assert!(link.get("message_url").is_none() && link.get("pic_url").is_none());
}

#[test]
fn markdown() {
    assert_wire(
        Message::markdown("Deploy", "# prod\n**live**"),
        json!({"msgtype": "markdown", "markdown": {"title": "Deploy", "text": "# prod\n**live**"}}),
    );
}

#[test]
fn action_card_single_button() {
    let card = ActionCard::single(
        "Leave",
        "Approve **3 days**?",
        "Open",
        "https://example.com/7",
    );
    assert_wire(
        Message::from(card),
        json!({"msgtype": "action_card", "action_card": {
            "title": "Leave",
            "markdown": "Approve **3 days**?",
            "single_title": "Open",
            "single_url": "https://example.com/7"
        }}),
    );
}

#[test]
fn action_card_buttons_vertical_and_horizontal() {
    let buttons = vec![
        ActionCardButton::new("Yes", "https://example.com/yes"),
        ActionCardButton::new("No", "https://example.com/no"),
    ];
    for (orientation, wire_value) in [
        (BtnOrientation::Vertical, "0"),
        (BtnOrientation::Horizontal, "1"),
    ] {
        let card = ActionCard::buttons("Leave", "Approve?", orientation, buttons.clone());
        assert_wire(
            Message::from(card),
            json!({"msgtype": "action_card", "action_card": {
                "title": "Leave",
                "markdown": "Approve?",
                "btn_orientation": wire_value,
                "btn_json_list": [
                    {"title": "Yes", "action_url": "https://example.com/yes"},
                    {"title": "No", "action_url": "https://example.com/no"}
                ]
            }}),
        );
    }
    assert_eq!(BtnOrientation::default(), BtnOrientation::Vertical);
}

#[test]
fn oa_full() {
    assert_wire(
        Message::from(oa_sample()),
        json!({"msgtype": "oa", "oa": {
            "message_url": "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fexample.com",
            "pc_message_url": "https://example.com/pc",
            "head": {"bgcolor": "FFBBBBBB", "text": "Approvals"},
            "status_bar": {"status_value": "Pending", "status_bg": "0xFFFF9900"},
            "body": {
                "title": "Leave request",
                "form": [
                    {"key": "Name:", "value": "Zhang San"},
                    {"key": "Days:", "value": "3"}
                ],
                "rich": {"num": "15.6", "unit": "CNY"},
                "content": "Family trip",
                "image": "@lADOADmaWMzazQKA",
                "file_count": "3",
                "author": "Li Si"
            }
        }}),
    );
}

#[test]
fn oa_head_bgcolor_is_eight_hex_digits_without_0x() {
    let msg = Message::from(Oa::new(
        "https://example.com",
        OaHead::new("#78c06e".parse().expect("colour"), "App"),
        OaBody {
            content: Some("x".to_owned()),
            ..OaBody::default()
        },
    ));
    let head = &wire(&msg)["oa"]["head"]["bgcolor"];
    assert_eq!(head, "FF78C06E");
    let text = head.as_str().expect("a string");
    assert_eq!(text.len(), 8);
    assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn oa_minimal_leaves_optional_parts_out() {
    assert_wire(
        Message::from(Oa::new(
            "https://example.com",
            OaHead::new(StatusColor::from_argb(0xFF00_0000), "App"),
            OaBody {
                title: Some("T".to_owned()),
                ..OaBody::default()
            },
        )),
        json!({"msgtype": "oa", "oa": {
            "message_url": "https://example.com",
            "head": {"bgcolor": "FF000000", "text": "App"},
            "body": {"title": "T"}
        }}),
    );
}

#[test]
fn oa_status_bar_without_colour() {
    let oa = Oa::new(
        "https://example.com",
        OaHead::new(StatusColor::from_argb(0xFF00_0000), "App"),
        OaBody {
            title: Some("T".to_owned()),
            ..OaBody::default()
        },
    )
    .status_bar("Accepted", None);
    assert_eq!(
        wire(&Message::from(oa))["oa"]["status_bar"],
        json!({"status_value": "Accepted"})
    );
}

#[test]
fn msgtype_names() {
    let cases = [
        (Message::text("a"), "text"),
        (Message::image("a"), "image"),
        (Message::voice("a", 1), "voice"),
        (Message::file("a"), "file"),
        (Message::markdown("a", "b"), "markdown"),
        (
            Message::from(ActionCard::single("a", "b", "c", "d")),
            "action_card",
        ),
        (Message::from(oa_sample()), "oa"),
    ];
    for (msg, name) in cases {
        assert_eq!(msg.msgtype(), name);
        assert_eq!(wire(&msg)["msgtype"], name);
    }
}

#[test]
fn msg_is_never_a_pre_encoded_string() {
    for msg in [
        Message::text("a"),
        Message::markdown("a", "b"),
        Message::from(oa_sample()),
    ] {
        let m = msg_in_send_body(msg);
        assert!(m.is_object(), "{m}");
    }
}

#[test]
fn send_reads_back_from_its_wire_form() {
    let send = SendWorkNotification::new(836390886, Message::from(oa_sample()))
        .to_users(["user1", "user2"])
        .to_depts([123, 456]);
    let req = send
        .build_request(&BaseUrl::default(), &AccessToken::new("tok"))
        .expect("builds");
    let back: SendWorkNotification = serde_json::from_slice(req.body()).expect("reads back");
    assert_eq!(back, send);
    assert_eq!(back.userid_list(), ["user1", "user2"]);
    assert_eq!(back.dept_id_list(), [DeptId(123), DeptId(456)]);
    assert!(!back.is_to_all_user());
}

#[test]
fn send_reads_the_adjacent_example_body() {
    let back: SendWorkNotification = serde_json::from_value(json!({
        "agent_id": 836390886,
        "userid_list": "user1,user2",
        "dept_id_list": "123,456",
        "to_all_user": false,
        "msg": {"msgtype": "text", "text": {"content": "..."}}
    }))
    .expect("reads");
    assert_eq!(back.agent_id().get(), 836390886);
    assert_eq!(back.userid_list(), ["user1", "user2"]);
    assert_eq!(back.msg(), &Message::text("..."));

    let all: SendWorkNotification = serde_json::from_value(json!({
        "agent_id": "7",
        "to_all_user": "true",
        "msg": {"msgtype": "markdown", "markdown": {"title": "t", "text": "x"}}
    }))
    .expect("reads quoted values");
    assert!(all.is_to_all_user());
    assert!(all.userid_list().is_empty() && all.dept_id_list().is_empty());
}

#[test]
fn send_with_msg_as_a_string_is_refused_when_read() {
    // The frequent bug of other SDKs; DingTalk answers errcode 41, a simulator must notice.
    let err = serde_json::from_value::<SendWorkNotification>(json!({
        "agent_id": 1,
        "userid_list": "u",
        "msg": "{\"msgtype\":\"text\",\"text\":{\"content\":\"x\"}}"
    }));
    assert!(err.is_err());
}

#[test]
fn unknown_msgtype_is_refused_when_read() {
    assert!(
        serde_json::from_value::<Message>(json!({"msgtype": "sticker", "sticker": {}})).is_err()
    );
}
