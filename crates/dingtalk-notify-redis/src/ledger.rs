//! [`RedisLedger`]: campaign ledgers on Redis, so any replica can resume a campaign, read its
//! result or update its status bar.
//!
//! One hash per campaign, `dingtalk-notify:v1:<app hash>:campaign:<id>`, holding the core's
//! record as it is: `head` (the [`CampaignHeader`], with its schema version), `count`, and
//! per chunk `chunk:<i>` (the [`ChunkRecord`]), each JSON; and the ledger's own stamp
//! (`seq`, `run_id`, `proven`, `stale`: [`crate::durability`]). Every write is one Lua
//! script ([`crate::ledger_scripts`]), so it happens whole or not at all; a transition is a
//! compare and set on `chunk:<i>`. Every write renews the hash's TTL (7 days, the status
//! bar's window, plus a day by default).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use dingtalk_notify::TokenSource;
use dingtalk_notify::kit::campaign::{
    CampaignHeader, CampaignId, CampaignRecord, ChunkRecord, ChunkState,
};
use dingtalk_notify::ledger::{Ledger, LedgerError};

use crate::durability::Staleness;
use crate::error::Error;
use crate::keys::Namespace;
use crate::ledger_record::{assemble, chunk_field, corrupt, json, not_found};
use crate::ledger_scripts::{APPEND, CREATE, LOAD, TRANSITION};
use crate::ledger_write::{Writer, Written, storage};
use crate::store::RedisStore;

/// The default TTL: DingTalk's 7-day status-bar window plus a day.
pub const DEFAULT_LEDGER_TTL: Duration = Duration::from_secs(8 * 24 * 3600);

/// A [`Ledger`] on Redis, shared by every replica of one app.
///
/// **A chunk recorded as sent is never sent again, even after Redis forgot.** Redis can come
/// back with older data (a restart from an RDB snapshot, a failover to a lagging replica), and
/// a campaign read from it would show sent chunks as planned. So the ledger writes only where
/// Redis promises to keep its writes: `appendonly yes` with `appendfsync always`, or Redis
/// 7.2+ with `appendonly yes` (each write confirmed with `WAITAOF`), and with replicas,
/// each write waits for all of them. Any other server is refused
/// ([`Error::NotDurable`], inside [`LedgerError::Storage`]) unless the ledger was opened with
/// [`accept_volatile`](Self::accept_volatile). Each write records the server's `run_id` and
/// a sequence number; when a campaign is read back from a server that may have forgotten its
/// last writes, every chunk not proven sent (planned, sending, failed for now) is recorded
/// as ambiguous first: never sent again on its own, listed for the caller to decide. A
/// campaign that is gone altogether (`FLUSHALL`, an eviction) is not found, never sent anew.
///
/// ```no_run
/// use dingtalk_notify::TokenSource;
/// use dingtalk_notify_redis::{RedisLedger, RedisStore};
/// let redis = RedisStore::open("redis://127.0.0.1:6379")?;
/// let app = TokenSource::app("dingkey", "secret");
/// let ledger = RedisLedger::new(&redis, &app)?; // pass it to client.campaigns(&ledger)
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisLedger {
    ns: Namespace,
    writer: Writer,
}

impl RedisLedger {
    /// The ledger of the app of `source`, with [`DEFAULT_LEDGER_TTL`]. It asks the server
    /// what it promises at its first write.
    ///
    /// # Errors
    /// [`Error::Config`] for a source without an app identity (a static token, a provider).
    pub fn new(store: &RedisStore, source: &TokenSource) -> Result<Self, Error> {
        let ns = Namespace::for_key(&source.key())
            .ok_or_else(|| Error::Config("a ledger needs an app (App or Isv source)".into()))?;
        Ok(Self {
            ns,
            writer: Writer {
                store: store.clone(),
                ttl: DEFAULT_LEDGER_TTL,
                accept_volatile: false,
                promise: Mutex::new(None),
                known: Mutex::new(HashMap::new()),
            },
        })
    }

