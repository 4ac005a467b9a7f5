//! What a campaign of people adds to a campaign's document (`"recipients"`, `"unresolved"`)
//! and to its failures (a resolution that stopped), for `send` and `campaign ...` alike.

use dingtalk_notify::campaign::CampaignError;
use dingtalk_notify::kit::resolve::Input;
use dingtalk_notify::ledger::CampaignRecord;
use dingtalk_notify::resolve::ResolveAudienceError;
use dingtalk_notify::transport::TransportError;
use serde::Serialize;

use crate::exit::{API, Failure, Kind, RESPONSE};

/// The people part of a campaign's `--json` document: the people after resolution, and
/// the inputs that resolved to nobody. Absent for a campaign of user ids.
#[derive(Debug, Serialize)]
pub struct PeopleDoc {
    /// People after resolution (`null` until frozen).
    recipients: Option<usize>,
    /// Inputs that resolved to nobody.
    unresolved: Vec<UnresolvedDoc>,
}

#[derive(Debug, Serialize)]
struct UnresolvedDoc {
    input: String,
    kind: &'static str,
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errcode: Option<i64>,
}

/// The people part of `record`'s document, for a campaign of people.
pub fn doc(record: &CampaignRecord) -> Option<PeopleDoc> {
    let people = record.header().people.as_ref()?;
    let unresolved = record
        .unresolved()
        .iter()
        .map(|u| {
            let (input, kind) = match &u.input {
                Input::Department(d) => (d.get().to_string(), "department"),
                Input::Mobile(m) => (m.clone(), "mobile"),
                Input::UnionId(u) => (u.clone(), "union_id"),
                other => (other.to_string(), "other"),
            };
            UnresolvedDoc {
                input,
                kind,
                reason: u.reason.name(),
                errcode: u.code.map(|c| c.get()),
            }
        })
        .collect();
    Some(PeopleDoc {
        recipients: people.frozen.as_ref().map(|f| f.people),
        unresolved,
    })
}

/// The failure of a campaign of people that could not be planned (exit 2) or resolved:
/// DingTalk's refusal (exit 1, such as 90020, the monthly quota), the transport (as any
/// call), an unusable answer (exit 4). Nothing was sent; a resume resolves again. Any
/// other error is handed back.
///
/// # Errors
/// `e` itself when it is neither.
pub fn failure(e: CampaignError) -> Result<Failure, CampaignError> {
    let source = match e {
        CampaignError::Plan(plan) => return Ok(Failure::invalid_input(plan.to_string())),
        CampaignError::Resolve(source) => source,
        other => return Err(other),
    };
    let Some(resolve) = source.downcast_ref::<ResolveAudienceError<TransportError>>() else {
        return Ok(Failure::plain(Kind::Response, RESPONSE, source.to_string()));
    };
    Ok(match resolve {
        ResolveAudienceError::MonthlyQuotaExceeded { .. } => {
            Failure::plain(Kind::Api, API, resolve.to_string())
        }
        ResolveAudienceError::Resolve(r) if r.api().is_some() => {
            Failure::plain(Kind::Api, API, resolve.to_string())
        }
        ResolveAudienceError::Call(call) => {
            let mut f = Failure::from_client(call);
            f.message = format!("resolving the audience failed: {}", f.message);
            f
        }
        _ => Failure::plain(Kind::Response, RESPONSE, resolve.to_string()),
    })
}
