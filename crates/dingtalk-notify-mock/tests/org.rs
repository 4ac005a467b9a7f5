//! The simulator's organisation (issue 21, item 5): an org file, the six contact endpoints
//! on the wire with hand-written JSON, the per-app QPS limit, and sends that reach a
//! department's whole subtree.
//!
//! Shapes and codes, from the published pages and SDKs that call these endpoints
//! (/work/shared/spec/audience-and-media.md):
//! - `listsubid`: `{"result":{"dept_id_list":[…]}}`, one level only; `listsub`:
//!   `{"result":[{"dept_id","name","parent_id"}]}`, one level, the root when `dept_id` is
//!   absent (godoos `server/pkg/dingtalk/payload/dept.go`: "只支持查询下一级子部门").
//! - `v2/user/list`: `cursor` from 0, `size` at most 100, `{"result":{"has_more",
//!   "next_cursor","list":[{"userid","name","active",…}]}}` (same file; 1Panel-dev/CordysCRM
//!   `UserListPage.java`).
//! - `getbyunionid`: `{"result":{"contact_type":0,"userid":…}}`, 0 an employee
//!   (zhangchaoxu/onex-boot `GetUserIdByUnionidResponse.java`).
//! - `getbymobile`: 40104 invalid mobile, 60121 no such user, people who left cannot be
//!   found; 60003 an unknown department (the spec's table).
//! - 90018: the per-app, per-API QPS limit, "wait 1 s"; 20 calls a second on the standard
//!   plan (developer.aliyun.com/ask/615474: "钉钉标准版 QPS频次限制为20qps").
//! - 90020: "您的企业本月api调用量已超过限制" (dingtalk.com/qidian/help-detail-1061621972).
//! - A send to a department reaches its sub-departments: "接收者是部门ID时，包括子部门下的所有用户"
//!   (the asyncsend_v2 page, as quoted on docs.rs/dingtalk-rs `ParamsWorkNotificationSend`).

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, Directory, Fault, MockServer, OrgError, Route, UserBehaviour,
};
use serde_json::{Value, json};

const LISTSUBID: &str = "/topapi/v2/department/listsubid";
const LISTSUB: &str = "/topapi/v2/department/listsub";
const LISTID: &str = "/topapi/user/listid";
const USER_LIST: &str = "/topapi/v2/user/list";
const BY_MOBILE: &str = "/topapi/v2/user/getbymobile";
const BY_UNIONID: &str = "/topapi/user/getbyunionid";

/// Acme: 1 → 10 Engineering (11 Platform, 12 Apps), 20 Sales (21 North). `plat2` sits in
/// Platform and North; `app1` never activated; `north1` leaves unread, `north2` fails.
const ACME: &str = r#"{
  "departments": [
    {"id": 1, "name": "Acme"},
    {"id": 11, "name": "Platform", "parent": 10},
    {"id": 10, "name": "Engineering"},
    {"id": 12, "name": "Apps", "parent": 10},
    {"id": 20, "name": "Sales", "parent": 1},
    {"id": 21, "name": "North", "parent": 20}
  ],
  "users": [
    {"userid": "ceo", "name": "The CEO", "mobile": "13900000001", "unionid": "un-ceo"},
    {"userid": "eng1", "departments": [10], "mobile": "13900000002", "unionid": "un-eng1"},
    {"userid": "plat1", "departments": [11], "mobile": "13900000003"},
    {"userid": "plat2", "departments": [11, 21], "mobile": "+86-13900000004", "unionid": "un-plat2"},
    {"userid": "app1", "departments": [12], "active": false},
    {"userid": "north1", "departments": [21], "behaviour": "unread"},
    {"userid": "north2", "departments": [21], "behaviour": "fails"}
  ]
}"#;

fn acme() -> MockServer {
    MockServer::builder()
        .frozen_clock()
        .directory(Directory::from_json(ACME).unwrap())
        .start()
        .unwrap()
}

fn ok(v: Value) -> Value {
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["errmsg"], "ok", "{v}");
    assert!(v["request_id"].is_string(), "{v}");
    v["result"].clone()
}

