//! Reminders: who of a campaign a follow-up goes to, and when one is refused before
//! anything is sent. Pure: the driver reads the parent's progress and report, this decides.

use std::collections::HashSet;

use crate::message::Message;

use super::{
    CampaignId, CampaignProgress, CampaignReport, PersonState, PlanError, is_per_minute_quota,
};

/// A reminder refused before anything was sent, with what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReminderRefusal {
    /// The reminder's content equals that of `campaign` (its parent or an earlier link of
    /// the chain): DingTalk sends the same content to the same person once a day and drops
    /// the rest as 143106.
    #[error(
        "the reminder's content equals campaign {campaign}'s: DingTalk would drop it for the \
         same people as 143106 (the same content once a day); change the text"
    )]
    SameContent {
        /// The campaign with the same content.
        campaign: CampaignId,
    },
    /// The parent still has chunks to send, or DingTalk is still delivering: who has not
    /// read it is not known yet.
    #[error(
        "campaign {parent} is not finished ({waiting} chunks to send, {delivering} still \
         delivering): who has not read it is not known yet; resume it (`campaign resume`) \
         or wait until it is delivered (`campaign watch`), then remind"
    )]
    NotFinished {
        /// The parent.
        parent: CampaignId,
        /// Chunks still to send (or being sent).
        waiting: usize,
        /// Chunks DingTalk is still delivering (or whose progress could not be read).
        delivering: usize,
    },
    /// Some sent chunks' results could not be read (older than 24 hours, or an error).
    #[error(
        "the results of {people} people of campaign {parent} cannot be read (chunks \
         {chunks:?}: older than 24 hours, or the call failed): who has not read it is \
         unknown; try again if the call failed, else send a new campaign to them"
    )]
    ResultsUnavailable {
        /// The parent.
        parent: CampaignId,
        /// The chunks without a result.
        chunks: Vec<usize>,
        /// Their people.
        people: usize,
    },
    /// Nobody of the parent is in the states the reminder includes.
    #[error(
        "nobody of campaign {parent} is {included}: there is nobody to remind, nothing was sent"
    )]
    NobodyToRemind {
        /// The parent.
        parent: CampaignId,
        /// The states included, as written (`unread, failed`).
        included: String,
    },
    /// The reminder's message or audience cannot be planned (an invalid message, say).
    #[error("the reminder cannot be planned: {0}")]
    Plan(#[from] PlanError),
}

/// Whether the parent's results can be read for a reminder: every chunk sent and
/// delivered (or failed for good, or ambiguous), and every sent chunk's result read.
///
/// # Errors
/// [`ReminderRefusal::NotFinished`] or [`ReminderRefusal::ResultsUnavailable`].
pub fn check_parent(
    parent: &CampaignId,
    progress: &CampaignProgress,
    report: &CampaignReport,
) -> Result<(), ReminderRefusal> {
    if !progress.is_finished() {
        return Err(ReminderRefusal::NotFinished {
            parent: parent.clone(),
            waiting: progress.waiting + progress.sending,
            delivering: progress.delivering,
        });
    }
    let unavailable: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.state == PersonState::ResultUnavailable)
        .collect();
    if unavailable.is_empty() {
        return Ok(());
    }
    let mut chunks: Vec<usize> = unavailable.iter().filter_map(|r| r.chunk).collect();
    chunks.sort_unstable();
    chunks.dedup();
    Err(ReminderRefusal::ResultsUnavailable {
        parent: parent.clone(),
        chunks,
        people: unavailable.len(),
    })
}

/// Refuses `message` when it equals the content of one of `earlier` (the parent, then its
/// ancestors).
///
/// # Errors
/// [`ReminderRefusal::SameContent`] naming the first such campaign.
pub fn check_content<'a>(
    message: &Message,
    earlier: impl IntoIterator<Item = (&'a CampaignId, &'a Message)>,
) -> Result<(), ReminderRefusal> {
    match earlier.into_iter().find(|(_, m)| *m == message) {
        Some((campaign, _)) => Err(ReminderRefusal::SameContent {
            campaign: campaign.clone(),
        }),
        None => Ok(()),
    }
}

