//! [`RedisLedger`]: campaign ledgers on Redis, so any replica can resume a campaign, read its
//! result or update its status bar.
//!
//! One hash per campaign, `dingtalk-notify:v1:<app hash>:campaign:<id>`: `head` (the record
//! without its chunks, JSON), `count`, and per chunk `chunk:<i>` (its recipients and origin)
//! and `state:<i>` (its state), each JSON. Every operation is one Lua script, so it happens
//! whole or not at all; a transition is a compare and set on `state:<i>`. Every write renews
//! the hash's TTL (7 days, the status bar's window, plus a day by default).

use std::fmt;
use std::time::Duration;

use dingtalk_notify::TokenSource;
use dingtalk_notify::kit::campaign::{CampaignId, CampaignRecord, ChunkRecord, ChunkState};
use dingtalk_notify::ledger::{Ledger, LedgerError};
use serde_json::{Map, Value};

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

/// A chunk as stored: everything but its state.
fn chunk_fields(chunk: &ChunkRecord) -> Result<[(String, String); 2], LedgerError> {
    let mut value = serde_json::to_value(chunk).map_err(|e| LedgerError::Storage(Box::new(e)))?;
    if let Value::Object(map) = &mut value {
        map.remove("state");
    }
    Ok([
        (format!("chunk:{}", chunk.index), value.to_string()),
        (format!("state:{}", chunk.index), json(&chunk.state)?),
    ])
}

impl Ledger for RedisLedger {
    fn create(&self, record: &CampaignRecord) -> Result<(), LedgerError> {
        let mut head =
            serde_json::to_value(record).map_err(|e| LedgerError::Storage(Box::new(e)))?;
        if let Value::Object(map) = &mut head {
            map.remove("chunks");
        }
        let mut fields = vec![
            ("head".to_owned(), head.to_string()),
            ("count".to_owned(), record.chunks().len().to_string()),
        ];
        for chunk in record.chunks() {
            fields.extend(chunk_fields(chunk)?);
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
        let field = format!("state:{index}");
        let (to_json, mut expected) = (json(to)?, json(from)?);
        let script = redis::Script::new(TRANSITION);
        // A second round only when the stored text differs from ours yet means the same.
        for _ in 0..2 {
            let (outcome, stored): (i64, String) = self.run(|c| {
                script
                    .key(&key)
                    .arg(self.ttl_ms())
                    .arg(&field)
                    .arg(&expected)
                    .arg(&to_json)
                    .invoke(c)
            })?;
            match outcome {
                1 => return Ok(()),
                -1 => return Err(not_found(id, "is not in the ledger")),
                -2 => return Err(not_found(id, &format!("has no chunk {index}"))),
                _ => {}
            }
            match serde_json::from_str::<ChunkState>(&stored) {
                Ok(state) if &state == from && stored != expected => expected = stored,
                Ok(_) => break,
                Err(e) => return Err(corrupt(id, &format!("state of chunk {index}: {e}"))),
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
        let mut fields = Vec::with_capacity(chunks.len() * 2);
        for chunk in chunks {
            fields.extend(chunk_fields(chunk)?);
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

/// Rebuilds the record from the hash's fields; the record's own checks run on the result.
fn assemble(id: &CampaignId, fields: Vec<(String, String)>) -> Result<CampaignRecord, LedgerError> {
    let parse = |text: &str, what: &str| -> Result<Value, LedgerError> {
        serde_json::from_str(text).map_err(|e| corrupt(id, &format!("{what}: {e}")))
    };
    let mut head = None;
    let mut count = None;
    let mut chunks: Map<String, Value> = Map::new();
    let mut states: Map<String, Value> = Map::new();
    for (field, value) in fields {
        if field == "head" {
            head = Some(parse(&value, "head")?);
        } else if field == "count" {
            count = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| corrupt(id, "the chunk count is not a number"))?,
            );
        } else if let Some(i) = field.strip_prefix("chunk:") {
            chunks.insert(i.to_owned(), parse(&value, &field)?);
        } else if let Some(i) = field.strip_prefix("state:") {
            states.insert(i.to_owned(), parse(&value, &field)?);
        }
    }
    let (Some(Value::Object(mut head)), Some(count)) = (head, count) else {
        return Err(corrupt(id, "the head or the chunk count is missing"));
    };
    if chunks.len() != count || states.len() != count {
        return Err(corrupt(id, "chunks are missing"));
    }
    let mut list = Vec::with_capacity(count);
    for i in 0..count {
        let key = i.to_string();
        let (Some(Value::Object(mut chunk)), Some(state)) =
            (chunks.remove(&key), states.remove(&key))
        else {
            return Err(corrupt(id, &format!("chunk {i} is missing")));
        };
        chunk.insert("state".to_owned(), state);
        list.push(Value::Object(chunk));
    }
    head.insert("chunks".to_owned(), Value::Array(list));
    let record: CampaignRecord =
        serde_json::from_value(Value::Object(head)).map_err(|e| corrupt(id, &e.to_string()))?;
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
