//! Campaigns of people, generic over the transport: an audience of departments, the whole
//! organisation and phone numbers resolved against the simulator's organisation, frozen
//! into a real ledger (SQLite files, or memory) before the first send, and sent as chunks
//! of at most 100 users (issue 21, items 3, 4 and 7). The oracle is the simulator: its
//! directory (written from the reference pages) and the `asyncsend_v2` requests it
//! received, never the driver's beliefs.
//!
//! Sources: listsubid, listid and getbymobile as in `/work/shared/spec/audience-and-media.md`;
//! asyncsend_v2 takes at most 100 user ids a call, and getsendresult answers only tasks of
//! at most 100 recipients (`Call timeout` beyond), which is why people go out as user chunks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use dingtalk_notify::campaign::{
    CampaignError, CampaignId, CampaignPolicy, PeopleAudience, PersonState,
};
use dingtalk_notify::kit::resolve::{AudienceQuery, ResolveConfig};
use dingtalk_notify::ledger::{
    CampaignHeader, CampaignRecord, ChunkRecord, ChunkState, Ledger, LedgerError, MemoryLedger,
    SqliteLedger,
};
use dingtalk_notify::{DeptId, Message};
use dingtalk_notify_mock::{DEMO_AGENT_ID, Directory, MockServer, Person, Route};

use crate::harness::{Harness, TransportSettings, demo_app, harness_with};
use crate::scenarios::TestTransport;

/// A new SQLite ledger file in a fresh directory (removed on drop).
struct LedgerFile(PathBuf);

impl LedgerFile {
    fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dingtalk-people-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        Self(dir)
    }

    fn path(&self) -> PathBuf {
        self.0.join("campaigns.db")
    }

    fn open(&self) -> SqliteLedger {
        SqliteLedger::open(self.path()).expect("the ledger opens")
    }
}

impl Drop for LedgerFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

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

fn org_harness<T: TestTransport>(make: fn(TransportSettings) -> T, org: Directory) -> Harness<T> {
    harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| b.directory(org).delivery_duration(Duration::ZERO),
    )
}

/// No resend rounds (nothing here is held back by a quota).
fn policy() -> CampaignPolicy {
    CampaignPolicy {
        resend_rounds: 0,
        ..CampaignPolicy::default()
    }
}

/// Every `asyncsend_v2` the simulator received: its user ids, and whether it targeted
/// departments or everyone (which a campaign of people never does).
fn sends(server: &MockServer) -> Vec<Vec<String>> {
    server
        .requests_to(Route::Send)
        .iter()
        .map(|r| {
            let body = r.json().expect("a JSON send body");
            assert!(body.get("dept_id_list").is_none(), "{body}");
            assert_ne!(body["to_all_user"], serde_json::json!(true), "{body}");
            let list = body["userid_list"].as_str().unwrap_or_default();
            list.split(',').map(str::to_owned).collect()
        })
        .collect()
}

/// How many times each user was sent the message.
fn sent_counts(server: &MockServer) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for send in sends(server) {
        assert!(send.len() <= 100, "a chunk of {} users", send.len());
        for user in send {
            *counts.entry(user).or_insert(0) += 1;
        }
    }
    counts
}

fn once(users: &[&str]) -> BTreeMap<String, usize> {
    users.iter().map(|u| ((*u).to_owned(), 1)).collect()
}

