//! `campaign remind` and `--dry-run` from the shell, against the simulator: who a reminder
//! reaches is checked against the people this test put in the simulator's directory and
//! the sends the simulator recorded (`requests_to(Route::Send)`), not the CLI's beliefs.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{TempDir, cli, int, run};
use dingtalk_notify_mock::{Directory, MockServer, Route, UserBehaviour};

const PEOPLE: usize = 250;
const NOTICE: &str = "Benefits enrolment closes Friday";
const REMINDER: &str = "Reminder: benefits enrolment closes Friday";

fn person(i: usize) -> String {
    format!("staff{i:04}")
}

fn behaviour(i: usize) -> UserBehaviour {
    match i % 10 {
        1 | 4 | 7 => UserBehaviour::LeavesUnread,
        2 => UserBehaviour::Fails,
        _ => UserBehaviour::Reads,
    }
}

fn people_who(wanted: UserBehaviour) -> BTreeSet<String> {
    (0..PEOPLE)
        .filter(|i| behaviour(*i) == wanted)
        .map(person)
        .collect()
}

/// A real-time simulator delivering at once, whose directory gives [`behaviour`].
fn server() -> MockServer {
    let mut directory = Directory::new();
    for i in 0..PEOPLE {
        directory = directory.with_user(person(i), behaviour(i));
    }
    MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(directory)
        .start()
        .unwrap()
}

/// The users of the sends the simulator received after the first `from`.
fn users_sent_after(server: &MockServer, from: usize) -> BTreeSet<String> {
    server
        .requests_to(Route::Send)
        .iter()
        .skip(from)
        .flat_map(|r| {
            let body = r.json().expect("a JSON send body");
            let list = body["userid_list"].as_str().unwrap_or_default().to_owned();
            list.split(',').map(str::to_owned).collect::<Vec<_>>()
        })
        .collect()
}

struct Setup {
    server: MockServer,
    dir: TempDir,
    ledger: String,
    users_file: String,
    parent: String,
}

impl Setup {
    fn new(name: &str) -> Self {
        let server = server();
        let dir = TempDir::new(name);
        let ledger = dir.0.join("ledger.db").to_str().unwrap().to_owned();
        let users_file = dir.0.join("users.txt").to_str().unwrap().to_owned();
        let mut ids: Vec<String> = (0..PEOPLE).map(person).collect();
        ids.push(person(7)); // a duplicate line: sent once
        std::fs::write(&users_file, ids.join("\n")).unwrap();
        let doc = run(
            cli(&server),
            [
                "--json",
                "send",
                "--users-file",
                &users_file,
                "--ledger",
                &ledger,
                "--text",
                NOTICE,
            ],
        )
        .expect_code(0)
        .json();
        let parent = doc["campaign_id"].as_str().unwrap().to_owned();
        Self {
            server,
            dir,
            ledger,
            users_file,
            parent,
        }
    }

    fn sends(&self) -> usize {
        self.server.requests_to(Route::Send).len()
    }

    fn remind(&self, id: &str, more: &[&str]) -> common::Run {
        let mut args = vec!["--json", "campaign", "remind", id, "--ledger", &self.ledger];
        args.extend(more);
        run(cli(&self.server), args)
    }
}

