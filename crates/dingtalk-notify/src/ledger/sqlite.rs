//! [`SqliteLedger`]: campaigns in one SQLite file (feature `sqlite`).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dingtalk_notify_proto::campaign::{
    CampaignHeader, CampaignId, CampaignRecord, ChunkRecord, ChunkState,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::mark::{APPLICATION_ID, FILE_VERSION, Found, identify};
use super::{Ledger, LedgerError};

/// The core's record as it is: the header's JSON, and each chunk's.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS campaigns (
    id TEXT PRIMARY KEY NOT NULL,
    header TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chunks (
    campaign TEXT NOT NULL REFERENCES campaigns(id),
    idx INTEGER NOT NULL,
    chunk TEXT NOT NULL,
    PRIMARY KEY (campaign, idx)
) WITHOUT ROWID;
";

/// Version 1 kept a chunk in three columns and the header with the per-call limits; it
/// becomes version 2 in one transaction (SQLite's JSON functions).
const FROM_V1: &str = "
UPDATE campaigns SET header =
    json_set(json_remove(header, '$.limits', '$.chunks'), '$.schema', 2);
CREATE TABLE chunks_v2 (
    campaign TEXT NOT NULL REFERENCES campaigns(id),
    idx INTEGER NOT NULL,
    chunk TEXT NOT NULL,
    PRIMARY KEY (campaign, idx)
) WITHOUT ROWID;
INSERT INTO chunks_v2 (campaign, idx, chunk)
    SELECT campaign, idx, json_object('index', idx, 'recipients', json(recipients),
        'origin', json(origin), 'state', json(state)) FROM chunks;
DROP TABLE chunks;
ALTER TABLE chunks_v2 RENAME TO chunks;
";

/// Campaigns in one SQLite file, safe across process crashes: WAL journal with
/// `synchronous=NORMAL` (a committed write survives the process being killed; only a power
/// loss may take the last commits back, never corrupt the file), one row per chunk, every
/// write one transaction.
///
/// Several processes may open the same file; a write waits up to 5 s for another's.
///
/// ```
/// use dingtalk_notify::ledger::{Ledger, SqliteLedger};
/// let dir = std::env::temp_dir().join(format!("ledger-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let ledger = SqliteLedger::open(dir.join("campaigns.db"))?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SqliteLedger {
    path: PathBuf,
    conn: Mutex<Connection>,
}