/// The people of `report` a reminder goes to, in the report's order: those whose state is
/// in `include`. [`PersonState::Unread`] and [`PersonState::Failed`] select those states;
/// [`PersonState::Forbidden`] selects only the people held back by a per-minute quota
/// (143103/143104, ISV 143203/143204), never those held back for the day (143105, 143106),
/// whom DingTalk would drop again. Other states select nobody: a reminder goes to people
/// the parent's result names.
///
/// ```
/// use dingtalk_notify_proto::api::{ForbiddenEntry, SendResult};
/// use dingtalk_notify_proto::campaign::{PersonState, ReportBuilder, reminder_recipients};
/// use dingtalk_notify_proto::{ErrorCode, TaskId};
/// let mut result = SendResult::default();
/// result.read_user_id_list = vec!["ann".into()];
/// result.unread_user_id_list = vec!["bob".into()];
/// result.failed_user_id_list = vec!["cy".into()];
/// result.forbidden_list = vec![ForbiddenEntry::new(ErrorCode::new(143103), 1, "di"),
///     ForbiddenEntry::new(ErrorCode::DUPLICATE_CONTENT, 1, "ed")];
/// let mut builder = ReportBuilder::new();
/// builder.add_result(0, TaskId(1), &result);
/// let report = builder.finish();
/// assert_eq!(reminder_recipients(&report, &[PersonState::Unread]), ["bob"]);
/// let all = [PersonState::Unread, PersonState::Failed, PersonState::Forbidden];
/// assert_eq!(reminder_recipients(&report, &all), ["bob", "cy", "di"]);
/// ```
pub fn reminder_recipients(report: &CampaignReport, include: &[PersonState]) -> Vec<String> {
    let include: HashSet<PersonState> = include.iter().copied().collect();
    report
        .rows
        .iter()
        .filter(|row| match row.state {
            PersonState::Unread | PersonState::Failed => include.contains(&row.state),
            PersonState::Forbidden => {
                include.contains(&PersonState::Forbidden)
                    && row.code.is_some_and(is_per_minute_quota)
            }
            _ => false,
        })
        .map(|row| row.user_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ForbiddenEntry, SendResult};
    use crate::campaign::{ProblemKind, ReportBuilder};
    use crate::code::ErrorCode;
    use crate::ids::TaskId;

    fn id(s: &str) -> CampaignId {
        CampaignId::new(s).unwrap()
    }

    #[test]
    fn a_finished_parent_with_every_result_passes() {
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &SendResult::default());
        b.add_problem(1, None, ProblemKind::Ambiguous, "reset", ["x".to_string()]);
        let progress = CampaignProgress {
            chunks: 2,
            delivered: 1,
            ambiguous: 1,
            progress_in_percent: 100,
            ..CampaignProgress::default()
        };
        assert_eq!(check_parent(&id("p"), &progress, &b.finish()), Ok(()));
    }

    #[test]
    fn an_unfinished_parent_is_refused_with_what_is_left() {
        let progress = CampaignProgress {
            chunks: 3,
            waiting: 1,
            delivering: 1,
            delivered: 1,
            ..CampaignProgress::default()
        };
        let err = check_parent(&id("p"), &progress, &CampaignReport::default()).unwrap_err();
        assert_eq!(
            err,
            ReminderRefusal::NotFinished {
                parent: id("p"),
                waiting: 1,
                delivering: 1
            }
        );
        assert!(err.to_string().contains("campaign resume"), "{err}");
    }

    #[test]
    fn unreadable_results_are_refused_naming_the_chunks() {
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &SendResult::default());
        let people = ["a".to_string(), "b".to_string()];
        b.add_problem(
            2,
            Some(TaskId(3)),
            ProblemKind::ResultUnavailable,
            "old",
            people,
        );
        let progress = CampaignProgress {
            chunks: 2,
            delivered: 2,
            ..CampaignProgress::default()
        };
        let err = check_parent(&id("p"), &progress, &b.finish()).unwrap_err();
        assert_eq!(
            err,
            ReminderRefusal::ResultsUnavailable {
                parent: id("p"),
                chunks: vec![2],
                people: 2
            }
        );
    }

    #[test]
    fn the_same_content_as_any_earlier_link_is_refused() {
        let (a, b) = (id("a"), id("b"));
        let (first, second) = (Message::text("first"), Message::text("second"));
        let chain = [(&a, &first), (&b, &second)];
        assert_eq!(check_content(&Message::text("third"), chain), Ok(()));
        assert_eq!(
            check_content(&Message::text("second"), chain),
            Err(ReminderRefusal::SameContent { campaign: b })
        );
    }

    #[test]
    fn daily_limits_are_never_reminded() {
        let r = SendResult {
            forbidden_list: vec![
                ForbiddenEntry::new(ErrorCode::new(143105), 1, "day"),
                ForbiddenEntry::new(ErrorCode::new(143204), 1, "isv-minute"),
            ],
            invalid_user_id_list: vec!["nobody".into()],
            ..SendResult::default()
        };
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &r);
        let report = b.finish();
        let every = PersonState::ALL;
        assert_eq!(reminder_recipients(&report, &every), ["isv-minute"]);
        assert!(reminder_recipients(&report, &[PersonState::Unread]).is_empty());
    }
}
