//! Reminders, generic over the transport: a follow-up reaches exactly the people the
//! simulator's directory leaves unread (or held back by its per-minute quota), is refused
//! before any send when its content is the parent's or the parent is still delivering, and
//! can itself be reminded. The assertions read the simulator's records of sends
//! (`requests_to(Route::Send)`) and the people this test put in its directory, not the
//! driver's beliefs.

use std::collections::BTreeSet;
use std::sync::Arc;

use dingtalk_notify::budget::{Budget, InProcessBudget};
use dingtalk_notify::campaign::{
    Audience, CHUNK_LIMITS, CampaignError, CampaignHandle, CampaignPlan, Campaigns, PersonState,
    ReminderRefusal,
};
use dingtalk_notify::ledger::MemoryLedger;
use dingtalk_notify::{Message, Transport};
use dingtalk_notify_mock::{
    BudgetOverflow, DEMO_AGENT_ID, Directory, MockServer, Route, UserBehaviour,
};

use crate::harness::{Harness, TransportSettings, demo_app, harness_with_client};
use crate::scenarios::TestTransport;

const PEOPLE: usize = 250;
const NOTICE: &str = "Benefits enrolment closes Friday";
const REMINDER: &str = "Reminder: benefits enrolment closes Friday";

fn person(i: usize) -> String {
    format!("staff{i:04}")
}

/// What the directory does with person `i`: `None` is not in it (invalid).
fn behaviour(i: usize) -> Option<UserBehaviour> {
    match i % 10 {
        1 | 4 | 7 => Some(UserBehaviour::LeavesUnread),
        2 => Some(UserBehaviour::Fails),
        9 => None,
        _ => Some(UserBehaviour::Reads),
    }
}

/// The people the directory gives `wanted`.
fn people_who(wanted: UserBehaviour) -> BTreeSet<String> {
    (0..PEOPLE)
        .filter(|i| behaviour(*i) == Some(wanted))
        .map(person)
        .collect()
}

fn harness<T: Transport>(transport: T) -> Harness<T> {
    let mut directory = Directory::new();
    for i in 0..PEOPLE {
        if let Some(b) = behaviour(i) {
            directory = directory.with_user(person(i), b);
        }
    }
    harness_with_client(transport, |_| demo_app(), |b| b.directory(directory), |c| c)
}

