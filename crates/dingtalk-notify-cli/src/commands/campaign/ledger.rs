//! The ledger a campaign command uses: `--ledger`'s SQLite file or the fleet's Redis (never
//! both), and the campaign it names, with a "not found" that says which ledger was read.

use std::path::Path;

use dingtalk_notify::campaign::{CampaignError, CampaignHandle, CampaignId};
use dingtalk_notify::ledger::{Ledger, LedgerError};

use super::campaign_failure;
use crate::cli::CampaignArgs;
use crate::commands::CliClient;
use crate::commands::fleet::Fleet;
use crate::exit::Failure;

#[cfg(feature = "sqlite")]
pub(in crate::commands) fn open_ledger(path: &Path) -> Result<Box<dyn Ledger>, Failure> {
    dingtalk_notify::ledger::SqliteLedger::open(path)
        .map(|l| Box::new(l) as Box<dyn Ledger>)
        .map_err(|e| {
            Failure::invalid_input(format!("cannot open the ledger {}: {e}", path.display()))
        })
}

#[cfg(not(feature = "sqlite"))]
pub(in crate::commands) fn open_ledger(path: &Path) -> Result<Box<dyn Ledger>, Failure> {
    Err(Failure::invalid_input(format!(
        "cannot open the ledger {}: this build has no SQLite (feature `sqlite`)",
        path.display()
    )))
}

/// The ledger and the campaign `args` name: `--ledger`'s SQLite file, or the fleet's Redis.
pub(super) fn open(
    client: &CliClient,
    fleet: Option<&Fleet>,
    args: &CampaignArgs,
) -> Result<(Box<dyn Ledger>, CampaignHandle), Failure> {
    let id = CampaignId::new(args.id.trim()).map_err(|e| Failure::invalid_input(e.to_string()))?;
    let ledger = match (&args.ledger, fleet) {
        (Some(_), Some(_)) => return Err(both_ledgers()),
        (None, Some(fleet)) => fleet.ledger()?,
        (Some(path), None) => {
            if !path.exists() {
                return Err(Failure::invalid_input(format!(
                    "no ledger at {}; give the --ledger the campaign was sent with",
                    path.display()
                )));
            }
            open_ledger(path)?
        }
        (None, None) => {
            return Err(Failure::invalid_input(
                "no ledger: give the --ledger (DINGTALK_LEDGER) the campaign was sent with, \
                 or --redis (DINGTALK_REDIS_URL) for a fleet's campaign",
            ));
        }
    };
    let handle = client
        .campaigns(ledger.as_ref())
        .load(&id)
        .map_err(|e| match e {
            CampaignError::NotFound(_) | CampaignError::Ledger(LedgerError::NotFound { .. }) => {
                Failure::invalid_input(not_found(&id, args))
            }
            other => campaign_failure(other),
        })?;
    Ok((ledger, handle))
}

/// "No such campaign", naming the ledger looked in and what to check.
fn not_found(id: &CampaignId, args: &CampaignArgs) -> String {
    match &args.ledger {
        Some(path) => format!(
            "no campaign {id} in the ledger {}; check the id, and that --ledger \
             (DINGTALK_LEDGER) is the file it was sent with",
            path.display()
        ),
        None => format!(
            "no campaign {id} in the fleet's Redis; check the id, and that --redis \
             (DINGTALK_REDIS_URL) names the Redis and database it was sent with (a fleet's \
             campaigns are kept 8 days)"
        ),
    }
}

/// `--ledger` and `--redis` together: a campaign is kept in one of them.
pub(in crate::commands) fn both_ledgers() -> Failure {
    Failure::invalid_input(
        "give --ledger (a SQLite file) or --redis (a fleet's Redis), not both: a campaign is \
         kept in one of them (check DINGTALK_LEDGER and DINGTALK_REDIS_URL too)",
    )
}
