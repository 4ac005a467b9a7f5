//! Counting the calls one piece of work spends: [`counted`] runs it with a tally on this
//! thread, and the client notes every HTTP request it sends ([`note`]) under its
//! [`call_name`]. A campaign counts its sends and follow rounds this way and adds the counts
//! to its header. Nothing is counted outside [`counted`]; a scope inside another adds its
//! calls to both. [`monthly_quota`] recognises errcode 90020, after which no further call
//! is worth making.

use std::cell::RefCell;
use std::collections::BTreeMap;

use dingtalk_notify_proto::api::call_name;
use dingtalk_notify_proto::multipart::FormRequest;
use dingtalk_notify_proto::transport::TransportErrorKind;
use dingtalk_notify_proto::{ApiError, ErrorCode, HttpRequest, HttpResponse, Transport};

/// Calls by [`call_name`].
pub(crate) type Tally = BTreeMap<&'static str, u64>;

thread_local! {
    static TALLY: RefCell<Option<Tally>> = const { RefCell::new(None) };
}

/// Runs `work` counting the calls it sends on this thread; returns its output and the
/// calls, by name.
pub(crate) fn counted<R>(work: impl FnOnce() -> R) -> (R, Tally) {
    let outer = TALLY.with(|t| t.replace(Some(Tally::new())));
    let out = work();
    let mine = TALLY.with(|t| t.replace(outer)).unwrap_or_default();
    if !mine.is_empty() {
        TALLY.with(|t| {
            if let Some(outer) = t.borrow_mut().as_mut() {
                add(outer, &mine);
            }
        });
    }
    (out, mine)
}

/// Adds `more` to `into`.
pub(crate) fn add(into: &mut Tally, more: &Tally) {
    for (name, n) in more {
        let count = into.entry(name).or_insert(0);
        *count = count.saturating_add(*n);
    }
}

/// Notes one request about to be sent to `path`, when a [`counted`] scope is open.
pub(crate) fn note(path: &str) {
    TALLY.with(|t| {
        if let Some(tally) = t.borrow_mut().as_mut() {
            let count = tally.entry(call_name(path)).or_insert(0);
            *count = count.saturating_add(1);
        }
    });
}

/// A transport that [`note`]s each request before sending it: what the client sends
/// through.
pub(crate) struct Noted<'a, T>(pub(crate) &'a T);

impl<T: Transport> Transport for Noted<'_, T> {
    type Error = T::Error;

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error> {
        note(request.uri().path());
        self.0.send(request)
    }

    fn send_form(&self, request: FormRequest<'_>) -> Result<HttpResponse, Self::Error> {
        note(request.head().uri().path());
        self.0.send_form(request)
    }

    fn classify(&self, error: &Self::Error) -> TransportErrorKind {
        self.0.classify(error)
    }
}

/// The organisation's monthly quota answer (90020, plain or wrapped under errcode 88), if
/// `error` is one: every further call would be refused too, until next month or a plan
/// upgrade.
pub(crate) fn monthly_quota<E>(error: &crate::Error<E>) -> Option<ApiError> {
    error
        .api()
        .filter(|api| api.effective_code() == ErrorCode::MONTHLY_QUOTA_EXCEEDED)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_count_their_own_calls_and_add_them_to_the_outer() {
        note("/gettoken"); // no scope: not counted anywhere
        let ((), outer) = counted(|| {
            note("/gettoken");
            let ((), inner) = counted(|| {
                note("/topapi/message/corpconversation/getsendprogress");
                note("/topapi/message/corpconversation/getsendprogress");
            });
            assert_eq!(inner, Tally::from([("progress", 2)]));
        });
        assert_eq!(outer, Tally::from([("progress", 2), ("token", 1)]));
        let ((), after) = counted(|| {});
        assert!(after.is_empty());
    }
}
