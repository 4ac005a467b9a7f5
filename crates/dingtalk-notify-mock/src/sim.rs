//! DingTalk's semantics: tokens, tasks, windows, rate limits. No IO: a request and the
//! simulator time in, an answer out.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dingtalk_notify_proto::api::{
    ForbiddenEntry, GetCorpToken, GetSendProgress, GetSendResult, ProgressStatus,
    RecallWorkNotification, RecipientLimits, SendProgress, SendResult, SendWorkNotification,
    SuiteSignature, UpdateStatusBar,
};
use dingtalk_notify_proto::message::Message;
use dingtalk_notify_proto::{AgentId, DeptId, ErrorCode, StatusColor, SuiteTicket, TaskId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::credentials::{AppCredentials, IsvSuite};
use crate::directory::{Directory, UserBehaviour};
use crate::fault::Route;
use crate::http::{Incoming, parse_query};

/// The first task id issued: already over 32 bits, like DingTalk's.
pub const FIRST_TASK_ID: u64 = 256_271_667_526;
const DAY: Duration = Duration::from_secs(24 * 3600);
const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);
const MINUTE: Duration = Duration::from_secs(60);
const MAX_RESULT_RECIPIENTS: usize = 100;

/// The simulator's settings.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) apps: Vec<AppCredentials>,
    pub(crate) suites: Vec<IsvSuite>,
    pub(crate) token_ttl: Duration,
    pub(crate) expires_in: Option<Option<u64>>,
    pub(crate) delivery_duration: Duration,
    pub(crate) directory: Directory,
    pub(crate) daily_user_limit: u32,
    pub(crate) isv_daily_user_limit: u32,
    pub(crate) recipients_per_minute: usize,
    pub(crate) path_prefix: String,
    pub(crate) max_body: usize,
    pub(crate) max_recorded: usize,
}

/// Unique ids: request ids and tokens. A bijective mix of a counter, so never repeated.
#[derive(Debug)]
pub(crate) struct Ids {
    seeds: [u64; 3],
    counter: AtomicU64,
}

