//! The resolution scenarios over the ureq transport.

dingtalk_notify_tests::resolve_matrix!(dingtalk_notify_tests::harness::ureq_transport);
