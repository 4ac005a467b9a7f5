//! Metrics and logs against the simulator, over both transports: they move by what the
//! simulator recorded, and carry no secret (see `dingtalk_notify_tests::observe`).

#[test]
fn ureq_metrics_and_logs_follow_the_simulator() {
    dingtalk_notify_tests::observe::metrics_and_logs_follow_the_simulator(
        dingtalk_notify_tests::harness::ureq_transport,
    );
}

#[test]
fn isahc_metrics_and_logs_follow_the_simulator() {
    dingtalk_notify_tests::observe::metrics_and_logs_follow_the_simulator(
        dingtalk_notify_tests::harness::isahc_transport,
    );
}
