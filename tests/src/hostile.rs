//! Hostile answers (issue 15): values that overflow, generic over the transport like
//! [`scenarios`](crate::scenarios). [`hostile_matrix!`](crate::hostile_matrix) expands them.

use std::time::Duration;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::{Error, Message, ResponseError};
use dingtalk_notify_mock::{Calls, DEMO_AGENT_ID, Fault, Route};

use crate::harness::{TransportSettings, demo_app, harness, harness_with};
use crate::scenarios::TestTransport;

/// 2^63 - 1 seconds: added to an `Instant`, it overflows.
pub const HUGE_SECS: u64 = i64::MAX as u64;

fn text_to(user: &str) -> SendWorkNotification {
    SendWorkNotification::new(DEMO_AGENT_ID, Message::text("hostile")).to_users([user])
}

/// A complete HTTP/1.1 answer with this JSON body, for [`Fault::Raw`].
pub fn raw_json(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The gateway's throttle page asking for a wait of 2^63 - 1 seconds.
pub fn huge_throttle() -> Fault {
    Fault::Raw(raw_json(&format!(
        r#"{{"status":1111,"wait":{HUGE_SECS},"punish":"deny"}}"#
    )))
}

/// A gettoken answer whose `expires_in` is near 2^63 s (and then `u64::MAX`): the token is
/// used and cached for at most a day, and nothing panics.
pub fn overflowing_expires_in_is_clamped<T: TestTransport>(make: fn(TransportSettings) -> T) {
    for expires_in in [HUGE_SECS, u64::MAX] {
        let h = harness_with(
            make(TransportSettings::default()),
            |_| demo_app(),
            |b| b.advertised_expires_in(Some(expires_in)),
        );
        h.client.send(&text_to("alice")).expect("first send");
        h.client.send(&text_to("alice")).expect("second send");
        assert_eq!(h.server.token_fetches(), 1, "the token is cached");
        // Past a day the cached token is gone, whatever the answer claimed.
        h.clock.advance(Duration::from_secs(24 * 3600 + 1));
        h.client.access_token().expect("a new token");
        assert_eq!(h.server.token_fetches(), 2, "fetched again after a day");
    }
}

/// A throttle page with a `wait` near 2^63 s on a send: no panic, no sleep, the deadline
/// error at once with the throttle page as its last failure, and exactly one send.
pub fn overflowing_throttle_wait_ends_at_the_deadline<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    h.client.access_token().expect("token");
    h.server.inject(Route::Send, Calls::All, huge_throttle());
    let err = h.client.send(&text_to("alice")).expect_err("throttled");
    match &err {
        Error::Deadline {
            last: Some(last), ..
        } => assert!(
            matches!(
                **last,
                Error::Response(ResponseError::Throttled {
                    wait: Some(w),
                    ..
                }) if w == Duration::from_secs(HUGE_SECS)
            ),
            "{last:?}"
        ),
        other => panic!("expected the deadline, got {other:?}"),
    }
    let _ = format!("{err} {err:?}");
    assert_eq!(h.server.requests_to(Route::Send).len(), 1);
    assert_eq!(h.clock.client.slept(), Duration::ZERO, "no sleep at all");
}

/// The token a hostile gettoken answer hands out.
pub const FETCHED: &str = "Fetched-Token/9f3c+e1";

/// `FETCHED` in the forms a server could echo it: lower and upper case, percent-encoded,
/// JSON-escaped (as the JSON text carries it).
pub fn echoed_forms() -> [&'static str; 4] {
    [
        "fetched-token/9f3c+e1",
        "FETCHED-TOKEN%2F9F3C%2BE1",
        "Fetched-Token%2f9f3c%2be1",
        "Fetched-Token\\/9f3c+e1",
    ]
}

/// A token fetched at run time and echoed back by the next answer, in every field
/// (`errmsg`, `sub_code`, `sub_msg`, `request_id`) and form, never reaches `Display` or
/// `Debug` of the error.
pub fn a_fetched_token_echoed_in_any_field_is_redacted<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    let token = format!(
        r#"{{"errcode":0,"errmsg":"ok","access_token":"{}","expires_in":7200}}"#,
        FETCHED.replace('/', "\\/")
    );
    h.server
        .inject(Route::GetToken, Calls::All, Fault::Raw(raw_json(&token)));
    let [lower, upper, encoded, json] = echoed_forms();
    let echo = format!(
        r#"{{"errcode":40056,"errmsg":"bad {lower}","sub_code":"{upper}","sub_msg":"{encoded}","request_id":"{json}"}}"#
    );
    h.server
        .inject(Route::Send, Calls::All, Fault::Raw(raw_json(&echo)));
    let err = h.client.send(&text_to("alice")).expect_err("refused");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("40056"), "{shown}");
    let lowered = shown.to_ascii_lowercase();
    for form in [
        "fetched-token/9f3c+e1",
        "fetched-token%2f9f3c%2be1",
        "fetched-token\\/9f3c",
    ] {
        assert!(!lowered.contains(form), "{form} in {shown}");
    }
    let api = err.api().expect("an API error");
    for field in [
        Some(api.errmsg.as_str()),
        api.sub_code.as_deref(),
        api.sub_msg.as_deref(),
        api.request_id.as_deref(),
    ] {
        let field = field.expect("the field is kept").to_ascii_lowercase();
        assert!(!field.contains("fetched-token"), "{field}");
    }
}

