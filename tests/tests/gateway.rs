//! The real gateway's error shapes (issue 10, "Done when"), over ureq and isahc, against the
//! simulator on loopback, on each of the five corpconversation calls:
//!
//! - a token refused as errcode 88 / `sub_code` 40014 or 42001 (how the live gateway writes
//!   it on `/topapi` paths) is refreshed once and the call replayed once;
//! - 90018 (per-app, per-API rate limit; the throttling page says wait a second) is retried
//!   after at least 1 s;
//! - 88 / 60011 (the app lacks the permission) is permanent, with a hint that names the
//!   permission, and nothing is retried;
//! - a ban (90010) is not waited out past the call's deadline: one request, then the error.
//!
//! The expected outcomes are written from DingTalk's error-code pages and the documents of
//! `RetryPolicy` (token: one refresh, one replay; throttle: at least 1 s; ban floor 60 s
//! against the harness's 30 s deadline), not asked of the code under test. The assertions
//! read the simulator's own records: the requests that reached each route, the tokens they
//! carried, the token fetches, the tasks and deliveries.

use std::time::Duration;

use dingtalk_notify::api::{RecipientLimits, SendWorkNotification};
use dingtalk_notify::kit::retry::FixedJitter;
use dingtalk_notify::message::{Oa, OaBody, OaHead};
use dingtalk_notify::{
    BaseUrl, BuildError, Client, ClientBuilder, Error, ErrorCode, Message, ResponseError,
    StatusColor, TaskHandle, TokenSource, VirtualClock,
};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_CORP_ID, DEMO_ISV_AGENT_ID, DEMO_SUITE_KEY, DEMO_SUITE_SECRET,
    DEMO_SUITE_TICKET, Fault, Route, SendLimits,
};
use dingtalk_notify_tests::harness::{
    Harness, SharedClock, TransportSettings, demo_app, harness, harness_with, isahc_transport,
    retry_policy, ureq_transport,
};
use dingtalk_notify_tests::scenarios::TestTransport;

/// errcode 88: "see sub_code" (the wrapper of `/topapi` errors).
const WRAPPER: i64 = 88;
/// `sub_code` 40014: the access token is not valid (不合法的access_token).
const INVALID_TOKEN: i64 = 40014;
/// `sub_code` 42001: the access token expired.
const EXPIRED_TOKEN: i64 = 42001;
/// 90018: the per-app, per-API call rate was exceeded; wait a second.
const API_RATE_LIMITED: i64 = 90018;
/// 60011: the app lacks the permission for this API.
const NO_PERMISSION: i64 = 60011;
/// 90010: calls to this API are banned for a while (one of the 90001–90014 bans).
const BANNED: i64 = 90010;

/// The recipient of the setup send.
const USER: &str = "alice";
/// The recipient of the send under test (DingTalk delivers the same content to the same
/// user once a day, so it differs from the setup send's).
const SEND_USER: &str = "bob";

/// The five corpconversation calls.
#[derive(Debug, Clone, Copy)]
enum Call {
    Send,
    Progress,
    Result,
    StatusBar,
    Recall,
}

const CALLS: [Call; 5] = [
    Call::Send,
    Call::Progress,
    Call::Result,
    Call::StatusBar,
    Call::Recall,
];

impl Call {
    fn route(self) -> Route {
        match self {
            Call::Send => Route::Send,
            Call::Progress => Route::SendProgress,
            Call::Result => Route::SendResult,
            Call::StatusBar => Route::StatusBarUpdate,
            Call::Recall => Route::Recall,
        }
    }

    /// Makes the call; `task` is the one sent before (the four follow-up calls use it).
    fn run<T: TestTransport>(
        self,
        h: &Harness<T>,
        task: &TaskHandle,
    ) -> Result<(), Error<T::Error>> {
        match self {
            Call::Send => h
                .client
                .send(
                    &SendWorkNotification::new(DEMO_AGENT_ID, Message::text("Build #42 is green"))
                        .to_users([SEND_USER]),
                )
                .map(drop),
            Call::Progress => h.client.progress(task).map(drop),
            Call::Result => h.client.result(task).map(drop),
            Call::StatusBar => {
                let green = StatusColor::parse("#78C06E").expect("a colour");
                h.client
                    .update_status_bar(task, "Approved", Some(green))
                    .map(drop)
            }
            Call::Recall => h.client.recall(task).map(drop),
        }
    }
}