fn storage(e: rusqlite::Error) -> LedgerError {
    LedgerError::Storage(Box::new(e))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, LedgerError> {
    serde_json::to_string(value).map_err(|e| LedgerError::Storage(Box::new(e)))
}

impl SqliteLedger {
    /// Opens (or creates) the ledger at `path`.
    ///
    /// A new (or empty) file becomes a ledger: marked in `PRAGMA application_id` (the ASCII
    /// bytes `DTNL`, `0x44544E4C`) and with the schema version in `user_version`. A ledger
    /// written by an earlier version is upgraded in one transaction and marked.
    ///
    /// # Errors
    /// [`LedgerError::NotALedger`] for a database that is not a dingtalk-notify ledger
    /// (another `application_id`, or content without the mark); the file is then left
    /// exactly as it was: no table, no journal mode, no mark. [`LedgerError::Storage`] when
    /// the file cannot be opened, is not SQLite, or is a ledger of a newer schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LedgerError> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(storage)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(storage)?;
        // Read-only first: a file that is not ours is refused before anything is written
        // to it (no journal mode, no table, no mark).
        let found = identify(&conn, &path)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(storage)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(LedgerError::Storage(
                format!(
                    "{}: SQLite refused WAL mode (journal_mode {mode})",
                    path.display()
                )
                .into(),
            ));
        }
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
            .map_err(storage)?;
        if found != Found::Current {
            // Once more under the write lock: another process may have set it up meanwhile.
            conn.execute_batch("BEGIN IMMEDIATE").map_err(storage)?;
            let done = identify(&conn, &path).and_then(|now| {
                let setup = match now {
                    Found::Current => String::new(),
                    Found::Empty => SCHEMA.to_owned(),
                    Found::Version1 => FROM_V1.to_owned(),
                    Found::Unmarked2 => String::new(),
                };
                conn.execute_batch(&format!(
                    "{setup} PRAGMA application_id={APPLICATION_ID}; \
                     PRAGMA user_version={FILE_VERSION}; COMMIT;"
                ))
                .map_err(storage)
            });
            if let Err(e) = done {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        Ok(Self {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn insert_chunks(
    tx: &rusqlite::Transaction<'_>,
    id: &CampaignId,
    chunks: &[ChunkRecord],
) -> Result<(), LedgerError> {
    let mut stmt = tx
        .prepare_cached("INSERT INTO chunks (campaign, idx, chunk) VALUES (?1, ?2, ?3)")
        .map_err(storage)?;
    for c in chunks {
        let idx = i64::try_from(c.index).map_err(|e| LedgerError::Storage(Box::new(e)))?;
        stmt.execute(params![id.as_str(), idx, to_json(c)?])
            .map_err(storage)?;
    }
    Ok(())
}

/// `chunks` appended to campaign `id` if it exists and has exactly `first` chunks, in one
/// transaction.
fn append_checked(
    conn: &mut Connection,
    id: &CampaignId,
    first: usize,
    chunks: &[ChunkRecord],
) -> Result<(), LedgerError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(storage)?;
    let count: Option<i64> = tx
        .query_row(
            "SELECT (SELECT COUNT(*) FROM chunks WHERE campaign = ?1) FROM campaigns WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(storage)?;
    let Some(count) = count else {
        return Err(LedgerError::not_found(id, "is not in the ledger"));
    };
    if usize::try_from(count).ok() != Some(first) {
        return Err(LedgerError::Conflict {
            id: id.clone(),
            index: first,
        });
    }
    insert_chunks(&tx, id, chunks)?;
    tx.commit().map_err(storage)
}

impl Ledger for SqliteLedger {
    fn create(&self, record: &CampaignRecord) -> Result<(), LedgerError> {
        let header = to_json(record.header())?;
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let exists = tx
            .query_row(
                "SELECT 1 FROM campaigns WHERE id = ?1",
                [record.id().as_str()],
                |_| Ok(()),
            )
            .optional()
            .map_err(storage)?;
        if exists.is_some() {
            return Err(LedgerError::Exists(record.id().clone()));
        }
        tx.execute(
            "INSERT INTO campaigns (id, header) VALUES (?1, ?2)",
            params![record.id().as_str(), header],
        )
        .map_err(storage)?;
        insert_chunks(&tx, record.id(), record.chunks())?;
        tx.commit().map_err(storage)
    }

    fn load(&self, id: &CampaignId) -> Result<Option<CampaignRecord>, LedgerError> {
        let corrupt = |detail: String| LedgerError::Corrupt {
            id: id.clone(),
            detail,
        };
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(storage)?;
        let header: Option<String> = tx
            .query_row(
                "SELECT header FROM campaigns WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(storage)?;
        let Some(header) = header else {
            return Ok(None);
        };
        let header: CampaignHeader =
            serde_json::from_str(&header).map_err(|e| corrupt(format!("header: {e}")))?;
        let mut stmt = tx
            .prepare_cached("SELECT idx, chunk FROM chunks WHERE campaign = ?1 ORDER BY idx")
            .map_err(storage)?;
        let rows = stmt
            .query_map([id.as_str()], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(storage)?;
        let mut chunks = Vec::new();
        for row in rows {
            let (idx, chunk) = row.map_err(storage)?;
            chunks.push(
                serde_json::from_str::<ChunkRecord>(&chunk)
                    .map_err(|e| corrupt(format!("chunk {idx}: {e}")))?,
            );
        }
        let record =
            CampaignRecord::from_stored(header, chunks).map_err(|e| corrupt(e.to_string()))?;
        if record.id() != id {
            return Err(corrupt("the stored record has another id".to_owned()));
        }
        Ok(Some(record))
    }

    fn transition(
        &self,
        id: &CampaignId,
        index: usize,
        from: &ChunkState,
        to: &ChunkState,
    ) -> Result<(), LedgerError> {
        let idx = i64::try_from(index).map_err(|e| LedgerError::Storage(Box::new(e)))?;
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let stored: Option<String> = tx
            .query_row(
                "SELECT chunk FROM chunks WHERE campaign = ?1 AND idx = ?2",
                params![id.as_str(), idx],
                |r| r.get(0),
            )
            .optional()
            .map_err(storage)?;
        let Some(stored) = stored else {
            return Err(LedgerError::not_found(id, format!("has no chunk {index}")));
        };
        let mut chunk: ChunkRecord =
            serde_json::from_str(&stored).map_err(|e| LedgerError::Corrupt {
                id: id.clone(),
                detail: format!("chunk {index}: {e}"),
            })?;
        if &chunk.state != from {
            return Err(LedgerError::Conflict {
                id: id.clone(),
                index,
            });
        }
        chunk.state = to.clone();
        tx.execute(
            "UPDATE chunks SET chunk = ?1 WHERE campaign = ?2 AND idx = ?3",
            params![to_json(&chunk)?, id.as_str(), idx],
        )
        .map_err(storage)?;
        tx.commit().map_err(storage)
    }

    fn append(&self, id: &CampaignId, chunks: &[ChunkRecord]) -> Result<(), LedgerError> {
        let Some(first) = chunks.first() else {
            return Ok(());
        };
        let mut conn = self.conn();
        // The transaction checks that the campaign exists, so SQLite's own foreign-key
        // lookup is off for its inserts: on a WITHOUT ROWID table that lookup reads the
        // campaign's whole row for every chunk, and a campaign of people keeps its inputs
        // (a users file's ids, megabytes) in the header until its chunks are in. The
        // pragma cannot change inside a transaction, so it is set around it.
        conn.pragma_update(None, "foreign_keys", false)
            .map_err(storage)?;
        let appended = append_checked(&mut conn, id, first.index, chunks);
        let restored = conn.pragma_update(None, "foreign_keys", true);
        appended?;
        restored.map_err(storage)
    }

    fn update_header(
        &self,
        id: &CampaignId,
        from: &CampaignHeader,
        to: &CampaignHeader,
    ) -> Result<(), LedgerError> {
        super::same_campaign(id, from, to)?;
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let stored: Option<String> = tx
            .query_row(
                "SELECT header FROM campaigns WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(storage)?;
        let Some(stored) = stored else {
            return Err(LedgerError::not_found(id, "is not in the ledger"));
        };
        // One copy of a big header at a time (a campaign of people holds its inputs there
        // until its chunks are in): the text, then the header read from it, then the new
        // text.
        let same = serde_json::from_str::<CampaignHeader>(&stored)
            .map(|stored| &stored == from)
            .map_err(|e| LedgerError::Corrupt {
                id: id.clone(),
                detail: format!("header: {e}"),
            })?;
        drop(stored);
        if !same {
            return Err(LedgerError::Conflict {
                id: id.clone(),
                index: 0,
            });
        }
        let new = to_json(to)?;
        tx.execute(
            "UPDATE campaigns SET header = ?1 WHERE id = ?2",
            params![new, id.as_str()],
        )
        .map_err(storage)?;
        tx.commit().map_err(storage)
    }

    fn created_since(&self, since: SystemTime) -> Result<Option<Vec<CampaignId>>, LedgerError> {
        // The header's `created_at` as serde writes a SystemTime: seconds and nanoseconds
        // since the epoch.
        const AT: &str = "json_extract(header, '$.created_at.secs_since_epoch')";
        let secs = since.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT id FROM campaigns WHERE {AT} >= ?1 ORDER BY {AT}, id"
            ))
            .map_err(storage)?;
        let ids = stmt
            .query_map([secs], |r| r.get::<_, String>(0))
            .map_err(storage)?;
        let mut found = Vec::new();
        for id in ids {
            let id = id.map_err(storage)?;
            // An id a ledger holds was checked when stored; skip one that is not.
            if let Ok(id) = CampaignId::new(id) {
                found.push(id);
            }
        }
        Ok(Some(found))
    }
}

impl SqliteLedger {
    /// Runs SQLite's `PRAGMA integrity_check`.
    ///
    /// # Errors
    /// [`LedgerError::Storage`] naming the first problem SQLite found.
    pub fn integrity_check(&self) -> Result<(), LedgerError> {
        let verdict: String = self
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(storage)?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(LedgerError::Storage(
                format!("{}: integrity check failed: {verdict}", self.path.display()).into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use dingtalk_notify_proto::Message;
    use dingtalk_notify_proto::campaign::{Audience, CHUNK_LIMITS, CampaignPlan, Transition};
    use dingtalk_notify_proto::tracking::TaskHandle;

    use super::*;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("dtn-ledger-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
        fn file(&self) -> PathBuf {
            self.0.join("ledger.db")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn record(id: &str, users: usize) -> CampaignRecord {
        let plan = CampaignPlan::new(
            7,
            Message::text("hi"),
            Audience::users((0..users).map(|i| format!("u{i}"))),
            CHUNK_LIMITS,
        )
        .unwrap();
        CampaignRecord::new(CampaignId::new(id).unwrap(), plan, SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn a_campaign_survives_reopening_the_file() {
        let dir = TempDir::new("reopen");
        let r = record("c1", 250);
        let sending = ChunkState::Sending {
            since: SystemTime::UNIX_EPOCH,
        };
        let sent = ChunkState::Sent {
            task: TaskHandle::new(7, 99).sent_at(SystemTime::UNIX_EPOCH),
        };
        {
            let l = SqliteLedger::open(dir.file()).unwrap();
            l.create(&r).unwrap();
            l.transition(r.id(), 1, &ChunkState::Planned, &sending)
                .unwrap();
            l.transition(r.id(), 1, &sending, &sent).unwrap();
        }
        let l = SqliteLedger::open(dir.file()).unwrap();
        let back = l.load(r.id()).unwrap().unwrap();
        let mut want = r.clone();
        want.commit(&Transition {
            index: 1,
            from: ChunkState::Planned,
            to: sent,
        })
        .unwrap();
        assert_eq!(back, want);
        assert_eq!(l.load(&CampaignId::new("nope").unwrap()).unwrap(), None);
        let mode: String = l
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = l
            .conn()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 1, "NORMAL");
        l.integrity_check().unwrap();
    }

    #[test]
    fn transitions_compare_and_set() {
        let dir = TempDir::new("cas");
        let l = SqliteLedger::open(dir.file()).unwrap();
        let r = record("c1", 100);
        l.create(&r).unwrap();
        assert!(matches!(l.create(&r), Err(LedgerError::Exists(_))));
        let sending = ChunkState::Sending {
            since: SystemTime::UNIX_EPOCH,
        };
        l.transition(r.id(), 0, &ChunkState::Planned, &sending)
            .unwrap();
        // A second process with the stale state loses.
        let err = l
            .transition(r.id(), 0, &ChunkState::Planned, &sending)
            .unwrap_err();
        assert!(
            matches!(err, LedgerError::Conflict { index: 0, .. }),
            "{err}"
        );
        let err = l
            .transition(r.id(), 5, &ChunkState::Planned, &sending)
            .unwrap_err();
        assert!(matches!(err, LedgerError::NotFound { .. }), "{err}");
        let other = CampaignId::new("c2").unwrap();
        assert!(matches!(
            l.transition(&other, 0, &ChunkState::Planned, &sending),
            Err(LedgerError::NotFound { .. })
        ));
    }

    #[test]
    fn append_refuses_a_stale_plan() {
        let dir = TempDir::new("append");
        let l = SqliteLedger::open(dir.file()).unwrap();
        let mut r = record("c1", 100);
        l.create(&r).unwrap();
        r.commit(&Transition {
            index: 0,
            from: ChunkState::Planned,
            to: ChunkState::Sent {
                task: TaskHandle::new(7, 1),
            },
        })
        .unwrap();
        let resend = r.plan_resend(0, vec!["u5".into()]).unwrap();
        l.append(r.id(), &resend).unwrap();
        assert!(matches!(
            l.append(r.id(), &resend),
            Err(LedgerError::Conflict { index: 1, .. })
        ));
        assert_eq!(l.load(r.id()).unwrap().unwrap().chunks().len(), 2);
        l.append(r.id(), &[]).unwrap();
        // Appending to a campaign that is not there is refused by the transaction's own
        // check (foreign keys are off for its inserts), and the connection has its foreign
        // keys back on afterwards, whether the append went through or not.
        let other = CampaignId::new("c2").unwrap();
        assert!(matches!(
            l.append(&other, &resend),
            Err(LedgerError::NotFound { .. })
        ));
        let on: i64 = l
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(on, 1);
        let orphan = l.conn().execute(
            "INSERT INTO chunks (campaign, idx, chunk) VALUES ('c3', 0, '{}')",
            [],
        );
        assert!(orphan.is_err(), "a chunk of no campaign is refused");
    }

    #[test]
    fn damaged_content_is_a_typed_error() {
        let dir = TempDir::new("corrupt");
        let l = SqliteLedger::open(dir.file()).unwrap();
        let r = record("c1", 150);
        l.create(&r).unwrap();
        l.conn()
            .execute(
                "UPDATE chunks SET chunk = json_set(chunk, '$.state.state', 'exploded') WHERE idx = 1",
                [],
            )
            .unwrap();
        let err = l.load(r.id()).unwrap_err();
        assert!(matches!(err, LedgerError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("chunk 1"), "{err}");
        l.conn()
            .execute("DELETE FROM chunks WHERE idx = 0", [])
            .unwrap();
        l.conn()
            .execute(
                "UPDATE chunks SET chunk = json_set(chunk, '$.state', json('{\"state\":\"planned\"}')) WHERE idx = 1",
                [],
            )
            .unwrap();
        let err = l.load(r.id()).unwrap_err();
        assert!(err.to_string().contains("stored at place 0"), "{err}");
    }

    #[test]
    fn a_version_1_file_is_upgraded_and_its_campaign_reads_back() {
        let dir = TempDir::new("v1");
        let r = record("c1", 150);
        {
            // Version 1: the header held the limits, a chunk three columns.
            let c = Connection::open(dir.file()).unwrap();
            c.execute_batch(
                "CREATE TABLE campaigns (id TEXT PRIMARY KEY NOT NULL, header TEXT NOT NULL) WITHOUT ROWID;
                 CREATE TABLE chunks (campaign TEXT NOT NULL REFERENCES campaigns(id),
                     idx INTEGER NOT NULL, recipients TEXT NOT NULL, origin TEXT NOT NULL,
                     state TEXT NOT NULL, PRIMARY KEY (campaign, idx)) WITHOUT ROWID;
                 PRAGMA user_version = 1;",
            )
            .unwrap();
            let h = r.header();
            let header = serde_json::json!({
                "id": "c1", "agent_id": h.agent_id, "message": h.message,
                "limits": {"max_users": 100, "max_depts": 20, "allow_to_all_user": true},
                "created_at": h.created_at, "chunks": [],
            });
            c.execute(
                "INSERT INTO campaigns VALUES ('c1', ?1)",
                [header.to_string()],
            )
            .unwrap();
            for chunk in r.chunks() {
                c.execute(
                    "INSERT INTO chunks VALUES ('c1', ?1, ?2, ?3, ?4)",
                    params![
                        chunk.index as i64,
                        to_json(&chunk.recipients).unwrap(),
                        to_json(&chunk.origin).unwrap(),
                        to_json(&chunk.state).unwrap()
                    ],
                )
                .unwrap();
            }
        }
        let l = SqliteLedger::open(dir.file()).unwrap();
        let back = l.load(r.id()).unwrap().unwrap();
        assert_eq!(back.chunks(), r.chunks());
        assert_eq!(back.message(), r.message());
        assert_eq!(back.header().schema, FILE_VERSION as u32);
        let version: i64 = l
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, FILE_VERSION);
        l.integrity_check().unwrap();
    }

    #[test]
    fn a_file_of_another_schema_version_is_refused() {
        let dir = TempDir::new("version");
        {
            let c = Connection::open(dir.file()).unwrap();
            c.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 9"
            ))
            .unwrap();
        }
        let err = SqliteLedger::open(dir.file()).unwrap_err();
        assert!(err.to_string().contains("schema version 9"), "{err}");
        let err = SqliteLedger::open(dir.0.join("missing-dir/ledger.db")).unwrap_err();
        assert!(matches!(err, LedgerError::Storage(_)), "{err}");
    }

    fn pragma(path: &Path, name: &str) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .unwrap()
    }

    /// A database another program made: its own table, journal mode DELETE.
    fn foreign(path: &Path, setup: &str) -> (Vec<u8>, String) {
        let c = Connection::open(path).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        c.execute_batch(setup).unwrap();
        drop(c);
        (std::fs::read(path).unwrap(), mode)
    }

    #[test]
    fn a_new_file_is_marked_as_ours() {
        let dir = TempDir::new("mark");
        drop(SqliteLedger::open(dir.file()).unwrap());
        assert_eq!(
            pragma(&dir.file(), "application_id"),
            i64::from(APPLICATION_ID)
        );
        assert_eq!(pragma(&dir.file(), "user_version"), FILE_VERSION);
        // And it opens again.
        let l = SqliteLedger::open(dir.file()).unwrap();
        l.create(&record("c1", 10)).unwrap();
    }

    #[test]
    fn a_foreign_database_is_refused_and_left_byte_for_byte_unchanged() {
        let dir = TempDir::new("foreign");
        let cases = [
            // Someone's own table, no mark.
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);
             INSERT INTO invoices VALUES (1, 9.5);",
            // Tables named like ours, with other columns.
            "CREATE TABLE campaigns (id TEXT PRIMARY KEY, header TEXT, owner TEXT);
             CREATE TABLE chunks (campaign TEXT, idx INTEGER, chunk TEXT);
             PRAGMA user_version = 2;",
            // Our tables and version, plus one of theirs.
            "CREATE TABLE campaigns (id TEXT PRIMARY KEY NOT NULL, header TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE chunks (campaign TEXT NOT NULL, idx INTEGER NOT NULL, chunk TEXT NOT NULL,
                 PRIMARY KEY (campaign, idx)) WITHOUT ROWID;
             CREATE TABLE extra (x);
             PRAGMA user_version = 2;",
            // Another application's mark, nothing else.
            "PRAGMA application_id = 1234;",
            // Only a version, no tables.
            "PRAGMA user_version = 3;",
        ];
        for (i, setup) in cases.iter().enumerate() {
            let path = dir.0.join(format!("foreign-{i}.db"));
            let (before, mode) = foreign(&path, setup);
            let err = SqliteLedger::open(&path).unwrap_err();
            assert!(matches!(err, LedgerError::NotALedger { .. }), "{i}: {err}");
            assert!(
                err.to_string().contains("is not a dingtalk-notify ledger"),
                "{err}"
            );
            assert_eq!(
                std::fs::read(&path).unwrap(),
                before,
                "case {i}: the bytes changed"
            );
            let c = Connection::open(&path).unwrap();
            let now: String = c
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(now, mode, "case {i}");
            assert!(
                !dir.0.join(format!("foreign-{i}.db-wal")).exists(),
                "case {i}"
            );
        }
    }

    #[test]
    fn an_unmarked_version_2_ledger_is_marked_and_keeps_its_campaigns() {
        let dir = TempDir::new("unmarked");
        let r = record("c1", 150);
        {
            // What earlier builds wrote: the schema, user_version 2, no application_id.
            let c = Connection::open(dir.file()).unwrap();
            c.execute_batch(&format!("{SCHEMA} PRAGMA user_version = 2;"))
                .unwrap();
            c.execute(
                "INSERT INTO campaigns VALUES (?1, ?2)",
                params![r.id().as_str(), to_json(r.header()).unwrap()],
            )
            .unwrap();
            let tx = c.unchecked_transaction().unwrap();
            insert_chunks(&tx, r.id(), r.chunks()).unwrap();
            tx.commit().unwrap();
        }
        assert_eq!(pragma(&dir.file(), "application_id"), 0);
        let l = SqliteLedger::open(dir.file()).unwrap();
        assert_eq!(l.load(r.id()).unwrap().unwrap(), r);
        assert_eq!(
            pragma(&dir.file(), "application_id"),
            i64::from(APPLICATION_ID)
        );
        assert_eq!(pragma(&dir.file(), "user_version"), FILE_VERSION);
    }
    #[test]
    fn a_header_update_is_a_compare_and_set() {
        let dir = TempDir::new("header");
        let l = SqliteLedger::open(dir.file()).unwrap();
        let r = record("c1", 150);
        super::super::contract::header_update_is_a_compare_and_set(&l, &r);
    }

    #[test]
    fn campaigns_created_since_a_time_are_listed_oldest_first() {
        let dir = TempDir::new("since");
        let l = SqliteLedger::open(dir.file()).unwrap();
        let day = std::time::Duration::from_secs(24 * 3600);
        let at = |days: u32| SystemTime::UNIX_EPOCH + day * (100 + days);
        for (id, days) in [("c-new", 3), ("c-old", 1), ("c-mid", 2)] {
            let plan =
                CampaignPlan::new(7, Message::text("hi"), Audience::users(["u"]), CHUNK_LIMITS);
            let r = CampaignRecord::new(CampaignId::new(id).unwrap(), plan.unwrap(), at(days));
            l.create(&r).unwrap();
        }
        let ids = |since| -> Vec<String> {
            let found = l.created_since(since).unwrap().expect("SQLite lists");
            found.iter().map(|i| i.as_str().to_owned()).collect()
        };
        assert_eq!(ids(at(2)), ["c-mid", "c-new"]);
        assert_eq!(ids(at(0)), ["c-old", "c-mid", "c-new"]);
        assert!(ids(at(4)).is_empty());
    }
}
