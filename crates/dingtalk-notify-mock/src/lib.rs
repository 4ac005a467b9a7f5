//! A faithful, blocking, in-process **DingTalk work-notification simulator** on loopback, for
//! tests, load tests and demos.
//!
//! [`MockServer`] serves the oapi endpoints a work-notification client calls, with DingTalk's
//! semantics: the `{"errcode","errmsg","request_id"}` envelope under HTTP 200 (a fresh
//! `request_id` in every answer), tokens with a lifetime, tasks whose delivery progresses,
//! per-recipient results from a configurable [`Directory`] (an organisation: a department
//! tree and its people, answered by the contact calls too), the 24-hour and 7-day windows,
//! and the rate limits. Time is a [`MockClock`] the test moves with
//! [`MockServer::advance`], so nothing sleeps to wait for a window or an expiry. Faults
//! ([`Fault`]) are scripted per endpoint ([`Route`]) and per call ([`Calls`]), and every
//! request is recorded ([`RecordedRequest`]). No async runtime: a thread accepts, one thread
//! serves each connection, state sits behind a mutex.
//!
//! # In scope
//! - `GET /gettoken`, `POST /service/get_corp_token` (signed, ISV),
//!   `POST /topapi/message/corpconversation/{asyncsend_v2, getsendprogress, getsendresult,
//!   status_bar/update, recall}`, with JSON or form-encoded bodies.
//! - The contact calls: `POST /topapi/v2/department/{listsubid, listsub}`,
//!   `/topapi/user/{listid, getbyunionid}`, `/topapi/v2/user/{list, getbymobile}`, with the
//!   per-app QPS limit (90018).
//! - Virtual time, fault injection, inspection, clean shutdown.
//! - HTTPS with certificates generated at run time ([`ServerTls`], [`MockServerBuilder::https`]).
//!
//! # Out of scope
//! - HTTP/2, the media upload, the contact calls that change the organisation.
//!
//! # Why not tiny_http
//! Tests need a server that stops cleanly, and `tiny_http` does not: its threads are
//! detached (nothing can join them) and idle keep-alive connections stay open after the
//! server is dropped, so threads leak and a client can still talk to a dead server. Here the
//! connection loop is our own, on `std::net`: dropping [`MockServer`] closes every
//! connection, joins every thread and frees the port. The HTTP parsing is not hand-written:
//! request heads and chunk sizes are parsed by the maintained `httparse` crate (hyper's
//! parser), within caps (64 KiB of head, 100 header fields, the body cap).
//!
//! # Quick start
//! ```
//! # fn main() -> std::io::Result<()> {
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::time::Duration;
//! use dingtalk_notify_mock::{MockServer, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET};
//!
//! // Plain HTTP/1.1 helper (any client works; point it at server.base_url()).
//! fn call(server: &MockServer, method: &str, target: &str, body: &str) -> serde_json::Value {
//!     let mut s = TcpStream::connect(server.addr()).unwrap();
//!     write!(s, "{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
//!                Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
//!            body.len()).unwrap();
//!     let mut raw = String::new();
//!     s.read_to_string(&mut raw).unwrap();
//!     serde_json::from_str(raw.split("\r\n\r\n").nth(1).unwrap()).unwrap()
//! }
//!
//! let server = MockServer::builder().frozen_clock().start()?;
//!
//! let token = call(&server, "GET", &format!("/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET}"), "");
//! let token = token["access_token"].as_str().unwrap();
//!
//! let sent = call(&server, "POST",
//!     &format!("/topapi/message/corpconversation/asyncsend_v2?access_token={token}"),
//!     &format!(r#"{{"agent_id":{DEMO_AGENT_ID},"userid_list":"alice,bob,ghost",
//!                 "msg":{{"msgtype":"text","text":{{"content":"hello"}}}}}}"#));
//! assert_eq!(sent["errcode"], 0);
//! let task_id = sent["task_id"].as_u64().unwrap();
//!
//! server.advance(Duration::from_secs(2)); // delivery completes
//! let result = call(&server, "POST",
//!     &format!("/topapi/message/corpconversation/getsendresult?access_token={token}"),
//!     &format!(r#"{{"agent_id":{DEMO_AGENT_ID},"task_id":{task_id}}}"#));
//! assert_eq!(result["send_result"]["read_user_id_list"], serde_json::json!(["alice"]));
//! assert_eq!(result["send_result"]["unread_user_id_list"], serde_json::json!(["bob"]));
//! assert_eq!(result["send_result"]["invalid_user_id_list"], serde_json::json!(["ghost"]));
//! assert_eq!(server.deliveries("alice"), 1);
//! # Ok(()) }
//! ```
//!
//! # What it answers
//! | call | checks, in order | errcode |
//! |---|---|---|
//! | any | path unknown (HTTP **404**; under `/topapi/` HTTP 200 with `sub_msg`) / wrong method (HTTP **405**) | 22 |
//! | any | body over the cap (HTTP **413**, connection closed) | 41 |
//! | `gettoken` | `appkey`/`appsecret` missing; unknown key or wrong secret | 40; 40001 |
//! | `get_corp_token` | query parameter missing; `timestamp` not a number of ms; unknown suite key (`accessKey`); wrong `suiteTicket`; wrong signature; timestamp over the tolerance (if [checked](MockServerBuilder::check_corp_token_timestamp)); `auth_corpid` missing; corp not authorized | 40; 853001; 853003; 853005; 853004; 853002; 40; 33001 |
//! | topapi calls | `access_token` missing or unknown or revoked; expired; [permission missing](MockServerBuilder::missing_permission) | 40014; 42001; 60011 (all three 88-wrapped by default) |
//! | any with a body | not JSON / not an object; field missing; field invalid (`"Invalid arguments:<path>"`) | 41; 40; 41 |
//! | `asyncsend_v2` | `msg` a string or not a message of the reference; `agent_id` not the token's app; ISV `to_all_user`; over 100 users or 20 departments ([`SendLimits`]); no recipients; recipients-per-minute budget | 41 or 40; 40056; 41; 41; 1430000; 143103 (ISV 143203) |
//! | `getsendprogress`, `getsendresult` | task unknown, of another agent, or too old (progress: 7 days or more; result: 24 h or more); result of a task with over 100 recipients (`"Call timeout: ..."`) | 40035; 41052 |
//! | `status_bar/update` | `agent_id` not the token's app; task unknown, of another agent, or 7 days old or more | 40056; 40035 |
//! | `recall` (`msg_task_id`) | `agent_id` not the token's app; task unknown, of another agent, or 24 h old or more | 40056; 40035 |
//! | contact calls | the app's calls to this endpoint within the last second of simulator time at the limit ([`MockServerBuilder::contact_qps`], default 20; ISV 40) | 90018 (ISV 90019), not wrapped |
//! | `listsubid`, `listsub`, `listid`, `v2/user/list` | `dept_id` missing (`listsub`: the root) or not a number; department unknown; `v2/user/list`: `cursor` or `size` missing, `size` not 1 to 100 | 40; 41; 60003; 40, 40035 |
//! | `v2/user/getbymobile` | `mobile` missing; not 6 to 20 digits (after an optional `+86-`); nobody has it | 40; 40104; 60121 |
//! | `user/getbyunionid` | `unionid` missing or empty; nobody has it | 40; 60121 |
//!
//! Errors follow [`ErrorStyle`]: by default as the live gateway, which on `/topapi/...`
//! paths wraps token and permission errors as HTTP 200
//! `{"errcode":88,"sub_code":"40014","sub_msg":"不合法的access_token","errmsg":"ding talk error[subcode=40014,submsg=不合法的access_token]","request_id":"…"}`
//! and leaves parameter errors plain; [`ErrorStyle::Plain`] answers every code as itself.
//! Successes follow [`SuccessStyle`]: by default as the reference's examples (no `errmsg`
//! on `getsendresult` and `get_corp_token`, no empty `forbidden_user_id_list`).
//!
//! A `HEAD` request gets the head of its 404 or 405 answer and no body.
//!
//! Tokens: fetching again within validity returns the same token and renews it (DingTalk's
//! documented behaviour); an expired token answers 42001 and a fresh one is issued on the
//! next fetch. Task ids start at 256271667526 (over 32 bits).
//!
//! Delivery: a task's progress goes from status 0 (0 %) through 1 to 2 (100 %) over the
//! delivery duration; until it completes, every delivered user is unread. Then each user
//! lands in the list of their [`UserBehaviour`] (someone who never activated their account
//! leaves it unread). Recipients are the users given, then the members of the departments
//! given and of every department below them (or every person for `to_all_user`),
//! deduplicated; ids outside the directory are invalid, unknown departments go to
//! `invalid_dept_id_list`.
//!
//! # The organisation
//! A [`Directory`]: departments in a tree under the root (1), each with a name, and people
//! ([`Person`]) with a user id, a name, one or more departments, a mobile number, a union
//! id, `active`, and a [`UserBehaviour`]. [`MockServer::builder`] uses the six users of
//! [`Directory::demo`]; [`Directory::demo_org`] puts 279 staff in three levels around them
//! (the `mock-server` command's default); [`Directory::generated`] makes any size, the same
//! for the same seed; [`Directory::from_json_file`] reads an org file:
//!
//! ```json
//! {
//!   "departments": [
//!     {"id": 1, "name": "Acme"},
//!     {"id": 2, "name": "Engineering", "parent": 1},
//!     {"id": 3, "name": "Platform", "parent": 2}
//!   ],
//!   "users": [
//!     {"userid": "alice", "name": "Alice", "departments": [2, 3],
//!      "mobile": "13800000001", "unionid": "unionAlice", "active": true,
//!      "behaviour": "reads"},
//!     {"userid": "bob", "behaviour": "unread"},
//!     {"userid": "eve", "departments": [3], "active": false}
//!   ],
//!   "accept_any_user": "reads"
//! }
//! ```
//!
//! - `departments`: `id` (a positive integer), `name` (default `Department <id>`), `parent`
//!   (default the root, 1). The root, 1, always exists (list it to name it) and has no
//!   parent. Listed in any order.
//! - `users`: `userid`; `name` (default the user id); `departments` (default `[1]`; a person
//!   may sit in several); `mobile` and `unionid` (for the lookups by mobile and union id);
//!   `active` (default `true`; `false` is someone who never activated their account: a
//!   notification reaches them and stays unread); `behaviour`: `reads` (default), `unread`
//!   or `fails`.
//! - `accept_any_user` (optional): makes every other user id valid with that behaviour, so
//!   a file of your own ids is delivered (see [`Directory::accept_any_user`]).
//!
//! People who left the organisation are simply not listed: the lookups answer 60121 for
//! them and a send lists them as invalid. Unknown fields, a department or user listed
//! twice, a parent or department that does not exist, a cycle of parents, and a mobile or
//! union id given to two people are refused with an [`OrgError`] naming the culprit.
//!
//! The contact calls answer from it, as the reference shows them: `listsubid`
//! (`{"result":{"dept_id_list":[…]}}`) and `listsub` (`{"result":[{"dept_id","name",
//! "parent_id"}]}`) one level at a time, `listid` a department's direct members,
//! `v2/user/list` those members paged (`cursor` an offset, `size` up to 100, `has_more`,
//! `next_cursor`, each with `userid`, `unionid`, `name`, `active`, `dept_id_list`,
//! `mobile`), `getbymobile` and `getbyunionid` a user id. [`MockServer::contact_calls`]
//! counts them per endpoint.
//!
//! Rate limits, per app, on simulator days (day *n* is `[n*24h, (n+1)*24h)` of simulator
//! time): the same content to the same user a second time in a day, and any message past the
//! daily per-user limit, still answer success (as DingTalk does) but land in
//! `forbidden_user_id_list` and `forbidden_list` with code `"143106"` (count 1) or
//! `"143105"` (count = the limit); ISV apps get 143206 and 143205. The recipients-per-minute
//! budget (any 60 s window) refuses the whole call. Invalid users count toward the minute
//! budget but not toward daily limits.
//!
//! # Knobs
//! See [`MockServerBuilder`]: port, token lifetime and advertised `expires_in`, delivery
//! duration, directory (or a generated organisation), contact calls per second, daily and
//! per-minute limits, apps and ISV suites, frozen or shared clock, path prefix, body cap,
//! recording cap.
//!
//! # Faults
//! Scripted with [`MockServer::inject`] per [`Route`] and [`Calls`]. A fault either **runs
//! the call** and then damages the answer (a send still creates its task: the ambiguous
//! failure a client must not blindly repeat a send after) or **replaces the answer**, as a
//! gateway in front of DingTalk would, and the call does not run
//! ([`Fault::runs_the_call`]).
//!
//! | [`Fault`] | the call | what the client gets |
//! |---|---|---|
//! | [`Delay`](Fault::Delay) | runs | the answer after a real-time wait |
//! | [`SlowDrip`](Fault::SlowDrip) | runs | the answer, its body a few bytes at a time |
//! | [`ResetBeforeResponse`](Fault::ResetBeforeResponse) | runs | nothing, then a TCP RST (`ConnectionReset`) |
//! | [`ResetMidBody`](Fault::ResetMidBody) | runs | the head, half the body, then a TCP RST |
//! | [`CloseBeforeResponse`](Fault::CloseBeforeResponse) | runs | nothing, then end-of-stream (a FIN) |
//! | [`CloseMidBody`](Fault::CloseMidBody) | runs | the head, half the body, then end-of-stream |
//! | [`TruncatedJson`](Fault::TruncatedJson) | runs | a well-framed answer whose JSON is cut in half |
//! | [`LyingContentLength`](Fault::LyingContentLength) | runs | `Content-Length` half the body, the whole body, then a close |
//! | [`Gzip`](Fault::Gzip) | runs | the answer gzip-encoded, asked for or not |
//! | [`HugeHeaders`](Fault::HugeHeaders) | runs | the answer after padding headers (past 64 KiB if asked, at most 16 MiB) |
//! | [`HttpStatus`](Fault::HttpStatus) | replaced | any status with an HTML body |
//! | [`Http502Html`](Fault::Http502Html) | replaced | a gateway's `502` HTML page |
//! | [`Throttle`](Fault::Throttle) | replaced | the IP throttle JSON, no envelope |
//! | [`ThrottleHtml`](Fault::ThrottleHtml) | replaced | the IP throttle as an HTML page |
//! | [`ErrCode`](Fault::ErrCode) | replaced | a plain envelope with that errcode ("N times, then success" with [`Calls::First`]) |
//! | [`Code`](Fault::Code) | replaced | that error as the gateway writes it (88-wrapped on `/topapi` if it wraps it), e.g. 90018 |
//! | [`Wrapped`](Fault::Wrapped) | replaced | an `errcode 88` envelope, with or without `sub_code` |
//! | [`OldGatewayError`](Fault::OldGatewayError) | replaced | the old TOP gateway's `{"error_response":{…}}` |
//! | [`Redirect`](Fault::Redirect) | replaced | `302 Found` to a location |
//! | [`Oversized`](Fault::Oversized) | replaced | a valid envelope of exactly that many bytes |
//! | [`OversizedBehindSmallContentLength`](Fault::OversizedBehindSmallContentLength) | replaced | a small `Content-Length`, far more bytes, then a close |
//! | [`Raw`](Fault::Raw) | replaced | these bytes as they are, then a close |
//!
//! # Inspection
//! [`MockServer::requests`] (with `Debug` redacting `access_token`, `appsecret`,
//! `suiteTicket` and `signature`), [`MockServer::token_fetches`],
//! [`MockServer::connections_accepted`], [`MockServer::task`] (a [`TaskSnapshot`] in the
//! simulator's own terms: plain ids, the raw `msg`, progress and result as it computes
//! them), [`MockServer::deliveries`], [`MockServer::contact_calls`] and
//! [`MockServer::contact_throttled`]. The simulator's error codes are in [`code`], for
//! scripting faults and reading answers.
//!
//! # Transport conformance
//! [`conformance`] checks that any [`Transport`](dingtalk_notify_proto::Transport) keeps the
//! contract written on that trait (every status returned with its body, no redirect
//! followed, the body cap, timeouts and the `RequestTimeout` extension, errors classified
//! and free of the access token, keep-alive, requests sent as built and never twice), against
//! this simulator; [`transport_conformance_tests!`] turns it into one `#[test]` per check.
//! The ureq and isahc adapters run it; so can yours.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod campaign;
mod clock;
pub mod conformance;
mod credentials;
mod directory;
mod fault;
mod gateway;
mod http;
mod limits;
mod org;
mod record;
mod server;
mod sim;
mod snapshot;
mod tls;