fn ints(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

#[test]
fn a_walk_of_the_tree_finds_every_department_and_person_once() {
    let server = acme();
    let t = token(&server);
    // Breadth first from the root, one level per call, as a caller must.
    let mut queue = VecDeque::from([1u64]);
    let mut order = Vec::new();
    let mut people = BTreeSet::new();
    let mut sightings = 0;
    while let Some(dept) = queue.pop_front() {
        order.push(dept);
        let sub = ok(post(&server, LISTSUBID, &t, &json!({"dept_id": dept})));
        queue.extend(ints(&sub["dept_id_list"]));
        let members = ok(post(&server, LISTID, &t, &json!({"dept_id": dept})));
        for id in strings(&members["userid_list"]) {
            sightings += 1;
            people.insert(id);
        }
    }
    assert_eq!(order, [1, 10, 20, 11, 12, 21]);
    assert_eq!(people.len(), 7);
    assert_eq!(sightings, 8, "plat2 sits in two departments");
    assert_eq!(server.contact_calls(Route::DepartmentListSubId), 6);
    assert_eq!(server.contact_calls(Route::UserListId), 6);
    assert_eq!(server.contact_calls(Route::Any), 12);

    // Direct members only; the one in two departments is listed in both.
    let plat = ok(post(&server, LISTID, &t, &json!({"dept_id": 11})));
    assert_eq!(strings(&plat["userid_list"]), ["plat1", "plat2"]);
    let north = ok(post(&server, LISTID, &t, &json!({"dept_id": "21"})));
    assert_eq!(
        strings(&north["userid_list"]),
        ["plat2", "north1", "north2"]
    );
    let leaf = ok(post(&server, LISTSUBID, &t, &json!({"dept_id": 21})));
    assert_eq!(leaf, json!({"dept_id_list": []}));
}

#[test]
fn listsub_names_one_level_and_defaults_to_the_root() {
    let server = acme();
    let t = token(&server);
    let eng = ok(post(&server, LISTSUB, &t, &json!({"dept_id": 10})));
    assert_eq!(
        eng,
        json!([
            {"dept_id": 11, "name": "Platform", "parent_id": 10},
            {"dept_id": 12, "name": "Apps", "parent_id": 10}
        ])
    );
    let top = ok(post(&server, LISTSUB, &t, &json!({})));
    assert_eq!(
        top,
        json!([
            {"dept_id": 10, "name": "Engineering", "parent_id": 1},
            {"dept_id": 20, "name": "Sales", "parent_id": 1}
        ])
    );
}

#[test]
fn user_list_pages_with_cursor_size_has_more_and_active() {
    let mut users: Vec<String> = (0..25)
        .map(|i| {
            format!(
                r#"{{"userid": "m{i:02}", "departments": [30], "active": {}}}"#,
                i != 7
            )
        })
        .collect();
    users.push(r#"{"userid": "boss", "departments": [1, 30], "name": "Boss"}"#.to_owned());
    let org = format!(
        r#"{{"departments": [{{"id": 30, "name": "Big"}}], "users": [{}]}}"#,
        users.join(",")
    );
    let server = MockServer::builder()
        .frozen_clock()
        .directory(Directory::from_json(&org).unwrap())
        .start()
        .unwrap();
    let t = token(&server);
    let mut cursor = json!(0);
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    loop {
        let page = ok(post(
            &server,
            USER_LIST,
            &t,
            &json!({"dept_id": 30, "cursor": cursor, "size": 10}),
        ));
        let list = page["list"].as_array().unwrap().clone();
        pages.push(list.len());
        for p in &list {
            seen.push(p["userid"].as_str().unwrap().to_owned());
            if p["userid"] == "m07" {
                assert_eq!(p["active"], false, "{p}");
            } else {
                assert_eq!(p["active"], true, "{p}");
            }
            assert!(p["name"].is_string() && p["dept_id_list"].is_array(), "{p}");
        }
        if page["has_more"] == false {
            assert!(page.get("next_cursor").is_none(), "{page}");
            break;
        }
        cursor = page["next_cursor"].clone();
        assert!(cursor.is_u64(), "{page}");
    }
    assert_eq!(pages, [10, 10, 6]);
    assert_eq!(seen.len(), 26);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 26);
    // The one in two departments shows both, with the name given.
    let boss = ok(post(
        &server,
        USER_LIST,
        &t,
        &json!({"dept_id": 30, "cursor": 25, "size": 1}),
    ));
    assert_eq!(boss["list"][0]["userid"], "boss");
    assert_eq!(boss["list"][0]["name"], "Boss");
    assert_eq!(ints(&boss["list"][0]["dept_id_list"]), [1, 30]);
    // A cursor past the end is an empty last page; a size over 100 is refused.
    let past = ok(post(
        &server,
        USER_LIST,
        &t,
        &json!({"dept_id": 30, "cursor": 99, "size": 5}),
    ));
    assert_eq!(past, json!({"has_more": false, "list": []}));
    let big = post(
        &server,
        USER_LIST,
        &t,
        &json!({"dept_id": 30, "cursor": 0, "size": 101}),
    );
    assert_eq!(big["errcode"], 40035, "{big}");
    let missing = post(&server, USER_LIST, &t, &json!({"dept_id": 30, "size": 5}));
    assert_eq!(
        (missing["errcode"].as_i64(), missing["errmsg"].as_str()),
        (Some(40), Some("Missing parameter cursor"))
    );
}

#[test]
fn lookups_by_mobile_and_union_id_with_not_found_and_invalid() {
    let server = acme();
    let t = token(&server);
    let found = ok(post(
        &server,
        BY_MOBILE,
        &t,
        &json!({"mobile": "13900000002"}),
    ));
    assert_eq!(found, json!({"userid": "eng1"}));
    let intl = ok(post(
        &server,
        BY_MOBILE,
        &t,
        &json!({"mobile": "+86-13900000004", "support_exclusive_account_search": true}),
    ));
    assert_eq!(
        intl,
        json!({"userid": "plat2", "exclusive_account_userid_list": []})
    );

    // Nobody has it (someone who left is not in the organisation any more): 60121.
    let gone = post(&server, BY_MOBILE, &t, &json!({"mobile": "13900000099"}));
    assert_eq!(gone["errcode"], 60121, "{gone}");
    assert!(gone.get("result").is_none(), "{gone}");
    for bad in ["12ab5678901", "", "123"] {
        let v = post(&server, BY_MOBILE, &t, &json!({"mobile": bad}));
        assert_eq!(v["errcode"], 40104, "{bad}: {v}");
    }
    let v = post(&server, BY_MOBILE, &t, &json!({}));
    assert_eq!(
        (v["errcode"].as_i64(), v["errmsg"].as_str()),
        (Some(40), Some("Missing parameter mobile"))
    );

    let by_union = ok(post(
        &server,
        BY_UNIONID,
        &t,
        &json!({"unionid": "un-plat2"}),
    ));
    assert_eq!(by_union, json!({"contact_type": 0, "userid": "plat2"}));
    let nobody = post(&server, BY_UNIONID, &t, &json!({"unionid": "un-nobody"}));
    assert_eq!(nobody["errcode"], 60121, "{nobody}");
    assert_eq!(server.contact_calls(Route::UserGetByMobile), 7);
    assert_eq!(server.contact_calls(Route::UserGetByUnionId), 2);
}

#[test]
fn unknown_departments_answer_60003_and_tokens_are_checked_as_elsewhere() {
    let server = acme();
    let t = token(&server);
    for (path, body) in [
        (LISTSUBID, json!({"dept_id": 999})),
        (LISTSUB, json!({"dept_id": 999})),
        (LISTID, json!({"dept_id": 999})),
        (USER_LIST, json!({"dept_id": 999, "cursor": 0, "size": 10})),
    ] {
        let v = post(&server, path, &t, &body);
        assert_eq!(v["errcode"], 60003, "{path}: {v}");
        assert!(v.get("sub_code").is_none(), "not wrapped: {v}");
    }
    let v = post(&server, LISTSUBID, &t, &json!({"dept_id": "x"}));
    assert_eq!(
        (v["errcode"].as_i64(), v["errmsg"].as_str()),
        (Some(41), Some("Invalid arguments:dept_id"))
    );
    // A rejected token on a topapi path: 88-wrapped, as on the send calls.
    for path in [LISTSUBID, LISTSUB, LISTID, USER_LIST, BY_MOBILE, BY_UNIONID] {
        assert_wrapped(
            &post(&server, path, "forged", &json!({"dept_id": 1})),
            "40014",
        );
    }
    server.advance(Duration::from_secs(7200));
    assert_wrapped(&post(&server, LISTID, &t, &json!({"dept_id": 1})), "42001");
}

#[test]
fn calls_past_the_qps_within_a_simulator_second_answer_90018() {
    let server = MockServer::builder().frozen_clock().start().unwrap();
    let t = token(&server);
    let list = |server: &MockServer| post(server, LISTID, &t, &json!({"dept_id": 1}));
    for n in 0..20 {
        assert_eq!(list(&server)["errcode"], 0, "call {n}");
    }
    let v = list(&server);
    assert_eq!(v["errcode"], 90018, "{v}");
    assert!(
        v.get("sub_code").is_none() && v.get("result").is_none(),
        "{v}"
    );
    // Per API: another endpoint still answers in the same second.
    assert_eq!(
        post(&server, LISTSUBID, &t, &json!({"dept_id": 1}))["errcode"],
        0
    );
    server.advance(Duration::from_millis(999));
    assert_eq!(list(&server)["errcode"], 90018);
    server.advance(Duration::from_millis(1));
    assert_eq!(list(&server)["errcode"], 0, "a second after the first call");
    assert_eq!(server.contact_calls(Route::UserListId), 23);
    assert_eq!(server.contact_throttled(Route::UserListId), 2);
    assert_eq!(server.contact_throttled(Route::Any), 2);
}

#[test]
fn the_qps_limit_is_a_setting_and_isv_apps_get_90019() {
    let off = MockServer::builder()
        .frozen_clock()
        .contact_qps(None)
        .start()
        .unwrap();
    let t = token(&off);
    for _ in 0..45 {
        assert_eq!(
            post(&off, LISTSUBID, &t, &json!({"dept_id": 1}))["errcode"],
            0
        );
    }
    assert_eq!(off.contact_throttled(Route::Any), 0);

    let two = MockServer::builder()
        .frozen_clock()
        .contact_qps(Some(2))
        .isv_contact_qps(Some(1))
        .start()
        .unwrap();
    let t = token(&two);
    let codes: Vec<i64> = (0..3)
        .map(|_| {
            post(&two, LISTSUBID, &t, &json!({"dept_id": 1}))["errcode"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(codes, [0, 0, 90018]);
    let isv = isv_token(&two);
    let codes: Vec<i64> = (0..2)
        .map(|_| {
            post(&two, LISTSUBID, &isv, &json!({"dept_id": 1}))["errcode"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(codes, [0, 90019]);
}

#[test]
fn the_monthly_quota_and_the_global_limit_can_be_injected() {
    let server = acme();
    let t = token(&server);
    server.inject(Route::UserListId, Calls::First(1), Fault::ErrCode(90020));
    let v = post(&server, LISTID, &t, &json!({"dept_id": 1}));
    assert_eq!(v["errcode"], 90020, "{v}");
    assert!(
        v["errmsg"]
            .as_str()
            .unwrap()
            .contains("本月api调用量已超过限制"),
        "{v}"
    );
    assert_eq!(
        post(&server, LISTID, &t, &json!({"dept_id": 1}))["errcode"],
        0
    );
    server.inject(Route::UserList, Calls::Nth(1), Fault::Code(90002));
    let v = post(
        &server,
        USER_LIST,
        &t,
        &json!({"dept_id": 1, "cursor": 0, "size": 1}),
    );
    assert_eq!(v["errcode"], 90002, "{v}");
}

#[test]
fn sends_to_a_department_reach_its_subtree_and_inactive_people_never_read() {
    let server = acme();
    let t = token(&server);
    let eng = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "dept_id_list": "10", "msg": text("eng")}),
    );
    assert_eq!(
        server.task(eng).unwrap().recipients,
        ["eng1", "plat1", "plat2", "app1"]
    );
    let sales = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "dept_id_list": "20,21", "msg": text("sales")}),
    );
    assert_eq!(
        server.task(sales).unwrap().recipients,
        ["plat2", "north1", "north2"]
    );
    let all = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "to_all_user": true, "msg": text("all")}),
    );
    assert_eq!(server.task(all).unwrap().recipients.len(), 7);
    server.advance(Duration::from_secs(2));
    let sr = result(&server, &t, eng)["send_result"].clone();
    assert_eq!(
        strings(&sr["read_user_id_list"]),
        ["eng1", "plat1", "plat2"]
    );
    assert_eq!(strings(&sr["unread_user_id_list"]), ["app1"]);
    let sr = result(&server, &t, sales)["send_result"].clone();
    assert_eq!(strings(&sr["unread_user_id_list"]), ["north1"]);
    assert_eq!(strings(&sr["failed_user_id_list"]), ["north2"]);
}