/// An OA notification with a status bar, so every follow-up call applies to it.
fn oa() -> SendWorkNotification {
    let oa = Oa::new(
        "https://example.com/leave/7",
        OaHead::new(StatusColor::from_argb(0xFFBB_BBBB), "Leave"),
        OaBody {
            title: Some("Leave request".into()),
            ..OaBody::default()
        },
    )
    .status_bar("Pending", None);
    SendWorkNotification::new(DEMO_AGENT_ID, oa).to_users([USER])
}

/// A text notification to `user`.
fn text(user: &str) -> SendWorkNotification {
    SendWorkNotification::new(DEMO_AGENT_ID, Message::text("Build #42 is green")).to_users([user])
}

/// Sends the task the follow-up calls use, then forgets the requests so far.
fn prepared<T: TestTransport>(h: &Harness<T>) -> TaskHandle {
    let task = h.client.send(&oa()).expect("the setup send");
    h.server.clear_requests();
    task
}

/// The tokens the requests to `route` carried, in order.
fn tokens<T>(h: &Harness<T>, route: Route) -> Vec<String> {
    h.server
        .requests_to(route)
        .iter()
        .map(|r| r.query_value("access_token").unwrap_or_default().to_owned())
        .collect()
}

/// The error's `errcode` and effective code (the `sub_code` under 88), as numbers.
fn codes<T>(err: &Error<T>) -> (Option<i64>, Option<i64>) {
    (
        err.code().map(ErrorCode::get),
        err.effective_code().map(ErrorCode::get),
    )
}

/// The send under test created `times` tasks and reached its user `times` times.
fn sent<T>(h: &Harness<T>, times: u64) {
    let tasks = h
        .server
        .tasks()
        .iter()
        .filter(|t| t.recipients.iter().any(|r| r == SEND_USER))
        .count();
    assert_eq!(tasks as u64, times, "tasks for {SEND_USER}");
    assert_eq!(
        h.server.deliveries(SEND_USER),
        times,
        "deliveries to {SEND_USER}"
    );
}

/// A token refused as 88/`code` on the first try of `call`: one refresh, one replay with the
/// new token, success. Refused on every try: surfaced after that one replay, as 88/`code`.
fn token_refused_once_is_refreshed_and_replayed<T: TestTransport>(
    make: fn(TransportSettings) -> T,
    code: i64,
) {
    for call in CALLS {
        let h = harness(make(TransportSettings::default()));
        let task = prepared(&h);
        let route = call.route();
        h.server.inject(route, Calls::Nth(1), Fault::Code(code));
        call.run(&h, &task)
            .unwrap_or_else(|e| panic!("{call:?} after one refusal as {code}: {e}"));
        assert_eq!(h.server.token_fetches(), 2, "{call:?}: exactly one refresh");
        // The refused token is still valid in the simulator, which (as gettoken does)
        // hands it out again: the refresh is seen as a fetch, not as a new token.
        assert_eq!(
            tokens(&h, route).len(),
            2,
            "{call:?}: replayed exactly once"
        );
        assert_eq!(
            h.clock.client.sleeps(),
            0,
            "{call:?}: a refresh does not back off"
        );
        if let Call::Send = call {
            // The refused send did not go out; the replay did, once.
            sent(&h, 1);
        }

        // Refused again and again: one refresh, one replay, then the wrapped error.
        h.server.clear_requests();
        h.server.inject(route, Calls::All, Fault::Code(code));
        let err = call.run(&h, &task).expect_err("refused throughout");
        assert_eq!(
            codes(&err),
            (Some(WRAPPER), Some(code)),
            "{call:?}: the gateway's 88 wrapping, judged by its sub_code: {err}"
        );
        assert_eq!(tokens(&h, route).len(), 2, "{call:?}: not looped");
        assert_eq!(h.server.token_fetches(), 3, "{call:?}: one more refresh");
        assert!(
            err.to_string().contains(&code.to_string()),
            "{call:?}: the message names the sub_code: {err}"
        );
    }
}

