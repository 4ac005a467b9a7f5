//! CPU and wall time over a measured loop.

use std::time::Instant;

use serde::Serialize;

use crate::Result;

/// What a measured loop took: the JSON fields `wall_ns`, `cpu_ns`, `user_ns`, `sys_ns`.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Times {
    wall_ns: u128,
    cpu_ns: u64,
    user_ns: u64,
    sys_ns: u64,
}

/// This process's CPU time, all threads (exited ones included), in ns: the total from the
/// process CPU clock (`CLOCK_PROCESS_CPUTIME_ID`, what `getrusage` adds up, at ns
/// resolution), and the user/system split from `/proc/self/stat` (in clock ticks, 10 ms).
struct Cpu {
    total: u64,
    user: u64,
    sys: u64,
}

///
/// Under valgrind, which rustix's vDSO lookup trips over, set `BENCH_PROC_CPU=1` to take the
/// total from `/proc/self/stat` as well.
fn cpu_now() -> Result<Cpu> {
    let clock = std::env::var_os("BENCH_PROC_CPU").is_none().then(|| {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        (t.tv_sec, t.tv_nsec)
    });
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').ok_or("unreadable /proc/self/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64> {
        Ok(fields
            .get(i)
            .ok_or("short /proc/self/stat")?
            .parse::<u64>()?)
    };
    let hz: u64 = std::env::var("BENCH_CLK_TCK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let ns = 1_000_000_000 / hz;
    let (user, sys) = (ticks(11)? * ns, ticks(12)? * ns);
    let total = match clock {
        Some((secs, nanos)) => u64::try_from(secs)? * 1_000_000_000 + u64::try_from(nanos)?,
        None => user + sys,
    };
    Ok(Cpu { total, user, sys })
}

pub(crate) struct Measure {
    start: Instant,
    cpu: Cpu,
}

impl Times {
    /// The process CPU time, ns.
    pub(crate) fn cpu_ns(&self) -> u64 {
        self.cpu_ns
    }

    /// The wall time, ns.
    pub(crate) fn wall_ns(&self) -> u128 {
        self.wall_ns
    }
}

impl Measure {
    pub(crate) fn start() -> Result<Self> {
        Ok(Self {
            cpu: cpu_now()?,
            start: Instant::now(),
        })
    }

    /// The times since the start.
    pub(crate) fn stop(self) -> Result<Times> {
        let wall_ns = self.start.elapsed().as_nanos();
        let cpu = cpu_now()?;
        Ok(Times {
            wall_ns,
            cpu_ns: cpu.total.saturating_sub(self.cpu.total),
            user_ns: cpu.user.saturating_sub(self.cpu.user),
            sys_ns: cpu.sys.saturating_sub(self.cpu.sys),
        })
    }
}
