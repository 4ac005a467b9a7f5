//! [`Directory`]: the simulated organization's users and departments.

use std::collections::{BTreeMap, HashMap};

/// What a user does with a notification, which decides the list they land in once delivery
/// completes (before completion every delivered user is unread).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserBehaviour {
    /// Reads it: `read_user_id_list`.
    Reads,
    /// Leaves it unread: `unread_user_id_list`.
    LeavesUnread,
    /// Cannot be reached: `failed_user_id_list` (and no delivery is counted).
    Fails,
}

/// The organization the simulator delivers to: users (each with a [`UserBehaviour`]) and
/// departments (lists of users).
///
/// A user id that is not in the directory lands in `invalid_user_id_list`, an unknown
/// department id in `invalid_dept_id_list`, and `to_all_user` reaches every directory user
/// (unless [`accept_any_user`](Directory::accept_any_user) is set, which makes unknown ids
/// valid instead, handy for load tests with generated ids).
///
/// ```
/// use dingtalk_notify_mock::{Directory, UserBehaviour};
///
/// let dir = Directory::new()
///     .with_user("alice", UserBehaviour::Reads)
///     .with_user("bob", UserBehaviour::LeavesUnread)
///     .with_users((0..3).map(|i| format!("load{i}")), UserBehaviour::Reads)
///     .with_department(10, ["alice", "bob", "carol"]); // carol is added as a reader
/// assert_eq!(dir.behaviour("carol"), Some(UserBehaviour::Reads));
/// assert_eq!(dir.behaviour("mallory"), None);
/// assert_eq!(dir.department(10).map(<[String]>::len), Some(3));
/// assert_eq!(dir.len(), 6);
///
/// let open = Directory::new().accept_any_user(UserBehaviour::LeavesUnread);
/// assert_eq!(open.behaviour("anyone"), Some(UserBehaviour::LeavesUnread));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Directory {
    users: Vec<(String, UserBehaviour)>,
    index: HashMap<String, usize>,
    departments: BTreeMap<u64, Vec<String>>,
    any_user: Option<UserBehaviour>,
}

impl Directory {
    /// An empty directory: every user id is invalid.
    pub fn new() -> Self {
        Self::default()
    }

    /// The demo organization, used by default.
    ///
    /// | user | behaviour | departments |
    /// |---|---|---|
    /// | `manager4220` | reads | 1, 200 |
    /// | `user123` | reads | 1 |
    /// | `alice` | reads | 1, 100 |
    /// | `bob` | leaves unread | 1, 100 |
    /// | `carol` | leaves unread | 1, 200 |
    /// | `dave` | fails | 1, 100 |
    ///
    /// Department 1 is the whole company, 100 is engineering, 200 is sales.
    pub fn demo() -> Self {
        Self::new()
            .with_user("manager4220", UserBehaviour::Reads)
            .with_user("user123", UserBehaviour::Reads)
            .with_user("alice", UserBehaviour::Reads)
            .with_user("bob", UserBehaviour::LeavesUnread)
            .with_user("carol", UserBehaviour::LeavesUnread)
            .with_user("dave", UserBehaviour::Fails)
            .with_department(
                1,
                ["manager4220", "user123", "alice", "bob", "carol", "dave"],
            )
            .with_department(100, ["alice", "bob", "dave"])
            .with_department(200, ["carol", "manager4220"])
    }

    /// Adds a user, or changes the behaviour of one already listed.
    #[must_use]
    pub fn with_user(mut self, id: impl Into<String>, behaviour: UserBehaviour) -> Self {
        self.insert(id.into(), behaviour);
        self
    }

    /// Adds several users with one behaviour.
    #[must_use]
    pub fn with_users<I, S>(mut self, ids: I, behaviour: UserBehaviour) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for id in ids {
            self.insert(id.into(), behaviour);
        }
        self
    }

    /// Adds (or replaces) a department with these members; members not yet listed are added
    /// as users who read.
    #[must_use]
    pub fn with_department<I, S>(mut self, id: u64, members: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut list: Vec<String> = Vec::new();
        for member in members {
            let member = member.into();
            if !self.index.contains_key(&member) {
                self.insert(member.clone(), UserBehaviour::Reads);
            }
            if !list.contains(&member) {
                list.push(member);
            }
        }
        self.departments.insert(id, list);
        self
    }

    /// Makes every user id valid: ids not listed behave as `behaviour` (they are still not
    /// part of `to_all_user`).
    #[must_use]
    pub fn accept_any_user(mut self, behaviour: UserBehaviour) -> Self {
        self.any_user = Some(behaviour);
        self
    }

    fn insert(&mut self, id: String, behaviour: UserBehaviour) {
        match self.index.get(&id) {
            Some(&i) => {
                if let Some(slot) = self.users.get_mut(i) {
                    slot.1 = behaviour;
                }
            }
            None => {
                self.index.insert(id.clone(), self.users.len());
                self.users.push((id, behaviour));
            }
        }
    }

    /// How a user behaves; `None` for an id the directory does not know (an invalid user).
    pub fn behaviour(&self, id: &str) -> Option<UserBehaviour> {
        match self.index.get(id) {
            Some(&i) => self.users.get(i).map(|u| u.1),
            None => self.any_user,
        }
    }

    /// A department's members; `None` for an unknown department.
    pub fn department(&self, id: u64) -> Option<&[String]> {
        self.departments.get(&id).map(Vec::as_slice)
    }

    /// Every listed user, in the order added.
    pub fn users(&self) -> impl Iterator<Item = (&str, UserBehaviour)> {
        self.users.iter().map(|(id, b)| (id.as_str(), *b))
    }

    /// Every department id, ascending.
    pub fn department_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.departments.keys().copied()
    }

    /// The number of listed users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether no user is listed.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_the_documented_shape() {
        let d = Directory::demo();
        assert_eq!(d.len(), 6);
        assert_eq!(d.behaviour("dave"), Some(UserBehaviour::Fails));
        assert_eq!(d.behaviour("bob"), Some(UserBehaviour::LeavesUnread));
        assert_eq!(d.department(1).map(<[String]>::len), Some(6));
        assert_eq!(d.department(100).map(<[String]>::len), Some(3));
        assert!(d.department(999).is_none());
        assert_eq!(d.department_ids().count(), 3);
    }

    #[test]
    fn re_adding_a_user_changes_behaviour_without_duplicating() {
        let d = Directory::new()
            .with_user("a", UserBehaviour::Reads)
            .with_user("a", UserBehaviour::Fails);
        assert_eq!(d.len(), 1);
        assert_eq!(d.behaviour("a"), Some(UserBehaviour::Fails));
    }
}
