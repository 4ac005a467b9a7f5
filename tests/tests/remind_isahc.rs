//! Reminders of a campaign over the isahc transport.

dingtalk_notify_tests::reminder_matrix!(dingtalk_notify_tests::harness::isahc_transport);
