//! `send --dept-tree/--org/--mobiles-file`: audiences resolved to people against the
//! simulator's organisation, sent as a campaign of user chunks (issue 21, items 6 and 7).
//! The oracle is the simulator: its directory and the `asyncsend_v2` requests it received.
//!
//! Sources: listsubid, listid and getbymobile as in `/work/shared/spec/audience-and-media.md`
//! (60121: no user with this mobile; 20 contact calls a second per app and API, 90018 beyond).

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, cli, run};
use dingtalk_notify_mock::{
    DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MockServer, Person, Route,
};

/// Root 1 → Sales 2 → Sales East 3; HR 4 under the root. Alice sits in Sales East and HR.
fn three_levels() -> Directory {
    Directory::new()
        .with_department_named(2, "Sales", 1)
        .with_department_named(3, "Sales East", 2)
        .with_department_named(4, "HR", 1)
        .with_person(Person::new("ceo").department(1))
        .with_person(Person::new("sam").department(2))
        .with_person(Person::new("alice").departments([3, 4]))
        .with_person(Person::new("eve").department(3))
        .with_person(Person::new("hank").department(4).mobile("13800000004"))
}

fn server(org: Directory) -> MockServer {
    MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(org)
        .start()
        .unwrap()
}

/// How many times the simulator was sent each user; no send targets departments or all.
fn sent_counts(server: &MockServer) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in server.requests_to(Route::Send) {
        let body = r.json().unwrap();
        assert!(body.get("dept_id_list").is_none(), "{body}");
        let list = body["userid_list"].as_str().unwrap_or_default();
        assert!(list.split(',').count() <= 100);
        for user in list.split(',') {
            *counts.entry(user.to_owned()).or_insert(0) += 1;
        }
    }
    counts
}

fn once(users: &[&str]) -> BTreeMap<String, usize> {
    users.iter().map(|u| ((*u).to_owned(), 1)).collect()
}

#[test]
fn a_tree_where_a_person_sits_in_two_departments_sends_each_once() {
    let server = server(three_levels());
    let r = run(
        cli(&server),
        [
            "--json",
            "send",
            "--text",
            "Payslips",
            "--dept-tree",
            "2,4",
            "--dept-tree",
            "3",
            "--user",
            "ceo,sam",
        ],
    )
    .expect_code(0);
    let doc = r.json();
    assert_eq!(doc["recipients"], 5, "{doc}");
    assert_eq!(doc["unresolved"], serde_json::json!([]));
    assert_eq!(
        sent_counts(&server),
        once(&["alice", "ceo", "eve", "hank", "sam"])
    );
}

