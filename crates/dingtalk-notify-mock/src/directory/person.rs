//! [`Person`]: one member of the simulated organisation, as the contact calls show them.

use super::UserBehaviour;

/// A person of the organisation: a user id, a name, the departments they sit in, a mobile
/// number and a union id (both optional), whether they activated their account, and what
/// they do with a notification ([`UserBehaviour`]).
///
/// People who never activated their account (`active: false` in `topapi/v2/user/list`)
/// cannot read anything: a notification reaches them and stays unread, whatever their
/// behaviour says (unless they [fail](UserBehaviour::Fails)).
///
/// ```
/// use dingtalk_notify_mock::{Directory, Person, UserBehaviour};
///
/// let dir = Directory::new()
///     .with_department_named(10, "Sales", 1)
///     .with_person(
///         Person::new("erin")
///             .name("Erin")
///             .mobile("13800000042")
///             .unionid("unionErin")
///             .departments([1, 10])
///             .inactive(),
///     );
/// let erin = dir.person("erin").unwrap();
/// assert_eq!(erin.mobile_number(), Some("13800000042"));
/// assert_eq!(erin.dept_ids(), [1, 10]);
/// assert!(!erin.is_active());
/// // Never activated: reached, but never reads.
/// assert_eq!(dir.behaviour("erin"), Some(UserBehaviour::LeavesUnread));
/// assert_eq!(dir.user_by_mobile("13800000042"), Some("erin"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub(super) id: Box<str>,
    pub(super) name: Option<Box<str>>,
    pub(super) mobile: Option<Box<str>>,
    pub(super) unionid: Option<Box<str>>,
    pub(super) active: bool,
    pub(super) behaviour: UserBehaviour,
    pub(super) departments: Vec<u64>,
}

impl Person {
    /// A person with this user id: active, a reader, in no department yet (a directory
    /// puts a person without departments in the root department, 1).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into().into_boxed_str(),
            name: None,
            mobile: None,
            unionid: None,
            active: true,
            behaviour: UserBehaviour::Reads,
            departments: Vec::new(),
        }
    }

    /// Their display name (default: the user id).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Their mobile number, for `topapi/v2/user/getbymobile`.
    #[must_use]
    pub fn mobile(mut self, mobile: impl Into<String>) -> Self {
        self.mobile = Some(mobile.into().into_boxed_str());
        self
    }

    /// Their union id, for `topapi/user/getbyunionid`.
    #[must_use]
    pub fn unionid(mut self, unionid: impl Into<String>) -> Self {
        self.unionid = Some(unionid.into().into_boxed_str());
        self
    }

    /// Marks them as never having activated their account (`active: false`).
    #[must_use]
    pub fn inactive(self) -> Self {
        self.active(false)
    }

    /// Whether they activated their account (default `true`).
    #[must_use]
    pub fn active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }

    /// What they do with a notification (default [`UserBehaviour::Reads`]).
    #[must_use]
    pub fn behaviour(mut self, behaviour: UserBehaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// Adds a department they sit in (a person may sit in several).
    #[must_use]
    pub fn department(mut self, id: u64) -> Self {
        if !self.departments.contains(&id) {
            self.departments.push(id);
        }
        self
    }

    /// Adds the departments they sit in.
    #[must_use]
    pub fn departments(self, ids: impl IntoIterator<Item = u64>) -> Self {
        ids.into_iter().fold(self, Person::department)
    }

    /// The user id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The display name (the user id if none was given).
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// The mobile number, if any.
    pub fn mobile_number(&self) -> Option<&str> {
        self.mobile.as_deref()
    }

    /// The union id, if any.
    pub fn union_id(&self) -> Option<&str> {
        self.unionid.as_deref()
    }

    /// Whether they activated their account.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Their behaviour as given (see [`Directory::behaviour`](super::Directory::behaviour)
    /// for the one that applies).
    pub fn given_behaviour(&self) -> UserBehaviour {
        self.behaviour
    }

    /// The departments they sit in, in the order given.
    pub fn dept_ids(&self) -> &[u64] {
        &self.departments
    }

    /// The behaviour that applies: a person who never activated cannot read.
    pub(crate) fn effective_behaviour(&self) -> UserBehaviour {
        match self.behaviour {
            UserBehaviour::Reads if !self.active => UserBehaviour::LeavesUnread,
            other => other,
        }
    }
}
