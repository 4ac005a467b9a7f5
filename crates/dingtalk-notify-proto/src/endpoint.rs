//! [`Endpoint`]: the metadata and the one generic builder every request goes through.

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::AuthScheme;
use crate::base_url::BaseUrl;
use crate::error::{BuildError, ResponseError};
use crate::http_types::{HttpRequest, Idempotency};
use crate::wire::encode_query_component;

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
        crate::response::parse_response_at(Self::PATH, response)
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
}

fn build<E: Endpoint + ?Sized>(
    endpoint: &E,
    base: &BaseUrl,
    auth: AuthInput<'_, E>,
) -> Result<HttpRequest, BuildError> {
    let mut uri = String::with_capacity(base.as_str().len() + E::PATH.len() + 96);
    uri.push_str(base.as_str());
    uri.push_str(E::PATH);
    let mut first = true;
    let mut push = |key: &'static str, value: &str| {
        uri.push(if first { '?' } else { '&' });
        first = false;
        uri.push_str(key);
        uri.push('=');
        encode_query_component(&mut uri, value);
    };
    E::Auth::append_query(auth, &mut push)?;
    for (key, value) in endpoint.query() {
        push(key, value);
    }

    let body = endpoint.body()?;
    let has_body = body.is_some();
    // Assembled in place rather than through `http::request::Builder`, which moves the whole
    // request head through every step (a tenth of a build's instructions).
    // The URI is never put in the error: it may hold a token.
    let uri = http::Uri::try_from(uri).map_err(|_| BuildError::InvalidUri { path: E::PATH })?;
    let mut request = http::Request::new(body.unwrap_or_default());
    *request.method_mut() = E::METHOD;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    let full = |_| BuildError::Encode("the request headers could not be set".to_owned());
    headers.try_insert(ACCEPT, APPLICATION_JSON).map_err(full)?;
    headers
        .try_insert(USER_AGENT, USER_AGENT_HEADER)
        .map_err(full)?;
    if has_body {
        headers
            .try_insert(CONTENT_TYPE, APPLICATION_JSON)
            .map_err(full)?;
    }
    request.extensions_mut().insert(if E::IDEMPOTENT {
        Idempotency::Idempotent
    } else {
        Idempotency::NonIdempotent
    });
    Ok(request)
}
