//! The bytes of an answer: status lines and heads, plus the helpers faults and routing need
//! (query and form decoding, a gzip body).

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

/// The reason phrase of a status.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A response head: status line, the given headers, `Content-Length` (when given),
/// `Connection`, and the blank line.
pub(crate) fn head(
    status: u16,
    headers: &[(&str, String)],
    content_length: Option<usize>,
    keep_alive: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason(status)).as_bytes());
    out.extend_from_slice(b"Server: dingtalk-notify-mock\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if let Some(len) = content_length {
        out.extend_from_slice(format!("Content-Length: {len}\r\n").as_bytes());
    }
    out.extend_from_slice(if keep_alive {
        b"Connection: keep-alive\r\n".as_slice()
    } else {
        b"Connection: close\r\n".as_slice()
    });
    out.extend_from_slice(b"\r\n");
    out
}

/// Parses a query string or form body (`a=1&b=x%2By`): `+` as space, bad escapes kept as
/// they are, invalid UTF-8 replaced (`application/x-www-form-urlencoded` parsing).
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `data` as a gzip stream of stored (uncompressed) deflate blocks, for a body sent with
/// `Content-Encoding: gzip`.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(data.len() + 64), Compression::none());
    // Writing to a Vec cannot fail.
    encoder
        .write_all(data)
        .and_then(|()| encoder.finish())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_a_gzip_stream_of_the_body() {
        use std::io::Read;
        for body in [&b""[..], b"hello", &vec![b'x'; 70_000]] {
            let g = gzip(body);
            assert_eq!(&g[..3], &[0x1f, 0x8b, 8], "gzip magic and deflate");
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(g.as_slice())
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, body);
        }
    }

    #[test]
    fn decodes_queries() {
        let q = parse_query("a=1&sig=ab%2Bc%3D&b=x+y&&bad=%zz&flag");
        assert_eq!(
            q,
            [
                ("a".into(), "1".into()),
                ("sig".into(), "ab+c=".into()),
                ("b".into(), "x y".into()),
                ("bad".into(), "%zz".into()),
                ("flag".into(), String::new()),
            ]
        );
    }
}
