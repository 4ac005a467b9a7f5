//! [`Writer`]: how the ledger writes: what the server promises (probed per `run_id`), each
//! write's script, its confirmation (`WAIT`/`WAITAOF`) and its record as proven, and the
//! marking of a stale campaign (see [`crate::durability`]).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use dingtalk_notify::kit::campaign::{CampaignId, CampaignRecord, ChunkState};
use dingtalk_notify::ledger::LedgerError;

use crate::durability::{self, Mode, Promise, Staleness};
use crate::error::Error;
use crate::ledger_record::chunk_field;
use crate::ledger_scripts::{MARK_STALE, PROVE};
use crate::store::RedisStore;

/// The time one ledger operation may take.
const OP_TIMEOUT: Duration = Duration::from_secs(5);

/// The ledger's connection to Redis and what it knows of the server and its campaigns.
pub(crate) struct Writer {
    pub(crate) store: RedisStore,
    pub(crate) ttl: Duration,
    pub(crate) accept_volatile: bool,
    /// What the server last probed promised (per `run_id`).
    pub(crate) promise: Mutex<Option<Promise>>,
    /// The highest `seq` this ledger wrote or read, per campaign.
    pub(crate) known: Mutex<HashMap<String, u64>>,
}

/// A write script's answer (see [`crate::ledger_scripts`]).
pub(crate) struct Written {
    pub(crate) code: i64,
    pub(crate) text: String,
    pub(crate) seq: u64,
    pub(crate) run_id: String,
    pub(crate) replicas: u64,
    /// Why `WAIT`/`WAITAOF` fell short, if it did.
    pub(crate) unconfirmed: Option<String>,
}

