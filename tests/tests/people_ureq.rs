//! The campaign-of-people scenarios over the ureq transport.

dingtalk_notify_tests::people_matrix!(dingtalk_notify_tests::harness::ureq_transport);
