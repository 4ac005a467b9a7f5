//! A hand-written organisation that answers contact requests as the reference pages say
//! (shapes from the endpoint pages), read from the raw request (path and JSON body), not
//! with the core's types; and a driver that runs a resolution against it on virtual time.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use dingtalk_notify_proto::resolve::{Resolution, ResolveError, ResolveStep, ResolvedAudience};
use dingtalk_notify_proto::{AccessToken, BaseUrl};
use serde_json::{Value, json};

/// A person: user id, departments, activated or not.
#[derive(Debug, Clone)]
pub struct Person {
    pub userid: String,
    pub depts: Vec<u64>,
    pub active: bool,
}

#[derive(Debug, Default)]
pub struct Org {
    /// parent -> children
    pub children: BTreeMap<u64, Vec<u64>>,
    pub people: Vec<Person>,
    pub mobiles: BTreeMap<String, String>,
    pub unionids: BTreeMap<String, (String, u8)>,
    /// Answers to give instead of the real one, first in first out, for calls to `path`.
    pub injected: VecDeque<(String, String)>,
    /// Every call: (path, body).
    pub log: Vec<(String, Value)>,
}

impl Org {
    pub fn dept(mut self, parent: u64, child: u64) -> Self {
        self.children.entry(parent).or_default().push(child);
        self.children.entry(child).or_default();
        self
    }

    pub fn person(mut self, userid: &str, depts: &[u64], active: bool) -> Self {
        self.children.entry(1).or_default();
        self.people.push(Person {
            userid: userid.to_owned(),
            depts: depts.to_vec(),
            active,
        });
        self
    }

    pub fn mobile(mut self, mobile: &str, userid: &str) -> Self {
        self.mobiles.insert(mobile.to_owned(), userid.to_owned());
        self
    }

    pub fn unionid(mut self, unionid: &str, userid: &str, contact_type: u8) -> Self {
        self.unionids
            .insert(unionid.to_owned(), (userid.to_owned(), contact_type));
        self
    }

    /// The next call to `path` gets `body` instead.
    pub fn inject(&mut self, path: &str, body: &str) {
        self.injected.push_back((path.to_owned(), body.to_owned()));
    }

    fn exists(&self, dept: u64) -> bool {
        self.children.contains_key(&dept)
    }

    pub fn serve(&mut self, request: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        let path = request.uri().path().to_owned();
        let body: Value = serde_json::from_slice(request.body()).expect("a JSON body");
        self.log.push((path.clone(), body.clone()));
        if let Some(i) = self.injected.iter().position(|(p, _)| *p == path) {
            let (_, answer) = self.injected.remove(i).expect("present");
            return http::Response::new(answer.into_bytes());
        }
        let not_found = json!({"errcode": 60003, "errmsg": "未找到部门"});
        let dept = body["dept_id"].as_u64().unwrap_or(0);
        let answer = match path.as_str() {
            "/topapi/v2/department/listsubid" if self.exists(dept) => json!({
                "errcode": 0, "errmsg": "ok", "request_id": "r",
                "result": {"dept_id_list": self.children[&dept]},
            }),
            "/topapi/user/listid" if self.exists(dept) => json!({
                "errcode": 0, "result": {"userid_list": self.members(dept).map(|p| p.userid.clone()).collect::<Vec<_>>()},
            }),
            "/topapi/v2/user/list" if self.exists(dept) => {
                let cursor = body["cursor"].as_u64().expect("cursor") as usize;
                let size = body["size"].as_u64().expect("size") as usize;
                let all: Vec<&Person> = self.members(dept).collect();
                let page: Vec<Value> = all.iter().skip(cursor).take(size).map(|p| json!({
                    "userid": p.userid, "name": "n", "active": p.active, "dept_id_list": p.depts,
                })).collect();
                let more = cursor + size < all.len();
                let mut result = json!({"has_more": more, "list": page});
                if more {
                    result["next_cursor"] = json!(cursor + size);
                }
                json!({"errcode": 0, "result": result})
            }
            "/topapi/v2/department/listsubid" | "/topapi/user/listid" | "/topapi/v2/user/list" => {
                not_found
            }
            "/topapi/v2/user/getbymobile" => {
                match self.mobiles.get(body["mobile"].as_str().expect("mobile")) {
                    Some(u) => json!({"errcode": 0, "result": {"userid": u}}),
                    None => json!({"errcode": 60121, "errmsg": "找不到该用户"}),
                }
            }
            "/topapi/user/getbyunionid" => match self
                .unionids
                .get(body["unionid"].as_str().expect("unionid"))
            {
                Some((u, t)) => json!({"errcode": 0, "result": {"userid": u, "contact_type": t}}),
                None => json!({"errcode": 60121, "errmsg": "找不到该用户"}),
            },
            other => panic!("unexpected path {other}"),
        };
        http::Response::new(answer.to_string().into_bytes())
    }

    fn members(&self, dept: u64) -> impl Iterator<Item = &Person> {
        self.people.iter().filter(move |p| p.depts.contains(&dept))
    }

    /// How many calls went to `path` with `dept_id`.
    pub fn calls_for(&self, path: &str, dept: u64) -> usize {
        self.log
            .iter()
            .filter(|(p, b)| p == path && b["dept_id"].as_u64() == Some(dept))
            .count()
    }
}

/// What a run saw.
pub struct Run {
    pub result: Result<ResolvedAudience, ResolveError>,
    /// The virtual instants of every call.
    pub call_times: Vec<Duration>,
    pub waits: Vec<Duration>,
    pub errors: Vec<ResolveError>,
}

/// Drives `resolution` against `org` on virtual time from `t0`; answers' errors that are
/// not final are recorded and the driver carries on (it repeats the call), as a patient
/// driver would. Bounded: it panics after `max_steps`.
pub fn drive(mut resolution: Resolution, org: &mut Org, t0: Instant, max_steps: usize) -> Run {
    let token = AccessToken::new("t");
    let base = BaseUrl::default();
    let mut now = t0;
    let (mut call_times, mut waits, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..max_steps {
        match resolution.next(now) {
            Ok(ResolveStep::Call(call)) => {
                call_times.push(now - t0);
                let request = call
                    .build_request(&base, &token)
                    .expect("the plan asks for valid calls");
                let response = org.serve(&request);
                if let Err(e) = resolution.answer_response(now, response) {
                    if e.is_final() {
                        return Run {
                            result: Err(e),
                            call_times,
                            waits,
                            errors,
                        };
                    }
                    errors.push(e);
                }
            }
            Ok(ResolveStep::Wait(wait)) => {
                assert!(wait > Duration::ZERO, "a wait of zero would spin");
                waits.push(wait);
                now += wait;
            }
            Ok(ResolveStep::Done) => {
                return Run {
                    result: resolution.into_audience(),
                    call_times,
                    waits,
                    errors,
                };
            }
            Ok(other) => panic!("unknown step {other:?}"),
            Err(e) => {
                return Run {
                    result: Err(e),
                    call_times,
                    waits,
                    errors,
                };
            }
        }
    }
    panic!("the resolution did not end within {max_steps} steps");
}

/// The user ids of an audience, in order.
pub fn ids(audience: &ResolvedAudience) -> Vec<String> {
    audience.user_ids().map(str::to_owned).collect()
}

/// Person `userid`'s departments.
pub fn depts_of(audience: &ResolvedAudience, userid: &str) -> Vec<u64> {
    audience
        .recipients()
        .chain(audience.inactive())
        .find(|p| p.userid() == userid)
        .map(|p| p.departments().map(|d| d.get()).collect())
        .unwrap_or_default()
}
