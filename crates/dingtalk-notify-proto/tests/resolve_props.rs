//! Properties of the resolution plan over random organisations: everyone below the roots
//! is found exactly once with exactly the departments they sit in, each department is
//! walked once with two calls, and hostile answers never panic it.

mod resolve_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use dingtalk_notify_proto::resolve::{AudienceQuery, Resolution, ResolveConfig, ResolveStep};
use proptest::prelude::*;
use resolve_support::{Org, drive};

/// A random tree of up to 40 departments (each department's parent is an earlier one) and
/// up to 60 people in 1 to 3 departments each.
fn org_strategy() -> impl Strategy<Value = (Vec<u64>, Vec<(Vec<usize>, bool)>)> {
    (1usize..40).prop_flat_map(|n| {
        let parents = (1..n).map(|i| 0..i).collect::<Vec<_>>();
        let people =
            prop::collection::vec((prop::collection::vec(0..n, 1..4), any::<bool>()), 0..60);
        (parents, people)
            .prop_map(|(parents, people)| (parents.into_iter().map(|p| p as u64).collect(), people))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn everyone_below_the_roots_once_with_their_departments(
        (parents, people) in org_strategy(),
        root_pick in any::<prop::sample::Index>(),
        exclude in any::<bool>(),
    ) {
        // Department i has id i + 1; department 0 (id 1) is the root, and it exists even
        // when it has no sub-departments and nobody in it (a missing department is
        // `resolve_walk.rs`'s case, not this one).
        let mut org = Org::default();
        org.children.entry(1).or_default();
        for (i, parent) in parents.iter().enumerate() {
            org = org.dept(parent + 1, i as u64 + 2);
        }
        for (i, (depts, active)) in people.iter().enumerate() {
            let mut ids: Vec<u64> = depts.iter().map(|d| *d as u64 + 1).collect();
            ids.dedup();
            org = org.person(&format!("p{i}"), &ids, *active);
        }
        let n = parents.len() + 1;
        let root = root_pick.index(n) as u64 + 1;
        // The expected subtree, from the parent list.
        let mut below = BTreeSet::from([root]);
        for (i, parent) in parents.iter().enumerate() {
            if below.contains(&(parent + 1)) {
                below.insert(i as u64 + 2);
            }
        }
        let mut expected: BTreeMap<String, (BTreeSet<u64>, bool)> = BTreeMap::new();
        for person in &org.people {
            let inside: BTreeSet<u64> = person.depts.iter().copied().filter(|d| below.contains(d)).collect();
            if !inside.is_empty() {
                expected.insert(person.userid.clone(), (inside, person.active));
            }
        }
        let query = AudienceQuery::new().dept_tree(root);
        let config = ResolveConfig::default().exclude_inactive(exclude).page_size(7);
        let run = drive(Resolution::new(&query, config), &mut org, Instant::now(), 100_000);
        let audience = run.result.expect("resolved");
        prop_assert!(audience.unresolved().is_empty(), "{:?}", audience.unresolved());
        let mut seen = BTreeSet::new();
        for person in audience.recipients().chain(audience.inactive()) {
            prop_assert!(seen.insert(person.userid().to_owned()), "{} twice", person.userid());
            let depts: BTreeSet<u64> = person.departments().map(|d| d.get()).collect();
            let (want, active) = &expected[person.userid()];
            prop_assert_eq!(&depts, want);
            prop_assert_eq!(person.departments().count(), want.len(), "no department twice");
            let listed_inactive = audience.inactive().any(|p| p.userid() == person.userid());
            prop_assert_eq!(listed_inactive, exclude && !active);
        }
        prop_assert_eq!(seen.len(), expected.len());
        let walked: BTreeSet<u64> = audience.departments().iter().map(|d| d.get()).collect();
        prop_assert_eq!(&walked, &below);
        for dept in &below {
            prop_assert_eq!(org.calls_for("/topapi/v2/department/listsubid", *dept), 1);
        }
        if !exclude {
            prop_assert_eq!(audience.calls() as usize, 2 * below.len());
        }
    }

    #[test]
    fn hostile_answers_never_panic_or_spin(bodies in prop::collection::vec(
        prop_oneof![
            Just(r#"{"errcode":0,"result":{"dept_id_list":[2,3]}}"#.to_owned()),
            Just(r#"{"errcode":0,"result":{"userid_list":["a","b",""]}}"#.to_owned()),
            Just(r#"{"errcode":0,"result":{"has_more":true,"next_cursor":"5","list":[{"userid":"c","active":false}]}}"#.to_owned()),
            Just(r#"{"errcode":90018}"#.to_owned()),
            Just(r#"{"status":1111,"wait":99999999999}"#.to_owned()),
            Just(r#"{"errcode":60003}"#.to_owned()),
            Just(r#"{"errcode":90020}"#.to_owned()),
            ".{0,40}",
        ],
        1..60,
    ), exclude in any::<bool>()) {
        let query = AudienceQuery::new().whole_organization().mobiles(["13800138000"]).union_ids(["u"]);
        let mut resolution = Resolution::new(&query, ResolveConfig::default().exclude_inactive(exclude));
        let mut now = Instant::now();
        for body in &bodies {
            match resolution.next(now) {
                Ok(ResolveStep::Call(_)) => {
                    let _ = resolution.answer_response(now, http::Response::new(body.as_bytes()));
                }
                Ok(ResolveStep::Wait(w)) => {
                    prop_assert!(w > Duration::ZERO && w <= Duration::from_secs(15 * 60));
                    now += w;
                }
                Ok(_) | Err(_) => break,
            }
            // The state always saves and loads.
            let saved = serde_json::to_string(&resolution).expect("saves");
            let _: Resolution = serde_json::from_str(&saved).expect("loads");
        }
    }
}
