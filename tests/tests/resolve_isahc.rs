//! The resolution scenarios over the isahc transport.

dingtalk_notify_tests::resolve_matrix!(dingtalk_notify_tests::harness::isahc_transport);
