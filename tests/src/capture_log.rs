//! A logger for the `log` facade that keeps every record, of every level and target, so a
//! test can read what the crates under test (and their dependencies) logged.
//!
//! ```
//! use dingtalk_notify_tests::capture_log;
//! capture_log::install();
//! log::trace!(target: "example", "hello {}", 42);
//! assert!(capture_log::records().iter().any(|r| r.target == "example" && r.message == "hello 42"));
//! ```

use std::fmt;
use std::sync::{Mutex, OnceLock, PoisonError};

/// One log record, formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// Its level.
    pub level: log::Level,
    /// Its target (the module path, unless the call named one).
    pub target: String,
    /// Its message, formatted.
    pub message: String,
}

impl fmt::Display for Captured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.level, self.target, self.message)
    }
}

struct Capture;

static LOGGER: Capture = Capture;

static RECORDS: Mutex<Vec<Captured>> = Mutex::new(Vec::new());
static INSTALLED: OnceLock<bool> = OnceLock::new();

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let captured = Captured {
            level: record.level(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
        };
        RECORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(captured);
    }

    fn flush(&self) {}
}

/// Installs the capturing logger for the whole process, at level `Trace`; later calls do
/// nothing. Returns whether this logger is the process's logger (`false` if another was
/// installed first).
pub fn install() -> bool {
    *INSTALLED.get_or_init(|| {
        let ok = log::set_logger(&LOGGER).is_ok();
        if ok {
            log::set_max_level(log::LevelFilter::Trace);
        }
        ok
    })
}

/// Every record captured so far, oldest first.
pub fn records() -> Vec<Captured> {
    RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// How many records were captured so far.
pub fn count() -> usize {
    RECORDS.lock().unwrap_or_else(PoisonError::into_inner).len()
}