#[test]
fn the_demo_org_keeps_the_six_demo_users_and_resolves_in_three_levels() {
    let server = MockServer::builder()
        .frozen_clock()
        .directory(Directory::demo_org())
        .start()
        .unwrap();
    let t = token(&server);
    let top = ok(post(&server, LISTSUBID, &t, &json!({"dept_id": 1})));
    assert_eq!(ints(&top["dept_id_list"]), [100, 200, 300]);
    let eng = ok(post(&server, LISTSUBID, &t, &json!({"dept_id": 100})));
    assert_eq!(ints(&eng["dept_id_list"]), [110, 120, 130]);
    let leaf = ok(post(&server, LISTSUBID, &t, &json!({"dept_id": 110})));
    assert_eq!(ints(&leaf["dept_id_list"]), Vec::<u64>::new());
    let eng_members = ok(post(&server, LISTID, &t, &json!({"dept_id": 100})));
    // The demo users first, then the documented leads staff271..staff273.
    assert_eq!(
        strings(&eng_members["userid_list"]),
        ["alice", "bob", "dave", "staff271", "staff272", "staff273"]
    );
    let alice = ok(post(
        &server,
        BY_MOBILE,
        &t,
        &json!({"mobile": "13800000003"}),
    ));
    assert_eq!(alice["userid"], "alice");
    let staff = ok(post(
        &server,
        BY_UNIONID,
        &t,
        &json!({"unionid": "union-staff042"}),
    ));
    assert_eq!(staff["userid"], "staff042");
    // A send to the whole company reaches everyone: 6 demo users and 279 staff.
    let all = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "dept_id_list": "1", "msg": text("all hands")}),
    );
    assert_eq!(server.task(all).unwrap().recipients.len(), 285);
}

