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

/// Expands every scenario of [`hostile`](crate::hostile) into a `#[test]` over the
/// transport that `$make: fn(TransportSettings) -> T` builds.
#[macro_export]
macro_rules! hostile_matrix {
    ($make:path) => {
        $crate::scenario_matrix!(@hostile $make;
            overflowing_expires_in_is_clamped,
            overflowing_throttle_wait_ends_at_the_deadline,
            a_fetched_token_echoed_in_any_field_is_redacted,
        );
    };
}
