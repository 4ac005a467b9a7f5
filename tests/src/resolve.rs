//! Resolution scenarios over the client, generic over the transport: departments, phone
//! numbers and whole organisations resolved against the simulator's organisation (issue 21,
//! item 7). The oracle is the simulator's own directory (`Directory`, written from the
//! reference pages, never from the core's types) and its call counts, not the plan's
//! beliefs.
//!
//! Sources: listsubid, listid, v2/user/list and getbymobile as in
//! `/work/shared/spec/audience-and-media.md`; 90018 is the per-app QPS limit on contact
//! calls (20 a second per API on the standard plan), 90020 the organisation's monthly quota.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use dingtalk_notify::resolve::{
    AudienceQuery, ResolveAudienceError, ResolveConfig, ResolvedAudience, SavedAnswer,
};
use dingtalk_notify::{Client, ErrorCode};
use dingtalk_notify_mock::{Calls, Directory, Fault, MockServerBuilder, Person, Route};

use crate::harness::{Harness, TransportSettings, demo_app, harness_with};
use crate::scenarios::TestTransport;

fn org_harness<T: TestTransport>(
    make: fn(TransportSettings) -> T,
    configure: impl FnOnce(MockServerBuilder) -> MockServerBuilder,
) -> Harness<T> {
    harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        configure,
    )
}

/// Every recipient with the set of departments it was found in.
fn people(audience: &ResolvedAudience) -> BTreeMap<String, BTreeSet<u64>> {
    let mut out = BTreeMap::new();
    for p in audience.recipients() {
        let depts = p.departments().map(|d| d.get()).collect();
        assert!(
            out.insert(p.userid().to_owned(), depts).is_none(),
            "{} is listed twice",
            p.userid()
        );
    }
    out
}

/// What the simulator's directory says: every person with their departments.
fn directory_people(
    dir: &Directory,
    keep: impl Fn(&Person) -> bool,
) -> BTreeMap<String, BTreeSet<u64>> {
    dir.people()
        .filter(|p| keep(p))
        .map(|p| (p.id().to_owned(), p.dept_ids().iter().copied().collect()))
        .collect()
}

fn resolve<T: TestTransport>(
    client: &Client<T>,
    query: &AudienceQuery,
    config: ResolveConfig,
) -> Result<ResolvedAudience, ResolveAudienceError<T::Error>> {
    client.resolver(query).config(config).run()
}

/// Root 1 → Sales 2 → Sales East 3; HR 4 under the root. Alice sits in Sales East and HR.
fn three_levels() -> Directory {
    Directory::new()
        .with_department_named(2, "Sales", 1)
        .with_department_named(3, "Sales East", 2)
        .with_department_named(4, "HR", 1)
        .with_person(Person::new("ceo").department(1))
        .with_person(Person::new("sam").department(2))
        .with_person(Person::new("alice").departments([3, 4]))
        .with_person(Person::new("eve").department(3))
        .with_person(Person::new("hank").department(4).mobile("13800000004"))
}

/// A three-level tree where a person sits in two departments: each person once, with both
/// departments; a subtree resolves to its own people only.
pub fn three_level_tree_each_person_once_with_both_departments<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = org_harness(make, |b| b.directory(three_levels()));
    let whole = resolve(
        &h.client,
        &AudienceQuery::new().whole_organization(),
        ResolveConfig::default(),
    )
    .expect("resolves");
    let expected = directory_people(&three_levels(), |_| true);
    assert_eq!(people(&whole), expected);
    assert_eq!(expected["alice"], BTreeSet::from([3, 4]));
    assert!(whole.unresolved().is_empty());
    assert_eq!(whole.departments().len(), 4);

    let sales = resolve(
        &h.client,
        &AudienceQuery::new().dept_tree(2).dept_tree(3),
        ResolveConfig::default(),
    )
    .expect("resolves");
    let ids: BTreeSet<&str> = sales.user_ids().collect();
    assert_eq!(ids, BTreeSet::from(["alice", "eve", "sam"]));
    // Two contact calls per department (sub-departments, then members), nothing more.
    assert_eq!(h.server.contact_calls(Route::Any), 4 * 2 + 2 * 2);
}

