//! [`RedisLedger`]: campaign ledgers on Redis, so any replica can resume a campaign, read its
//! result or update its status bar.
//!
//! One hash per campaign, `dingtalk-notify:v1:<app hash>:campaign:<id>`, holding the core's
//! record as it is: `head` (the [`CampaignHeader`], with its schema version), `count`, and
//! per chunk `chunk:<i>` (the [`ChunkRecord`]), each JSON. Every write is one Lua script, so
//! it happens whole or not at all; a transition is a compare and set on `chunk:<i>`. Every
//! write renews the hash's TTL (7 days, the status bar's window, plus a day by default).

use std::fmt;
use std::time::Duration;

use dingtalk_notify::TokenSource;
use dingtalk_notify::kit::campaign::{
    CampaignHeader, CampaignId, CampaignRecord, ChunkRecord, ChunkState,
};
use dingtalk_notify::ledger::{Ledger, LedgerError};

use crate::error::Error;
use crate::keys::Namespace;
use crate::store::RedisStore;

/// The default TTL: DingTalk's 7-day status-bar window plus a day.
pub const DEFAULT_LEDGER_TTL: Duration = Duration::from_secs(8 * 24 * 3600);
/// The time one ledger operation may take.
const OP_TIMEOUT: Duration = Duration::from_secs(5);

/// KEYS[1] the hash; ARGV: ttl ms, then field, value pairs. 0 if the campaign exists.
const CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1";

/// KEYS[1] the hash; ARGV: ttl ms, field, expected, new. 1 set, 0 conflict (the stored value
/// is returned as the second element), -1 no campaign, -2 no such chunk.
const TRANSITION: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, ''} end
local current = redis.call('HGET', KEYS[1], ARGV[2])
if not current then return {-2, ''} end
if current ~= ARGV[3] then return {0, current} end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {1, ''}";

/// KEYS[1] the hash; ARGV: ttl ms, expected count, new count, then field, value pairs.
/// 1 appended, 0 conflict, -1 no campaign.
const APPEND: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'count') ~= ARGV[2] then return 0 end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'count', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1";

/// A [`Ledger`] on Redis, shared by every replica of one app.
///
/// Durability is Redis's: a ledger write that Redis acknowledged and then lost in a crash
/// can make a resume send a chunk again. Run the ledger's Redis with append-only
/// persistence and `appendfsync always` (or accept that window).
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
    store: RedisStore,
    ns: Namespace,
    ttl: Duration,
}

impl RedisLedger {
    /// The ledger of the app of `source`, with [`DEFAULT_LEDGER_TTL`].
    ///
    /// # Errors
    /// [`Error::Config`] for a source without an app identity (a static token, a provider).
    pub fn new(store: &RedisStore, source: &TokenSource) -> Result<Self, Error> {
        let ns = Namespace::for_key(&source.key())
            .ok_or_else(|| Error::Config("a ledger needs an app (App or Isv source)".into()))?;
        Ok(Self {
            store: store.clone(),
            ns,
            ttl: DEFAULT_LEDGER_TTL,
        })
    }

