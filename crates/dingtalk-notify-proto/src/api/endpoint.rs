//! [`Endpoint`]: the metadata and the one generic builder every request goes through, and
//! what an unmarked request's [`Idempotency`] is.

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::AuthScheme;
use crate::base_url::BaseUrl;
use crate::code::ErrorCode;
use crate::code::hint::{self, Call};
use crate::error::{BuildError, ResponseError};
use crate::http_types::{HttpRequest, Idempotency};
use crate::multipart::Form;
use crate::multipart::FormRequest;
use crate::wire::{encode_query_component, encoded_query_len};

/// The `User-Agent` every built request carries.
pub const USER_AGENT_VALUE: &str = concat!("dingtalk-notify/", env!("CARGO_PKG_VERSION"));

// Checked once, at compile time: `HeaderValue::from_static` otherwise validates on every call.
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
const USER_AGENT_HEADER: HeaderValue = HeaderValue::from_static(USER_AGENT_VALUE);

/// One DingTalk endpoint: its method, path, authentication and typed response.
///
/// Every request type in [`crate::api`] implements it; [`Endpoint::build_request`] and
/// [`Endpoint::parse_response`] are the two halves of a call, and
/// [`execute`](crate::transport::execute) runs both over a [`Transport`](crate::Transport).
///
/// The scheme is a type, so the wrong credentials do not compile:
///
/// ```compile_fail
/// use dingtalk_notify_proto::api::GetAccessToken;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};
/// // `gettoken` takes no token: its input is `()`, not `&AccessToken`.
/// let _ = GetAccessToken::new("k", "s").build_request(&BaseUrl::default(), &AccessToken::new("t"));
/// ```
pub trait Endpoint {
    /// The HTTP method.
    const METHOD: Method;
    /// The path under the base URL, as the reference writes it (`/gettoken`).
    const PATH: &'static str;
    /// Whether repeating the call after an ambiguous failure is harmless. A send is not: the
    /// message may already be out.
    const IDEMPOTENT: bool;
    /// How the endpoint authenticates ([`NoAuth`](crate::auth::NoAuth),
    /// [`SuiteSigned`](crate::auth::SuiteSigned) or
    /// [`AccessTokenQuery`](crate::auth::AccessTokenQuery)).
    type Auth: AuthScheme;
    /// The typed response.
    type Response: DeserializeOwned;

    /// Checks the arguments; nothing is built when this fails.
    ///
    /// # Errors
    /// A [`BuildError`] saying what to fix.
    fn validate(&self) -> Result<(), BuildError>;

    /// Query parameters beyond the authentication, in order.
    fn query(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }

    /// The JSON body, if the endpoint takes one.
    ///
    /// # Errors
    /// [`BuildError::Encode`] if serialization fails.
    fn body(&self) -> Result<Option<Vec<u8>>, BuildError>;

    /// The body with its `Content-Type`: by default [`body`](Self::body) as
    /// `application/json`. An endpoint with another body (the `multipart/form-data` of a
    /// media upload) overrides this instead.
    ///
    /// # Errors
    /// [`BuildError::Encode`] if the body cannot be encoded.
    fn content(&self) -> Result<Option<(Vec<u8>, HeaderValue)>, BuildError> {
        Ok(self.body()?.map(|body| (body, APPLICATION_JSON)))
    }

    /// The body as a multipart [`Form`] borrowing its files, for an endpoint whose body is
    /// one (a media upload), so a transport can send a file without first copying it into
    /// a body ([`Validated::build_form_request`]). `None`, the default, for any other; an
    /// endpoint that has one still builds the same body whole through
    /// [`content`](Self::content).
    fn form(&self) -> Option<Form<'_>> {
        None
    }

    /// Validates, then builds the `http::Request` under `base` with the scheme's input.
    ///
    /// # Errors
    /// A [`BuildError`] when the arguments are invalid.
    fn build_request(
        &self,
        base: &BaseUrl,
        auth: AuthInput<'_, Self>,
    ) -> Result<HttpRequest, BuildError> {
        Validated::new(self)?.build_request(base, auth)
    }

    /// Parses any `http::Response` into the typed response or a [`ResponseError`].
    ///
    /// # Errors
    /// See [`parse_response`](crate::response::parse_response).
    fn parse_response<B: AsRef<[u8]>>(
        response: http::Response<B>,
    ) -> Result<Self::Response, ResponseError> {
        crate::response::parse_response(response).map_err(|e| e.with_call(hint_call::<Self>()))
    }

    /// What to do about `code` in an answer of this endpoint, in one sentence, where there
    /// is something to say: `40035` on `gettoken` is a missing appkey or appsecret, on
    /// `getsendresult` a wrong task id. An [`ApiError`](crate::ApiError) this endpoint's
    /// [`parse_response`](Self::parse_response) returns carries the same hint.
    ///
    /// ```
    /// use dingtalk_notify_proto::api::{GetAccessToken, GetSendResult};
    /// use dingtalk_notify_proto::{Endpoint, ErrorCode};
    /// let missing = GetAccessToken::hint(ErrorCode::INVALID_PARAMETER).unwrap();
    /// assert!(missing.contains("appkey"));
    /// let task = GetSendResult::hint(ErrorCode::INVALID_PARAMETER).unwrap();
    /// assert!(task.contains("task_id"));
    /// ```
    fn hint(code: ErrorCode) -> Option<&'static str> {
        hint::hint(code.get(), Some(hint_call::<Self>()))
    }
}