/// A walk of 10,000 people. At the default pace the simulator never answers 90018; driven
/// faster than the limit it does, and not one reaches the caller: the client waits them
/// out on its clock and the result is complete.
pub fn ten_thousand_people_paced_under_90018<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let dir = || Directory::generated(10_000, 3);
    let expected = directory_people(&dir(), |_| true);
    let query = AudienceQuery::new().whole_organization();

    let h = org_harness(make, |b| b.directory(dir()));
    let started = h.clock.client.elapsed();
    let audience = resolve(&h.client, &query, ResolveConfig::default()).expect("resolves");
    assert_eq!(people(&audience), expected);
    assert_eq!(audience.recipient_count(), 10_000);
    assert_eq!(
        h.server.contact_throttled(Route::Any),
        0,
        "no 90018 at 15 a second"
    );
    let depts = dir().department_count() as u64;
    assert_eq!(h.server.contact_calls(Route::Any), 2 * depts);
    // 1,000 calls at 15 a second take at least 66 s of (virtual) time.
    let took = h.clock.client.elapsed() - started;
    assert!(took >= Duration::from_secs(66), "{took:?}");

    let h = org_harness(make, |b| b.directory(dir()));
    let eager = ResolveConfig::default().per_second(60);
    let audience = resolve(&h.client, &query, eager).expect("no 90018 reaches the caller");
    assert_eq!(people(&audience), expected);
    let throttled = h.server.contact_throttled(Route::Any);
    assert!(throttled > 0, "the simulator answered 90018");
    assert_eq!(audience.calls(), 2 * depts + throttled);
}

/// A phone number nobody has is reported (not found, 60121) and the rest are resolved.
pub fn unknown_mobile_is_reported_and_the_rest_resolved<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let dir = Directory::generated(200, 5);
    let h = org_harness(make, |b| b.directory(dir.clone()));
    let known = ["13000000007", "13000000042", "13000000199"];
    let query = AudienceQuery::new()
        .mobiles(known)
        .mobiles(["13999999999", "not-a-phone"])
        .union_ids(["union-u3"]);
    let audience = resolve(&h.client, &query, ResolveConfig::default()).expect("resolves");
    let ids: BTreeSet<&str> = audience.user_ids().collect();
    let expected: BTreeSet<&str> = known
        .iter()
        .chain(&["union-u3"])
        .map(|m| {
            dir.user_by_mobile(m)
                .or_else(|| dir.user_by_unionid(m))
                .expect("in the org")
        })
        .collect();
    assert_eq!(ids, expected);
    let unresolved: Vec<(String, &str, Option<ErrorCode>)> = audience
        .unresolved()
        .iter()
        .map(|u| (u.input.to_string(), u.reason.name(), u.code))
        .collect();
    assert_eq!(
        unresolved,
        [
            ("mobile not-a-phone".to_owned(), "invalid", None),
            (
                "mobile 13999999999".to_owned(),
                "not_found",
                Some(ErrorCode::new(60121))
            ),
        ]
    );
    // The invalid number never left the process.
    assert_eq!(h.server.contact_calls(Route::UserGetByMobile), 4);
}

/// Inactive people are left out when asked, and listed apart; otherwise kept.
pub fn inactive_people_excluded_when_asked_and_listed<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let dir = Directory::generated(1_000, 9);
    let h = org_harness(make, |b| b.directory(dir.clone()));
    let query = AudienceQuery::new().whole_organization();
    let audience = resolve(
        &h.client,
        &query,
        ResolveConfig::default().exclude_inactive(true),
    )
    .expect("resolves");
    let active = directory_people(&dir, Person::is_active);
    let inactive: BTreeSet<&str> = dir
        .people()
        .filter(|p| !p.is_active())
        .map(Person::id)
        .collect();
    assert!(
        !inactive.is_empty(),
        "the generated org has inactive people"
    );
    assert_eq!(people(&audience), active);
    assert_eq!(
        audience
            .inactive()
            .map(|p| p.userid())
            .collect::<BTreeSet<_>>(),
        inactive
    );
    assert!(
        h.server.contact_calls(Route::UserList) > 0,
        "v2/user/list reads active"
    );

    let kept = resolve(&h.client, &query, ResolveConfig::default()).expect("resolves");
    assert_eq!(kept.recipient_count(), 1_000);
    assert_eq!(kept.inactive().count(), 0);
}

