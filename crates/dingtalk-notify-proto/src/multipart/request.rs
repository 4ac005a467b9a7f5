//! [`FormRequest`]: a request whose body is a multipart [`Form`] not yet written, what
//! [`Transport::send_form`](crate::Transport::send_form) sends.

use http::HeaderValue;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};

use super::{Boundary, Form, FormReader};
use crate::http_types::HttpRequest;

/// A request whose body is a multipart [`Form`] borrowing its files (a media upload): the
/// head as built, and the form.
///
/// A transport that can write a body as it reads it sends [`to_head`](Self::to_head) with
/// [`reader`](Self::reader) as the body, so the file goes from the caller's bytes to the
/// connection without first being copied into a body. If that read fails with
/// [`BoundaryFound`](super::BoundaryFound) (a file holds the boundary: the body was cut
/// short, so no server took it), it sends [`into_request`](Self::into_request) instead,
/// whose boundary occurs nowhere. Any other transport sends `into_request` directly (the
/// default of `send_form`).
///
/// ```
/// use std::io::Read;
/// use dingtalk_notify_proto::api::UploadMedia;
/// use dingtalk_notify_proto::media::MediaKind;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Validated};
/// let upload = UploadMedia::new(MediaKind::File, "a.pdf", b"%PDF-1.7");
/// let request = Validated::new(&upload)?
///     .build_form_request(&BaseUrl::default(), &AccessToken::new("tok"))?
///     .expect("an upload's body is a form");
/// let head = request.to_head();
/// let mut streamed = Vec::new();
/// request.reader().read_to_end(&mut streamed)?;
/// assert_eq!(head.headers()["content-length"], streamed.len().to_string().as_str());
/// let whole = request.into_request();
/// assert_eq!(whole.headers()["content-type"], head.headers()["content-type"]);
/// assert_eq!(*whole.body(), streamed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FormRequest<'a> {
    head: http::Request<()>,
    form: Form<'a>,
}

impl<'a> FormRequest<'a> {
    /// A request of `head` (method, URI, headers, extensions; its `Content-Type` and
    /// `Content-Length` are the form's, set when it is sent) with `form` as its body.
    pub fn new(head: http::Request<()>, form: Form<'a>) -> Self {
        Self { head, form }
    }

    /// The head as built, without the body's headers.
    pub fn head(&self) -> &http::Request<()> {
        &self.head
    }

    /// The head's extensions, to add per-request ones ([`RequestTimeout`](crate::transport::RequestTimeout)).
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        self.head.extensions_mut()
    }

    /// The form.
    pub fn form(&self) -> &Form<'a> {
        &self.form
    }

    /// A copy of the head with the form's `Content-Type` and `Content-Length`: what goes
    /// with [`reader`](Self::reader).
    pub fn to_head(&self) -> http::Request<()> {
        let mut head = http::Request::new(());
        *head.method_mut() = self.head.method().clone();
        *head.uri_mut() = self.head.uri().clone();
        *head.version_mut() = self.head.version();
        *head.headers_mut() = self.head.headers().clone();
        *head.extensions_mut() = self.head.extensions().clone();
        set_content_type(&mut head, &self.form.boundary());
        if let Some(len) = self.form.encoded_len() {
            head.headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(len as u64));
        }
        head
    }

    /// The body, written as it is read; see [`FormReader`].
    pub fn reader(&self) -> FormReader<'_> {
        self.form.reader()
    }

    /// The request with its whole body ([`Form::encode`]), its `Content-Type` naming the
    /// boundary the body has.
    pub fn into_request(self) -> HttpRequest {
        let (boundary, body) = self.form.encode();
        let mut request = self.head.map(|()| body);
        set_content_type(&mut request, &boundary);
        request
    }
}

fn set_content_type<B>(request: &mut http::Request<B>, boundary: &Boundary) {
    // A boundary has only RFC 2046's characters, all valid in a header value.
    if let Ok(value) = HeaderValue::try_from(super::content_type(boundary)) {
        request.headers_mut().insert(CONTENT_TYPE, value);
    }
}