    /// How long a campaign is kept after its last write (at least a second).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.writer.ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// Writes to a Redis that cannot promise to keep them (no append-only file, `appendfsync
    /// everysec` before Redis 7.2, `CONFIG` refused) instead of refusing it (default
    /// `false`). After such a server restarts, every campaign on it reads as possibly
    /// stale: its chunks not proven sent become ambiguous, and `resend_ambiguous` is the
    /// caller's only way to send them.
    ///
    /// ```no_run
    /// # use dingtalk_notify::TokenSource;
    /// # use dingtalk_notify_redis::{RedisLedger, RedisStore};
    /// # let redis = RedisStore::open("redis://127.0.0.1:6379")?;
    /// # let app = TokenSource::app("dingkey", "secret");
    /// let ledger = RedisLedger::new(&redis, &app)?.accept_volatile(true); // a cache-only Redis
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn accept_volatile(mut self, accept: bool) -> Self {
        self.writer.accept_volatile = accept;
        self
    }

    fn key(&self, id: &CampaignId) -> String {
        self.ns.key(&format!("campaign:{}", id.as_str()))
    }

    /// A write answered -9: the record is stale. Records it as such (its chunks not proven
    /// sent become ambiguous) and returns the error for the write that was refused.
    fn refused_stale(&self, id: &CampaignId, refused: LedgerError) -> LedgerError {
        match self.load(id) {
            Ok(_) => refused,
            Err(e) => e,
        }
    }
}

/// A write's answer that is not "written" nor a conflict.
fn refusal(id: &CampaignId, index: usize, w: &Written) -> LedgerError {
    match w.code {
        -1 => not_found(id, "is not in the ledger"),
        -2 => not_found(id, &format!("has no chunk {index}")),
        -3 => storage(Error::Stale {
            detail: w.text.clone(),
        }),
        _ => LedgerError::Conflict {
            id: id.clone(),
            index,
        },
    }
}

impl Ledger for RedisLedger {
    fn created_since(&self, since: SystemTime) -> Result<Option<Vec<CampaignId>>, LedgerError> {
        crate::ledger_list::created_since(&self.writer, &self.ns, since).map(Some)
    }

    fn create(&self, record: &CampaignRecord) -> Result<(), LedgerError> {
        let mut args = vec![
            "head".to_owned(),
            json(record.header())?,
            "count".to_owned(),
            record.chunks().len().to_string(),
        ];
        for chunk in record.chunks() {
            let (field, value) = chunk_field(chunk)?;
            args.extend([field, value]);
        }
        match self
            .writer
            .write(record.id(), &self.key(record.id()), CREATE, &args, true)?
            .code
        {
            1 => Ok(()),
            _ => Err(LedgerError::Exists(record.id().clone())),
        }
    }

    /// The campaign as last written; one that may be older than what was written (see
    /// [`RedisLedger`]) is first recorded with its chunks not proven sent as ambiguous.
    fn load(&self, id: &CampaignId) -> Result<Option<CampaignRecord>, LedgerError> {
        let key = self.key(id);
        let script = redis::Script::new(LOAD);
        // A third round only when other writers changed it twice meanwhile.
        for _ in 0..3 {
            let known = self.writer.known(id);
            let (fields, code): (Vec<(String, String)>, i64) = self.writer.run(|c| {
                script
                    .key(&key)
                    .arg(self.writer.ttl_ms())
                    .arg("")
                    .arg("")
                    .arg(known)
                    .invoke(c)
            })?;
            if fields.is_empty() {
                return Ok(None);
            }
            let seq = fields
                .iter()
                .find(|(f, _)| f == "seq")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let record = assemble(id, fields)?;
            let Some(why) = Staleness::from_code(code) else {
                if let Ok(seq) = seq.parse() {
                    self.writer.remember(id, seq, false);
                }
                return Ok(Some(record));
            };
            self.writer.mark_stale(id, &key, &record, &seq, why)?;
        }
        Err(LedgerError::Conflict {
            id: id.clone(),
            index: 0,
        })
    }