/// A three-level tree where a person sits in two departments, asked for as the whole
/// organisation, a subtree again and one user id again: each person is sent once, in user
/// chunks; the report gives each row the departments frozen with it; the frozen people
/// read back from the SQLite file.
pub fn three_level_tree_each_person_sent_once<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = org_harness(make, three_levels());
    let file = LedgerFile::new("tree");
    let ledger = file.open();
    let campaigns = h.client.campaigns(&ledger).policy(policy());
    let query = AudienceQuery::new().whole_organization().dept_tree(3);
    let people = PeopleAudience::new(query).users(["sam", "boss-by-id"]);
    let handle = campaigns
        .start_people(DEMO_AGENT_ID, Message::text("Payslips are out"), people)
        .expect("sent");
    assert!(handle.is_complete());
    assert_eq!(
        sent_counts(&h.server),
        once(&["alice", "boss-by-id", "ceo", "eve", "hank", "sam"])
    );
    // Two contact calls per department of the tree, each walked once.
    assert_eq!(h.server.contact_calls(Route::Any), 2 * 4);

    let report = campaigns.report(&handle);
    let depts: BTreeMap<&str, Vec<u64>> = report
        .rows
        .iter()
        .map(|r| {
            (
                r.user_id.as_str(),
                r.dept_ids.iter().map(|d| d.get()).collect(),
            )
        })
        .collect();
    assert_eq!(depts["alice"], [3, 4]);
    assert_eq!(depts["ceo"], [1]);
    assert!(depts["boss-by-id"].is_empty(), "given as a user id");
    assert_eq!(report.by_department()[&DeptId(3)].people, 2);
    let reached = report.rows.iter().filter(|r| r.state == PersonState::Read);
    assert_eq!(
        reached.count(),
        5,
        "every person of the org has a per-user result"
    );

    // The frozen people, read back from the file by another opening.
    let loaded = file.open().load(handle.id()).unwrap().expect("stored");
    let frozen: BTreeMap<&str, Vec<DeptId>> =
        loaded.people().map(|(u, d)| (u, d.to_vec())).collect();
    assert_eq!(frozen.len(), 6);
    assert_eq!(frozen["alice"], [DeptId(3), DeptId(4)]);
    let header = loaded
        .header()
        .people
        .as_ref()
        .expect("a campaign of people");
    assert_eq!(header.frozen.as_ref().expect("frozen").people, 6);
    assert!(!loaded.needs_resolution());
}

/// The people are frozen before the first send: a campaign frozen against one
/// organisation and resumed against another (alice moved, zed joined) goes to the frozen
/// people, with no contact call. In memory and in SQLite.
pub fn frozen_people_survive_a_changed_organisation<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let file = LedgerFile::new("changed");
    let sqlite = file.open();
    let memory = MemoryLedger::new();
    for ledger in [&sqlite as &dyn Ledger, &memory] {
        let before = org_harness(make, three_levels());
        let campaigns = before.client.campaigns(ledger).policy(policy());
        let people = PeopleAudience::new(AudienceQuery::new().dept_tree(2));
        let handle = campaigns
            .create_people(DEMO_AGENT_ID, Message::text("Sales meeting"), people)
            .expect("created");
        assert!(handle.record().needs_resolution());
        let frozen = campaigns.freeze(handle.id()).expect("frozen");
        assert!(sends(&before.server).is_empty(), "freezing sends nothing");
        let users: BTreeSet<&str> = frozen.record().people().map(|(u, _)| u).collect();
        assert_eq!(users, BTreeSet::from(["alice", "eve", "sam"]));

        let changed = Directory::new()
            .with_department_named(2, "Sales", 1)
            .with_person(Person::new("sam").department(2))
            .with_person(Person::new("zed").department(2))
            .with_person(Person::new("alice").department(1))
            .with_person(Person::new("eve").department(2));
        let after = org_harness(make, changed);
        let resumed = after
            .client
            .campaigns(ledger)
            .policy(policy())
            .resume(handle.id())
            .expect("sent");
        assert!(resumed.is_complete());
        assert_eq!(after.server.contact_calls(Route::Any), 0);
        assert_eq!(sent_counts(&after.server), once(&["alice", "eve", "sam"]));
    }
}

/// A phone number nobody has and one that cannot be a number are reported, with why, in
/// the ledger's header; the rest are sent, each once.
pub fn unknown_mobile_is_reported_and_the_rest_sent<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let org = Directory::generated(200, 5);
    let known = ["13000000007", "13000000042", "13000000199"];
    let expected: Vec<&str> = known
        .iter()
        .map(|m| org.user_by_mobile(m).expect("in the org"))
        .collect();
    let h = org_harness(make, org.clone());
    let file = LedgerFile::new("mobile");
    let ledger = file.open();
    let query = AudienceQuery::new()
        .mobiles(known)
        .mobiles(["13999999999", "not-a-phone"]);
    let handle = h
        .client
        .campaigns(&ledger)
        .policy(policy())
        .start_people(
            DEMO_AGENT_ID,
            Message::text("Your badge is ready"),
            PeopleAudience::new(query),
        )
        .expect("the rest are sent");
    assert_eq!(sent_counts(&h.server), once(&expected));
    let loaded = file.open().load(handle.id()).unwrap().expect("stored");
    let unresolved: Vec<(String, &str)> = loaded
        .unresolved()
        .iter()
        .map(|u| (u.input.to_string(), u.reason.name()))
        .collect();
    assert_eq!(
        unresolved,
        [
            ("mobile not-a-phone".to_owned(), "invalid"),
            ("mobile 13999999999".to_owned(), "not_found"),
        ]
    );
    let header = loaded.header().people.as_ref().expect("people");
    assert!(
        header.query.mobiles.is_empty(),
        "the inputs give way to the people"
    );
}

