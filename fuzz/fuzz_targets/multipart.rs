//! Fuzzes the multipart builder (`multipart::encode`, `encode_picked`, the streamed
//! `Form` reader, `UploadMedia`): it never panics, its length is exact, and its output is
//! always read back by an independent parser (the simulator's own, written from RFC 7578 and
//! RFC 2046) to the same parts: names and file names as the browser encoding writes them,
//! content types, and the bytes. A streamed form whose reader stops with `BoundaryFound`
//! must hold its boundary in a content, and must have stopped short of the whole body.
#![no_main]

use arbitrary::Arbitrary;
use dingtalk_notify_mock::multipart::{boundary_of, parse};
use dingtalk_notify_proto::api::UploadMedia;
use dingtalk_notify_proto::media::MediaKind;
use dingtalk_notify_proto::multipart::{
    Boundary, BoundaryFound, Form, Part, content_type, encode, encode_picked, encoded_len,
};
use std::io::Read;
use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [&str; 4] = ["application/pdf", "image/png", "application/octet-stream", "text/plain; charset=utf-8"];

#[derive(Debug, Arbitrary)]
struct InputPart {
    name: String,
    file: Option<(String, u8)>,
    body: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    parts: Vec<InputPart>,
    boundary: Option<String>,
    kind: u8,
    read_size: u16,
    file_name: String,
    file: Vec<u8>,
}

/// What a name must read back as, written here from the WHATWG form-data encoding (plus
/// `\` and every control character), not taken from the builder.
fn expected(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\\' => out.push_str("%5C"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The simulator's parser reads `body` back to `parts`.
fn reads_back(boundary: &Boundary, body: &[u8], parts: &[Part<'_>]) {
    let read_boundary = boundary_of(&content_type(boundary)).expect("the content type names it");
    assert_eq!(read_boundary, boundary.as_str());
    let read = parse(&read_boundary, body).expect("the body parses");
    assert_eq!(read.len(), parts.len());
    for (got, want) in read.iter().zip(parts) {
        assert_eq!(got.name, expected(want.name));
        assert_eq!(got.file_name, want.file_name.map(expected));
        assert_eq!(got.content_type.as_deref(), want.content_type);
        assert_eq!(got.body, want.body);
    }
}

fuzz_target!(|input: Input| {
    let parts: Vec<Part<'_>> = input
        .parts
        .iter()
        .take(8)
        .map(|p| match &p.file {
            Some((name, ct)) => Part::file(
                &p.name,
                name,
                CONTENT_TYPES[usize::from(*ct) % CONTENT_TYPES.len()],
                &p.body,
            ),
            None => Part::field(&p.name, &p.body),
        })
        .collect();
    let boundary = input
        .boundary
        .as_deref()
        .and_then(|b| Boundary::new(b).ok())
        .filter(|b| !b.occurs_in(&parts))
        .unwrap_or_else(|| Boundary::for_parts(&parts));
    assert!(!boundary.occurs_in(&parts));
    let body = encode(&boundary, &parts);
    assert_eq!(encoded_len(&boundary, &parts), Some(body.len()));

    reads_back(&boundary, &body, &parts);

    // Picked while written: for_parts's boundary, and a body that reads back.
    let (picked, picked_body) = encode_picked(&parts);
    assert_eq!(picked, Boundary::for_parts(&parts));
    reads_back(&picked, &picked_body, &parts);

    // Streamed, in reads of `read_size` bytes: the whole body, or cut short for a reason.
    let form = Form::new(parts.clone());
    let mut reader = form.reader();
    let mut streamed = Vec::new();
    let mut buf = vec![0u8; usize::from(input.read_size).max(1)];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => {
                assert!(!form.boundary().occurs_in(&parts));
                assert_eq!(Some(streamed.len()), form.encoded_len());
                reads_back(&form.boundary(), &streamed, &parts);
                break;
            }
            Ok(n) => streamed.extend_from_slice(&buf[..n]),
            Err(e) => {
                assert!(e.get_ref().is_some_and(|inner| inner.is::<BoundaryFound>()), "{e}");
                assert!(reader.boundary_found());
                assert!(form.boundary().occurs_in(&parts), "cut short for nothing");
                assert!(Some(streamed.len()) < form.encoded_len());
                let (again, whole) = form.encode();
                assert_ne!(again, form.boundary());
                reads_back(&again, &whole, &parts);
                break;
            }
        }
    }

    // The endpoint: never a panic; when it builds, the simulator's parser reads the file.
    let kind = MediaKind::ALL[usize::from(input.kind) % 4];
    let upload = UploadMedia::new(kind, input.file_name.as_str(), &input.file);
    if let Ok(request) = upload.build_request(&BaseUrl::default(), &AccessToken::new("t")) {
        let ct = request.headers()["content-type"].to_str().expect("ASCII");
        let read = parse(&boundary_of(ct).expect("multipart"), request.body()).expect("parses");
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].body, kind.name().as_bytes());
        assert_eq!(read[1].file_name.as_deref(), Some(expected(&input.file_name).as_str()));
        assert_eq!(read[1].body, input.file);
    }
});
