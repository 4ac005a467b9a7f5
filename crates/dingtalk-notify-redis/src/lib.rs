//! **dingtalk-notify-redis**: a fleet of replicas of one DingTalk app on one Redis.
//!
//! Several replicas of a service that each keep their own access token and their own
//! recipient pacing fetch tokens N times and, together, pass the app's per-minute recipient
//! quota (errcode 143103/143104). With this crate they share:
//! - [`RedisTokenProvider`]: one access token per app key (or ISV suite + corp), refreshed
//!   by one process at a time, plugged into the client as a
//!   [`TokenProvider`](dingtalk_notify::TokenProvider);
//! - [`RedisBudget`]: the recipients-per-minute budget, as one atomic Lua script, behind the
//!   client's [`RecipientBudget`](dingtalk_notify::budget::RecipientBudget) seam, so
//!   campaigns and single sends use it unchanged;
//! - [`RedisLedger`]: the campaign [`Ledger`](dingtalk_notify::ledger::Ledger), so any
//!   replica can resume a campaign, read its result or update its status bar.
//!
//! # A fleet: three processes, one Redis
//! Run the same program on every replica:
//!
//! ```no_run
//! use dingtalk_notify::campaign::{Audience, CampaignPlan, CHUNK_LIMITS};
//! use dingtalk_notify::{Client, Message, TokenSource};
//! use dingtalk_notify::ureq::UreqTransport;
//! use dingtalk_notify_redis::{RedisBudget, RedisLedger, RedisStore, RedisTokenProvider};
//! use std::sync::Arc;
//!
//! let redis = RedisStore::open(&std::env::var("DINGTALK_REDIS_URL")?)?; // the same for all
//! let app = TokenSource::app(std::env::var("DINGTALK_APP_KEY")?, std::env::var("DINGTALK_APP_SECRET")?);
//! let tokens = RedisTokenProvider::new(&redis, app.clone(), UreqTransport::new())?;
//! let client = Client::builder(TokenSource::provider(tokens))
//!     .recipient_budget(Arc::new(RedisBudget::new(&redis, &app, 5_000)?)) // fleet-wide
//!     .build(UreqTransport::new());
//! let ledger = RedisLedger::new(&redis, &app)?;
//!
//! let staff: Vec<String> = (0..5_000).map(|i| format!("staff{i:04}")).collect();
//! let plan = CampaignPlan::new(836390886, Message::text("Payslips are out"),
//!     Audience::users(staff), CHUNK_LIMITS)?;
//! let handle = client.campaigns(&ledger).start(plan)?; // any replica can resume it
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # In scope
//! - Redis 6 or later through the `redis` crate's synchronous API (no async runtime), over
//!   `redis://`, `unix://` or, with the `tls` feature, `rediss://` (rustls, verified).
//! - AUTH with a username and password; the password never appears in `Debug`, errors or
//!   logs.
//! - Bounded calls: connect and response timeouts, and each call's own deadline.
//! - A ledger that never sends a chunk twice after Redis forgot (a restart from an older
//!   snapshot, a failover, `FLUSHALL`): it needs a Redis that keeps its writes
//!   (`appendonly yes`, `appendfsync always`; or 7.2+ with `appendonly yes`), or the
//!   caller's opt-in by name ([`RedisLedger::accept_volatile`]).
//!
//! # Out of scope
//! - Redis Cluster and Sentinel.
//! - Storing the app secret anywhere: it stays in the process that fetches.
//!
//! # Keys
//! Everything lives under `dingtalk-notify:v1:<first 128 bits of SHA-256 of the app key>`,
//! so the app key itself is not in Redis.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod budget;
mod durability;
mod error;
mod fetch;
mod keys;
mod ledger;
mod ledger_list;
mod ledger_record;
mod ledger_scripts;
mod ledger_write;
mod store;
#[cfg(feature = "tls")]
mod tls;
mod token;
mod token_keys;

/// The `redis` crate this one is built on, for commands of your own on the same server.
pub use redis;

pub use budget::{Acquire, DEFAULT_MARGIN, DEFAULT_PERIOD, RedisBudget, RedisBudgetBuilder};
pub use error::Error;
pub use keys::KEY_PREFIX;
pub use ledger::{DEFAULT_LEDGER_TTL, RedisLedger};
pub use store::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, RedisStore, RedisStoreBuilder};
pub use token::{
    DEFAULT_LOCK_TTL, DEFAULT_MAX_WAIT, DEFAULT_POLL_INTERVAL, RedisTokenProvider,
    RedisTokenProviderBuilder,
};

/// The README's examples, checked as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