    /// How long a campaign is kept after its last write (at least a second).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_secs(1));
        self
    }

    fn key(&self, id: &CampaignId) -> String {
        self.ns.key(&format!("campaign:{}", id.as_str()))
    }

    fn ttl_ms(&self) -> u64 {
        u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX)
    }

    fn run<R>(
        &self,
        f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<R>,
    ) -> Result<R, LedgerError> {
        self.store
            .run(self.store.deadline_in(OP_TIMEOUT), f)
            .map_err(|e| LedgerError::Storage(Box::new(e)))
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, LedgerError> {
    serde_json::to_string(value).map_err(|e| LedgerError::Storage(Box::new(e)))
}

/// A chunk as stored: its field and JSON.
fn chunk_field(chunk: &ChunkRecord) -> Result<(String, String), LedgerError> {
    Ok((format!("chunk:{}", chunk.index), json(chunk)?))
}

impl Ledger for RedisLedger {
    fn create(&self, record: &CampaignRecord) -> Result<(), LedgerError> {
        let mut fields = vec![
            ("head".to_owned(), json(record.header())?),
            ("count".to_owned(), record.chunks().len().to_string()),
        ];
        for chunk in record.chunks() {
            fields.push(chunk_field(chunk)?);
        }
        let script = redis::Script::new(CREATE);
        let key = self.key(record.id());
        let created: i64 = self.run(|c| {
            let mut call = script.key(&key);
            call.arg(self.ttl_ms());
            for (f, v) in &fields {
                call.arg(f).arg(v);
            }
            call.invoke(c)
        })?;
        match created {
            1 => Ok(()),
            _ => Err(LedgerError::Exists(record.id().clone())),
        }
    }

    fn load(&self, id: &CampaignId) -> Result<Option<CampaignRecord>, LedgerError> {
        let key = self.key(id);
        let fields: Vec<(String, String)> =
            self.run(|c| redis::cmd("HGETALL").arg(&key).query(c))?;
        if fields.is_empty() {
            return Ok(None);
        }
        assemble(id, fields).map(Some)
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
        let mut stored: Option<String> =
            self.run(|c| redis::cmd("HGET").arg(&key).arg(&field).query(c))?;
        let script = redis::Script::new(TRANSITION);
        // A second round only when the chunk was rewritten meanwhile yet is still `from`.
        for _ in 0..2 {
            let Some(expected) = stored.take() else {
                let exists: bool = self.run(|c| redis::cmd("EXISTS").arg(&key).query(c))?;
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
            let new = json(&chunk)?;
            let (outcome, current): (i64, String) = self.run(|c| {
                script
                    .key(&key)
                    .arg(self.ttl_ms())
                    .arg(&field)
                    .arg(&expected)
                    .arg(&new)
                    .invoke(c)
            })?;
            match outcome {
                1 => return Ok(()),
                -1 => return Err(not_found(id, "is not in the ledger")),
                -2 => return Err(not_found(id, &format!("has no chunk {index}"))),
                _ => stored = Some(current),
            }
        }
        Err(LedgerError::Conflict {
            id: id.clone(),
            index,
        })
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
        let mut fields = Vec::with_capacity(chunks.len());
        for chunk in chunks {
            fields.push(chunk_field(chunk)?);
        }
        let key = self.key(id);
        let script = redis::Script::new(APPEND);
        let outcome: i64 = self.run(|c| {
            let mut call = script.key(&key);
            call.arg(self.ttl_ms()).arg(count).arg(count + chunks.len());
            for (f, v) in &fields {
                call.arg(f).arg(v);
            }
            call.invoke(c)
        })?;
        match outcome {
            1 => Ok(()),
            -1 => Err(not_found(id, "is not in the ledger")),
            _ => Err(LedgerError::Conflict {
                id: id.clone(),
                index: first.index,
            }),
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
        let stored: Option<String> =
            self.run(|c| redis::cmd("HGET").arg(&key).arg("head").query(c))?;
        let Some(expected) = stored else {
            return Err(not_found(id, "is not in the ledger"));
        };
        let head: CampaignHeader =
            serde_json::from_str(&expected).map_err(|e| corrupt(id, &format!("head: {e}")))?;
        let conflict = || LedgerError::Conflict {
            id: id.clone(),
            index: 0,
        };
        if &head != from {
            return Err(conflict());
        }
        let new = json(to)?;
        // The same compare and set as a chunk's, on the `head` field: written only if it
        // still holds exactly what was read.
        let script = redis::Script::new(TRANSITION);
        let (outcome, _current): (i64, String) = self.run(|c| {
            script
                .key(&key)
                .arg(self.ttl_ms())
                .arg("head")
                .arg(&expected)
                .arg(&new)
                .invoke(c)
        })?;
        match outcome {
            1 => Ok(()),
            -1 | -2 => Err(not_found(id, "is not in the ledger")),
            _ => Err(conflict()),
        }
    }
}

fn not_found(id: &CampaignId, what: &str) -> LedgerError {
    LedgerError::NotFound {
        id: id.clone(),
        what: what.to_owned(),
    }
}

fn corrupt(id: &CampaignId, detail: &str) -> LedgerError {
    LedgerError::Corrupt {
        id: id.clone(),
        detail: detail.to_owned(),
    }
}

/// The record from the hash's fields, by the core's one constructor for stored records.
fn assemble(id: &CampaignId, fields: Vec<(String, String)>) -> Result<CampaignRecord, LedgerError> {
    let mut head: Option<CampaignHeader> = None;
    let mut count = None;
    let mut chunks: Vec<Option<ChunkRecord>> = Vec::new();
    let mut stored = Vec::new();
    for (field, value) in fields {
        if field == "head" {
            head =
                Some(serde_json::from_str(&value).map_err(|e| corrupt(id, &format!("head: {e}")))?);
        } else if field == "count" {
            count = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| corrupt(id, "the chunk count is not a number"))?,
            );
        } else if let Some(i) = field.strip_prefix("chunk:") {
            let i: usize = i
                .parse()
                .map_err(|_| corrupt(id, &format!("a chunk field {field:?}")))?;
            let chunk: ChunkRecord = serde_json::from_str(&value)
                .map_err(|e| corrupt(id, &format!("chunk {i}: {e}")))?;
            stored.push((i, chunk));
        } else if field.starts_with("state:") {
            return Err(corrupt(
                id,
                "it was written by an earlier version (a state field per chunk); finish it \
                 with that version",
            ));
        }
    }
    let (Some(head), Some(count)) = (head, count) else {
        return Err(corrupt(id, "the head or the chunk count is missing"));
    };
    if stored.len() != count {
        return Err(corrupt(id, "chunks are missing"));
    }
    chunks.resize_with(count, || None);
    for (i, chunk) in stored {
        match chunks.get_mut(i) {
            Some(slot) => *slot = Some(chunk),
            None => return Err(corrupt(id, &format!("chunk {i} is past the count"))),
        }
    }
    let chunks = chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| c.ok_or_else(|| corrupt(id, &format!("chunk {i} is missing"))))
        .collect::<Result<Vec<_>, _>>()?;
    let record =
        CampaignRecord::from_stored(head, chunks).map_err(|e| corrupt(id, &e.to_string()))?;
    if record.id() != id {
        return Err(corrupt(id, "the stored record has another id"));
    }
    Ok(record)
}

impl fmt::Debug for RedisLedger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLedger")
            .field("store", &self.store)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}
