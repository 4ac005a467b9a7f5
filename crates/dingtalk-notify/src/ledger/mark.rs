//! The mark that says "a dingtalk-notify ledger" in a SQLite file, and how a file is
//! recognised (reading only) before [`SqliteLedger`](super::SqliteLedger) writes to it.

use std::path::Path;

use rusqlite::Connection;

use super::LedgerError;

fn storage(e: rusqlite::Error) -> LedgerError {
    LedgerError::Storage(Box::new(e))
}

/// The file's schema version, kept in `PRAGMA user_version`: the core's record schema
/// ([`SCHEMA_VERSION`](dingtalk_notify_proto::campaign::SCHEMA_VERSION)).
pub(super) const FILE_VERSION: i64 = dingtalk_notify_proto::campaign::SCHEMA_VERSION as i64;

/// The mark in the file's `PRAGMA application_id` (SQLite's header offset 68) that says "a
/// dingtalk-notify ledger": the ASCII bytes `DTNL` (`0x44544E4C`). A database without it
/// (and not an unmarked ledger of an earlier version) is never written to.
pub(super) const APPLICATION_ID: i32 = 0x4454_4E4C;

/// What [`identify`] found in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// Nothing at all: a new file.
    Empty,
    /// Our mark and the current schema.
    Current,
    /// An unmarked ledger of schema 1 (earlier builds): upgraded, then marked.
    Version1,
    /// An unmarked ledger of schema 2 (earlier builds): marked.
    Unmarked2,
}

/// The columns of each table, in order, as `PRAGMA table_info` lists them.
fn tables(conn: &Connection) -> Result<Vec<(String, Vec<String>)>, LedgerError> {
    let mut stmt = conn
        .prepare(
            "SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .map_err(storage)?;
    let objects = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(storage)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(storage)?;
    let mut out = Vec::with_capacity(objects.len());
    for (name, kind) in objects {
        let mut columns = Vec::new();
        if kind == "table" {
            let mut info = conn
                .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
                .map_err(storage)?;
            columns = info
                .query_map([&name], |r| r.get::<_, String>(0))
                .map_err(storage)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(storage)?;
        } else {
            // An index, view or trigger: none of our schemas has one.
            columns.push(format!("({kind})"));
        }
        out.push((name, columns));
    }
    Ok(out)
}

/// Tells whether `conn` is a ledger (and of which vintage), reading only.
///
/// # Errors
/// [`LedgerError::NotALedger`] for anything else; [`LedgerError::Storage`] for a newer
/// schema or a file SQLite cannot read.
pub(super) fn identify(conn: &Connection, path: &Path) -> Result<Found, LedgerError> {
    let pragma = |name: &str| -> Result<i64, LedgerError> {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .map_err(storage)
    };
    let foreign = |detail: String| LedgerError::NotALedger {
        path: path.to_path_buf(),
        detail,
    };
    let application_id = pragma("application_id")?;
    let version = pragma("user_version")?;
    if application_id == i64::from(APPLICATION_ID) {
        return match version {
            FILE_VERSION => Ok(Found::Current),
            1 => Ok(Found::Version1),
            other => Err(LedgerError::Storage(
                format!(
                    "{} is a ledger of schema version {other}; this version reads {FILE_VERSION}",
                    path.display()
                )
                .into(),
            )),
        };
    }
    if application_id != 0 {
        return Err(foreign(format!(
            "its application_id is {application_id:#010x}, not dingtalk-notify's {APPLICATION_ID:#010x}"
        )));
    }
    let tables = tables(conn)?;
    if tables.is_empty() && version == 0 {
        return Ok(Found::Empty);
    }
    let names = |cols: &[&str]| cols.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    let campaigns = ("campaigns".to_owned(), names(&["id", "header"]));
    let v1 = [
        campaigns.clone(),
        (
            "chunks".to_owned(),
            names(&["campaign", "idx", "recipients", "origin", "state"]),
        ),
    ];
    let v2 = [
        campaigns,
        ("chunks".to_owned(), names(&["campaign", "idx", "chunk"])),
    ];
    match version {
        1 if tables == v1 => Ok(Found::Version1),
        2 if tables == v2 => Ok(Found::Unmarked2),
        _ => {
            let listed: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
            Err(foreign(format!(
                "it has no dingtalk-notify mark (application_id 0, user_version {version}) \
                 and holds {}",
                if listed.is_empty() {
                    "no tables".to_owned()
                } else {
                    format!("the tables {}", listed.join(", "))
                }
            )))
        }
    }
}