/// A ledger whose first `append` fails: a process that stopped after writing the frozen
/// header and before its chunks.
struct AppendFailsOnce<'a> {
    inner: &'a dyn Ledger,
    failed: AtomicBool,
}

impl Ledger for AppendFailsOnce<'_> {
    fn create(&self, record: &CampaignRecord) -> Result<(), LedgerError> {
        self.inner.create(record)
    }
    fn load(&self, id: &CampaignId) -> Result<Option<CampaignRecord>, LedgerError> {
        self.inner.load(id)
    }
    fn transition(
        &self,
        id: &CampaignId,
        index: usize,
        from: &ChunkState,
        to: &ChunkState,
    ) -> Result<(), LedgerError> {
        self.inner.transition(id, index, from, to)
    }
    fn append(&self, id: &CampaignId, chunks: &[ChunkRecord]) -> Result<(), LedgerError> {
        if !self.failed.swap(true, Ordering::SeqCst) {
            return Err(LedgerError::Storage("the process died".into()));
        }
        self.inner.append(id, chunks)
    }
    fn update_header(
        &self,
        id: &CampaignId,
        from: &CampaignHeader,
        to: &CampaignHeader,
    ) -> Result<(), LedgerError> {
        self.inner.update_header(id, from, to)
    }
}

/// Stopped between the frozen header and its chunks: nothing was sent, the campaign still
/// needs resolution, and a resume resolves again (reads only) and sends each person once.
/// 250 people go out as three chunks of at most 100, each with a per-user result.
pub fn stopped_while_freezing_resolves_again_and_sends_each_once<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let org = Directory::generated(250, 7);
    let everyone: Vec<String> = org.people().map(|p| p.id().to_owned()).collect();
    let their_depts: BTreeMap<String, BTreeSet<u64>> = org
        .people()
        .map(|p| (p.id().to_owned(), p.dept_ids().iter().copied().collect()))
        .collect();
    let h = org_harness(make, org);
    let file = LedgerFile::new("stopped");
    let sqlite = file.open();
    let failing = AppendFailsOnce {
        inner: &sqlite,
        failed: AtomicBool::new(false),
    };
    let campaigns = h.client.campaigns(&failing).policy(policy());
    let people = PeopleAudience::new(AudienceQuery::new().whole_organization())
        .config(ResolveConfig::default().exclude_inactive(false));
    let id = campaigns
        .create_people(DEMO_AGENT_ID, Message::text("Town hall"), people)
        .expect("created")
        .id()
        .clone();
    let error = campaigns.resume(&id).expect_err("the append fails");
    assert!(matches!(error, CampaignError::Ledger(_)), "{error:?}");
    assert!(
        sends(&h.server).is_empty(),
        "nothing sent before the freeze"
    );
    let walked = h.server.contact_calls(Route::Any);
    let stored = file.open().load(&id).unwrap().expect("stored");
    assert!(stored.needs_resolution() && stored.chunks().is_empty());
    assert!(
        stored.header().people.as_ref().unwrap().frozen.is_some(),
        "the header was written"
    );

    let handle = campaigns.resume(&id).expect("resumed");
    assert_eq!(
        h.server.contact_calls(Route::Any),
        2 * walked,
        "resolved again"
    );
    let counts = sent_counts(&h.server);
    assert_eq!(counts.len(), 250);
    assert!(counts.values().all(|n| *n == 1));
    assert_eq!(
        counts.keys().cloned().collect::<BTreeSet<_>>(),
        everyone.into_iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(handle.record().chunks().len(), 3);
    let report = h.client.campaigns(&sqlite).report(&handle);
    assert_eq!(report.rows.len(), 250);
    for row in &report.rows {
        assert_ne!(
            row.state,
            PersonState::ResultUnavailable,
            "a per-user result"
        );
        let depts: BTreeSet<u64> = row.dept_ids.iter().map(|d| d.get()).collect();
        assert_eq!(
            depts, their_depts[&row.user_id],
            "{}'s departments",
            row.user_id
        );
    }
    // Another resume finds it frozen and sent: no call, no send.
    campaigns.resume(&id).expect("nothing to do");
    assert_eq!(sends(&h.server).len(), 3);
}

