//! The contact calls: departments, members and lookups from the [`Directory`], behind the
//! token check and the per-app, per-API QPS limit (90018; ISV apps 90019), measured on the
//! simulator's clock. Every call that reaches a handler is counted per route.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use super::answer::{Answer, Reject};
use super::contact_wire::{
    ByMobile, ByUnionId, DeptBody, DeptEntry, DeptIdList, MobileBody, UnionIdBody, UserDetail,
    UserIdList, UserListBody, UserPage, Wrapped, is_valid_mobile,
};
use super::ids::Ids;
use super::wire::{body_object, decode};
use super::{Caller, Sim, code};
use crate::directory::{Directory, ROOT_DEPT_ID};
use crate::fault::Route;
use crate::http::Incoming;

/// DingTalk's documented per-app, per-API rate for internal apps on the standard plan: 20
/// calls a second (professional 40, dedicated 60), answered 90018 beyond
/// (developer.aliyun.com/ask/615474 and /ask/585193; the global error table).
pub const DEFAULT_CONTACT_QPS: u32 = 20;
/// ISV apps: 40 calls a second per API per authorizing organisation, 90019 beyond (the
/// throttling page).
pub const DEFAULT_ISV_CONTACT_QPS: u32 = 40;
/// `v2/user/list`'s largest page.
const MAX_PAGE: u64 = 100;
const SECOND: Duration = Duration::from_secs(1);

/// The contact calls' settings: calls a second per app per API (`None`: unlimited).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContactSettings {
    pub(crate) qps: Option<u32>,
    pub(crate) isv_qps: Option<u32>,
}

impl Default for ContactSettings {
    fn default() -> Self {
        Self {
            qps: Some(DEFAULT_CONTACT_QPS),
            isv_qps: Some(DEFAULT_ISV_CONTACT_QPS),
        }
    }
}

/// The contact calls' state: the calls of the last second per app and route, and counts.
#[derive(Debug, Default)]
pub(crate) struct ContactState {
    windows: HashMap<(u64, Route), VecDeque<Duration>>,
    calls: HashMap<Route, u64>,
    throttled: HashMap<Route, u64>,
}

impl ContactState {
    /// Calls that reached `route`'s handler (every contact route for [`Route::Any`]).
    pub(crate) fn calls(&self, route: Route) -> u64 {
        count(&self.calls, route)
    }

    /// Calls to `route` refused by the QPS limit.
    pub(crate) fn throttled(&self, route: Route) -> u64 {
        count(&self.throttled, route)
    }

    /// Admits a call of `caller` to `route` at `now`, or refuses it (90018, ISV 90019)
    /// when `limit` calls were admitted within the last second. Refused calls do not count
    /// toward the window.
    fn admit(
        &mut self,
        caller: Caller,
        route: Route,
        now: Duration,
        settings: ContactSettings,
    ) -> Result<(), Reject> {
        let (limit, code) = if caller.isv {
            (settings.isv_qps, code::ISV_QPS_LIMIT)
        } else {
            (settings.qps, code::API_QPS_LIMIT)
        };
        let Some(limit) = limit else {
            return Ok(());
        };
        let window = self.windows.entry((caller.agent_id, route)).or_default();
        while window
            .front()
            .is_some_and(|at| now.saturating_sub(*at) >= SECOND)
        {
            window.pop_front();
        }
        if window.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            *self.throttled.entry(route).or_default() += 1;
            return Err(Reject::described(code));
        }
        window.push_back(now);
        Ok(())
    }
}

fn count(map: &HashMap<Route, u64>, route: Route) -> u64 {
    if route == Route::Any {
        map.values().sum()
    } else {
        map.get(&route).copied().unwrap_or(0)
    }
}

fn no_dept() -> Reject {
    Reject::described(code::DEPT_NOT_FOUND)
}

fn no_user() -> Reject {
    Reject::described(code::USER_NOT_FOUND)
}

/// A department's sub-department ids, one level; 60003 for an unknown department.
fn children(dir: &Directory, dept: u64) -> Result<Vec<u64>, Reject> {
    dir.sub_departments(dept).ok_or_else(no_dept)
}

