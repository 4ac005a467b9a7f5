//! The contenders: the client over each transport, the raw ureq floors and raw TCP.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::TcpStream;

use dingtalk_notify::kit::api::GetSendProgress;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{
    AccessToken, BaseUrl, Client, Endpoint, HttpRequest, TaskHandle, TokenSource, Transport,
};

use crate::{AGENT, APP_KEY, APP_SECRET, Result, TASK, TOKEN};

/// The request every contender sends, exactly as the client builds it.
pub(crate) fn progress_request(base: &BaseUrl) -> Result<HttpRequest> {
    let token = AccessToken::new(TOKEN);
    Ok(GetSendProgress::new(AGENT, TASK).build_request(base, &token)?)
}

pub(crate) fn client<T: Transport>(base: &BaseUrl, transport: T) -> Client<T> {
    Client::builder(TokenSource::app(APP_KEY, APP_SECRET))
        .base_url(base.clone())
        .build(transport)
}

/// One `Client::progress` call, checked.
pub(crate) fn client_call<T: Transport>(client: &Client<T>, task: &TaskHandle) -> Result<()> {
    let progress = client.progress(task)?;
    if !progress.is_done() {
        return Err(format!("unexpected progress {progress:?}").into());
    }
    Ok(())
}

/// How the floor's agent is configured.
#[derive(Clone, Copy)]
pub(crate) enum Floor {
    /// `Agent::new_with_defaults()`.
    Defaults,
    /// As `UreqTransport`'s default agent.
    Timeouts,
    /// As `UreqTransport`'s default agent, with [`LiteralResolver`].
    TimeoutsIpResolver,
}

/// The config of `UreqTransport`'s default agent.
pub(crate) fn transport_agent_config() -> ureq::config::Config {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(dingtalk_notify::ureq::DEFAULT_CONNECT_TIMEOUT))
        .timeout_global(Some(dingtalk_notify::ureq::DEFAULT_TIMEOUT))
        .build()
}

/// The floor: one ureq agent sending the prebuilt method, URI, headers and body, and reading
/// the body whole.
pub(crate) struct RawUreq {
    agent: ureq::Agent,
    request: HttpRequest,
    cap: u64,
}

impl RawUreq {
    /// [`Floor::Defaults`] is the agent a hand-written loop gets from
    /// `Agent::new_with_defaults()` (no timeouts); the others configure it as
    /// `UreqTransport`'s own (connect and overall timeouts, no redirects).
    pub(crate) fn new(base: &BaseUrl, floor: Floor) -> Result<Self> {
        let agent = match floor {
            Floor::Defaults => ureq::Agent::new_with_defaults(),
            Floor::Timeouts => transport_agent_config().new_agent(),
            Floor::TimeoutsIpResolver => ureq::Agent::with_parts(
                transport_agent_config(),
                ureq::unversioned::transport::DefaultConnector::new(),
                LiteralResolver::default(),
            ),
        };
        Ok(Self {
            agent,
            request: progress_request(base)?,
            cap: dingtalk_notify::ureq::DEFAULT_MAX_BODY_SIZE as u64,
        })
    }

    pub(crate) fn call(&self) -> Result<()> {
        black_box(self.exchange()?);
        Ok(())
    }

    /// [`call`](Self::call) doing the JSON work any client must (`raw-ureq-json`): the body
    /// serialized with `serde_json::to_vec`, the answer parsed as a `serde_json::Value` and
    /// its `errcode` checked.
    pub(crate) fn call_json(&self) -> Result<()> {
        let body = serde_json::to_vec(&serde_json::json!({"agent_id": AGENT, "task_id": TASK}))?;
        black_box(body);
        let answer: serde_json::Value = serde_json::from_slice(&self.exchange()?)?;
        if answer.get("errcode").and_then(serde_json::Value::as_i64) != Some(0) {
            return Err("errcode is not 0".into());
        }
        black_box(answer);
        Ok(())
    }

    fn exchange(&self) -> Result<Vec<u8>> {
        let mut builder = self.agent.post(self.request.uri());
        for (name, value) in self.request.headers() {
            builder = builder.header(name, value);
        }
        let mut response = builder.send(self.request.body().as_slice())?;
        let body = response
            .body_mut()
            .with_config()
            .limit(self.cap)
            .read_to_vec()?;
        if response.status() != 200 || body.is_empty() {
            return Err(format!("unexpected answer {}", response.status()).into());
        }
        Ok(body)
    }

    /// The raw loop on the very agent a default `UreqTransport` builds (`raw-ureq-same-agent`,
    /// `raw-ureq-json`): the client's floor.
    pub(crate) fn same_agent(base: &BaseUrl) -> Result<Self> {
        Ok(Self {
            agent: UreqTransport::new().agent().clone(),
            request: progress_request(base)?,
            cap: dingtalk_notify::ureq::DEFAULT_MAX_BODY_SIZE as u64,
        })
    }
}

