//! Media upload scenarios, generic over the transport, against the simulator: what the
//! simulator's own multipart parser read (names with spaces, quotes and CJK, the bytes),
//! refusals before anything is sent, a retried upload, a media id never issued, and a
//! campaign with a PDF that uploads it once.
//!
//! Sources: `shared/spec/audience-and-media.md` ("Media upload"); the global error-code table
//! (open.dingtalk.com/document/orgapp/server-api-error-codes-1, quoted at
//! <https://developer.aliyun.com/ask/540868>): 40007 不合法的媒体文件id on a message naming an
//! unknown media id (captured at developer.aliyun.com/ask/220587).

use std::path::PathBuf;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::campaign::{Audience, CHUNK_LIMITS, CampaignPlan};
use dingtalk_notify::ledger::{Ledger, MemoryLedger};
use dingtalk_notify::media::MediaKind;
use dingtalk_notify::media::UploadFileError;
use dingtalk_notify::{BuildError, Error, ErrorCode, Message};
use dingtalk_notify_mock::{Calls, DEMO_AGENT_ID, Directory, Fault, Route, UserBehaviour};

use crate::harness::{TransportSettings, demo_app, harness, harness_with};
use crate::scenarios::TestTransport;

const MIB: usize = 1024 * 1024;

/// A file in a fresh temporary directory, removed on drop.
struct TempFile {
    dir: PathBuf,
    path: PathBuf,
}

impl TempFile {
    fn new(name: &str, content: &[u8]) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dingtalk-notify-media-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let path = dir.join(name);
        std::fs::write(&path, content).expect("the file is written");
        Self { dir, path }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A PDF-like file of exactly `len` bytes (at least 19).
fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\r\n".to_vec();
    // Every byte value, CR LF and dashes included: the boundary must avoid them all.
    bytes.extend((0..len.saturating_sub(19)).map(|i| (i % 251) as u8));
    bytes.extend_from_slice(b"\r\n--%%EOF");
    assert_eq!(bytes.len(), len.max(19));
    bytes
}

/// Names with spaces, quotes and CJK arrive as given, with their bytes, kind and content
/// type, as the simulator's own parser reads them.
pub fn names_and_bytes_arrive_as_given<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let cases: [(MediaKind, &str, &str); 4] = [
        (MediaKind::File, "Q3 report final.pdf", "application/pdf"),
        (
            MediaKind::File,
            "the \"new\" policy.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (MediaKind::Image, "通知 海报.PNG", "image/png"),
        (MediaKind::Voice, "memo.amr", "audio/amr"),
    ];
    for (i, (kind, name, content_type)) in cases.iter().enumerate() {
        let bytes = pdf(1000 + i);
        let answer = h
            .client
            .upload_media(*kind, name, &bytes)
            .expect("the upload succeeds");
        assert_eq!(answer.kind, *kind);
        assert!(answer.created_at > 0);
        let kept = h.server.uploads();
        let got = kept.last().expect("kept");
        assert_eq!(got.media_id, answer.media_id);
        assert_eq!(got.file_name, *name);
        assert_eq!(got.kind, kind.name());
        assert_eq!(got.content_type.as_deref(), Some(*content_type));
        assert_eq!(got.bytes, bytes);
    }
    // `type` is in the query too (40004 otherwise).
    for r in h.server.requests_to(Route::MediaUpload) {
        assert!(r.query.iter().any(|(k, _)| k == "type"), "{r:?}");
    }
}

/// A file holding the very boundary its upload would be written with (the first one picked,
/// which is drawn from the file's size and edges, not its middle) arrives whole, once, under
/// another boundary. A transport that writes the file as it reads it (ureq) finds the
/// boundary on the way and cuts its body short, which the simulator never takes for an
/// upload; the others build the body whole with a boundary the file does not hold.
pub fn a_file_holding_the_boundary_arrives_whole<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    use dingtalk_notify::Endpoint;
    use dingtalk_notify::kit::api::UploadMedia;
    let h = harness(make(TransportSettings::default()));
    let mut file = pdf(300_000);
    let first = UploadMedia::new(MediaKind::File, "roster.pdf", &file)
        .form()
        .expect("an upload's body is a form")
        .boundary();
    let needle = first.as_str().as_bytes();
    file[150_000..150_000 + needle.len()].copy_from_slice(needle);
    let answer = h
        .client
        .upload_media(MediaKind::File, "roster.pdf", &file)
        .expect("the upload succeeds");
    let kept = h.server.uploads();
    assert_eq!(kept.len(), 1, "one upload, taken once");
    assert_eq!(kept[0].media_id, answer.media_id);
    assert_eq!(kept[0].bytes, file, "the file arrived whole");
    let taken = h.server.requests_to(Route::MediaUpload);
    let last = taken.last().expect("recorded");
    let content_type = last
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str())
        .expect("a content type");
    assert!(
        !content_type.contains(first.as_str()),
        "another boundary: {content_type}"
    );
}