/// The hint context of `E`: the core table's, or the generic one.
fn hint_call<E: Endpoint + ?Sized>() -> Call {
    super::CORE
        .iter()
        .find(|facts| facts.path == E::PATH)
        .map_or(Call::Other, |facts| facts.call)
}

/// What the core knows of one of its own endpoints, for requests and answers that no longer
/// carry their type: an unmarked request's idempotency, the context of a hint. Read from
/// the endpoint's consts, so nothing is written twice.
pub(crate) struct Facts {
    method: Method,
    path: &'static str,
    idempotent: bool,
    call: Call,
}

impl Facts {
    /// `E`'s facts, with the context its hints are written for.
    pub(crate) const fn of<E: Endpoint>(call: Call) -> Self {
        Self {
            method: E::METHOD,
            path: E::PATH,
            idempotent: E::IDEMPOTENT,
            call,
        }
    }

    /// Whether `path` (maybe under a gateway's prefix) is this endpoint's.
    pub(crate) fn matches_path(&self, path: &str) -> bool {
        path.ends_with(self.path)
    }

    /// The context its hints are written for.
    pub(crate) fn call(&self) -> Call {
        self.call
    }
}

impl Idempotency {
    /// The request's marker; without one, the core's endpoints by method and path, any other
    /// request by method (`POST` and `PATCH` are not idempotent).
    pub fn of<B>(request: &http::Request<B>) -> Self {
        if let Some(marker) = request.extensions().get::<Self>() {
            return *marker;
        }
        Self::inferred(request.method(), request.uri().path())
    }

    /// What [`of`](Self::of) says of an unmarked request. Matched on the path's end, so a
    /// gateway prefix (`/dingtalk/topapi/...`) still fits.
    fn inferred(method: &Method, path: &str) -> Self {
        let core = super::CORE
            .iter()
            .find(|facts| facts.method == method && path.ends_with(facts.path));
        let idempotent = match core {
            Some(facts) => facts.idempotent,
            None => method != Method::POST && method != Method::PATCH,
        };
        if idempotent {
            Self::Idempotent
        } else {
            Self::NonIdempotent
        }
    }
}

/// Encodes a JSON body (the one helper every endpoint uses).
pub(crate) fn json_body<T: Serialize>(value: &T) -> Result<Option<Vec<u8>>, BuildError> {
    serde_json::to_vec(value)
        .map(Some)
        .map_err(|e| BuildError::Encode(e.to_string()))
}

/// The input an endpoint's [`AuthScheme`] takes: `()`, `&SuiteSignature` or `&AccessToken`.
pub type AuthInput<'a, E> = <<E as Endpoint>::Auth as AuthScheme>::Input<'a>;

/// An endpoint whose arguments have been checked, so building it checks nothing twice (a
/// call that is retried is validated once).
///
/// ```
/// use dingtalk_notify_proto::api::GetSendProgress;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, BuildError, Validated};
/// assert!(matches!(Validated::new(&GetSendProgress::new(0, 1)), Err(BuildError::ZeroId { .. })));
/// let progress = GetSendProgress::new(1, 2);
/// let checked = Validated::new(&progress)?;
/// let request = checked.build_request(&BaseUrl::default(), &AccessToken::new("t"))?;
/// assert!(request.uri().path().ends_with("/getsendprogress"));
/// # Ok::<(), BuildError>(())
/// ```
#[derive(Debug)]
pub struct Validated<'e, E: ?Sized> {
    endpoint: &'e E,
}

impl<E: ?Sized> Clone for Validated<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: ?Sized> Copy for Validated<'_, E> {}

impl<'e, E: Endpoint + ?Sized> Validated<'e, E> {
    /// Checks `endpoint`'s arguments ([`Endpoint::validate`]).
    ///
    /// # Errors
    /// The [`BuildError`] saying what to fix.
    pub fn new(endpoint: &'e E) -> Result<Self, BuildError> {
        endpoint.validate()?;
        Ok(Self { endpoint })
    }

    /// For an endpoint checked by other means (a send checked against the client's
    /// recipient limits).
    pub(crate) fn checked(endpoint: &'e E) -> Self {
        Self { endpoint }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &'e E {
        self.endpoint
    }

