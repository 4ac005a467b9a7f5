//! What a Redis server promises about the ledger's writes, and the rule that tells when a
//! campaign's record may be older than what was written.
//!
//! A Redis can come back with older data: a restart from an RDB snapshot (Debian's default
//! persistence), a failover to a lagging replica, a restore. A campaign read from such data
//! shows chunks as planned that were sent since, and a resume would send them again. So:
//!
//! - **The promise** ([`Promise::probe`]): `INFO server` (`run_id`, `redis_version`), `INFO
//!   persistence` (`aof_enabled`), `CONFIG GET appendfsync` where allowed. A server with
//!   `appendonly yes` and `appendfsync always` has every acknowledged write on disk
//!   ([`Mode::Fsync`]); Redis 7.2 and later with `appendonly yes` confirms each write with
//!   `WAITAOF` ([`Mode::WaitAof`]); anything else may forget acknowledged writes
//!   ([`Mode::Volatile`]), and the ledger refuses to write there unless the caller accepted
//!   that by name (`RedisLedger::accept_volatile`). With replicas online, each write also
//!   waits for every one of them (`WAIT`, or `WAITAOF`'s replica count).
//! - **The stamp**: every write records, in the campaign's hash, the `run_id` of the server
//!   that made it and a per-campaign sequence number (`seq`); `proven` is the highest `seq`
//!   confirmed durable.
//! - **The staleness rule** ([`Staleness`], evaluated inside the scripts so that it is atomic
//!   with the read or write): the record may be stale when it has no stamp (an earlier
//!   version wrote it), when its `seq` is behind one this process wrote or read, or when the
//!   server's `run_id` is not the last writer's and that last write was not proven durable.
//!   A stale record is never written over as it is: its chunks that a resume would send
//!   (planned, sending, failed with a retryable error) are first recorded as ambiguous.

use crate::error::Error;

/// The staleness rule and the stamp, shared by every script of the ledger. ARGV[1] the TTL
/// (ms), ARGV[2] the mode (`fsync`, `waitaof`, `volatile`), ARGV[3] the `run_id` the mode
/// was probed on, ARGV[4] the highest `seq` this process knows of; a script's own arguments
/// start at ARGV[5].
macro_rules! with_stamp {
    ($body:literal) => {
        concat!(
            r"
local function server()
  local run_id = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') or ''
  local replicas = 0
  for _ in string.gmatch(redis.call('INFO', 'replication'), 'state=online') do
    replicas = replicas + 1
  end
  return run_id, replicas
end
local function staleness(key, run_id)
  local seq = tonumber(redis.call('HGET', key, 'seq') or '')
  if not seq then return 1 end
  if seq < (tonumber(ARGV[4]) or 0) then return 2 end
  local proven = tonumber(redis.call('HGET', key, 'proven') or '') or 0
  if redis.call('HGET', key, 'run_id') ~= run_id and proven < seq then return 3 end
  return 0
end
local function stamp(key, run_id, replicas)
  local seq = redis.call('HINCRBY', key, 'seq', 1)
  redis.call('HSET', key, 'run_id', run_id)
  if ARGV[2] == 'fsync' and run_id == ARGV[3] and replicas == 0 then
    redis.call('HSET', key, 'proven', seq)
  end
  redis.call('PEXPIRE', key, ARGV[1])
  return seq
end
",
            $body
        )
    };
}
pub(crate) use with_stamp;

/// How the server keeps the ledger's writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `appendonly yes`, `appendfsync always`: on disk before Redis answers.
    Fsync,
    /// `appendonly yes` on Redis 7.2+: each write is confirmed with `WAITAOF`.
    WaitAof,
    /// Nothing confirms a write survives a restart; why.
    Volatile(String),
}

impl Mode {
    /// The mode as the scripts take it.
    pub(crate) fn arg(&self) -> &'static str {
        match self {
            Self::Fsync => "fsync",
            Self::WaitAof => "waitaof",
            Self::Volatile(_) => "volatile",
        }
    }
}