pub use campaign::{BudgetOverflow, Delivery, MAX_RECORDED_DELIVERIES, SendRecord};
pub use clock::MockClock;
pub use credentials::{
    AppCredentials, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_CORP_ID, DEMO_ISV_AGENT_ID,
    DEMO_SUITE_KEY, DEMO_SUITE_SECRET, DEMO_SUITE_TICKET, IsvSuite, Secret,
};
pub use directory::{Directory, Person, ROOT_DEPT_ID, UserBehaviour};
pub use fault::{Calls, Fault, Route};
pub use gateway::{ErrorStyle, SuccessStyle};
pub use limits::SendLimits;
pub use org::{MAX_GENERATED_PEOPLE, OrgError};
pub use record::{REDACTED_PARAMS, RecordedRequest};
pub use server::{
    DEFAULT_DAILY_USER_LIMIT, DEFAULT_DELIVERY_DURATION, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_ISV_DAILY_USER_LIMIT, DEFAULT_MAX_RECORDED_REQUESTS, DEFAULT_MAX_REQUEST_BODY,
    DEFAULT_RECIPIENTS_PER_MINUTE, DEFAULT_TOKEN_TTL, MAX_CONNECTIONS, MockServer,
    MockServerBuilder, ShutdownHandle,
};
pub use sim::{DEFAULT_CONTACT_QPS, DEFAULT_ISV_CONTACT_QPS, FIRST_TASK_ID, code};
pub use snapshot::{ForbiddenSnapshot, ProgressSnapshot, ResultSnapshot, TaskSnapshot};
pub use tls::ServerTls;
