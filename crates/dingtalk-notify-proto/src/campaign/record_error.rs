//! [`RecordError`]: a campaign record that breaks the rules.

/// A record that breaks the rules: a chunk out of place, a resend of the wrong chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// No chunk has this index.
    #[error("the campaign has no chunk {0}")]
    NoSuchChunk(usize),
    /// A chunk whose index is not its place.
    #[error("chunk {found} is stored at place {expected}; the ledger is inconsistent")]
    OutOfPlace {
        /// Its place.
        expected: usize,
        /// Its index.
        found: usize,
    },
    /// A resend whose origin is missing, later than itself, or not a chunk of users.
    #[error("chunk {index} resends chunk {of}, which is not an earlier chunk of users")]
    BadOrigin {
        /// The resend.
        index: usize,
        /// Its origin.
        of: usize,
    },
    /// A chunk of users that is empty or above the per-call limit.
    #[error("chunk {index} holds {count} users; a chunk holds 1 to {limit}")]
    BadSize {
        /// The chunk.
        index: usize,
        /// Its users.
        count: usize,
        /// The per-call limit.
        limit: usize,
    },
    /// A chunk whose list of each user's departments is not one per user.
    #[error("chunk {index} lists departments for another number of users than it holds")]
    BadDepts {
        /// The chunk.
        index: usize,
    },
    /// A freeze of a campaign that is not a campaign of people, or whose people are
    /// frozen already.
    #[error("the campaign has no people to freeze (not a campaign of people, or frozen already)")]
    NotToFreeze,
    /// A resend of a chunk that is not sent.
    #[error("chunk {0} is not sent; only a sent chunk's held-back users can be resent")]
    NotSent(usize),
    /// A second resend of the same chunk.
    #[error("chunk {0} already has its resend planned")]
    AlreadyResent(usize),
    /// A resend to a user who was not a recipient of the chunk.
    #[error(
        "user {user:?} is not a recipient of chunk {index}; refusing to send outside the audience"
    )]
    NotARecipient {
        /// The chunk.
        index: usize,
        /// The user, cut to 64 characters.
        user: String,
    },
    /// A new header that names another campaign or schema than the record's.
    #[error("a header may change only its fields, not the campaign's id or schema version")]
    HeaderIdentity,
    /// A record written by another schema version of this crate.
    #[error(
        "the campaign record has schema version {found}; this version reads {supported} (upgrade or finish the campaign with the version that started it)"
    )]
    Schema {
        /// The record's version.
        found: u32,
        /// The version this crate reads and writes.
        supported: u32,
    },
    /// The record's message is invalid (a damaged or hand-edited ledger).
    #[error("the campaign's message is invalid: {0}")]
    Message(#[from] crate::error::BuildError),
    /// The chunk is no longer in the state a transition started from (another writer).
    #[error("chunk {index} is {found}, not {expected} as the transition expected")]
    Stale {
        /// The chunk.
        index: usize,
        /// The state the transition started from.
        expected: &'static str,
        /// The state it is in.
        found: &'static str,
    },
    /// The chunk's state does not allow the event.
    #[error(transparent)]
    Transition(#[from] super::TransitionError),
}