/// isahc's floor (`raw-isahc`): the prebuilt request on the `HttpClient` a default
/// `IsahcTransport` uses (configured once: timeouts, no redirects), no per-request
/// configuration, the body read whole.
pub(crate) struct RawIsahc {
    client: dingtalk_notify::isahc::isahc::HttpClient,
    request: HttpRequest,
}

impl RawIsahc {
    pub(crate) fn new(base: &BaseUrl) -> Result<Self> {
        Ok(Self {
            client: dingtalk_notify::isahc::IsahcTransport::new().client()?,
            request: progress_request(base)?,
        })
    }

    pub(crate) fn call(&self) -> Result<()> {
        let mut builder = http::Request::builder()
            .method(self.request.method().clone())
            .uri(self.request.uri().clone());
        for (name, value) in self.request.headers() {
            builder = builder.header(name, value);
        }
        let body = dingtalk_notify::isahc::isahc::Body::from(self.request.body().clone());
        let mut response = self.client.send(builder.body(body)?)?;
        let mut bytes = Vec::new();
        response.body_mut().read_to_end(&mut bytes)?;
        if response.status() != 200 || bytes.is_empty() {
            return Err(format!("unexpected answer {}", response.status()).into());
        }
        black_box(bytes);
        Ok(())
    }
}

/// A ureq resolver that answers IP-literal hosts itself and hands names to ureq's own.
///
/// ureq 3 resolves the host on every request, pooled connection or not, and with any
/// timeout configured its default resolver does so on a new thread (to bound the lookup):
/// one thread spawn per call. This measures what `UreqTransport` would save with such a
/// resolver (the `client-ureq-ipresolver` contender).
#[derive(Debug, Default)]
pub(crate) struct LiteralResolver(ureq::unversioned::resolver::DefaultResolver);

impl ureq::unversioned::resolver::Resolver for LiteralResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        if let Some(authority) = uri.authority() {
            let host = authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']');
            if let Ok(ip) = host.parse::<std::net::IpAddr>() {
                let port = authority
                    .port_u16()
                    .unwrap_or(if uri.scheme_str() == Some("https") {
                        443
                    } else {
                        80
                    });
                let mut addrs = self.empty();
                addrs.push(std::net::SocketAddr::new(ip, port));
                return Ok(addrs);
            }
        }
        self.0.resolve(uri, config, timeout)
    }
}

/// `UreqTransport` over an agent configured as its default one, but with [`LiteralResolver`].
pub(crate) fn ureq_transport_ip_resolver() -> UreqTransport {
    let agent = ureq::Agent::with_parts(
        transport_agent_config(),
        ureq::unversioned::transport::DefaultConnector::new(),
        LiteralResolver::default(),
    );
    UreqTransport::builder().client(agent).build()
}

/// The physical limit: the same request bytes, HTTP/1.1 keep-alive on a bare socket, the
/// answer read up to its `Content-Length`.
pub(crate) struct RawTcp {
    stream: TcpStream,
    request: Vec<u8>,
    buf: Vec<u8>,
}

impl RawTcp {
    pub(crate) fn new(base: &BaseUrl) -> Result<Self> {
        let request = progress_request(base)?;
        let authority = request
            .uri()
            .authority()
            .ok_or("the base URL has no host")?
            .as_str()
            .to_owned();
        let target = request
            .uri()
            .path_and_query()
            .ok_or("no path")?
            .as_str()
            .to_owned();
        let mut bytes = format!("POST {target} HTTP/1.1\r\nhost: {authority}\r\n").into_bytes();
        for (name, value) in request.headers() {
            bytes.extend_from_slice(name.as_str().as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(
            format!("content-length: {}\r\n\r\n", request.body().len()).as_bytes(),
        );
        bytes.extend_from_slice(request.body());
        let stream = TcpStream::connect(authority.as_str())?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            request: bytes,
            buf: vec![0; 64 * 1024],
        })
    }

    pub(crate) fn call(&mut self) -> Result<()> {
        self.stream.write_all(&self.request)?;
        let mut filled = 0;
        let (head_end, total) = loop {
            let n = self.stream.read(&mut self.buf[filled..])?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            filled += n;
            if let Some(i) = find(&self.buf[..filled], b"\r\n\r\n") {
                let len = content_length(&self.buf[..i]).ok_or("no content-length")?;
                break (i, i + 4 + len);
            }
            if filled == self.buf.len() {
                return Err("headers too long".into());
            }
        };
        if total > self.buf.len() {
            return Err("body too long".into());
        }
        while filled < total {
            let n = self.stream.read(&mut self.buf[filled..total])?;
            if n == 0 {
                return Err("the server closed the connection mid-body".into());
            }
            filled += n;
        }
        if !self.buf.starts_with(b"HTTP/1.1 200") || head_end + 4 == total {
            return Err("unexpected answer".into());
        }
        black_box(&self.buf[head_end + 4..total]);
        Ok(())
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(crate) fn content_length(head: &[u8]) -> Option<usize> {
    let head = std::str::from_utf8(head).ok()?;
    head.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}
