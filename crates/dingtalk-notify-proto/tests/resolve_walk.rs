//! The resolution plan driven by hand-written answers: the walk, deduplication, pages,
//! inactive people, lookups and their reasons (issue 21, item 2).
//!
//! Answer shapes follow the endpoint pages cited in `contacts_golden.rs`; 60121 for a person
//! who is not found (or left: "如果员工离职,无法通过手机号获取用户的userId",
//! <https://help.dingtalk.io/zh/open/development/obtain-the-userid-of-your-mobile-phone-number>),
//! 40104 for an invalid number, 60003 for a missing department.

mod resolve_support;

use std::time::Instant;

use dingtalk_notify_proto::DeptId;
use dingtalk_notify_proto::resolve::{
    AudienceQuery, Input, Resolution, ResolveConfig, UnresolvedReason,
};
use resolve_support::{Org, depts_of, drive, ids};

/// 1 ─┬─ 2 ── 4
///    └─ 3
/// "x" sits in 3 and 4; "y" in 2; "boss" in 1.
fn three_levels() -> Org {
    Org::default()
        .dept(1, 2)
        .dept(1, 3)
        .dept(2, 4)
        .person("boss", &[1], true)
        .person("y", &[2], true)
        .person("x", &[3, 4], true)
        .person("z", &[4], false)
}

#[test]
fn a_three_level_tree_where_a_person_sits_in_two_departments_sends_them_once() {
    let mut org = three_levels();
    let query = AudienceQuery::new().whole_organization();
    let run = drive(
        Resolution::new(&query, ResolveConfig::default()),
        &mut org,
        Instant::now(),
        1000,
    );
    let audience = run.result.expect("resolved");
    assert_eq!(ids(&audience), ["boss", "y", "x", "z"]);
    assert_eq!(depts_of(&audience, "x"), [3, 4]);
    assert_eq!(depts_of(&audience, "boss"), [1]);
    // Breadth first: 1, then 2 and 3, then 4; each walked once, two calls each.
    assert_eq!(audience.departments(), [1, 2, 3, 4].map(DeptId));
    for dept in [1, 2, 3, 4] {
        assert_eq!(
            org.calls_for("/topapi/v2/department/listsubid", dept),
            1,
            "{dept}"
        );
        assert_eq!(org.calls_for("/topapi/user/listid", dept), 1, "{dept}");
    }
    assert_eq!(audience.calls(), 8);
    assert!(audience.unresolved().is_empty());
    assert!(run.errors.is_empty());
}

#[test]
fn overlapping_trees_walk_each_department_once() {
    let mut org = three_levels();
    let query = AudienceQuery::new().dept_tree(2).dept_tree(4).dept_tree(2);
    let run = drive(
        Resolution::new(&query, ResolveConfig::default()),
        &mut org,
        Instant::now(),
        1000,
    );
    let audience = run.result.expect("resolved");
    assert_eq!(ids(&audience), ["y", "x", "z"]);
    assert_eq!(audience.departments(), [2, 4].map(DeptId));
    assert_eq!(org.log.len(), 4);
}

#[test]
fn inactive_people_are_left_out_and_listed_with_pages_of_details() {
    let mut org = three_levels();
    for i in 0..250 {
        org = org.person(&format!("p{i:03}"), &[3], i % 50 != 0);
    }
    let query = AudienceQuery::new().whole_organization();
    let config = ResolveConfig::default().exclude_inactive(true);
    let run = drive(
        Resolution::new(&query, config),
        &mut org,
        Instant::now(),
        1000,
    );
    let audience = run.result.expect("resolved");
    let inactive: Vec<&str> = audience.inactive().map(|p| p.userid()).collect();
    // Breadth first: department 3 (level 2) before 4 (level 3), where z sits.
    assert_eq!(inactive, ["p000", "p050", "p100", "p150", "p200", "z"]);
    assert_eq!(audience.recipient_count(), 4 + 250 - 6);
    assert!(!ids(&audience).contains(&"z".to_owned()));
    assert_eq!(depts_of(&audience, "z"), [4], "listed with its department");
    // Department 3 holds 251 people: three pages of 100, with cursors 0, 100, 200.
    let cursors: Vec<u64> = org
        .log
        .iter()
        .filter(|(p, b)| p == "/topapi/v2/user/list" && b["dept_id"] == 3)
        .map(|(_, b)| b["cursor"].as_u64().expect("cursor"))
        .collect();
    assert_eq!(cursors, [0, 100, 200]);
    assert_eq!(
        org.calls_for("/topapi/user/listid", 3),
        0,
        "details, not ids"
    );
}

