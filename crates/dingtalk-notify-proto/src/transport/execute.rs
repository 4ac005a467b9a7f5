//! [`execute`]: build → send → parse, once, for every endpoint over every transport.

use crate::api::endpoint::{AuthInput, Endpoint, Validated};
use crate::base_url::BaseUrl;
use crate::error::Error;

use super::Transport;

/// Build → send → parse, once, for any endpoint over any transport.
///
/// ```
/// use dingtalk_notify_proto::api::GetSendProgress;
/// use dingtalk_notify_proto::transport::execute;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, HttpRequest, HttpResponse};
///
/// let transport = |req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
///     assert!(req.uri().path().ends_with("/getsendprogress"));
///     Ok(http::Response::new(
///         br#"{"errcode":0,"progress":{"progress_in_percent":100,"status":2}}"#.to_vec(),
///     ))
/// };
/// let token = AccessToken::new("t0ken");
/// let progress = execute(
///     &transport,
///     &BaseUrl::default(),
///     &token,
///     &GetSendProgress::new(123, 456),
/// )?
/// .progress;
/// assert_eq!(progress.progress_in_percent, 100);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Build`] before anything is sent, [`Error::Transport`] from the transport, and
/// [`Error::Response`] for an API error or an unusable answer.
pub fn execute<E, T>(
    transport: &T,
    base: &BaseUrl,
    auth: AuthInput<'_, E>,
    endpoint: &E,
) -> Result<E::Response, Error<T::Error>>
where
    E: Endpoint,
    T: Transport + ?Sized,
{
    execute_with(transport, base, auth, Validated::new(endpoint)?, |_| {})
}

/// [`execute`] for an endpoint already [`Validated`], with one hook, `extend`, that may add
/// per-request extensions (the blocking client sets the [`RequestTimeout`] left before its
/// deadline) after the request is built and before it is sent. An endpoint whose body is a
/// multipart form (a media upload) goes through [`Transport::send_form`], any other through
/// [`Transport::send`].
///
/// [`RequestTimeout`]: crate::transport::RequestTimeout
///
/// # Errors
/// As [`execute`], less the validation.
pub fn execute_with<E, T>(
    transport: &T,
    base: &BaseUrl,
    auth: AuthInput<'_, E>,
    endpoint: Validated<'_, E>,
    extend: impl FnOnce(&mut http::Extensions),
) -> Result<E::Response, Error<T::Error>>
where
    E: Endpoint + ?Sized,
    T: Transport + ?Sized,
{
    // The scheme's input is `Copy`: a reference, or nothing.
    let sent = match endpoint.build_form_request(base, auth)? {
        Some(mut request) => {
            extend(request.extensions_mut());
            transport.send_form(request)
        }
        None => {
            let mut request = endpoint.build_request(base, auth)?;
            extend(request.extensions_mut());
            transport.send(request)
        }
    };
    let response = sent.map_err(Error::Transport)?;
    Ok(E::parse_response(response)?)
}