#[test]
fn a_reminder_reaches_exactly_the_unread_and_the_parents_report_lists_it() {
    let s = Setup::new("remind-unread");
    let before = s.sends();
    let doc = s
        .remind(&s.parent, &["--text", REMINDER])
        .expect_code(0)
        .json();
    assert_eq!(doc["parent"], s.parent.as_str());
    let reminder = doc["campaign_id"].as_str().unwrap().to_owned();
    assert_ne!(reminder, s.parent);
    let unread = people_who(UserBehaviour::LeavesUnread);
    assert_eq!(users_sent_after(&s.server, before), unread);

    // --include adds the people DingTalk could not deliver to.
    let before = s.sends();
    s.remind(
        &s.parent,
        &["--text", "Last call", "--include", "unread,failed"],
    )
    .expect_code(0);
    let mut expected = unread.clone();
    expected.extend(people_who(UserBehaviour::Fails));
    assert_eq!(users_sent_after(&s.server, before), expected);

    // The parent's report lists its reminders, with how many each reached.
    let report = run(
        cli(&s.server),
        [
            "campaign", "report", &s.parent, "--ledger", &s.ledger, "--format", "json",
        ],
    )
    .expect_code(0)
    .json();
    let reminders = report["reminders"].as_array().unwrap();
    assert_eq!(reminders.len(), 2);
    assert_eq!(reminders[0]["campaign_id"], reminder.as_str());
    assert_eq!(int(&reminders[0]["recipients"]), unread.len() as u64);
    assert_eq!(int(&reminders[0]["reached"]), unread.len() as u64);
    assert_eq!(int(&reminders[1]["recipients"]), expected.len() as u64);
    let csv = run(
        cli(&s.server),
        [
            "campaign", "report", &s.parent, "--ledger", &s.ledger, "--format", "csv",
        ],
    )
    .expect_code(0)
    .stdout;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (user, id) = (at("user_id"), at("reminder_id"));
    for record in reader.records() {
        let record = record.unwrap();
        let reminded = !record[id].is_empty();
        assert_eq!(reminded, expected.contains(&record[user]), "{record:?}");
    }
    let html_file = s.dir.0.join("report.html");
    let html_path = html_file.to_str().unwrap();
    run(
        cli(&s.server),
        [
            "campaign", "report", &s.parent, "--ledger", &s.ledger, "--format", "html", "--output",
            html_path,
        ],
    )
    .expect_code(0);
    let page = std::fs::read_to_string(&html_file).unwrap();
    assert!(page.contains("<h2>Reminders: 2</h2>") && page.contains(&reminder));
}

/// DingTalk sends the same content to the same person once a day and drops the rest as
/// 143106 ("the same content to the same person: once a day | 143106 / 143206",
/// ../shared/spec/audience-and-media.md): refused with exit 2, nothing sent.
#[test]
fn a_reminder_with_the_parents_content_is_refused_before_sending() {
    let s = Setup::new("remind-same");
    let before = s.sends();
    let r = s.remind(&s.parent, &["--text", NOTICE]).expect_code(2);
    let error = &r.json()["error"];
    assert!(
        error["message"].as_str().unwrap().contains("143106"),
        "{r:?}"
    );
    assert_eq!(s.sends(), before, "nothing sent");
    let status = run(
        cli(&s.server),
        [
            "--json", "campaign", "status", &s.parent, "--ledger", &s.ledger,
        ],
    )
    .expect_code(0)
    .json();
    assert!(
        status.get("reminders").is_none(),
        "nothing linked: {status}"
    );
}

