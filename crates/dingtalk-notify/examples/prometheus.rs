//! Export the client's metrics (feature `metrics`) to Prometheus: the exporter is this
//! example's dependency, not the library's. `metrics-exporter-prometheus` without default
//! features renders the text format and brings no async runtime; a plain
//! `std::net::TcpListener` serves it at `/metrics`.
//!
//! ```text
//! cargo run -p dingtalk-notify --features metrics --example prometheus
//! # keep serving for a minute, for a Prometheus to scrape (METRICS_ADDR sets the address):
//! METRICS_HOLD_SECS=60 METRICS_ADDR=127.0.0.1:9184 cargo run -p dingtalk-notify --features metrics --example prometheus
//! ```
//!
//! Against the simulator it starts, the first send is answered with errcode 90018 (the
//! per-second rate limit), so the retry and the throttle show in the metrics.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use dingtalk_notify::Message;
use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify_mock::{Calls, Fault, Route};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Wait times as a true histogram (buckets in seconds) rather than a summary.
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("dingtalk_notify_wait_seconds".into()),
            &[0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0],
        )?
        .install_recorder()?;
    let addr = std::env::var("METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:0".into());
    let listener = TcpListener::bind(&addr)?;
    let local = listener.local_addr()?;
    let served = handle.clone();
    std::thread::spawn(move || serve(&listener, &served));
    println!("metrics at http://{local}/metrics");

    let target = common::target()?;
    if let Some(server) = &target.simulator {
        server.inject(Route::Send, Calls::First(1), Fault::Code(90018));
    }
    let client = dingtalk_notify::client_at(&target.base_url, target.source)?;
    let send = SendWorkNotification::new(target.agent_id, Message::text("Disk 91% on db-3"))
        .to_users(target.users.iter().cloned());
    let task = client.send(&send)?;
    let report = client.track(&task)?;
    println!("read by {:?}", report.send_result.read_user_id_list);

    // Scrape ourselves, as Prometheus would, and show our lines.
    let text = scrape(local)?;
    for line in text.lines().filter(|l| l.contains("dingtalk_notify_")) {
        println!("{line}");
    }
    if !text.contains("dingtalk_notify_calls_total") {
        return Err("the scrape has no dingtalk_notify_calls_total".into());
    }
    let hold: u64 = std::env::var("METRICS_HOLD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let until = Instant::now() + Duration::from_secs(hold);
    while Instant::now() < until {
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Answers every request with the current text format (the path is not checked: one page).
fn serve(listener: &TcpListener, handle: &PrometheusHandle) {
    for stream in listener.incoming().flatten() {
        handle.run_upkeep();
        let _ = answer(stream, &handle.render());
    }
}

fn answer(mut stream: TcpStream, body: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    // The request line and headers, up to the blank line.
    while reader.read_line(&mut line)? > 0 && line != "\r\n" && line != "\n" {
        line.clear();
    }
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn scrape(addr: std::net::SocketAddr) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prometheus: {e}");
            ExitCode::FAILURE
        }
    }
}
