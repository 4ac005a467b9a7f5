//! The campaign-of-people scenarios over the isahc transport.

dingtalk_notify_tests::people_matrix!(dingtalk_notify_tests::harness::isahc_transport);
