//! [`Endpoint`]: the metadata and the one generic builder every request goes through.

use std::fmt;

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::get_corp_token::SuiteSignature;
use crate::base_url::BaseUrl;
use crate::error::{BuildError, ResponseError};
use crate::secret::AccessToken;
use crate::transport::{HttpRequest, Idempotency};
use crate::wire::encode_query_component;

/// The `User-Agent` every built request carries.
pub const USER_AGENT_VALUE: &str = concat!("dingtalk-notify/", env!("CARGO_PKG_VERSION"));

// Checked once, at compile time: `HeaderValue::from_static` otherwise validates on every call.
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
const USER_AGENT_HEADER: HeaderValue = HeaderValue::from_static(USER_AGENT_VALUE);

/// How an endpoint authenticates: the three schemes of the oapi host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthScheme {
    /// No authentication in the request itself (`gettoken` carries its credentials).
    None,
    /// The `access_token` query parameter.
    AccessToken,
    /// An ISV suite signature: `accessKey`, `timestamp`, `suiteTicket`, `signature`.
    SuiteSignature,
}

impl fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "no",
            Self::AccessToken => "access-token",
            Self::SuiteSignature => "suite-signature",
        })
    }
}

/// The authentication input for one request; must match the endpoint's [`Endpoint::AUTH`].
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// For endpoints that take none ([`AuthScheme::None`]).
    None,
    /// An access token ([`AuthScheme::AccessToken`]).
    AccessToken(&'a AccessToken),
    /// A signed ISV request ([`AuthScheme::SuiteSignature`]).
    Suite(&'a SuiteSignature),
}

impl Auth<'_> {
    /// The scheme this input is for.
    pub fn scheme(&self) -> AuthScheme {
        match self {
            Self::None => AuthScheme::None,
            Self::AccessToken(_) => AuthScheme::AccessToken,
            Self::Suite(_) => AuthScheme::SuiteSignature,
        }
    }
}

/// One DingTalk endpoint: its method, path, authentication and typed response.
///
/// Every request type in [`crate::api`] implements it; [`Endpoint::build_request`] and
/// [`Endpoint::parse_response`] are the two halves of a call, and
/// [`execute`](crate::transport::execute) runs both over a [`Transport`](crate::Transport).
pub trait Endpoint {
    /// The HTTP method.
    const METHOD: Method;
    /// The path under the base URL, as the reference writes it (`/gettoken`).
    const PATH: &'static str;
    /// How the endpoint authenticates.
    const AUTH: AuthScheme;
    /// Whether repeating the call after an ambiguous failure is harmless. A send is not: the
    /// message may already be out.
    const IDEMPOTENT: bool;
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

    /// Validates, then builds the `http::Request` under `base` with `auth`.
    ///
    /// # Errors
    /// A [`BuildError`] when the arguments are invalid or `auth` does not fit the endpoint.
    fn build_request(&self, base: &BaseUrl, auth: Auth<'_>) -> Result<HttpRequest, BuildError> {
        build(self, base, auth)
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

fn build<E: Endpoint + ?Sized>(
    endpoint: &E,
    base: &BaseUrl,
    auth: Auth<'_>,
) -> Result<HttpRequest, BuildError> {
    if auth.scheme() != E::AUTH {
        return Err(BuildError::AuthMismatch {
            path: E::PATH,
            expected: E::AUTH,
            given: auth.scheme(),
        });
    }
    endpoint.validate()?;

    let mut uri = String::with_capacity(base.as_str().len() + E::PATH.len() + 96);
    uri.push_str(base.as_str());
    uri.push_str(E::PATH);
    let mut first = true;
    let mut push = |key: &str, value: &str| {
        uri.push(if first { '?' } else { '&' });
        first = false;
        uri.push_str(key);
        uri.push('=');
        encode_query_component(&mut uri, value);
    };
    match auth {
        Auth::None => {}
        Auth::AccessToken(token) => {
            if token.is_empty() {
                return Err(BuildError::EmptyField {
                    field: "access_token",
                });
            }
            push("access_token", token.expose_secret());
        }
        Auth::Suite(sig) => {
            for (key, value) in sig.query() {
                push(key, value);
            }
        }
    }
    for (key, value) in endpoint.query() {
        push(key, value);
    }

    let body = endpoint.body()?;
    let has_body = body.is_some();
    // Assembled in place rather than through `http::request::Builder`, which moves the whole
    // request head through every step (a tenth of a build's instructions).
    // The URI is never put in the error: it may hold a token.
    let invalid = || BuildError::Encode("the request URI or a header is invalid".to_owned());
    let uri = http::Uri::try_from(uri).map_err(|_| invalid())?;
    let mut request = http::Request::new(body.unwrap_or_default());
    *request.method_mut() = E::METHOD;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers
        .try_insert(ACCEPT, APPLICATION_JSON)
        .map_err(|_| invalid())?;
    headers
        .try_insert(USER_AGENT, USER_AGENT_HEADER)
        .map_err(|_| invalid())?;
    if has_body {
        headers
            .try_insert(CONTENT_TYPE, APPLICATION_JSON)
            .map_err(|_| invalid())?;
    }
    request.extensions_mut().insert(if E::IDEMPOTENT {
        Idempotency::Idempotent
    } else {
        Idempotency::NonIdempotent
    });
    Ok(request)
}
