//! The `http` aliases and the request extensions the core attaches: a leaf module.

/// A request as the core builds it.
pub type HttpRequest = http::Request<Vec<u8>>;

/// A response as a transport returns it.
pub type HttpResponse = http::Response<Vec<u8>>;

/// Whether a request may be repeated: from [`Endpoint::IDEMPOTENT`](crate::Endpoint::IDEMPOTENT)
/// for every request the core builds.
///
/// The core's own endpoints are recognised by method and path, so their requests carry no
/// marker (a request extension costs three allocations); a request built from any other
/// [`Endpoint`](crate::Endpoint) carries this type as a request extension when its
/// declaration differs from what its method says.
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

/// The paths of the core's `POST` endpoints that are safe to repeat (every other `POST`, the
/// send among them, is not); checked against each endpoint's `IDEMPOTENT` by a test.
const IDEMPOTENT_POST_PATHS: [&str; 6] = [
    "/topapi/message/corpconversation/getsendprogress",
    "/topapi/message/corpconversation/getsendresult",
    "/topapi/message/corpconversation/status_bar/update",
    "/topapi/message/corpconversation/recall",
    "/service/get_corp_token",
    // A second upload only makes a second media_id.
    "/media/upload",
];

impl Idempotency {
    /// The request's marker; without one, the core's endpoints by path, any other request
    /// by method (`POST` and `PATCH` are not idempotent).
    pub fn of<B>(request: &http::Request<B>) -> Self {
        if let Some(marker) = request.extensions().get::<Self>() {
            return *marker;
        }
        Self::inferred(request.method(), request.uri().path())
    }

    /// What [`of`](Self::of) says of an unmarked request.
    pub(crate) fn inferred(method: &http::Method, path: &str) -> Self {
        if method == http::Method::PATCH {
            return Self::NonIdempotent;
        }
        if method != http::Method::POST || IDEMPOTENT_POST_PATHS.iter().any(|p| path.ends_with(p)) {
            Self::Idempotent
        } else {
            Self::NonIdempotent
        }
    }
}

/// A per-request time limit, set by the blocking client as a request extension
/// (`request.extensions().get::<RequestTimeout>()`) to the time left before the call's
/// deadline. Transports apply the smaller of it and their own overall timeout
/// ([`effective_timeout`](crate::transport::effective_timeout)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestTimeout(pub std::time::Duration);