/// 90020 (the monthly quota) stops the resolution with a typed error that says what it
/// means, and is never retried.
pub fn monthly_quota_stops_at_once<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = org_harness(make, |b| b.directory(three_levels()));
    h.server
        .inject(Route::UserListId, Calls::All, Fault::ErrCode(90020));
    let error = resolve(
        &h.client,
        &AudienceQuery::new().whole_organization(),
        ResolveConfig::default(),
    )
    .expect_err("90020 ends it");
    assert!(
        matches!(
            error,
            ResolveAudienceError::MonthlyQuotaExceeded { calls: 2, .. }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("monthly"), "{error}");
    assert_eq!(
        h.server.requests_to(Route::UserListId).len(),
        1,
        "never retried"
    );
}

/// A resolution interrupted after `k` saved answers resumes from them: the resumed run makes
/// exactly the calls the saved answers did not cover, and the result is the same.
pub fn replay_after_interruption_makes_no_call_for_what_was_saved<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let dir = || Directory::generated(2_000, 11);
    let query = AudienceQuery::new()
        .whole_organization()
        .mobiles(["13000000005", "13999999999"]);
    let config = ResolveConfig::default();

    // The uninterrupted run, for comparison.
    let h = org_harness(make, |b| b.directory(dir()));
    let full = resolve(&h.client, &query, config).expect("resolves");
    let total = h.server.contact_calls(Route::Any);
    assert_eq!(full.calls(), total);

    let h = org_harness(make, |b| b.directory(dir()));
    let k = 37;
    let mut saved: Vec<SavedAnswer> = Vec::new();
    let mut crash_after_k =
        |a: &SavedAnswer| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            if saved.len() == k {
                return Err("the process died".into());
            }
            saved.push(a.clone());
            Ok(())
        };
    let error = h
        .client
        .resolver(&query)
        .config(config)
        .on_answer(&mut crash_after_k)
        .run()
        .expect_err("interrupted");
    assert!(
        matches!(error, ResolveAudienceError::Checkpoint(_)),
        "{error:?}"
    );
    assert_eq!(saved.len(), k);
    let before = h.server.contact_calls(Route::Any);
    assert_eq!(
        before,
        k as u64 + 1,
        "the answers saved and the one in flight"
    );

    h.clock.advance(Duration::from_secs(5));
    let mut more = Vec::new();
    let resumed = h
        .client
        .resolver(&query)
        .config(config)
        .resume_from(&saved)
        .on_answer(&mut more)
        .run()
        .expect("resumes");
    let after = h.server.contact_calls(Route::Any);
    assert_eq!(
        after - before,
        total - k as u64,
        "nothing saved is asked again"
    );
    assert_eq!(resumed.calls(), total - k as u64);
    assert_eq!(saved.len() + more.len(), full.calls() as usize);
    assert_eq!(people(&resumed), people(&full));
    // u5 is found by the walk and by their mobile: once, with their departments only.
    assert_eq!(people(&full), directory_people(&dir(), |_| true));
    assert_eq!(full.unresolved().len(), 1);
    assert_eq!(resumed.unresolved(), full.unresolved());

    // A saved list of another query is refused before any call.
    let other = AudienceQuery::new().mobiles(["13000000005"]);
    let refused = h
        .client
        .resolver(&other)
        .resume_from(&saved)
        .run()
        .expect_err("does not fit");
    assert!(
        matches!(
            refused,
            ResolveAudienceError::SavedAnswerMismatch { index: 0, .. }
        ),
        "{refused:?}"
    );
    assert_eq!(h.server.contact_calls(Route::Any), after);
}

/// Expands every resolution scenario into a `#[test]` over the transport that
/// `$make: fn(TransportSettings) -> T` builds.
#[macro_export]
macro_rules! resolve_matrix {
    ($make:path) => {
        $crate::resolve_matrix!(@tests $make;
            three_level_tree_each_person_once_with_both_departments,
            ten_thousand_people_paced_under_90018,
            unknown_mobile_is_reported_and_the_rest_resolved,
            inactive_people_excluded_when_asked_and_listed,
            monthly_quota_stops_at_once,
            replay_after_interruption_makes_no_call_for_what_was_saved,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::resolve::$name($make);
            }
        )*
    };
}
