//! `POST /media/upload`: upload the file an `image`, `voice` or `file` notification carries,
//! for its `media_id`.
//!
//! The body is `multipart/form-data` (RFC 7578) with a part `type` and a part `media` holding
//! the file; `type` is in the query too, or some gateways answer 40004 (invalid media type,
//! <https://developer.aliyun.com/ask/270597>). The kind's formats and size limit
//! ([`MediaKind`]) are checked before anything is built. A `media_id` does not expire and can
//! be sent any number of times; a second upload only makes a second one, so an upload is safe
//! to repeat.

use std::borrow::Cow;

use http::{HeaderValue, Method};
use serde::{Deserialize, Serialize};

use crate::auth::AccessTokenQuery;
use crate::endpoint::Endpoint;
use crate::error::BuildError;
use crate::media::MediaKind;
use crate::multipart::{self, Boundary, Form, Part};
use crate::wire::{lenient, opt_string};

/// Uploads `bytes` as a `kind` named `file_name`. The bytes are borrowed: copied once, into
/// the request body, by [`build_request`](Endpoint::build_request), and not at all when the
/// request is sent as a [`form`](Endpoint::form) by a transport that writes a body as it
/// reads it ([`Transport::send_form`](crate::Transport::send_form)).
///
/// ```
/// use dingtalk_notify_proto::api::UploadMedia;
/// use dingtalk_notify_proto::media::MediaKind;
/// use dingtalk_notify_proto::multipart::Boundary;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};
/// let pdf = b"%PDF-1.7 ...";
/// let upload = UploadMedia::new(MediaKind::File, "通知 2026.pdf", pdf).boundary(Boundary::new("b0")?);
/// let req = upload.build_request(&BaseUrl::default(), &AccessToken::new("tok"))?;
/// assert_eq!(req.uri().path_and_query().unwrap(), "/media/upload?access_token=tok&type=file");
/// assert_eq!(req.headers()["content-type"], "multipart/form-data; boundary=b0");
/// let name = "filename=\"通知 2026.pdf\"".as_bytes();
/// assert!(req.body().windows(name.len()).any(|w| w == name));
///
/// // Too big, or of a format the kind does not take: refused, naming the file and the limit.
/// let big = vec![0u8; 2 * 1024 * 1024 + 1];
/// let err = UploadMedia::new(MediaKind::Voice, "memo.mp3", &big)
///     .build_request(&BaseUrl::default(), &AccessToken::new("tok"))
///     .unwrap_err();
/// assert!(err.to_string().contains("\"memo.mp3\" is 2097153 bytes, over the 2 MB"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct UploadMedia<'a> {
    kind: MediaKind,
    file_name: Cow<'a, str>,
    bytes: &'a [u8],
    boundary: Option<Boundary>,
}

impl std::fmt::Debug for UploadMedia<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadMedia")
            .field("kind", &self.kind)
            .field("file_name", &self.file_name)
            .field("len", &self.bytes.len())
            .field("boundary", &self.boundary)
            .finish()
    }
}

impl<'a> UploadMedia<'a> {
    /// An upload of `bytes` as `kind`, named `file_name` (its extension must be one of the
    /// kind's [formats](MediaKind::formats)).
    pub fn new(kind: MediaKind, file_name: impl Into<Cow<'a, str>>, bytes: &'a [u8]) -> Self {
        Self {
            kind,
            file_name: file_name.into(),
            bytes,
            boundary: None,
        }
    }

    /// An upload whose kind is inferred from the file name's extension
    /// ([`MediaKind::infer`]).
    ///
    /// # Errors
    /// [`BuildError::MediaFormat`] when no kind takes the extension.
    pub fn inferred(
        file_name: impl Into<Cow<'a, str>>,
        bytes: &'a [u8],
    ) -> Result<Self, BuildError> {
        let file_name = file_name.into();
        match MediaKind::infer(&file_name) {
            Some(kind) => Ok(Self::new(kind, file_name, bytes)),
            // `File`'s check names the formats and says what is wrong with the name.
            None => MediaKind::File
                .check(&file_name, bytes.len() as u64)
                .map(|()| Self::new(MediaKind::File, file_name, bytes)),
        }
    }

    /// Sets the multipart boundary (golden tests); it is checked against the content when
    /// the request is built. Without it, one that occurs nowhere in the content is picked.
    #[must_use]
    pub fn boundary(mut self, boundary: Boundary) -> Self {
        self.boundary = Some(boundary);
        self
    }

    /// The media type.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The file name as given.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The file's size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the file is empty (which [`validate`](Endpoint::validate) refuses).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn parts(&self) -> [Part<'_>; 2] {
        [
            Part::field("type", self.kind.name().as_bytes()),
            Part::file(
                "media",
                &self.file_name,
                self.kind.content_type(&self.file_name),
                self.bytes,
            ),
        ]
    }
}

impl Endpoint for UploadMedia<'_> {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/media/upload";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = UploadMediaResponse;

    fn validate(&self) -> Result<(), BuildError> {
        self.kind.check(&self.file_name, self.bytes.len() as u64)?;
        if let Some(b) = &self.boundary {
            if b.occurs_in(&self.parts()) {
                return Err(BuildError::InvalidValue {
                    field: "boundary",
                    value: b.as_str().chars().take(64).collect(),
                    reason: "it occurs in the content; pick another or let one be picked",
                });
            }
        }
        Ok(())
    }

    fn query(&self) -> Vec<(&'static str, &str)> {
        vec![("type", self.kind.name())]
    }

    /// The multipart body (see [`content`](Endpoint::content), which builds it with its
    /// boundary).
    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        Ok(self.content()?.map(|(body, _)| body))
    }

    fn content(&self) -> Result<Option<(Vec<u8>, HeaderValue)>, BuildError> {
        let parts = self.parts();
        // Without a boundary of the caller's, one is picked as the body is written.
        let (boundary, body) = match self.boundary {
            Some(b) => (b, multipart::encode(&b, &parts)),
            None => multipart::encode_picked(&parts),
        };
        let content_type = HeaderValue::try_from(multipart::content_type(&boundary))
            .map_err(|_| BuildError::Encode("the multipart content type".to_owned()))?;
        Ok(Some((body, content_type)))
    }

    /// The same body as a form a transport can write as it reads it (the file not copied).
    fn form(&self) -> Option<Form<'_>> {
        let parts = self.parts().to_vec();
        Some(match self.boundary {
            Some(b) => Form::with_boundary(b, parts),
            None => Form::new(parts),
        })
    }
}

/// The upload's answer: the `media_id` to send, its type and when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadMediaResponse {
    /// The id to put in an `image`, `voice` or `file` message (`@lA…`); it does not expire.
    pub media_id: String,
    /// The media type, as uploaded.
    #[serde(rename = "type")]
    pub kind: MediaKind,
    /// When it was made (ms since the Unix epoch, as DingTalk sends it; 0 if absent).
    #[serde(default, deserialize_with = "lenient")]
    pub created_at: u64,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}
