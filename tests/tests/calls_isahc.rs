//! What following a campaign costs, counted in the ledger and witnessed by the simulator,
//! over the isahc transport.

#[test]
fn the_ledger_counts_every_call_the_simulator_received() {
    dingtalk_notify_tests::campaign_calls::the_ledger_counts_every_call_the_simulator_received(
        dingtalk_notify_tests::harness::isahc_transport,
    );
}

#[test]
fn the_monthly_quota_stops_the_following_once() {
    dingtalk_notify_tests::campaign_calls::the_monthly_quota_stops_the_following_once(
        dingtalk_notify_tests::harness::isahc_transport,
    );
}

#[test]
fn the_monthly_quota_stops_sending_and_a_resume_sends_later() {
    dingtalk_notify_tests::campaign_calls::the_monthly_quota_stops_sending_and_a_resume_sends_later(
        dingtalk_notify_tests::harness::isahc_transport,
    );
}
