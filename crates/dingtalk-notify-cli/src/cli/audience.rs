//! `send`'s audiences of people: departments with everything below them, the whole
//! organisation, phone numbers and union ids, resolved to user ids before sending.

use std::path::PathBuf;

use clap::Args;

/// Audiences resolved to people (`topapi/v2/department/listsubid`, `topapi/user/listid`,
/// `getbymobile`, `getbyunionid`), then sent as a campaign of user chunks, so every person
/// has a per-user result. Combinable with `--user` and `--users-file`; refused beside
/// `--dept` and `--all-users`, DingTalk's own targeting.
#[derive(Debug, Clone, Default, Args)]
pub struct PeopleArgs {
    /// A department and everything below it, as people (repeat, or separate ids with
    /// commas). Unlike --dept, each person is sent once, by user id, and has a per-person
    /// receipt.
    #[arg(
        long = "dept-tree",
        value_name = "ID",
        value_delimiter = ',',
        conflicts_with_all = ["all_users", "depts"],
    )]
    pub dept_trees: Vec<u64>,

    /// Everyone in the organisation, as people (the tree under department 1). Unlike
    /// --all-users, each person has a per-person receipt.
    #[arg(long, conflicts_with_all = ["all_users", "depts"])]
    pub org: bool,

    /// Phone numbers, one per line (`-` for stdin), each resolved to its user.
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["all_users", "depts"])]
    pub mobiles_file: Option<PathBuf>,

    /// Union ids, one per line (`-` for stdin), each resolved to its user.
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["all_users", "depts"])]
    pub unionids_file: Option<PathBuf>,

    /// With --dept-tree or --org: leave out people who never activated their account.
    #[arg(long, conflicts_with_all = ["all_users", "depts"])]
    pub exclude_inactive: bool,
}

impl PeopleArgs {
    /// Whether any audience of people is asked for.
    pub fn any(&self) -> bool {
        self.org
            || !self.dept_trees.is_empty()
            || self.mobiles_file.is_some()
            || self.unionids_file.is_some()
            || self.exclude_inactive
    }
}
