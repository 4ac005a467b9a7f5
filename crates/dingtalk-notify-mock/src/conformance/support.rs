//! Helpers the checks share: simulators, requests, exchanges and expectations.

use super::*;

pub(super) fn start() -> Result<MockServer, String> {
    MockServer::builder()
        .start()
        .map_err(|e| format!("cannot start the simulator: {e}"))
}

/// The next call, whatever its path, gets `fault`.
pub(super) fn once(server: &MockServer, fault: Fault) {
    server.clear_faults();
    server.inject(Route::Any, Calls::First(1), fault);
}

pub(super) fn url(server: &MockServer, path: &str) -> String {
    format!("{}{path}?access_token={ACCESS_TOKEN}", server.base_url())
}

pub(super) fn get(url: &str) -> Result<HttpRequest, String> {
    http::Request::get(url)
        .body(Vec::new())
        .map_err(|e| format!("cannot build a GET: {e}"))
}

pub(super) fn post(url: &str, body: &[u8]) -> Result<HttpRequest, String> {
    http::Request::post(url)
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .map_err(|e| format!("cannot build a POST: {e}"))
}

/// A send, as the core builds it: a POST marked non-idempotent.
pub(super) fn send_request(server: &MockServer) -> Result<HttpRequest, String> {
    let mut request = post(&url(server, SEND_PATH), SEND_BODY)?;
    request.extensions_mut().insert(Idempotency::NonIdempotent);
    Ok(request)
}

pub(super) fn sent_once(server: &MockServer, what: &str) -> Result<(), String> {
    let seen = server.requests_to(Route::Send).len();
    if seen != 1 {
        return Err(format!(
            "{what}: the server saw the POST {seen} times, not once"
        ));
    }
    Ok(())
}

/// A complete answer with a correct `Content-Length` and `Connection: close`.
pub(super) fn raw_answer(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let headers: Vec<(&str, String)> = headers.iter().map(|(n, v)| (*n, (*v).to_owned())).collect();
    let mut out = crate::http::head(status, &headers, Some(body.len()), false);
    out.extend_from_slice(body);
    out
}

/// A `200` with `body` in chunks of at most 4 KiB, and `Connection: close`.
pub(super) fn chunked_answer(body: &[u8]) -> Vec<u8> {
    let headers = [("Transfer-Encoding", "chunked".to_owned())];
    let mut out = crate::http::head(200, &headers, None, false);
    for piece in body.chunks(4096) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

pub(super) fn exchange<T: Transport>(t: &T, request: HttpRequest) -> Sent<T::Error> {
    let started = Instant::now();
    let sent = t.send(request).map_err(|e| {
        let kind = t.classify(&e);
        (e, kind)
    });
    (sent, started.elapsed())
}

/// The response, or why there was none.
pub(super) fn answer<T: Transport>(
    t: &T,
    request: HttpRequest,
    what: &str,
) -> Result<HttpResponse, String> {
    match exchange(t, request).0 {
        Ok(r) => Ok(r),
        Err((e, kind)) => {
            clean(&e)?;
            Err(format!(
                "{what}: expected a response, got an error ({kind:?}): {e}"
            ))
        }
    }
}

/// The error (checked for the token) and its kind, or why there was none.
pub(super) fn failure<T: Transport>(
    t: &T,
    request: HttpRequest,
    what: &str,
) -> Result<(T::Error, TransportErrorKind), String> {
    match exchange(t, request).0 {
        Ok(r) => Err(format!(
            "{what}: expected an error, got HTTP {} with {} bytes",
            r.status(),
            r.body().len()
        )),
        Err((e, kind)) => {
            clean(&e)?;
            Ok((e, kind))
        }
    }
}

pub(super) fn timed_out<T: Transport>(
    t: &T,
    request: HttpRequest,
    what: &str,
) -> Result<(), String> {
    let (sent, took) = exchange(t, request);
    match sent {
        Ok(r) => Err(format!(
            "{what}: expected a Timeout, got HTTP {} after {took:?}",
            r.status()
        )),
        Err((e, kind)) => {
            clean(&e)?;
            if kind != TransportErrorKind::Timeout {
                return Err(format!("{what}: failed with {kind:?}, not Timeout: {e}"));
            }
            if took >= TIMEOUT_BOUND {
                return Err(format!(
                    "{what}: the Timeout came after {took:?}, not within {TIMEOUT_BOUND:?}"
                ));
            }
            Ok(())
        }
    }
}

pub(super) fn expect_kind<E: fmt::Display>(
    (e, kind): (E, TransportErrorKind),
    expected: TransportErrorKind,
    what: &str,
) -> Result<(), String> {
    if kind != expected {
        return Err(format!(
            "{what}: failed with {kind:?}, not {expected:?}: {e}"
        ));
    }
    Ok(())
}

/// Whether an error keeps the token out of its `Display`, `Debug` and source chain.
pub(super) fn clean<E: std::error::Error + 'static>(error: &E) -> Result<(), String> {
    let mut shown = vec![
        ("Display", error.to_string()),
        ("Debug", format!("{error:?}")),
        ("alternate Debug", format!("{error:#?}")),
    ];
    let mut source = error.source();
    while let Some(s) = source {
        shown.push(("a source's Display", s.to_string()));
        shown.push(("a source's Debug", format!("{s:?}")));
        source = s.source();
    }
    for (how, text) in shown {
        if text.contains(ACCESS_TOKEN) || text.to_ascii_lowercase().contains("access_token") {
            return Err(format!(
                "an error's {how} shows the access token: {}",
                text.replace(ACCESS_TOKEN, "<the access token>")
            ));
        }
    }
    Ok(())
}

pub(super) fn expect_status(
    r: &HttpResponse,
    status: StatusCode,
    what: &str,
) -> Result<(), String> {
    if r.status() != status {
        return Err(format!(
            "{what}: came back as {}, not {status} (body: {})",
            r.status(),
            show(r.body())
        ));
    }
    Ok(())
}

pub(super) fn expect_body(r: &HttpResponse, body: &[u8], what: &str) -> Result<(), String> {
    if r.body() != body {
        return Err(format!(
            "{what}: the body came back as {} ({} bytes), not {} ({} bytes)",
            show(r.body()),
            r.body().len(),
            show(body),
            body.len()
        ));
    }
    Ok(())
}

/// The body is as long as `Content-Length` says, when there is one.
pub(super) fn expect_framed(r: &HttpResponse, what: &str) -> Result<(), String> {
    let declared = r
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n != r.body().len() => Err(format!(
            "{what}: {} bytes came back, Content-Length says {n}",
            r.body().len()
        )),
        _ => Ok(()),
    }
}

pub(super) fn expect_location(r: &HttpResponse, location: &str, what: &str) -> Result<(), String> {
    let got = r.headers().get(http::header::LOCATION);
    if got.is_none_or(|v| v != location) {
        return Err(format!(
            "{what}: Location came back as {got:?}, not {location:?}"
        ));
    }
    Ok(())
}

pub(super) fn expect_eq<A: PartialEq<B> + fmt::Debug, B: fmt::Debug>(
    what: &str,
    field: &str,
    got: &A,
    expected: &B,
) -> Result<(), String> {
    if got != expected {
        return Err(format!(
            "{what}: {field} arrived as {got:?}, not {expected:?}"
        ));
    }
    Ok(())
}

pub(super) fn last_request(server: &MockServer, what: &str) -> Result<RecordedRequest, String> {
    server
        .requests()
        .pop()
        .ok_or_else(|| format!("{what}: the server saw no request"))
}

/// A body for a message: lossy text, cut to 200 characters.
pub(super) fn show(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}
