//! `mock-server`: the simulator, standalone, until interrupted. Prints its base URL and the
//! demo credentials as `export` lines to paste into another shell.

use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MockServer};
use serde::Serialize;

use crate::cli::MockServerArgs;
use crate::exit::Failure;
use crate::output::Output;

/// The `--json` document of `mock-server` (the demo credentials are public test values).
#[derive(Debug, Serialize)]
struct MockServerDoc<'a> {
    base_url: &'a str,
    app_key: &'a str,
    app_secret: &'a str,
    agent_id: u64,
    users: Vec<&'a str>,
}

/// Runs `mock-server`: never returns unless the port cannot be bound.
///
/// # Errors
/// Exit 2 when `--port` cannot be bound.
pub fn run(args: &MockServerArgs, out: Output) -> Result<(), Failure> {
    let server = MockServer::builder().port(args.port).start().map_err(|e| {
        Failure::invalid_input(format!("cannot listen on 127.0.0.1:{}: {e}", args.port))
    })?;
    let base_url = server.base_url();
    let directory = Directory::demo();
    let users: Vec<&str> = directory.users().map(|(id, _)| id).collect();
    let depts: Vec<String> = directory.department_ids().map(|d| d.to_string()).collect();
    let human = format!(
        "# DingTalk simulator listening on {base_url} (Ctrl-C to stop)\n\
         # Paste into another shell to point dingtalk-notify at it:\n\
         export DINGTALK_BASE_URL={base_url}\n\
         export DINGTALK_APP_KEY={DEMO_APP_KEY}\n\
         export DINGTALK_APP_SECRET={DEMO_APP_SECRET}\n\
         export DINGTALK_AGENT_ID={DEMO_AGENT_ID}\n\
         # Demo users: {}; departments: {}.\n\
         # Try: dingtalk-notify send --user alice --user bob --text hello",
        users.join(", "),
        depts.join(", ")
    );
    out.answer(
        &human,
        &MockServerDoc {
            base_url: &base_url,
            app_key: DEMO_APP_KEY,
            app_secret: DEMO_APP_SECRET,
            agent_id: DEMO_AGENT_ID,
            users,
        },
    );
    // Serves until the process is interrupted (no one calls the shutdown handle).
    server.wait();
    Ok(())
}
