//! The media upload scenarios over the isahc transport.

dingtalk_notify_tests::media_matrix!(dingtalk_notify_tests::harness::isahc_transport);
