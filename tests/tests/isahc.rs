//! The scenario matrix over the isahc transport.

dingtalk_notify_tests::scenario_matrix!(dingtalk_notify_tests::harness::isahc_transport);
dingtalk_notify_tests::hostile_matrix!(dingtalk_notify_tests::harness::isahc_transport);
dingtalk_notify_tests::proxy_matrix!(dingtalk_notify_tests::proxy::isahc_with_proxy);
dingtalk_notify_tests::tls_matrix!(dingtalk_notify_tests::tls::isahc_with_roots);
dingtalk_notify_tests::stale_matrix!(dingtalk_notify_tests::harness::isahc_transport);
