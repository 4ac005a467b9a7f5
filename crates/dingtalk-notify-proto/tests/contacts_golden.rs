//! Golden tests of the contact endpoints (issue 21): the request examples of their reference
//! pages, built with the core, and their response examples, parsed with it.
//!
//! The pages' curl examples send a form-encoded body (`dept_id=100`); the core sends the same
//! values as JSON, as the official SDKs do. Sources:
//! - listsubid: <https://help.dingtalk.io/zh/open/development/obtain-the-list-of-sub-department-ids>
//! - listsub: <https://help.dingtalk.io/zh/open/development/user-management-acquires-the-list-departments>
//! - listid: <https://help.dingtalk.io/zh/open/development/query-the-list-of-department-userids>
//! - v2/user/list: the reference's request and response example as mirrored at
//!   <https://apifox.com/apidoc/shared/f9b55f1e-e990-49ad-ad32-4243d72b3245/api-136641505>
//! - getbymobile: <https://help.dingtalk.io/zh/open/development/obtain-the-userid-of-your-mobile-phone-number>
//! - getbyunionid: <https://help.dingtalk.io/open/development/query-a-user-by-the-union-id>

use dingtalk_notify_proto::api::{
    ContactLanguage, ContactType, GetUserByMobile, GetUserByUnionId, ListDepartmentUserIds,
    ListDepartmentUsers, ListSubDepartmentIds, ListSubDepartments, UserOrder,
};
use dingtalk_notify_proto::auth::AccessTokenQuery;
use dingtalk_notify_proto::transport::Idempotency;
use dingtalk_notify_proto::{
    AccessToken, BaseUrl, BuildError, DeptId, Endpoint, HttpRequest, USER_AGENT_VALUE,
};
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use serde_json::{Value, json};

fn build<E: Endpoint<Auth = AccessTokenQuery>>(endpoint: &E, token: &str) -> HttpRequest {
    endpoint
        .build_request(&BaseUrl::default(), &AccessToken::new(token))
        .expect("the example request builds")
}

/// Method, full URI, headers and JSON body; and every contact call is safe to repeat.
fn assert_json_post(req: &HttpRequest, uri: &str, body: Value) {
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri().to_string(), uri);
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header(CONTENT_TYPE), Some("application/json"));
    assert_eq!(header(ACCEPT), Some("application/json"));
    assert_eq!(header(USER_AGENT), Some(USER_AGENT_VALUE));
    let sent: Value = serde_json::from_slice(req.body()).expect("a JSON body");
    assert_eq!(sent, body);
    assert_eq!(Idempotency::of(req), Idempotency::Idempotent, "{uri}");
}

fn ok(body: &str) -> http::Response<&str> {
    http::Response::new(body)
}

// ---- Requests ------------------------------------------------------------------------------

#[test]
fn listsubid_page_example() {
    // curl ... -d 'access_token=0dcxxxx108dcd028' -d 'dept_id=100'
    let req = build(&ListSubDepartmentIds::new(100), "0dcxxxx108dcd028");
    assert_json_post(
        &req,
        "https://oapi.dingtalk.io/topapi/v2/department/listsubid?access_token=0dcxxxx108dcd028",
        json!({"dept_id": 100}),
    );
}

#[test]
fn listsub_page_example() {
    // curl ... -d 'access_token=6846xxxx0cc781' -d 'dept_id=100' -d 'language=zh_CN'
    let req = build(
        &ListSubDepartments::new(100).with_language(ContactLanguage::Chinese),
        "6846xxxx0cc781",
    );
    assert_json_post(
        &req,
        "https://oapi.dingtalk.io/topapi/v2/department/listsub?access_token=6846xxxx0cc781",
        json!({"dept_id": 100, "language": "zh_CN"}),
    );
}

#[test]
fn listid_page_example() {
    // curl ... -d 'access_token=03987655-598f-4f7a-8fc3-aaf257c47c27' -d 'dept_id=100'
    let token = "03987655-598f-4f7a-8fc3-aaf257c47c27";
    let req = build(&ListDepartmentUserIds::new(100), token);
    assert_json_post(
        &req,
        &format!("https://oapi.dingtalk.io/topapi/user/listid?access_token={token}"),
        json!({"dept_id": 100}),
    );
}

#[test]
fn user_list_reference_example() {
    // {"cursor":0,"contain_access_limit":false,"size":10,"order_field":"modify_desc",
    //  "language":"zh_CN","dept_id":10}, under access_token=be3Fxxxx
    let req = build(
        &ListDepartmentUsers::new(10, 0, 10)
            .with_access_limited(false)
            .with_order(UserOrder::ModifyDesc)
            .with_language(ContactLanguage::Chinese),
        "be3Fxxxx",
    );
    assert_json_post(
        &req,
        "https://oapi.dingtalk.io/topapi/v2/user/list?access_token=be3Fxxxx",
        json!({"cursor":0,"contain_access_limit":false,"size":10,"order_field":"modify_desc",
               "language":"zh_CN","dept_id":10}),
    );
}

