//! The stored form of a campaign in its Redis hash: the core's record as JSON fields, read
//! back by the core's one constructor for stored records. The ledger's own fields (`seq`,
//! `run_id`, `proven`, `stale`: see [`crate::durability`]) are not part of the record.

use dingtalk_notify::kit::campaign::{CampaignHeader, CampaignId, CampaignRecord, ChunkRecord};
use dingtalk_notify::ledger::LedgerError;

/// `value` as JSON, for a field.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<String, LedgerError> {
    serde_json::to_string(value).map_err(|e| LedgerError::Storage(Box::new(e)))
}

/// A chunk as stored: its field and JSON.
pub(crate) fn chunk_field(chunk: &ChunkRecord) -> Result<(String, String), LedgerError> {
    Ok((format!("chunk:{}", chunk.index), json(chunk)?))
}

/// [`LedgerError::NotFound`] for campaign `id`: `what` is missing.
pub(crate) fn not_found(id: &CampaignId, what: &str) -> LedgerError {
    LedgerError::NotFound {
        id: id.clone(),
        what: what.to_owned(),
    }
}

/// [`LedgerError::Corrupt`] for campaign `id`.
pub(crate) fn corrupt(id: &CampaignId, detail: &str) -> LedgerError {
    LedgerError::Corrupt {
        id: id.clone(),
        detail: detail.to_owned(),
    }
}

/// The record from the hash's fields, by the core's one constructor for stored records.
pub(crate) fn assemble(
    id: &CampaignId,
    fields: Vec<(String, String)>,
) -> Result<CampaignRecord, LedgerError> {
    let mut head: Option<CampaignHeader> = None;
    let mut count = None;
    let mut chunks: Vec<Option<ChunkRecord>> = Vec::new();
    let mut stored = Vec::new();
    for (field, value) in fields {
        if field == "head" {
            head =
                Some(serde_json::from_str(&value).map_err(|e| corrupt(id, &format!("head: {e}")))?);
        } else if field == "count" {
            count = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| corrupt(id, "the chunk count is not a number"))?,
            );
        } else if let Some(i) = field.strip_prefix("chunk:") {
            let i: usize = i
                .parse()
                .map_err(|_| corrupt(id, &format!("a chunk field {field:?}")))?;
            let chunk: ChunkRecord = serde_json::from_str(&value)
                .map_err(|e| corrupt(id, &format!("chunk {i}: {e}")))?;
            stored.push((i, chunk));
        } else if field.starts_with("state:") {
            return Err(corrupt(
                id,
                "it was written by an earlier version (a state field per chunk); finish it \
                 with that version",
            ));
        }
    }
    let (Some(head), Some(count)) = (head, count) else {
        return Err(corrupt(id, "the head or the chunk count is missing"));
    };
    if stored.len() != count {
        return Err(corrupt(id, "chunks are missing"));
    }
    chunks.resize_with(count, || None);
    for (i, chunk) in stored {
        match chunks.get_mut(i) {
            Some(slot) => *slot = Some(chunk),
            None => return Err(corrupt(id, &format!("chunk {i} is past the count"))),
        }
    }
    let chunks = chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| c.ok_or_else(|| corrupt(id, &format!("chunk {i} is missing"))))
        .collect::<Result<Vec<_>, _>>()?;
    let record =
        CampaignRecord::from_stored(head, chunks).map_err(|e| corrupt(id, &e.to_string()))?;
    if record.id() != id {
        return Err(corrupt(id, "the stored record has another id"));
    }
    Ok(record)
}
