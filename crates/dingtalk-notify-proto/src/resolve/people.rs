//! [`People`]: every person found, once, with the departments they were found in, kept
//! compact (a user id each, department indices rather than copies of ids or names).

use std::collections::{HashMap, HashSet};

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// "Found without a department" (by mobile or union id).
pub(super) const NO_DEPT: u32 = u32::MAX;

/// The people found so far, in the order they were found.
///
/// Columns: `ids[p]` is person `p`'s user id, `home[p]` the first department (an index
/// into the resolution's department table) they were found in, `extra` the further
/// (person, department) pairs, `inactive[p]` whether they never activated their account.
#[derive(Debug, Clone, Default)]
pub(super) struct People {
    ids: Vec<Box<str>>,
    home: Vec<u32>,
    extra: Vec<(u32, u32)>,
    inactive: Vec<bool>,
    // Derived from the columns, rebuilt on load.
    index: HashMap<Box<str>, u32>,
    extra_set: HashSet<(u32, u32)>,
}

/// The columns as they are stored.
#[derive(Deserialize)]
pub(super) struct PeopleColumns {
    ids: Vec<Box<str>>,
    home: Vec<u32>,
    extra: Vec<(u32, u32)>,
    inactive: Vec<bool>,
}

impl Serialize for People {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("People", 4)?;
        st.serialize_field("ids", &self.ids)?;
        st.serialize_field("home", &self.home)?;
        st.serialize_field("extra", &self.extra)?;
        st.serialize_field("inactive", &self.inactive)?;
        st.end()
    }
}

impl People {
    /// The store of `columns`, checked against `depts` departments.
    ///
    /// # Errors
    /// What is inconsistent (a checkpoint that was edited or cut).
    pub(super) fn from_columns(columns: PeopleColumns, depts: usize) -> Result<Self, String> {
        let PeopleColumns {
            ids,
            home,
            extra,
            inactive,
        } = columns;
        let n = ids.len();
        if home.len() != n || inactive.len() != n {
            return Err("the people's columns differ in length".to_owned());
        }
        if u32::try_from(n).is_err() {
            return Err("too many people".to_owned());
        }
        let dept_ok = |d: u32| d == NO_DEPT || usize::try_from(d).is_ok_and(|d| d < depts);
        if !home.iter().all(|d| dept_ok(*d)) {
            return Err("a person's department is out of range".to_owned());
        }
        if !extra
            .iter()
            .all(|(p, d)| *d != NO_DEPT && dept_ok(*d) && usize::try_from(*p).is_ok_and(|p| p < n))
        {
            return Err("a membership is out of range".to_owned());
        }
        let mut index = HashMap::with_capacity(n);
        for (p, id) in ids.iter().enumerate() {
            // n fits in u32 (checked above).
            let p = u32::try_from(p).map_err(|_| "too many people".to_owned())?;
            if index.insert(id.clone(), p).is_some() {
                return Err(format!("user id {id:?} is listed twice"));
            }
        }
        let extra_set = extra.iter().copied().collect();
        Ok(Self {
            ids,
            home,
            extra,
            inactive,
            index,
            extra_set,
        })
    }

    /// Records that `userid` sits in department `dept` (or [`NO_DEPT`]); `inactive` marks
    /// an account never activated. Returns whether the person is new.
    pub(super) fn add(&mut self, userid: &str, dept: u32, inactive: bool) -> bool {
        if let Some(&p) = self.index.get(userid) {
            let slot = p as usize;
            if inactive {
                if let Some(flag) = self.inactive.get_mut(slot) {
                    *flag = true;
                }
            }
            let Some(home) = self.home.get_mut(slot) else {
                return false;
            };
            if dept != NO_DEPT && *home != dept {
                if *home == NO_DEPT {
                    *home = dept;
                } else if self.extra_set.insert((p, dept)) {
                    self.extra.push((p, dept));
                }
            }
            return false;
        }
        let Ok(p) = u32::try_from(self.ids.len()) else {
            return false;
        };
        let id: Box<str> = userid.into();
        self.index.insert(id.clone(), p);
        self.ids.push(id);
        self.home.push(dept);
        self.inactive.push(inactive);
        true
    }

    /// How many people.
    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Person `p`'s user id, first department and inactivity.
    pub(super) fn get(&self, p: usize) -> Option<(&str, u32, bool)> {
        Some((self.ids.get(p)?, *self.home.get(p)?, *self.inactive.get(p)?))
    }

    /// Drops what only adding needs (the lookup index), once nobody is added any more.
    pub(super) fn freeze(&mut self) {
        self.index = HashMap::new();
        self.extra_set = HashSet::new();
    }

    /// The further (person, department) pairs, sorted by person (for lookups by range).
    pub(super) fn sorted_extra(&self) -> Vec<(u32, u32)> {
        let mut extra = self.extra.clone();
        extra.sort_unstable();
        extra
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_kept_once_with_every_department() {
        let mut people = People::default();
        assert!(people.add("u1", 0, false));
        assert!(!people.add("u1", 1, false));
        assert!(!people.add("u1", 1, false), "the same membership twice");
        assert!(!people.add("u1", 0, true));
        assert!(people.add("u2", NO_DEPT, false));
        assert!(!people.add("u2", 2, false));
        assert_eq!(people.len(), 2);
        assert_eq!(people.get(0), Some(("u1", 0, true)));
        assert_eq!(people.get(1), Some(("u2", 2, false)));
        assert_eq!(people.sorted_extra(), [(0, 1)]);
    }

    #[test]
    fn a_stored_store_is_checked_when_loaded() {
        let mut people = People::default();
        people.add("u1", 0, false);
        people.add("u1", 1, false);
        let json = serde_json::to_string(&people).unwrap();
        let columns: PeopleColumns = serde_json::from_str(&json).unwrap();
        let back = People::from_columns(columns, 2).unwrap();
        assert_eq!(back.get(0), people.get(0));
        assert!(!back.clone().add("u1", 1, false), "the index is rebuilt");
        let columns: PeopleColumns = serde_json::from_str(&json).unwrap();
        assert!(
            People::from_columns(columns, 1).is_err(),
            "department 1 of 1"
        );
        let bad = r#"{"ids":["a","a"],"home":[0,0],"extra":[],"inactive":[false,false]}"#;
        assert!(People::from_columns(serde_json::from_str(bad).unwrap(), 1).is_err());
        let bad = r#"{"ids":["a"],"home":[],"extra":[],"inactive":[false]}"#;
        assert!(People::from_columns(serde_json::from_str(bad).unwrap(), 1).is_err());
    }
}
