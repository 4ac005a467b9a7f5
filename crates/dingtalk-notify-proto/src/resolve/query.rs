//! What to resolve ([`AudienceQuery`]) and how ([`ResolveConfig`]).

use serde::{Deserialize, Serialize};

use crate::api::MAX_USER_PAGE_SIZE;
use crate::ids::DeptId;

/// The inputs of a resolution: departments with everything below them, the whole
/// organisation, mobile numbers and union ids. Duplicates are resolved once.
///
/// ```
/// use dingtalk_notify_proto::resolve::AudienceQuery;
/// let query = AudienceQuery::new()
///     .dept_tree(100)
///     .mobiles(["13800138000"])
///     .union_ids(["z21HjQliSzpw0Yxxxx"]);
/// assert!(!query.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AudienceQuery {
    /// Departments whose whole subtree is wanted (1 is the whole organisation).
    pub dept_trees: Vec<DeptId>,
    /// Mobile numbers.
    pub mobiles: Vec<String>,
    /// Union ids.
    pub union_ids: Vec<String>,
}

impl AudienceQuery {
    /// Nobody yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds department `dept_id` and everything below it.
    #[must_use]
    pub fn dept_tree(mut self, dept_id: impl Into<DeptId>) -> Self {
        self.dept_trees.push(dept_id.into());
        self
    }

    /// Adds the whole organisation (the tree under the root department, 1).
    #[must_use]
    pub fn whole_organization(self) -> Self {
        self.dept_tree(crate::api::ROOT_DEPT_ID)
    }

    /// Adds mobile numbers.
    #[must_use]
    pub fn mobiles<I: IntoIterator<Item = S>, S: Into<String>>(mut self, mobiles: I) -> Self {
        self.mobiles.extend(mobiles.into_iter().map(Into::into));
        self
    }

    /// Adds union ids.
    #[must_use]
    pub fn union_ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.union_ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Whether there is nothing to resolve.
    pub fn is_empty(&self) -> bool {
        self.dept_trees.is_empty() && self.mobiles.is_empty() && self.union_ids.is_empty()
    }
}

/// How a resolution walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResolveConfig {
    /// At most this many calls in any second (at least 1). DingTalk allows an internal app
    /// 20 calls a second per API on the standard plan (90018 beyond), an ISV app 40 per
    /// organisation (90019); the default, 15, stays under both. Budgets above 10,000 count
    /// as 10,000.
    pub per_second: u32,
    /// Leave out people who never activated their account (`active: false`), and list them
    /// apart. Members are then read with `topapi/v2/user/list`, a page of
    /// [`page_size`](Self::page_size) at a time; otherwise with `topapi/user/listid`.
    pub exclude_inactive: bool,
    /// People per `topapi/v2/user/list` page, 1 to 100.
    pub page_size: u32,
    /// Failed answers to the same call in a row before the resolution gives up (at least 1).
    pub max_attempts: u32,
    /// The most departments a walk visits before it stops (a guard against an endless tree).
    pub max_departments: usize,
}

impl ResolveConfig {
    /// The default per-second budget.
    pub const DEFAULT_PER_SECOND: u32 = 15;
}

impl Default for ResolveConfig {
    /// 15 calls a second, inactive people kept, pages of 100, 10 attempts, 1,000,000
    /// departments.
    fn default() -> Self {
        Self {
            per_second: Self::DEFAULT_PER_SECOND,
            exclude_inactive: false,
            page_size: MAX_USER_PAGE_SIZE,
            max_attempts: 10,
            max_departments: 1_000_000,
        }
    }
}

impl ResolveConfig {
    /// Leaves out (or keeps) people who never activated their account.
    #[must_use]
    pub fn exclude_inactive(mut self, exclude: bool) -> Self {
        self.exclude_inactive = exclude;
        self
    }

    /// At most `calls` calls a second (0 counts as 1).
    #[must_use]
    pub fn per_second(mut self, calls: u32) -> Self {
        self.per_second = calls.max(1);
        self
    }

    /// People per `topapi/v2/user/list` page (clamped to 1..=100).
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_USER_PAGE_SIZE);
        self
    }

    /// Failed answers to the same call in a row before giving up (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The most departments a walk visits.
    #[must_use]
    pub fn max_departments(mut self, departments: usize) -> Self {
        self.max_departments = departments;
        self
    }

    /// The values made sane: a budget and attempts of at least 1, a page of 1 to 100.
    pub(super) fn normalized(mut self) -> Self {
        self.per_second = self.per_second.max(1);
        self.max_attempts = self.max_attempts.max(1);
        self.page_size = self.page_size.clamp(1, MAX_USER_PAGE_SIZE);
        self
    }
}
