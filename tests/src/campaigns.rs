//! Campaign scenarios, generic over the transport: chunking, the budget, a mid-campaign
//! 143103. The assertions read the simulator's records (requests, deliveries), not the
//! driver's beliefs.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use dingtalk_notify::budget::InProcessBudget;
use dingtalk_notify::campaign::{Audience, CHUNK_LIMITS, CampaignPlan, RecipientQuota};
use dingtalk_notify::ledger::MemoryLedger;
use dingtalk_notify::message::{Oa, OaBody, OaHead};
use dingtalk_notify::{ErrorCode, Message, StatusColor};
use dingtalk_notify_mock::{Calls, DEMO_AGENT_ID, Directory, Fault, Route, UserBehaviour};

use crate::harness::{TransportSettings, demo_app, harness_with};
use crate::scenarios::TestTransport;

fn users(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("employee{i:05}")).collect()
}

fn oa() -> Message {
    Message::from(Oa::new(
        "https://example.com/notice/7",
        OaHead::new(StatusColor::from_argb(0xFFBB_BBBB), "HR"),
        OaBody {
            title: Some("Fire drill at 3pm".into()),
            ..OaBody::default()
        },
    ))
}

fn plan(users: &[String], msg: Message) -> CampaignPlan {
    CampaignPlan::new(
        DEMO_AGENT_ID,
        msg,
        Audience::users(users.iter().cloned()),
        CHUNK_LIMITS,
    )
    .expect("a valid plan")
}

/// The user ids of every `asyncsend_v2` request the simulator received, in order.
fn sent_user_lists(server: &dingtalk_notify_mock::MockServer) -> Vec<(Duration, Vec<String>)> {
    server
        .requests_to(Route::Send)
        .iter()
        .map(|r| {
            let body = r.json().expect("a JSON send body");
            let list = body["userid_list"].as_str().unwrap_or_default();
            (r.at, list.split(',').map(str::to_owned).collect())
        })
        .collect()
}

/// 2,350 users become 23 sends of 100 and one of 50; the merged result holds every user
/// once; the status bar and recall reach all 24 tasks.
pub fn chunking_2350_users<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| b.directory(Directory::new().accept_any_user(UserBehaviour::Reads)),
    );
    let audience = users(2_350);
    let ledger = MemoryLedger::new();
    let campaigns = h.client.campaigns(&ledger);
    let handle = campaigns
        .start(plan(&audience, oa()))
        .expect("the campaign runs");

    let sends = sent_user_lists(&h.server);
    let sizes: Vec<usize> = sends.iter().map(|(_, u)| u.len()).collect();
    assert_eq!(sizes.len(), 24, "{sizes:?}");
    assert!(
        sizes[..23].iter().all(|&n| n == 100) && sizes[23] == 50,
        "{sizes:?}"
    );
    let mut seen = BTreeSet::new();
    for (_, list) in &sends {
        for u in list {
            assert!(seen.insert(u.clone()), "{u} sent twice");
        }
    }
    assert_eq!(seen.len(), 2_350);
    assert_eq!(handle.tasks().count(), 24);
    assert!(handle.is_complete() && handle.ambiguous().is_empty());

    let progress = campaigns.track(&handle, |_| {});
    assert!(progress.is_finished(), "{progress:?}");
    assert_eq!(
        (progress.delivered, progress.progress_in_percent),
        (24, 100)
    );

    let result = campaigns.result(&handle);
    assert!(result.problems.is_empty(), "{:?}", result.problems);
    let read: BTreeSet<&str> = result
        .send_result
        .read_user_id_list
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        result.send_result.read_user_id_list.len(),
        2_350,
        "each user once"
    );
    assert_eq!(read.len(), 2_350);
    assert_eq!(result.send_result.user_count(), 2_350);
    assert!(h.server.deliveries_by_user().values().all(|&n| n == 1));

    let tasks: BTreeSet<u64> = handle.tasks().map(|(_, t)| t.task_id.get()).collect();
    let bar = campaigns.update_status_bar(&handle, "Done", None);
    assert!(
        bar.is_complete() && bar.done.len() == 24,
        "{:?}",
        bar.failed
    );
    let recall = campaigns.recall(&handle);
    assert!(
        recall.is_complete() && recall.done.len() == 24,
        "{:?}",
        recall.failed
    );
    let reached = |route, key: &str| -> BTreeSet<u64> {
        h.server
            .requests_to(route)
            .iter()
            .filter_map(|r| r.json()?[key].as_u64())
            .collect()
    };
    assert_eq!(reached(Route::StatusBarUpdate, "task_id"), tasks);
    assert_eq!(reached(Route::Recall, "msg_task_id"), tasks);
}

/// With a budget of B recipients a minute on the virtual clock, no 60 s window of the
/// simulator's send records holds more than B, and nothing is refused or sent twice.
pub fn budget_paces_sends<T: TestTransport>(make: fn(TransportSettings) -> T) {
    const B: usize = 300;
    let h = harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| {
            b.directory(Directory::new().accept_any_user(UserBehaviour::Reads))
                .recipients_per_minute(B)
        },
    );
    let budget = InProcessBudget::new(RecipientQuota::per_minute(B as u32));
    let ledger = MemoryLedger::new();
    let handle = h
        .client
        .campaigns(&ledger)
        .budget(&budget)
        .start(plan(&users(1_050), Message::text("Payslips are out")))
        .expect("the campaign runs");
    assert!(handle.is_complete());
    let sends = sent_user_lists(&h.server);
    assert_eq!(sends.len(), 11, "no send refused, none repeated");
    for (i, (start, _)) in sends.iter().enumerate() {
        let in_window: usize = sends[i..]
            .iter()
            .take_while(|(at, _)| *at - *start < Duration::from_secs(60))
            .map(|(_, u)| u.len())
            .sum();
        assert!(
            in_window <= B,
            "{in_window} recipients in the minute from {start:?}"
        );
    }
    // 1,050 at 300 a minute: the last chunk goes after at least three full minutes.
    assert!(h.clock.client.elapsed() >= Duration::from_secs(180));
    assert_eq!(h.server.deliveries_by_user().len(), 1_050);
    assert!(h.server.deliveries_by_user().values().all(|&n| n == 1));
}

/// 143103 for the whole call, mid-campaign and more times than the client retries: the
/// driver backs off a minute and the campaign completes, nobody twice.
pub fn quota_refusal_mid_campaign_backs_off_and_completes<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| b.directory(Directory::new().accept_any_user(UserBehaviour::LeavesUnread)),
    );
    // Calls 4 to 9 of asyncsend_v2 answer 143103: more than one call's retries.
    for n in 4..=9 {
        h.server.inject(
            Route::Send,
            Calls::Nth(n),
            Fault::ErrCode(ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED),
        );
    }
    let ledger = MemoryLedger::new();
    let handle = h
        .client
        .campaigns(&ledger)
        .start(plan(&users(800), Message::text("Office closed Friday")))
        .expect("the campaign runs");
    assert!(handle.is_complete(), "{:?}", handle.record().resume_plan());
    assert_eq!(handle.tasks().count(), 8);
    let by_user: BTreeMap<String, u64> = h.server.deliveries_by_user();
    assert_eq!(by_user.len(), 800);
    assert!(by_user.values().all(|&n| n == 1), "nobody twice");
    assert!(
        h.clock.client.elapsed() >= Duration::from_secs(60),
        "backed off a minute"
    );
}
