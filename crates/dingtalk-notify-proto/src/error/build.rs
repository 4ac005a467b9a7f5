//! [`BuildError`]: a request refused before anything was sent.

/// A request was refused before it was built: nothing was sent. The message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required text field is empty: `status_value`, a text or markdown body, a title, a
    /// media id, a user id, a credential.
    #[error("`{field}` must not be empty")]
    EmptyField {
        /// The field, as DingTalk names it (`status_value`, `msg.text.content`, ...).
        field: &'static str,
    },
    /// An id that DingTalk never issues as 0 (`agent_id`, `task_id`).
    #[error("`{field}` must not be 0; use the id from the developer console or the send answer")]
    ZeroId {
        /// The field (`agent_id`, `task_id`).
        field: &'static str,
    },
    /// A colour that is not `0xAARRGGBB`, `#RRGGBB` or `RRGGBB`.
    #[error("invalid colour {input:?}: expected 0xAARRGGBB, AARRGGBB, #RRGGBB or RRGGBB")]
    InvalidStatusColor {
        /// What was given (cut to 64 characters).
        input: String,
    },
    /// A send with no user, no department and no `to_all_user`.
    #[error("no recipients: give at least one user id or department id, or send to all users")]
    NoRecipients,
    /// More users or departments than one call may carry (see [`RecipientLimits`]).
    ///
    /// [`RecipientLimits`]: crate::api::RecipientLimits
    #[error(
        "too many {kind}: {count} given, at most {limit} per call; split the recipients across \
         several sends of at most {limit} {kind} each, or, if your app still has the old limits \
         of 5,000 users and 500 departments per call, opt in with RecipientLimits::LEGACY; \
         nothing was sent"
    )]
    TooManyRecipients {
        /// `"users"` or `"departments"`.
        kind: &'static str,
        /// How many were given.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A third-party (ISV) app asked for `to_all_user`, which DingTalk refuses.
    #[error("third-party (ISV) apps may not send to all users; list the recipients instead")]
    ToAllUserNotAllowed,
    /// A value DingTalk cannot take as it is (a user id with a comma, say).
    #[error("invalid `{field}` {value:?}: {reason}")]
    InvalidValue {
        /// The field.
        field: &'static str,
        /// The offending value (cut to 64 characters).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A base URL that is not an absolute `http(s)` URL without query or credentials.
    #[error("invalid base URL {input:?}: {reason}")]
    InvalidBaseUrl {
        /// What was given (cut to 200 characters).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Plain `http://` to a host that is not loopback.
    #[error("plain http:// is only allowed to loopback hosts, not {host:?}; use https://")]
    InsecureBaseUrl {
        /// The refused host.
        host: String,
    },
    /// The request URI could not be formed from the base URL, the path and the query (a
    /// base URL built by hand around [`BaseUrl`](crate::BaseUrl)'s checks).
    #[error("the request URI for `{path}` is invalid; check the base URL")]
    InvalidUri {
        /// The endpoint's path.
        path: &'static str,
    },
    /// A file larger than DingTalk takes for its media type (see
    /// [`MediaKind::max_bytes`](crate::media::MediaKind::max_bytes)).
    #[error(
        "{file:?} is {size} bytes, over the {limit_mib} MB ({limit} bytes) limit of a DingTalk \
         {kind} upload; nothing was sent"
    )]
    MediaTooLarge {
        /// The file name (cut to 200 characters).
        file: String,
        /// The media type (`image`, `voice`, `video`, `file`).
        kind: &'static str,
        /// The file's size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
        /// The limit in MB (MiB, as DingTalk counts them).
        limit_mib: u64,
    },
    /// A file whose extension DingTalk does not take for its media type (see
    /// [`MediaKind::formats`](crate::media::MediaKind::formats)).
    #[error(
        "{file:?} cannot be uploaded as {kind}: DingTalk takes {formats} files for it (by the \
         file name's extension){hint}; nothing was sent"
    )]
    MediaFormat {
        /// The file name (cut to 200 characters).
        file: String,
        /// The media type asked for.
        kind: &'static str,
        /// The extensions DingTalk takes for it, comma-separated.
        formats: &'static str,
        /// What to do instead, if something fits (`; upload it as image, which previews`).
        hint: &'static str,
    },
    /// An empty file: DingTalk refuses it.
    #[error("{file:?} is empty; nothing was sent")]
    MediaEmpty {
        /// The file name (cut to 200 characters).
        file: String,
    },
    /// The body could not be encoded as JSON (a bug: please report it).
    #[error("the request body could not be encoded: {0}")]
    Encode(String),
}
