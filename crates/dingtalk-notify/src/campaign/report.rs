//! A campaign's per-person report: one row per person, from the same per-chunk pass as
//! [`Campaigns::result`].

use dingtalk_notify_proto::Transport;
use dingtalk_notify_proto::campaign::{CampaignReport, ReportBuilder};

use super::follow::ChunkRead;
use super::{CampaignHandle, Campaigns};
use crate::ledger::Ledger;

impl<T: Transport, L: Ledger + ?Sized> Campaigns<'_, T, L> {
    /// The per-person report: one `getsendresult` per sent chunk (as
    /// [`result`](Self::result)), then one [`ReportRow`](super::ReportRow) per person, in
    /// the order people first appear, with their state (`read`, `unread`, `failed`,
    /// `forbidden` with its code, `invalid`, `ambiguous`, `not_sent`,
    /// `result_unavailable`), chunk and task.
    ///
    /// Each row's departments are the person's departments as frozen with a campaign of
    /// people ([`Campaigns::start_people`]); empty for people given as user ids. A caller
    /// who knows them sets them on a builder with [`ReportBuilder::set_departments`] and
    /// calls [`report_with`](Self::report_with).
    pub fn report(&self, handle: &CampaignHandle) -> CampaignReport {
        self.report_with(handle, ReportBuilder::new())
    }

    /// [`report`](Self::report) into `builder`, which may already know people's
    /// departments ([`ReportBuilder::set_departments`]).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = dingtalk_notify_mock::MockServer::builder()
    /// #     .directory(dingtalk_notify_mock::Directory::new().with_user("ann", dingtalk_notify_mock::UserBehaviour::Reads))
    /// #     .delivery_duration(std::time::Duration::ZERO).frozen_clock().start()?;
    /// # let (key, secret, agent) = (dingtalk_notify_mock::DEMO_APP_KEY, dingtalk_notify_mock::DEMO_APP_SECRET, dingtalk_notify_mock::DEMO_AGENT_ID);
    /// use dingtalk_notify::campaign::{Audience, CHUNK_LIMITS, CampaignPlan, PersonState, ReportBuilder};
    /// use dingtalk_notify::ledger::MemoryLedger;
    /// use dingtalk_notify::{Client, DeptId, Message, TokenSource};
    /// use dingtalk_notify::ureq::UreqTransport;
    /// let client = Client::builder(TokenSource::app(key, secret))
    /// #   .base_url(server.base_url().parse()?).clock(server.clock())
    ///     .build(UreqTransport::default());
    /// let plan = CampaignPlan::new(agent, Message::text("Fire drill at 3pm"),
    ///     Audience::users(["ann", "nobody"]), CHUNK_LIMITS)?;
    /// let ledger = MemoryLedger::new();
    /// let campaigns = client.campaigns(&ledger);
    /// let campaign = campaigns.start(plan)?;
    /// let mut builder = ReportBuilder::new();
    /// builder.set_departments("ann", [DeptId(10)]); // from your own directory lookup
    /// let report = campaigns.report_with(&campaign, builder);
    /// let states: Vec<_> = report.rows.iter().map(|r| (r.user_id.as_str(), r.state)).collect();
    /// assert_eq!(states, [("ann", PersonState::Read), ("nobody", PersonState::Invalid)]);
    /// assert_eq!(report.by_department()[&DeptId(10)].read, 1);
    /// # Ok(()) }
    /// ```
    pub fn report_with(
        &self,
        handle: &CampaignHandle,
        mut builder: ReportBuilder,
    ) -> CampaignReport {
        for (user, depts) in handle.record().people() {
            if !depts.is_empty() {
                builder.set_departments(user, depts.iter().copied());
            }
        }
        self.read_chunks(handle, |chunk| match chunk {
            ChunkRead::Result {
                index,
                task,
                result,
            } => builder.add_result(index, task, &result),
            ChunkRead::Problem {
                index,
                task,
                kind,
                detail,
                users,
            } => builder.add_problem(index, task, kind, &detail, users),
        });
        builder.finish()
    }
}