/// 20 MB + 1 byte, a name without an extension and an image as a `file` are refused with a
/// typed error before anything is sent: not even a token is fetched. Exactly 20 MB goes.
pub fn too_big_or_wrong_type_sends_nothing<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let big = pdf(20 * MIB + 1);
    let err = h
        .client
        .upload_media(MediaKind::File, "handbook.pdf", &big)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Build(BuildError::MediaTooLarge { size, limit, .. })
            if *size == 20 * MIB as u64 + 1 && *limit == 20 * MIB as u64),
        "{err:?}"
    );
    let err = h
        .client
        .upload_media(MediaKind::File, "README", b"x")
        .unwrap_err();
    assert!(err.to_string().contains("README") && err.to_string().contains("no extension"));
    let err = h
        .client
        .upload_media(MediaKind::File, "poster.png", b"x")
        .unwrap_err();
    assert!(err.to_string().contains("upload it as image"), "{err}");
    let file = TempFile::new("handbook.pdf", &big);
    let err = h.client.upload_media_path(&file.path).unwrap_err();
    assert!(
        matches!(err, UploadFileError::File(_)),
        "refused before reading: {err:?}"
    );
    assert!(h.server.requests().is_empty(), "nothing was sent");

    let exact = &big[..20 * MIB];
    let answer = h
        .client
        .upload_media(MediaKind::File, "handbook.pdf", exact)
        .expect("exactly the limit goes");
    assert_eq!(h.server.uploads()[0].bytes.len(), 20 * MIB);
    assert_eq!(h.server.uploads()[0].media_id, answer.media_id);
}

/// A reset after the simulator took the upload is retried (an upload is safe to repeat):
/// the simulator holds two copies and the client answers the second id.
pub fn an_upload_is_retried_and_makes_a_second_media_id<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    h.server.inject(
        Route::MediaUpload,
        Calls::Nth(1),
        Fault::ResetBeforeResponse,
    );
    let answer = h
        .client
        .upload_media(MediaKind::Image, "a.jpg", b"\xff\xd8\xff")
        .expect("retried");
    let kept = h.server.uploads();
    assert_eq!(kept.len(), 2, "the first upload ran before the reset");
    assert_eq!(answer.media_id, kept[1].media_id);
    assert_ne!(kept[0].media_id, kept[1].media_id);
}

/// A send naming a media id the simulator never issued is refused with 40007 and its hint.
pub fn a_media_id_never_issued_is_refused<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let send =
        SendWorkNotification::new(DEMO_AGENT_ID, Message::file("@lAnever")).to_users(["alice"]);
    let err = h.client.send(&send).unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::INVALID_MEDIA_ID), "{err}");
    assert!(
        err.to_string().contains("/media/upload"),
        "the hint says what to do: {err}"
    );
    assert_eq!(h.server.tasks().len(), 0);
}

fn users(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("staff{i:03}")).collect()
}

/// An HR notice with its PDF to 250 people: the PDF is uploaded exactly once, every chunk
/// sends its media id, the ledger records it in the message, and a resumed campaign (created,
/// then resumed by a fresh driver over the same ledger) uploads nothing again.
pub fn a_pdf_campaign_of_250_uploads_once<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| b.directory(Directory::new().accept_any_user(UserBehaviour::Reads)),
    );
    let file = TempFile::new("2027 leave policy.pdf", &pdf(300 * 1024));
    let media_id = h
        .client
        .upload_media_path(&file.path)
        .expect("uploaded")
        .media_id;
    let ledger = MemoryLedger::new();
    let plan = |audience: Vec<String>| {
        CampaignPlan::new(
            DEMO_AGENT_ID,
            Message::file(media_id.clone()),
            Audience::users(audience),
            CHUNK_LIMITS,
        )
        .expect("a valid plan")
    };
    let campaigns = h.client.campaigns(&ledger);
    let handle = campaigns
        .start(plan(users(250)))
        .expect("the campaign runs");
    assert_eq!(handle.tasks().count(), 3, "100 + 100 + 50");
    assert_eq!(
        ledger
            .load(handle.id())
            .expect("the ledger answers")
            .expect("recorded")
            .message(),
        &Message::file(media_id.clone()),
        "the ledger's message carries the media id"
    );

    // Created, then resumed by another driver over the same ledger.
    let created = campaigns
        .create(plan(users(250).into_iter().rev().collect()))
        .expect("created");
    let resumed = h
        .client
        .campaigns(&ledger)
        .resume(created.id())
        .expect("resumed");
    assert!(resumed.is_complete());

    assert_eq!(h.server.upload_count(), 1, "uploaded exactly once");
    let sends = h.server.requests_to(Route::Send);
    assert_eq!(sends.len(), 6);
    for r in &sends {
        let body = r.json().expect("a JSON send");
        assert_eq!(body["msg"]["file"]["media_id"], media_id.as_str(), "{body}");
    }
    assert_eq!(h.server.deliveries_by_user().len(), 250);
}
