//! `POST /media/upload` and media ids in sends, over raw HTTP with hand-written
//! `multipart/form-data` bodies (the client's builder is never used here).
//!
//! Sources: `shared/spec/audience-and-media.md` ("Media upload"); the global error-code table
//! (open.dingtalk.com/document/orgapp/server-api-error-codes-1, quoted at
//! https://developer.aliyun.com/ask/540868): 40004 不合法的媒体文件类型 (a missing `?type=`:
//! developer.aliyun.com/ask/270597), 40005 不合法的文件类型, 40006 不合法的文件大小, 40007
//! 不合法的媒体文件id (on a file message: developer.aliyun.com/ask/220587); 43008
//! 参数需要multipart类型 (blog.csdn.net/qubes/article/details/137156316).

mod common;

use common::*;
use dingtalk_notify_mock::{DEMO_AGENT_ID, MockServer};
use serde_json::{Value, json};

const CT: &str = "multipart/form-data; boundary=XbX";

fn form(kind: &str, file_name: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--XbX\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n{kind}\r\n\
         --XbX\r\nContent-Disposition: form-data; name=\"media\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(b"\r\n--XbX--\r\n");
    body
}

fn upload(server: &MockServer, query: &str, ct: &str, body: &[u8]) -> Value {
    let r = request(
        server.addr(),
        "POST",
        &format!("/media/upload?{query}"),
        Some(ct),
        body,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn start() -> MockServer {
    MockServer::builder().frozen_clock().start().unwrap()
}

#[test]
fn an_upload_answers_a_media_id_and_is_kept() {
    let server = start();
    let t = token(&server);
    let v = upload(
        &server,
        &format!("access_token={t}&type=file"),
        CT,
        &form("file", "通知 %22v2%22.pdf", b"%PDF\r\n--XbY"),
    );
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["errmsg"], "ok");
    assert_eq!(v["type"], "file");
    let id = v["media_id"].as_str().unwrap();
    assert!(id.starts_with("@lA"), "{id}");
    assert!(v["created_at"].as_u64().is_some());
    let kept = server.uploads();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].media_id, id);
    assert_eq!(kept[0].file_name, "通知 \"v2\".pdf");
    assert_eq!(kept[0].bytes, b"%PDF\r\n--XbY");
    assert_eq!(server.upload_count(), 1);

    // A second upload of the same file is a second media id.
    let again = upload(
        &server,
        &format!("access_token={t}&type=file"),
        CT,
        &form("file", "a.pdf", b"%PDF"),
    );
    assert_ne!(again["media_id"], v["media_id"]);
    assert_eq!(server.upload_count(), 2);
}

#[test]
fn type_format_and_size_are_checked_as_the_reference_says() {
    let server = start();
    let t = token(&server);
    let q = |kind: &str| format!("access_token={t}&type={kind}");
    // `type` missing from the query (the form has it): 40004.
    let v = upload(
        &server,
        &format!("access_token={t}"),
        CT,
        &form("file", "a.pdf", b"x"),
    );
    assert_eq!(v["errcode"], 40004, "{v}");
    assert_eq!(v["errmsg"], "不合法的媒体文件类型");
    let v = upload(&server, &q("audio"), CT, &form("audio", "a.mp3", b"x"));
    assert_eq!(v["errcode"], 40004, "{v}");
    // The form's type differs from the query's.
    let v = upload(&server, &q("file"), CT, &form("image", "a.pdf", b"x"));
    assert_eq!(v["errcode"], 40004, "{v}");
    // Not multipart.
    let v = upload(&server, &q("file"), "application/json", b"{}");
    assert_eq!(v["errcode"], 43008, "{v}");
    // Formats: an image as a file, a name without an extension.
    for name in ["poster.png", "README", ".pdf"] {
        let v = upload(&server, &q("file"), CT, &form("file", name, b"x"));
        assert_eq!(v["errcode"], 40005, "{name}: {v}");
    }
    let v = upload(&server, &q("image"), CT, &form("image", "Poster.PNG", b"x"));
    assert_eq!(v["errcode"], 0, "any case: {v}");
    // Sizes: empty, voice over 2 MB, a file over 20 MB.
    let v = upload(&server, &q("file"), CT, &form("file", "a.pdf", b""));
    assert_eq!(v["errcode"], 40006, "{v}");
    let v = upload(
        &server,
        &q("voice"),
        CT,
        &form("voice", "a.amr", &vec![1; 2 * 1024 * 1024 + 1]),
    );
    assert_eq!(v["errcode"], 40006, "{v}");
    assert_eq!(v["errmsg"], "不合法的文件大小");
    let limit = 20 * 1024 * 1024;
    let v = upload(
        &server,
        &q("file"),
        CT,
        &form("file", "a.zip", &vec![1; limit + 1]),
    );
    assert_eq!(v["errcode"], 40006, "{v}");
    let v = upload(
        &server,
        &q("video"),
        CT,
        &form("video", "a.mp4", &vec![1; limit]),
    );
    assert_eq!(v["errcode"], 0, "exactly the limit: {v}");
    assert_eq!(server.upload_count(), 2, "refused uploads are not kept");
    // A bad token.
    let v = upload(
        &server,
        "access_token=nope&type=file",
        CT,
        &form("file", "a.pdf", b"x"),
    );
    assert_eq!(v["errcode"], 40014, "{v}");
}

#[test]
fn a_send_naming_a_media_id_never_issued_answers_40007() {
    let server = start();
    let t = token(&server);
    let v = upload(
        &server,
        &format!("access_token={t}&type=image"),
        CT,
        &form("image", "a.jpg", b"\xff\xd8"),
    );
    let id = v["media_id"].as_str().unwrap().to_owned();
    for (msg, issued) in [
        (json!({"msgtype":"image","image":{"media_id":id}}), true),
        (
            json!({"msgtype":"file","file":{"media_id":"@lAnever"}}),
            false,
        ),
        (
            json!({"msgtype":"voice","voice":{"media_id":"@lAnever","duration":"3"}}),
            false,
        ),
        (
            json!({"msgtype":"image","image":{"media_id":"@lAnever"}}),
            false,
        ),
    ] {
        let v = post(
            &server,
            SEND,
            &t,
            &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": msg }),
        );
        if issued {
            assert_eq!(v["errcode"], 0, "{v}");
        } else {
            assert_eq!(v["errcode"], 40007, "{v}");
            assert_eq!(v["errmsg"], "不合法的媒体文件id");
        }
    }
    assert_eq!(server.tasks().len(), 1);
}
