//! The argument checks every request shares; each returns the [`BuildError`] to show.

use crate::error::BuildError;
use crate::ids::{AgentId, TaskId};

/// `agent_id` must not be 0.
pub(crate) fn check_agent(agent_id: AgentId) -> Result<(), BuildError> {
    if agent_id.get() == 0 {
        return Err(BuildError::ZeroId { field: "agent_id" });
    }
    Ok(())
}

/// A task id must not be 0.
pub(crate) fn check_task(field: &'static str, task_id: TaskId) -> Result<(), BuildError> {
    if task_id.get() == 0 {
        return Err(BuildError::ZeroId { field });
    }
    Ok(())
}

/// A text must not be empty or blank.
pub(crate) fn check_not_empty(field: &'static str, value: &str) -> Result<(), BuildError> {
    if value.trim().is_empty() {
        return Err(BuildError::EmptyField { field });
    }
    Ok(())
}