fn mix(mut z: u64) -> u64 {
    // splitmix64's finalizer: a bijection on u64.
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Ids {
    pub(crate) fn new() -> Self {
        let state = std::collections::hash_map::RandomState::new();
        let seed = |i: u64| state.hash_one(i);
        Self {
            seeds: [seed(1), seed(2), seed(3)],
            counter: AtomicU64::new(1),
        }
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// A request id like DingTalk's (`5y2znla8tw3d`): 13 base-36 characters.
    pub(crate) fn request_id(&self) -> String {
        let mut v = mix(self.next() ^ self.seeds[0]);
        let mut out = [b'0'; 13];
        for slot in out.iter_mut().rev() {
            let digit = (v % 36) as u8;
            *slot = if digit < 10 {
                b'0' + digit
            } else {
                b'a' + digit - 10
            };
            v /= 36;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// A fresh 32-hex-digit access token.
    fn token(&self) -> String {
        let n = self.next();
        format!(
            "{:016x}{:016x}",
            mix(n ^ self.seeds[1]),
            mix(n ^ self.seeds[2])
        )
    }
}

/// A JSON envelope answer.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) errcode: ErrorCode,
}

#[derive(Serialize)]
struct Envelope<'a, P: Serialize> {
    errcode: ErrorCode,
    errmsg: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    payload: Option<&'a P>,
    request_id: &'a str,
}

fn envelope<P: Serialize>(
    status: u16,
    code: ErrorCode,
    errmsg: &str,
    payload: Option<&P>,
    ids: &Ids,
) -> Answer {
    let request_id = ids.request_id();
    let body = serde_json::to_vec(&Envelope {
        errcode: code,
        errmsg,
        payload,
        request_id: &request_id,
    })
    .unwrap_or_else(|_| {
        format!(r#"{{"errcode":500,"errmsg":"System error","request_id":"{request_id}"}}"#)
            .into_bytes()
    });
    Answer {
        status,
        body,
        errcode: code,
    }
}

/// A success envelope with `payload`'s fields.
pub(crate) fn ok<P: Serialize>(payload: &P, ids: &Ids) -> Answer {
    envelope(200, ErrorCode::OK, "ok", Some(payload), ids)
}

/// An error envelope under HTTP 200.
pub(crate) fn err(code: ErrorCode, errmsg: &str, ids: &Ids) -> Answer {
    envelope::<()>(200, code, errmsg, None, ids)
}

/// An error envelope under another HTTP status.
pub(crate) fn err_status(status: u16, code: ErrorCode, errmsg: &str, ids: &Ids) -> Answer {
    envelope::<()>(status, code, errmsg, None, ids)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Owner {
    App(usize),
    Corp(usize, String),
}

#[derive(Debug, Clone)]
struct TokenRecord {
    owner: Owner,
    expires_at: Duration,
    revoked: bool,
}

#[derive(Debug, Clone, Copy)]
struct Caller {
    agent_id: AgentId,
    isv: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Fate {
    Delivered(UserBehaviour),
    Invalid,
    Forbidden(ErrorCode, u64),
}

#[derive(Debug, Clone)]
struct Task {
    id: TaskId,
    agent_id: AgentId,
    message: Message,
    to_all_user: bool,
    recipients: Vec<(String, Fate)>,
    invalid_depts: Vec<DeptId>,
    sent_at: Duration,
    status_value: Option<String>,
    status_bg: Option<StatusColor>,
    recalled_at: Option<Duration>,
}

/// A task as the simulator holds it, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSnapshot {
    /// The task id.
    pub task_id: TaskId,
    /// The sending app's agent id.
    pub agent_id: AgentId,
    /// The message sent.
    pub message: Message,
    /// Whether it went to every user.
    pub to_all_user: bool,
    /// Every user id the send resolved to (users given, then members of the departments
    /// given), deduplicated, in order: valid, invalid and forbidden alike.
    pub recipients: Vec<String>,
    /// The recipients it was delivered to (not invalid, forbidden or failing).
    pub delivered: Vec<String>,
    /// Department ids the directory does not know.
    pub invalid_dept_ids: Vec<DeptId>,
    /// Simulator time of the send.
    pub sent_at: Duration,
    /// The status bar text: the OA message's own, then the latest `status_bar/update`.
    pub status_value: Option<String>,
    /// The status bar colour, likewise.
    pub status_bg: Option<StatusColor>,
    /// Whether it was recalled.
    pub recalled: bool,
    /// Simulator time of the recall.
    pub recalled_at: Option<Duration>,
    /// The progress `getsendprogress` would answer now.
    pub progress: SendProgress,
    /// The result `getsendresult` would answer now (whatever the recipient count).
    pub result: SendResult,
}

/// The simulator: settings and state, behind the server's lock.
#[derive(Debug)]
pub(crate) struct Sim {
    pub(crate) config: Config,
    tokens: HashMap<String, TokenRecord>,
    current: HashMap<Owner, String>,
    tasks: HashMap<u64, Task>,
    next_task_id: u64,
    deliveries: HashMap<String, u64>,
    daily: HashMap<(u64, u64, String), u32>,
    sent_content: HashSet<(u64, u64, String, u64)>,
    minute: HashMap<u64, VecDeque<(Duration, usize)>>,
    pruned_day: u64,
}

fn day_of(now: Duration) -> u64 {
    now.as_secs() / DAY.as_secs()
}

fn content_hash(message: &Message) -> u64 {
    let mut h = DefaultHasher::new();
    serde_json::to_string(message)
        .unwrap_or_default()
        .hash(&mut h);
    h.finish()
}

/// Turns a deserialization error into DingTalk's 40 (missing) or 41 (invalid) answer.
fn field_error(e: &serde_path_to_error::Error<serde_json::Error>, ids: &Ids) -> Answer {
    let inner = e.inner().to_string();
    let path = e.path().to_string();
    if let Some(rest) = inner.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        let full = if path == "." || path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        };
        return err(
            ErrorCode::MISSING_ARGUMENT,
            &format!("Missing parameter {full}"),
            ids,
        );
    }
    if path == "." || path.is_empty() {
        return err(
            ErrorCode::INVALID_ARGUMENT,
            "Invalid arguments: the body must be a JSON object",
            ids,
        );
    }
    err(
        ErrorCode::INVALID_ARGUMENT,
        &format!("Invalid arguments:{path}"),
        ids,
    )
}

fn is_form(req: &Incoming) -> bool {
    req.header("content-type").is_some_and(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    })
}

/// The body as a JSON object: JSON, or a form-encoded body (DingTalk accepts both) whose
/// values are strings and whose `msg` is JSON text.
fn body_object(req: &Incoming, ids: &Ids) -> Result<Map<String, Value>, Answer> {
    if is_form(req) {
        let text = String::from_utf8_lossy(&req.body);
        let mut map = Map::new();
        for (k, v) in parse_query(&text) {
            if k == "access_token" {
                continue;
            }
            let value = if k == "msg" {
                serde_json::from_str::<Value>(&v)
                    .map_err(|_| err(ErrorCode::INVALID_ARGUMENT, "Invalid arguments:msg", ids))?
            } else {
                Value::String(v)
            };
            map.insert(k, value);
        }
        return Ok(map);
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(err(
            ErrorCode::INVALID_ARGUMENT,
            "Invalid arguments: the body must be a JSON object",
            ids,
        )),
        Err(_) => Err(err(
            ErrorCode::INVALID_ARGUMENT,
            "Invalid arguments: the body is not valid JSON",
            ids,
        )),
    }
}

fn decode<T: DeserializeOwned>(map: Map<String, Value>, ids: &Ids) -> Result<T, Answer> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| field_error(&e, ids))
}

