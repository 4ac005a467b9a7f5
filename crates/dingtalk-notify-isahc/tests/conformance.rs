//! The transport contract, checked by the simulator's conformance suite on loopback: over
//! the transport's own client, and over a caller's client that follows redirects.

use dingtalk_notify_isahc::IsahcTransport;
use dingtalk_notify_mock::conformance::ConformanceSettings;
use isahc::HttpClient;
use isahc::config::{Configurable, RedirectPolicy};

dingtalk_notify_mock::transport_conformance_tests!(
    |settings: ConformanceSettings| settings.build(IsahcTransport::builder())
);

/// A caller's own client that follows redirects and has no timeouts: the per-request
/// overrides must keep the whole contract anyway.
mod over_a_callers_redirect_following_client {
    use super::*;

    fn redirect_following_client() -> HttpClient {
        HttpClient::builder()
            .redirect_policy(RedirectPolicy::Follow)
            .build()
            .unwrap()
    }

    dingtalk_notify_mock::transport_conformance_tests!(|settings: ConformanceSettings| {
        settings.build(IsahcTransport::builder().client(redirect_following_client()))
    });
}
