//! `POST /media/upload`: golden multipart bodies, file names, the reference's limits, the
//! answer and the media error codes.
//!
//! Sources: `shared/spec/audience-and-media.md` ("Media upload": the parts `type` and
//! `media`, `type` also in the query, the formats and sizes, the answer
//! `{"errcode":0,"errmsg":"ok","type":"file","media_id":"@lA…","created_at":…}`), and the
//! global error-code table (open.dingtalk.com/document/orgapp/server-api-error-codes-1,
//! quoted at https://developer.aliyun.com/ask/540868): 40004 不合法的媒体文件类型, 40005
//! 不合法的文件类型, 40006 不合法的文件大小, 40007 不合法的媒体文件id, 40008 不合法的消息类型.

use dingtalk_notify_proto::api::{SendWorkNotification, UploadMedia};
use dingtalk_notify_proto::media::MediaKind;
use dingtalk_notify_proto::multipart::Boundary;
use dingtalk_notify_proto::transport::Idempotency;
use dingtalk_notify_proto::{AccessToken, BaseUrl, BuildError, Endpoint, ErrorClass, ErrorCode};

fn build(upload: &UploadMedia<'_>) -> Result<http::Request<Vec<u8>>, BuildError> {
    upload.build_request(&BaseUrl::default(), &AccessToken::new("tok"))
}

#[test]
fn golden_pdf_upload() {
    let upload = UploadMedia::new(MediaKind::File, "policy.pdf", b"%PDF-1.7\r\n%%EOF")
        .boundary(Boundary::new("----golden").unwrap());
    let req = build(&upload).unwrap();
    assert_eq!(req.method(), "POST");
    assert_eq!(
        req.uri().to_string(),
        "https://oapi.dingtalk.io/media/upload?access_token=tok&type=file"
    );
    assert_eq!(
        req.headers()["content-type"],
        "multipart/form-data; boundary=----golden"
    );
    let want = "------golden\r\n\
                Content-Disposition: form-data; name=\"type\"\r\n\
                \r\n\
                file\r\n\
                ------golden\r\n\
                Content-Disposition: form-data; name=\"media\"; filename=\"policy.pdf\"\r\n\
                Content-Type: application/pdf\r\n\
                \r\n\
                %PDF-1.7\r\n%%EOF\r\n\
                ------golden--\r\n";
    assert_eq!(String::from_utf8(req.body().clone()).unwrap(), want);
    assert_eq!(Idempotency::of(&req), Idempotency::Idempotent);
    assert!(req.extensions().is_empty(), "told apart by path, no marker");
}

#[test]
fn golden_image_with_a_cjk_name_with_spaces_and_quotes() {
    let png = b"\x89PNG\r\n\x1a\n";
    let upload = UploadMedia::new(MediaKind::Image, "海报 \"终稿\".png", png)
        .boundary(Boundary::new("b").unwrap());
    let req = build(&upload).unwrap();
    assert_eq!(req.uri().query(), Some("access_token=tok&type=image"));
    let mut want = Vec::new();
    want.extend_from_slice(
        "--b\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage\r\n\
         --b\r\nContent-Disposition: form-data; name=\"media\"; \
         filename=\"海报 %22终稿%22.png\"\r\nContent-Type: image/png\r\n\r\n"
            .as_bytes(),
    );
    want.extend_from_slice(png);
    want.extend_from_slice(b"\r\n--b--\r\n");
    assert_eq!(req.body(), &want);
}

#[test]
fn a_name_with_cr_lf_cannot_forge_a_header() {
    let upload = UploadMedia::new(
        MediaKind::File,
        "a.pdf\"\r\nContent-Type: text/html\r\n\r\nx.pdf",
        b"1",
    );
    let req = build(&upload).unwrap();
    let body = String::from_utf8(req.body().clone()).unwrap();
    assert!(
        body.contains("filename=\"a.pdf%22%0D%0AContent-Type: text/html%0D%0A%0D%0Ax.pdf\"\r\n"),
        "{body}"
    );
    let header_lines = body
        .split("\r\n")
        .filter(|l| l.starts_with("Content-Type:"));
    assert_eq!(header_lines.count(), 1, "only the part's own header");
}

#[test]
fn the_picked_boundary_is_reproducible_and_absent_from_the_file() {
    let file = vec![b'-'; 4096];
    let a = build(&UploadMedia::new(MediaKind::File, "dash.zip", &file)).unwrap();
    let b = build(&UploadMedia::new(MediaKind::File, "dash.zip", &file)).unwrap();
    assert_eq!(a.body(), b.body());
    let ct = a.headers()["content-type"].to_str().unwrap();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    assert!(!boundary.is_empty() && boundary.len() <= 70);
    let delimiter = format!("--{boundary}");
    // Two part delimiters and the close delimiter; none inside the file.
    assert_eq!(
        String::from_utf8_lossy(a.body())
            .matches(&delimiter)
            .count(),
        3
    );
}