#[derive(Serialize)]
struct TokenPayload<'a> {
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<u64>,
}

#[derive(Serialize)]
struct TaskIdPayload {
    task_id: TaskId,
}

#[derive(Serialize)]
struct ProgressPayload {
    progress: SendProgress,
}

#[derive(Serialize)]
struct ResultPayload {
    send_result: SendResult,
}

impl Sim {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            tokens: HashMap::new(),
            current: HashMap::new(),
            tasks: HashMap::new(),
            next_task_id: FIRST_TASK_ID,
            deliveries: HashMap::new(),
            daily: HashMap::new(),
            sent_content: HashSet::new(),
            minute: HashMap::new(),
            pruned_day: 0,
        }
    }

    /// Answers a request to a served route (the method is already checked).
    pub(crate) fn handle(
        &mut self,
        route: Route,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Answer {
        let result = match route {
            Route::GetToken => self.get_token(req, now, ids),
            Route::GetCorpToken => self.get_corp_token(req, now, ids),
            Route::Send => self.send(req, now, ids),
            Route::SendProgress => self.progress(req, now, ids),
            Route::SendResult => self.result(req, now, ids),
            Route::StatusBarUpdate => self.status_bar(req, now, ids),
            Route::Recall => self.recall(req, now, ids),
            Route::Any | Route::Unknown => Err(err_status(
                404,
                ErrorCode::INVALID_METHOD,
                "Invalid method",
                ids,
            )),
        };
        result.unwrap_or_else(|answer| answer)
    }

    // ---- tokens ----

    fn expires_in(&self) -> Option<u64> {
        match self.config.expires_in {
            Some(advertised) => advertised,
            None => Some(self.config.token_ttl.as_secs()),
        }
    }

    /// The token of `owner`: the same one while it is valid (its validity renewed, as
    /// DingTalk does), a fresh one otherwise.
    fn issue(&mut self, owner: Owner, now: Duration, ids: &Ids) -> String {
        let expires_at = now.saturating_add(self.config.token_ttl);
        if let Some(token) = self.current.get(&owner) {
            if let Some(record) = self.tokens.get_mut(token) {
                if !record.revoked && now < record.expires_at {
                    record.expires_at = expires_at;
                    return token.clone();
                }
            }
        }
        let token = ids.token();
        self.tokens.insert(
            token.clone(),
            TokenRecord {
                owner: owner.clone(),
                expires_at,
                revoked: false,
            },
        );
        self.current.insert(owner, token.clone());
        token
    }

    fn token_answer(&self, token: &str, ids: &Ids) -> Answer {
        ok(
            &TokenPayload {
                access_token: token,
                expires_in: self.expires_in(),
            },
            ids,
        )
    }

    fn get_token(&mut self, req: &Incoming, now: Duration, ids: &Ids) -> Result<Answer, Answer> {
        let key = req.query_value("appkey").unwrap_or("");
        let secret = req.query_value("appsecret").unwrap_or("");
        if key.is_empty() {
            return Err(err(
                ErrorCode::MISSING_ARGUMENT,
                "Missing parameter appkey",
                ids,
            ));
        }
        if secret.is_empty() {
            return Err(err(
                ErrorCode::MISSING_ARGUMENT,
                "Missing parameter appsecret",
                ids,
            ));
        }
        let Some(index) = self
            .config
            .apps
            .iter()
            .position(|a| a.app_key == key && a.app_secret.expose_secret() == secret)
        else {
            return Err(err(
                ErrorCode::INVALID_CREDENTIAL,
                "Invalid appkey or appsecret",
                ids,
            ));
        };
        let token = self.issue(Owner::App(index), now, ids);
        Ok(self.token_answer(&token, ids))
    }

    fn get_corp_token(
        &mut self,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Answer> {
        let mut params = [
            ("accessKey", ""),
            ("timestamp", ""),
            ("suiteTicket", ""),
            ("signature", ""),
        ];
        for (name, value) in &mut params {
            *value = req.query_value(name).unwrap_or("");
            if value.is_empty() {
                return Err(err(
                    ErrorCode::MISSING_ARGUMENT,
                    &format!("Missing parameter {name}"),
                    ids,
                ));
            }
        }
        let [(_, key), (_, timestamp), (_, ticket), (_, signature)] = params;
        let Ok(timestamp) = timestamp.trim().parse::<u64>() else {
            return Err(err(
                ErrorCode::INVALID_ARGUMENT,
                "Invalid arguments:timestamp",
                ids,
            ));
        };
        let Some(suite_index) = self.config.suites.iter().position(|s| s.suite_key == key) else {
            return Err(err(ErrorCode::INVALID_CREDENTIAL, "Invalid suite key", ids));
        };
        let suite = &self.config.suites[suite_index];
        if suite.suite_ticket.expose_secret() != ticket {
            return Err(err(
                ErrorCode::INVALID_CREDENTIAL,
                "Invalid suiteTicket",
                ids,
            ));
        }
        let expected = SuiteSignature::sign(
            key,
            &suite.suite_secret,
            &SuiteTicket::new(ticket),
            timestamp,
        )
        .map_err(|_| err(ErrorCode::INVALID_CREDENTIAL, "Invalid signature", ids))?;
        if expected.signature() != signature {
            return Err(err(ErrorCode::INVALID_CREDENTIAL, "Invalid signature", ids));
        }
        let body: GetCorpToken = decode(body_object(req, ids)?, ids)?;
        if !suite.corps.iter().any(|(c, _)| *c == body.auth_corpid) {
            return Err(err(ErrorCode::INVALID_CORP_ID, "Invalid corpid", ids));
        }
        let token = self.issue(Owner::Corp(suite_index, body.auth_corpid), now, ids);
        Ok(self.token_answer(&token, ids))
    }

    /// The caller behind `access_token` (query or form body).
    fn caller(&self, req: &Incoming, now: Duration, ids: &Ids) -> Result<Caller, Answer> {
        let form_token;
        let token = match req.query_value("access_token") {
            Some(t) => t,
            None if is_form(req) => {
                form_token = parse_query(&String::from_utf8_lossy(&req.body))
                    .into_iter()
                    .find(|(k, _)| k == "access_token")
                    .map(|(_, v)| v)
                    .unwrap_or_default();
                form_token.as_str()
            }
            None => "",
        };
        let invalid = || err(ErrorCode::INVALID_ACCESS_TOKEN, "Invalid access_token", ids);
        let record = self.tokens.get(token).ok_or_else(invalid)?;
        if record.revoked {
            return Err(invalid());
        }
        if now >= record.expires_at {
            return Err(err(
                ErrorCode::ACCESS_TOKEN_EXPIRED,
                "access_token expired",
                ids,
            ));
        }
        match &record.owner {
            Owner::App(i) => self
                .config
                .apps
                .get(*i)
                .map(|a| Caller {
                    agent_id: a.agent_id,
                    isv: false,
                })
                .ok_or_else(invalid),
            Owner::Corp(s, corp) => self
                .config
                .suites
                .get(*s)
                .and_then(|suite| suite.corps.iter().find(|(c, _)| c == corp))
                .map(|(_, agent)| Caller {
                    agent_id: *agent,
                    isv: true,
                })
                .ok_or_else(invalid),
        }
    }

    // ---- sending ----

    fn prune(&mut self, now: Duration) {
        let today = day_of(now);
        if today > self.pruned_day {
            self.daily.retain(|(_, day, _), _| *day >= today);
            self.sent_content.retain(|(_, day, _, _)| *day >= today);
            self.pruned_day = today;
        }
        for window in self.minute.values_mut() {
            while window
                .front()
                .is_some_and(|(at, _)| now.saturating_sub(*at) >= MINUTE)
            {
                window.pop_front();
            }
        }
    }

    fn send(&mut self, req: &Incoming, now: Duration, ids: &Ids) -> Result<Answer, Answer> {
        let caller = self.caller(req, now, ids)?;
        let map = body_object(req, ids)?;
        if map.get("msg").is_some_and(Value::is_string) {
            return Err(err(
                ErrorCode::INVALID_ARGUMENT,
                "Invalid arguments:msg",
                ids,
            ));
        }
        let send: SendWorkNotification = decode(map, ids)?;
        if send.agent_id() != caller.agent_id {
            return Err(err(ErrorCode::INVALID_AGENT_ID, "Invalid agentid", ids));
        }
        let limits = if caller.isv {
            RecipientLimits::ISV
        } else {
            RecipientLimits::INTERNAL
        };
        if send.is_to_all_user() && !limits.allow_to_all_user {
            return Err(err(
                ErrorCode::INVALID_ARGUMENT,
                "Invalid arguments:to_all_user (third-party enterprise apps may not send to all users)",
                ids,
            ));
        }
        if send.userid_list().len() > limits.max_users {
            return Err(err(
                ErrorCode::INVALID_ARGUMENT,
                &format!(
                    "Invalid arguments:userid_list (at most {} users per call)",
                    limits.max_users
                ),
                ids,
            ));
        }
        if send.dept_id_list().len() > limits.max_depts {
            return Err(err(
                ErrorCode::INVALID_ARGUMENT,
                &format!(
                    "Invalid arguments:dept_id_list (at most {} departments per call)",
                    limits.max_depts
                ),
                ids,
            ));
        }
        if send.userid_list().is_empty() && send.dept_id_list().is_empty() && !send.is_to_all_user()
        {
            return Err(err(
                ErrorCode::EMPTY_RECIPIENTS,
                "The recipient is empty",
                ids,
            ));
        }

        // Resolve: users given, then department members (or everyone), deduplicated.
        let mut users: Vec<(String, Option<UserBehaviour>)> = Vec::new();
        let mut invalid_depts = Vec::new();
        {
            fn add<'a>(
                id: &'a str,
                seen: &mut HashSet<&'a str>,
                users: &mut Vec<(String, Option<UserBehaviour>)>,
                dir: &Directory,
            ) {
                if seen.insert(id) {
                    users.push((id.to_owned(), dir.behaviour(id)));
                }
            }
            let dir = &self.config.directory;
            let mut seen: HashSet<&str> = HashSet::new();
            for id in send.userid_list() {
                add(id, &mut seen, &mut users, dir);
            }
            for dept in send.dept_id_list() {
                match dir.department(*dept) {
                    Some(members) => {
                        for id in members {
                            add(id, &mut seen, &mut users, dir);
                        }
                    }
                    None => {
                        if !invalid_depts.contains(dept) {
                            invalid_depts.push(*dept);
                        }
                    }
                }
            }
            if send.is_to_all_user() {
                for (id, _) in dir.users() {
                    add(id, &mut seen, &mut users, dir);
                }
            }
        }

        // The app's recipients-per-minute budget refuses the whole call.
        self.prune(now);
        let agent = caller.agent_id.get();
        let window = self.minute.entry(agent).or_default();
        let used: usize = window.iter().map(|(_, n)| n).sum();
        if used.saturating_add(users.len()) > self.config.recipients_per_minute {
            let (code, msg) = if caller.isv {
                (
                    ErrorCode::ISV_CORP_RECIPIENTS_PER_MINUTE_EXCEEDED,
                    "The QPM limit for an ISV app sending to a single organization has been exceeded",
                )
            } else {
                (
                    ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED,
                    "The QPM limit for the number of message recipients per app within the organization has been exceeded",
                )
            };
            return Err(err(code, msg, ids));
        }
        window.push_back((now, users.len()));

        // Per user: duplicate content, then the daily limit, then delivery.
        let (dup_code, daily_code, daily_limit) = if caller.isv {
            (
                ErrorCode::ISV_DUPLICATE_CONTENT,
                ErrorCode::ISV_DAILY_USER_LIMIT_EXCEEDED,
                self.config.isv_daily_user_limit,
            )
        } else {
            (
                ErrorCode::DUPLICATE_CONTENT,
                ErrorCode::DAILY_USER_LIMIT_EXCEEDED,
                self.config.daily_user_limit,
            )
        };
        let today = day_of(now);
        let hash = content_hash(send.msg());
        let mut recipients = Vec::with_capacity(users.len());
        for (user, behaviour) in users {
            let fate = match behaviour {
                None => Fate::Invalid,
                Some(behaviour) => {
                    let content_key = (agent, today, user.clone(), hash);
                    let daily_key = (agent, today, user.clone());
                    let count = self.daily.get(&daily_key).copied().unwrap_or(0);
                    if self.sent_content.contains(&content_key) {
                        Fate::Forbidden(dup_code, 1)
                    } else if count >= daily_limit {
                        Fate::Forbidden(daily_code, u64::from(daily_limit))
                    } else {
                        self.sent_content.insert(content_key);
                        self.daily.insert(daily_key, count.saturating_add(1));
                        if behaviour != UserBehaviour::Fails {
                            *self.deliveries.entry(user.clone()).or_insert(0) += 1;
                        }
                        Fate::Delivered(behaviour)
                    }
                }
            };
            recipients.push((user, fate));
        }

        let id = TaskId(self.next_task_id);
        self.next_task_id = self.next_task_id.saturating_add(1);
        let (status_value, status_bg) = match send.msg() {
            Message::Oa { oa } => oa.status_bar.as_ref().map_or((None, None), |bar| {
                (Some(bar.status_value.clone()), bar.status_bg)
            }),
            _ => (None, None),
        };
        self.tasks.insert(
            id.get(),
            Task {
                id,
                agent_id: caller.agent_id,
                message: send.msg().clone(),
                to_all_user: send.is_to_all_user(),
                recipients,
                invalid_depts,
                sent_at: now,
                status_value,
                status_bg,
                recalled_at: None,
            },
        );
        log::debug!("mock: task {id} created");
        Ok(ok(&TaskIdPayload { task_id: id }, ids))
    }

    // ---- following a task ----

    /// The task `task_id` of `agent_id` if it is younger than `window`.
    fn task_within(
        &mut self,
        agent_id: AgentId,
        task_id: TaskId,
        now: Duration,
        window: Duration,
        ids: &Ids,
    ) -> Result<&mut Task, Answer> {
        match self.tasks.get_mut(&task_id.get()) {
            Some(task)
                if task.agent_id == agent_id && now.saturating_sub(task.sent_at) < window =>
            {
                Ok(task)
            }
            _ => Err(err(ErrorCode::INVALID_PARAMETER, "Invalid parameter", ids)),
        }
    }

    fn progress(&mut self, req: &Incoming, now: Duration, ids: &Ids) -> Result<Answer, Answer> {
        self.caller(req, now, ids)?;
        let q: GetSendProgress = decode(body_object(req, ids)?, ids)?;
        let duration = self.config.delivery_duration;
        let task = self.task_within(q.agent_id, q.task_id, now, DAY, ids)?;
        let progress = progress_of(task, now, duration);
        Ok(ok(&ProgressPayload { progress }, ids))
    }

    fn result(&mut self, req: &Incoming, now: Duration, ids: &Ids) -> Result<Answer, Answer> {
        self.caller(req, now, ids)?;
        let q: GetSendResult = decode(body_object(req, ids)?, ids)?;
        let duration = self.config.delivery_duration;
        let task = self.task_within(q.agent_id, q.task_id, now, DAY, ids)?;
        if task.recipients.len() > MAX_RESULT_RECIPIENTS {
            return Err(err(
                ErrorCode::TOO_MANY_RECIPIENTS_FOR_RESULT,
                &format!(
                    "Call timeout: too many recipients in this delivery ({} > {MAX_RESULT_RECIPIENTS}); sending results will no longer be returned",
                    task.recipients.len()
                ),
                ids,
            ));
        }
        let send_result = result_of(task, now, duration);
        Ok(ok(&ResultPayload { send_result }, ids))
    }

    fn status_bar(&mut self, req: &Incoming, now: Duration, ids: &Ids) -> Result<Answer, Answer> {
        let caller = self.caller(req, now, ids)?;
        let q: UpdateStatusBar = decode(body_object(req, ids)?, ids)?;
        if q.agent_id != caller.agent_id {
            return Err(err(ErrorCode::INVALID_AGENT_ID, "Invalid agentid", ids));
        }
        if q.status_value.trim().is_empty() {
            return Err(err(
                ErrorCode::MISSING_ARGUMENT,
                "Missing parameter status_value",
                ids,
            ));
        }
        let task = self.task_within(q.agent_id, q.task_id, now, WEEK, ids)?;
        task.status_value = Some(q.status_value);
        if q.status_bg.is_some() {
            task.status_bg = q.status_bg;
        }
        Ok(ok(&Map::new(), ids))
    }

    fn recall(&mut self, req: &Incoming, now: Duration, ids: &Ids) -> Result<Answer, Answer> {
        let caller = self.caller(req, now, ids)?;
        let q: RecallWorkNotification = decode(body_object(req, ids)?, ids)?;
        if q.agent_id != caller.agent_id {
            return Err(err(ErrorCode::INVALID_AGENT_ID, "Invalid agentid", ids));
        }
        let task = self.task_within(q.agent_id, q.msg_task_id, now, DAY, ids)?;
        if task.recalled_at.is_none() {
            task.recalled_at = Some(now);
        }
        Ok(ok(&Map::new(), ids))
    }

    // ---- inspection ----

    pub(crate) fn snapshot(&self, task_id: TaskId, now: Duration) -> Option<TaskSnapshot> {
        self.tasks
            .get(&task_id.get())
            .map(|t| snapshot_of(t, now, self.config.delivery_duration))
    }

    pub(crate) fn snapshots(&self, now: Duration) -> Vec<TaskSnapshot> {
        let mut all: Vec<_> = self
            .tasks
            .values()
            .map(|t| snapshot_of(t, now, self.config.delivery_duration))
            .collect();
        all.sort_by_key(|t| t.task_id);
        all
    }

    pub(crate) fn deliveries(&self, user: &str) -> u64 {
        self.deliveries.get(user).copied().unwrap_or(0)
    }

    pub(crate) fn all_deliveries(&self) -> std::collections::BTreeMap<String, u64> {
        self.deliveries
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    pub(crate) fn revoke_tokens(&mut self) {
        for record in self.tokens.values_mut() {
            record.revoked = true;
        }
    }
}

fn progress_of(task: &Task, now: Duration, duration: Duration) -> SendProgress {
    let elapsed = now.saturating_sub(task.sent_at);
    if duration.is_zero() || elapsed >= duration {
        return SendProgress {
            progress_in_percent: 100,
            status: ProgressStatus::Completed,
        };
    }
    let percent = u32::try_from(elapsed.as_nanos() * 100 / duration.as_nanos()).unwrap_or(99);
    SendProgress {
        progress_in_percent: percent.min(99),
        status: if percent == 0 {
            ProgressStatus::NotStarted
        } else {
            ProgressStatus::InProgress
        },
    }
}

fn result_of(task: &Task, now: Duration, duration: Duration) -> SendResult {
    let done = progress_of(task, now, duration).is_done();
    let mut r = SendResult::default();
    r.invalid_dept_id_list = task.invalid_depts.clone();
    for (user, fate) in &task.recipients {
        match fate {
            Fate::Invalid => r.invalid_user_id_list.push(user.clone()),
            Fate::Forbidden(code, count) => {
                r.forbidden_user_id_list.push(user.clone());
                r.forbidden_list
                    .push(ForbiddenEntry::new(*code, *count, user.clone()));
            }
            Fate::Delivered(_) if !done => r.unread_user_id_list.push(user.clone()),
            Fate::Delivered(UserBehaviour::Reads) => r.read_user_id_list.push(user.clone()),
            Fate::Delivered(UserBehaviour::LeavesUnread) => {
                r.unread_user_id_list.push(user.clone());
            }
            Fate::Delivered(UserBehaviour::Fails) => r.failed_user_id_list.push(user.clone()),
        }
    }
    r
}

fn snapshot_of(task: &Task, now: Duration, duration: Duration) -> TaskSnapshot {
    TaskSnapshot {
        task_id: task.id,
        agent_id: task.agent_id,
        message: task.message.clone(),
        to_all_user: task.to_all_user,
        recipients: task.recipients.iter().map(|(u, _)| u.clone()).collect(),
        delivered: task
            .recipients
            .iter()
            .filter(|(_, f)| matches!(f, Fate::Delivered(b) if *b != UserBehaviour::Fails))
            .map(|(u, _)| u.clone())
            .collect(),
        invalid_dept_ids: task.invalid_depts.clone(),
        sent_at: task.sent_at,
        status_value: task.status_value.clone(),
        status_bg: task.status_bg,
        recalled: task.recalled_at.is_some(),
        recalled_at: task.recalled_at,
        progress: progress_of(task, now, duration),
        result: result_of(task, now, duration),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_and_shaped() {
        let ids = Ids::new();
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let id = ids.request_id();
            assert_eq!(id.len(), 13);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
            );
            assert!(seen.insert(id));
        }
        let t = ids.token();
        assert_eq!(t.len(), 32);
    }

    #[test]
    fn envelope_keeps_payload_fields_flat() {
        let ids = Ids::new();
        let a = ok(
            &TaskIdPayload {
                task_id: TaskId(256_271_667_526),
            },
            &ids,
        );
        let v: Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(v["errcode"], 0);
        assert_eq!(v["task_id"].as_u64(), Some(256_271_667_526));
        assert!(v["request_id"].is_string());
        let e = err(ErrorCode::INVALID_PARAMETER, "Invalid parameter", &ids);
        let v: Value = serde_json::from_slice(&e.body).unwrap();
        assert_eq!(v["errcode"], 40035);
        assert_eq!(v.as_object().map(Map::len), Some(3));
    }
}
