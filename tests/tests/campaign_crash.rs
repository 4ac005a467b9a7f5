//! The crash test: a child process runs a 1,000-user campaign with a SQLite ledger and is
//! SIGKILLed at a different send call in each of 20 runs (half of them while that call waits
//! in the simulator, so it is in flight). After `resume`, the simulator's records show every
//! user got the message exactly once, except users of chunks marked ambiguous, which are
//! listed and never resent. In a quarter of the runs `resume` itself is SIGKILLed (mid-call)
//! first, and
//! the ledger must come out of it whole: it opens, passes SQLite's integrity check, and no
//! chunk it had recorded went back. A resume right after a kill is refused while the killed
//! sender's lease holds (one sender per campaign); the resumes then run on a clock an hour
//! (the parent's: two) later, when it has run out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use dingtalk_notify::campaign::{
    Audience, CHUNK_LIMITS, CampaignError, CampaignId, CampaignPlan, CampaignPolicy,
};

use dingtalk_notify::ledger::ChunkState;
use dingtalk_notify::ledger::{Ledger, SqliteLedger};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, Message, VirtualClock};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, Directory, Fault, MockServer, Route, UserBehaviour,
};
use dingtalk_notify_tests::harness::demo_app;

const CHILD: &str = "DINGTALK_CRASH_CHILD";
const USERS: usize = 1_000;
const RUNS: u64 = 20;

fn users() -> Vec<String> {
    (0..USERS).map(|i| format!("staff{i:04}")).collect()
}

/// A client whose clock is `later` ahead: a killed sender's lease holds for the call
/// deadline plus a margin (a minute at most here), so a resume "an hour later" finds it run
/// out, as a resume after a real crash does once that time has passed.
fn client(base: &str, later: Duration) -> Client<UreqTransport> {
    let builder =
        Client::builder(demo_app()).base_url(BaseUrl::new(base).expect("loopback base URL"));
    if later.is_zero() {
        builder.build(UreqTransport::default())
    } else {
        builder
            .clock(VirtualClock::starting_at(SystemTime::now() + later))
            .build(UreqTransport::default())
    }
}

const HOUR: Duration = Duration::from_secs(3600);

/// No resend rounds: the crash test is about the send path, and rounds would wait for
/// delivery in real time.
fn policy() -> CampaignPolicy {
    CampaignPolicy {
        resend_rounds: 0,
        ..CampaignPolicy::default()
    }
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent"))
}

/// The child: `start` creates the campaign, prints its id, then sends it; `resume` resumes
/// one. Runs only when the parent sets the variable.
#[test]
#[ignore = "the child process of campaign_survives_sigkill; the parent runs it"]
fn crash_child() {
    let Ok(mode) = std::env::var(CHILD) else {
        return;
    };
    // The resume child comes an hour after the killed sender; the parent's resume two.
    let later = if mode == "start" {
        Duration::ZERO
    } else {
        HOUR
    };
    let client = client(&var("CHILD_BASE_URL"), later);
    let ledger = SqliteLedger::open(var("CHILD_LEDGER")).expect("the ledger opens");
    let campaigns = client.campaigns(&ledger).policy(policy());
    let id = if mode == "start" {
        let plan = CampaignPlan::new(
            DEMO_AGENT_ID,
            Message::text("Evacuation drill"),
            Audience::users(users()),
            CHUNK_LIMITS,
        )
        .expect("a valid plan");
        let handle = campaigns.create(plan).expect("created");
        println!("campaign {}", handle.id());
        handle.id().clone()
    } else {
        CampaignId::new(var("CHILD_CAMPAIGN")).expect("an id")
    };
    campaigns.resume(&id).expect("the campaign runs");
    println!("done");
}

