//! [`Directory::generated`]: a large organisation, the same for the same size and seed.

use crate::directory::{Directory, Person, ROOT_DEPT_ID, UserBehaviour};

/// The most people [`Directory::generated`] makes (larger sizes are cut to it).
pub const MAX_GENERATED_PEOPLE: usize = 2_000_000;

/// People per department in a generated organisation.
const PER_DEPT: usize = 20;
/// Sub-departments per department in a generated organisation.
const FANOUT: u64 = 8;
/// The first generated mobile number.
const FIRST_MOBILE: u64 = 13_000_000_000;

/// SplitMix64's finaliser: a well-mixed 64-bit value from a seed and an index, so each
/// person's flags are independent of their neighbours' and the same on every run. Not a
/// random generator (no state, no crate needed): a fixed function of its input.
fn mix(seed: u64, i: u64) -> u64 {
    let mut z = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Directory {
    /// A deterministic organisation of `people` people (at most [`MAX_GENERATED_PEOPLE`]),
    /// the same for the same `people` and `seed`:
    ///
    /// - **Departments** `1..=D`, `D = ceil(people / 20)` (at least 1): department `k ≥ 2`
    ///   sits under `(k - 2) / 8 + 1` (a tree eight wide, several levels deep for large
    ///   sizes; 5,000 departments for 100,000 people, six levels), named `Department k`
    ///   (the root: `Generated Corp`).
    /// - **Person** `i` (`0 ≤ i < people`): user id `u{i}`, name `Person {i}`, mobile
    ///   `13000000000 + i`, union id `union-u{i}`, first department `1 + i / 20` (about 20
    ///   direct members per department).
    /// - **From the seed**, per person, with `h` a 64-bit mix of `seed` and `i`: about one
    ///   in ten also sits in a second department, `1 + (h / 10) % D`, when `h % 10 == 0`
    ///   and that is not their first; about one in twenty never activated
    ///   (`(h >> 8) % 20 == 0`); about one in ten leaves notifications unread
    ///   (`(h >> 16) % 10 == 0`) and one in fifty fails (`(h >> 24) % 50 == 0`); the rest
    ///   read.
    ///
    /// ```
    /// use dingtalk_notify_mock::Directory;
    ///
    /// let org = Directory::generated(1_000, 7);
    /// assert_eq!(org.len(), 1_000);
    /// assert_eq!(org.department_count(), 50);
    /// assert_eq!(org.user_by_mobile("13000000042"), Some("u42"));
    /// assert_eq!(org.user_by_unionid("union-u42"), Some("u42"));
    /// assert_eq!(org.parent_of(10), Some(2));
    /// assert!(org.department(3).unwrap().contains(&"u40"));
    /// ```
    pub fn generated(people: usize, seed: u64) -> Directory {
        let people = people.min(MAX_GENERATED_PEOPLE);
        let depts = u64::try_from(people.div_ceil(PER_DEPT).max(1)).unwrap_or(1);
        let mut dir =
            Directory::new().with_department_named(ROOT_DEPT_ID, "Generated Corp", ROOT_DEPT_ID);
        for k in 2..=depts {
            let parent = (k - 2) / FANOUT + 1;
            dir = dir.with_department_named(k, &format!("Department {k}"), parent);
        }
        let total = u64::try_from(people).unwrap_or(0);
        for n in 0..total {
            let h = mix(seed, n);
            let first = n / (PER_DEPT as u64) + 1;
            let mut person = Person::new(format!("u{n}"))
                .name(format!("Person {n}"))
                .mobile((FIRST_MOBILE + n).to_string())
                .unionid(format!("union-u{n}"))
                .department(first);
            let second = 1 + (h / 10) % depts;
            if h % 10 == 0 && second != first {
                person = person.department(second);
            }
            if (h >> 8) % 20 == 0 {
                person = person.inactive();
            }
            if (h >> 16) % 10 == 0 {
                person = person.behaviour(UserBehaviour::LeavesUnread);
            } else if (h >> 24) % 50 == 0 {
                person = person.behaviour(UserBehaviour::Fails);
            }
            dir = dir.with_person(person);
        }
        dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_organisation() {
        let a = Directory::generated(500, 3);
        let b = Directory::generated(500, 3);
        let c = Directory::generated(500, 4);
        let shape = |d: &Directory| {
            d.people()
                .map(|p| (p.dept_ids().to_vec(), p.is_active(), p.given_behaviour()))
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&a), shape(&b));
        assert_ne!(shape(&a), shape(&c));
    }

    #[test]
    fn sizes_are_capped_and_tiny_ones_have_a_root() {
        let one = Directory::generated(1, 0);
        assert_eq!((one.len(), one.department_count()), (1, 1));
        let none = Directory::generated(0, 0);
        assert_eq!((none.len(), none.department_count()), (0, 1));
    }
}