/// Every `asyncsend_v2` the simulator received: its text and its user ids.
fn sends(server: &MockServer) -> Vec<(String, BTreeSet<String>)> {
    server
        .requests_to(Route::Send)
        .iter()
        .map(|r| {
            let body = r.json().expect("a JSON send body");
            let text = body["msg"]["text"]["content"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let users = body["userid_list"]
                .as_str()
                .unwrap_or_default()
                .split(',')
                .filter(|u| !u.is_empty())
                .map(str::to_owned)
                .collect();
            (text, users)
        })
        .collect()
}

/// The user ids of the sends after the first `from`, all together.
fn users_sent_after(server: &MockServer, from: usize) -> BTreeSet<String> {
    sends(server)
        .into_iter()
        .skip(from)
        .flat_map(|(_, users)| users)
        .collect()
}

fn start<T: Transport, L: dingtalk_notify::ledger::Ledger>(
    campaigns: &Campaigns<'_, T, L>,
    text: &str,
) -> CampaignHandle {
    let plan = CampaignPlan::new(
        DEMO_AGENT_ID,
        Message::text(text),
        Audience::users((0..PEOPLE).map(person)),
        CHUNK_LIMITS,
    )
    .expect("a valid plan");
    let handle = campaigns.start(plan).expect("the campaign runs");
    delivered(campaigns, &handle);
    handle
}

/// Follows `handle` until DingTalk (the simulator) has delivered it.
fn delivered<T: Transport, L: dingtalk_notify::ledger::Ledger>(
    campaigns: &Campaigns<'_, T, L>,
    handle: &CampaignHandle,
) {
    let progress = campaigns.track(handle, |_| {}).unwrap();
    assert!(progress.is_finished(), "{progress:?}");
}

/// A reminder goes to exactly the people the directory leaves unread (`--include` adds
/// those it fails), is its own campaign naming its parent, and is listed in the parent's
/// header. Before the parent is delivered, a reminder is refused and nothing is sent: the
/// simulator lists every delivered person as unread until delivery completes.
pub fn a_reminder_reaches_exactly_the_unread<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let ledger = MemoryLedger::new();
    let campaigns = h.client.campaigns(&ledger);
    let plan = CampaignPlan::new(
        DEMO_AGENT_ID,
        Message::text(NOTICE),
        Audience::users((0..PEOPLE).map(person)),
        CHUNK_LIMITS,
    )
    .expect("a valid plan");
    let parent = campaigns.start(plan).expect("the campaign runs");
    let before = h.server.requests_to(Route::Send).len();
    match campaigns.remind(parent.id(), Message::text(REMINDER), &[PersonState::Unread]) {
        Err(CampaignError::Reminder(ReminderRefusal::NotFinished { delivering, .. })) => {
            assert_eq!(delivering, 3);
        }
        other => panic!("a reminder of a campaign still delivering: {other:?}"),
    }
    assert_eq!(
        h.server.requests_to(Route::Send).len(),
        before,
        "nothing sent"
    );
    delivered(&campaigns, &parent);

    let reminder = campaigns
        .remind(parent.id(), Message::text(REMINDER), &[PersonState::Unread])
        .expect("the reminder is sent");
    let unread = people_who(UserBehaviour::LeavesUnread);
    assert_eq!(unread.len(), 75);
    assert_eq!(users_sent_after(&h.server, before), unread);
    assert!(
        sends(&h.server)[before..]
            .iter()
            .all(|(text, _)| text == REMINDER)
    );
    assert_eq!(
        reminder.record().header().parent.as_ref(),
        Some(parent.id())
    );
    assert_ne!(reminder.id(), parent.id());

    // With failed people too: a second reminder, another text.
    let sent = h.server.requests_to(Route::Send).len();
    let second = campaigns
        .remind(
            parent.id(),
            Message::text("Last call: benefits enrolment closes Friday"),
            &[PersonState::Unread, PersonState::Failed],
        )
        .expect("the second reminder is sent");
    let mut expected = unread;
    expected.extend(people_who(UserBehaviour::Fails));
    assert_eq!(users_sent_after(&h.server, sent), expected);
    let links = campaigns.load(parent.id()).expect("the parent");
    assert_eq!(
        links.record().header().reminders,
        [reminder.id().clone(), second.id().clone()]
    );
}

/// DingTalk sends the same content to the same person once a day and drops the rest as
/// 143106 ("the same content to the same person: once a day | 143106 / 143206",
/// ../shared/spec/audience-and-media.md; "Only one message notification with the same
/// content can be sent to the same employee per day", getsendresult.txt). So a reminder
/// with its parent's content is refused before any send, and nothing is linked. The
/// simulator, the independent witness, shows the drop the refusal avoids.
pub fn a_reminder_with_the_parents_content_is_refused<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    let ledger = MemoryLedger::new();
    let campaigns = h.client.campaigns(&ledger);
    let parent = start(&campaigns, NOTICE);
    let before = h.server.requests_to(Route::Send).len();
    let err = campaigns
        .remind(parent.id(), Message::text(NOTICE), &[PersonState::Unread])
        .expect_err("the parent's content again");
    match &err {
        CampaignError::Reminder(ReminderRefusal::SameContent { campaign }) => {
            assert_eq!(campaign, parent.id());
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("143106"), "{err}");
    assert_eq!(
        h.server.requests_to(Route::Send).len(),
        before,
        "nothing sent"
    );
    let parent_now = campaigns.load(parent.id()).expect("the parent");
    assert!(parent_now.record().header().reminders.is_empty());

    // What the refusal avoids: the simulator drops the same text to an unread person.
    let someone = people_who(UserBehaviour::LeavesUnread)
        .into_iter()
        .next()
        .expect("one");
    let send =
        dingtalk_notify::api::SendWorkNotification::new(DEMO_AGENT_ID, Message::text(NOTICE))
            .to_users([someone.as_str()]);
    let task = h.client.send(&send).expect("DingTalk accepts the call");
    let result = h.client.result(&task).expect("its result");
    let codes: Vec<i64> = result.forbidden_list.iter().map(|f| f.code.get()).collect();
    assert_eq!(codes, [dingtalk_notify_mock::code::DUPLICATE_CONTENT]);
}

