//! `mock-server`: the simulator, standalone, until interrupted. Prints its base URL and the
//! demo credentials as `export` lines to paste into another shell, and what organisation it
//! serves (the demo one, an org file's, or a generated one).

use dingtalk_notify_mock::{
    DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MAX_GENERATED_PEOPLE, MockServer,
    UserBehaviour,
};
use serde::Serialize;

use crate::cli::MockServerArgs;
use crate::exit::Failure;
use crate::output::Output;

/// How many user ids and departments the banner names.
const SAMPLE: usize = 8;

/// The `--json` document of `mock-server` (the demo credentials are public test values).
#[derive(Debug, Serialize)]
struct MockServerDoc<'a> {
    base_url: &'a str,
    app_key: &'a str,
    app_secret: &'a str,
    agent_id: u64,
    /// The first user ids of the organisation (all of them when few).
    users: Vec<&'a str>,
    /// How many people it has.
    people: usize,
    /// How many departments, the root included.
    departments: usize,
    /// Whether any user id is accepted.
    accept_any_user: bool,
}

/// The organisation `args` ask for.
fn organisation(args: &MockServerArgs) -> Result<(Directory, String), Failure> {
    let (dir, what) = match (&args.org, args.org_size) {
        (Some(path), _) => {
            let dir = Directory::from_json_file(path)
                .map_err(|e| Failure::invalid_input(format!("--org: {e}")))?;
            (dir, format!("from {}", path.display()))
        }
        (None, Some(size)) if size > MAX_GENERATED_PEOPLE => {
            return Err(Failure::invalid_input(format!(
                "--org-size {size}: at most {MAX_GENERATED_PEOPLE}"
            )));
        }
        (None, Some(size)) => (
            Directory::generated(size, args.org_seed),
            format!(
                "generated, seed {}: user ids u0.., mobiles 13000000000 + i, union ids union-u<i>",
                args.org_seed
            ),
        ),
        (None, None) => (
            Directory::demo_org(),
            "the demo organisation; --org FILE or --org-size N for another".to_owned(),
        ),
    };
    let dir = if args.accept_any_user {
        dir.accept_any_user(UserBehaviour::Reads)
    } else {
        dir
    };
    Ok((dir, what))
}

/// Runs `mock-server`: never returns unless the organisation is refused or the port
/// cannot be bound.
///
/// # Errors
/// Exit 2 when the org file is unreadable or invalid, `--org-size` is too large, or
/// `--port` cannot be bound.
pub fn run(args: &MockServerArgs, out: Output) -> Result<(), Failure> {
    let (directory, what) = organisation(args)?;
    let users: Vec<String> = directory
        .people()
        .take(SAMPLE)
        .map(|p| p.id().to_owned())
        .collect();
    let top: Vec<String> = directory
        .sub_departments(1)
        .unwrap_or_default()
        .iter()
        .take(SAMPLE)
        .map(|d| format!("{d} {}", directory.department_name(*d).unwrap_or("")))
        .collect();
    let (people, departments) = (directory.len(), directory.department_count());
    let qps = (args.contact_qps > 0).then_some(args.contact_qps);
    let server = MockServer::builder()
        .port(args.port)
        .directory(directory)
        .contact_qps(qps)
        .start()
        .map_err(|e| {
            Failure::invalid_input(format!("cannot listen on 127.0.0.1:{}: {e}", args.port))
        })?;
    let base_url = server.base_url();
    let more = if people > users.len() { ", …" } else { "" };
    let any = if args.accept_any_user {
        "\n# Any other user id is accepted too (--accept-any-user): your own ids are delivered."
    } else {
        ""
    };
    let example = top.first().and_then(|d| d.split(' ').next()).unwrap_or("1");
    let human = format!(
        "# DingTalk simulator listening on {base_url} (Ctrl-C to stop)\n\
         # Paste into another shell to point dingtalk-notify at it:\n\
         export DINGTALK_BASE_URL={base_url}\n\
         export DINGTALK_APP_KEY={DEMO_APP_KEY}\n\
         export DINGTALK_APP_SECRET={DEMO_APP_SECRET}\n\
         export DINGTALK_AGENT_ID={DEMO_AGENT_ID}\n\
         # Organisation ({what}): {people} people in {departments} departments.\n\
         # Users: {}{more}; under the root: {}.{any}\n\
         # Try: dingtalk-notify send --user {} --text hello\n\
         #      dingtalk-notify send --dept {example} --text hello",
        users.join(", "),
        top.join(", "),
        users.first().map_or("alice", String::as_str),
    );
    out.answer(
        &human,
        &MockServerDoc {
            base_url: &base_url,
            app_key: DEMO_APP_KEY,
            app_secret: DEMO_APP_SECRET,
            agent_id: DEMO_AGENT_ID,
            users: users.iter().map(String::as_str).collect(),
            people,
            departments,
            accept_any_user: args.accept_any_user,
        },
    );
    // Serves until the process is interrupted (no one calls the shutdown handle).
    server.wait();
    Ok(())
}