/// The simulator forgets every token it issued (no injected fault): each call is answered
/// 88/40014 as the gateway would, refreshed once and replayed once.
fn revoked_token_is_refreshed_on_every_call<T: TestTransport>(make: fn(TransportSettings) -> T) {
    for call in CALLS {
        let h = harness(make(TransportSettings::default()));
        let task = prepared(&h);
        h.server.revoke_tokens();
        call.run(&h, &task)
            .unwrap_or_else(|e| panic!("{call:?} after a revocation: {e}"));
        assert_eq!(h.server.token_fetches(), 2, "{call:?}: exactly one refresh");
        let seen = tokens(&h, call.route());
        assert_eq!(seen.len(), 2, "{call:?}: replayed exactly once");
        assert_ne!(
            seen[0], seen[1],
            "{call:?}: the replay carries the new token"
        );
        if let Call::Send = call {
            sent(&h, 1);
        }
    }
}

/// 90018 once: retried after at least a second, with the same token; a send goes out once.
fn rate_limit_90018_is_retried_after_a_second<T: TestTransport>(make: fn(TransportSettings) -> T) {
    for call in CALLS {
        let h = harness(make(TransportSettings::default()));
        let task = prepared(&h);
        let route = call.route();
        h.server
            .inject(route, Calls::Nth(1), Fault::Code(API_RATE_LIMITED));
        let before = h.clock.client.slept();
        call.run(&h, &task)
            .unwrap_or_else(|e| panic!("{call:?} after one 90018: {e}"));
        let waited = h.clock.client.slept() - before;
        assert!(
            waited >= Duration::from_secs(1),
            "{call:?}: waited {waited:?}, the throttling page says at least 1 s"
        );
        let seen = tokens(&h, route);
        assert_eq!(seen.len(), 2, "{call:?}: one retry");
        assert_eq!(
            seen[0], seen[1],
            "{call:?}: a rate limit is not a token problem"
        );
        assert_eq!(h.server.token_fetches(), 1, "{call:?}: no refresh");
        if let Call::Send = call {
            sent(&h, 1);
        }
    }
}

/// The app lacks the permission for `call` (the simulator answers 88/60011): the error comes
/// back at once, names the permission, and nothing is retried or refreshed.
fn missing_permission_is_permanent_with_the_hint<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    for call in CALLS {
        let route = call.route();
        let h = harness_with(
            make(TransportSettings::default()),
            |_| demo_app(),
            |b| b.missing_permission(route),
        );
        // The setup send needs its permission; a refused send is tested without a task.
        let task = match call {
            Call::Send => TaskHandle::new(DEMO_AGENT_ID, 1_u64),
            _ => prepared(&h),
        };
        let err = call.run(&h, &task).expect_err("no permission");
        assert_eq!(
            codes(&err),
            (Some(WRAPPER), Some(NO_PERMISSION)),
            "{call:?}: {err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("permission"),
            "{call:?}: the message says what to grant: {text}"
        );
        assert_eq!(tokens(&h, route).len(), 1, "{call:?}: not retried");
        assert_eq!(
            h.server.token_fetches(),
            1,
            "{call:?}: the token was not blamed"
        );
        assert_eq!(h.clock.client.sleeps(), 0, "{call:?}: no backoff");
        if let Call::Send = call {
            sent(&h, 0);
        }
    }
}

/// A ban (at least 60 s, the retry policy's ban floor) cannot be waited out within the
/// harness's 30 s deadline: the call ends at once with the ban as its last failure, after
/// one request.
fn ban_past_the_deadline_ends_the_call<T: TestTransport>(make: fn(TransportSettings) -> T) {
    for call in CALLS {
        let h = harness(make(TransportSettings::default()));
        let task = prepared(&h);
        let route = call.route();
        h.server.inject(route, Calls::All, Fault::Code(BANNED));
        let err = call.run(&h, &task).expect_err("banned");
        assert!(matches!(err, Error::Deadline { .. }), "{call:?}: {err:?}");
        assert_eq!(err.effective_code().map(ErrorCode::get), Some(BANNED));
        assert_eq!(tokens(&h, route).len(), 1, "{call:?}: one request");
        if let Call::Send = call {
            // The gateway refused it: nothing went out, and it was not sent again.
            sent(&h, 0);
        }
    }
}

