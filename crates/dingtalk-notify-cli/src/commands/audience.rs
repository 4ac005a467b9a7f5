//! `send --dept-tree/--org/--mobiles-file/--unionids-file`: a campaign of people. The
//! inputs (with `--user` and `--users-file`) are stored in the ledger first, then resolved
//! to people, deduplicated and frozen into it before the first send, then sent as chunks of
//! users like any campaign. Inputs that resolve to nobody are listed on stderr and in the
//! document (`"unresolved"`); the rest are sent (exit 0).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use dingtalk_notify::campaign::PeopleAudience;
use dingtalk_notify::kit::resolve::{AudienceQuery, ResolveConfig};
use dingtalk_notify::ledger::{Ledger, MemoryLedger};

use super::campaign::{both_ledgers, campaign_failure, open_ledger};
use crate::cli::{GlobalArgs, SendArgs};
use crate::exit::Failure;
use crate::output::Output;

/// The most a `--mobiles-file` or `--unionids-file` may hold: 64 MiB.
const MAX_INPUT_FILE: u64 = 64 * 1024 * 1024;
/// The longest line taken as a phone number or union id.
const MAX_INPUT_CHARS: usize = 128;

/// Whether `send` was asked for an audience of people.
pub fn wanted(args: &SendArgs) -> bool {
    args.people.any()
}

/// Runs `send` with an audience of people.
///
/// # Errors
/// Exit 2 for invalid input (nothing resolved or sent); a resolution that stops (exit 1 for
/// DingTalk's refusal, such as 90020, the monthly quota; 3 or 4 for the transport), with
/// the campaign kept to resume; else as a campaign.
pub fn campaign(global: &GlobalArgs, args: &SendArgs, out: Output) -> Result<(), Failure> {
    let agent_id = super::agent_id(global)?;
    let pending = super::media::Pending::from_args(args, super::send::message)?;
    let (people, file_duplicates) = people(args)?;
    let (client, fleet) = super::client_and_fleet(global)?;
    if args.dry_run {
        let given = (people, file_duplicates);
        return dry_run(
            &client,
            global,
            args,
            agent_id,
            pending,
            given,
            fleet.as_ref(),
            out,
        );
    }
    let (message, _) = pending.resolve(&client)?;
    let ledger: Box<dyn Ledger> = match (&args.ledger, &fleet) {
        (Some(_), Some(_)) => return Err(both_ledgers()),
        (Some(path), None) => open_ledger(path)?,
        (None, Some(fleet)) => fleet.ledger()?,
        (None, None) => Box::new(MemoryLedger::new()),
    };
    // SIGINT/SIGTERM from here on stop the campaign cleanly, resolution included (see
    // `signals`): a stop before the people are frozen sends nothing.
    let stop = crate::signals::stop_flag()?;
    let created = client
        .campaigns(ledger.as_ref())
        .create_people(agent_id, message, people)
        .map_err(campaign_failure)?;
    // Only the id is kept: `freeze` loads the record, and a second copy of its inputs (a
    // users file's ids) would double the memory they take.
    let id = created.id().clone();
    drop(created);
    if args.ledger.is_some() || fleet.is_some() {
        out.narrate(&format!("campaign {id}"));
    }
    let frozen = client.campaigns(ledger.as_ref()).freeze(&id).map_err(|e| {
        let f = campaign_failure(e);
        Failure {
            message: format!(
                "{}; nothing was sent (`campaign resume {id}` resolves again)",
                f.message
            ),
            ..f
        }
    })?;
    let record = frozen.record();
    for u in record.unresolved() {
        crate::output::stderr(&format!("unresolved: {u}"));
    }
    out.narrate(&format!(
        "{} people resolved, {} chunks",
        record.header().audience.users,
        record.chunks().len()
    ));
    super::send::send_created(&client, ledger.as_ref(), frozen, stop, args.watch, out)
}

/// The people `args` ask for: the inputs to resolve, and the user ids beside them; with the
/// duplicate lines of `--users-file`, dropped as it was read.
///
/// # Errors
/// Exit 2 for a file that cannot be read, a line that cannot be an input, two inputs read
/// from stdin, or `--exclude-inactive` alone.
fn people(args: &SendArgs) -> Result<(PeopleAudience, usize), Failure> {
    let p = &args.people;
    let stdin = [
        args.users_file.as_deref(),
        p.mobiles_file.as_deref(),
        p.unionids_file.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|f| f.as_os_str() == "-")
    .count();
    if stdin > 1 {
        return Err(Failure::invalid_input(
            "only one of --users-file, --mobiles-file and --unionids-file can read stdin (-)",
        ));
    }
    let mut query = AudienceQuery::new();
    for dept in &p.dept_trees {
        query = query.dept_tree(*dept);
    }
    if p.org {
        query = query.whole_organization();
    }
    if let Some(path) = &p.mobiles_file {
        query = query.mobiles(read_lines(path, "--mobiles-file")?);
    }
    if let Some(path) = &p.unionids_file {
        query = query.union_ids(read_lines(path, "--unionids-file")?);
    }
    if query.is_empty() {
        return Err(Failure::invalid_input(
            "--exclude-inactive needs an audience to resolve: --dept-tree, --org, \
             --mobiles-file or --unionids-file",
        ));
    }
    let (users, file_duplicates) = super::send::listed_users(args)?;
    let config = ResolveConfig::default().exclude_inactive(p.exclude_inactive);
    let mut people = PeopleAudience::new(query).config(config);
    people.user_ids = users;
    Ok((people, file_duplicates))
}

