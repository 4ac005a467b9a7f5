//! Reminders of a campaign over the ureq transport.

dingtalk_notify_tests::reminder_matrix!(dingtalk_notify_tests::harness::ureq_transport);
