//! Loading the org file (its format is in the module docs) into a [`Directory`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::directory::{Directory, Person, ROOT_DEPT_ID, UserBehaviour};

/// Why an org file was refused.
///
/// ```
/// use dingtalk_notify_mock::{Directory, OrgError};
///
/// let err = Directory::from_json(r#"{"users": [{"userid": "a", "departments": [7]}]}"#)
///     .unwrap_err();
/// assert!(matches!(err, OrgError::UnknownDepartment { ref user, dept: 7 } if user == "a"));
/// assert_eq!(err.to_string(), "user \"a\" sits in department 7, which the file does not list");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OrgError {
    /// The file could not be read.
    #[error("cannot read the org file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not JSON of the org file's shape.
    #[error("the org file is not valid: at {path} (line {line}, column {column}): {message}")]
    Malformed {
        /// Where in the document (`users[3].active`), `.` for the top.
        path: String,
        /// The line (1-based; 0 if unknown).
        line: usize,
        /// The column (1-based; 0 if unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A department id of 0.
    #[error("department ids are positive integers; 0 is not one")]
    ZeroDepartment,
    /// A department listed twice.
    #[error("department {0} is listed twice")]
    DuplicateDepartment(u64),
    /// The root given a parent.
    #[error("department 1 is the root and has no parent (it was given {0})")]
    RootWithParent(u64),
    /// A parent that is not listed.
    #[error("department {dept} has parent {parent}, which the file does not list")]
    UnknownParent {
        /// The department.
        dept: u64,
        /// Its parent.
        parent: u64,
    },
    /// Parents that go round in a circle.
    #[error("department {0} is its own ancestor (a cycle of parents)")]
    Cycle(u64),
    /// An empty user id.
    #[error("users[{0}] has an empty userid")]
    EmptyUserId(usize),
    /// A user listed twice.
    #[error("user {0:?} is listed twice")]
    DuplicateUser(String),
    /// A user in a department that is not listed.
    #[error("user {user:?} sits in department {dept}, which the file does not list")]
    UnknownDepartment {
        /// The user.
        user: String,
        /// The department.
        dept: u64,
    },
    /// A mobile number or union id given to two people.
    #[error("{what} {value:?} is given to both {first:?} and {second:?}")]
    SharedIdentifier {
        /// `mobile` or `unionid`.
        what: &'static str,
        /// The value.
        value: String,
        /// The first person.
        first: String,
        /// The second.
        second: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgFile {
    #[serde(default)]
    departments: Vec<DeptEntry>,
    #[serde(default)]
    users: Vec<UserEntry>,
    #[serde(default)]
    accept_any_user: Option<BehaviourName>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeptEntry {
    id: u64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    parent: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    userid: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    departments: Vec<u64>,
    #[serde(default)]
    mobile: Option<String>,
    #[serde(default)]
    unionid: Option<String>,
    #[serde(default = "yes")]
    active: bool,
    #[serde(default)]
    behaviour: Option<BehaviourName>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum BehaviourName {
    Reads,
    Unread,
    Fails,
}

impl From<BehaviourName> for UserBehaviour {
    fn from(b: BehaviourName) -> Self {
        match b {
            BehaviourName::Reads => UserBehaviour::Reads,
            BehaviourName::Unread => UserBehaviour::LeavesUnread,
            BehaviourName::Fails => UserBehaviour::Fails,
        }
    }
}

fn malformed(e: &serde_path_to_error::Error<serde_json::Error>) -> OrgError {
    OrgError::Malformed {
        path: e.path().to_string(),
        line: e.inner().line(),
        column: e.inner().column(),
        message: e.inner().to_string(),
    }
}

/// The departments' parents (the root's is `None`), checked: positive ids listed once,
/// known parents, no cycle.
fn parents(entries: &[DeptEntry]) -> Result<HashMap<u64, Option<u64>>, OrgError> {
    let mut parents: HashMap<u64, Option<u64>> = HashMap::from([(ROOT_DEPT_ID, None)]);
    let mut listed = HashSet::new();
    for d in entries {
        if d.id == 0 {
            return Err(OrgError::ZeroDepartment);
        }
        if !listed.insert(d.id) {
            return Err(OrgError::DuplicateDepartment(d.id));
        }
        match (d.id, d.parent) {
            (ROOT_DEPT_ID, Some(p)) => return Err(OrgError::RootWithParent(p)),
            (ROOT_DEPT_ID, None) => {}
            (id, p) => {
                parents.insert(id, Some(p.unwrap_or(ROOT_DEPT_ID)));
            }
        }
    }
    for d in entries {
        if let Some(Some(p)) = parents.get(&d.id) {
            if !parents.contains_key(p) {
                return Err(OrgError::UnknownParent {
                    dept: d.id,
                    parent: *p,
                });
            }
        }
    }
    // Every chain of parents must reach the root within as many steps as there are
    // departments; one that does not goes round.
    let mut reaches_root: HashSet<u64> = HashSet::from([ROOT_DEPT_ID]);
    for d in entries {
        let mut chain = Vec::new();
        let mut at = d.id;
        while !reaches_root.contains(&at) {
            if chain.len() > parents.len() {
                return Err(OrgError::Cycle(d.id));
            }
            chain.push(at);
            at = match parents.get(&at) {
                Some(Some(p)) => *p,
                _ => return Err(OrgError::Cycle(d.id)),
            };
        }
        reaches_root.extend(chain);
    }
    Ok(parents)
}

impl Directory {
    /// An organisation from the org file's JSON text (the format is in the crate docs).
    ///
    /// ```
    /// use dingtalk_notify_mock::Directory;
    ///
    /// let dir = Directory::from_json(r#"{
    ///     "departments": [{"id": 1, "name": "Acme"}, {"id": 2, "name": "Ops", "parent": 1}],
    ///     "users": [{"userid": "ann", "departments": [1, 2], "mobile": "13800000009"}]
    /// }"#)?;
    /// assert_eq!(dir.department_name(1), Some("Acme"));
    /// assert_eq!(dir.department(2), Some(vec!["ann"]));
    /// assert_eq!(dir.user_by_mobile("13800000009"), Some("ann"));
    /// # Ok::<(), dingtalk_notify_mock::OrgError>(())
    /// ```
    ///
    /// # Errors
    /// [`OrgError`]: not the file's shape (with the place), or an inconsistent organisation.
    pub fn from_json(text: &str) -> Result<Directory, OrgError> {
        // serde would take a struct from an array too; the file is one object.
        if !text.trim_start().starts_with('{') {
            return Err(OrgError::Malformed {
                path: ".".to_owned(),
                line: 1,
                column: 1,
                message: "the org file is one JSON object, {\"departments\": […], \"users\": […]}"
                    .to_owned(),
            });
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let file: OrgFile = serde_path_to_error::deserialize(&mut de).map_err(|e| malformed(&e))?;
        de.end().map_err(|e| OrgError::Malformed {
            path: ".".to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let parents = parents(&file.departments)?;
        let mut dir = Directory::new();
        for d in &file.departments {
            let parent = parents
                .get(&d.id)
                .copied()
                .flatten()
                .unwrap_or(ROOT_DEPT_ID);
            let name = d.name.clone().unwrap_or_else(|| {
                dir.department_name(d.id)
                    .map_or_else(|| format!("Department {}", d.id), str::to_owned)
            });
            dir = dir.with_department_named(d.id, &name, parent);
        }
        let mut mobiles: HashMap<&str, &str> = HashMap::new();
        let mut unionids: HashMap<&str, &str> = HashMap::new();
        for (n, u) in file.users.iter().enumerate() {
            if u.userid.trim().is_empty() {
                return Err(OrgError::EmptyUserId(n));
            }
            if dir.person(&u.userid).is_some() {
                return Err(OrgError::DuplicateUser(u.userid.clone()));
            }
            if let Some(&dept) = u.departments.iter().find(|d| !parents.contains_key(d)) {
                return Err(OrgError::UnknownDepartment {
                    user: u.userid.clone(),
                    dept,
                });
            }
            for (what, value, seen) in [
                ("mobile", &u.mobile, &mut mobiles),
                ("unionid", &u.unionid, &mut unionids),
            ] {
                if let Some(value) = value {
                    if let Some(first) = seen.insert(value, &u.userid) {
                        return Err(OrgError::SharedIdentifier {
                            what,
                            value: value.clone(),
                            first: first.to_owned(),
                            second: u.userid.clone(),
                        });
                    }
                }
            }
            let mut p = Person::new(u.userid.clone())
                .departments(u.departments.iter().copied())
                .active(u.active)
                .behaviour(u.behaviour.map_or(UserBehaviour::Reads, Into::into));
            if let Some(name) = &u.name {
                p = p.name(name.clone());
            }
            if let Some(m) = &u.mobile {
                p = p.mobile(m.clone());
            }
            if let Some(x) = &u.unionid {
                p = p.unionid(x.clone());
            }
            dir = dir.with_person(p);
        }
        if let Some(b) = file.accept_any_user {
            dir = dir.accept_any_user(b.into());
        }
        Ok(dir)
    }

    /// An organisation from an org file (see [`Directory::from_json`]).
    ///
    /// # Errors
    /// [`OrgError::Io`] if the file cannot be read, else as [`Directory::from_json`].
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Directory, OrgError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| OrgError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text)
    }
}