/// What one server process (one `run_id`) promises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Promise {
    /// The server process.
    pub(crate) run_id: String,
    /// How it keeps writes.
    pub(crate) mode: Mode,
}

impl Promise {
    /// Asks the server. `CONFIG` may be disabled, renamed or not permitted: then only
    /// `WAITAOF` (Redis 7.2+) can confirm a write.
    ///
    /// # Errors
    /// A `redis` error when `INFO` fails.
    pub(crate) fn probe(conn: &mut redis::Connection) -> redis::RedisResult<Self> {
        let server: String = redis::cmd("INFO").arg("server").query(conn)?;
        let persistence: String = redis::cmd("INFO").arg("persistence").query(conn)?;
        let appendfsync: redis::RedisResult<Vec<String>> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("appendfsync")
            .query(conn);
        let appendfsync = match appendfsync {
            Ok(pair) => pair.get(1).cloned(),
            Err(e) => {
                log::debug!(target: "dingtalk_notify_redis", "CONFIG GET appendfsync: {e}");
                None
            }
        };
        Ok(Self::from_answers(
            &server,
            &persistence,
            appendfsync.as_deref(),
        ))
    }

    /// The promise from `INFO server`, `INFO persistence` and `appendfsync` (`None`: CONFIG
    /// was refused).
    pub(crate) fn from_answers(server: &str, persistence: &str, appendfsync: Option<&str>) -> Self {
        let run_id = info_field(server, "run_id").unwrap_or_default().to_owned();
        let version = info_field(server, "redis_version").unwrap_or_default();
        let aof = info_field(persistence, "aof_enabled") == Some("1");
        let mode = if !aof {
            Mode::Volatile(
                "append-only persistence is off (appendonly no): a restart brings back the \
                 last RDB snapshot, or nothing"
                    .into(),
            )
        } else if appendfsync == Some("always") {
            Mode::Fsync
        } else if has_waitaof(version) {
            Mode::WaitAof
        } else if let Some(policy) = appendfsync {
            Mode::Volatile(format!(
                "appendfsync is {policy}, not always, and Redis {version} has no WAITAOF \
                 (7.2+): a crash can lose the last writes"
            ))
        } else {
            Mode::Volatile(format!(
                "CONFIG GET appendfsync was refused, so the fsync policy is unknown, and Redis \
                 {version} has no WAITAOF (7.2+)"
            ))
        };
        Self { run_id, mode }
    }
}

/// A field of an `INFO` answer (`name:value` lines).
pub(crate) fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// Whether Redis `version` has `WAITAOF` (7.2 and later).
fn has_waitaof(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= (7, 2),
        _ => false,
    }
}

/// Why a campaign's record may be older than what was written: the scripts' code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Staleness {
    /// Written by an earlier version, which did not stamp its writes.
    Unstamped,
    /// Its sequence is behind one this process wrote or read.
    Behind,
    /// The server is not the process that made the last write, which was not proven
    /// durable.
    Restarted,
}

impl Staleness {
    /// The scripts' code (0: fresh).
    pub(crate) fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(Self::Unstamped),
            2 => Some(Self::Behind),
            3 => Some(Self::Restarted),
            _ => None,
        }
    }

    /// Why, as recorded with each chunk made ambiguous.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Unstamped => {
                "the campaign was recorded in Redis by an earlier version, which did not record \
                 whether Redis kept its writes; this chunk may have been sent"
            }
            Self::Behind => {
                "Redis lost writes this process made to the campaign (a restart from an older \
                 snapshot, a failover to a lagging replica, a restore); this chunk may have \
                 been sent"
            }
            Self::Restarted => {
                "Redis restarted or failed over since the campaign's last write, which it had \
                 not confirmed durable; its data may be older, and this chunk may have been sent"
            }
        }
    }
}

