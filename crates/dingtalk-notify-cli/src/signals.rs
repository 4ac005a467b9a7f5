//! What a signal does to a campaign: SIGINT (Ctrl-C) or SIGTERM asks it to stop. The call
//! in flight ends (within `--timeout`) and is recorded, no new chunk starts, the campaign's
//! document is printed (one `--json` document, with its `campaign_id`), and the command
//! exits 130 (SIGINT) or 143 (SIGTERM); `campaign resume ID` sends the rest. A second signal
//! exits at once with the same code: the chunk in flight is then judged ambiguous by the
//! resume that follows its lease's end.
//!
//! The handlers are signal-hook's flags (set an atomic, or exit at once when it is set
//! already), installed only by the commands that send campaigns; every other command keeps
//! the default action.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

use crate::exit::{Failure, INTERRUPTED, Kind, TERMINATED};

/// Set by the first SIGINT or SIGTERM: the campaign driver's stop flag.
static STOP: AtomicBool = AtomicBool::new(false);
/// Which signal came (0: none yet).
static SIGNAL: AtomicUsize = AtomicUsize::new(0);
/// Whether the handlers are installed, or why they could not be.
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// Installs the handlers (once) and returns the flag a campaign stops on.
///
/// # Errors
/// Exit 2 when the handlers cannot be installed (nothing was sent then).
pub fn stop_flag() -> Result<&'static AtomicBool, Failure> {
    INSTALLED
        .get_or_init(|| {
            for (signal, code) in [(SIGINT, INTERRUPTED), (SIGTERM, TERMINATED)] {
                // The exit goes first: it fires only when a first signal set the flag.
                flag::register_conditional_shutdown(signal, i32::from(code), &STOP)
                    .and_then(|_| flag::register_usize(signal, &SIGNAL, signal as usize))
                    .and_then(|_| flag::register(signal, &STOP))
                    .map_err(|e| format!("cannot handle signal {signal}: {e}"))?;
            }
            Ok(())
        })
        .clone()
        .map_err(Failure::invalid_input)?;
    Ok(&STOP)
}

/// The failure of a campaign stopped by a signal: kind `interrupted`, exit 130 after a
/// SIGINT and 143 after a SIGTERM.
pub fn stopped() -> Failure {
    let (name, code) = if SIGNAL.load(Ordering::SeqCst) == SIGTERM as usize {
        ("SIGTERM", TERMINATED)
    } else {
        ("SIGINT", INTERRUPTED)
    };
    Failure::plain(
        Kind::Interrupted,
        code,
        format!(
            "interrupted by {name}: the call in flight ended and was recorded, no new chunk \
             was sent; `campaign resume ID` sends the rest"
        ),
    )
}