/// One input per line (`-` for stdin): a byte-order mark, CRLF, spaces and blank lines are
/// ignored, a duplicate kept once.
fn read_lines(path: &Path, option: &str) -> Result<Vec<String>, Failure> {
    let shown = path.display().to_string();
    let cannot =
        |e: std::io::Error| Failure::invalid_input(format!("cannot read {option} {shown}: {e}"));
    if path.as_os_str() == "-" {
        parse_lines(std::io::stdin().lock(), option, &shown)
    } else {
        let file = std::fs::File::open(path).map_err(cannot)?;
        parse_lines(BufReader::new(file), option, &shown)
    }
}

/// [`read_lines`] on any reader.
fn parse_lines(input: impl BufRead, option: &str, shown: &str) -> Result<Vec<String>, Failure> {
    let bad = |number: usize, what: &str| {
        Failure::invalid_input(format!(
            "{option} {shown}, line {number}: {what}; nothing was sent"
        ))
    };
    let mut input = input.take(MAX_INPUT_FILE + 1);
    let mut text = Vec::new();
    input
        .read_to_end(&mut text)
        .map_err(|e| Failure::invalid_input(format!("cannot read {option} {shown}: {e}")))?;
    if text.len() as u64 > MAX_INPUT_FILE {
        return Err(Failure::invalid_input(format!(
            "{option} {shown} is larger than {MAX_INPUT_FILE} bytes"
        )));
    }
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        let number = i + 1;
        let line = std::str::from_utf8(line).map_err(|_| bad(number, "not UTF-8"))?;
        let value = line.trim();
        if value.is_empty() {
            continue;
        }
        if let Some(c) = value.chars().find(|c| c.is_control()) {
            return Err(bad(
                number,
                &format!("it holds a control character (U+{:04X})", u32::from(c)),
            ));
        }
        if value.chars().count() > MAX_INPUT_CHARS {
            return Err(bad(
                number,
                &format!("longer than {MAX_INPUT_CHARS} characters"),
            ));
        }
        if seen.insert(value.to_owned()) {
            out.push(value.to_owned());
        }
    }
    Ok(out)
}

/// `send --dry-run` with an audience of people: resolved (read calls only) into a ledger
/// in memory that is then dropped, planned as the send path would, and printed; nothing is
/// uploaded, stored or sent.
#[allow(clippy::too_many_arguments)]
fn dry_run(
    client: &super::CliClient,
    global: &GlobalArgs,
    args: &SendArgs,
    agent_id: dingtalk_notify::AgentId,
    pending: super::media::Pending,
    (people, file_duplicates): (PeopleAudience, usize),
    fleet: Option<&super::fleet::Fleet>,
    out: Output,
) -> Result<(), Failure> {
    let scratch = MemoryLedger::new();
    let campaigns = client.campaigns(&scratch);
    // The message is the scratch ledger's only; the dry run plans with `pending`.
    let created = campaigns
        .create_people(agent_id, dingtalk_notify::Message::text("dry run"), people)
        .map_err(campaign_failure)?;
    let frozen = campaigns.freeze(created.id()).map_err(campaign_failure)?;
    let record = frozen.record();
    let users: Vec<String> = record.people().map(|(user, _)| user.to_owned()).collect();
    let unresolved = super::unresolved::doc(record)
        .and_then(|doc| serde_json::to_value(doc).ok())
        .and_then(|mut doc| doc.get_mut("unresolved").map(serde_json::Value::take))
        .and_then(|list| match list {
            serde_json::Value::Array(items) => Some(items),
            _ => None,
        })
        .unwrap_or_default();
    let audience = dingtalk_notify::campaign::Audience::users(users);
    let run = super::dry_run::Send {
        agent_id,
        pending,
        audience,
        unresolved,
        ledger: args.ledger.as_deref(),
        fleet,
        file_duplicates,
    };
    super::dry_run::send(client, global.budget, run, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_as_spreadsheets_write_them() {
        let input = b"\xEF\xBB\xBF13800138000\r\n\r\n  13900139000 \n13800138000\n";
        let lines = parse_lines(&input[..], "--mobiles-file", "m.txt").unwrap();
        assert_eq!(lines, ["13800138000", "13900139000"]);
    }

    #[test]
    fn a_control_character_is_refused_with_its_line() {
        let error = parse_lines(&b"1380\n13\x1b[2J\n"[..], "--mobiles-file", "m.txt").unwrap_err();
        assert_eq!(error.exit_code, crate::exit::INVALID_INPUT);
        assert!(error.message.contains("line 2"), "{}", error.message);
    }
}
