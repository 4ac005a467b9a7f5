//! `--redis URL` (`DINGTALK_REDIS_URL`): a fleet's Redis, through which every invocation on
//! any machine shares the app's access token, its recipients-per-minute budget and the
//! campaign ledger (`dingtalk-notify-redis`).
//!
//! Only in a build with the `redis` feature, which needs Rust 1.88. Without it, `--redis`
//! (or the variable) is refused with how to build it, so that a fleet's setting is never
//! silently ignored (a campaign would then live in this process only).

use crate::cli::GlobalArgs;
use crate::exit::Failure;

/// The password part of a Redis URL (`redis://user:password@host`), to cut out of all
/// output.
pub fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let password = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
    Some(password).filter(|p| !p.is_empty())
}

/// The largest `--redis-ca-cert` file read.
const MAX_CA_FILE: u64 = 1024 * 1024;

/// `--redis-ca-cert`'s PEM, for the `rediss://` `url`; `None` when not given.
///
/// # Errors
/// Exit 2 when it is given without a `rediss://` URL, or cannot be read or holds no PEM
/// certificate.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn ca_file(global: &GlobalArgs, url: &str) -> Result<Option<Vec<u8>>, Failure> {
    use std::io::Read as _;
    let Some(path) = &global.redis_ca_cert else {
        return Ok(None);
    };
    if !url.starts_with("rediss://") {
        return Err(Failure::invalid_input(
            "--redis-ca-cert is for a rediss:// (TLS) --redis URL; give rediss://… or drop \
             --redis-ca-cert (DINGTALK_REDIS_CA_CERT)",
        ));
    }
    let shown = path.display();
    let mut pem = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CA_FILE + 1).read_to_end(&mut pem))
        .map_err(|e| Failure::invalid_input(format!("cannot read --redis-ca-cert {shown}: {e}")))?;
    let text = String::from_utf8_lossy(&pem);
    if pem.len() as u64 > MAX_CA_FILE || !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(Failure::invalid_input(format!(
            "invalid --redis-ca-cert {shown}: expected PEM CA certificates \
             (-----BEGIN CERTIFICATE-----), at most {MAX_CA_FILE} bytes"
        )));
    }
    Ok(Some(pem))
}

/// No `--redis`: `--redis-ca-cert` or `--redis-accept-volatile` alone is refused (it would
/// be ignored).
///
/// # Errors
/// Exit 2 when either is given.
fn without_redis(global: &GlobalArgs) -> Result<(), Failure> {
    if global.redis_accept_volatile {
        return Err(Failure::invalid_input(
            "--redis-accept-volatile (DINGTALK_REDIS_ACCEPT_VOLATILE) is for a --redis \
             ledger, and no --redis was given; give --redis URL or drop it",
        ));
    }
    match &global.redis_ca_cert {
        None => Ok(()),
        Some(_) => Err(Failure::invalid_input(
            "--redis-ca-cert (DINGTALK_REDIS_CA_CERT) is for a rediss:// --redis URL, and \
             none was given; give --redis rediss://… or drop it",
        )),
    }
}

