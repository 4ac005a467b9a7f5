//! The scenario matrix over the isahc transport.

use dingtalk_notify_isahc::IsahcTransport;
use dingtalk_notify_tests::harness::TransportSettings;

fn make(settings: TransportSettings) -> IsahcTransport {
    IsahcTransport::builder()
        .timeout(settings.timeout)
        .max_body_size(settings.max_body)
        .build()
}

dingtalk_notify_tests::scenario_matrix!(make);
