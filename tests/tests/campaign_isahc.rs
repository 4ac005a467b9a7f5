//! The campaign scenarios over the isahc transport.

dingtalk_notify_tests::campaign_matrix!(dingtalk_notify_tests::harness::isahc_transport);
