//! Decisions that take `now`: the recipient budget window, the token cache and the clock's
//! saturating arithmetic. An `Instant` can only be made with `Instant::now()`, which the
//! core's `src/` never calls, so these tests live here: each takes one arbitrary origin and
//! moves time by adding to it.

use std::time::{Duration, Instant};

use dingtalk_notify_proto::campaign::{Admission, Budget, BudgetWindow, BudgetWindowError};
use dingtalk_notify_proto::token::{
    Freshness, ProvidedToken, TokenCache, TokenKey, TokenOrRequest, TokenProvider,
};
use dingtalk_notify_proto::{AccessToken, FOREVER, TokenSource, instant_after};
use proptest::prelude::*;

// ---- the recipient budget window ---------------------------------------------------------

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_campaign_within_the_budget_is_not_slowed() {
    let mut w = BudgetWindow::new(Budget::DINGTALK_APP);
    let t0 = Instant::now();
    for _ in 0..50 {
        assert_eq!(w.try_acquire(100, t0).unwrap(), Admission::Granted);
    }
    assert_eq!(w.used(t0), 5_000);
    assert_eq!(w.try_acquire(1, t0).unwrap(), Admission::Wait(secs(60)));
}

#[test]
fn waits_until_enough_old_grants_leave() {
    let mut w = BudgetWindow::new(Budget::per_minute(300));
    let t0 = Instant::now();
    for i in 0..3 {
        assert_eq!(
            w.try_acquire(100, t0 + secs(i * 10)).unwrap(),
            Admission::Granted
        );
    }
    // 300 used; 150 needs the first two grants gone: the second leaves at t0 + 70 s.
    assert_eq!(w.wait_for(150, t0 + secs(30)).unwrap(), secs(40));
    assert_eq!(w.wait_for(100, t0 + secs(30)).unwrap(), secs(30));
    assert_eq!(w.wait_for(0, t0 + secs(30)).unwrap(), Duration::ZERO);
    assert_eq!(
        w.try_acquire(150, t0 + secs(70)).unwrap(),
        Admission::Granted
    );
    assert_eq!(w.used(t0 + secs(70)), 250);
}

#[test]
fn more_than_the_budget_at_once_is_an_error() {
    let mut w = BudgetWindow::new(Budget::per_minute(50));
    let err = w.try_acquire(100, Instant::now()).unwrap_err();
    assert_eq!(
        err,
        BudgetWindowError::LargerThanBudget {
            requested: 100,
            budget: 50
        }
    );
    assert!(err.to_string().contains("send smaller chunks"));
}

#[test]
fn saturate_holds_everything_for_a_window() {
    let mut w = BudgetWindow::new(Budget::per_minute(1_000));
    let t0 = Instant::now();
    w.exhaust(t0);
    assert_eq!(w.wait_for(1, t0 + secs(59)).unwrap(), secs(1));
    assert_eq!(
        w.try_acquire(1_000, t0 + secs(60)).unwrap(),
        Admission::Granted
    );
}

#[test]
fn a_now_before_the_last_grant_counts_it_later_not_earlier() {
    let mut w = BudgetWindow::new(Budget::per_minute(100));
    let t0 = Instant::now();
    w.try_acquire(60, t0 + secs(10)).unwrap();
    w.try_acquire(40, t0).unwrap(); // recorded at t0 + 10 s
    assert_eq!(w.wait_for(1, t0 + secs(69)).unwrap(), secs(1));
}

#[test]
fn expired_grants_are_dropped() {
    let mut w = BudgetWindow::new(Budget::per_minute(100));
    let t0 = Instant::now();
    for i in 0..1_000 {
        w.try_acquire(100, t0 + secs(60 * i)).unwrap();
    }
    assert_eq!(w.grant_count(), 1);
}

proptest! {
    #[test]
    fn no_window_ever_holds_more_than_the_budget_and_waits_are_exact(
        quota in 1u32..500,
        steps in prop::collection::vec((0u64..40_000, 0u32..200, any::<bool>()), 1..120),
    ) {
        let quota = Budget { recipients: quota, window: Duration::from_secs(60) };
        let mut w = BudgetWindow::new(quota);
        let t0 = Instant::now();
        let mut now = t0;
        // Real grants only; a saturation counts in the window but sends nothing.
        let mut granted: Vec<(Instant, u32)> = Vec::new();
        for (dt_ms, n, saturate) in steps {
            now += Duration::from_millis(dt_ms);
            if saturate && n % 7 == 0 {
                w.exhaust(now);
                prop_assert_eq!(w.wait_for(1, now), Ok(quota.window));
                continue;
            }
            match w.try_acquire(n, now) {
                Err(BudgetWindowError::LargerThanBudget { .. }) => prop_assert!(n > quota.recipients),
                Err(other) => prop_assert!(false, "unexpected error: {}", other),
                Ok(Admission::Granted) => {
                    prop_assert!(n <= quota.recipients);
                    if n > 0 { granted.push((now, n)); }
                }
                Ok(Admission::Wait(wait)) => {
                    prop_assert!(wait > Duration::ZERO && wait <= quota.window);
                    let mut later = w.clone();
                    prop_assert_eq!(later.try_acquire(n, now + wait), Ok(Admission::Granted));
                    if wait > Duration::from_millis(1) {
                        let early = now + wait - Duration::from_millis(1);
                        prop_assert!(matches!(w.wait_for(n, early), Ok(d) if d > Duration::ZERO));
                    }
                }
            }
        }
        // Every window [start, start + 60 s) beginning at a grant: the fullest windows
        // begin at one.
        for (i, (start, _)) in granted.iter().enumerate() {
            let sum: u64 = granted[i..]
                .iter()
                .take_while(|(at, _)| *at - *start < quota.window)
                .map(|(_, n)| u64::from(*n))
                .sum();
            prop_assert!(sum <= u64::from(quota.recipients), "{} in a window", sum);
        }
    }
}

