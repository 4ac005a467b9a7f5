//! [`UreqTransport`] and its builder.

use std::time::Duration;

use dingtalk_notify_proto::http::{self, Method};
use dingtalk_notify_proto::multipart::FormRequest;
use dingtalk_notify_proto::transport::{
    HttpRequest, HttpResponse, Idempotency, Opaque, Transport, TransportBuilder, TransportConfig,
    TransportError, TransportErrorKind, declared_body_exceeds, fresh_response, omits_empty_body,
    read_capped,
};
use ureq::Agent;
use ureq::tls::TlsConfig;

use crate::error::{from_body_read, from_ureq};
use crate::proxy::UreqProxy;

/// A [`Transport`] over a [`ureq::Agent`].
///
/// Cloning is cheap and clones share the agent's connection pool. Whatever agent it wraps,
/// each request is sent with these settings forced on it:
/// - every status comes back as a response (`http_status_as_error(false)`);
/// - no redirect is followed (`max_redirects(0)`);
/// - the transport's connect and overall timeouts;
/// - TLS certificate verification, even if the agent was built without it, against the
///   [`root_certificates`](TransportBuilder::root_certificates) setting;
/// - the proxy the [`proxy`](TransportBuilder::proxy) setting picks for the target
///   (never one for loopback; the agent's own proxy setting is not used).
///
/// The body is read up to the transport's cap, [`config`](Self::config)`.max_body_size`.
///
/// Requests marked [`Idempotency::NonIdempotent`] (sends) never ride an idle pooled
/// connection: each opens a new one (which then joins the pool for later calls; the idle
/// ones to that host are closed). A server
/// may close an idle keep-alive connection just as a request goes out on it; the request
/// then fails with nothing to tell whether it was acted on, so a send would become
/// ambiguous for nothing. (ureq 3 itself never repeats a request; libcurl does, which is
/// why the isahc transport does the same.)
///
/// Its `Debug` shows the configuration, not the agent (whose `Debug` shows the proxy URI,
/// which may hold credentials).
#[derive(Clone, Debug)]
pub struct UreqTransport {
    pub(crate) agent: Opaque<Agent>,
    pub(crate) config: TransportConfig,
    pub(crate) proxy: UreqProxy,
    /// The TLS configuration forced on each request (`None`: the agent's own is right).
    pub(crate) tls: Result<Option<Opaque<TlsConfig>>, TransportError>,
    /// Whether the agent is the transport's own, built with the contract's settings (status
    /// as response, no redirects, the transport's timeouts, TLS verified, no proxy).
    pub(crate) own_agent: bool,
}

/// How much sooner than the transport's own timeout a request's overall timeout may end and
/// still be served by the own agent's settings. A client's first attempt asks for its whole
/// deadline less the microseconds spent before the send.
const TIMEOUT_SLACK: Duration = Duration::from_millis(10);

impl UreqTransport {
    /// A transport with the default settings and its own agent.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder, to set timeouts, the body cap, the user agent, the proxy, the roots or
    /// the agent ([`client`](TransportBuilder::client)).
    pub fn builder() -> TransportBuilder<Self> {
        TransportBuilder::default()
    }

    /// The wrapped agent.
    pub fn agent(&self) -> &Agent {
        &self.agent.0
    }

    /// The whole configuration: timeouts, body cap, user agent.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// Whether the own agent's timeouts serve a request asking for `(connect, overall)`: the
    /// same connect timeout, and an overall one at most [`TIMEOUT_SLACK`] shorter.
    fn agent_timeouts_fit(&self, (connect, overall): (Duration, Duration)) -> bool {
        connect == self.config.connect_timeout
            && self.config.timeout.saturating_sub(overall) <= TIMEOUT_SLACK
    }

    fn read_response(
        &self,
        response: http::Response<ureq::Body>,
        method: &Method,
        uri: &http::Uri,
    ) -> Result<HttpResponse, TransportError> {
        let (parts, body) = response.into_parts();
        let max = self.config.max_body_size;
        if declared_body_exceeds(method, parts.status, &parts.headers, max) {
            return Err(TransportError::body_too_large(max));
        }
        // ureq's own limit (10 MB by default) is lifted past ours; `read_capped` enforces ours.
        let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
        let reader = body.into_with_config().limit(limit).reader();
        let bytes = read_capped(reader, max, |e| from_body_read(e, uri, max))?;
        // A fresh response: ureq's extensions (which hold the request URI) stay behind.
        Ok(fresh_response(
            parts.status,
            parts.version,
            parts.headers,
            bytes,
        ))
    }
}

