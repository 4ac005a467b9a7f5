//! The media upload scenarios over the ureq transport.

dingtalk_notify_tests::media_matrix!(dingtalk_notify_tests::harness::ureq_transport);
