//! Campaign scenarios, generic over the transport: chunking, the budget, a mid-campaign
//! 143103, users held back per user by the minute quota, final-for-the-day codes. The
//! assertions read the simulator's records (requests, deliveries), not the
//! driver's beliefs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::budget::{Budget, InProcessBudget};
use dingtalk_notify::campaign::{Audience, CHUNK_LIMITS, CampaignPlan};
use dingtalk_notify::kit::campaign::ChunkOrigin;
use dingtalk_notify::ledger::MemoryLedger;
use dingtalk_notify::message::{Oa, OaBody, OaHead};
use dingtalk_notify::{ErrorCode, Message, StatusColor};
use dingtalk_notify_mock::{
    BudgetOverflow, Calls, DEMO_AGENT_ID, Directory, Fault, Route, UserBehaviour, code,
};

use crate::harness::{TransportSettings, demo_app, harness_with, harness_with_client};
use crate::scenarios::TestTransport;

/// An in-process budget of `n` recipients a minute, for the client's builder.
fn budget(n: usize) -> Arc<InProcessBudget> {
    Arc::new(InProcessBudget::new(Budget::per_minute(
        u32::try_from(n).expect("a small budget"),
    )))
}

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

    let progress = campaigns.track(&handle, |_| {}).expect("followed");
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
    let h = harness_with_client(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| {
            b.directory(Directory::new().accept_any_user(UserBehaviour::Reads))
                .recipients_per_minute(B)
        },
        |c| c.recipient_budget(budget(B)),
    );
    let ledger = MemoryLedger::new();
    let handle = h
        .client
        .campaigns(&ledger)
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
            Fault::ErrCode(code::APP_RECIPIENTS_PER_MINUTE),
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

/// No 60 s window of `events` (time, recipients; oldest first) holds more than `budget`.
fn assert_windows_within(events: &[(Duration, usize)], budget: usize, what: &str) {
    for (i, (start, _)) in events.iter().enumerate() {
        let in_window: usize = events[i..]
            .iter()
            .take_while(|(at, _)| *at - *start < Duration::from_secs(60))
            .map(|(_, n)| n)
            .sum();
        assert!(
            in_window <= budget,
            "{in_window} {what} in the minute from {start:?}"
        );
    }
}

/// The simulator forbids the users past its minute budget one by one (143103 in the
/// chunk's `forbidden_list`, the call itself succeeds). The driver paces with a looser
/// budget than the simulator's, so chunks overflow; it re-sends exactly the held-back
/// users in later chunks, and in the end everyone received the message once.
pub fn per_user_quota_resends_exactly_the_held_back_users<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    const B: usize = 250;
    // Another sender of the app (or a wrong quota) leaves this client 50 short a minute.
    let h = harness_with_client(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| {
            b.directory(Directory::new().accept_any_user(UserBehaviour::Reads))
                .recipients_per_minute(B)
                .budget_overflow(BudgetOverflow::ForbidExcessUsers)
        },
        |c| c.recipient_budget(budget(300)),
    );
    let ledger = MemoryLedger::new();
    let audience = users(500);
    let campaigns = h.client.campaigns(&ledger);
    let started = campaigns
        .start(plan(&audience, Message::text("Payslips are out")))
        .expect("the campaign runs");
    let handle = campaigns
        .resend_held_back(started.id())
        .expect("the resend rounds run");
    assert!(handle.is_complete(), "{:?}", handle.record().resume_plan());

    // The simulator's witness: who each task delivered to.
    let log = h.server.delivery_log();
    let mut delivered: BTreeMap<u64, BTreeSet<&str>> = BTreeMap::new();
    for d in &log {
        delivered.entry(d.task_id).or_default().insert(&d.user_id);
    }
    let chunks = handle.record().chunks();
    let held_back = |index: usize| -> BTreeSet<String> {
        let c = &chunks[index];
        let task = c.state.task().expect("every chunk sent").task_id.get();
        let got = delivered.get(&task);
        c.recipients
            .user_ids()
            .iter()
            .filter(|u| !got.is_some_and(|g| g.contains(*u)))
            .map(str::to_owned)
            .collect()
    };
    let mut overflowed = 0;
    for c in chunks {
        let held = held_back(c.index);
        let resent: BTreeSet<String> = chunks
            .iter()
            .filter(|r| r.origin == ChunkOrigin::Resend { of: c.index })
            .flat_map(|r| r.recipients.user_ids().iter().map(str::to_owned))
            .collect();
        assert_eq!(
            resent, held,
            "chunk {} resent exactly its held-back users",
            c.index
        );
        if held.is_empty() {
            continue;
        }
        overflowed += 1;
        // DingTalk's own answer for that chunk names them with the minute-quota code.
        let task = c.state.task().expect("sent");
        let result = h.client.result(task).expect("the chunk's result");
        let forbidden: BTreeSet<String> = result
            .forbidden_list
            .iter()
            .map(|e| {
                assert_eq!(
                    e.code,
                    ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED,
                    "{e:?}"
                );
                e.userid.clone()
            })
            .collect();
        assert_eq!(forbidden, held, "chunk {}", c.index);
    }
    assert!(overflowed > 0, "the simulator held some users back");
    assert!(chunks.len() > 5, "resend chunks were planned");

    // Every user received it exactly once; no send went to someone who already had it.
    assert_eq!(log.len(), 500);
    let by_user = h.server.deliveries_by_user();
    assert_eq!(by_user.len(), 500);
    assert!(by_user.values().all(|&n| n == 1));
    let sends = sent_user_lists(&h.server);
    let records = h.server.sends();
    assert_eq!(sends.len(), records.len(), "no call refused");
    assert_eq!(sends.len(), chunks.len(), "each chunk sent once");
    let mut had_it = BTreeSet::new();
    for ((_, list), record) in sends.iter().zip(&records) {
        for u in list {
            assert!(!had_it.contains(u.as_str()), "{u} sent to after delivery");
        }
        if let Some(got) = delivered.get(&record.task_id) {
            had_it.extend(got.iter().copied());
        }
    }
    let windows: Vec<(Duration, usize)> = records.iter().map(|r| (r.at, r.counted)).collect();
    assert_windows_within(&windows, B, "recipients counted");
    let deliveries: Vec<(Duration, usize)> = log.iter().map(|d| (d.at, 1)).collect();
    assert_windows_within(&deliveries, B, "deliveries");

    let result = campaigns.result(&handle);
    assert!(result.problems.is_empty(), "{:?}", result.problems);
    assert_eq!(result.send_result.read_user_id_list.len(), 500);
    assert!(result.send_result.forbidden_list.is_empty());
}

