//! [`MemoryLedger`]: campaigns in a map, in this process only.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use dingtalk_notify_proto::campaign::{
    CampaignHeader, CampaignId, CampaignRecord, ChunkRecord, ChunkState, RecordError, Transition,
};

use super::{Ledger, LedgerError};

/// Campaigns kept in memory: gone with the process. Cloning a record out keeps reads cheap
/// enough for tests and campaigns that need no crash safety.
///
/// ```
/// use dingtalk_notify::ledger::{Ledger, MemoryLedger};
/// ```
#[derive(Debug, Default)]
pub struct MemoryLedger {
    campaigns: Mutex<BTreeMap<CampaignId, CampaignRecord>>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<CampaignId, CampaignRecord>) -> R) -> R {
        f(&mut self
            .campaigns
            .lock()
            .unwrap_or_else(PoisonError::into_inner))
    }
}

impl Ledger for MemoryLedger {
    fn create(&self, record: &CampaignRecord) -> Result<(), LedgerError> {
        self.with(|m| {
            if m.contains_key(record.id()) {
                return Err(LedgerError::Exists(record.id().clone()));
            }
            m.insert(record.id().clone(), record.clone());
            Ok(())
        })
    }

    fn load(&self, id: &CampaignId) -> Result<Option<CampaignRecord>, LedgerError> {
        Ok(self.with(|m| m.get(id).cloned()))
    }

    fn created_since(
        &self,
        since: std::time::SystemTime,
    ) -> Result<Option<Vec<CampaignId>>, LedgerError> {
        let mut found: Vec<_> = self.with(|m| {
            m.values()
                .filter(|r| r.created_at() >= since)
                .map(|r| (r.created_at(), r.id().clone()))
                .collect()
        });
        found.sort();
        Ok(Some(found.into_iter().map(|(_, id)| id).collect()))
    }

    fn transition(
        &self,
        id: &CampaignId,
        index: usize,
        from: &ChunkState,
        to: &ChunkState,
    ) -> Result<(), LedgerError> {
        self.with(|m| {
            let r = m
                .get_mut(id)
                .ok_or_else(|| LedgerError::not_found(id, "is not in the ledger"))?;
            let t = Transition {
                index,
                from: from.clone(),
                to: to.clone(),
            };
            r.commit(&t).map_err(|e| match e {
                RecordError::Stale { .. } => LedgerError::Conflict {
                    id: id.clone(),
                    index,
                },
                other => LedgerError::not_found(id, other.to_string()),
            })
        })
    }

    fn append(&self, id: &CampaignId, chunks: &[ChunkRecord]) -> Result<(), LedgerError> {
        self.with(|m| {
            let r = m
                .get_mut(id)
                .ok_or_else(|| LedgerError::not_found(id, "is not in the ledger"))?;
            if chunks.first().is_some_and(|c| c.index != r.chunks().len()) {
                return Err(LedgerError::Conflict {
                    id: id.clone(),
                    index: chunks.first().map_or(0, |c| c.index),
                });
            }
            r.append(chunks.to_vec()).map_err(|e| LedgerError::Corrupt {
                id: id.clone(),
                detail: e.to_string(),
            })
        })
    }

    fn update_header(
        &self,
        id: &CampaignId,
        from: &CampaignHeader,
        to: &CampaignHeader,
    ) -> Result<(), LedgerError> {
        super::same_campaign(id, from, to)?;
        self.with(|m| {
            let r = m
                .get_mut(id)
                .ok_or_else(|| LedgerError::not_found(id, "is not in the ledger"))?;
            if r.header() != from {
                return Err(LedgerError::Conflict {
                    id: id.clone(),
                    index: 0,
                });
            }
            r.set_header(to.clone()).map_err(|e| LedgerError::Corrupt {
                id: id.clone(),
                detail: e.to_string(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use dingtalk_notify_proto::Message;
    use dingtalk_notify_proto::campaign::{Audience, CHUNK_LIMITS, CampaignPlan};
    use dingtalk_notify_proto::tracking::TaskHandle;

    use super::*;

    #[test]
    fn campaigns_created_since_a_time_are_listed_oldest_first() {
        let l = MemoryLedger::new();
        let at = |s: u64| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(s);
        for (id, secs) in [("b", 30), ("a", 10), ("c", 20)] {
            let plan =
                CampaignPlan::new(7, Message::text("hi"), Audience::users(["u"]), CHUNK_LIMITS);
            l.create(&CampaignRecord::new(
                CampaignId::new(id).unwrap(),
                plan.unwrap(),
                at(secs),
            ))
            .unwrap();
        }
        let ids: Vec<String> = l
            .created_since(at(20))
            .unwrap()
            .unwrap()
            .iter()
            .map(|i| i.as_str().to_owned())
            .collect();
        assert_eq!(ids, ["c", "b"]);
    }

    fn record() -> CampaignRecord {
        let plan = CampaignPlan::new(
            7,
            Message::text("hi"),
            Audience::users((0..150).map(|i| format!("u{i}"))),
            CHUNK_LIMITS,
        )
        .unwrap();
        CampaignRecord::new(CampaignId::new("c1").unwrap(), plan, SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn create_transition_append_load() {
        let l = MemoryLedger::new();
        let mut r = record();
        l.create(&r).unwrap();
        assert!(matches!(l.create(&r), Err(LedgerError::Exists(_))));
        let sent = ChunkState::Sent {
            task: TaskHandle::new(7, 1),
        };
        l.transition(r.id(), 0, &ChunkState::Planned, &sent)
            .unwrap();
        let err = l
            .transition(r.id(), 0, &ChunkState::Planned, &sent)
            .unwrap_err();
        assert!(matches!(err, LedgerError::Conflict { index: 0, .. }));
        r.commit(&Transition {
            index: 0,
            from: ChunkState::Planned,
            to: sent,
        })
        .unwrap();
        let resend = r.plan_resend(0, vec!["u1".into()]).unwrap();
        l.append(r.id(), &resend).unwrap();
        assert!(matches!(
            l.append(r.id(), &resend),
            Err(LedgerError::Conflict { .. })
        ));
        r.append(resend).unwrap();
        assert_eq!(l.load(r.id()).unwrap().unwrap(), r);
        let missing = CampaignId::new("c9").unwrap();
        assert_eq!(l.load(&missing).unwrap(), None);
        assert!(matches!(
            l.transition(r.id(), 9, &ChunkState::Planned, &ChunkState::Planned),
            Err(LedgerError::NotFound { .. })
        ));
    }
    #[test]
    fn a_header_update_is_a_compare_and_set() {
        let l = MemoryLedger::new();
        let r = record();
        super::super::contract::header_update_is_a_compare_and_set(&l, &r);
    }
}
