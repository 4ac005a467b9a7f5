//! Files from the shell: `send --file/--image/--voice` upload, then send; `media upload`
//! prints the media_id; a file too big or of the wrong type exits 2 with nothing sent; a
//! campaign (`--users-file`) uploads its file once, and its documents carry the media_id.
//! Against the simulator, whose own multipart parser reads the uploads.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{cli, frozen, run};
use dingtalk_notify_mock::{Directory, MockServer, Route, UserBehaviour};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dtn-cli-media-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn send_file_uploads_then_sends_and_the_json_has_the_media_id() {
    let server = frozen();
    let dir = TempDir::new("send");
    let pdf = dir.file("2027 leave policy.pdf", b"%PDF-1.7 policy");
    let doc = run(
        cli(&server),
        ["--json", "send", "--file", &pdf, "--user", "alice"],
    )
    .expect_code(0)
    .json();
    let media_id = doc["media_id"].as_str().expect("media_id in the document");
    assert!(doc["task_id"].as_u64().is_some());
    let uploads = server.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].media_id, media_id);
    assert_eq!(uploads[0].file_name, "2027 leave policy.pdf");
    assert_eq!(uploads[0].bytes, b"%PDF-1.7 policy");
    let task = server.tasks()[0].clone();
    assert_eq!(task.msg["msgtype"], "file");
    assert_eq!(task.msg["file"]["media_id"], media_id);

    // An image is sent as an image (it previews); a voice with its duration, as a string.
    let png = dir.file("海报.png", b"\x89PNG\r\n");
    run(cli(&server), ["send", "--image", &png, "--user", "alice"]).expect_code(0);
    let amr = dir.file("memo.amr", b"#!AMR\n");
    run(
        cli(&server),
        ["send", "--voice", &amr, "--duration", "12", "--user", "bob"],
    )
    .expect_code(0);
    let tasks = server.tasks();
    assert_eq!(tasks[1].msg["msgtype"], "image");
    assert_eq!(tasks[2].msg["voice"]["duration"], "12");
    assert_eq!(server.upload_count(), 3);
}

#[test]
fn an_unfit_file_exits_2_with_nothing_sent() {
    let server = frozen();
    let dir = TempDir::new("unfit");
    let big = dir.file("poster.png", &vec![0u8; 20 * 1024 * 1024 + 1]);
    let r = run(cli(&server), ["send", "--image", &big, "--user", "alice"]).expect_code(2);
    assert!(r.stderr.contains("20 MB"), "{r:?}");
    let no_ext = dir.file("notes", b"x");
    let r = run(cli(&server), ["send", "--file", &no_ext, "--user", "alice"]).expect_code(2);
    assert!(r.stderr.contains("no extension"), "{r:?}");
    let png = dir.file("chart.png", b"x");
    let r = run(cli(&server), ["send", "--file", &png, "--user", "alice"]).expect_code(2);
    assert!(r.stderr.contains("upload it as image"), "{r:?}");
    let amr = dir.file("memo.amr", b"x");
    run(cli(&server), ["send", "--voice", &amr, "--user", "alice"]).expect_code(2);
    run(
        cli(&server),
        [
            "send",
            "--voice",
            &amr,
            "--duration",
            "60",
            "--user",
            "alice",
        ],
    )
    .expect_code(2);
    let missing = dir.0.join("missing.pdf");
    run(
        cli(&server),
        [
            "send",
            "--file",
            missing.to_str().unwrap(),
            "--user",
            "alice",
        ],
    )
    .expect_code(2);
    let r = run(
        cli(&server),
        ["--json", "media", "upload", &big, "--type", "file"],
    )
    .expect_code(2)
    .json();
    assert_eq!(r["error"]["kind"], "invalid_input");
    assert!(server.requests().is_empty(), "not a byte was sent");
}

#[test]
fn media_upload_prints_the_media_id() {
    let server = frozen();
    let dir = TempDir::new("upload");
    let xlsx = dir.file("roster \"Q1\".xlsx", b"PK\x03\x04");
    let r = run(cli(&server), ["media", "upload", &xlsx]).expect_code(0);
    let id = r.stdout.trim();
    assert_eq!(server.uploads()[0].media_id, id);
    assert_eq!(server.uploads()[0].file_name, "roster \"Q1\".xlsx");
    let doc = run(
        cli(&server),
        ["--json", "media", "upload", &xlsx, "--type", "file"],
    )
    .expect_code(0)
    .json();
    assert_eq!(doc["type"], "file");
    assert_eq!(doc["size"], 4);
    assert_ne!(
        doc["media_id"].as_str(),
        Some(id),
        "a second upload, a second id"
    );
    run(cli(&server), ["media", "upload", &xlsx, "--type", "audio"]).expect_code(2);
}

#[test]
fn a_campaign_with_a_file_uploads_it_once() {
    let server = MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    let dir = TempDir::new("campaign");
    let users: String = (0..250).map(|i| format!("staff{i:03}\n")).collect();
    let users = dir.file("users.txt", users.as_bytes());
    let pdf = dir.file("policy.pdf", b"%PDF-1.7");
    let ledger = dir.0.join("ledger.db");
    let ledger = ledger.to_str().unwrap();
    let doc = run(
        cli(&server),
        [
            "--json",
            "send",
            "--file",
            &pdf,
            "--users-file",
            &users,
            "--ledger",
            ledger,
        ],
    )
    .expect_code(0)
    .json();
    let media_id = doc["media_id"]
        .as_str()
        .expect("the campaign document has it");
    assert_eq!(doc["chunks"], 3);
    assert_eq!(server.upload_count(), 1);
    let sends = server.requests_to(Route::Send);
    assert_eq!(sends.len(), 3);
    for s in &sends {
        assert_eq!(s.json().unwrap()["msg"]["file"]["media_id"], media_id);
    }
    // Resuming (nothing left to send) reads the message from the ledger: no upload.
    let id = doc["campaign_id"].as_str().unwrap();
    let resumed = run(
        cli(&server),
        ["--json", "campaign", "resume", id, "--ledger", ledger],
    )
    .expect_code(0)
    .json();
    assert_eq!(resumed["media_id"], media_id);
    assert_eq!(
        server.upload_count(),
        1,
        "the ledger's message carries the media id"
    );
}
