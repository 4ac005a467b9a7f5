//! The `get_corp_token` signature, checked the way the reference defines it:
//! `signature = urlencode(base64(HMAC-SHA256(key = suite_secret, data = timestamp + "\n" +
//! suite_ticket)))` (`/work/shared/spec/adjacent-apis.md`, "Access token (ISV)"). Written
//! with `hmac` and `sha2` directly, not with the client's signer.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// `base64(HMAC-SHA256(key, data))`.
#[cfg(test)]
fn hmac_base64(key: &[u8], data: &[u8]) -> Option<String> {
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    mac.update(data);
    Some(STANDARD.encode(mac.finalize().into_bytes()))
}

/// The signature a suite with `suite_secret` computes over `timestamp` (ms, as sent) and
/// `suite_ticket`, before URL-encoding.
#[cfg(test)]
fn expected(suite_secret: &str, timestamp: &str, suite_ticket: &str) -> Option<String> {
    let data = format!("{timestamp}\n{suite_ticket}");
    hmac_base64(suite_secret.as_bytes(), data.as_bytes())
}

/// Whether `signature` (already URL-decoded) is the suite's signature over `timestamp` and
/// `suite_ticket`. Compared in constant time.
pub(crate) fn verify(
    suite_secret: &str,
    timestamp: &str,
    suite_ticket: &str,
    signature: &str,
) -> bool {
    let Ok(given) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(suite_secret.as_bytes()) else {
        return false;
    };
    mac.update(format!("{timestamp}\n{suite_ticket}").as_bytes());
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_example_signs_as_published() {
        // DingTalk's signature page ("签名计算方法", open-doc.dingtalk.com/microapp/
        // faquestions/hxs5v9) publishes: timestamp=1546084445901, appSecret=testappSecret,
        // signature=HCbG3xNE3vzhO+u7qCUL1jS5hsu2n5r2cFhnTrtyDAE= (data = the timestamp).
        assert_eq!(
            hmac_base64(b"testappSecret", b"1546084445901").as_deref(),
            Some("HCbG3xNE3vzhO+u7qCUL1jS5hsu2n5r2cFhnTrtyDAE=")
        );
    }

    #[test]
    fn the_isv_form_signs_timestamp_newline_ticket() {
        // Computed independently (Python's hmac/hashlib/base64) over
        // "1546084445901\nmock-suite-ticket-91c2" with the key "testappSecret".
        let want = "PLe9Je4uevEcoFZHjmvcLMQfaVphwmRjKB1TXWG2uHo=";
        assert_eq!(
            expected("testappSecret", "1546084445901", "mock-suite-ticket-91c2").as_deref(),
            Some(want)
        );
        assert!(verify(
            "testappSecret",
            "1546084445901",
            "mock-suite-ticket-91c2",
            want
        ));
        assert!(!verify(
            "testappSecret",
            "1546084445902",
            "mock-suite-ticket-91c2",
            want
        ));
        assert!(!verify(
            "other",
            "1546084445901",
            "mock-suite-ticket-91c2",
            want
        ));
        assert!(!verify("testappSecret", "1546084445901", "other", want));
        assert!(!verify(
            "testappSecret",
            "1546084445901",
            "mock-suite-ticket-91c2",
            "not base64!"
        ));
    }
}