/// The IP throttle as an HTML page (HTTP 200, `text/html`, the JSON inside): waited out for
/// at least its `wait` (5 s), then retried; a send goes out once.
fn throttle_html_page_is_waited_out<T: TestTransport>(make: fn(TransportSettings) -> T) {
    for call in CALLS {
        let h = harness(make(TransportSettings::default()));
        let task = prepared(&h);
        let route = call.route();
        h.server.inject(route, Calls::Nth(1), Fault::ThrottleHtml);
        let before = h.clock.client.slept();
        call.run(&h, &task)
            .unwrap_or_else(|e| panic!("{call:?} after the throttle page: {e}"));
        let waited = h.clock.client.slept() - before;
        assert!(
            waited >= Duration::from_secs(5),
            "{call:?}: waited {waited:?}, the page says wait 5"
        );
        assert_eq!(tokens(&h, route).len(), 2, "{call:?}: one retry");
        if let Call::Send = call {
            sent(&h, 1);
        }
    }
}

/// The old TOP gateway's `error_response` (code 50, `sub_code` `isv.invalid-parameter`): a
/// typed error that shows both, returned at once.
fn old_gateway_error_is_typed_and_permanent<T: TestTransport>(make: fn(TransportSettings) -> T) {
    for call in CALLS {
        let h = harness(make(TransportSettings::default()));
        let task = prepared(&h);
        let route = call.route();
        h.server.inject(route, Calls::All, Fault::OldGatewayError);
        let err = call.run(&h, &task).expect_err("an old-gateway error");
        match &err {
            Error::Response(ResponseError::Top(top)) => {
                assert_eq!(top.code, 50, "{call:?}");
                assert_eq!(top.sub_code.as_deref(), Some("isv.invalid-parameter"));
            }
            other => panic!("{call:?}: expected the TOP error, got {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("50") && text.contains("isv.invalid-parameter"),
            "{call:?}: {text}"
        );
        assert_eq!(tokens(&h, route).len(), 1, "{call:?}: not retried");
        assert_eq!(h.clock.client.sleeps(), 0, "{call:?}");
        if let Call::Send = call {
            sent(&h, 0);
        }
    }
}

/// Errcode 88 without a `sub_code` (the old pages' example) says nothing to act on:
/// permanent, its `sub_msg` shown, no refresh.
fn wrapped_without_a_sub_code_is_permanent<T: TestTransport>(make: fn(TransportSettings) -> T) {
    for call in CALLS {
        let h = harness(make(TransportSettings::default()));
        let task = prepared(&h);
        let route = call.route();
        h.server.inject(
            route,
            Calls::All,
            Fault::Wrapped {
                sub_code: None,
                sub_msg: "remote service error".into(),
            },
        );
        let err = call.run(&h, &task).expect_err("88 alone");
        assert_eq!(
            codes(&err),
            (Some(WRAPPER), Some(WRAPPER)),
            "{call:?}: {err}"
        );
        assert!(
            err.to_string().contains("remote service error"),
            "{call:?}: the sub_msg is shown: {err}"
        );
        assert_eq!(tokens(&h, route).len(), 1, "{call:?}: not retried");
        assert_eq!(h.server.token_fetches(), 1, "{call:?}: no refresh");
    }
}

/// `count` distinct user ids.
fn users(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("user{i:04}")).collect()
}