#[test]
fn getbymobile_page_example() {
    // The page's Python example: req.mobile="13800138000", support_exclusive_account_search=true.
    let req = build(
        &GetUserByMobile::new("13800138000").with_exclusive_accounts(true),
        "a16xxxxa2efbee",
    );
    assert_json_post(
        &req,
        "https://oapi.dingtalk.io/topapi/v2/user/getbymobile?access_token=a16xxxxa2efbee",
        json!({"mobile": "13800138000", "support_exclusive_account_search": true}),
    );
    // The curl example's masked number ('mobile=1851xxxx676') cannot be a phone number: it
    // is refused before anything is sent.
    let err = GetUserByMobile::new("1851xxxx676")
        .build_request(&BaseUrl::default(), &AccessToken::new("t"))
        .expect_err("a masked number is refused");
    assert!(
        matches!(
            err,
            BuildError::InvalidValue {
                field: "mobile",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn getbyunionid_page_example() {
    // curl ... -d 'access_token=6348d21e-fb41-4745-a214-95bcf8c118f0'
    //          -d 'unionid=z21HjQliSzpw0YWCNxmii6u2Os62cZ62iSZ'
    let token = "6348d21e-fb41-4745-a214-95bcf8c118f0";
    let req = build(
        &GetUserByUnionId::new("z21HjQliSzpw0YWCNxmii6u2Os62cZ62iSZ"),
        token,
    );
    assert_json_post(
        &req,
        &format!("https://oapi.dingtalk.io/topapi/user/getbyunionid?access_token={token}"),
        json!({"unionid": "z21HjQliSzpw0YWCNxmii6u2Os62cZ62iSZ"}),
    );
}

#[test]
fn arguments_are_checked_before_anything_is_built() {
    let refused = |r: Result<HttpRequest, BuildError>| r.expect_err("must be refused");
    let (base, token) = (BaseUrl::default(), AccessToken::new("t"));
    assert_eq!(
        refused(ListSubDepartmentIds::new(0).build_request(&base, &token)),
        BuildError::ZeroId { field: "dept_id" }
    );
    assert_eq!(
        refused(ListDepartmentUserIds::new(0).build_request(&base, &token)),
        BuildError::ZeroId { field: "dept_id" }
    );
    assert_eq!(
        refused(ListSubDepartments::new(0).build_request(&base, &token)),
        BuildError::ZeroId { field: "dept_id" }
    );
    // A page holds 1 to 100 people ("分页长度,最大值100").
    for size in [0, 101, u32::MAX] {
        let err = refused(ListDepartmentUsers::new(1, 0, size).build_request(&base, &token));
        assert!(
            matches!(err, BuildError::InvalidValue { field: "size", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("1 to 100"), "{err}");
    }
    for mobile in [
        "",
        " ",
        "138 0013 8000",
        "tel:13800138000",
        "1234",
        "+",
        "13800138000\n",
    ] {
        let err = refused(GetUserByMobile::new(mobile).build_request(&base, &token));
        assert!(
            matches!(
                err,
                BuildError::InvalidValue {
                    field: "mobile",
                    ..
                } | BuildError::EmptyField { field: "mobile" }
            ),
            "{mobile:?}: {err}"
        );
    }
    for unionid in ["", "  ", "z21H jQ", "z21\u{0}"] {
        let err = refused(GetUserByUnionId::new(unionid).build_request(&base, &token));
        assert!(
            matches!(
                err,
                BuildError::InvalidValue {
                    field: "unionid",
                    ..
                } | BuildError::EmptyField { field: "unionid" }
            ),
            "{unionid:?}: {err}"
        );
    }
}

// ---- Responses -----------------------------------------------------------------------------

#[test]
fn listsubid_response_example() {
    // The page's response fields: request_id "48vhxdnwhve6", dept_id_list [2,3,4,5].
    let res = ListSubDepartmentIds::parse_response(ok(
        r#"{"errcode":0,"errmsg":"ok","result":{"dept_id_list":[2,3,4,5]},"request_id":"48vhxdnwhve6"}"#,
    ))
    .expect("parses");
    assert_eq!(res.result.dept_id_list, [2, 3, 4, 5].map(DeptId));
    assert_eq!(res.request_id.as_deref(), Some("48vhxdnwhve6"));
    // A department without sub-departments: no list, or null.
    for body in [
        r#"{"errcode":0,"result":{}}"#,
        r#"{"errcode":0,"result":{"dept_id_list":null}}"#,
    ] {
        let res = ListSubDepartmentIds::parse_response(ok(body)).expect(body);
        assert!(res.result.dept_id_list.is_empty());
    }
}

#[test]
fn listsub_response_example() {
    // The page's DeptBaseResponse fields: dept_id 100, name "HR", parent_id 50,
    // create_dept_group true, auto_add_user false; request_id "5um7ykyaalsj".
    let res = ListSubDepartments::parse_response(ok(
        r#"{"errcode":0,"errmsg":"ok","result":[{"dept_id":100,"name":"HR","parent_id":50,
            "create_dept_group":true,"auto_add_user":false}],"request_id":"5um7ykyaalsj"}"#,
    ))
    .expect("parses");
    let dept = &res.result[0];
    assert_eq!(
        (dept.dept_id, dept.name.as_str(), dept.parent_id),
        (DeptId(100), "HR", Some(DeptId(50)))
    );
}

#[test]
fn listid_response_example() {
    // The page's fields: request_id "4f9kasjdhop", userid_list ["zxxxx","lixxxi"].
    let res = ListDepartmentUserIds::parse_response(ok(
        r#"{"errcode":0,"errmsg":"ok","result":{"userid_list":["zxxxx","lixxxi"]},"request_id":"4f9kasjdhop"}"#,
    ))
    .expect("parses");
    assert_eq!(res.result.userid_list, ["zxxxx", "lixxxi"]);
}

#[test]
fn user_list_response_example() {
    // The reference's example, with its placeholders as they are.
    let body = r#"{"errcode":0,"errmsg":"string","result":{"has_more":true,"next_cursor":0,
      "list":[{"userid":"string","unionid":"string","name":"string","avatar":"string",
      "state_code":"string","mobile":"string","hide_mobile":true,"telephone":"string",
      "job_number":"string","title":"string","email":"string","org_email":"string",
      "work_place":"string","remark":"string","dept_id_list":[0],"dept_order":0,
      "extension":"string","hired_date":0,"active":true,"admin":true,"boss":true,
      "leader":true,"exclusive_account":true,"login_id":"string",
      "exclusive_account_type":"string"}]}}"#;
    let res = ListDepartmentUsers::parse_response(ok(body)).expect("parses");
    assert!(res.result.has_more);
    assert_eq!(res.result.next_page(), Some(0));
    let user = &res.result.list[0];
    assert_eq!(user.userid, "string");
    assert_eq!(user.active, Some(true));
    assert!(!user.is_inactive());
    assert_eq!(user.dept_id_list, [DeptId(0)]);
    // The last page: has_more false, and next_cursor absent.
    let res = ListDepartmentUsers::parse_response(ok(
        r#"{"errcode":0,"result":{"has_more":false,"list":[{"userid":"u9","active":false}]}}"#,
    ))
    .expect("parses");
    assert_eq!(res.result.next_page(), None);
    assert!(res.result.list[0].is_inactive());
}

#[test]
fn getbymobile_response_example() {
    // The page's fields: request_id "5w82ciuur781", userid "zhangsan",
    // exclusive_account_userid_list ["zxxxx","lixxxi"].
    let res = GetUserByMobile::parse_response(ok(
        r#"{"errcode":0,"errmsg":"ok","result":{"userid":"zhangsan",
            "exclusive_account_userid_list":["zxxxx","lixxxi"]},"request_id":"5w82ciuur781"}"#,
    ))
    .expect("parses");
    assert_eq!(res.userid(), Some("zhangsan"));
    assert_eq!(
        res.result.exclusive_account_userid_list,
        ["zxxxx", "lixxxi"]
    );
    // No userid, or an empty one, is nobody.
    for body in [
        r#"{"errcode":0,"result":{}}"#,
        r#"{"errcode":0,"result":{"userid":""}}"#,
    ] {
        assert_eq!(
            GetUserByMobile::parse_response(ok(body))
                .expect(body)
                .userid(),
            None
        );
    }
}