/// `s` with every byte percent-encoded, the hex digits upper-case (or lower-case).
pub fn percent_every_byte(s: &str, upper: bool) -> String {
    s.bytes()
        .map(|b| {
            if upper {
                format!("%{b:02X}")
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

/// Standard base64 (with padding) of `bytes`, written here so the oracle is independent of
/// the code under test.
pub fn base64_of(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The token fetched at run time, echoed back fully percent-encoded (upper, lower and mixed
/// hex), `\u`-escaped, and as base64 of `prefix + token` at each alignment (standard and
/// URL-safe), in every field of the answer and in a response header: no form reaches the
/// error's `Display` or `Debug`, nor any field the caller reads.
pub fn a_fetched_token_echoed_in_any_encoding_is_redacted<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let upper = percent_every_byte(FETCHED, true);
    let lower = percent_every_byte(FETCHED, false);
    let mixed: String = FETCHED
        .char_indices()
        .map(|(i, c)| {
            if i % 2 == 0 {
                format!("%{:02X}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect();
    let escaped: String = FETCHED
        .chars()
        .map(|c| format!("\\u{:04x}", u32::from(c)))
        .collect();
    let b64 = |prefix: &str| base64_of(format!("{prefix}{FETCHED}").as_bytes());
    let url_safe = |s: String| s.replace('+', "-").replace('/', "_").replace('=', "");
    // Each form, and where the characters that hold only token bits start (base64 of a
    // prefix keeps the prefix's own characters visible).
    let after = |prefix: &str| (prefix.len() * 4).div_ceil(3) + 2;
    let forms = [
        (upper, 3),
        (lower, 3),
        (mixed, 3),
        (escaped, 6),
        (b64(""), 0),
        (b64("x"), after("x")),
        (url_safe(b64("xy")), after("xy")),
        (url_safe(b64("access_token=")), after("access_token=")),
    ];
    for (i, (form, start)) in forms.iter().enumerate() {
        let h = harness(make(TransportSettings::default()));
        let token = format!(
            r#"{{"errcode":0,"errmsg":"ok","access_token":"{}","expires_in":7200}}"#,
            FETCHED.replace('/', "\\/")
        );
        h.server
            .inject(Route::GetToken, Calls::All, Fault::Raw(raw_json(&token)));
        let body = format!(
            r#"{{"errcode":40056,"errmsg":"bad {form}","sub_code":"{form}","sub_msg":"{form}","request_id":"{form}"}}"#
        );
        let raw = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Echo: {form}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        h.server
            .inject(Route::Send, Calls::All, Fault::Raw(raw.into_bytes()));
        let err = h.client.send(&text_to("alice")).expect_err("refused");
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("40056"), "{shown}");
        let api = err.api().expect("an API error");
        let fields = [
            Some(api.errmsg.as_str()),
            api.sub_code.as_deref(),
            api.sub_msg.as_deref(),
            api.request_id.as_deref(),
        ];
        for text in fields.into_iter().flatten().chain([shown.as_str()]) {
            // What encodes the token alone, less its last characters.
            let lowered = text.to_ascii_lowercase();
            let probe = form[*start..form.len() - 4].to_ascii_lowercase();
            assert!(!lowered.contains(&probe), "form {i} {form}: {text}");
            assert!(text.contains("[redacted]"), "form {i}: {text}");
        }
    }
}

/// Expands every scenario of [`hostile`](crate::hostile) into a `#[test]` over the
/// transport that `$make: fn(TransportSettings) -> T` builds.
#[macro_export]
macro_rules! hostile_matrix {
    ($make:path) => {
        $crate::scenario_matrix!(@hostile $make;
            overflowing_expires_in_is_clamped,
            overflowing_throttle_wait_ends_at_the_deadline,
            a_fetched_token_echoed_in_any_field_is_redacted,
            a_fetched_token_echoed_in_any_encoding_is_redacted,
        );
    };
}
