//! `status-bar`: updates an OA notification's status bar (`status_bar/update`).

use dingtalk_notify::StatusColor;

use crate::cli::{GlobalArgs, StatusBarArgs};
use crate::exit::Failure;
use crate::output::{Output, StatusBarDoc};

/// Runs `status-bar`.
///
/// # Errors
/// Exit 2 for invalid input such as a bad `--bg` (nothing sent), else the call's failure.
pub fn run(global: &GlobalArgs, args: &StatusBarArgs, out: Output) -> Result<(), Failure> {
    let bg = parse_bg(args.bg.as_deref())?;
    let (task, client) = super::task_client(global, &args.task)?;
    let answer = client.update_status_bar(&task, &args.value, bg)?;
    out.answer(
        &status_line(task.task_id.get(), &args.value, bg),
        &StatusBarDoc {
            agent_id: task.agent_id.get(),
            task_id: task.task_id.get(),
            status_value: &args.value,
            status_bg: bg.map(|c| c.to_string()),
            request_id: answer.request_id,
        },
    );
    Ok(())
}

/// `--bg`, parsed.
///
/// # Errors
/// Exit 2 naming the accepted forms.
pub fn parse_bg(bg: Option<&str>) -> Result<Option<StatusColor>, Failure> {
    bg.map(StatusColor::parse)
        .transpose()
        .map_err(|e| Failure::invalid_input(format!("--bg: {e}")))
}

/// `task 123: status bar set to "Approved" (0xFF78C06E)`.
pub fn status_line(task_id: u64, value: &str, bg: Option<StatusColor>) -> String {
    match bg {
        Some(c) => format!("task {task_id}: status bar set to {value:?} ({c})"),
        None => format!("task {task_id}: status bar set to {value:?}"),
    }
}
