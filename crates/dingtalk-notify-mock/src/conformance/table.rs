//! The one table of checks: [`CHECKS`](super::CHECKS), the `check_*` methods, the table
//! [`check_all`](super::Conformance::check_all) runs and the tests
//! [`transport_conformance_tests!`](crate::transport_conformance_tests) expands are all
//! generated from it, so they cannot disagree.

/// The table of conformance checks, handed to `$crate::__conformance_checks!(@emit …)`:
/// for each check its docs, its name, its `check_*` method and the function that runs it.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_checks {
    ($mode:ident $($args:tt)*) => {
        $crate::__conformance_checks!(@emit $mode [$($args)*] {
            /// Every status comes back as a response with its headers and whole body: a 200 JSON
            /// answer with a repeated header, the simulator's 404 envelope, a gateway's 502 HTML
            /// page, 400, 401, 403, 429, 500, 503 and 504 pages, and a bodiless 204.
            ///
            /// # Errors
            /// The first answer that came back as an error or changed.
            statuses_are_responses => check_statuses_are_responses ["200 JSON with a repeated header, the simulator's 404 envelope, a 502 HTML page, 400–504, 204", "return each as `Ok`, status, headers and whole body as sent"] => statuses;
            /// 301, 302, 303, 307 and 308 come back as they are, `Location` included, and their
            /// target is never requested (the 303, 307 and 308 answer a POST).
            ///
            /// # Errors
            /// A redirect that failed, changed or was followed.
            redirects_are_not_followed => check_redirects_are_not_followed ["301, 302, 303, 307, 308 to another path", "return the 3xx with its `Location`; the target is never requested"] => redirects;
            /// A body of exactly [`BODY_CAP`] bytes comes back whole, framed by `Content-Length`
            /// and chunked.
            ///
            /// # Errors
            /// When it failed or came back cut.
            body_at_the_cap_is_whole => check_body_at_the_cap_is_whole ["exactly [`BODY_CAP`] bytes, with `Content-Length` and chunked", "return all of them"] => body_at_cap;
            /// A body of [`BODY_CAP`] + 1 bytes (framed by `Content-Length`, and chunked) and a
            /// chunked one of 16 × [`BODY_CAP`] fail with [`TransportErrorKind::BodyTooLarge`].
            ///
            /// # Errors
            /// When one came back, or failed with another kind.
            body_over_the_cap_fails => check_body_over_the_cap_fails ["[`BODY_CAP`] + 1 bytes (with `Content-Length`, chunked) and 16 × [`BODY_CAP`] chunked", "fail with `BodyTooLarge`"] => body_over_cap;
            /// `Content-Length: 100` followed by 16 × [`BODY_CAP`] bytes and a close: the transport
            /// returns the 100 declared bytes, or fails with [`TransportErrorKind::BodyTooLarge`];
            /// it never returns more than its cap.
            ///
            /// # Errors
            /// Any other outcome.
            small_lying_content_length_is_not_read_past => check_small_lying_content_length_is_not_read_past ["`Content-Length: 100`, then 16 × [`BODY_CAP`] bytes and a close", "return the declared 100 bytes, or fail with `BodyTooLarge`"] => small_lying_length;
            /// `Content-Length: 1000000000` fails with [`TransportErrorKind::BodyTooLarge`], whether
            /// a few bytes or 16 × [`BODY_CAP`] follow before the close: the declared body is over
            /// the cap, so the answer is unusable, and repeating the request cannot help.
            ///
            /// # Errors
            /// When it came back, or failed with another kind.
            huge_declared_content_length_fails => check_huge_declared_content_length_fails ["`Content-Length: 1000000000`, then a few bytes (or 16 × [`BODY_CAP`]) and a close", "fail with `BodyTooLarge`"] => huge_declared_length;
            /// The server reads the request and resets the connection (a TCP RST) without a byte
            /// of answer: a GET and a POST both fail with [`TransportErrorKind::Interrupted`], the
            /// POST sent once.
            ///
            /// # Errors
            /// An answer, another kind, or a POST sent twice.
            reset_before_response_is_interrupted => check_reset_before_response_is_interrupted ["reads the request, then a TCP RST", "fail with `Interrupted`, the POST sent once"] => reset_before_response;
            /// The server sends the head and half the body, then resets the connection: as
            /// [the reset check](Self::check_reset_before_response_is_interrupted).
            ///
            /// # Errors
            /// An answer, another kind, or a POST sent twice.
            reset_mid_body_is_interrupted => check_reset_mid_body_is_interrupted ["head and half the body, then a TCP RST", "fail with `Interrupted`, the POST sent once"] => reset_mid_body;
            /// The server reads the request and closes the connection (a FIN) without a byte of
            /// answer: as
            /// [the reset check](Self::check_reset_before_response_is_interrupted).
            ///
            /// # Errors
            /// An answer, another kind, or a POST sent twice.
            close_before_response_is_interrupted => check_close_before_response_is_interrupted ["reads the request, then a FIN", "fail with `Interrupted`, the POST sent once"] => close_before_response;
            /// The server sends the head and half the body, then closes the connection: as
            /// [the reset check](Self::check_reset_before_response_is_interrupted).
            ///
            /// # Errors
            /// An answer, another kind, or a POST sent twice.
            close_mid_body_is_interrupted => check_close_mid_body_is_interrupted ["head and half the body, then a FIN", "fail with `Interrupted`, the POST sent once"] => close_mid_body;
            /// With the transport's timeout at [`SHORT_TIMEOUT`], a server that answers after 5 s
            /// makes the request fail with [`TransportErrorKind::Timeout`] within 3 s.
            ///
            /// # Errors
            /// An answer, another kind, or a late error.
            timeout_waiting_for_the_answer => check_timeout_waiting_for_the_answer ["answers after 5 s; the transport's timeout is [`SHORT_TIMEOUT`]", "fail with `Timeout`, within 3 s"] => timeout_waiting;
            /// With the transport's timeout at [`SHORT_TIMEOUT`], a server that sends the head at
            /// once and then the body a byte every 50 ms makes the request fail with
            /// [`TransportErrorKind::Timeout`] within 3 s: the overall timeout covers reading the
            /// body, not only each read.
            ///
            /// # Errors
            /// An answer, another kind, or a late error.
            timeout_reading_the_body => check_timeout_reading_the_body ["the head at once, then the body a byte every 50 ms", "fail with `Timeout`, within 3 s"] => timeout_reading;
            /// The smaller of the transport's timeout and the request's [`RequestTimeout`] applies:
            /// a transport with [`LONG_TIMEOUT`] and a request with `RequestTimeout(`[`SHORT_TIMEOUT`]`)`,
            /// then a transport with [`SHORT_TIMEOUT`] and a request with
            /// `RequestTimeout(`[`LONG_TIMEOUT`]`)`, against a server that answers after 5 s, both
            /// fail with [`TransportErrorKind::Timeout`] within 3 s.
            ///
            /// # Errors
            /// An answer, another kind, or a late error.
            request_timeout_is_honoured => check_request_timeout_is_honoured ["answers after 5 s; the transport's timeout is [`LONG_TIMEOUT`], the request's [`RequestTimeout`] is [`SHORT_TIMEOUT`] (and the other way round)", "fail with `Timeout`, within 3 s"] => request_timeout;
            /// A port nothing listens on fails with [`TransportErrorKind::Connect`].
            ///
            /// # Errors
            /// An answer or another kind.
            connection_refused_is_connect => check_connection_refused_is_connect ["nothing listens on the port", "fail with `Connect`"] => refused;
            /// Three GETs in a row, answered 200, 404 and 502, go over one connection.
            ///
            /// # Errors
            /// A request that failed, or more than one connection.
            connections_are_kept_alive => check_connections_are_kept_alive ["answers 200, 404 and 502", "send the three requests over one connection"] => keep_alive;
            /// Requests arrive as built: a POST (marked non-idempotent, then idempotent) with a
            /// query, a JSON body, a repeated header, a header with spaces and the caller's
            /// `User-Agent`; PUT, PATCH and DELETE with a body; and a GET with an empty body,
            /// which goes without `Content-Length` or `Transfer-Encoding`.
            ///
            /// # Errors
            /// The first difference between what was built and what arrived.
            requests_are_sent_as_built => check_requests_are_sent_as_built ["records what arrives", "send method, path, query, headers (repeated ones in order, the caller's `User-Agent` once) and body unchanged; no body headers on a bodiless `GET`"] => sent_as_built;
            /// After a GET and a POST were answered (so a pooled connection is warm), the server
            /// resets, then (on a new server) closes the connection of a
            /// [`Idempotency::NonIdempotent`] POST before answering: the request fails and the
            /// server saw it once. An HTTP library that silently re-sends a request whose reused
            /// connection died (libcurl does) fails here.
            ///
            /// # Errors
            /// An answer, or the POST seen more than once.
            non_idempotent_requests_are_not_resent => check_non_idempotent_requests_are_not_resent ["after two answered requests, resets (or closes) the connection of a [`Idempotency::NonIdempotent`] POST before answering", "fail, having sent the POST once"] => not_resent;
            /// A refused connection and an answer that is not HTTP (and quotes the request URL back)
            /// both fail, and neither error shows the access token or the word `access_token`.
            /// (Every other check applies the same rule to every error it sees.)
            ///
            /// # Errors
            /// An answer, or an error showing the token.
            errors_hide_the_access_token => check_errors_hide_the_access_token ["refuses the connection; answers garbage that quotes the request URL", "fail without printing the token"] => hygiene;
        });
    };
    (@emit define [] { $( $(#[$doc:meta])* $name:ident => $method:ident [$server:literal, $must:literal] => $imp:ident; )* }) => {
        /// Every check, by name, in the order [`Conformance::check_all`] runs them; the tests
        /// that [`transport_conformance_tests!`](crate::transport_conformance_tests) expands
        /// have these names.
        ///
        #[doc = concat!(
            "| check | the server | the transport must |\n|---|---|---|\n",
            $("| [`", stringify!($name), "`](Conformance::", stringify!($method), ") | ",
              $server, " | ", $must, " |\n",)*
        )]
        pub const CHECKS: [&str; [$(stringify!($name)),*].len()] = [$(stringify!($name)),*];

        impl<F, T> Conformance<F>
        where
            F: Fn(ConformanceSettings) -> T,
            T: Transport,
        {
            /// Every check with the function that runs it, in the order of [`CHECKS`].
            fn table() -> [(&'static str, Check<Self>); CHECKS.len()] {
                [$((stringify!($name), Self::$imp as Check<Self>)),*]
            }

            $(
                $(#[$doc])*
                pub fn $method(&self) -> Result<(), Failure> {
                    self.by_name(stringify!($name))
                }
            )*
        }
    };
    (@emit tests [$make:expr] { $( $(#[$doc:meta])* $name:ident => $method:ident [$server:literal, $must:literal] => $imp:ident; )* }) => {
        $(
            #[test]
            fn $name() {
                if let Err(failure) = $crate::conformance::Conformance::new($make).$method() {
                    panic!("{failure}");
                }
            }
        )*
    };
}
