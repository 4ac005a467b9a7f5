//! Shared by the parser targets.

/// A target that fuzzes `$ty::parse_response`: any status, any bytes, never a panic.
#[macro_export]
macro_rules! parse_target {
    ($ty:ty) => {
        use dingtalk_notify_proto::Endpoint;
        use dingtalk_notify_proto::http;

        libfuzzer_sys::fuzz_target!(|input: (u16, &[u8])| {
            let (status, body) = input;
            let status = 100 + status % 500;
            let Ok(response) = http::Response::builder().status(status).body(body) else {
                return;
            };
            if let Err(e) = <$ty>::parse_response(response) {
                // Rendering the error must not panic either (it cuts the body for display).
                let _ = format!("{e} {e:?}");
            }
        });
    };
}
