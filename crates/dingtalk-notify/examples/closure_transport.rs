//! Your own transport: any `Fn(HttpRequest) -> Result<HttpResponse, E>` is a
//! [`Transport`](dingtalk_notify::Transport). Here a closure drives a `ureq::Agent` you
//! configured yourself (the same would work with any blocking HTTP client) and counts
//! the calls it makes.
//!
//! ```text
//! cargo run -p dingtalk-notify --example closure_transport
//! ```
//!
//! What a transport owes the client (see the `Transport` docs): return every status with
//! its body (no error for a 4xx or 5xx), follow no redirect, cap the body, respect the
//! request's `RequestTimeout` extension. A closure cannot say which failures surely sent
//! nothing, so the client treats every one as ambiguous and never retries a send after it;
//! implement `Transport` on a type (its `classify`) to allow retries after a failed connect.
//! `dingtalk_notify_mock::transport_conformance_tests!` checks all of it against yours.

mod common;

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::transport::effective_timeout;
use dingtalk_notify::{Client, HttpRequest, HttpResponse, Message};

/// The most of a body this transport reads.
const BODY_CAP: u64 = 1024 * 1024;

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target()?;

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false) // a 4xx/5xx is an answer, not an error
        .max_redirects(0) // never follow a redirect...
        .max_redirects_will_error(false) // ...and hand the 3xx back as it is
        .build()
        .into();
    let calls = AtomicUsize::new(0);
    let transport = |request: HttpRequest| -> Result<HttpResponse, ureq::Error> {
        calls.fetch_add(1, Ordering::Relaxed);
        println!("  -> {} {}", request.method(), request.uri().path()); // the query holds the token
        // The client's remaining deadline for this call, if shorter than our own 10 s.
        let timeout = effective_timeout(request.extensions(), Duration::from_secs(10));
        let request = agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .build();
        let mut response = agent.run(request)?;
        let body = response
            .body_mut()
            .with_config()
            .limit(BODY_CAP)
            .read_to_vec()?;
        let (parts, _) = response.into_parts();
        Ok(HttpResponse::from_parts(parts, body))
    };

    let client = Client::builder(target.source)
        .base_url(target.base_url.parse()?)
        .build(transport);
    let send = SendWorkNotification::new(target.agent_id, Message::text("Deploy finished"))
        .to_users(target.users.iter().cloned());
    let task = client.send(&send)?;
    let report = client.track(&task)?;
    println!(
        "task {}: read by {:?}; {} HTTP calls through the closure",
        task.task_id.get(),
        report.send_result.read_user_id_list,
        calls.load(Ordering::Relaxed)
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("closure_transport: {e}");
            ExitCode::FAILURE
        }
    }
}