// ---- the token cache ---------------------------------------------------------------------

fn key() -> TokenKey {
    TokenKey::App("k".into())
}

#[test]
fn fresh_then_stale_then_missing() {
    let mut c = TokenCache::new();
    let t0 = Instant::now();
    c.insert(key(), AccessToken::new("a"), Duration::from_secs(7200), t0);
    let at = |s| t0 + Duration::from_secs(s);
    assert!(matches!(c.freshness(&key(), at(6899)), Freshness::Fresh(_)));
    assert!(matches!(c.freshness(&key(), at(6900)), Freshness::Stale(_)));
    assert!(matches!(c.freshness(&key(), at(7199)), Freshness::Stale(_)));
    assert_eq!(c.freshness(&key(), at(7200)), Freshness::Missing);
}
#[test]
fn invalidate_spares_a_token_refreshed_meanwhile() {
    let mut c = TokenCache::new();
    let t0 = Instant::now();
    c.insert(
        key(),
        AccessToken::new("old"),
        Duration::from_secs(7200),
        t0,
    );
    c.insert(
        key(),
        AccessToken::new("new"),
        Duration::from_secs(7200),
        t0,
    );
    assert!(!c.invalidate(&key(), &AccessToken::new("old")));
    assert_eq!(
        c.freshness(&key(), t0),
        Freshness::Fresh(AccessToken::new("new"))
    );
    assert!(c.invalidate(&key(), &AccessToken::new("new")));
    assert_eq!(c.freshness(&key(), t0), Freshness::Missing);
}
#[test]
fn keys_separate_apps_and_corps() {
    let mut c = TokenCache::new();
    let t0 = Instant::now();
    let a = TokenSource::isv("suite", "s", "t", "corpA").key();
    let b = TokenSource::isv("suite", "s", "t", "corpB").key();
    c.insert(
        a.clone(),
        AccessToken::new("A"),
        Duration::from_secs(60),
        t0,
    );
    assert!(matches!(c.freshness(&a, t0), Freshness::Fresh(_)));
    assert_eq!(c.freshness(&b, t0), Freshness::Missing);
}
#[test]
fn token_or_request_asks_for_the_right_fetch() {
    let mut c = TokenCache::new();
    let t0 = Instant::now();
    let src = TokenSource::app("k", "secret");
    let TokenOrRequest::Request {
        request: r,
        current: None,
    } = c.token_or_request(&src, t0, 0).unwrap()
    else {
        panic!("expected a request");
    };
    assert_eq!(r.path(), "/gettoken");
    c.insert(
        src.key(),
        AccessToken::new("tok"),
        Duration::from_secs(7200),
        t0,
    );
    assert!(matches!(
        c.token_or_request(&src, t0, 0).unwrap(),
        TokenOrRequest::Token(t) if t.expose_secret() == "tok"
    ));
    let isv = TokenSource::isv("suite", "s", "ticket", "corp");
    let TokenOrRequest::Request { request: r, .. } = c.token_or_request(&isv, t0, 1).unwrap()
    else {
        panic!("expected a request");
    };
    assert_eq!(r.path(), "/service/get_corp_token");
    let st = TokenSource::static_token("fixed");
    assert!(matches!(
        c.token_or_request(&st, t0, 0).unwrap(),
        TokenOrRequest::Token(_)
    ));
    // Inside the refresh margin: fetch, but the current token stays usable.
    assert!(matches!(
        c.token_or_request(&src, t0 + Duration::from_secs(7000), 0).unwrap(),
        TokenOrRequest::Request { current: Some(t), .. } if t.expose_secret() == "tok"
    ));
    let provided = TokenSource::provider(NoProvider);
    assert!(matches!(
        c.token_or_request(&provided, t0, 0).unwrap(),
        TokenOrRequest::AskProvider { current: None }
    ));
}

struct NoProvider;
impl TokenProvider for NoProvider {
    fn token(&self) -> Result<ProvidedToken, Box<dyn std::error::Error + Send + Sync>> {
        Err("unused".into())
    }
}

// ---- the clock's arithmetic --------------------------------------------------------------

#[test]
fn overflowing_spans_saturate() {
    let now = Instant::now();
    assert_eq!(instant_after(now, Duration::MAX), now + FOREVER);
    assert_eq!(
        instant_after(now, Duration::from_secs(u64::MAX / 2)),
        now + FOREVER
    );
    assert_eq!(instant_after(now, Duration::ZERO), now);
}