#[test]
fn a_reminder_of_a_reminder() {
    let s = Setup::new("remind-chain");
    let first = s
        .remind(&s.parent, &["--text", REMINDER])
        .expect_code(0)
        .json();
    let first = first["campaign_id"].as_str().unwrap().to_owned();
    let before = s.sends();
    // The grandparent's content is refused too.
    s.remind(&first, &["--text", NOTICE]).expect_code(2);
    assert_eq!(s.sends(), before);
    let second = s
        .remind(&first, &["--text", "Second reminder"])
        .expect_code(0)
        .json();
    assert_eq!(second["parent"], first.as_str());
    assert_eq!(
        users_sent_after(&s.server, before),
        people_who(UserBehaviour::LeavesUnread)
    );
    let status = run(
        cli(&s.server),
        [
            "--json", "campaign", "status", &first, "--ledger", &s.ledger,
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(status["reminders"][0], second["campaign_id"]);
    assert_eq!(status["parent"], s.parent.as_str());
}

/// The keys of a dry run's document, as the issue gives them.
fn assert_dry_run_shape(doc: &serde_json::Value) {
    let keys: BTreeSet<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = BTreeSet::from([
        "dry_run",
        "recipients",
        "chunks",
        "eta_seconds",
        "calls",
        "warnings",
        "unresolved",
    ]);
    if doc.get("parent").is_some() {
        expected.insert("parent");
    }
    assert_eq!(keys, expected, "{doc}");
    assert_eq!(doc["dry_run"], true);
    assert!(doc["calls"]["send"].is_u64() && doc["calls"]["follow"].is_u64());
    assert!(doc["warnings"].is_array() && doc["unresolved"].is_array());
}

#[test]
fn a_dry_run_sends_nothing_and_says_what_a_send_would_cost() {
    let s = Setup::new("dry-run");
    let before = s.server.requests().len();
    let sends = s.sends();
    let long = "x".repeat(65);
    let doc = run(
        cli(&s.server),
        [
            "--json",
            "--budget",
            "100",
            "send",
            "--dry-run",
            "--users-file",
            &s.users_file,
            "--user",
            "staff0000,staff0001",
            "--user",
            &long,
            "--text",
            "Canteen menu",
        ],
    )
    .expect_code(0)
    .json();
    assert_dry_run_shape(&doc);
    // 251 people in chunks of 100 (the budget): 100 now, 100 a minute later, 51 at two.
    assert_eq!(int(&doc["recipients"]), 251);
    let removed = doc["warnings"][0]["message"].as_str().unwrap();
    assert!(removed.starts_with("3 duplicate user ids"), "{removed}"); // 1 in the file, 2 given again
    assert_eq!(int(&doc["chunks"]), 3);
    assert_eq!(int(&doc["eta_seconds"]), 120);
    assert_eq!(int(&doc["calls"]["send"]), 3);
    assert_eq!(int(&doc["calls"]["follow"]), 6);
    let kinds: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["duplicates_removed", "id_too_long"]);
    assert_eq!(doc["unresolved"], serde_json::json!([]));
    assert_eq!(s.sends(), sends, "nothing sent");

    // The ledger holds the notice sent to these people today: DingTalk would drop it.
    let doc = run(
        cli(&s.server),
        [
            "--json",
            "send",
            "--dry-run",
            "--ledger",
            &s.ledger,
            "--user",
            "staff0005,nobody",
            "--text",
            NOTICE,
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(doc["warnings"][0]["kind"], "same_content_within_24h");
    let message = doc["warnings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&s.parent) && message.contains("143106"),
        "{message}"
    );
    // A dry run creates no ledger.
    let absent = s.dir.0.join("absent.db");
    run(
        cli(&s.server),
        [
            "send",
            "--dry-run",
            "--ledger",
            absent.to_str().unwrap(),
            "--user",
            "a",
            "--text",
            "Hi",
        ],
    )
    .expect_code(0);
    assert!(!absent.exists());

    // to_all_user's daily cap, and a single send planned the same way.
    let doc = run(
        cli(&s.server),
        ["--json", "send", "--dry-run", "--all-users", "--text", "Hi"],
    )
    .expect_code(0)
    .json();
    assert_dry_run_shape(&doc);
    assert_eq!(doc["warnings"][0]["kind"], "to_all_user_daily_cap");
    let human = run(
        cli(&s.server),
        ["send", "--dry-run", "--user", "staff0003", "--text", "Hi"],
    )
    .expect_code(0);
    assert!(
        human.stdout.contains("1 recipients in 1 chunks"),
        "{human:?}"
    );
    assert!(human.stdout.contains("nothing was sent"), "{human:?}");
    assert_eq!(s.sends(), sends, "nothing sent");

    // A reminder's dry run reads the parent's result and sends nothing either.
    let doc = s
        .remind(&s.parent, &["--text", REMINDER, "--dry-run"])
        .expect_code(0)
        .json();
    assert_dry_run_shape(&doc);
    assert_eq!(doc["parent"], s.parent.as_str());
    assert_eq!(
        int(&doc["recipients"]),
        people_who(UserBehaviour::LeavesUnread).len() as u64
    );
    assert_eq!(s.sends(), sends, "nothing sent");
    let calls: std::collections::HashSet<Route> = s.server.requests()[before..]
        .iter()
        .map(|r| r.route)
        .collect();
    assert!(!calls.contains(&Route::Send), "{calls:?}");
    // Its refusals stay refusals.
    s.remind(&s.parent, &["--text", NOTICE, "--dry-run"])
        .expect_code(2);
}

/// A reminder stopped by the budget after its first chunk: its own document (the id to
/// resume, its parent, the error), exit 3, and only that chunk sent.
#[test]
fn a_reminder_stopped_by_the_budget_shows_its_own_document() {
    let s = Setup::new("remind-stopped");
    let before = s.sends();
    let r = run(
        cli(&s.server),
        [
            "--json",
            "--budget",
            "10",
            "--budget-wait",
            "0",
            "campaign",
            "remind",
            &s.parent,
            "--ledger",
            &s.ledger,
            "--text",
            REMINDER,
        ],
    )
    .expect_code(3);
    let doc = r.json();
    assert_eq!(doc["parent"], s.parent.as_str(), "{doc}");
    assert_ne!(doc["campaign_id"], s.parent.as_str());
    assert_eq!(doc["error"]["kind"], "over_budget", "{doc}");
    assert_eq!(int(&doc["sent"]), 1);
    assert_eq!(users_sent_after(&s.server, before).len(), 10);
}
