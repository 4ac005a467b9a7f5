//! DingTalk's semantics: tokens, tasks, windows, rate limits. No IO: a request and the
//! simulator time in, an answer out. Everything it accepts and answers is decided here with
//! the simulator's own wire types ([`wire`]), codes ([`code`]), limits and signature check,
//! written from the reference pages, never with the client's.

pub(crate) mod answer;
pub mod code;
mod contact_wire;
mod contacts;
mod follow;
pub(crate) mod ids;
mod msg;
mod send;
mod signature;
mod tokens;
mod wire;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use serde_json::Value;

use crate::campaign::{BudgetOverflow, Delivery, MAX_RECORDED_DELIVERIES, SendRecord};
use crate::credentials::{AppCredentials, IsvSuite};
use crate::directory::{Directory, UserBehaviour};
use crate::fault::Route;
use crate::gateway::{ErrorStyle, SuccessStyle};
use crate::http::Incoming;
use crate::limits::SendLimits;
pub(crate) use answer::{Answer, Reject, Wrap};
pub(crate) use contacts::{ContactSettings, ContactState};
pub use contacts::{DEFAULT_CONTACT_QPS, DEFAULT_ISV_CONTACT_QPS};
pub(crate) use follow::{
    Forbidden, Progress, SendResultWire, progress_of as follow_progress, result_of as follow_result,
};
pub(crate) use ids::Ids;

/// The first task id issued: already over 32 bits, like DingTalk's.
pub const FIRST_TASK_ID: u64 = 256_271_667_526;
const DAY: Duration = Duration::from_secs(24 * 3600);
const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);
const MINUTE: Duration = Duration::from_secs(60);
/// getsendresult serves tasks of at most this many recipients ("Call timeout" beyond).
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
    pub(crate) contacts: ContactSettings,
    pub(crate) daily_user_limit: u32,
    pub(crate) isv_daily_user_limit: u32,
    pub(crate) recipients_per_minute: usize,
    pub(crate) budget_overflow: BudgetOverflow,
    pub(crate) send_limits: SendLimits,
    pub(crate) isv_send_limits: SendLimits,
    pub(crate) error_style: ErrorStyle,
    pub(crate) success_style: SuccessStyle,
    pub(crate) denied: Vec<Route>,
    /// `get_corp_token` refuses timestamps further than this from the simulator's wall
    /// clock (853002); `None` does not check.
    pub(crate) timestamp_tolerance: Option<Duration>,
    /// The simulator's wall clock at simulator time zero, in ms since the Unix epoch.
    pub(crate) wall_origin_ms: u64,
    pub(crate) path_prefix: String,
    pub(crate) max_body: usize,
    pub(crate) max_recorded: usize,
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

/// The app behind a token.
#[derive(Debug, Clone, Copy)]
struct Caller {
    agent_id: u64,
    isv: bool,
}

/// What became of one recipient of a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Sent; the user then behaves as the directory says.
    Delivered(UserBehaviour),
    /// Not a user of the directory.
    Invalid,
    /// Held back by a limit: the code (`143105`, …) and its threshold.
    Forbidden(i64, u64),
}

/// A task as the simulator holds it.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub(crate) id: u64,
    pub(crate) agent_id: u64,
    pub(crate) msg: Value,
    pub(crate) to_all_user: bool,
    pub(crate) recipients: Vec<(String, Fate)>,
    pub(crate) invalid_depts: Vec<u64>,
    pub(crate) sent_at: Duration,
    pub(crate) status_value: Option<String>,
    pub(crate) status_bg: Option<String>,
    pub(crate) recalled_at: Option<Duration>,
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
    send_log: VecDeque<SendRecord>,
    delivery_log: VecDeque<Delivery>,
    contacts: ContactState,
}

fn push_capped<T>(log: &mut VecDeque<T>, item: T) {
    while log.len() >= MAX_RECORDED_DELIVERIES {
        log.pop_front();
    }
    log.push_back(item);
}

fn day_of(now: Duration) -> u64 {
    now.as_secs() / DAY.as_secs()
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
            send_log: VecDeque::new(),
            delivery_log: VecDeque::new(),
            contacts: ContactState::default(),
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
        let result = if self.config.denied.contains(&route) {
            self.caller(req, now)
                .and_then(|_| Err(Reject::new(code::NO_PERMISSION, "没有调用该接口的权限")))
        } else {
            self.dispatch(route, req, now, ids)
        };
        result.unwrap_or_else(|reject| {
            let wrap = self.config.error_style.wrap(route, reject.code);
            answer::refuse(&reject, wrap, ids)
        })
    }

    fn dispatch(
        &mut self,
        route: Route,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        match route {
            Route::GetToken => self.get_token(req, now, ids),
            Route::GetCorpToken => self.get_corp_token(req, now, ids),
            Route::Send => self.send(req, now, ids),
            Route::SendProgress => self.progress(req, now, ids),
            Route::SendResult => self.result(req, now, ids),
            Route::StatusBarUpdate => self.status_bar(req, now, ids),
            Route::Recall => self.recall(req, now, ids),
            Route::DepartmentListSubId
            | Route::DepartmentListSub
            | Route::UserListId
            | Route::UserList
            | Route::UserGetByMobile
            | Route::UserGetByUnionId => self.contact(route, req, now, ids),
            Route::Any | Route::Unknown => Err(Reject::with_status(
                404,
                code::INVALID_METHOD,
                "Invalid method",
            )),
        }
    }

    /// A success answer on `route` with `payload`'s fields.
    fn ok<P: serde::Serialize>(&self, route: Route, payload: &P, ids: &Ids) -> Answer {
        answer::ok(payload, self.config.success_style.errmsg(route), ids)
    }

    // ---- inspection ----

    pub(crate) fn task(&self, task_id: u64) -> Option<&Task> {
        self.tasks.get(&task_id)
    }

    pub(crate) fn all_tasks(&self) -> Vec<&Task> {
        let mut all: Vec<&Task> = self.tasks.values().collect();
        all.sort_by_key(|t| t.id);
        all
    }

    pub(crate) fn deliveries(&self, user: &str) -> u64 {
        self.deliveries.get(user).copied().unwrap_or(0)
    }

    pub(crate) fn all_deliveries(&self) -> BTreeMap<String, u64> {
        self.deliveries
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    pub(crate) fn send_log(&self) -> Vec<SendRecord> {
        self.send_log.iter().cloned().collect()
    }

    pub(crate) fn delivery_log(&self) -> Vec<Delivery> {
        self.delivery_log.iter().cloned().collect()
    }

    /// Records an accepted send and its deliveries, within [`MAX_RECORDED_DELIVERIES`].
    fn log_send(&mut self, record: SendRecord, delivered: impl IntoIterator<Item = String>) {
        let (task_id, agent_id, at) = (record.task_id, record.agent_id, record.at);
        push_capped(&mut self.send_log, record);
        for user_id in delivered {
            push_capped(
                &mut self.delivery_log,
                Delivery {
                    user_id,
                    task_id,
                    agent_id,
                    at,
                },
            );
        }
    }

    pub(crate) fn revoke_tokens(&mut self) {
        for record in self.tokens.values_mut() {
            record.revoked = true;
        }
    }
}