#[test]
fn a_generated_organisation_of_100000_people_is_whole_and_answers_lookups() {
    let org = Directory::generated(100_000, 42);
    assert_eq!(org.len(), 100_000);
    assert_eq!(org.department_count(), 5_000);
    assert_eq!(org.reach(1).map(|r| r.len()), Some(100_000));
    let in_two = org.people().filter(|p| p.dept_ids().len() == 2).count();
    let inactive = org.people().filter(|p| !p.is_active()).count();
    assert!(
        (8_000..12_000).contains(&in_two),
        "about one in ten: {in_two}"
    );
    assert!(
        (4_000..6_000).contains(&inactive),
        "about one in twenty: {inactive}"
    );
    // Derivable as documented: u{i}, mobile 13000000000 + i, union id union-u{i}; person i
    // first sits in department 1 + i / 20; department k >= 2 under (k - 2) / 8 + 1.
    let server = MockServer::builder()
        .frozen_clock()
        .directory(org)
        .start()
        .unwrap();
    let t = token(&server);
    let v = ok(post(
        &server,
        BY_MOBILE,
        &t,
        &json!({"mobile": "13000099999"}),
    ));
    assert_eq!(v["userid"], "u99999");
    let v = ok(post(
        &server,
        BY_UNIONID,
        &t,
        &json!({"unionid": "union-u31337"}),
    ));
    assert_eq!(v["userid"], "u31337");
    let v = post(&server, BY_MOBILE, &t, &json!({"mobile": "13000100000"}));
    assert_eq!(v["errcode"], 60121);
    let top = ok(post(&server, LISTSUBID, &t, &json!({"dept_id": 1})));
    assert_eq!(ints(&top["dept_id_list"]), (2..=9).collect::<Vec<u64>>());
    let last = ok(post(&server, LISTSUBID, &t, &json!({"dept_id": 624})));
    assert_eq!(
        ints(&last["dept_id_list"]),
        (4_986..=4_993).collect::<Vec<u64>>()
    );
    let members = ok(post(&server, LISTID, &t, &json!({"dept_id": 5_000})));
    let members = strings(&members["userid_list"]);
    for i in 99_980..100_000 {
        assert!(members.contains(&format!("u{i}")), "u{i} in {members:?}");
    }
}