    /// Builds the `http::Request` under `base` with the scheme's input.
    ///
    /// # Errors
    /// [`BuildError::EmptyField`] for an empty access token, [`BuildError::Encode`] when the
    /// body cannot be encoded, [`BuildError::InvalidUri`] when the URI cannot be formed.
    pub fn build_request(
        &self,
        base: &BaseUrl,
        auth: AuthInput<'_, E>,
    ) -> Result<HttpRequest, BuildError> {
        build(self.endpoint, base, auth)
    }

    /// The request with its body as a [`Form`] not yet written, for an endpoint whose body
    /// is one ([`Endpoint::form`]: a media upload); `None` for any other. Sent with
    /// [`Transport::send_form`](crate::Transport::send_form).
    ///
    /// # Errors
    /// As [`build_request`](Self::build_request).
    pub fn build_form_request(
        &self,
        base: &BaseUrl,
        auth: AuthInput<'_, E>,
    ) -> Result<Option<FormRequest<'e>>, BuildError> {
        let Some(form) = self.endpoint.form() else {
            return Ok(None);
        };
        let head = head(self.endpoint, base, auth)?;
        Ok(Some(FormRequest::new(head, form)))
    }
}

/// The request head: method, URI (the base, the path, the scheme's and the endpoint's
/// query), `Accept`, `User-Agent` and, where the method would mislead, the
/// [`Idempotency`] marker.
fn head<E: Endpoint + ?Sized>(
    endpoint: &E,
    base: &BaseUrl,
    auth: AuthInput<'_, E>,
) -> Result<http::Request<()>, BuildError> {
    // The path and query are measured first, so the string is allocated at its exact length:
    // `Bytes` then takes it over without a second allocation.
    let query = endpoint.query();
    let path_len = base.path_prefix().len() + E::PATH.len();
    let mut len = path_len;
    E::Auth::append_query(auth, &mut |key, value| {
        len += 2 + key.len() + encoded_query_len(value);
    })?;
    for (key, value) in &query {
        len += 2 + key.len() + encoded_query_len(value);
    }
    let mut target = String::with_capacity(len);
    target.push_str(base.path_prefix());
    target.push_str(E::PATH);
    let mut first = true;
    let mut push = |key: &'static str, value: &str| {
        target.push(if first { '?' } else { '&' });
        first = false;
        target.push_str(key);
        target.push('=');
        encode_query_component(&mut target, value);
    };
    E::Auth::append_query(auth, &mut push)?;
    for (key, value) in query {
        push(key, value);
    }
    let idempotency = if E::IDEMPOTENT {
        Idempotency::Idempotent
    } else {
        Idempotency::NonIdempotent
    };
    // The core's own endpoints are told apart by method and path, so they carry no marker:
    // a first extension costs three allocations (`http::Extensions` boxes a map).
    let marked = Idempotency::inferred(&E::METHOD, &target[..path_len]) != idempotency;

    // Assembled in place rather than through `http::request::Builder`, which moves the whole
    // request head through every step (a tenth of a build's instructions), and from parts,
    // so the base's scheme and authority are shared rather than parsed again.
    // The URI is never put in the error: it may hold a token.
    let invalid = |_| BuildError::InvalidUri { path: E::PATH };
    let mut parts = http::uri::Parts::default();
    parts.scheme = Some(base.scheme());
    parts.authority = Some(base.authority().clone());
    parts.path_and_query = Some(
        http::uri::PathAndQuery::from_maybe_shared(bytes::Bytes::from(target.into_bytes()))
            .map_err(invalid)?,
    );
    let uri = http::Uri::from_parts(parts).map_err(|_| BuildError::InvalidUri { path: E::PATH })?;
    let mut request = http::Request::new(());
    *request.method_mut() = E::METHOD;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    let full = |_| BuildError::Encode("the request headers could not be set".to_owned());
    headers.try_insert(ACCEPT, APPLICATION_JSON).map_err(full)?;
    headers
        .try_insert(USER_AGENT, USER_AGENT_HEADER)
        .map_err(full)?;
    if marked {
        request.extensions_mut().insert(idempotency);
    }
    Ok(request)
}

/// The whole request: the [`head`] with the endpoint's [`content`](Endpoint::content).
fn build<E: Endpoint + ?Sized>(
    endpoint: &E,
    base: &BaseUrl,
    auth: AuthInput<'_, E>,
) -> Result<HttpRequest, BuildError> {
    let head = head(endpoint, base, auth)?;
    let Some((body, content_type)) = endpoint.content()? else {
        return Ok(head.map(|()| Vec::new()));
    };
    let mut request = head.map(|()| body);
    request
        .headers_mut()
        .try_insert(CONTENT_TYPE, content_type)
        .map_err(|_| BuildError::Encode("the request headers could not be set".to_owned()))?;
    Ok(request)
}
