//! The ledger's Lua scripts: every read and write of a campaign's hash is one script, so it
//! happens whole or not at all, together with the staleness rule and the stamp of
//! [`crate::durability`] (ARGV[1..4]; a script's own arguments start at ARGV[5]).
//!
//! A write script answers `{code, text, seq, run_id, replicas}`: `code` 1 written (`seq` its
//! stamp), 0 a conflict (`text` the stored value), -1 no campaign, -2 no such field, -3 the
//! campaign was found stale before (`text` why), -9 the record is stale now (`text` the
//! staleness code); `run_id` and `replicas` are the server's, as the script saw them.

use crate::durability::with_stamp;

/// Stores a new campaign. ARGV[5..]: field, value pairs. 0 when it exists.
pub(crate) const CREATE: &str = with_stamp!(
    r"
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, '', 0, '', 0} end
local run_id, replicas = server()
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return {1, '', stamp(KEYS[1], run_id, replicas), run_id, replicas}"
);

/// The campaign's fields and the staleness code: `{fields, code}` (`{{}, 0}` when absent).
pub(crate) const LOAD: &str = with_stamp!(
    r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {{}, 0} end
local run_id = server()
return {redis.call('HGETALL', KEYS[1]), staleness(KEYS[1], run_id)}"
);

/// Compare and set of one field (a chunk, or `head`). ARGV[5] the field, [6] the value
/// expected, [7] the new value.
pub(crate) const TRANSITION: &str = with_stamp!(
    r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '', 0, '', 0} end
local run_id, replicas = server()
local stale = staleness(KEYS[1], run_id)
if stale ~= 0 then return {-9, tostring(stale), 0, run_id, replicas} end
local current = redis.call('HGET', KEYS[1], ARGV[5])
if not current then return {-2, '', 0, run_id, replicas} end
if current ~= ARGV[6] then return {0, current, 0, run_id, replicas} end
redis.call('HSET', KEYS[1], ARGV[5], ARGV[7])
return {1, '', stamp(KEYS[1], run_id, replicas), run_id, replicas}"
);

/// Appends chunks if the count is still ARGV[5]; ARGV[6] the new count, then field, value
/// pairs.
pub(crate) const APPEND: &str = with_stamp!(
    r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '', 0, '', 0} end
local run_id, replicas = server()
local stale = staleness(KEYS[1], run_id)
if stale ~= 0 then return {-9, tostring(stale), 0, run_id, replicas} end
local why = redis.call('HGET', KEYS[1], 'stale')
if why then return {-3, why, 0, run_id, replicas} end
if redis.call('HGET', KEYS[1], 'count') ~= ARGV[5] then return {0, '', 0, run_id, replicas} end
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'count', ARGV[6])
return {1, '', stamp(KEYS[1], run_id, replicas), run_id, replicas}"
);

/// Records a stale campaign's chunks as ambiguous, if its `seq` is still ARGV[5] (empty
/// when it has none). ARGV[6] why, then field, value pairs.
pub(crate) const MARK_STALE: &str = with_stamp!(
    r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '', 0, '', 0} end
if (redis.call('HGET', KEYS[1], 'seq') or '') ~= ARGV[5] then return {0, '', 0, '', 0} end
local run_id, replicas = server()
redis.call('HSET', KEYS[1], 'stale', ARGV[6])
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return {1, '', stamp(KEYS[1], run_id, replicas), run_id, replicas}"
);

/// Records writes up to `seq` ARGV[1] as proven durable, if the campaign's last writer is
/// still ARGV[2] and it has them. 1 recorded.
pub(crate) const PROVE: &str = r"
if redis.call('HGET', KEYS[1], 'run_id') ~= ARGV[2] then return 0 end
local seq = tonumber(ARGV[1])
if (tonumber(redis.call('HGET', KEYS[1], 'seq') or '') or 0) < seq then return 0 end
if (tonumber(redis.call('HGET', KEYS[1], 'proven') or '') or 0) < seq then
  redis.call('HSET', KEYS[1], 'proven', ARGV[1])
end
return 1";
