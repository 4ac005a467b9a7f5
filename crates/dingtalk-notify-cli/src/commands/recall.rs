//! `recall`: takes a sent notification back (`recall`).

use crate::cli::{GlobalArgs, TaskArgs};
use crate::exit::Failure;
use crate::output::{Output, RecallDoc};

/// Runs `recall`.
///
/// # Errors
/// Exit 2 for invalid input (nothing sent), else the call's failure.
pub fn run(global: &GlobalArgs, args: &TaskArgs, out: Output) -> Result<(), Failure> {
    let (task, client) = super::task_client(global, args)?;
    let answer = client.recall(&task)?;
    out.answer(
        &format!("task {}: recalled", task.task_id),
        &RecallDoc {
            agent_id: task.agent_id.get(),
            task_id: task.task_id.get(),
            recalled: true,
            request_id: answer.request_id,
        },
    );
    Ok(())
}