/// Users DingTalk holds back with a final-for-the-day code (143106 the same content
/// today, 143105 the daily per-user limit) are reported per user in the campaign result
/// and never sent to again.
pub fn final_for_the_day_codes_are_reported_and_never_resent<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| {
            b.directory(Directory::new().accept_any_user(UserBehaviour::Reads))
                .daily_user_limit(1)
        },
    );
    let audience = users(200);
    let msg = Message::text("Payslips are out");
    // Earlier today: the same message to the first 30, another message to the next 30.
    let early = |range: std::ops::Range<usize>, m: Message| {
        let send = SendWorkNotification::new(DEMO_AGENT_ID, m)
            .to_users(audience[range].iter().map(String::as_str));
        h.client.send(&send).expect("an earlier send")
    };
    early(0..30, msg.clone());
    early(30..60, Message::text("Canteen menu"));
    let results_before = h.server.requests_to(Route::SendResult).len();

    let ledger = MemoryLedger::new();
    let campaigns = h.client.campaigns(&ledger);
    let started = campaigns
        .start(plan(&audience, msg))
        .expect("the campaign runs");
    let handle = campaigns
        .resend_held_back(started.id())
        .expect("the resend rounds run");
    assert!(handle.is_complete());
    assert!(
        h.server.requests_to(Route::SendResult).len() > results_before,
        "the driver read the chunks' results"
    );
    let chunks = handle.record().chunks();
    assert_eq!(chunks.len(), 2, "no resend chunk planned");
    assert!(
        chunks
            .iter()
            .all(|c| c.origin != ChunkOrigin::Resend { of: 0 }
                && c.origin != ChunkOrigin::Resend { of: 1 })
    );

    // The simulator saw two earlier sends and two chunks: nobody sent to twice by the
    // campaign.
    let sends = sent_user_lists(&h.server);
    assert_eq!(h.server.sends().len(), 4);
    assert_eq!(sends.len(), 4);
    let mut campaign_sends: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, list) in &sends[2..] {
        for u in list {
            *campaign_sends.entry(u).or_default() += 1;
        }
    }
    assert_eq!(campaign_sends.len(), 200);
    assert!(
        campaign_sends.values().all(|&n| n == 1),
        "{campaign_sends:?}"
    );
    let by_user = h.server.deliveries_by_user();
    assert_eq!(by_user.len(), 200);
    assert!(by_user.values().all(|&n| n == 1), "nobody got two messages");

    let result = campaigns.result(&handle);
    assert!(result.problems.is_empty(), "{:?}", result.problems);
    let codes: BTreeMap<&str, ErrorCode> = result
        .send_result
        .forbidden_list
        .iter()
        .map(|e| (e.userid.as_str(), e.code))
        .collect();
    let expected: BTreeMap<&str, ErrorCode> = audience[..60]
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let code = if i < 30 {
                ErrorCode::DUPLICATE_CONTENT
            } else {
                ErrorCode::DAILY_USER_LIMIT_EXCEEDED
            };
            (u.as_str(), code)
        })
        .collect();
    assert_eq!(codes, expected);
    let forbidden: BTreeSet<&str> = result
        .send_result
        .forbidden_user_id_list
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(forbidden, expected.keys().copied().collect());
    let read: BTreeSet<&str> = result
        .send_result
        .read_user_id_list
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(read, audience[60..].iter().map(String::as_str).collect());
}

