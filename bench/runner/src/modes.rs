//! `seq` and `threads`: one contender's calls, in a loop or from T threads at once.

use std::sync::{Arc, Barrier};
use std::thread;

use dingtalk_notify::{BaseUrl, TaskHandle};

use dingtalk_notify::isahc::IsahcTransport;

use dingtalk_notify::ureq::UreqTransport;
use serde::Serialize;

use crate::contenders::{
    Floor, RawIsahc, RawTcp, RawUreq, client, client_call, ureq_transport_ip_resolver,
};
use crate::cpu::{Measure, Times};
use crate::{AGENT, Result, TASK};

/// One measured run, as a JSON line.
#[derive(Serialize)]
struct Row<'a> {
    mode: &'static str,
    contender: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    threads: Option<usize>,
    calls: u64,
    #[serde(flatten)]
    times: Times,
}

pub(crate) fn seq(contender: &str, base: &BaseUrl, calls: u64, warmup: u64) -> Result<()> {
    let task = TaskHandle::new(AGENT, TASK);
    let mut call: Box<dyn FnMut() -> Result<()>> = match contender {
        "client-ureq" => {
            let c = client(base, UreqTransport::new());
            Box::new(move || client_call(&c, &task))
        }
        "client-isahc" => {
            let c = client(base, IsahcTransport::new());
            Box::new(move || client_call(&c, &task))
        }
        "client-ureq-ipresolver" => {
            let c = client(base, ureq_transport_ip_resolver());
            Box::new(move || client_call(&c, &task))
        }
        "raw-ureq" => {
            let raw = RawUreq::new(base, Floor::Defaults)?;
            Box::new(move || raw.call())
        }
        "raw-ureq-timeouts" => {
            let raw = RawUreq::new(base, Floor::Timeouts)?;
            Box::new(move || raw.call())
        }
        "raw-ureq-timeouts-ipresolver" => {
            let raw = RawUreq::new(base, Floor::TimeoutsIpResolver)?;
            Box::new(move || raw.call())
        }
        "raw-ureq-same-agent" => {
            let raw = RawUreq::same_agent(base)?;
            Box::new(move || raw.call())
        }
        "raw-ureq-json" => {
            let raw = RawUreq::same_agent(base)?;
            Box::new(move || raw.call_json())
        }
        "raw-isahc" => {
            let raw = RawIsahc::new(base)?;
            Box::new(move || raw.call())
        }
        "raw-tcp" => {
            let mut raw = RawTcp::new(base)?;
            Box::new(move || raw.call())
        }
        other => return Err(format!("unknown contender {other:?}").into()),
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
        threads: None,
        calls,
        times,
    })
}

pub(crate) fn threaded(
    contender: &str,
    base: &BaseUrl,
    threads: usize,
    calls: u64,
    warmup: u64,
) -> Result<()> {
    let task = TaskHandle::new(AGENT, TASK);
    let call: Arc<dyn Fn() -> Result<()> + Send + Sync> = match contender {
        "client-ureq" => {
            let c = client(base, UreqTransport::new());
            Arc::new(move || client_call(&c, &task))
        }
        "client-isahc" => {
            let c = client(base, IsahcTransport::new());
            Arc::new(move || client_call(&c, &task))
        }
        "client-ureq-ipresolver" => {
            let c = client(base, ureq_transport_ip_resolver());
            Arc::new(move || client_call(&c, &task))
        }
        "raw-ureq" => {
            let raw = RawUreq::new(base, Floor::Defaults)?;
            Arc::new(move || raw.call())
        }
        "raw-ureq-timeouts" => {
            let raw = RawUreq::new(base, Floor::Timeouts)?;
            Arc::new(move || raw.call())
        }
        "raw-ureq-timeouts-ipresolver" => {
            let raw = RawUreq::new(base, Floor::TimeoutsIpResolver)?;
            Arc::new(move || raw.call())
        }
        "raw-ureq-same-agent" => {
            let raw = RawUreq::same_agent(base)?;
            Arc::new(move || raw.call())
        }
        "raw-ureq-json" => {
            let raw = RawUreq::same_agent(base)?;
            Arc::new(move || raw.call_json())
        }
        "raw-isahc" => {
            let raw = RawIsahc::new(base)?;
            Arc::new(move || raw.call())
        }
        other => return Err(format!("unknown contender {other:?} for threads").into()),
    };
    let start = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let call = Arc::clone(&call);
            let start = Arc::clone(&start);
            thread::spawn(move || -> Result<()> {
                for _ in 0..warmup {
                    call()?;
                }
                start.wait();
                for _ in 0..calls {
                    call()?;
                }
                Ok(())
            })
        })
        .collect();
    start.wait();
    let m = Measure::start()?;
    for h in handles {
        h.join().map_err(|_| "a thread panicked")??;
    }
    let times = m.stop()?;
    crate::emit(&Row {
        mode: "threads",
        contender,
        threads: Some(threads),
        calls: calls.saturating_mul(u64::try_from(threads)?),
        times,
    })
}