#[test]
fn without_exclusion_inactive_people_are_sent_to() {
    let mut org = three_levels();
    let query = AudienceQuery::new().dept_tree(4);
    let run = drive(
        Resolution::new(&query, ResolveConfig::default()),
        &mut org,
        Instant::now(),
        100,
    );
    let audience = run.result.expect("resolved");
    assert_eq!(ids(&audience), ["x", "z"]);
    assert_eq!(audience.inactive().count(), 0);
}

#[test]
fn mobiles_and_union_ids_map_to_user_ids_with_a_reason_for_each_failure() {
    let mut org = three_levels()
        .mobile("13800138000", "y")
        .mobile("+86-13900139000", "m2")
        .unionid("uid-boss", "boss", 0)
        .unionid("uid-ext", "ext1", 1);
    org.inject(
        "/topapi/v2/user/getbymobile",
        r#"{"errcode":40104,"errmsg":"企业中的手机号码无效"}"#,
    );
    let query = AudienceQuery::new()
        .dept_tree(2)
        .mobiles([
            "13700137000",
            "13800138000",
            "+86-13900139000",
            "1385555xxxx",
            "13800138000",
            "13600136000",
        ])
        .union_ids(["uid-boss", "uid-ext", "uid-none", " "]);
    let run = drive(
        Resolution::new(&query, ResolveConfig::default()),
        &mut org,
        Instant::now(),
        1000,
    );
    let audience = run.result.expect("resolved");
    // y is in department 2 and has a mobile: once. boss by union id, without a department.
    assert_eq!(ids(&audience), ["y", "m2", "boss", "x", "z"]);
    assert_eq!(depts_of(&audience, "y"), [2]);
    assert!(depts_of(&audience, "boss").is_empty());
    let reasons: Vec<(String, UnresolvedReason)> = audience
        .unresolved()
        .iter()
        .map(|u| (u.input.to_string(), u.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("mobile 1385555xxxx".to_owned(), UnresolvedReason::Invalid),
            ("union id ".to_owned(), UnresolvedReason::Invalid),
            ("mobile 13700137000".to_owned(), UnresolvedReason::Invalid),
            ("mobile 13600136000".to_owned(), UnresolvedReason::NotFound),
            (
                "union id uid-ext".to_owned(),
                UnresolvedReason::ExternalContact
            ),
            ("union id uid-none".to_owned(), UnresolvedReason::NotFound),
        ]
    );
    // The invalid ones were refused locally: no call; the duplicate was looked up once.
    let mobiles: Vec<&str> = org
        .log
        .iter()
        .filter_map(|(p, b)| {
            (p == "/topapi/v2/user/getbymobile")
                .then(|| b["mobile"].as_str())
                .flatten()
        })
        .collect();
    assert_eq!(
        mobiles,
        [
            "13700137000",
            "13800138000",
            "+86-13900139000",
            "13600136000"
        ]
    );
}

#[test]
fn a_person_who_left_and_a_missing_department_are_listed_once() {
    let mut org = three_levels();
    // 60121 whose message says the person left (离职): listed as having left.
    org.inject(
        "/topapi/v2/user/getbymobile",
        r#"{"errcode":88,"sub_code":"60121","sub_msg":"该用户已离职","errmsg":"ding talk error[subcode=60121,submsg=该用户已离职]"}"#,
    );
    let query = AudienceQuery::new()
        .dept_tree(99)
        .dept_tree(3)
        .mobiles(["13800138000"]);
    let run = drive(
        Resolution::new(&query, ResolveConfig::default()),
        &mut org,
        Instant::now(),
        100,
    );
    let audience = run.result.expect("resolved");
    assert_eq!(ids(&audience), ["x"]);
    let unresolved = audience.unresolved();
    assert_eq!(unresolved.len(), 2, "{unresolved:?}");
    assert_eq!(unresolved[0].input, Input::Department(DeptId(99)));
    assert_eq!(unresolved[0].reason, UnresolvedReason::DepartmentNotFound);
    assert_eq!(unresolved[0].code.map(|c| c.get()), Some(60003));
    assert_eq!(unresolved[1].reason, UnresolvedReason::LeftOrganization);
    // Department 99's second call was not made once the first said it does not exist.
    assert_eq!(org.calls_for("/topapi/user/listid", 99), 0);
    assert_eq!(
        unresolved[1].to_string(),
        "mobile 13800138000: left the organization (errcode 60121)"
    );
}

#[test]
fn department_zero_is_invalid_without_a_call() {
    let mut org = three_levels();
    let query = AudienceQuery::new().dept_tree(0);
    let run = drive(
        Resolution::new(&query, ResolveConfig::default()),
        &mut org,
        Instant::now(),
        10,
    );
    let audience = run.result.expect("resolved");
    assert_eq!(audience.recipient_count(), 0);
    assert_eq!(audience.unresolved()[0].reason, UnresolvedReason::Invalid);
    assert!(org.log.is_empty());
}
