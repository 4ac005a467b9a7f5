//! The per-person report of a campaign with every state, over the ureq transport.

#[test]
fn every_state_person_by_person() {
    dingtalk_notify_tests::campaign_report::every_state_person_by_person(
        dingtalk_notify_tests::harness::ureq_transport,
    );
}