fn spawn(mode: &str, base: &str, ledger: &Path, id: Option<&CampaignId>) -> Child {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary"));
    cmd.args([
        "crash_child",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env(CHILD, mode)
    .env("CHILD_BASE_URL", base)
    .env("CHILD_LEDGER", ledger)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    if let Some(id) = id {
        cmd.env("CHILD_CAMPAIGN", id.as_str());
    }
    cmd.spawn().expect("the child starts")
}

/// Waits until the simulator has received `n` sends.
fn wait_for_sends(server: &MockServer, n: usize) {
    let until = Instant::now() + Duration::from_secs(60);
    while server.requests_to(Route::Send).len() < n {
        assert!(Instant::now() < until, "the child never made send {n}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn read_id(child: &mut Child) -> CampaignId {
    let out = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(out).lines();
    loop {
        let line = lines
            .next()
            .expect("the child prints the id")
            .expect("utf-8");
        if let Some(id) = line.strip_prefix("campaign ") {
            return CampaignId::new(id.trim()).expect("an id");
        }
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(run: u64) -> Self {
        let dir = std::env::temp_dir().join(format!("dingtalk-crash-{}-{run}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How far a state has come: a resume may only move chunks forward.
fn rank(s: &ChunkState) -> u8 {
    match s {
        ChunkState::Planned | ChunkState::Failed { .. } => 0,
        ChunkState::Sending { .. } => 1,
        ChunkState::Sent { .. } | ChunkState::Ambiguous { .. } => 2,
    }
}

#[test]
fn campaign_survives_sigkill() {
    let mut ambiguous_runs = 0;
    for run in 0..RUNS {
        let kill_at = 1 + (run % 10) as usize;
        let in_flight = run % 2 == 0;
        // Resume is killed too in runs whose first kill left chunks to send.
        let kill_resume = run % 4 == 0;
        let server = MockServer::builder()
            .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
            .start()
            .expect("the simulator starts");
        let base = server.base_url();
        if in_flight {
            server.inject(
                Route::Send,
                Calls::Nth(kill_at as u64),
                Fault::Delay(Duration::from_millis(1_500)),
            );
        }
        let dir = TempDir::new(run);
        let path = dir.0.join("ledger.db");

        let mut child = spawn("start", &base, &path, None);
        let id = read_id(&mut child);
        wait_for_sends(&server, kill_at);
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");

        if kill_resume {
            let before = SqliteLedger::open(&path)
                .expect("opens")
                .load(&id)
                .expect("loads")
                .expect("stored");
            let next = server.requests_to(Route::Send).len() + 1;
            server.clear_faults();
            server.inject(
                Route::Send,
                Calls::Nth(next as u64),
                Fault::Delay(Duration::from_millis(1_500)),
            );
            let mut resume = spawn("resume", &base, &path, Some(&id));
            wait_for_sends(&server, next);
            resume.kill().expect("SIGKILL");
            resume.wait().expect("reaped");
            let ledger = SqliteLedger::open(&path).expect("the ledger still opens");
            ledger.integrity_check().expect("the file is whole");
            let after = ledger.load(&id).expect("loads").expect("stored");
            assert_eq!(after.chunks().len(), before.chunks().len());
            for (b, a) in before.chunks().iter().zip(after.chunks()) {
                assert!(
                    rank(&a.state) >= rank(&b.state),
                    "run {run}: chunk {} went back: {:?} -> {:?}",
                    b.index,
                    b.state,
                    a.state
                );
                if let ChunkState::Sent { .. } = b.state {
                    assert_eq!(a.state, b.state, "run {run}: a sent chunk changed");
                }
            }
        }

        server.clear_faults();
        let ledger = SqliteLedger::open(&path).expect("opens");
        // The killed sender's lease still holds now: resume is refused, nothing is sent.
        let sends = server.requests_to(Route::Send).len();
        let refused = client(&base, Duration::ZERO).campaigns(&ledger).resume(&id);
        assert!(
            matches!(refused, Err(CampaignError::Busy { .. })),
            "run {run}: {refused:?}"
        );
        assert_eq!(server.requests_to(Route::Send).len(), sends);
        let client = client(&base, 2 * HOUR);
        let handle = client
            .campaigns(&ledger)
            .policy(policy())
            .resume(&id)
            .expect("resumes");
        assert!(
            handle.is_complete(),
            "run {run}: {:?}",
            handle.record().resume_plan()
        );
        let ambiguous = handle.ambiguous();
        assert!(
            ambiguous.len() <= 2,
            "run {run}: at most one chunk per kill: {ambiguous:?}"
        );
        if !ambiguous.is_empty() {
            ambiguous_runs += 1;
        }
        let ambiguous_users: BTreeSet<&str> = ambiguous
            .iter()
            .flat_map(|&i| handle.record().chunks()[i].recipients.user_ids())
            .collect();
        let deliveries: BTreeMap<String, u64> = server.deliveries_by_user();
        for u in users() {
            let n = deliveries.get(&u).copied().unwrap_or(0);
            if ambiguous_users.contains(u.as_str()) {
                assert!(n <= 1, "run {run}: ambiguous user {u} got it {n} times");
            } else {
                assert_eq!(
                    n, 1,
                    "run {run}: user {u} got it {n} times (kill at send {kill_at})"
                );
            }
        }
        // The simulator saw each user in at most one send: ambiguous chunks were not resent.
        let mut seen = BTreeSet::new();
        for r in server.requests_to(Route::Send) {
            let body = r.json().expect("JSON");
            for u in body["userid_list"].as_str().unwrap_or_default().split(',') {
                assert!(seen.insert(u.to_owned()), "run {run}: {u} in two sends");
            }
        }
    }
    assert!(
        ambiguous_runs >= RUNS / 2,
        "every in-flight kill leaves an ambiguous chunk: {ambiguous_runs}"
    );
}
