//! The scenario matrix over the ureq transport.

dingtalk_notify_tests::scenario_matrix!(dingtalk_notify_tests::harness::ureq_transport);
dingtalk_notify_tests::hostile_matrix!(dingtalk_notify_tests::harness::ureq_transport);
dingtalk_notify_tests::proxy_matrix!(dingtalk_notify_tests::proxy::ureq_with_proxy);
dingtalk_notify_tests::tls_matrix!(dingtalk_notify_tests::tls::ureq_with_roots);
dingtalk_notify_tests::stale_matrix!(dingtalk_notify_tests::harness::ureq_transport);
