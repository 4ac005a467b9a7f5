//! The `http` aliases and the request extensions the core attaches: a leaf module.

/// A request as the core builds it.
pub type HttpRequest = http::Request<Vec<u8>>;

/// A response as a transport returns it.
pub type HttpResponse = http::Response<Vec<u8>>;

/// Whether a request may be repeated, attached by the core to every request it builds (as a
/// request extension) from [`Endpoint::IDEMPOTENT`](crate::Endpoint::IDEMPOTENT).
///
/// ```
/// use dingtalk_notify_proto::api::{GetSendProgress, SendWorkNotification};
/// use dingtalk_notify_proto::transport::Idempotency;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint, Message};
/// let token = AccessToken::new("t");
/// let send = SendWorkNotification::new(1, Message::text("x")).to_users(["u"]);
/// let req = send.build_request(&BaseUrl::default(), &token)?;
/// assert_eq!(Idempotency::of(&req), Idempotency::NonIdempotent);
/// let req = GetSendProgress::new(1, 2).build_request(&BaseUrl::default(), &token)?;
/// assert_eq!(Idempotency::of(&req), Idempotency::Idempotent);
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Repeating it is harmless (queries, status bar updates, recalls, token fetches).
    Idempotent,
    /// Repeating it may act twice (a send): never re-send it blindly.
    NonIdempotent,
}

impl Idempotency {
    /// The request's marker; without one, by method (`POST` and `PATCH` are not idempotent).
    pub fn of<B>(request: &http::Request<B>) -> Self {
        if let Some(marker) = request.extensions().get::<Self>() {
            return *marker;
        }
        if request.method() == http::Method::POST || request.method() == http::Method::PATCH {
            Self::NonIdempotent
        } else {
            Self::Idempotent
        }
    }
}

/// A per-request time limit, set by the blocking client as a request extension
/// (`request.extensions().get::<RequestTimeout>()`) to the time left before the call's
/// deadline. Transports apply the smaller of it and their own overall timeout
/// ([`effective_timeout`](crate::transport::effective_timeout)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestTimeout(pub std::time::Duration);