/// A reminder of a reminder: the people who did not read the first reminder get the
/// second; the chain is linked both ways; the grandparent's content is refused too.
pub fn a_reminder_of_a_reminder<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let ledger = MemoryLedger::new();
    let campaigns = h.client.campaigns(&ledger);
    let parent = start(&campaigns, NOTICE);
    let first = campaigns
        .remind(parent.id(), Message::text(REMINDER), &[PersonState::Unread])
        .expect("the first reminder");
    delivered(&campaigns, &first);
    let before = h.server.requests_to(Route::Send).len();
    for earlier in [NOTICE, REMINDER] {
        let err = campaigns
            .remind(first.id(), Message::text(earlier), &[PersonState::Unread])
            .expect_err("an earlier link's content");
        assert!(
            matches!(
                err,
                CampaignError::Reminder(ReminderRefusal::SameContent { .. })
            ),
            "{err:?}"
        );
    }
    assert_eq!(h.server.requests_to(Route::Send).len(), before);
    let second = campaigns
        .remind(
            first.id(),
            Message::text("Second reminder: enrolment closes Friday"),
            &[PersonState::Unread],
        )
        .expect("a reminder of the reminder");
    // The directory leaves them unread again: the same people as the first reminder.
    assert_eq!(
        users_sent_after(&h.server, before),
        people_who(UserBehaviour::LeavesUnread)
    );
    assert_eq!(second.record().header().parent.as_ref(), Some(first.id()));
    let first_now = campaigns.load(first.id()).expect("the first reminder");
    assert_eq!(first_now.record().header().reminders, [second.id().clone()]);
    let parent_now = campaigns.load(parent.id()).expect("the parent");
    assert_eq!(parent_now.record().header().reminders, [first.id().clone()]);
}

/// `Forbidden` reminds the people the simulator's per-minute quota held back (143103),
/// and nobody else.
pub fn forbidden_means_held_back_by_the_minute_quota<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    const QUOTA: usize = 150;
    let h = harness_with_client(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| {
            b.directory(Directory::new().accept_any_user(UserBehaviour::Reads))
                .recipients_per_minute(QUOTA)
                .budget_overflow(BudgetOverflow::ForbidExcessUsers)
        },
        |c| c.recipient_budget(Arc::new(InProcessBudget::new(Budget::per_minute(300)))),
    );
    let ledger = MemoryLedger::new();
    let campaigns = h.client.campaigns(&ledger);
    let parent = start(&campaigns, NOTICE);
    // The simulator's witness: who the parent's tasks delivered to.
    let delivered_to: BTreeSet<String> = h
        .server
        .delivery_log()
        .into_iter()
        .map(|d| d.user_id)
        .collect();
    let held_back: BTreeSet<String> = (0..PEOPLE)
        .map(person)
        .filter(|p| !delivered_to.contains(p))
        .collect();
    assert_eq!(held_back.len(), PEOPLE - QUOTA);
    let before = h.server.requests_to(Route::Send).len();
    campaigns
        .remind(
            parent.id(),
            Message::text(REMINDER),
            &[PersonState::Forbidden],
        )
        .expect("the reminder is sent");
    assert_eq!(users_sent_after(&h.server, before), held_back);
}

/// Expands every reminder scenario into a `#[test]` over the transport that
/// `$make: fn(TransportSettings) -> T` builds.
#[macro_export]
macro_rules! reminder_matrix {
    ($make:path) => {
        $crate::reminder_matrix!(@tests $make;
            a_reminder_reaches_exactly_the_unread,
            a_reminder_with_the_parents_content_is_refused,
            a_reminder_of_a_reminder,
            forbidden_means_held_back_by_the_minute_quota,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::reminders::$name($make);
            }
        )*
    };
}
