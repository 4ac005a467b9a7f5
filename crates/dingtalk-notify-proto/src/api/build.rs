//! The one builder every request goes through: the head from the endpoint's facts and the
//! base, then the body.

use http::HeaderValue;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};

use super::endpoint::{APPLICATION_JSON, AuthInput, Endpoint, USER_AGENT_VALUE};
use crate::auth::AuthScheme;
use crate::base_url::BaseUrl;
use crate::error::BuildError;
use crate::http_types::{HttpRequest, Idempotency};
use crate::wire::{encode_query_component, encoded_query_len};

// Checked once, at compile time: `HeaderValue::from_static` otherwise validates on every call.
const USER_AGENT_HEADER: HeaderValue = HeaderValue::from_static(USER_AGENT_VALUE);

/// The request head: method, URI (the base, the path, the scheme's and the endpoint's
/// query), `Accept`, `User-Agent` and, where the method would mislead, the
/// [`Idempotency`] marker.
pub(crate) fn head<E: Endpoint + ?Sized>(
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
pub(crate) fn build<E: Endpoint + ?Sized>(
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
