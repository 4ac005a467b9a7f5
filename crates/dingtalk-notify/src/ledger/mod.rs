//! Campaign ledgers: where a campaign's [`CampaignRecord`] lives between calls and across
//! crashes. The driver writes a chunk's state **before** each send (`sending`) and **after**
//! it, so a process that dies mid-call leaves `sending`, which resume turns into
//! `ambiguous` and never sends again on its own.
//!
//! - [`MemoryLedger`]: in the process (tests, short-lived campaigns);
//! - `SqliteLedger` (feature `sqlite`): one SQLite file in WAL mode, `synchronous=NORMAL`,
//!   which survives a crash of the process;
//! - the Redis ledger of `dingtalk-notify-redis`, for fleets.
//!
//! The trait is small on purpose: four operations a store can make atomic.

#[cfg(feature = "sqlite")]
mod mark;
mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::time::SystemTime;

use dingtalk_notify_proto::campaign::CampaignId;

// The record a ledger stores, as the trait below names it, and the rules it keeps (one path
// each); the types of its parts and the steps that change it are the core's, reached by the
// sibling crates through `kit::campaign`.
pub use dingtalk_notify_proto::campaign::{
    CampaignHeader, CampaignRecord, ChunkRecord, ChunkState, RecordError,
};
pub use memory::MemoryLedger;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteLedger;

/// Where campaigns are kept. Every operation is atomic: it happens whole or not at all.
pub trait Ledger: Send + Sync {
    /// Stores a new campaign.
    ///
    /// # Errors
    /// [`LedgerError::Exists`] when the id is taken, or a storage failure.
    fn create(&self, record: &CampaignRecord) -> Result<(), LedgerError>;

    /// The campaign as last written, or `None`.
    ///
    /// # Errors
    /// A storage failure, or [`LedgerError::Corrupt`] for content that is not a valid record.
    fn load(&self, id: &CampaignId) -> Result<Option<CampaignRecord>, LedgerError>;

    /// Moves chunk `index` to `to` if it is still in `from` (compare and set), so two
    /// processes resuming one campaign never both send a chunk.
    ///
    /// # Errors
    /// [`LedgerError::Conflict`] when the chunk is no longer in `from`;
    /// [`LedgerError::NotFound`] for an unknown campaign or chunk; a storage failure.
    fn transition(
        &self,
        id: &CampaignId,
        index: usize,
        from: &ChunkState,
        to: &ChunkState,
    ) -> Result<(), LedgerError>;

    /// Appends chunks in one write. The first chunk's index must be the campaign's number of
    /// chunks (so a plan made from a stale record is refused).
    ///
    /// # Errors
    /// [`LedgerError::Conflict`] when the campaign has other chunks by now;
    /// [`LedgerError::NotFound`]; a storage failure.
    fn append(&self, id: &CampaignId, chunks: &[ChunkRecord]) -> Result<(), LedgerError>;

    /// Replaces the campaign's header with `to` if it is still `from` (compare and set), so
    /// what a header records after creation (a sender's lease, calls spent, reminders) is
    /// never lost to a concurrent writer. The id and schema version cannot change.
    ///
    /// # Errors
    /// [`LedgerError::Conflict`] (index 0) when the header is no longer `from`;
    /// [`LedgerError::NotFound`]; [`LedgerError::Corrupt`] when `to` names another
    /// campaign or schema; a storage failure.
    fn update_header(
        &self,
        id: &CampaignId,
        from: &CampaignHeader,
        to: &CampaignHeader,
    ) -> Result<(), LedgerError>;

    /// The ids of the campaigns created at or after `since`, oldest first, when this store
    /// can list them; `Ok(None)` when it cannot (the default). A dry run reads them to warn
    /// of the same content sent to the same people within a day (DingTalk drops it as
    /// 143106).
    ///
    /// # Errors
    /// A storage failure.
    fn created_since(&self, since: SystemTime) -> Result<Option<Vec<CampaignId>>, LedgerError> {
        let _ = since;
        Ok(None)
    }
}