/// DingTalk's real minute quota (150) is far below the driver's budget (5,000, the
/// default): most of every chunk comes back forbidden per user with 143103. Those codes
/// mark the budget exhausted, so each resend round waits a minute for the quota instead
/// of being forbidden again in the same minute: every user is reached exactly once within
/// the resend rounds, and nobody is given up on.
pub fn per_user_quota_codes_slow_the_pacing<T: TestTransport>(make: fn(TransportSettings) -> T) {
    const B: usize = 150;
    let h = harness_with_client(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| {
            b.directory(Directory::new().accept_any_user(UserBehaviour::Reads))
                .recipients_per_minute(B)
                .budget_overflow(BudgetOverflow::ForbidExcessUsers)
        },
        |c| c.recipient_budget(budget(5_000)),
    );
    let ledger = MemoryLedger::new();
    let audience = users(600);
    let campaigns = h.client.campaigns(&ledger);
    let started = campaigns
        .start(plan(&audience, Message::text("Payslips are out")))
        .expect("the campaign runs");
    let handle = campaigns
        .resend_held_back(started.id())
        .expect("the resend rounds run");
    let sending_took = h.clock.client.elapsed();
    assert!(handle.is_complete(), "{:?}", handle.record().resume_plan());

    // The simulator's witness: everyone got it exactly once.
    let log = h.server.delivery_log();
    assert_eq!(log.len(), 600);
    let by_user = h.server.deliveries_by_user();
    assert_eq!(by_user.len(), 600);
    assert!(by_user.values().all(|&n| n == 1), "nobody twice");
    let records = h.server.sends();
    assert_eq!(
        records.len(),
        h.server.requests_to(Route::Send).len(),
        "no call refused"
    );
    let chunks = handle.record().chunks();
    assert_eq!(records.len(), chunks.len(), "each chunk sent once");
    let windows: Vec<(Duration, usize)> = records.iter().map(|r| (r.at, r.counted)).collect();
    assert_windows_within(&windows, B, "recipients counted");

    // Nobody given up on: once the last resends are delivered (tracked on the virtual
    // clock), the merged result reads all 600, none forbidden.
    let progress = campaigns.track(&handle, |_| {}).expect("followed");
    assert_eq!(progress.progress_in_percent, 100, "{progress:?}");
    let result = campaigns.result(&handle);
    assert!(result.problems.is_empty(), "{:?}", result.problems);
    assert_eq!(result.send_result.read_user_id_list.len(), 600);
    assert!(
        result.send_result.forbidden_list.is_empty(),
        "given up on: {:?}",
        result.send_result.forbidden_list
    );

    // The waits, on the shared virtual clock: every resend went at least a minute after
    // the send it repeats (the window those users were held back in), and three rounds of
    // 150 after the first 150 took at least three minutes.
    let sent_at: BTreeMap<u64, Duration> = records.iter().map(|r| (r.task_id, r.at)).collect();
    let at = |index: usize| -> Duration {
        let task = chunks[index].state.task().expect("every chunk sent");
        sent_at[&task.task_id.get()]
    };
    let mut resends = 0;
    for c in chunks {
        if let ChunkOrigin::Resend { of } = c.origin {
            resends += 1;
            assert!(
                at(c.index) >= at(of) + Duration::from_secs(60),
                "chunk {} (a resend of {of}) went at {:?}, {:?} after it",
                c.index,
                at(c.index),
                at(c.index) - at(of)
            );
        }
    }
    assert!(resends >= 3, "resend chunks were planned: {resends}");
    assert!(sending_took >= Duration::from_secs(180), "{sending_took:?}");
}

