//! `UreqTransport::send_form`: an upload's file written from the caller's bytes as the
//! request goes out, against the simulator (whose own multipart parser reads the body).
//!
//! Source: `shared/spec/audience-and-media.md` ("Media upload": `POST /media/upload`, the
//! parts `type` and `media`, `type` in the query too).

use dingtalk_notify_mock::{DEMO_APP_KEY, DEMO_APP_SECRET, MockServer, Route};
use dingtalk_notify_proto::api::{GetAccessToken, UploadMedia};
use dingtalk_notify_proto::media::MediaKind;
use dingtalk_notify_proto::multipart::FormRequest;
use dingtalk_notify_proto::transport::{Transport, execute};
use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint, HttpRequest, Validated};
use dingtalk_notify_ureq::UreqTransport;

/// A file of `len` bytes of every value, CR, LF and dashes included.
fn file(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 % 256) as u8).collect()
}

/// A token the simulator issued.
fn token(server: &MockServer, transport: &UreqTransport) -> AccessToken {
    let fetch = GetAccessToken::new(DEMO_APP_KEY, DEMO_APP_SECRET);
    execute(transport, &base(server), (), &fetch)
        .expect("a token")
        .access_token
}

fn base(server: &MockServer) -> BaseUrl {
    BaseUrl::new(&server.base_url()).expect("loopback")
}

fn form_request<'a>(
    upload: &'a UploadMedia<'a>,
    server: &MockServer,
    token: &AccessToken,
) -> FormRequest<'a> {
    Validated::new(upload)
        .expect("a valid upload")
        .build_form_request(&base(server), token)
        .expect("builds")
        .expect("an upload's body is a form")
}

#[test]
fn an_upload_goes_out_as_a_form_and_arrives_whole() {
    let server = MockServer::start().unwrap();
    let transport = UreqTransport::new();
    let token = token(&server, &transport);
    let pdf = file(3 * 1024 * 1024);
    let upload = UploadMedia::new(MediaKind::File, "Q3 report.pdf", &pdf);
    let response = transport
        .send_form(form_request(&upload, &server, &token))
        .expect("sent");
    let answer = UploadMedia::parse_response(response).expect("an upload answer");
    let kept = server.uploads();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].media_id, answer.media_id);
    assert_eq!(kept[0].file_name, "Q3 report.pdf");
    assert_eq!(kept[0].bytes, pdf);
    // Sent with its length, not chunked.
    let taken = server.requests_to(Route::MediaUpload);
    let header = |name: &str| {
        taken[0]
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert!(header("transfer-encoding").is_none());
    let whole = Validated::new(&upload)
        .unwrap()
        .build_request(&base(&server), &token)
        .unwrap();
    assert_eq!(
        header("content-length"),
        Some(whole.body().len().to_string())
    );
}

/// A file holding the boundary its form is written with: the streamed body is cut short
/// when the reader meets it (its connection closed, nothing taken), and the whole body,
/// with another boundary, goes out on a new connection. A transport that builds bodies
/// whole (the trait's default, here a closure over the same transport's `send`) sends one
/// request on one connection: the second connection is what streaming leaves behind.
#[test]
fn a_file_holding_the_boundary_is_cut_short_then_sent_whole() {
    let mut pdf = file(2 * 1024 * 1024);
    let first = UploadMedia::new(MediaKind::File, "roster.pdf", &pdf)
        .form()
        .expect("a form")
        .boundary();
    let needle = first.as_str().as_bytes();
    pdf[1_000_000..1_000_000 + needle.len()].copy_from_slice(needle);
    let upload = UploadMedia::new(MediaKind::File, "roster.pdf", &pdf);

    let streaming = UreqTransport::new();
    let whole = |request: HttpRequest| streaming.send(request);
    for (name, connections) in [("streaming", 2), ("whole", 1)] {
        let server = MockServer::start().unwrap();
        // The token on its own connection, closed before the upload.
        let token = token(&server, &UreqTransport::new());
        let before = server.connections_accepted();
        let request = form_request(&upload, &server, &token);
        assert_eq!(
            request.form().boundary(),
            first,
            "picked without reading the file"
        );
        let response = if name == "streaming" {
            UreqTransport::new().send_form(request)
        } else {
            whole.send_form(request)
        }
        .expect("sent");
        let answer = UploadMedia::parse_response(response).expect("an upload answer");
        let kept = server.uploads();
        assert_eq!(kept.len(), 1, "{name}: taken once");
        assert_eq!(kept[0].media_id, answer.media_id);
        assert_eq!(kept[0].bytes, pdf, "{name}: whole");
        assert_eq!(server.requests_to(Route::MediaUpload).len(), 1, "{name}");
        assert_eq!(
            server.connections_accepted() - before,
            connections,
            "{name}: connections"
        );
    }
}