/// Checks that `to` is a later version of the header `from` of campaign `id`: same id, same
/// schema. Every ledger's `update_header` calls it before writing.
pub(crate) fn same_campaign(
    id: &CampaignId,
    from: &CampaignHeader,
    to: &CampaignHeader,
) -> Result<(), LedgerError> {
    if &to.id != id || &from.id != id || to.schema != from.schema {
        return Err(LedgerError::Corrupt {
            id: id.clone(),
            detail: "a header update may not change the id or schema version".to_owned(),
        });
    }
    Ok(())
}

/// A ledger operation failed; the stored campaign is as before it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A campaign with this id exists already.
    #[error("campaign {0} exists already; choose another id")]
    Exists(CampaignId),
    /// No such campaign (or chunk).
    #[error("campaign {id} {what}; check the id, and that this is the ledger it was started in")]
    NotFound {
        /// The campaign.
        id: CampaignId,
        /// What is missing (`is not in the ledger`, `has no chunk 7`).
        what: String,
    },
    /// The stored state is not the one expected: another process moved it.
    #[error("chunk {index} of campaign {id} changed meanwhile (another process resumed it?)")]
    Conflict {
        /// The campaign.
        id: CampaignId,
        /// The chunk (or the first appended one).
        index: usize,
    },
    /// What is stored cannot be read as a campaign.
    #[error("the ledger holds an unreadable campaign {id}: {detail}")]
    Corrupt {
        /// The campaign.
        id: CampaignId,
        /// What is wrong.
        detail: String,
    },
    /// The file is a database, but not a dingtalk-notify ledger (another application's
    /// mark, or content without ours); it was left as it was.
    #[error(
        "{} is not a dingtalk-notify ledger ({detail}); it was left unchanged: give a new \
         file, or one dingtalk-notify created",
        path.display()
    )]
    NotALedger {
        /// The file.
        path: std::path::PathBuf,
        /// What was found instead.
        detail: String,
    },
    /// The store failed (a file, a connection).
    #[error("the ledger store failed: {0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl LedgerError {
    fn not_found(id: &CampaignId, what: impl Into<String>) -> Self {
        Self::NotFound {
            id: id.clone(),
            what: what.into(),
        }
    }
}

/// What every ledger's `update_header` must do, run by each store's tests on its own.
#[cfg(test)]
mod contract {
    use std::time::Duration;

    use dingtalk_notify_proto::campaign::{CampaignId, CampaignRecord};

    use super::{Ledger, LedgerError};

    /// `r` (not yet stored) is created in `l`, then its header is compared and set.
    pub(super) fn header_update_is_a_compare_and_set(l: &dyn Ledger, r: &CampaignRecord) {
        l.create(r).unwrap();
        let id = r.id().clone();
        let from = r.header().clone();
        let mut to = from.clone();
        to.created_at += Duration::from_secs(60);
        l.update_header(&id, &from, &to).unwrap();
        assert_eq!(l.load(&id).unwrap().unwrap().header(), &to);
        // A writer holding the old header loses, and the stored one stays.
        let mut late = from.clone();
        late.created_at += Duration::from_secs(7);
        assert!(matches!(
            l.update_header(&id, &from, &late),
            Err(LedgerError::Conflict { .. })
        ));
        assert_eq!(l.load(&id).unwrap().unwrap().header(), &to);
        let mut renamed = to.clone();
        renamed.id = CampaignId::new("other").unwrap();
        assert!(matches!(
            l.update_header(&id, &to, &renamed),
            Err(LedgerError::Corrupt { .. })
        ));
        assert!(matches!(
            l.update_header(&renamed.id, &renamed, &renamed),
            Err(LedgerError::NotFound { .. })
        ));
        assert_eq!(l.load(&id).unwrap().unwrap().chunks(), r.chunks());
    }
}
