//! [`Lookup`]: people by a text key (user id, mobile, union id) without a second copy of
//! the text: a 64-bit hash of the key to a person's index, checked against the person, so
//! a generated organisation of 100,000 people stays small.

use std::collections::HashMap;
use std::collections::hash_map::{DefaultHasher, Entry};
use std::hash::{Hash, Hasher};

/// Keys to indices: one index per hash, the rare others (two keys, one hash) aside.
#[derive(Debug, Clone, Default)]
pub(super) struct Lookup {
    first: HashMap<u64, usize>,
    more: HashMap<u64, Vec<usize>>,
}

fn hash(key: &str) -> u64 {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl Lookup {
    /// The index whose key (as `key_of` tells) is `key`.
    pub(super) fn get<'a>(
        &self,
        key: &str,
        key_of: impl Fn(usize) -> Option<&'a str>,
    ) -> Option<usize> {
        let h = hash(key);
        let hit = |i: &usize| key_of(*i) == Some(key);
        self.first
            .get(&h)
            .copied()
            .filter(hit)
            .or_else(|| self.more.get(&h)?.iter().copied().find(hit))
    }

    /// Files index `i` under `key`.
    pub(super) fn insert(&mut self, key: &str, i: usize) {
        let h = hash(key);
        match self.first.entry(h) {
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
            Entry::Occupied(_) => self.more.entry(h).or_default().push(i),
        }
    }

    /// Removes index `i` from under `key`.
    pub(super) fn remove(&mut self, key: &str, i: usize) {
        let h = hash(key);
        if self.first.get(&h) == Some(&i) {
            let next = self.more.get_mut(&h).and_then(Vec::pop);
            match next {
                Some(j) => {
                    self.first.insert(h, j);
                }
                None => {
                    self.first.remove(&h);
                }
            }
        } else if let Some(others) = self.more.get_mut(&h) {
            others.retain(|&j| j != i);
        }
        if self.more.get(&h).is_some_and(Vec::is_empty) {
            self.more.remove(&h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_hash_keeps_both_and_checks_the_key() {
        let keys = ["a", "b", "c"];
        let key_of = |i: usize| keys.get(i).copied();
        let mut l = Lookup::default();
        // Force a collision: file "b" and "c" under "a"'s hash as the others.
        let h = hash("a");
        l.first.insert(h, 0);
        l.more.insert(h, vec![1, 2]);
        assert_eq!(l.get("a", key_of), Some(0));
        assert_eq!(l.get("b", key_of), None, "b's own hash is elsewhere");
        l.remove("a", 0);
        assert_eq!(l.first.get(&h), Some(&2));
        assert_eq!(l.more.get(&h), Some(&vec![1]));
        l.insert("b", 1);
        assert_eq!(l.get("b", key_of), Some(1));
        l.remove("b", 1);
        assert_eq!(l.get("b", key_of), None);
    }
}
