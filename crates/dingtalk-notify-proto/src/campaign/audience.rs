//! [`Audience`]: who a campaign goes to, before it is split into sends.

use crate::ids::DeptId;

use super::UserIds;

/// Who a campaign goes to: user ids and departments of any number, or every user.
///
/// Duplicates are allowed here; [`CampaignPlan`](super::CampaignPlan) removes them. The
/// user ids are one [`UserIds`] (a list of millions stays small); one already built goes in
/// as it is with `Audience::Listed`.
///
/// ```
/// use dingtalk_notify_proto::campaign::Audience;
/// let audience = Audience::users(["u1", "u2", "u1"]).and_depts([10, 20]);
/// assert_eq!(audience.user_ids().len(), 3); // the plan removes the second "u1"
/// assert_eq!(audience.dept_ids().len(), 2);
/// assert!(!audience.is_all_users());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Listed users and departments.
    Listed {
        /// The user ids, in the order given.
        user_ids: UserIds,
        /// The department ids, in the order given.
        dept_ids: Vec<DeptId>,
    },
    /// Every user of the organization (`to_all_user`): one send, internal apps only, at most
    /// 3 times a day per app.
    AllUsers,
}

impl Audience {
    /// These users.
    pub fn users<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::Listed {
            user_ids: ids.into_iter().collect(),
            dept_ids: Vec::new(),
        }
    }

    /// These departments.
    pub fn depts<I, D>(ids: I) -> Self
    where
        I: IntoIterator<Item = D>,
        D: Into<DeptId>,
    {
        Self::Listed {
            user_ids: UserIds::new(),
            dept_ids: ids.into_iter().map(Into::into).collect(),
        }
    }

    /// Every user of the organization.
    pub fn all_users() -> Self {
        Self::AllUsers
    }

    /// Adds users; no effect on [`Audience::AllUsers`], which already holds everyone.
    #[must_use]
    pub fn and_users<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if let Self::Listed { user_ids, .. } = &mut self {
            user_ids.extend(ids);
        }
        self
    }

    /// Adds departments; no effect on [`Audience::AllUsers`].
    #[must_use]
    pub fn and_depts<I, D>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = D>,
        D: Into<DeptId>,
    {
        if let Self::Listed { dept_ids, .. } = &mut self {
            dept_ids.extend(ids.into_iter().map(Into::into));
        }
        self
    }

    /// The listed user ids (none for [`Audience::AllUsers`]).
    pub fn user_ids(&self) -> &UserIds {
        static NONE: UserIds = UserIds::new();
        match self {
            Self::Listed { user_ids, .. } => user_ids,
            Self::AllUsers => &NONE,
        }
    }

    /// The listed departments (none for [`Audience::AllUsers`]).
    pub fn dept_ids(&self) -> &[DeptId] {
        match self {
            Self::Listed { dept_ids, .. } => dept_ids,
            Self::AllUsers => &[],
        }
    }

    /// Whether it is every user.
    pub fn is_all_users(&self) -> bool {
        matches!(self, Self::AllUsers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_to_all_users_changes_nothing() {
        let a = Audience::all_users().and_users(["u1"]).and_depts([3]);
        assert_eq!(a, Audience::AllUsers);
        assert!(a.user_ids().is_empty() && a.dept_ids().is_empty());
    }

    #[test]
    fn listed_keeps_the_order_given() {
        let a = Audience::depts([5, 1])
            .and_users(["b", "a"])
            .and_users(["c"]);
        assert_eq!(a.user_ids(), ["b", "a", "c"]);
        assert_eq!(a.dept_ids(), [DeptId(5), DeptId(1)]);
    }
}
