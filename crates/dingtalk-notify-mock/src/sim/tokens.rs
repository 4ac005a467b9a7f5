//! `gettoken`, `get_corp_token`, and the caller behind an `access_token`.

use std::time::Duration;

use serde::Serialize;

use super::answer::{Answer, Reject};
use super::ids::Ids;
use super::wire::{CorpTokenBody, body_object, decode, is_form};
use super::{Caller, Owner, Sim, TokenRecord, code, signature};
use crate::fault::Route;
use crate::http::{Incoming, parse_query};

#[derive(Serialize)]
struct TokenPayload<'a> {
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<u64>,
}

impl Sim {
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

    fn token_answer(&self, route: Route, token: &str, ids: &Ids) -> Answer {
        self.ok(
            route,
            &TokenPayload {
                access_token: token,
                expires_in: self.expires_in(),
            },
            ids,
        )
    }

    pub(super) fn get_token(
        &mut self,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        let key = req.query_value("appkey").unwrap_or("");
        let secret = req.query_value("appsecret").unwrap_or("");
        if key.is_empty() {
            return Err(Reject::new(
                code::MISSING_ARGUMENT,
                "Missing parameter appkey",
            ));
        }
        if secret.is_empty() {
            return Err(Reject::new(
                code::MISSING_ARGUMENT,
                "Missing parameter appsecret",
            ));
        }
        let Some(index) = self
            .config
            .apps
            .iter()
            .position(|a| a.app_key == key && a.app_secret.expose_secret() == secret)
        else {
            return Err(Reject::new(
                code::INVALID_CREDENTIAL,
                "Invalid appkey or appsecret",
            ));
        };
        let token = self.issue(Owner::App(index), now, ids);
        Ok(self.token_answer(Route::GetToken, &token, ids))
    }

    pub(super) fn get_corp_token(
        &mut self,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        let mut params = [
            ("accessKey", ""),
            ("timestamp", ""),
            ("suiteTicket", ""),
            ("signature", ""),
        ];
        for (name, value) in &mut params {
            *value = req.query_value(name).unwrap_or("");
            if value.is_empty() {
                return Err(Reject::new(
                    code::MISSING_ARGUMENT,
                    format!("Missing parameter {name}"),
                ));
            }
        }
        let [(_, key), (_, timestamp), (_, ticket), (_, signature)] = params;
        let Ok(sent_ms) = timestamp.trim().parse::<u64>() else {
            return Err(Reject::described(code::TIMESTAMP_INVALID));
        };
        let Some(suite_index) = self.config.suites.iter().position(|s| s.suite_key == key) else {
            return Err(Reject::described(code::ACCESS_KEY_INVALID));
        };
        let suite = &self.config.suites[suite_index];
        if suite.suite_ticket.expose_secret() != ticket {
            return Err(Reject::described(code::SUITE_TICKET_INVALID));
        }
        if !signature::verify(
            suite.suite_secret.expose_secret(),
            timestamp,
            ticket,
            signature,
        ) {
            return Err(Reject::described(code::SIGNATURE_MISMATCH));
        }
        if let Some(tolerance) = self.config.timestamp_tolerance {
            // The simulator's wall clock in ms: its origin plus simulator time.
            let wall_ms = self
                .config
                .wall_origin_ms
                .saturating_add(u64::try_from(now.as_millis()).unwrap_or(u64::MAX));
            let off = Duration::from_millis(wall_ms.abs_diff(sent_ms));
            if off > tolerance {
                return Err(Reject::described(code::TIMESTAMP_OUT_OF_RANGE));
            }
        }
        let body: CorpTokenBody = decode(body_object(req)?)?;
        if !suite.corps.iter().any(|(c, _)| *c == body.auth_corpid) {
            return Err(Reject::new(code::INVALID_CORP_ID, "Invalid corpid"));
        }
        let token = self.issue(Owner::Corp(suite_index, body.auth_corpid), now, ids);
        Ok(self.token_answer(Route::GetCorpToken, &token, ids))
    }

    /// The caller behind `access_token` (query or form body).
    pub(super) fn caller(&self, req: &Incoming, now: Duration) -> Result<Caller, Reject> {
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
        let invalid = || Reject::new(code::INVALID_ACCESS_TOKEN, "不合法的access_token");
        let record = self.tokens.get(token).ok_or_else(invalid)?;
        if record.revoked {
            return Err(invalid());
        }
        if now >= record.expires_at {
            return Err(Reject::new(code::ACCESS_TOKEN_EXPIRED, "access_token超时"));
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
}