impl Sim {
    /// Answers a contact call (`route.is_contact()`).
    pub(super) fn contact(
        &mut self,
        route: Route,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        *self.contacts.calls.entry(route).or_default() += 1;
        let caller = self.caller(req, now)?;
        let settings = self.config.contacts;
        self.contacts.admit(caller, route, now, settings)?;
        let map = body_object(req)?;
        let dir = &self.config.directory;
        match route {
            Route::DepartmentListSubId => {
                let body: DeptBody = decode(map)?;
                let dept = body.dept_id.ok_or_else(|| missing("dept_id"))?;
                let dept_id_list = children(dir, dept)?;
                Ok(self.ok(
                    route,
                    &Wrapped {
                        result: DeptIdList { dept_id_list },
                    },
                    ids,
                ))
            }
            Route::DepartmentListSub => {
                let body: DeptBody = decode(map)?;
                let dept = body.dept_id.unwrap_or(ROOT_DEPT_ID);
                let result: Vec<DeptEntry<'_>> = children(dir, dept)?
                    .into_iter()
                    .map(|id| DeptEntry {
                        dept_id: id,
                        name: dir.department_name(id).unwrap_or(""),
                        parent_id: dept,
                    })
                    .collect();
                Ok(self.ok(route, &Wrapped { result }, ids))
            }
            Route::UserListId => {
                let body: DeptBody = decode(map)?;
                let dept = body.dept_id.ok_or_else(|| missing("dept_id"))?;
                let userid_list = dir.department(dept).ok_or_else(no_dept)?;
                Ok(self.ok(
                    route,
                    &Wrapped {
                        result: UserIdList { userid_list },
                    },
                    ids,
                ))
            }
            Route::UserList => {
                let body: UserListBody = decode(map)?;
                let page = user_page(dir, &body)?;
                Ok(self.ok(route, &Wrapped { result: page }, ids))
            }
            Route::UserGetByMobile => {
                let body: MobileBody = decode(map)?;
                let mobile = body.mobile.trim();
                if !is_valid_mobile(mobile) {
                    return Err(Reject::described(code::INVALID_MOBILE));
                }
                let userid = dir.user_by_mobile(mobile).ok_or_else(no_user)?;
                let result = ByMobile {
                    userid,
                    exclusive_account_userid_list: body
                        .support_exclusive_account_search
                        .then(Vec::new),
                };
                Ok(self.ok(route, &Wrapped { result }, ids))
            }
            Route::UserGetByUnionId => {
                let body: UnionIdBody = decode(map)?;
                if body.unionid.trim().is_empty() {
                    return Err(missing("unionid"));
                }
                let userid = dir
                    .user_by_unionid(body.unionid.trim())
                    .ok_or_else(no_user)?;
                let result = ByUnionId {
                    contact_type: 0,
                    userid,
                };
                Ok(self.ok(route, &Wrapped { result }, ids))
            }
            _ => Err(Reject::with_status(
                404,
                code::INVALID_METHOD,
                "Invalid method",
            )),
        }
    }

    /// The contact calls' counts and windows.
    pub(crate) fn contact_state(&self) -> &ContactState {
        &self.contacts
    }
}

fn missing(field: &str) -> Reject {
    Reject::new(code::MISSING_ARGUMENT, format!("Missing parameter {field}"))
}

/// A page of a department's direct members: from `cursor` (an offset), `size` of them.
fn user_page<'a>(dir: &'a Directory, body: &UserListBody) -> Result<UserPage<'a>, Reject> {
    if body.size == 0 || body.size > MAX_PAGE {
        return Err(Reject::new(
            code::INVALID_PARAMETER,
            format!("Invalid parameter size: 1 to {MAX_PAGE}"),
        ));
    }
    let members = dir.member_indices(body.dept_id).ok_or_else(no_dept)?;
    let start = usize::try_from(body.cursor)
        .unwrap_or(usize::MAX)
        .min(members.len());
    let size = usize::try_from(body.size).unwrap_or(usize::MAX);
    let end = start.saturating_add(size).min(members.len());
    let list = members
        .get(start..end)
        .unwrap_or(&[])
        .iter()
        .filter_map(|&i| dir.person_at(i))
        .map(|p| UserDetail {
            userid: p.id(),
            unionid: p.union_id(),
            name: p.display_name(),
            active: p.is_active(),
            dept_id_list: p.dept_ids(),
            mobile: p.mobile_number(),
        })
        .collect();
    let has_more = end < members.len();
    Ok(UserPage {
        has_more,
        next_cursor: has_more.then(|| u64::try_from(end).unwrap_or(u64::MAX)),
        list,
    })
}
