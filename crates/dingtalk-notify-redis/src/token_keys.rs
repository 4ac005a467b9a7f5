//! The Redis side of the token protocol: where the shared token and its refresh lock live,
//! and the commands and scripts that read, write and release them.

use std::time::{Duration, Instant};

use dingtalk_notify::AccessToken;

use crate::error::Error;
use crate::keys::Namespace;
use crate::store::RedisStore;

const RELEASE_LOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

const INVALIDATE: &str = r"
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// A token as read from Redis.
pub(crate) struct Stored {
    pub(crate) token: AccessToken,
    pub(crate) lifetime: Duration,
    pub(crate) remaining: Duration,
}

/// The longest token accepted from Redis.
const MAX_TOKEN_LEN: usize = 4096;

/// The two keys of one app's token.
pub(crate) struct TokenKeys {
    /// The hash holding the token and its lifetime.
    pub(crate) token: String,
    /// The refresh lock.
    pub(crate) lock: String,
}

impl TokenKeys {
    pub(crate) fn new(ns: &Namespace) -> Self {
        Self {
            token: ns.key("token"),
            lock: ns.key("token-lock"),
        }
    }

    pub(crate) fn read(
        &self,
        store: &RedisStore,
        deadline: Instant,
    ) -> Result<Option<Stored>, Error> {
        let (token, lifetime, pttl): (Option<String>, Option<String>, i64) =
            store.run(deadline, |c| {
                redis::pipe()
                    .atomic()
                    .hget(&self.token, "token")
                    .hget(&self.token, "lifetime_ms")
                    .pttl(&self.token)
                    .query(c)
            })?;
        let (Some(token), Some(lifetime)) = (token, lifetime) else {
            return Ok(None);
        };
        let garbage = |what: &str| Error::Garbage {
            detail: format!("the stored token's {what} is invalid"),
        };
        let lifetime: u64 = lifetime.parse().map_err(|_| garbage("lifetime"))?;
        // DingTalk's tokens are 32 characters; anything empty or huge was not written by us.
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(garbage("value"));
        }
        // -1: no expiry (not written by us); -2: gone meanwhile. Both mean "refresh".
        let Ok(remaining) = u64::try_from(pttl) else {
            return Ok(None);
        };
        Ok(Some(Stored {
            token: AccessToken::new(token),
            lifetime: Duration::from_millis(lifetime),
            remaining: Duration::from_millis(remaining.min(lifetime)),
        }))
    }

    pub(crate) fn write(
        &self,
        store: &RedisStore,
        token: &AccessToken,
        lifetime: Duration,
        deadline: Instant,
    ) -> Result<(), Error> {
        let ms = u64::try_from(lifetime.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        store.run(deadline, |c| {
            redis::pipe()
                .atomic()
                .del(&self.token)
                .ignore()
                .hset(&self.token, "token", token.expose_secret())
                .ignore()
                .hset(&self.token, "lifetime_ms", ms)
                .ignore()
                .pexpire(&self.token, i64::try_from(ms).unwrap_or(i64::MAX))
                .ignore()
                .query::<()>(c)
        })
    }

    pub(crate) fn try_lock(
        &self,
        store: &RedisStore,
        owner: &str,
        ttl: Duration,
        deadline: Instant,
    ) -> Result<bool, Error> {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        let set: Option<String> = store.run(deadline, |c| {
            redis::cmd("SET")
                .arg(&self.lock)
                .arg(owner)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms)
                .query(c)
        })?;
        Ok(set.is_some())
    }

    pub(crate) fn unlock(
        &self,
        store: &RedisStore,
        owner: &str,
        deadline: Instant,
    ) -> Result<(), Error> {
        let script = redis::Script::new(RELEASE_LOCK);
        store.run(deadline, |c| {
            script.key(&self.lock).arg(owner).invoke::<i64>(c)
        })?;
        Ok(())
    }

    /// Deletes the stored token if it is still `token` (DingTalk rejected it).
    pub(crate) fn invalidate(
        &self,
        store: &RedisStore,
        token: &AccessToken,
        deadline: Instant,
    ) -> Result<(), Error> {
        let script = redis::Script::new(INVALIDATE);
        store.run(deadline, |c| {
            script
                .key(&self.token)
                .arg(token.expose_secret())
                .invoke::<i64>(c)
        })?;
        Ok(())
    }
}
