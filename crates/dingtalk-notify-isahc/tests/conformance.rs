//! The transport contract, checked by the simulator's conformance suite on loopback: over
//! the transport's own client, and over a caller's client that follows redirects.

use dingtalk_notify_isahc::IsahcTransport;
use dingtalk_notify_mock::conformance::ConformanceSettings;
use isahc::HttpClient;
use isahc::config::{Configurable, RedirectPolicy};

fn make(settings: ConformanceSettings) -> IsahcTransport {
    IsahcTransport::builder()
        .timeout(settings.timeout)
        .max_body_size(settings.max_body)
        .build()
}

dingtalk_notify_mock::transport_conformance_tests!(make);

/// A caller's own client that follows redirects and has no timeouts: the per-request
/// overrides must keep the whole contract anyway.
mod over_a_callers_redirect_following_client {
    use super::*;

    fn make(settings: ConformanceSettings) -> IsahcTransport {
        let client = HttpClient::builder()
            .redirect_policy(RedirectPolicy::Follow)
            .build()
            .unwrap();
        IsahcTransport::builder()
            .client(client)
            .timeout(settings.timeout)
            .max_body_size(settings.max_body)
            .build()
    }

    dingtalk_notify_mock::transport_conformance_tests!(make);
}
