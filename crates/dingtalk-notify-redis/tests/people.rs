//! A campaign of people kept in a real redis-server: its inputs stored first, its people
//! resolved against the simulator's organisation and frozen (header, then every chunk in
//! one append) before the first send; another replica reads the same people back, with
//! their departments and the inputs that failed (issue 21, item 3).

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::RedisServer;
use dingtalk_notify::campaign::{CampaignPolicy, PeopleAudience};
use dingtalk_notify::kit::resolve::AudienceQuery;
use dingtalk_notify::ledger::Ledger;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, DeptId, Message, TokenSource};
use dingtalk_notify_mock::{
    DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MockServer, Person, Route,
};
use dingtalk_notify_redis::{RedisLedger, RedisStore};

fn app() -> TokenSource {
    TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET)
}

#[test]
fn people_are_frozen_in_redis_before_the_first_send_and_read_back_by_another_replica() {
    // Root 1 → Sales 2 → Sales East 3; HR 4. Alice sits in Sales East and HR.
    let org = Directory::new()
        .with_department_named(2, "Sales", 1)
        .with_department_named(3, "Sales East", 2)
        .with_department_named(4, "HR", 1)
        .with_person(Person::new("ceo").department(1))
        .with_person(Person::new("sam").department(2))
        .with_person(Person::new("alice").departments([3, 4]))
        .with_person(Person::new("eve").department(3).mobile("13800000003"));
    let mock = MockServer::builder()
        .directory(org)
        .delivery_duration(Duration::ZERO)
        .start()
        .unwrap();
    let client = Client::builder(app())
        .base_url(BaseUrl::new(&mock.base_url()).unwrap())
        .build(UreqTransport::default());
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let ledger = RedisLedger::new(&store, &app()).unwrap();
    let campaigns = client.campaigns(&ledger).policy(CampaignPolicy {
        resend_rounds: 0,
        ..CampaignPolicy::default()
    });
    let query = AudienceQuery::new()
        .dept_tree(2)
        .dept_tree(4)
        .mobiles(["13800000003", "13999999999"]);
    let created = campaigns
        .create_people(
            DEMO_AGENT_ID,
            Message::text("Sales meeting"),
            PeopleAudience::new(query),
        )
        .unwrap();
    let stored = ledger.load(created.id()).unwrap().unwrap();
    assert!(stored.needs_resolution() && stored.chunks().is_empty());

    let frozen = campaigns.freeze(created.id()).unwrap();
    assert!(
        mock.requests_to(Route::Send).is_empty(),
        "freezing sends nothing"
    );

    // Another replica, its own connection: the same people, departments, unresolved input.
    let store2 = RedisStore::open(&redis.url()).unwrap();
    let replica = RedisLedger::new(&store2, &app()).unwrap();
    let loaded = replica.load(created.id()).unwrap().unwrap();
    assert_eq!(&loaded, frozen.record());
    // Each person's departments, as found (breadth first: HR 4 before Sales East 3).
    let people: BTreeMap<&str, Vec<DeptId>> =
        loaded.people().map(|(u, d)| (u, d.to_vec())).collect();
    assert_eq!(people.len(), 3, "{people:?}");
    assert_eq!(people["alice"], [DeptId(4), DeptId(3)]);
    assert_eq!(people["eve"], [DeptId(3)]);
    let unresolved: Vec<String> = loaded
        .unresolved()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(unresolved.len(), 1);
    assert!(
        unresolved[0].starts_with("mobile 13999999999"),
        "{unresolved:?}"
    );

    let contact_calls = mock.contact_calls(Route::Any);
    let sent = client.campaigns(&replica).resume(created.id()).unwrap();
    assert!(sent.is_complete());
    assert_eq!(
        mock.contact_calls(Route::Any),
        contact_calls,
        "no second resolution"
    );
    let mut sent_to: Vec<String> = mock
        .requests_to(Route::Send)
        .iter()
        .flat_map(|r| {
            let body = r.json().unwrap();
            body["userid_list"]
                .as_str()
                .unwrap()
                .split(',')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    sent_to.sort();
    assert_eq!(sent_to, ["alice", "eve", "sam"]);
}