/// Stopped between the frozen header and its chunks, a campaign of a department, a mobile
/// number, a union id and a user id: the resume resolves every input again, so the people
/// behind the number and the union id and the user named go out too, each once. The
/// frozen header keeps the inputs until its chunks are in, and then they give way to the
/// people.
pub fn stopped_while_freezing_keeps_every_input<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    // Departments 1, 2 and 3 (2 and 3 under 1); u40..u59 sit in department 3.
    let org = Directory::generated(60, 7);
    let mut expected: BTreeSet<String> = org
        .people()
        .filter(|p| p.dept_ids().contains(&3))
        .map(|p| p.id().to_owned())
        .collect();
    // The people behind the other three inputs sit elsewhere.
    for other in ["u5", "u25", "u10"] {
        assert!(
            expected.insert(other.to_owned()),
            "{other} is in department 3"
        );
    }
    let h = org_harness(make, org);
    let file = LedgerFile::new("stopped-inputs");
    let sqlite = file.open();
    let failing = AppendFailsOnce {
        inner: &sqlite,
        failed: AtomicBool::new(false),
    };
    let campaigns = h.client.campaigns(&failing).policy(policy());
    let query = AudienceQuery::new()
        .dept_tree(3)
        .mobiles(["13000000005"])
        .union_ids(["union-u25"]);
    let people = PeopleAudience::new(query)
        .users(["u10"])
        .config(ResolveConfig::default().exclude_inactive(false));
    let id = campaigns
        .create_people(DEMO_AGENT_ID, Message::text("Fire drill"), people)
        .expect("created")
        .id()
        .clone();
    campaigns.resume(&id).expect_err("the append fails");
    assert!(
        sends(&h.server).is_empty(),
        "nothing sent before the freeze"
    );
    let stored = file.open().load(&id).unwrap().expect("stored");
    let inputs = stored.header().people.as_ref().expect("people");
    assert!(inputs.frozen.is_some() && stored.chunks().is_empty());
    assert_eq!(
        inputs.query.mobiles,
        ["13000000005"],
        "kept until the chunks are in"
    );
    assert_eq!(inputs.user_ids, ["u10"], "kept until the chunks are in");

    campaigns.resume(&id).expect("resumed");
    let counts = sent_counts(&h.server);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    assert_eq!(counts.into_keys().collect::<BTreeSet<_>>(), expected);
    let stored = file.open().load(&id).unwrap().expect("stored");
    let inputs = stored.header().people.as_ref().expect("people");
    assert!(
        inputs.query.mobiles.is_empty()
            && inputs.query.union_ids.is_empty()
            && inputs.user_ids.is_empty(),
        "the inputs give way to the people once the chunks are in: {inputs:?}"
    );
    assert_eq!(inputs.query.dept_trees, [DeptId::from(3)]);
    assert_eq!(stored.header().audience.users, expected.len());
}

/// Expands every people scenario into a `#[test]` over the transport that
/// `$make: fn(TransportSettings) -> T` builds.
#[macro_export]
macro_rules! people_matrix {
    ($make:path) => {
        $crate::people_matrix!(@tests $make;
            three_level_tree_each_person_sent_once,
            frozen_people_survive_a_changed_organisation,
            unknown_mobile_is_reported_and_the_rest_sent,
            stopped_while_freezing_resolves_again_and_sends_each_once,
            stopped_while_freezing_keeps_every_input,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::people::$name($make);
            }
        )*
    };
}
