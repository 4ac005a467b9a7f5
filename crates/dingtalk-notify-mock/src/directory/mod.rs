//! [`Directory`]: the simulated organisation, its departments (a tree under the root, 1) and
//! its people ([`Person`]).

mod lookup;
mod person;
mod tree;

use std::collections::BTreeMap;

use lookup::Lookup;
use tree::Dept;

pub use person::Person;

/// The root department's id, as on DingTalk.
pub const ROOT_DEPT_ID: u64 = 1;

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

/// The organisation the simulator delivers to and answers the contact calls from: a tree
/// of departments under the root (1), each with a name and direct members, and people
/// ([`Person`]: user id, name, departments, mobile, union id, active, [`UserBehaviour`]).
///
/// A user id that is not in the directory lands in `invalid_user_id_list`, an unknown
/// department id in `invalid_dept_id_list`. A send to a department reaches its members and
/// the members of every department below it (the `asyncsend_v2` page: "接收者是部门ID时，包括子部门下的所有用户"),
/// and `to_all_user` reaches every person, each once. [`accept_any_user`] makes unknown ids
/// valid instead, handy for load tests with generated ids.
///
/// Build one in code (below), load one from a JSON file ([`Directory::from_json_file`],
/// the format is in the crate docs), or generate a large one ([`Directory::generated`]).
///
/// ```
/// use dingtalk_notify_mock::{Directory, UserBehaviour};
///
/// let dir = Directory::new()
///     .with_user("alice", UserBehaviour::Reads)
///     .with_user("bob", UserBehaviour::LeavesUnread)
///     .with_users((0..3).map(|i| format!("load{i}")), UserBehaviour::Reads)
///     .with_department(10, ["alice", "bob", "carol"]) // carol is added as a reader
///     .with_department_named(11, "Night shift", 10)
///     .with_department(11, ["dora"]);
/// assert_eq!(dir.behaviour("carol"), Some(UserBehaviour::Reads));
/// assert_eq!(dir.behaviour("mallory"), None);
/// assert_eq!(dir.department(10).map(|m| m.len()), Some(3));
/// assert_eq!(dir.sub_departments(10), Some(vec![11]));
/// assert_eq!(dir.reach(10), Some(vec!["alice", "bob", "carol", "dora"]));
/// assert_eq!(dir.len(), 7);
///
/// let open = Directory::new().accept_any_user(UserBehaviour::LeavesUnread);
/// assert_eq!(open.behaviour("anyone"), Some(UserBehaviour::LeavesUnread));
/// ```
///
/// [`accept_any_user`]: Directory::accept_any_user
#[derive(Debug, Clone)]
pub struct Directory {
    people: Vec<Person>,
    index: Lookup,
    by_mobile: Lookup,
    by_unionid: Lookup,
    departments: BTreeMap<u64, Dept>,
    any_user: Option<UserBehaviour>,
}

impl Default for Directory {
    fn default() -> Self {
        Self::new()
    }
}

impl Directory {
    /// An organisation with the root department (1) and nobody: every user id is invalid.
    pub fn new() -> Self {
        let mut departments = BTreeMap::new();
        departments.insert(ROOT_DEPT_ID, Dept::new(ROOT_DEPT_ID, None));
        Self {
            people: Vec::new(),
            index: Lookup::default(),
            by_mobile: Lookup::default(),
            by_unionid: Lookup::default(),
            departments,
            any_user: None,
        }
    }

    /// The six demo users, used by default by [`MockServer::builder`](crate::MockServer::builder).
    ///
    /// | user | behaviour | departments | mobile | union id |
    /// |---|---|---|---|---|
    /// | `manager4220` | reads | 1, 200 | 13800000001 | `union-manager4220` |
    /// | `user123` | reads | 1 | 13800000002 | `union-user123` |
    /// | `alice` | reads | 1, 100 | 13800000003 | `union-alice` |
    /// | `bob` | leaves unread | 1, 100 | 13800000004 | `union-bob` |
    /// | `carol` | leaves unread | 1, 200 | 13800000005 | `union-carol` |
    /// | `dave` | fails | 1, 100 | 13800000006 | `union-dave` |
    ///
    /// Department 1 is the whole company ("Demo Corp"), 100 is engineering and 200 is sales,
    /// both directly under 1. For a few hundred people in a three-level tree around these
    /// six, see [`Directory::demo_org`].
    pub fn demo() -> Self {
        let users = [
            ("manager4220", UserBehaviour::Reads),
            ("user123", UserBehaviour::Reads),
            ("alice", UserBehaviour::Reads),
            ("bob", UserBehaviour::LeavesUnread),
            ("carol", UserBehaviour::LeavesUnread),
            ("dave", UserBehaviour::Fails),
        ];
        let mut dir = Self::new()
            .with_department_named(ROOT_DEPT_ID, "Demo Corp", ROOT_DEPT_ID)
            .with_department_named(100, "Engineering", ROOT_DEPT_ID)
            .with_department_named(200, "Sales", ROOT_DEPT_ID);
        for (n, (id, behaviour)) in (1u64..).zip(users) {
            dir = dir.with_person(
                Person::new(id)
                    .mobile(format!("{}", 13_800_000_000 + n))
                    .unionid(format!("union-{id}"))
                    .behaviour(behaviour),
            );
        }
        dir.with_department(100, ["alice", "bob", "dave"])
            .with_department(200, ["carol", "manager4220"])
    }