/// `--redis`, when given (blank counts as not given).
fn given(global: &GlobalArgs) -> Option<&str> {
    global
        .redis
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[cfg(not(feature = "redis"))]
mod imp {
    use std::sync::Arc;

    use dingtalk_notify::budget::RecipientBudget;
    use dingtalk_notify::ledger::Ledger;
    use dingtalk_notify::{BaseUrl, ClientBuilder, TokenSource};

    use super::{Failure, GlobalArgs, given};
    use crate::commands::CliTransport;

    /// A fleet's Redis: none can exist in a build without the `redis` feature.
    #[derive(Debug)]
    pub enum Fleet {}

    /// `--redis`: refused in this build when given.
    ///
    /// # Errors
    /// Exit 2, saying how to get a build with the `redis` feature.
    pub fn open(global: &GlobalArgs, _source: &TokenSource) -> Result<Option<Fleet>, Failure> {
        match given(global) {
            None => super::without_redis(global).map(|()| None),
            Some(url) => {
                let tls = if url.starts_with("rediss://") {
                    " (rediss://, TLS, included)"
                } else {
                    ""
                };
                Err(Failure::invalid_input(format!(
                    "--redis (or DINGTALK_REDIS_URL) needs a build with the `redis` \
                     feature{tls}, which needs Rust 1.88: `cargo install dingtalk-notify-cli \
                     --features redis` (or `cargo build -p dingtalk-notify-cli --features \
                     redis`); or unset it to work without a fleet's Redis"
                )))
            }
        }
    }

    impl Fleet {
        /// Never called: no `Fleet` exists in this build.
        pub fn client_builder(
            &self,
            _base: &BaseUrl,
            _fetch: CliTransport,
            _global: &GlobalArgs,
        ) -> Result<ClientBuilder, Failure> {
            match *self {}
        }

        /// Never called: no `Fleet` exists in this build.
        pub fn budget(&self, _global: &GlobalArgs) -> Result<Arc<dyn RecipientBudget>, Failure> {
            match *self {}
        }

        /// Never called: no `Fleet` exists in this build.
        pub fn ledger(&self) -> Result<Box<dyn Ledger>, Failure> {
            match *self {}
        }
    }
}

#[cfg(feature = "redis")]
mod imp {
    use std::sync::Arc;

    use dingtalk_notify::budget::{Budget, RecipientBudget};
    use dingtalk_notify::ledger::Ledger;
    use dingtalk_notify::{BaseUrl, Client, ClientBuilder, TokenSource};
    use dingtalk_notify_redis::{
        DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_WAIT, DEFAULT_RESPONSE_TIMEOUT, RedisBudget,
        RedisLedger, RedisStore, RedisTokenProvider,
    };

    use super::{Failure, GlobalArgs, given};
    use crate::commands::CliTransport;
    use crate::exit::{Kind, TRANSPORT};

    /// A fleet's Redis and the app whose token, budget and ledger live there.
    pub struct Fleet {
        store: RedisStore,
        app: TokenSource,
        /// `--redis-accept-volatile`.
        accept_volatile: bool,
    }

    impl std::fmt::Debug for Fleet {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            // RedisStore's and TokenSource's Debug hide their secrets.
            f.debug_struct("Fleet")
                .field("store", &self.store)
                .field("app", &self.app)
                .field("accept_volatile", &self.accept_volatile)
                .finish()
        }
    }

    /// `--redis`: the fleet's Redis for the app of `source`, checked with a `PING`.
    ///
    /// # Errors
    /// Exit 2 for an invalid URL or a source without an app (`--access-token`); exit 3 when
    /// Redis cannot be reached or refuses the credentials.
    pub fn open(global: &GlobalArgs, source: &TokenSource) -> Result<Option<Fleet>, Failure> {
        let Some(url) = given(global) else {
            return super::without_redis(global).map(|()| None);
        };
        if let Some(password) = super::url_password(url) {
            crate::secrets::remember(&crate::secrets::percent_decoded(password));
        }
        if !matches!(source, TokenSource::App { .. } | TokenSource::Isv { .. }) {
            return Err(Failure::invalid_input(
                "--redis shares an app's token, budget and ledger: give the app's \
                 --app-key and --app-secret (or a third-party app's --suite-key, \
                 --suite-secret, --suite-ticket and --corp-id), not --access-token",
            ));
        }
        let mut store = RedisStore::builder(url)
            .connect_timeout(global.timeout.min(DEFAULT_CONNECT_TIMEOUT))
            .response_timeout(global.timeout.min(DEFAULT_RESPONSE_TIMEOUT));
        if let Some(pem) = super::ca_file(global, url)? {
            store = store.tls_root_certificates_pem(pem);
        }
        let store = store
            .build()
            .map_err(|e| Failure::invalid_input(format!("invalid --redis: {e}")))?;
        store.ping(global.timeout).map_err(|e| {
            Failure::plain(
                Kind::Redis,
                TRANSPORT,
                format!("cannot use the --redis server: {e}"),
            )
        })?;
        Ok(Some(Fleet {
            store,
            app: source.clone(),
            accept_volatile: global.redis_accept_volatile,
        }))
    }

    impl Fleet {
        /// A client builder whose token comes from the fleet (fetched over `fetch` when it
        /// is due, by one process of the fleet at a time).
        ///
        /// # Errors
        /// Exit 2 when the provider cannot be configured.
        pub fn client_builder(
            &self,
            base: &BaseUrl,
            fetch: CliTransport,
            global: &GlobalArgs,
        ) -> Result<ClientBuilder, Failure> {
            let config = |e: dingtalk_notify_redis::Error| {
                Failure::invalid_input(format!("cannot use the --redis server: {e}"))
            };
            let tokens = RedisTokenProvider::builder(&self.store, self.app.clone(), fetch)
                .base_url(base.clone())
                .max_wait(global.timeout.min(DEFAULT_MAX_WAIT))
                .build()
                .map_err(config)?;
            Ok(Client::builder(TokenSource::provider(tokens))
                .recipient_limits(self.app.recipient_limits()))
        }

        /// The fleet's budget of `--budget` recipients a minute for the app, shared by
        /// every process on this Redis.
        ///
        /// # Errors
        /// Exit 2 when it cannot be configured.
        pub fn budget(&self, global: &GlobalArgs) -> Result<Arc<dyn RecipientBudget>, Failure> {
            let quota = Budget::per_minute(global.budget);
            RedisBudget::from_budget(&self.store, &self.app, quota)
                .map(|b| Arc::new(b) as Arc<dyn RecipientBudget>)
                .map_err(|e| Failure::invalid_input(format!("cannot use the --redis budget: {e}")))
        }

        /// The fleet's campaign ledger for the app. It refuses to write to a Redis that
        /// cannot promise durability unless `--redis-accept-volatile` was given.
        ///
        /// # Errors
        /// Exit 2 when it cannot be configured.
        pub fn ledger(&self) -> Result<Box<dyn Ledger>, Failure> {
            RedisLedger::new(&self.store, &self.app)
                .map(|l| Box::new(l.accept_volatile(self.accept_volatile)) as Box<dyn Ledger>)
                .map_err(|e| Failure::invalid_input(format!("cannot use the --redis ledger: {e}")))
        }
    }
}

pub use imp::{Fleet, open};

#[cfg(test)]
mod tests {
    use super::url_password;

    #[test]
    fn the_password_of_a_url_is_found() {
        assert_eq!(url_password("redis://:pw@127.0.0.1:6379"), Some("pw"));
        assert_eq!(url_password("redis://u:p%40ss@h/0"), Some("p%40ss"));
        assert_eq!(url_password("redis://onlypw@h"), Some("onlypw"));
        assert_eq!(url_password("redis://u:a@b@h:1/2?x=@"), Some("a@b"));
        assert_eq!(url_password("redis://h:6379"), None);
        assert_eq!(url_password("redis://u:@h"), None);
        assert_eq!(url_password("not a url"), None);
    }
}
