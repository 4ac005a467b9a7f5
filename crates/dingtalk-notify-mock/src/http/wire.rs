//! The bytes of an answer: status lines and heads, plus the helpers faults and routing need
//! (query and percent-decoding, a stored-block gzip).

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

const fn crc32_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static CRC32: [u32; 256] = crc32_table();

/// CRC-32 (IEEE), as gzip uses it.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = CRC32[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

/// A gzip stream of `data` made of stored (uncompressed) deflate blocks: valid gzip with no
/// compressor.
pub(crate) fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65535 * 5 + 32);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    if data.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    } else {
        let mut chunks = data.chunks(65535).peekable();
        while let Some(chunk) = chunks.next() {
            out.push(u8::from(chunks.peek().is_none()));
            let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(chunk);
        }
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    // ISIZE is the length modulo 2^32 by definition.
    #[allow(clippy::cast_possible_truncation)]
    let isize = data.len() as u32;
    out.extend_from_slice(&isize.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_known_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn gzip_layout() {
        let g = gzip_stored(b"hello");
        assert_eq!(&g[..3], &[0x1f, 0x8b, 8]);
        assert_eq!(g[10], 1); // final stored block
        assert_eq!(&g[11..15], &[5, 0, 0xfa, 0xff]);
        assert_eq!(&g[15..20], b"hello");
        assert_eq!(g.len(), 10 + 5 + 5 + 8);
        let big = vec![b'x'; 70_000];
        let g = gzip_stored(&big);
        assert_eq!(g[10], 0); // first of two blocks is not final
        assert_eq!(g.len(), 10 + 5 + 65535 + 5 + (70_000 - 65535) + 8);
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
