//! Reminders: a follow-up campaign to the people of a campaign who have not read it, kept
//! as its own campaign and linked to its parent in the ledger both ways.

use dingtalk_notify_proto::campaign::{
    Audience, CampaignHeader, CampaignId, CampaignPlan, CampaignRecord, PersonState, check_content,
    check_parent, reminder_recipients,
};
use dingtalk_notify_proto::{Message, Transport};

use super::driver::{LOG_TARGET, fresh_id};
use super::{CampaignError, CampaignHandle, Campaigns};
use crate::ledger::{Ledger, LedgerError};

/// How far up a chain of reminders the content check looks (a chain is never this long).
const MAX_CHAIN: usize = 64;
/// How often the parent's header is read again when another writer changed it meanwhile.
const LINK_TRIES: usize = 8;

impl<T: Transport, L: Ledger + ?Sized> Campaigns<'_, T, L> {
    /// Plans a reminder of campaign `parent`: `message` to its people whose state is in
    /// `include` ([`PersonState::Unread`] by default; [`PersonState::Failed`]; and
    /// [`PersonState::Forbidden`], which means the people held back by a per-minute quota
    /// only, see [`reminder_recipients`](dingtalk_notify_proto::campaign::reminder_recipients)).
    /// Read calls only: one `getsendprogress` and one `getsendresult` per sent chunk of the
    /// parent. Nothing is stored or sent. People of the parent's ambiguous or refused
    /// chunks are not reminded (their state is not known to be unread).
    ///
    /// # Errors
    /// [`CampaignError::Reminder`] when the message equals the parent's (or an earlier
    /// link's of its chain: DingTalk would drop it as 143106), when the parent is not
    /// finished or its results cannot be read, or when nobody is to be reminded;
    /// or when the reminder cannot be [planned](Self::plan); [`CampaignError::NotFound`],
    /// [`CampaignError::Ledger`].
    pub fn plan_reminder(
        &self,
        parent: &CampaignId,
        message: impl Into<Message>,
        include: &[PersonState],
    ) -> Result<CampaignPlan, CampaignError> {
        let message = message.into();
        let handle = self.load(parent)?;
        let chain = self.chain(handle.record())?;
        check_content(&message, chain.iter().map(|r| (r.id(), r.message())))
            .map_err(CampaignError::Reminder)?;
        let progress = self.progress(&handle)?;
        let report = self.report(&handle);
        check_parent(parent, &progress, &report).map_err(CampaignError::Reminder)?;
        let users = reminder_recipients(&report, include);
        if users.is_empty() {
            return Err(CampaignError::Reminder(
                dingtalk_notify_proto::campaign::ReminderRefusal::NobodyToRemind {
                    parent: parent.clone(),
                    included: included(include),
                },
            ));
        }
        self.plan(handle.record().agent_id(), message, Audience::users(users))
            .map_err(|e| CampaignError::Reminder(e.into()))
    }

    /// Sends a reminder of campaign `parent` ([`plan_reminder`](Self::plan_reminder)
    /// decides who, or refuses before anything is sent): a new campaign whose header names
    /// `parent`, listed in the parent's header before its first chunk is sent (both in the
    /// ledger), then sent like [`start`](Self::start). A reminder may itself be reminded.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use dingtalk_notify_mock::{Directory, UserBehaviour::*};
    /// # let server = dingtalk_notify_mock::MockServer::builder()
    /// #     .directory(Directory::new().with_user("ann", Reads).with_user("bob", LeavesUnread))
    /// #     .delivery_duration(std::time::Duration::ZERO).frozen_clock().start()?;
    /// # let (key, secret, agent) = (dingtalk_notify_mock::DEMO_APP_KEY, dingtalk_notify_mock::DEMO_APP_SECRET, dingtalk_notify_mock::DEMO_AGENT_ID);
    /// use dingtalk_notify::campaign::{Audience, CHUNK_LIMITS, CampaignPlan, PersonState};
    /// use dingtalk_notify::ledger::MemoryLedger;
    /// use dingtalk_notify::ureq::UreqTransport;
    /// use dingtalk_notify::{Client, Message, TokenSource};
    /// let client = Client::builder(TokenSource::app(key, secret))
    /// #   .base_url(server.base_url().parse()?).clock(server.clock())
    ///     .build(UreqTransport::default());
    /// let ledger = MemoryLedger::new();
    /// let campaigns = client.campaigns(&ledger);
    /// let plan = CampaignPlan::new(agent, Message::text("Fire drill at 3pm"),
    ///     Audience::users(["ann", "bob"]), CHUNK_LIMITS)?;
    /// let drill = campaigns.start(plan)?;
    /// let reminder = campaigns.remind(drill.id(), Message::text("Reminder: fire drill at 3pm"),
    ///     &[PersonState::Unread])?;
    /// assert_eq!(reminder.record().chunks()[0].recipients.user_ids(), ["bob"]);
    /// assert_eq!(reminder.record().header().parent.as_ref(), Some(drill.id()));
    /// assert_eq!(campaigns.load(drill.id())?.record().header().reminders, [reminder.id().clone()]);
    /// // The parent's own text again would be dropped by DingTalk: refused, nothing sent.
    /// assert!(campaigns.remind(drill.id(), Message::text("Fire drill at 3pm"), &[PersonState::Unread]).is_err());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`plan_reminder`](Self::plan_reminder) (nothing stored or sent), then as
    /// [`start`](Self::start).
    pub fn remind(
        &self,
        parent: &CampaignId,
        message: impl Into<Message>,
        include: &[PersonState],
    ) -> Result<CampaignHandle, CampaignError> {
        let plan = self.plan_reminder(parent, message, include)?;
        let created_at = self.client.clock().wall();
        let mut record = CampaignRecord::new(fresh_id(created_at)?, plan, created_at);
        let mut header = record.header().clone();
        header.parent = Some(parent.clone());
        record.set_header(header)?;
        self.ledger.create(&record)?;
        self.link(parent, record.id())?;
        log::info!(target: LOG_TARGET, "campaign {}: a reminder of campaign {parent}", record.id());
        self.send_pending(record)
    }

    /// The campaign's record, then its parent's, up the chain of reminders.
    fn chain(&self, first: &CampaignRecord) -> Result<Vec<CampaignRecord>, CampaignError> {
        let mut chain = vec![first.clone()];
        while chain.len() < MAX_CHAIN {
            let Some(parent) = chain.last().and_then(|r| r.header().parent.clone()) else {
                break;
            };
            match self.ledger.load(&parent)? {
                Some(record) => chain.push(record),
                // An ancestor gone from the ledger (Redis keeps campaigns 8 days): it was
                // sent more than a day ago, so its content no longer collides.
                None => break,
            }
        }
        Ok(chain)
    }

    /// Lists `reminder` in `parent`'s header (compare and set, read again on a conflict).
    fn link(&self, parent: &CampaignId, reminder: &CampaignId) -> Result<(), CampaignError> {
        for _ in 0..LINK_TRIES {
            let from: CampaignHeader = self.load(parent)?.record().header().clone();
            let mut to = from.clone();
            to.reminders.push(reminder.clone());
            match self.ledger.update_header(parent, &from, &to) {
                Ok(()) => return Ok(()),
                Err(LedgerError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(LedgerError::Conflict {
            id: parent.clone(),
            index: 0,
        }
        .into())
    }
}

/// `unread, failed`: the states as a refusal names them.
fn included(include: &[PersonState]) -> String {
    let names: Vec<&str> = include
        .iter()
        .map(|s| match s {
            PersonState::Forbidden => "held back by a per-minute quota",
            other => other.as_str(),
        })
        .collect();
    if names.is_empty() {
        "in any state included (none was given)".to_owned()
    } else {
        names.join(" or ")
    }
}
