//! The campaign scenarios over the ureq transport.

dingtalk_notify_tests::campaign_matrix!(dingtalk_notify_tests::harness::ureq_transport);
