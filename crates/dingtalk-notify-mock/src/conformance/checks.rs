//! The checks of broken connections, timeouts, keep-alive and requests as sent: each
//! drives the transport under test against a simulator and says what went wrong.

use super::support::*;
use super::*;

impl<F, T> Conformance<F>
where
    F: Fn(ConformanceSettings) -> T,
    T: Transport,
{
    pub(super) fn reset_before_response(&self) -> Result<(), String> {
        self.interrupted(&Fault::ResetBeforeResponse)
    }

    pub(super) fn reset_mid_body(&self) -> Result<(), String> {
        self.interrupted(&Fault::ResetMidBody)
    }

    pub(super) fn close_before_response(&self) -> Result<(), String> {
        self.interrupted(&Fault::CloseBeforeResponse)
    }

    pub(super) fn close_mid_body(&self) -> Result<(), String> {
        self.interrupted(&Fault::CloseMidBody)
    }
    pub(super) fn interrupted(&self, fault: &Fault) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());

        once(&server, fault.clone());
        let what = format!("{fault:?} on a GET");
        let e = failure(&t, get(&url(&server, "/gettoken"))?, &what)?;
        expect_kind(e, TransportErrorKind::Interrupted, &what)?;

        once(&server, fault.clone());
        let what = format!("{fault:?} on a non-idempotent POST");
        let e = failure(&t, send_request(&server)?, &what)?;
        expect_kind(e, TransportErrorKind::Interrupted, &what)?;
        sent_once(&server, &what)
    }

    pub(super) fn timeout_waiting(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::new(SHORT_TIMEOUT, BODY_CAP));
        once(&server, Fault::Delay(STALL));
        let what = format!("a {SHORT_TIMEOUT:?} timeout against an answer after {STALL:?}");
        timed_out(&t, get(&url(&server, "/gettoken"))?, &what)
    }

    pub(super) fn timeout_reading(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::new(SHORT_TIMEOUT, BODY_CAP));
        let interval = Duration::from_millis(50);
        once(&server, Fault::SlowDrip { chunk: 1, interval });
        let what = format!(
            "a {SHORT_TIMEOUT:?} timeout against a body dripping a byte every {interval:?}"
        );
        timed_out(&t, get(&url(&server, "/gettoken"))?, &what)
    }

    pub(super) fn request_timeout(&self) -> Result<(), String> {
        let server = start()?;
        let cases = [(LONG_TIMEOUT, SHORT_TIMEOUT), (SHORT_TIMEOUT, LONG_TIMEOUT)];
        for (own, extension) in cases {
            let t = self.transport(ConformanceSettings::new(own, BODY_CAP));
            once(&server, Fault::Delay(STALL));
            let mut request = get(&url(&server, "/gettoken"))?;
            request.extensions_mut().insert(RequestTimeout(extension));
            let what = format!(
                "a transport timeout of {own:?} and a RequestTimeout of {extension:?} against an \
                 answer after {STALL:?}"
            );
            timed_out(&t, request, &what)?;
        }
        Ok(())
    }

    pub(super) fn refused(&self) -> Result<(), String> {
        let t = self.transport(ConformanceSettings::default());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        let what = "a port nothing listens on";
        let request = get(&format!(
            "http://127.0.0.1:{port}/gettoken?access_token={ACCESS_TOKEN}"
        ))?;
        let e = failure(&t, request, what)?;
        expect_kind(e, TransportErrorKind::Connect, what)
    }

    pub(super) fn keep_alive(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        answer(&t, get(&url(&server, "/gettoken"))?, "a 200 answer")?;
        answer(&t, get(&url(&server, "/conformance/nope"))?, "a 404 answer")?;
        once(&server, Fault::Http502Html);
        answer(&t, get(&url(&server, "/gettoken"))?, "a 502 answer")?;
        let requests = server.requests().len();
        let connections = server.connections_accepted();
        if requests != 3 || connections != 1 {
            return Err(format!(
                "three GETs answered 200, 404 and 502 took {connections} connection(s) for \
                 {requests} request(s); one connection expected"
            ));
        }
        Ok(())
    }

    pub(super) fn sent_as_built(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        let query = format!("access_token={ACCESS_TOKEN}&x=1&q=a%20b%2Fc");
        let target = format!("{}/conformance/echo?{query}", server.base_url());
        let expected_query = [("access_token", ACCESS_TOKEN), ("x", "1"), ("q", "a b/c")];

        for marker in [Idempotency::NonIdempotent, Idempotency::Idempotent] {
            let request = http::Request::post(&target)
                .header("Content-Type", "application/json")
                .header("X-Custom", "first")
                .header("X-Custom", "second")
                .header("X-Spaces", "a b; c=d")
                .header("User-Agent", "conformance-caller/1.0")
                .extension(marker)
                .body(SEND_BODY.to_vec())
                .map_err(|e| format!("cannot build the request: {e}"))?;
            let what = format!("a {marker:?} POST");
            answer(&t, request, &what)?;
            let seen = last_request(&server, &what)?;
            expect_eq(&what, "method", &seen.method.as_str(), &"POST")?;
            expect_eq(&what, "path", &seen.path.as_str(), &"/conformance/echo")?;
            let query: Vec<(&str, &str)> = seen
                .query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            expect_eq(
                &what,
                "query",
                &query.as_slice(),
                &expected_query.as_slice(),
            )?;
            for (name, values) in [
                ("content-type", &["application/json"][..]),
                ("x-custom", &["first", "second"][..]),
                ("x-spaces", &["a b; c=d"][..]),
                ("user-agent", &["conformance-caller/1.0"][..]),
            ] {
                expect_eq(&what, name, &seen.header_values(name).as_slice(), &values)?;
            }
            let length = SEND_BODY.len().to_string();
            let framing = (
                seen.header("content-length"),
                seen.header("transfer-encoding"),
            );
            if !matches!(framing, (Some(l), None) if l == length)
                && !matches!(framing, (None, Some(te)) if te.eq_ignore_ascii_case("chunked"))
            {
                return Err(format!(
                    "{what}: framed by Content-Length {:?} and Transfer-Encoding {:?}",
                    framing.0, framing.1
                ));
            }
            expect_eq(&what, "body", &seen.body.as_slice(), &SEND_BODY)?;
        }

        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            let request = http::Request::builder()
                .method(method.clone())
                .uri(url(&server, "/conformance/echo"))
                .body(b"payload".to_vec())
                .map_err(|e| format!("cannot build the request: {e}"))?;
            let what = format!("a {method} with a body");
            answer(&t, request, &what)?;
            let seen = last_request(&server, &what)?;
            expect_eq(&what, "method", &seen.method.as_str(), &method.as_str())?;
            expect_eq(&what, "body", &seen.body.as_slice(), &b"payload".as_slice())?;
        }

        let what = "a GET with an empty body";
        answer(&t, get(&url(&server, "/conformance/echo"))?, what)?;
        let seen = last_request(&server, what)?;
        expect_eq(what, "method", &seen.method.as_str(), &"GET")?;
        for name in ["content-length", "transfer-encoding"] {
            if let Some(value) = seen.header(name) {
                return Err(format!("{what}: arrived with {name}: {value}"));
            }
        }
        Ok(())
    }

    pub(super) fn not_resent(&self) -> Result<(), String> {
        for fault in [Fault::ResetBeforeResponse, Fault::CloseBeforeResponse] {
            let server = start()?;
            let t = self.transport(ConformanceSettings::default());
            answer(&t, get(&url(&server, "/gettoken"))?, "a warm-up GET")?;
            let warm = post(&url(&server, "/conformance/warm-up"), SEND_BODY)?;
            answer(&t, warm, "a warm-up POST")?;
            server.inject(Route::Send, Calls::All, fault.clone());
            let what = format!("{fault:?} on a non-idempotent POST after two answered requests");
            let (sent, _) = exchange(&t, send_request(&server)?);
            if let Ok(r) = sent {
                return Err(format!("{what}: came back as HTTP {}", r.status()));
            }
            if let Err((e, _)) = &sent {
                clean(e)?;
            }
            sent_once(&server, &what)?;
        }
        Ok(())
    }

    pub(super) fn hygiene(&self) -> Result<(), String> {
        let t = self.transport(ConformanceSettings::default());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        let refused = get(&format!(
            "http://127.0.0.1:{port}/gettoken?access_token={ACCESS_TOKEN}"
        ))?;
        failure(&t, refused, "a refused connection")?;

        let server = start()?;
        let target = url(&server, "/gettoken");
        let echo = format!(
            "HTTP/1.1 2OO BAD {target}\r\nLocation: {target}\r\n\r\nGET {target} failed\r\n"
        );
        once(&server, Fault::Raw(echo.into_bytes()));
        failure(
            &t,
            get(&target)?,
            "an answer that is not HTTP and quotes the URL",
        )?;
        Ok(())
    }

    pub(super) fn transport(&self, settings: ConformanceSettings) -> T {
        (self.make)(settings)
    }
}

// ----- helpers -----
