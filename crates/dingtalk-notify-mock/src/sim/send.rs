//! `asyncsend_v2`: the per-call limits, recipients resolved through the directory, the
//! per-minute recipient budget, and the per-user daily and duplicate-content limits.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::answer::{Answer, Reject};
use super::ids::Ids;
use super::wire::{SendBody, body_object, decode};
use super::{Fate, MINUTE, Sim, Task, code, day_of, msg};
use crate::campaign::{BudgetOverflow, SendRecord};
use crate::directory::{Directory, UserBehaviour};
use crate::fault::Route;
use crate::http::Incoming;

#[derive(Serialize)]
struct TaskIdPayload {
    task_id: u64,
}

fn content_hash(msg: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    msg.to_string().hash(&mut h);
    h.finish()
}

/// The users a send names, then the members of its departments and the departments below
/// them (or everyone), deduplicated,
/// each with their behaviour (`None`: not in the directory); and the unknown departments.
fn resolve(send: &SendBody, dir: &Directory) -> (Vec<(String, Option<UserBehaviour>)>, Vec<u64>) {
    let mut users = Vec::new();
    let mut invalid_depts = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut add = |id: &str, users: &mut Vec<(String, Option<UserBehaviour>)>| {
        if seen.insert(id.to_owned()) {
            users.push((id.to_owned(), dir.behaviour(id)));
        }
    };
    for id in &send.userid_list {
        add(id, &mut users);
    }
    for dept in &send.dept_id_list {
        // A department reaches everyone below it too (the page: "接收者是部门ID时，包括子部门下的所有用户").
        match dir.reach(*dept) {
            Some(members) => members.into_iter().for_each(|id| add(id, &mut users)),
            None if !invalid_depts.contains(dept) => invalid_depts.push(*dept),
            None => {}
        }
    }
    if send.to_all_user {
        for (id, _) in dir.users() {
            add(id, &mut users);
        }
    }
    (users, invalid_depts)
}

impl Sim {
    pub(super) fn prune(&mut self, now: Duration) {
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

    pub(super) fn send(
        &mut self,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        let caller = self.caller(req, now)?;
        let map = body_object(req)?;
        if map.get("msg").is_some_and(Value::is_string) {
            return Err(Reject::new(code::INVALID_ARGUMENT, "Invalid arguments:msg"));
        }
        let send: SendBody = decode(map)?;
        let bar = msg::check(&send.msg)?;
        if send.agent_id != caller.agent_id {
            return Err(Reject::new(code::INVALID_AGENT_ID, "Invalid agentid"));
        }
        let limits = if caller.isv {
            self.config.isv_send_limits
        } else {
            self.config.send_limits
        };
        if send.to_all_user && caller.isv {
            return Err(Reject::new(
                code::INVALID_ARGUMENT,
                "Invalid arguments:to_all_user (third-party enterprise apps may not send to all users)",
            ));
        }
        if send.userid_list.len() > limits.max_users {
            return Err(Reject::new(
                code::INVALID_ARGUMENT,
                format!(
                    "Invalid arguments:userid_list (at most {} users per call)",
                    limits.max_users
                ),
            ));
        }
        if send.dept_id_list.len() > limits.max_depts {
            return Err(Reject::new(
                code::INVALID_ARGUMENT,
                format!(
                    "Invalid arguments:dept_id_list (at most {} departments per call)",
                    limits.max_depts
                ),
            ));
        }
        if send.userid_list.is_empty() && send.dept_id_list.is_empty() && !send.to_all_user {
            return Err(Reject::new(
                code::EMPTY_RECIPIENTS,
                "The recipient is empty",
            ));
        }
        let (users, invalid_depts) = resolve(&send, &self.config.directory);

        // The app's recipients-per-minute budget (any 60 s window): refuses the whole
        // call, or (BudgetOverflow::ForbidExcessUsers) holds back the recipients past it.
        self.prune(now);
        let agent = caller.agent_id;
        let budget = self.config.recipients_per_minute;
        let window = self.minute.entry(agent).or_default();
        let used: usize = window.iter().map(|(_, n)| n).sum();
        let left = budget.saturating_sub(used);
        let minute_code = if caller.isv {
            code::ISV_RECIPIENTS_PER_MINUTE
        } else {
            code::APP_RECIPIENTS_PER_MINUTE
        };
        if users.len() > left && self.config.budget_overflow == BudgetOverflow::RefuseCall {
            return Err(if caller.isv {
                Reject::new(
                    minute_code,
                    "The QPM limit for an ISV app sending to a single organization has been exceeded",
                )
            } else {
                Reject::new(
                    minute_code,
                    "The QPM limit for the number of message recipients per app within the organization has been exceeded",
                )
            });
        }
        let counted = users.len().min(left);
        window.push_back((now, counted));

        // Per user: duplicate content, then the daily limit, then delivery.
        let (dup_code, daily_code, daily_limit) = if caller.isv {
            (
                code::ISV_DUPLICATE_CONTENT,
                code::ISV_DAILY_USER_LIMIT,
                self.config.isv_daily_user_limit,
            )
        } else {
            (
                code::DUPLICATE_CONTENT,
                code::DAILY_USER_LIMIT,
                self.config.daily_user_limit,
            )
        };
        let today = day_of(now);
        let hash = content_hash(&send.msg);
        let resolved = users.len();
        let mut recipients = Vec::with_capacity(resolved);
        let mut delivered = Vec::new();
        for (i, (user, behaviour)) in users.into_iter().enumerate() {
            let fate = match behaviour {
                _ if i >= counted => {
                    Fate::Forbidden(minute_code, u64::try_from(budget).unwrap_or(u64::MAX))
                }
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
                            delivered.push(user.clone());
                        }
                        Fate::Delivered(behaviour)
                    }
                }
            };
            recipients.push((user, fate));
        }

        let id = self.next_task_id;
        self.next_task_id = self.next_task_id.saturating_add(1);
        self.tasks.insert(
            id,
            Task {
                id,
                agent_id: caller.agent_id,
                msg: send.msg,
                to_all_user: send.to_all_user,
                recipients,
                invalid_depts,
                sent_at: now,
                status_value: bar.value,
                status_bg: bar.bg,
                recalled_at: None,
            },
        );
        self.log_send(
            SendRecord {
                task_id: id,
                agent_id: caller.agent_id,
                at: now,
                counted,
                recipients: resolved,
            },
            delivered,
        );
        log::debug!("mock: task {id} created");
        Ok(self.ok(Route::Send, &TaskIdPayload { task_id: id }, ids))
    }
}
