//! The transport contract, checked by the simulator's conformance suite on loopback: over
//! the transport's own agent, and over a caller's agent with ureq's defaults.

use dingtalk_notify_mock::conformance::ConformanceSettings;
use dingtalk_notify_ureq::UreqTransport;

fn make(settings: ConformanceSettings) -> UreqTransport {
    settings.build(UreqTransport::builder())
}

dingtalk_notify_mock::transport_conformance_tests!(make);

/// A caller's own default agent turns 4xx/5xx into errors, follows 10 redirects and has no
/// timeouts: the per-request overrides must keep the whole contract anyway.
mod over_a_callers_default_agent {
    use super::*;

    #[test]
    fn the_default_agent_would_break_the_contract() {
        let agent = ureq::Agent::new_with_defaults();
        assert!(agent.config().http_status_as_error());
        assert_eq!(agent.config().max_redirects(), 10);
        assert_eq!(agent.config().timeouts().global, None);
    }

    fn make(settings: ConformanceSettings) -> UreqTransport {
        settings.build(UreqTransport::builder().client(ureq::Agent::new_with_defaults()))
    }

    dingtalk_notify_mock::transport_conformance_tests!(make);
}