impl Transport for UreqTransport {
    type Error = TransportError;

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (parts, body) = request.into_parts();
        if body.is_empty() && omits_empty_body(&parts.method) {
            self.run(http::Request::from_parts(parts, ()))
        } else {
            self.run(http::Request::from_parts(parts, body))
        }
    }

    /// Writes the form's file straight from the caller's bytes into ureq's output buffer
    /// (the `Content-Length` known beforehand), so an upload copies its file no more than a
    /// POST of a body already built. If the file holds the boundary, the read stops with
    /// the body cut short (no server takes it), and the whole body, with another boundary,
    /// is sent instead.
    fn send_form(&self, request: FormRequest<'_>) -> Result<HttpResponse, TransportError> {
        let mut reader = request.reader();
        let head = request.to_head();
        let streamed = self.run(head.map(|()| ureq::SendBody::from_reader(&mut reader)));
        match streamed {
            Err(_) if reader.boundary_found() => self.send(request.into_request()),
            other => other,
        }
    }

    fn classify(&self, error: &TransportError) -> TransportErrorKind {
        error.kind()
    }
}

impl UreqTransport {
    /// Sends `request` with the contract's settings (see the type's docs).
    fn run<S: ureq::AsSendBody>(
        &self,
        request: http::Request<S>,
    ) -> Result<HttpResponse, TransportError> {
        warn_if_ureq_traces();
        let fresh_connection = Idempotency::of(&request) == Idempotency::NonIdempotent;
        let (mut parts, body) = request.into_parts();
        self.config.default_user_agent(&mut parts.headers);
        let method = parts.method.clone();
        let uri = parts.uri.clone();
        // The client's deadline for this call, when it is sooner than the transport's own.
        let timeouts = self.config.timeouts(&parts.extensions);
        let agent = &self.agent.0;
        let tls = self.tls.clone()?.map(|Opaque(tls)| tls);
        let proxy = self.proxy.for_target(&uri)?;

        // The hot path: the transport's own agent already holds the contract's settings, so
        // unless it is a send, or a proxy, a TLS override or a shorter timeout applies, the
        // request goes as it is (a per-request configuration copies the agent's whole `Config` every time).
        let request = http::Request::from_parts(parts, body);
        let result = if self.own_agent
            && !fresh_connection
            && tls.is_none()
            && proxy.is_none()
            && self.agent_timeouts_fit(timeouts)
        {
            agent.run(request)
        } else {
            let per_request = PerRequest {
                timeouts,
                proxy,
                tls,
                fresh_connection,
            };
            per_request.run(agent, request)
        };
        let response = result.map_err(|e| from_ureq(e, &uri, self.config.max_body_size))?;
        self.read_response(response, &method, &uri)
    }
}

/// The per-request overrides that keep the [`Transport`] contract whatever the agent.
struct PerRequest {
    /// `(connect, overall)`.
    timeouts: (Duration, Duration),
    proxy: Option<ureq::Proxy>,
    tls: Option<TlsConfig>,
    /// A request that must not ride an idle pooled connection (a send).
    fresh_connection: bool,
}

impl PerRequest {
    fn run<S: ureq::AsSendBody>(
        self,
        agent: &Agent,
        request: http::Request<S>,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let (connect, overall) = self.timeouts;
        let mut config = agent
            .configure_request(request)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(connect))
            .timeout_global(Some(overall))
            .proxy(self.proxy);
        if let Some(tls) = self.tls {
            config = config.tls_config(tls);
        }
        if self.fresh_connection {
            // No pooled connection is young enough to be used: a new one is opened.
            config = config.max_idle_age(Duration::ZERO);
        }
        agent.run(config.build())
    }
}

/// ureq logs whole request URIs (the access token and app secret included) when its `trace`
/// level is on; say so once, loudly, so the setting is not left on where logs are kept.
fn warn_if_ureq_traces() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    if log::log_enabled!(target: "ureq::run", log::Level::Trace) {
        WARNED.call_once(|| {
            log::warn!(
                target: "dingtalk_notify",
                "ureq's trace logging is on: ureq then logs whole request URIs, access tokens \
                 and app secrets included; turn `trace` off for the `ureq` targets wherever \
                 logs are kept"
            );
        });
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_lists_settings() {
        let t = UreqTransport::new();
        let shown = format!("{t:?}");
        assert!(shown.contains("max_body_size: 4194304"), "{shown}");
        assert!(shown.contains("timeout: 30s"), "{shown}");
    }
}