/// `start` sends and returns: every chunk is sent, nothing is polled, and the simulator's
/// deliveries (five minutes each, on the virtual clock) are still under way when it
/// returns. Following is a separate call: `track` then waits for them.
pub fn start_returns_while_deliveries_are_under_way<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    const DELIVERY: Duration = Duration::from_secs(300);
    let h = harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| {
            b.directory(Directory::new().accept_any_user(UserBehaviour::Reads))
                .delivery_duration(DELIVERY)
        },
    );
    let ledger = MemoryLedger::new();
    let campaigns = h.client.campaigns(&ledger);
    let handle = campaigns
        .start(plan(&users(450), Message::text("Office closed Friday")))
        .expect("the campaign is sent");
    let returned_at = h.clock.client.elapsed();

    // Every chunk sent, as the simulator saw it, and the handle says so.
    assert_eq!(h.server.sends().len(), 5);
    assert_eq!(handle.sent(), [0, 1, 2, 3, 4]);
    assert!(handle.pending().is_empty() && handle.ambiguous().is_empty());
    // `start` neither polled nor read a result, nor waited for delivery.
    assert!(h.server.requests_to(Route::SendProgress).is_empty());
    assert!(h.server.requests_to(Route::SendResult).is_empty());
    assert!(returned_at < DELIVERY, "returned after {returned_at:?}");

    // The simulator says the deliveries are still under way.
    let progress = campaigns.progress(&handle).expect("read");
    assert!(!progress.is_finished(), "{progress:?}");
    assert!(progress.progress_in_percent < 100, "{progress:?}");
    assert_eq!(progress.delivering, 5, "{progress:?}");

    // Following is explicit, and waits for them.
    let tracked = campaigns.track(&handle, |_| {}).expect("followed");
    assert!(tracked.is_finished(), "{tracked:?}");
    assert!(h.clock.client.elapsed() >= DELIVERY);
}

/// Two campaigns of one client share its one budget: with 150 recipients a minute (the
/// simulator's quota too, refusing a whole call past it), campaigns of 100 each from two
/// `client.campaigns(..)` go a minute apart, and the simulator refuses nothing.
pub fn two_campaigns_share_the_client_budget<T: TestTransport>(make: fn(TransportSettings) -> T) {
    const B: usize = 150;
    let h = harness_with_client(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| {
            b.directory(Directory::new().accept_any_user(UserBehaviour::Reads))
                .recipients_per_minute(B)
        },
        |c| c.recipient_budget(budget(B)),
    );
    let audience = users(200);
    let (first_ledger, second_ledger) = (MemoryLedger::new(), MemoryLedger::new());
    let first = h
        .client
        .campaigns(&first_ledger)
        .start(plan(&audience[..100], Message::text("First notice")))
        .expect("the first campaign is sent");
    let second = h
        .client
        .campaigns(&second_ledger)
        .start(plan(&audience[100..], Message::text("Second notice")))
        .expect("the second campaign is sent");
    assert_eq!((first.sent().len(), second.sent().len()), (1, 1));

    // The simulator's witness: two sends, both accepted (no 143103), a minute apart.
    let records = h.server.sends();
    assert_eq!(
        h.server.requests_to(Route::Send).len(),
        2,
        "no call refused"
    );
    assert_eq!(records.len(), 2);
    assert!(
        records[1].at >= records[0].at + Duration::from_secs(60),
        "the second campaign waited for the budget: {:?} then {:?}",
        records[0].at,
        records[1].at
    );
    let windows: Vec<(Duration, usize)> = records.iter().map(|r| (r.at, r.counted)).collect();
    assert_windows_within(&windows, B, "recipients counted");
    assert_eq!(h.server.deliveries_by_user().len(), 200);
}

/// Without a budget given, a client still has one (5,000 a minute, the app's), shared by
/// its campaigns and single sends: a campaign of 4,950 and then a single send of 100 stay
/// within the simulator's default quota of 5,000 a minute, the send waiting a minute.
pub fn the_default_budget_is_one_per_client<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| b.directory(Directory::new().accept_any_user(UserBehaviour::Reads)),
    );
    let audience = users(5_050);
    let ledger = MemoryLedger::new();
    let handle = h
        .client
        .campaigns(&ledger)
        .start(plan(&audience[..4_950], Message::text("Fire drill at 3pm")))
        .expect("the campaign is sent");
    assert_eq!(handle.sent().len(), 50);
    let send = SendWorkNotification::new(DEMO_AGENT_ID, Message::text("Canteen menu"))
        .to_users(audience[4_950..].iter().map(String::as_str));
    h.client
        .send(&send)
        .expect("the single send waits, then goes");

    let records = h.server.sends();
    assert_eq!(
        h.server.requests_to(Route::Send).len(),
        51,
        "no call refused"
    );
    assert_eq!(records.len(), 51);
    let last = records.last().expect("the single send");
    assert!(
        last.at >= records[0].at + Duration::from_secs(60),
        "the single send waited for the budget: {:?}",
        last.at
    );
    let windows: Vec<(Duration, usize)> = records.iter().map(|r| (r.at, r.counted)).collect();
    assert_windows_within(&windows, 5_000, "recipients counted");
}
