//! `result`: who read, did not read, or could not get a task's message (`getsendresult`).

use crate::cli::{GlobalArgs, TaskArgs};
use crate::exit::Failure;
use crate::output::{Output, ResultDoc, result_summary};

/// Runs `result`.
///
/// # Errors
/// Exit 2 for invalid input (nothing sent), else the call's failure.
pub fn run(global: &GlobalArgs, args: &TaskArgs, out: Output) -> Result<(), Failure> {
    let (task, client) = super::task_client(global, args)?;
    let send_result = client.result(&task)?;
    out.answer(
        &result_summary(&send_result),
        &ResultDoc {
            agent_id: task.agent_id.get(),
            task_id: task.task_id.get(),
            send_result: &send_result,
        },
    );
    Ok(())
}
