//! Cross-crate integration tests for dingtalk-notify (unpublished).
//!
//! [`scenarios`] holds every scenario once, generic over the transport;
//! [`scenario_matrix!`] expands them into `#[test]`s for one transport, and `tests/ureq.rs`
//! and `tests/isahc.rs` run the matrix over each, against the simulator on loopback.
//!
//! The README's examples are compiled (and run where they need no network) as this crate's
//! doc-tests, so they stay true:
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
pub mod campaign_calls;
pub mod campaign_report;
pub mod campaigns;
pub mod capture_log;
pub mod harness;
pub mod hostile;
pub mod media;
pub mod observe;
pub mod people;
pub mod proxy;
pub mod reminders;
pub mod resolve;
pub mod scenarios;
pub mod stale;
pub mod tls;

/// Expands every scenario of [`scenarios`] into a `#[test]` over the transport that
/// `$make: fn(TransportSettings) -> T` builds.
#[macro_export]
macro_rules! scenario_matrix {
    ($make:path) => {
        $crate::scenario_matrix!(@tests $make;
            happy_path_every_endpoint,
            isv_happy_path,
            token_expiry_mid_run_refreshes_once_and_replays_once,
            fresh_token_rejected_with_40014_is_refreshed,
            rate_limited_twice_then_success,
            non_retryable_errcode_surfaces_at_once_with_request_id,
            send_not_replayed_after_reset_mid_body,
            send_not_replayed_after_reset_before_response,
            html_502_is_a_status_error_and_retried_only_when_safe,
            throttle_page_is_typed_and_waited_out,
            truncated_json_is_a_decode_error,
            oversized_body_is_refused,
            redirect_is_not_followed,
            connection_refused_is_a_connect_error,
            silent_server_ends_at_the_deadline,
            sixty_four_threads_at_token_expiry_fetch_one_token,
            track_after_a_25_hour_jump_reports_the_window,
            invalid_input_sends_nothing,
        );
    };
    (@hostile $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::hostile::$name($make);
            }
        )*
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::scenarios::$name($make);
            }
        )*
    };
}

/// Expands every campaign scenario of [`campaigns`] into a `#[test]` over the transport that
/// `$make: fn(TransportSettings) -> T` builds.
#[macro_export]
macro_rules! campaign_matrix {
    ($make:path) => {
        $crate::campaign_matrix!(@tests $make;
            chunking_2350_users,
            budget_paces_sends,
            quota_refusal_mid_campaign_backs_off_and_completes,
            per_user_quota_resends_exactly_the_held_back_users,
            final_for_the_day_codes_are_reported_and_never_resent,
            per_user_quota_codes_slow_the_pacing,
            start_returns_while_deliveries_are_under_way,
            two_campaigns_share_the_client_budget,
            the_default_budget_is_one_per_client,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::campaigns::$name($make);
            }
        )*
    };
}

/// Expands every media scenario of [`media`] into a `#[test]` over the transport that
/// `$make: fn(TransportSettings) -> T` builds.
#[macro_export]
macro_rules! media_matrix {
    ($make:path) => {
        $crate::media_matrix!(@tests $make;
            names_and_bytes_arrive_as_given,
            too_big_or_wrong_type_sends_nothing,
            an_upload_is_retried_and_makes_a_second_media_id,
            a_media_id_never_issued_is_refused,
            a_pdf_campaign_of_250_uploads_once,
            a_file_holding_the_boundary_arrives_whole,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::media::$name($make);
            }
        )*
    };
}
