//! The streamed multipart body ([`Form`], its reader, [`FormRequest`]) and
//! [`encode_picked`]: the same bytes as the whole body, whatever the read sizes; a content
//! that holds the boundary stops the reader before the body is complete, and the whole body
//! is then written with a boundary it does not hold.
//!
//! The expected bodies are written here by hand from RFC 7578 / RFC 2046 (delimiter, part
//! headers, CR LF, close delimiter), not taken from the builder.

use std::io::Read;

use dingtalk_notify_proto::api::UploadMedia;
use dingtalk_notify_proto::media::MediaKind;
use dingtalk_notify_proto::multipart::{
    Boundary, BoundaryFound, Form, FormRequest, Part, encode_picked,
};
use dingtalk_notify_proto::{AccessToken, BaseUrl, Validated};

/// The body RFC 7578 describes for a field `type` and a file `media` named `name`.
fn by_hand(boundary: &str, kind: &str, name: &str, ct: &str, file: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"{name}\"\r\n\
         Content-Type: {ct}\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(file);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

fn parts(file: &[u8]) -> Vec<Part<'_>> {
    vec![
        Part::field("type", b"file"),
        Part::file("media", "a.pdf", "application/pdf", file),
    ]
}

/// Reads `reader` to its end in reads of `size` bytes.
fn read_in(mut reader: impl Read, size: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0; size];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// A file of `len` bytes of every value, CR, LF and dashes included.
fn file(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 256) as u8).collect()
}

#[test]
fn the_reader_writes_the_body_whatever_the_read_size() {
    let file = file(300_000);
    let form = Form::new(parts(&file));
    let b = form.boundary();
    let want = by_hand(b.as_str(), "file", "a.pdf", "application/pdf", &file);
    assert_eq!(form.encoded_len(), Some(want.len()));
    for size in [1, 7, 64, 4096, 128 * 1024, 1 << 20] {
        assert_eq!(
            read_in(form.reader(), size).unwrap(),
            want,
            "reads of {size}"
        );
    }
    assert_eq!(encode_picked(&parts(&file)), (b, want));
}

/// A file holding the boundary a form would write: `Form::new` picks it without reading
/// the file (the first candidate: same size and edges give the same one).
fn file_holding_the_first_candidate(at: usize) -> (Vec<u8>, Boundary) {
    let mut file = file(200_000);
    let first = Form::new(parts(&file)).boundary();
    let needle = first.as_str().as_bytes();
    file[at..at + needle.len()].copy_from_slice(needle);
    (file, first)
}

#[test]
fn a_file_holding_the_boundary_stops_the_reader_short() {
    // What comes before the file: the body less the file and the close delimiter.
    let (plain, first) = file_holding_the_first_candidate(0);
    let close = "\r\n--".len() + first.as_str().len() + "--\r\n".len();
    let before_file = Form::new(parts(&plain)).encoded_len().unwrap() - plain.len() - close;
    // Across a read's edge (reads of 4096: the boundary starts 5 bytes before the 25th
    // read's end), and well inside one.
    let straddling = 25 * 4096 - before_file - 5;
    for at in [straddling, 150_000] {
        let (file, first) = file_holding_the_first_candidate(at);
        let form = Form::new(parts(&file));
        assert_eq!(form.boundary(), first, "picked without reading the file");
        let mut reader = form.reader();
        let mut buf = vec![0; 4096];
        let mut read = 0;
        let error = loop {
            match reader.read(&mut buf) {
                Ok(0) => panic!("the whole body was written with a boundary its file holds"),
                Ok(n) => read += n,
                Err(e) => break e,
            }
        };
        assert!(
            error.get_ref().is_some_and(|e| e.is::<BoundaryFound>()),
            "{error}"
        );
        assert!(reader.boundary_found());
        // Cut short before the file's end, and it stays failed.
        assert!(read < 200_000, "{read}");
        assert!(reader.read(&mut buf).is_err());

        // The whole body has another boundary, absent from the file.
        let (boundary, body) = form.encode();
        assert_ne!(boundary, first);
        assert!(!boundary.occurs_in(&parts(&file)));
        let found = memchr::memmem::find(&file, boundary.as_str().as_bytes());
        assert_eq!(found, None);
        assert_eq!(
            body,
            by_hand(boundary.as_str(), "file", "a.pdf", "application/pdf", &file)
        );
        assert_eq!((boundary, body.clone()), encode_picked(&parts(&file)));
        assert_eq!(boundary, Boundary::for_parts(&parts(&file)));
    }
}

#[test]
fn a_boundary_of_your_choosing_is_kept() {
    let file = file(1000);
    let b = Boundary::new("golden").unwrap();
    let form = Form::with_boundary(b, parts(&file));
    let want = by_hand("golden", "file", "a.pdf", "application/pdf", &file);
    assert_eq!(read_in(form.reader(), 100).unwrap(), want);
    assert_eq!(form.encode(), (b, want));
}

#[test]
fn an_upload_as_a_form_request_streams_what_it_builds_whole() {
    let pdf = file(50_000);
    let upload = UploadMedia::new(MediaKind::File, "通知 2026.pdf", &pdf);
    let checked = Validated::new(&upload).unwrap();
    let (base, token) = (BaseUrl::default(), AccessToken::new("tok"));
    let request: FormRequest<'_> = checked
        .build_form_request(&base, &token)
        .unwrap()
        .expect("an upload's body is a form");
    let head = request.to_head();
    let whole = checked.build_request(&base, &token).unwrap();
    assert_eq!(head.uri(), whole.uri());
    assert_eq!(head.method(), whole.method());
    assert_eq!(
        head.headers()["content-type"],
        whole.headers()["content-type"]
    );
    assert_eq!(
        head.headers()["content-length"],
        whole.body().len().to_string().as_str()
    );
    assert!(request.head().headers().get("content-length").is_none());
    let streamed = read_in(request.reader(), 8192).unwrap();
    assert_eq!(&streamed, whole.body());
    assert_eq!(request.into_request().body(), whole.body());
}

#[test]
fn a_form_request_whose_file_holds_the_boundary_is_sent_whole_with_another() {
    let (file, first) = file_holding_the_first_candidate(12_345);
    // The same parts as an upload of the file: its kind, its name, its content type.
    let form = Form::new(parts(&file));
    assert_eq!(form.boundary(), first);
    let mut head = http::Request::new(());
    *head.method_mut() = http::Method::POST;
    let request = FormRequest::new(head, form);
    assert!(read_in(request.reader(), 65_536).is_err());
    let whole = request.into_request();
    let ct = whole.headers()["content-type"].to_str().unwrap().to_owned();
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart");
    assert_ne!(boundary, first.as_str());
    assert_eq!(
        *whole.body(),
        by_hand(boundary, "file", "a.pdf", "application/pdf", &file)
    );
}

#[test]
fn other_endpoints_have_no_form() {
    let progress = dingtalk_notify_proto::api::GetSendProgress::new(1, 2);
    let checked = Validated::new(&progress).unwrap();
    let none = checked
        .build_form_request(&BaseUrl::default(), &AccessToken::new("t"))
        .unwrap();
    assert!(none.is_none());
}