#[test]
fn the_same_size_and_seed_give_the_same_organisation() {
    let a = Directory::generated(2_000, 9);
    let b = Directory::generated(2_000, 9);
    let sig = |d: &Directory| {
        d.people()
            .map(|p| {
                format!(
                    "{}{:?}{}{:?}",
                    p.id(),
                    p.dept_ids(),
                    p.is_active(),
                    d.behaviour(p.id())
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(sig(&a), sig(&b));
    assert_ne!(sig(&a), sig(&Directory::generated(2_000, 10)));
}

#[test]
fn org_file_errors_are_typed_and_name_the_culprit() {
    let err = |text: &str| Directory::from_json(text).unwrap_err();
    match err(r#"{"users": [{"userid": "a", "active": "yes"}]}"#) {
        OrgError::Malformed { path, line, .. } => {
            assert_eq!(path, "users[0].active");
            assert_eq!(line, 1);
        }
        other => panic!("{other:?}"),
    }
    match err("{\n  \"users\": [\n    {\"userid\": \"a\",}\n  ]\n}") {
        OrgError::Malformed { line, .. } => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    match err(r#"{"departmens": []}"#) {
        OrgError::Malformed { message, .. } => assert!(message.contains("departmens"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(err("[]"), OrgError::Malformed { .. }));
    assert!(matches!(err(r#"{} {}"#), OrgError::Malformed { .. }));
    assert!(matches!(
        err(r#"{"users": [{"userid": "a", "departments": [5]}]}"#),
        OrgError::UnknownDepartment { ref user, dept: 5 } if user == "a"
    ));
    assert!(matches!(
        err(r#"{"departments": [{"id": 2, "parent": 3}, {"id": 3, "parent": 2}]}"#),
        OrgError::Cycle(2)
    ));
    assert!(matches!(
        err(r#"{"departments": [{"id": 2, "parent": 2}]}"#),
        OrgError::Cycle(2)
    ));
    assert!(matches!(
        err(r#"{"departments": [{"id": 2, "parent": 9}]}"#),
        OrgError::UnknownParent { dept: 2, parent: 9 }
    ));
    assert!(matches!(
        err(r#"{"departments": [{"id": 1, "parent": 2}, {"id": 2}]}"#),
        OrgError::RootWithParent(2)
    ));
    assert!(matches!(
        err(r#"{"departments": [{"id": 0}]}"#),
        OrgError::ZeroDepartment
    ));
    assert!(matches!(
        err(r#"{"departments": [{"id": 4}, {"id": 4}]}"#),
        OrgError::DuplicateDepartment(4)
    ));
    assert!(matches!(
        err(r#"{"users": [{"userid": "a"}, {"userid": "a"}]}"#),
        OrgError::DuplicateUser(ref u) if u == "a"
    ));
    assert!(matches!(
        err(r#"{"users": [{"userid": " "}]}"#),
        OrgError::EmptyUserId(0)
    ));
    let shared =
        err(r#"{"users": [{"userid": "a", "mobile": "138"}, {"userid": "b", "mobile": "138"}]}"#);
    assert_eq!(
        shared.to_string(),
        r#"mobile "138" is given to both "a" and "b""#
    );
    let missing = Directory::from_json_file("/nonexistent/org.json").unwrap_err();
    assert!(matches!(missing, OrgError::Io { .. }), "{missing:?}");
    assert!(
        missing.to_string().contains("/nonexistent/org.json"),
        "{missing}"
    );
}

#[test]
fn an_org_file_with_accept_any_user_delivers_ids_it_does_not_list() {
    let dir = std::env::temp_dir().join(format!("mock-org-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("org.json");
    std::fs::write(
        &path,
        r#"{"users": [{"userid": "known"}], "accept_any_user": "reads"}"#,
    )
    .unwrap();
    let org = Directory::from_json_file(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(org.behaviour("anyone-at-all"), Some(UserBehaviour::Reads));
    let server = MockServer::builder()
        .frozen_clock()
        .directory(org)
        .start()
        .unwrap();
    let t = token(&server);
    let ids: Vec<String> = (0..100).map(|i| format!("mine-{i}")).collect();
    let task = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": ids.join(","), "msg": text("x")}),
    );
    server.advance(Duration::from_secs(2));
    let sr = result(&server, &t, task)["send_result"].clone();
    assert_eq!(strings(&sr["read_user_id_list"]), ids);
    assert_eq!(sr["invalid_user_id_list"], json!([]));
}

#[test]
fn the_org_file_shown_in_the_crate_docs_loads() {
    let docs = include_str!("../src/lib.rs");
    let start = docs.find("//! ```json\n").unwrap() + "//! ```json\n".len();
    let end = start + docs[start..].find("//! ```\n").unwrap();
    let text: String = docs[start..end]
        .lines()
        .map(|l| l.strip_prefix("//!").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let org = Directory::from_json(&text).unwrap();
    assert_eq!(org.department_name(1), Some("Acme"));
    assert_eq!(org.parent_of(3), Some(2));
    assert_eq!(org.person("alice").unwrap().dept_ids(), [2, 3]);
    assert_eq!(org.user_by_unionid("unionAlice"), Some("alice"));
    assert_eq!(org.behaviour("bob"), Some(UserBehaviour::LeavesUnread));
    assert_eq!(
        org.behaviour("eve"),
        Some(UserBehaviour::LeavesUnread),
        "never activated"
    );
    assert_eq!(
        org.behaviour("stranger"),
        Some(UserBehaviour::Reads),
        "accept_any_user"
    );
}
