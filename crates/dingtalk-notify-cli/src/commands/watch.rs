//! `watch`: follows a task's progress until it completes, then prints the result summary.
//!
//! On a terminal (stderr) the progress is a bar; otherwise a plain line per change, on
//! stderr, so stdout holds only the summary (or the JSON document).

use std::io::IsTerminal;
use std::time::Duration;

use dingtalk_notify::api::SendProgress;
use dingtalk_notify::transport::TransportError;
use dingtalk_notify::{Client, DeliveryReport, Error, TaskHandle, TrackPolicy};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{GlobalArgs, WatchArgs};
use crate::exit::Failure;
use crate::output::{Output, WatchDoc, progress_line, result_summary};

use super::CliClient;

/// The longest wait between polls, unless `--interval` is longer.
const MAX_INTERVAL: Duration = Duration::from_secs(30);

/// Runs `watch`.
///
/// # Errors
/// Exit 2 for invalid input (nothing sent), else the failure of a call or of the tracking
/// deadline.
pub fn run(global: &GlobalArgs, args: &WatchArgs, out: Output) -> Result<(), Failure> {
    let agent_id = super::agent_id(global)?;
    let source = super::token_source(global)?;
    let base = super::base_url(global)?;
    let proxy = super::proxy(global, &base)?;
    let roots = super::roots(global)?;
    let client = Client::builder(source)
        .base_url(base)
        .retry(super::retry(global.timeout))
        .track(track_policy(args.interval))
        .build(super::transport(global.timeout, proxy, roots));
    let task = TaskHandle::new(agent_id, args.task.task_id);
    let report = follow(&client, &task, crate::output::stderr)?;
    out.answer(
        &format!(
            "{}\n{}",
            progress_line(task.task_id.get(), &report.progress),
            result_summary(&report.send_result)
        ),
        &WatchDoc {
            agent_id: agent_id.get(),
            task_id: task.task_id.get(),
            progress: &report.progress,
            send_result: &report.send_result,
        },
    );
    Ok(())
}

/// Polls from `interval`, doubling up to 30 s (or `interval` if longer), for the default
/// tracking deadline.
pub fn track_policy(interval: Duration) -> TrackPolicy {
    TrackPolicy {
        initial_interval: interval,
        max_interval: interval.max(MAX_INTERVAL),
        ..TrackPolicy::default()
    }
}

/// Tracks `task` to completion, showing progress: a bar when stderr is a terminal, else a
/// line through `plain` each time the progress changes.
///
/// # Errors
/// The client's tracking error.
pub fn follow(
    client: &CliClient,
    task: &TaskHandle,
    plain: impl FnMut(&str),
) -> Result<DeliveryReport, Error<TransportError>> {
    let mut display = ProgressDisplay::new(task.task_id.get(), plain);
    let report = client.track_with(task, |p| display.update(p));
    display.finish();
    report
}

/// A progress bar, or plain lines.
struct ProgressDisplay<F> {
    task_id: u64,
    bar: Option<ProgressBar>,
    plain: F,
    last: Option<SendProgress>,
}

impl<F: FnMut(&str)> ProgressDisplay<F> {
    fn new(task_id: u64, plain: F) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(100);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{wide_bar}] {pos:>3}% {elapsed}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("task {task_id}"));
            bar
        });
        Self {
            task_id,
            bar,
            plain,
            last: None,
        }
    }

    fn update(&mut self, progress: &SendProgress) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(u64::from(progress.progress_in_percent.min(100)));
                bar.set_message(format!("task {} {}", self.task_id, progress.status));
            }
            None if self.last.as_ref() != Some(progress) => {
                (self.plain)(&progress_line(self.task_id, progress));
            }
            None => {}
        }
        self.last = Some(*progress);
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_starts_the_backoff() {
        let p = track_policy(Duration::from_millis(200));
        assert_eq!(p.interval(1), Duration::from_millis(200));
        assert_eq!(p.interval(2), Duration::from_millis(400));
        assert_eq!(p.max_interval, MAX_INTERVAL);
        assert_eq!(
            track_policy(Duration::from_secs(60)).interval(3),
            Duration::from_secs(60)
        );
    }
}