#[test]
fn getbyunionid_response_example() {
    // The page's fields: request_id "zcqi5450rpit", contact_type 0 (a member), userid.
    let res = GetUserByUnionId::parse_response(ok(
        r#"{"errcode":0,"errmsg":"ok","result":{"contact_type":0,"userid":"zhangsan"},"request_id":"zcqi5450rpit"}"#,
    ))
    .expect("parses");
    assert_eq!(res.userid(), Some("zhangsan"));
    assert_eq!(res.result.contact_type, ContactType::Internal);
    let res = GetUserByUnionId::parse_response(ok(
        r#"{"errcode":0,"result":{"contact_type":"1","userid":"ext1"}}"#,
    ))
    .expect("parses");
    assert_eq!(res.result.contact_type, ContactType::External);
}

#[test]
fn malformed_answers_are_decode_errors_naming_the_field() {
    use dingtalk_notify_proto::ResponseError;
    let field = |e: ResponseError| match e {
        ResponseError::Decode { field, .. } => field,
        other => panic!("not a decode error: {other}"),
    };
    let e = ListSubDepartmentIds::parse_response(ok(
        r#"{"errcode":0,"result":{"dept_id_list":["x"]}}"#,
    ))
    .expect_err("a department id that is not a number");
    assert_eq!(field(e).as_deref(), Some("result.dept_id_list[0]"));
    let e = ListDepartmentUsers::parse_response(ok(r#"{"errcode":0,"result":{"list":[{}]}}"#))
        .expect_err("a person without a userid");
    assert_eq!(field(e).as_deref(), Some("result.list[0].userid"));
    let e =
        ListDepartmentUserIds::parse_response(ok(r#"{"errcode":0,"result":{"userid_list":{}}}"#))
            .expect_err("a list that is an object");
    assert!(field(e).is_some_and(|f| f.contains("userid_list")));
}