#[test]
fn an_explicit_boundary_found_in_the_content_is_refused() {
    let upload = UploadMedia::new(MediaKind::File, "a.pdf", b"xx--sep--xx")
        .boundary(Boundary::new("--sep").unwrap());
    assert!(matches!(
        build(&upload),
        Err(BuildError::InvalidValue {
            field: "boundary",
            ..
        })
    ));
}

#[test]
fn twenty_mb_plus_one_byte_is_refused_before_building() {
    let limit = 20 * 1024 * 1024;
    let file = vec![0u8; limit + 1];
    for kind in [MediaKind::Image, MediaKind::Video, MediaKind::File] {
        let name = format!("big.{}", kind.formats().next().unwrap());
        let err = build(&UploadMedia::new(kind, name.as_str(), &file)).unwrap_err();
        assert_eq!(
            err,
            BuildError::MediaTooLarge {
                file: name.clone(),
                kind: kind.name(),
                size: limit as u64 + 1,
                limit: limit as u64,
                limit_mib: 20,
            }
        );
        assert!(err.to_string().contains(&name) && err.to_string().contains("20 MB"));
        // Exactly the limit is fine.
        assert!(build(&UploadMedia::new(kind, name.as_str(), &file[..limit])).is_ok());
    }
}

#[test]
fn a_name_without_an_extension_or_of_the_wrong_kind_is_refused() {
    let err = build(&UploadMedia::new(MediaKind::File, "README", b"x")).unwrap_err();
    assert!(
        matches!(&err, BuildError::MediaFormat { file, kind: "file", .. } if file == "README"),
        "{err:?}"
    );
    assert!(err.to_string().contains("no extension"), "{err}");
    // An image sent as a file does not preview: say so.
    let err = build(&UploadMedia::new(MediaKind::File, "poster.png", b"x")).unwrap_err();
    assert!(err.to_string().contains("upload it as image"), "{err}");
    assert!(UploadMedia::inferred("README", b"x").is_err());
    let inferred = UploadMedia::inferred("Team Photo.JPG", b"x").unwrap();
    assert_eq!(inferred.kind(), MediaKind::Image);
    let req = build(&inferred).unwrap();
    assert!(
        String::from_utf8_lossy(req.body()).contains("Content-Type: image/jpeg\r\n"),
        "the content type follows the extension"
    );
}

#[test]
fn the_answer_is_typed() {
    let answer = UploadMedia::parse_response(http::Response::new(
        r#"{"errcode":0,"errmsg":"ok","type":"file","media_id":"@lAjPDeC2uGvJtxTOEL5eNM4JlBTx","created_at":1605863153573}"#,
    ))
    .unwrap();
    assert_eq!(answer.media_id, "@lAjPDeC2uGvJtxTOEL5eNM4JlBTx");
    assert_eq!(answer.kind, MediaKind::File);
    assert_eq!(answer.created_at, 1_605_863_153_573);
    // Numbers as strings are tolerated, as everywhere.
    let answer = UploadMedia::parse_response(http::Response::new(
        r#"{"errcode":"0","type":"image","media_id":"@x","created_at":"1380000000"}"#,
    ))
    .unwrap();
    assert_eq!(answer.created_at, 1_380_000_000);
}

#[test]
fn media_error_codes_are_classified_with_hints() {
    // {"errcode":40004,"errmsg":"不合法的媒体文件类型"}: developer.aliyun.com/ask/660148.
    let err = UploadMedia::parse_response(http::Response::new(
        r#"{"errcode":40004,"errmsg":"不合法的媒体文件类型"}"#,
    ))
    .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.code, ErrorCode::INVALID_MEDIA_TYPE);
    assert_eq!(api.code.class(), Some(ErrorClass::Permanent));
    assert!(
        <UploadMedia<'static> as Endpoint>::hint(api.code)
            .unwrap()
            .contains("?type=")
    );
    for (raw, code) in [
        (40005, ErrorCode::INVALID_FILE_TYPE),
        (40006, ErrorCode::INVALID_FILE_SIZE),
        (40007, ErrorCode::INVALID_MEDIA_ID),
        (40008, ErrorCode::INVALID_MESSAGE_TYPE),
    ] {
        assert_eq!(ErrorCode::new(raw), code);
        assert!(
            code.is_permanent(),
            "{code}: repeating the same upload cannot help"
        );
        assert!(code.hint().is_some());
    }
    // 40007 on a send: the media_id was never issued.
    let hint = SendWorkNotification::hint(ErrorCode::INVALID_MEDIA_ID).unwrap();
    assert!(hint.contains("/media/upload"), "{hint}");
}