/// The current limits (100 users, 20 departments per call) by default: one more is refused
/// before anything is sent, with the way out in the message; the limit itself goes through.
fn current_recipient_limits_are_checked_locally<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    let over_users =
        SendWorkNotification::new(DEMO_AGENT_ID, Message::text("x")).to_users(users(101));
    let over_depts = SendWorkNotification::new(DEMO_AGENT_ID, Message::text("x"))
        .to_depts((1..=21).collect::<Vec<u64>>());
    for send in [over_users, over_depts] {
        let err = h.client.send(&send).expect_err("over the per-call limit");
        assert!(
            matches!(err, Error::Build(BuildError::TooManyRecipients { .. })),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("split"), "how to split: {text}");
        assert!(
            text.contains("RecipientLimits::LEGACY"),
            "the preset: {text}"
        );
    }
    assert!(h.server.requests().is_empty(), "nothing reached the server");

    let at_limit = SendWorkNotification::new(DEMO_AGENT_ID, Message::text("at the limit"))
        .to_users(users(100))
        .to_depts((1..=20).collect::<Vec<u64>>());
    h.client
        .send(&at_limit)
        .expect("100 users and 20 departments");
    assert_eq!(h.server.requests_to(Route::Send).len(), 1);
}

/// An account with the old limits opts into `RecipientLimits::LEGACY`: 101 users go out in
/// one call; `getsendresult` then refuses the task (over 100 recipients), at once.
fn legacy_preset_sends_more_and_the_result_is_refused<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let mut h = harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| b.send_limits(SendLimits::LEGACY),
    );
    h.client = builder_at(&h, &h.server.base_url())
        .recipient_limits(RecipientLimits::LEGACY)
        .build(make(TransportSettings::default()));
    let send =
        SendWorkNotification::new(DEMO_AGENT_ID, Message::text("to many")).to_users(users(101));
    let task = h
        .client
        .send(&send)
        .expect("101 users under the old limits");
    let recorded = h.server.task(task.task_id.get()).expect("the task exists");
    assert_eq!(recorded.recipients.len(), 101);

    let err = h.client.result(&task).expect_err("over 100 recipients");
    assert!(err.api().is_some(), "an API error: {err:?}");
    assert_eq!(
        h.server.requests_to(Route::SendResult).len(),
        1,
        "not retried"
    );
    assert_eq!(h.clock.client.sleeps(), 0);
}

/// A client builder with the demo app, pointed at `base_url` on `h`'s timeline (the
/// harness's settings).
fn builder_at<T>(h: &Harness<T>, base_url: &str) -> ClientBuilder {
    Client::builder(demo_app())
        .base_url(BaseUrl::new(base_url).expect("loopback base URL"))
        .retry(retry_policy())
        .clock(h.clock.clone())
        .jitter(FixedJitter(0.5))
}

/// A base URL that misses the gateway's path prefix, or has `/topapi` pasted onto it: the
/// path is unknown (errcode 22; on a `/topapi` path HTTP 200 with `sub_msg` alone). The
/// error shows the `sub_msg` and says to check the base URL; nothing is retried.
fn unknown_path_is_errcode_22_with_the_base_url_hint<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let mut h = harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| b.path_prefix("/gw/dingtalk"),
    );
    let served = h.server.base_url();
    let root = served
        .strip_suffix("/gw/dingtalk")
        .expect("the base URL ends with the prefix")
        .to_owned();
    for (base, sub_msg) in [
        (root, None),
        (format!("{served}/topapi"), Some("不存在的方法名")),
    ] {
        h.client = builder_at(&h, &base).build(make(TransportSettings::default()));
        h.server.clear_requests();
        let err = h.client.send(&text(USER)).expect_err("an unknown path");
        assert_eq!(codes(&err), (Some(22), Some(22)), "{base}: {err}");
        let shown = err.to_string();
        assert!(shown.contains("base URL"), "{base}: the hint: {shown}");
        if let Some(sub_msg) = sub_msg {
            assert!(shown.contains(sub_msg), "{base}: the sub_msg: {shown}");
        }
        assert_eq!(
            h.server.requests().len(),
            1,
            "{base}: one token fetch, not retried"
        );
        assert!(h.server.tasks().is_empty(), "{base}: nothing sent");
    }
}

