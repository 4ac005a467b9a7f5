//! The checks of answers as they come back: statuses, redirects and body caps.

use super::support::*;
use super::*;

impl<F, T> Conformance<F>
where
    F: Fn(ConformanceSettings) -> T,
    T: Transport,
{
    pub(super) fn statuses(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());

        let json = br#"{"errcode":0,"errmsg":"ok","task_id":256271667526}"#;
        once(
            &server,
            Fault::Raw(raw_answer(
                200,
                &[
                    ("Content-Type", "application/json"),
                    ("X-Multi", "one"),
                    ("X-Multi", "two"),
                ],
                json,
            )),
        );
        let what = "a 200 JSON answer";
        let r = answer(&t, get(&url(&server, "/conformance/ok"))?, what)?;
        expect_status(&r, StatusCode::OK, what)?;
        expect_body(&r, json, what)?;
        if r.version() != http::Version::HTTP_11 {
            return Err(format!("{what}: version {:?}, not HTTP/1.1", r.version()));
        }
        let content_type = r.headers().get(http::header::CONTENT_TYPE);
        if content_type.is_none_or(|v| v != "application/json") {
            return Err(format!("{what}: Content-Type {content_type:?}"));
        }
        let multi: Vec<_> = r.headers().get_all("x-multi").iter().collect();
        if multi != ["one", "two"] {
            return Err(format!(
                "{what}: the repeated X-Multi came back as {multi:?}"
            ));
        }

        server.clear_faults();
        let what = "the simulator's 404 envelope";
        let r = answer(&t, get(&url(&server, "/conformance/not-found"))?, what)?;
        expect_status(&r, StatusCode::NOT_FOUND, what)?;
        expect_framed(&r, what)?;
        let envelope: serde_json::Value = serde_json::from_slice(r.body())
            .map_err(|e| format!("{what}: the body is not JSON ({e}): {}", show(r.body())))?;
        if envelope["errcode"] != crate::sim::code::INVALID_METHOD {
            return Err(format!("{what}: unexpected body {envelope}"));
        }

        once(&server, Fault::Http502Html);
        let what = "a gateway's 502 HTML page";
        let r = answer(&t, get(&url(&server, "/conformance/bad-gateway"))?, what)?;
        expect_status(&r, StatusCode::BAD_GATEWAY, what)?;
        expect_body(&r, BAD_GATEWAY_HTML.as_bytes(), what)?;

        for status in [400u16, 401, 403, 429, 500, 503, 504, 204] {
            let body = if status == 204 {
                String::new()
            } else {
                format!("<html><body>status {status}</body></html>")
            };
            once(
                &server,
                Fault::HttpStatus {
                    status,
                    body: body.clone(),
                },
            );
            let what = format!("a {status} answer");
            let path = format!("/conformance/status/{status}");
            let r = answer(&t, get(&url(&server, &path))?, &what)?;
            expect_status(&r, StatusCode::from_u16(status).unwrap_or_default(), &what)?;
            expect_body(&r, body.as_bytes(), &what)?;
        }
        Ok(())
    }

    pub(super) fn redirects(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        let target_path = "/conformance/redirect-target";
        let target = format!("{}{target_path}", server.base_url());
        let followed = |what: &str| -> Result<(), String> {
            let hits = server
                .requests()
                .iter()
                .filter(|r| r.path == target_path)
                .count();
            if hits > 0 {
                return Err(format!(
                    "{what}: the redirect was followed ({hits} request(s) to its target)"
                ));
            }
            Ok(())
        };

        once(&server, Fault::Redirect(target.clone()));
        let what = "a 302 answer to a GET";
        let r = answer(&t, get(&url(&server, "/conformance/redirect"))?, what)?;
        followed(what)?;
        expect_status(&r, StatusCode::FOUND, what)?;
        expect_location(&r, &target, what)?;

        for (status, method) in [
            (301u16, Method::GET),
            (303, Method::POST),
            (307, Method::POST),
            (308, Method::POST),
        ] {
            once(
                &server,
                Fault::Raw(raw_answer(status, &[("Location", &target)], b"moved")),
            );
            let what = format!("a {status} answer to a {method}");
            let request = if method == Method::GET {
                get(&url(&server, "/conformance/redirect"))?
            } else {
                post(&url(&server, "/conformance/redirect"), SEND_BODY)?
            };
            let r = answer(&t, request, &what)?;
            followed(&what)?;
            expect_status(&r, StatusCode::from_u16(status).unwrap_or_default(), &what)?;
            expect_location(&r, &target, &what)?;
            expect_body(&r, b"moved", &what)?;
        }
        Ok(())
    }

    pub(super) fn body_at_cap(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());

        once(&server, Fault::Oversized(BODY_CAP));
        let what = "a body of exactly the cap, with Content-Length";
        let r = answer(&t, get(&url(&server, "/conformance/at-cap"))?, what)?;
        expect_status(&r, StatusCode::OK, what)?;
        if r.body().len() != BODY_CAP {
            return Err(format!(
                "{what}: {} bytes came back, not {BODY_CAP}",
                r.body().len()
            ));
        }
        serde_json::from_slice::<serde_json::Value>(r.body())
            .map_err(|e| format!("{what}: the body is not the JSON sent ({e})"))?;

        let body = vec![b'c'; BODY_CAP];
        once(&server, Fault::Raw(chunked_answer(&body)));
        let what = "a chunked body of exactly the cap";
        let r = answer(&t, get(&url(&server, "/conformance/at-cap-chunked"))?, what)?;
        expect_status(&r, StatusCode::OK, what)?;
        expect_body(&r, &body, what)
    }

    pub(super) fn body_over_cap(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        let cases = [
            (
                "a body of the cap + 1, with Content-Length",
                Fault::Oversized(BODY_CAP + 1),
            ),
            (
                "a chunked body of the cap + 1",
                Fault::Raw(chunked_answer(&vec![b'c'; BODY_CAP + 1])),
            ),
            (
                "a chunked body of 16 times the cap",
                Fault::Raw(chunked_answer(&vec![b'c'; 16 * BODY_CAP])),
            ),
        ];
        for (what, fault) in cases {
            once(&server, fault);
            let e = failure(&t, get(&url(&server, "/conformance/over-cap"))?, what)?;
            expect_kind(e, TransportErrorKind::BodyTooLarge, what)?;
        }
        Ok(())
    }

    pub(super) fn small_lying_length(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        once(
            &server,
            Fault::OversizedBehindSmallContentLength {
                declared: 100,
                actual: 16 * BODY_CAP,
            },
        );
        let what = "Content-Length: 100 before 16 times the cap";
        let (sent, _) = exchange(&t, get(&url(&server, "/conformance/lying"))?);
        match sent {
            Ok(r) if r.body().len() == 100 => Ok(()),
            Ok(r) => Err(format!(
                "{what}: {} bytes came back (the declared 100, or an error, expected; \
                 the cap is {BODY_CAP})",
                r.body().len()
            )),
            Err((e, kind)) => {
                clean(&e)?;
                if kind == TransportErrorKind::BodyTooLarge {
                    Ok(())
                } else {
                    Err(format!(
                        "{what}: failed with {kind:?}, not BodyTooLarge (or the 100 declared \
                         bytes): {e}"
                    ))
                }
            }
        }
    }

    pub(super) fn huge_declared_length(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        let mut short = crate::http::head(
            200,
            &[("Content-Type", "application/json".to_owned())],
            Some(1_000_000_000),
            false,
        );
        short.extend_from_slice(br#"{"errcode":0"#);
        let cases = [
            (
                "Content-Length: 1000000000 and a few bytes",
                Fault::Raw(short),
            ),
            (
                "Content-Length: 1000000000 and 16 times the cap",
                Fault::OversizedBehindSmallContentLength {
                    declared: 1_000_000_000,
                    actual: 16 * BODY_CAP,
                },
            ),
        ];
        for (what, fault) in cases {
            once(&server, fault);
            let e = failure(&t, get(&url(&server, "/conformance/huge-length"))?, what)?;
            expect_kind(e, TransportErrorKind::BodyTooLarge, what)?;
        }
        Ok(())
    }
}