    fn transition(
        &self,
        id: &CampaignId,
        index: usize,
        from: &ChunkState,
        to: &ChunkState,
    ) -> Result<(), LedgerError> {
        let key = self.key(id);
        let field = format!("chunk:{index}");
        let mut stored: Option<String> = self
            .writer
            .run(|c| redis::cmd("HGET").arg(&key).arg(&field).query(c))?;
        let conflict = LedgerError::Conflict {
            id: id.clone(),
            index,
        };
        // A second round only when the chunk was rewritten meanwhile yet is still `from`.
        for _ in 0..2 {
            let Some(expected) = stored.take() else {
                let exists: bool = self
                    .writer
                    .run(|c| redis::cmd("EXISTS").arg(&key).query(c))?;
                return Err(if exists {
                    not_found(id, &format!("has no chunk {index}"))
                } else {
                    not_found(id, "is not in the ledger")
                });
            };
            let mut chunk: ChunkRecord = serde_json::from_str(&expected)
                .map_err(|e| corrupt(id, &format!("chunk {index}: {e}")))?;
            if &chunk.state != from {
                break;
            }
            chunk.state = to.clone();
            let args = [field.clone(), expected, json(&chunk)?];
            let w = self.writer.write(id, &key, TRANSITION, &args, true)?;
            match w.code {
                1 => return Ok(()),
                0 => stored = Some(w.text),
                -9 => return Err(self.refused_stale(id, conflict)),
                _ => return Err(refusal(id, index, &w)),
            }
        }
        Err(conflict)
    }

    fn append(&self, id: &CampaignId, chunks: &[ChunkRecord]) -> Result<(), LedgerError> {
        let Some(first) = chunks.first() else {
            return Ok(());
        };
        // Checked against the stored record (a resend must name an earlier chunk of users);
        // the script then appends only if no chunk was added meanwhile.
        let mut record = self
            .load(id)?
            .ok_or_else(|| not_found(id, "is not in the ledger"))?;
        let count = record.chunks().len();
        if first.index != count {
            return Err(LedgerError::Conflict {
                id: id.clone(),
                index: first.index,
            });
        }
        record
            .append(chunks.to_vec())
            .map_err(|e| corrupt(id, &e.to_string()))?;
        let mut args = vec![count.to_string(), (count + chunks.len()).to_string()];
        for chunk in chunks {
            let (field, value) = chunk_field(chunk)?;
            args.extend([field, value]);
        }
        let w = self.writer.write(id, &self.key(id), APPEND, &args, true)?;
        match w.code {
            1 => Ok(()),
            -9 => {
                let stale =
                    Staleness::from_code(w.text.parse().unwrap_or(0)).map_or("", Staleness::reason);
                Err(self.refused_stale(
                    id,
                    storage(Error::Stale {
                        detail: stale.to_owned(),
                    }),
                ))
            }
            _ => Err(refusal(id, first.index, &w)),
        }
    }

    fn update_header(
        &self,
        id: &CampaignId,
        from: &CampaignHeader,
        to: &CampaignHeader,
    ) -> Result<(), LedgerError> {
        if &from.id != id || &to.id != id || from.schema != to.schema {
            return Err(corrupt(
                id,
                "a header update may not change the id or schema version",
            ));
        }
        let key = self.key(id);
        let stored: Option<String> = self
            .writer
            .run(|c| redis::cmd("HGET").arg(&key).arg("head").query(c))?;
        let Some(expected) = stored else {
            return Err(not_found(id, "is not in the ledger"));
        };
        let head: CampaignHeader =
            serde_json::from_str(&expected).map_err(|e| corrupt(id, &format!("head: {e}")))?;
        let conflict = LedgerError::Conflict {
            id: id.clone(),
            index: 0,
        };
        if &head != from {
            return Err(conflict);
        }
        // The same compare and set as a chunk's, on the `head` field: written only if it
        // still holds exactly what was read.
        let args = ["head".to_owned(), expected, json(to)?];
        let w = self.writer.write(id, &key, TRANSITION, &args, true)?;
        match w.code {
            1 => Ok(()),
            -1 | -2 => Err(not_found(id, "is not in the ledger")),
            -9 => Err(self.refused_stale(id, conflict)),
            _ => Err(conflict),
        }
    }
}

impl fmt::Debug for RedisLedger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLedger")
            .field("store", &self.writer.store)
            .field("ttl", &self.writer.ttl)
            .field("accept_volatile", &self.writer.accept_volatile)
            .finish_non_exhaustive()
    }
}
