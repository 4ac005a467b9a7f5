//! `progress`: a task's delivery progress (`getsendprogress`).

use crate::cli::{GlobalArgs, TaskArgs};
use crate::exit::Failure;
use crate::output::{Output, ProgressDoc, progress_line};

/// Runs `progress`.
///
/// # Errors
/// Exit 2 for invalid input (nothing sent), else the call's failure.
pub fn run(global: &GlobalArgs, args: &TaskArgs, out: Output) -> Result<(), Failure> {
    let (task, client) = super::task_client(global, args)?;
    let progress = client.progress(&task)?;
    out.answer(
        &progress_line(task.task_id.get(), &progress),
        &ProgressDoc {
            agent_id: task.agent_id.get(),
            task_id: task.task_id.get(),
            progress: &progress,
        },
    );
    Ok(())
}