    /// Adds a user (in the root department), or changes the behaviour of one already
    /// listed.
    #[must_use]
    pub fn with_user(mut self, id: impl Into<String>, behaviour: UserBehaviour) -> Self {
        self.set_behaviour_or_add(id.into(), behaviour);
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
            self.set_behaviour_or_add(id.into(), behaviour);
        }
        self
    }

    /// Adds a person, or replaces the one with their user id. Departments not yet known are
    /// created under the root; a person given no department sits in the root.
    #[must_use]
    pub fn with_person(mut self, person: Person) -> Self {
        self.put(person);
        self
    }

    /// Adds (or replaces) a department's direct members; members not yet listed are added as
    /// users who read, in this department only. A new department goes under the root.
    #[must_use]
    pub fn with_department<I, S>(mut self, id: u64, members: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ensure_dept(id);
        let old = self
            .departments
            .get_mut(&id)
            .map(|d| std::mem::take(&mut d.members))
            .unwrap_or_default();
        for i in old {
            if let Some(p) = self.people.get_mut(i) {
                p.departments.retain(|d| *d != id);
            }
        }
        let mut list: Vec<usize> = Vec::new();
        for member in members {
            let member = member.into();
            let i = match self.index_of(&member) {
                Some(i) => i,
                None => self.put(Person::new(member).department(id)),
            };
            if !list.contains(&i) {
                list.push(i);
                if let Some(p) = self.people.get_mut(i) {
                    if !p.departments.contains(&id) {
                        p.departments.push(id);
                    }
                }
            }
        }
        if let Some(d) = self.departments.get_mut(&id) {
            d.members = list;
        }
        self
    }

    /// Names a department and puts it under `parent` (created under the root if unknown),
    /// creating it if needed; its members stay. The root (1) keeps no parent. A parent that
    /// would make a cycle (the department itself or one below it) is refused: the
    /// department keeps its place.
    #[must_use]
    pub fn with_department_named(mut self, id: u64, name: &str, parent: u64) -> Self {
        self.ensure_dept(id);
        if let Some(d) = self.departments.get_mut(&id) {
            name.clone_into(&mut d.name);
        }
        if id != ROOT_DEPT_ID {
            self.ensure_dept(parent);
            if self.is_within(parent, id) {
                log::debug!("mock: department {id} cannot go under {parent}: a cycle");
            } else {
                self.reparent(id, parent);
            }
        }
        self
    }

    /// Makes every user id valid: ids not listed behave as `behaviour` (they are still not
    /// part of `to_all_user`, a department or the contact calls).
    #[must_use]
    pub fn accept_any_user(mut self, behaviour: UserBehaviour) -> Self {
        self.any_user = Some(behaviour);
        self
    }

    /// How a user behaves; `None` for an id the directory does not know (an invalid user).
    /// A person who never activated their account cannot read: [`UserBehaviour::Reads`]
    /// becomes [`UserBehaviour::LeavesUnread`].
    pub fn behaviour(&self, id: &str) -> Option<UserBehaviour> {
        match self.index_of(id) {
            Some(i) => self.people.get(i).map(Person::effective_behaviour),
            None => self.any_user,
        }
    }

    /// The person with this user id.
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.index_of(id).and_then(|i| self.people.get(i))
    }

    /// The user id of the person with this mobile number.
    pub fn user_by_mobile(&self, mobile: &str) -> Option<&str> {
        let i = self.by_mobile.get(mobile, |i| {
            self.people.get(i).and_then(|p| p.mobile.as_deref())
        })?;
        self.id_at(i)
    }

    /// The user id of the person with this union id.
    pub fn user_by_unionid(&self, unionid: &str) -> Option<&str> {
        let i = self.by_unionid.get(unionid, |i| {
            self.people.get(i).and_then(|p| p.unionid.as_deref())
        })?;
        self.id_at(i)
    }

    /// Every listed user with their behaviour (as [`behaviour`](Directory::behaviour)
    /// says), in the order added.
    pub fn users(&self) -> impl Iterator<Item = (&str, UserBehaviour)> {
        self.people
            .iter()
            .map(|p| (&*p.id, p.effective_behaviour()))
    }

    /// Every person, in the order added.
    pub fn people(&self) -> impl Iterator<Item = &Person> {
        self.people.iter()
    }

    /// The number of listed users.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// Whether no user is listed.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The person at an index.
    pub(crate) fn person_at(&self, i: usize) -> Option<&Person> {
        self.people.get(i)
    }

    fn id_at(&self, i: usize) -> Option<&str> {
        self.people.get(i).map(|p| &*p.id)
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id, |i| self.id_at(i))
    }

    fn set_behaviour_or_add(&mut self, id: String, behaviour: UserBehaviour) {
        match self.index_of(&id).and_then(|i| self.people.get_mut(i)) {
            Some(p) => p.behaviour = behaviour,
            None => {
                self.put(Person::new(id).behaviour(behaviour));
            }
        }
    }

    /// Adds or replaces a person; returns their index.
    fn put(&mut self, mut person: Person) -> usize {
        if person.departments.is_empty() {
            person.departments.push(ROOT_DEPT_ID);
        }
        let i = match self.index_of(&person.id) {
            Some(i) => {
                self.unlink(i);
                i
            }
            None => {
                let i = self.people.len();
                self.index.insert(&person.id, i);
                self.people.push(Person::new(&*person.id));
                i
            }
        };
        for &d in &person.departments {
            self.ensure_dept(d);
            if let Some(dept) = self.departments.get_mut(&d) {
                dept.members.push(i);
            }
        }
        if let Some(m) = &person.mobile {
            self.by_mobile.insert(m, i);
        }
        if let Some(u) = &person.unionid {
            self.by_unionid.insert(u, i);
        }
        if let Some(slot) = self.people.get_mut(i) {
            *slot = person;
        }
        i
    }

    /// Removes person `i` from their departments and lookups (before a replacement).
    fn unlink(&mut self, i: usize) {
        let Some(p) = self.people.get(i) else {
            return;
        };
        for d in &p.departments {
            if let Some(dept) = self.departments.get_mut(d) {
                dept.members.retain(|&m| m != i);
            }
        }
        if let Some(m) = &p.mobile {
            self.by_mobile.remove(m, i);
        }
        if let Some(u) = &p.unionid {
            self.by_unionid.remove(u, i);
        }
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
        assert_eq!(d.department(1).map(|m| m.len()), Some(6));
        assert_eq!(d.department(100), Some(vec!["alice", "bob", "dave"]));
        assert_eq!(d.department(200), Some(vec!["carol", "manager4220"]));
        assert!(d.department(999).is_none());
        assert_eq!(d.department_ids().count(), 3);
        assert_eq!(d.sub_departments(1), Some(vec![100, 200]));
        assert_eq!(d.reach(1).map(|m| m.len()), Some(6));
        assert_eq!(d.user_by_mobile("13800000003"), Some("alice"));
        assert_eq!(d.user_by_unionid("union-carol"), Some("carol"));
        assert_eq!(d.person("alice").map(Person::dept_ids), Some(&[1, 100][..]));
    }

    #[test]
    fn re_adding_a_user_changes_behaviour_without_duplicating() {
        let d = Directory::new()
            .with_user("a", UserBehaviour::Reads)
            .with_user("a", UserBehaviour::Fails);
        assert_eq!(d.len(), 1);
        assert_eq!(d.behaviour("a"), Some(UserBehaviour::Fails));
    }

    #[test]
    fn replacing_a_person_moves_their_departments_and_lookups() {
        let d = Directory::new()
            .with_person(Person::new("a").mobile("1").unionid("u").department(5))
            .with_person(Person::new("a").mobile("2").department(6));
        assert_eq!(d.len(), 1);
        assert_eq!(d.department(5), Some(vec![]));
        assert_eq!(d.department(6), Some(vec!["a"]));
        assert_eq!(d.user_by_mobile("1"), None);
        assert_eq!(d.user_by_mobile("2"), Some("a"));
        assert_eq!(d.user_by_unionid("u"), None);
    }

    #[test]
    fn a_cycle_is_refused_and_walks_end() {
        let d = Directory::new()
            .with_department_named(2, "a", 1)
            .with_department_named(3, "b", 2)
            .with_department_named(2, "a", 3)
            .with_department(3, ["x"]);
        assert_eq!(d.parent_of(2), Some(1));
        assert_eq!(d.reach(1), Some(vec!["x"]));
    }
}