impl Writer {
    pub(crate) fn ttl_ms(&self) -> u64 {
        u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn run<R>(
        &self,
        f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<R>,
    ) -> Result<R, LedgerError> {
        self.store
            .run(self.store.deadline_in(OP_TIMEOUT), f)
            .map_err(storage)
    }

    /// What the server promises: as last probed, or probed now.
    pub(crate) fn promise(&self, again: bool) -> Result<Promise, LedgerError> {
        if !again && let Some(p) = self.lock_promise().clone() {
            return Ok(p);
        }
        let probed = self.run(Promise::probe)?;
        if let Mode::Volatile(reason) = &probed.mode {
            log::debug!(target: "dingtalk_notify_redis", "the ledger's Redis is volatile: {reason}");
        }
        *self.lock_promise() = Some(probed.clone());
        Ok(probed)
    }

    fn lock_promise(&self) -> std::sync::MutexGuard<'_, Option<Promise>> {
        self.promise.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn known(&self, id: &CampaignId) -> u64 {
        let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        known.get(id.as_str()).copied().unwrap_or(0)
    }

    /// Remembers `seq` of campaign `id`: the highest seen, or exactly `seq` (`reset`, once a
    /// stale record was recorded as such).
    pub(crate) fn remember(&self, id: &CampaignId, seq: u64, reset: bool) {
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = known.entry(id.as_str().to_owned()).or_insert(0);
        *entry = if reset { seq } else { (*entry).max(seq) };
    }

    /// Runs write `script` with `args` (ARGV[5..]), confirms it durable, and records it as
    /// proven. A server that cannot promise durability is refused before anything is
    /// written, unless accepted (`strict` false: a stale record's marking, which only adds
    /// caution, is written anyway).
    pub(crate) fn write(
        &self,
        id: &CampaignId,
        key: &str,
        script: &str,
        args: &[String],
        strict: bool,
    ) -> Result<Written, LedgerError> {
        let promise = self.promise(false)?;
        if let Mode::Volatile(reason) = &promise.mode
            && strict
            && !self.accept_volatile
        {
            return Err(storage(durability::refuse(reason)));
        }
        let known = self.known(id);
        let wait_ms = durability::wait_ms(self.store.response_timeout());
        let script = redis::Script::new(script);
        let written = self.run(|c| {
            let mut call = script.key(key);
            call.arg(self.ttl_ms())
                .arg(promise.mode.arg())
                .arg(&promise.run_id)
                .arg(known);
            for a in args {
                call.arg(a);
            }
            let (code, text, seq, run_id, replicas): (i64, String, u64, String, u64) =
                call.invoke(c)?;
            // WAIT/WAITAOF: on the connection that wrote, for the server probed.
            let unconfirmed = if code == 1 && run_id == promise.run_id {
                durability::confirm(c, &promise.mode, replicas, wait_ms)?
            } else {
                None
            };
            Ok(Written {
                code,
                text,
                seq,
                run_id,
                replicas,
                unconfirmed,
            })
        })?;
        if written.code == 1 {
            self.remember(id, written.seq, false);
            self.settle(key, &written, &promise, strict)?;
        }
        Ok(written)
    }

    /// Makes sure a write is durable (or accepted as volatile), and records it as proven.
    fn settle(
        &self,
        key: &str,
        w: &Written,
        promise: &Promise,
        strict: bool,
    ) -> Result<(), LedgerError> {
        let unconfirmed = |detail: &str| {
            storage(Error::NotConfirmed {
                detail: detail.to_owned(),
            })
        };
        let mode = if w.run_id == promise.run_id {
            promise.mode.clone()
        } else {
            // Another server process answered than the one probed: ask it.
            let now = self.promise(true)?;
            if now.run_id != w.run_id {
                return Err(unconfirmed(
                    "Redis restarted or failed over during the write",
                ));
            }
            match now.mode {
                Mode::Fsync if w.replicas == 0 => Mode::Fsync,
                Mode::Volatile(_) => now.mode,
                _ => {
                    return Err(unconfirmed(
                        "Redis restarted or failed over just before the write, which can no \
                         longer be confirmed",
                    ));
                }
            }
        };
        match (&mode, &w.unconfirmed) {
            (Mode::Volatile(reason), _) if strict && !self.accept_volatile => {
                Err(storage(durability::refuse(reason)))
            }
            (Mode::Volatile(_), _) => Ok(()),
            (_, Some(detail)) => Err(unconfirmed(detail)),
            // Proven by the script itself: on disk when Redis answered, no replica to wait for.
            (Mode::Fsync, None) if w.replicas == 0 && w.run_id == promise.run_id => Ok(()),
            _ => {
                let script = redis::Script::new(PROVE);
                let _: i64 = self.run(|c| script.key(key).arg(w.seq).arg(&w.run_id).invoke(c))?;
                Ok(())
            }
        }
    }

    /// Records stale campaign `id` (read with `seq` as `fields`' stamp) as such: every chunk
    /// a resume would send becomes ambiguous. `false` when the campaign changed meanwhile.
    pub(crate) fn mark_stale(
        &self,
        id: &CampaignId,
        key: &str,
        record: &CampaignRecord,
        seq: &str,
        why: Staleness,
    ) -> Result<bool, LedgerError> {
        log::warn!(
            target: "dingtalk_notify_redis",
            "campaign {id}: {}; its chunks not proven sent are now ambiguous",
            why.reason()
        );
        let since = self.store.clock().wall();
        let mut args = vec![seq.to_owned(), why.reason().to_owned()];
        for chunk in record.chunks() {
            if chunk.state.may_send() || matches!(chunk.state, ChunkState::Sending { .. }) {
                let mut chunk = chunk.clone();
                chunk.state = ChunkState::Ambiguous {
                    since,
                    reason: why.reason().to_owned(),
                };
                let (field, value) = chunk_field(&chunk)?;
                args.extend([field, value]);
            }
        }
        let w = self.write(id, key, MARK_STALE, &args, false)?;
        if w.code == 1 {
            self.remember(id, w.seq, true);
        }
        Ok(w.code == 1)
    }
}

/// A failure of the store, as the ledger reports it.
pub(crate) fn storage(e: Error) -> LedgerError {
    LedgerError::Storage(Box::new(e))
}
