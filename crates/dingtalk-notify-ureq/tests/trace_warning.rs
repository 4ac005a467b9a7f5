//! With ureq's `trace` level on, ureq logs whole request URIs (token included): the transport
//! warns once. Its own process: it installs a global logger.

use std::sync::Mutex;

use dingtalk_notify_mock::MockServer;
use dingtalk_notify_proto::{Transport, http};
use dingtalk_notify_ureq::UreqTransport;

static RECORDS: Mutex<Vec<(String, log::Level, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        RECORDS.lock().unwrap().push((
            record.target().to_owned(),
            record.level(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

#[test]
fn warns_once_when_ureq_traces() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let server = MockServer::start().unwrap();
    let transport = UreqTransport::default();
    for _ in 0..3 {
        let request = http::Request::get(format!(
            "{}/gettoken?appkey=k&appsecret=TRACE-SECRET",
            server.base_url()
        ))
        .body(Vec::new())
        .unwrap();
        transport.send(request).unwrap();
    }
    let records = RECORDS.lock().unwrap();
    let warnings: Vec<_> = records
        .iter()
        .filter(|(target, level, _)| target == "dingtalk_notify" && *level == log::Level::Warn)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].2.contains("trace"));
    assert!(!warnings[0].2.contains("TRACE-SECRET"));
}
