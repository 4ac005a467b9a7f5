//! The department tree: [`Directory`]'s departments, their places and the walks over them.

use std::collections::{BTreeSet, HashSet, VecDeque};

use super::{Directory, ROOT_DEPT_ID};

/// A department: its name, its parent (none for the root), its direct members (indices of
/// people) and its sub-departments.
#[derive(Debug, Clone)]
pub(super) struct Dept {
    pub(super) name: String,
    pub(super) parent: Option<u64>,
    pub(super) members: Vec<usize>,
    pub(super) children: BTreeSet<u64>,
}

impl Dept {
    pub(super) fn new(id: u64, parent: Option<u64>) -> Self {
        Self {
            name: default_name(id),
            parent,
            members: Vec::new(),
            children: BTreeSet::new(),
        }
    }
}

fn default_name(id: u64) -> String {
    if id == ROOT_DEPT_ID {
        "Organisation".to_owned()
    } else {
        format!("Department {id}")
    }
}

impl Directory {
    /// A department's direct members, in order; `None` for an unknown department.
    pub fn department(&self, id: u64) -> Option<Vec<&str>> {
        let d = self.departments.get(&id)?;
        Some(d.members.iter().filter_map(|&i| self.id_at(i)).collect())
    }

    /// A department's name; `None` for an unknown department.
    pub fn department_name(&self, id: u64) -> Option<&str> {
        self.departments.get(&id).map(|d| d.name.as_str())
    }

    /// A department's parent; `None` for the root and for an unknown department.
    pub fn parent_of(&self, id: u64) -> Option<u64> {
        self.departments.get(&id).and_then(|d| d.parent)
    }

    /// A department's sub-departments, one level, ascending; `None` for an unknown one.
    pub fn sub_departments(&self, id: u64) -> Option<Vec<u64>> {
        let d = self.departments.get(&id)?;
        Some(d.children.iter().copied().collect())
    }

    /// Everyone a send to this department reaches: its members, then those of the
    /// departments below it, breadth first, each person once; `None` for an unknown one.
    pub fn reach(&self, id: u64) -> Option<Vec<&str>> {
        self.departments.get(&id)?;
        let mut seen_dept = HashSet::new();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut queue = VecDeque::from([id]);
        while let Some(d) = queue.pop_front() {
            let Some(dept) = self.departments.get(&d) else {
                continue;
            };
            if !seen_dept.insert(d) {
                continue;
            }
            for &i in &dept.members {
                if seen.insert(i) {
                    out.extend(self.id_at(i));
                }
            }
            queue.extend(dept.children.iter().copied());
        }
        Some(out)
    }

    /// Every department id, ascending.
    pub fn department_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.departments.keys().copied()
    }

    /// The number of departments, the root included.
    pub fn department_count(&self) -> usize {
        self.departments.len()
    }

    /// A department's direct members as indices (for paging).
    pub(crate) fn member_indices(&self, id: u64) -> Option<&[usize]> {
        self.departments.get(&id).map(|d| d.members.as_slice())
    }

    pub(super) fn ensure_dept(&mut self, id: u64) {
        if let std::collections::btree_map::Entry::Vacant(slot) = self.departments.entry(id) {
            slot.insert(Dept::new(id, Some(ROOT_DEPT_ID)));
            if let Some(root) = self.departments.get_mut(&ROOT_DEPT_ID) {
                root.children.insert(id);
            }
        }
    }

    /// Whether `id` is `ancestor` or lies below it.
    pub(super) fn is_within(&self, id: u64, ancestor: u64) -> bool {
        let mut at = Some(id);
        let mut steps = 0usize;
        while let Some(d) = at {
            if d == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.departments.len() {
                return false;
            }
            at = self.parent_of(d);
        }
        false
    }

    pub(super) fn reparent(&mut self, id: u64, parent: u64) {
        let old = self.departments.get(&id).and_then(|d| d.parent);
        if let Some(old) = old.and_then(|p| self.departments.get_mut(&p)) {
            old.children.remove(&id);
        }
        if let Some(d) = self.departments.get_mut(&id) {
            d.parent = Some(parent);
        }
        if let Some(p) = self.departments.get_mut(&parent) {
            p.children.insert(id);
        }
    }
}
