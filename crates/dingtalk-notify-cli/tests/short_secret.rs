//! A one-character app secret does not blank that letter from the output: secrets shorter
//! than four bytes are cut out only where they stand as a whole token (issue 20 follow-up).

mod common;

use common::{bare, run};
use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, MockServer, Route};

#[test]
fn a_one_letter_app_secret_leaves_the_error_readable() {
    let server = MockServer::start().unwrap();
    let agent = DEMO_AGENT_ID.to_string();
    let mut cmd = bare();
    cmd.args([
        "--json",
        "--base-url",
        &server.base_url(),
        "--app-key",
        DEMO_APP_KEY,
        "--app-secret",
        "a",
        "--agent-id",
        &agent,
        "send",
        "--user",
        "alice",
        "--text",
        "hi",
    ]);
    let r = run(cmd, std::iter::empty::<&str>());
    assert_eq!(r.code, Some(1), "the secret is refused: {r:#?}");
    let doc = r.json();
    let message = doc["error"]["message"].as_str().unwrap_or_default();
    // The simulator's errmsg and the CLI's hint keep their letter `a` (before: every `a`
    // of the message was `<redacted>`).
    assert!(
        message.contains("Invalid appkey or appsecret") && message.contains("check the app key"),
        "{message}"
    );
    assert_eq!(doc["error"]["kind"], "api", "{r:#?}");
    assert!(server.requests_to(Route::Send).is_empty());
}