/// An ISV app whose clock is more than a minute off DingTalk's: `get_corp_token` refuses
/// its signed timestamp with 853002, the error says to sync the clock, nothing is retried
/// and nothing is sent. Half a minute off is accepted.
fn isv_clock_off_by_more_than_a_minute_is_853002<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let isv = || {
        TokenSource::isv(
            DEMO_SUITE_KEY,
            DEMO_SUITE_SECRET,
            DEMO_SUITE_TICKET,
            DEMO_CORP_ID,
        )
    };
    let mut h = harness_with(
        make(TransportSettings::default()),
        |_| isv(),
        |b| b.check_corp_token_timestamp(Duration::from_secs(60)),
    );
    let wall = h.server.clock().wall();
    for (skew, accepted) in [(120, false), (30, true)] {
        let clock = SharedClock {
            client: VirtualClock::starting_at(wall + Duration::from_secs(skew)),
            mock: h.server.clock(),
        };
        h.client = Client::builder(isv())
            .base_url(BaseUrl::new(&h.server.base_url()).expect("loopback base URL"))
            .retry(retry_policy())
            .clock(clock.clone())
            .jitter(FixedJitter(0.5))
            .build(make(TransportSettings::default()));
        h.server.clear_requests();
        let send = SendWorkNotification::new(DEMO_ISV_AGENT_ID, Message::text("clock check"))
            .to_users([USER]);
        let got = h.client.send(&send);
        assert_eq!(
            h.server.requests_to(Route::GetCorpToken).len(),
            1,
            "{skew} s: one signed fetch"
        );
        if accepted {
            got.unwrap_or_else(|e| panic!("{skew} s off is within a minute: {e}"));
            continue;
        }
        let err = got.expect_err("more than a minute off");
        assert_eq!(
            err.effective_code().map(ErrorCode::get),
            Some(853002),
            "{err}"
        );
        assert!(err.to_string().contains("clock"), "the hint: {err}");
        assert!(h.server.requests_to(Route::Send).is_empty(), "nothing sent");
        assert_eq!(clock.client.sleeps(), 0, "not retried");
    }
}

/// Expands the scenarios above into tests over one transport.
macro_rules! over {
    ($module:ident, $make:path) => {
        mod $module {
            use super::*;

            #[test]
            fn token_88_40014_is_refreshed_and_replayed_once() {
                token_refused_once_is_refreshed_and_replayed($make, INVALID_TOKEN);
            }

            #[test]
            fn token_88_42001_is_refreshed_and_replayed_once() {
                token_refused_once_is_refreshed_and_replayed($make, EXPIRED_TOKEN);
            }

            #[test]
            fn revoked_token_is_refreshed() {
                revoked_token_is_refreshed_on_every_call($make);
            }

            #[test]
            fn rate_limit_90018_waits_a_second() {
                rate_limit_90018_is_retried_after_a_second($make);
            }

            #[test]
            fn missing_permission_88_60011_is_permanent() {
                missing_permission_is_permanent_with_the_hint($make);
            }

            #[test]
            fn ban_is_not_waited_past_the_deadline() {
                ban_past_the_deadline_ends_the_call($make);
            }

            #[test]
            fn throttle_html_page_waits_five_seconds() {
                throttle_html_page_is_waited_out($make);
            }

            #[test]
            fn old_gateway_error_is_typed() {
                old_gateway_error_is_typed_and_permanent($make);
            }

            #[test]
            fn errcode_88_without_sub_code_is_permanent() {
                wrapped_without_a_sub_code_is_permanent($make);
            }

            #[test]
            fn current_limits_refuse_101_users_or_21_departments_locally() {
                current_recipient_limits_are_checked_locally($make);
            }

            #[test]
            fn legacy_preset_sends_101_users() {
                legacy_preset_sends_more_and_the_result_is_refused($make);
            }

            #[test]
            fn unknown_path_is_errcode_22() {
                unknown_path_is_errcode_22_with_the_base_url_hint($make);
            }

            #[test]
            fn isv_clock_skew_is_853002() {
                isv_clock_off_by_more_than_a_minute_is_853002($make);
            }
        }
    };
}

over!(ureq, ureq_transport);
over!(isahc, isahc_transport);
