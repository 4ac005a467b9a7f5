//! The scenario matrix over the ureq transport.

use dingtalk_notify_tests::harness::TransportSettings;
use dingtalk_notify_ureq::UreqTransport;

fn make(settings: TransportSettings) -> UreqTransport {
    UreqTransport::builder()
        .timeout(settings.timeout)
        .max_body_size(settings.max_body)
        .build()
}

dingtalk_notify_tests::scenario_matrix!(make);