#[test]
fn a_phone_number_not_found_is_reported_and_the_rest_are_sent() {
    let org = Directory::generated(200, 5);
    let known = ["13000000007", "13000000042"];
    let expected: Vec<&str> = known
        .iter()
        .map(|m| org.user_by_mobile(m).unwrap())
        .collect();
    let server = server(org.clone());
    let dir = TempDir::new("mobiles");
    let file = dir.0.join("mobiles.txt");
    std::fs::write(&file, "13000000007\r\n13999999999\n\n13000000042\n").unwrap();
    let r = run(
        cli(&server),
        [
            "--json",
            "send",
            "--text",
            "Badge",
            "--mobiles-file",
            file.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    let doc = r.json();
    assert_eq!(doc["recipients"], 2);
    assert_eq!(
        doc["unresolved"],
        serde_json::json!([{"input": "13999999999", "kind": "mobile", "reason": "not_found", "errcode": 60121}])
    );
    assert!(
        r.stderr.contains("unresolved: mobile 13999999999"),
        "{}",
        r.stderr
    );
    assert_eq!(sent_counts(&server), once(&expected));
}

#[test]
fn conflicting_audiences_are_refused_and_nothing_is_sent() {
    let server = server(three_levels());
    for args in [
        &["send", "--text", "x", "--org", "--all-users"][..],
        &["send", "--text", "x", "--dept-tree", "2", "--dept", "3"],
        &["send", "--text", "x", "--all-users", "--mobiles-file", "-"],
        &["send", "--text", "x", "--exclude-inactive", "--user", "sam"],
        &[
            "send",
            "--text",
            "x",
            "--org",
            "--mobiles-file",
            "-",
            "--users-file",
            "-",
        ],
    ] {
        let r = run(cli(&server), args).expect_code(2);
        assert!(!r.stderr.is_empty(), "{args:?}");
    }
    assert!(server.requests_to(Route::Send).is_empty());
    assert_eq!(server.contact_calls(Route::Any), 0);
}

#[test]
fn help_says_when_to_choose_dingtalks_targeting_or_people() {
    let r = run(common::bare(), ["send", "--help"]).expect_code(0);
    for needle in [
        "--dept-tree",
        "--org",
        "--mobiles-file",
        "--unionids-file",
        "--exclude-inactive",
    ] {
        assert!(r.stdout.contains(needle), "{needle}");
    }
    let flat = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Choose --dept-tree for each person once with a receipt"),
        "{flat}"
    );
    assert!(flat.contains("choose --org for one"), "{flat}");
}

/// SIGKILL while the audience resolves (paced at 15 contact calls a second, so a
/// thousand people in fifty departments take seconds), then `campaign resume`: nothing was
/// sent before the kill, and after the resume every person has the message exactly once.
#[test]
fn sigkill_during_resolution_then_resume_sends_everyone_once() {
    let org = Directory::generated(1_000, 13);
    let everyone: Vec<String> = org.people().map(|p| p.id().to_owned()).collect();
    let server = server(org);
    let dir = TempDir::new("sigkill-resolve");
    let ledger = dir.0.join("ledger.db");
    let ledger = ledger.to_str().unwrap();
    let agent = DEMO_AGENT_ID.to_string();
    let global = [
        "--base-url",
        &server.base_url(),
        "--app-key",
        DEMO_APP_KEY,
        "--app-secret",
        DEMO_APP_SECRET,
        "--agent-id",
        &agent,
    ];
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("dingtalk-notify"))
        .args(global)
        .args(["send", "--text", "Town hall", "--org", "--ledger", ledger])
        .env_remove("DINGTALK_LEDGER")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let id = first
        .trim()
        .strip_prefix("campaign ")
        .unwrap_or_else(|| panic!("the id first: {first:?}"))
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.contact_calls(Route::Any) < 20 {
        assert!(Instant::now() < deadline, "the resolution never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let walked = server.contact_calls(Route::Any);
    assert!(walked < 100, "killed while resolving ({walked} calls)");
    assert!(
        server.requests_to(Route::Send).is_empty(),
        "nothing sent yet"
    );

    let r = run(
        cli(&server),
        ["--json", "campaign", "resume", &id, "--ledger", ledger],
    )
    .expect_code(0);
    let doc = r.json();
    assert_eq!(doc["recipients"], 1_000, "{doc}");
    let counts = sent_counts(&server);
    assert_eq!(counts.len(), everyone.len(), "nobody lost");
    assert!(counts.values().all(|n| *n == 1), "nobody twice");
    assert!(everyone.iter().all(|u| counts.contains_key(u)));
}

/// The frozen people's departments reach the report: `dept_ids` in the CSV, and the HTML
/// page's read rate per department (one bar per department of the tree).
#[test]
fn the_report_of_a_tree_has_each_persons_departments_and_a_chart_per_department() {
    let server = server(three_levels());
    let dir = TempDir::new("people-report");
    let ledger = dir.0.join("ledger.db");
    let ledger = ledger.to_str().unwrap();
    let r = run(
        cli(&server),
        [
            "--json", "send", "--text", "Payslips", "--org", "--ledger", ledger,
        ],
    )
    .expect_code(0);
    let id = r.json()["campaign_id"].as_str().unwrap().to_owned();
    let csv = run(
        cli(&server),
        [
            "campaign", "report", &id, "--ledger", ledger, "--format", "csv",
        ],
    )
    .expect_code(0)
    .stdout;
    let alice = csv.lines().find(|l| l.starts_with("alice,")).unwrap();
    assert!(alice.contains(",3;4,"), "{alice}");
    let html = dir.0.join("report.html");
    run(
        cli(&server),
        [
            "campaign",
            "report",
            &id,
            "--ledger",
            ledger,
            "--format",
            "html",
            "--output",
            html.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    let page = std::fs::read_to_string(&html).unwrap();
    for dept in 1..=4 {
        assert!(
            page.contains(&format!("data-dept=\"{dept}\"")),
            "department {dept}"
        );
    }
}

/// `--dry-run` with people audiences resolves them (read calls only) and sends nothing:
/// the simulator receives contact calls and not one `asyncsend_v2`, and no ledger file is
/// created (issue 23 item 3 joined to issue 21's audiences).
#[test]
fn a_dry_run_of_people_resolves_them_and_sends_nothing() {
    let org = three_levels();
    let server = server(org);
    let dir = TempDir::new("dry-people");
    let mobiles = dir.0.join("mobiles.txt");
    std::fs::write(&mobiles, "13800000004\n13999999999\n").unwrap();
    let ledger = dir.0.join("ledger.db");
    let r = run(
        cli(&server),
        [
            "--json",
            "send",
            "--text",
            "Payslips",
            "--dept-tree",
            "2",
            "--mobiles-file",
            mobiles.to_str().unwrap(),
            "--ledger",
            ledger.to_str().unwrap(),
            "--dry-run",
        ],
    )
    .expect_code(0);
    let doc = r.json();
    assert_eq!(doc["dry_run"], true, "{doc}");
    // Sales (sam), Sales East (alice, eve) and hank by his phone number.
    assert_eq!(doc["recipients"], 4, "{doc}");
    assert_eq!(doc["chunks"], 1, "{doc}");
    assert_eq!(
        doc["unresolved"],
        serde_json::json!([{"input": "13999999999", "kind": "mobile", "reason": "not_found", "errcode": 60121}]),
        "{doc}"
    );
    assert!(server.requests_to(Route::Send).is_empty());
    // Resolved with read calls: each phone number asked once.
    assert_eq!(server.requests_to(Route::UserGetByMobile).len(), 2);
    assert!(!ledger.exists(), "a dry run creates no ledger");
}