/// The time `WAIT`/`WAITAOF` may block, in ms: three quarters of the response timeout, so
/// the answer arrives before the connection's own timeout.
pub(crate) fn wait_ms(response_timeout: std::time::Duration) -> u64 {
    u64::try_from(response_timeout.as_millis() / 4 * 3)
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Confirms the connection's last write on `replicas` replicas (and on the local AOF with
/// [`Mode::WaitAof`]), on the connection that wrote it. `Ok(None)`: confirmed (or nothing
/// to confirm); `Ok(Some(why))`: not confirmed.
///
/// # Errors
/// A `redis` error from `WAIT`/`WAITAOF`.
pub(crate) fn confirm(
    conn: &mut redis::Connection,
    mode: &Mode,
    replicas: u64,
    wait_ms: u64,
) -> redis::RedisResult<Option<String>> {
    match mode {
        Mode::WaitAof => {
            let (local, acked): (u64, u64) = redis::cmd("WAITAOF")
                .arg(1)
                .arg(replicas)
                .arg(wait_ms)
                .query(conn)?;
            Ok((local < 1 || acked < replicas).then(|| {
                format!(
                    "WAITAOF confirmed the write on {local} local AOF and {acked} of {replicas} \
                     replicas within {wait_ms} ms"
                )
            }))
        }
        Mode::Fsync if replicas > 0 => {
            let acked: u64 = redis::cmd("WAIT").arg(replicas).arg(wait_ms).query(conn)?;
            Ok((acked < replicas).then(|| {
                format!(
                    "WAIT confirmed the write on {acked} of {replicas} replicas within {wait_ms} ms"
                )
            }))
        }
        Mode::Fsync | Mode::Volatile(_) => Ok(None),
    }
}

/// The error for a server that cannot promise durability, refused without the opt-in.
pub(crate) fn refuse(reason: &str) -> Error {
    Error::NotDurable {
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER_70: &str = "# Server\r\nredis_version:7.0.15\r\nrun_id:e7505e9c40a2\r\n";
    const SERVER_72: &str = "# Server\r\nredis_version:7.2.4\r\nrun_id:abc123\r\n";
    const AOF_ON: &str = "# Persistence\r\nloading:0\r\naof_enabled:1\r\n";
    const AOF_OFF: &str = "# Persistence\r\naof_enabled:0\r\n";

    #[test]
    fn the_promise_follows_persistence_fsync_and_version() {
        let p = Promise::from_answers(SERVER_70, AOF_ON, Some("always"));
        assert_eq!(p.run_id, "e7505e9c40a2");
        assert_eq!(p.mode, Mode::Fsync);
        assert!(matches!(
            Promise::from_answers(SERVER_70, AOF_ON, Some("everysec")).mode,
            Mode::Volatile(r) if r.contains("everysec")
        ));
        // CONFIG refused: only WAITAOF can confirm.
        assert!(matches!(
            Promise::from_answers(SERVER_70, AOF_ON, None).mode,
            Mode::Volatile(r) if r.contains("CONFIG")
        ));
        assert_eq!(
            Promise::from_answers(SERVER_72, AOF_ON, None).mode,
            Mode::WaitAof
        );
        assert_eq!(
            Promise::from_answers(SERVER_72, AOF_ON, Some("everysec")).mode,
            Mode::WaitAof
        );
        assert!(matches!(
            Promise::from_answers(SERVER_72, AOF_OFF, Some("always")).mode,
            Mode::Volatile(r) if r.contains("appendonly no")
        ));
    }

    #[test]
    fn versions_and_fields_are_read_exactly() {
        assert!(has_waitaof("7.2.0") && has_waitaof("8.0.1") && has_waitaof("7.10.0"));
        assert!(!has_waitaof("7.0.15") && !has_waitaof("6.2.6") && !has_waitaof("x"));
        // `run_id` is not `run_ids` or `xrun_id`.
        assert_eq!(info_field("run_ids:1\r\nrun_id:2\r\n", "run_id"), Some("2"));
        assert_eq!(info_field("xrun_id:1\r\n", "run_id"), None);
        assert_eq!(wait_ms(std::time::Duration::from_secs(1)), 750);
        assert_eq!(wait_ms(std::time::Duration::from_millis(1)), 1);
    }
}
