//! `fleet`: what dingtalk-notify-redis adds per call, in the same loop as `seq`: a token
//! lookup (`RedisTokenProvider::current_token` on a fresh shared token: one Redis round
//! trip) and a budget acquire (`RedisBudget::try_acquire(1)`: one Lua script). `run.sh`
//! divides them by `seq client-ureq`, one loopback call to the bench server.

use dingtalk_notify::{BaseUrl, TokenSource};

use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify_redis::{Acquire, RedisBudget, RedisStore, RedisTokenProvider};
use serde::Serialize;

use crate::cpu::{Measure, Times};
use crate::{APP_KEY, APP_SECRET, Result};

/// One measured run, as a `seq` JSON line (the summary pairs it with the `seq` rows).
#[derive(Serialize)]
struct Row<'a> {
    mode: &'static str,
    contender: &'a str,
    calls: u64,
    #[serde(flatten)]
    times: Times,
}

pub(crate) fn fleet(
    contender: &str,
    base: &BaseUrl,
    redis: &str,
    calls: u64,
    warmup: u64,
) -> Result<()> {
    let store = RedisStore::open(redis)?;
    let app = TokenSource::app(APP_KEY, APP_SECRET);
    let mut call: Box<dyn FnMut() -> Result<()>> = match contender {
        "redis-token-lookup" => {
            let provider = RedisTokenProvider::builder(&store, app, UreqTransport::new())
                .base_url(base.clone())
                .build()?;
            // The first call fetches from the bench server and stores the token; the
            // measured ones find it fresh in Redis.
            provider.current_token()?;
            Box::new(move || {
                provider.current_token()?;
                Ok(())
            })
        }
        "redis-budget-acquire" => {
            // A budget no run can spend: every acquire is granted (and counted).
            let budget = RedisBudget::new(&store, &app, 1 << 40)?;
            Box::new(move || match budget.try_acquire(1)? {
                Acquire::Go { .. } => Ok(()),
                _ => Err("the bench budget refused a grant".into()),
            })
        }
        other => return Err(format!("unknown contender {other:?} for fleet").into()),
    };
    for _ in 0..warmup {
        call()?;
    }
    let m = Measure::start()?;
    for _ in 0..calls {
        call()?;
    }
    let times = m.stop()?;
    crate::emit(&Row {
        mode: "seq",
        contender,
        calls,
        times,
    })
}
