//! Key names: every key of an app lives under a hash of its credentials' identity (the app
//! key, or suite key and corp id), never the identity itself.

use std::fmt::Write as _;

use dingtalk_notify::kit::token::TokenKey;
use sha2::{Digest, Sha256};

/// The prefix of every key this crate writes.
pub const KEY_PREFIX: &str = "dingtalk-notify:v1";

/// The key namespace of one app (or one ISV suite acting for one corp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Namespace {
    base: String,
}

impl Namespace {
    /// The namespace for `key`; `None` for a static token or a caller's provider, which have
    /// no identity to share.
    pub(crate) fn for_key(key: &TokenKey) -> Option<Self> {
        let mut hasher = Sha256::new();
        match key {
            TokenKey::App(app_key) => {
                hasher.update(b"app\0");
                hasher.update(app_key.as_bytes());
            }
            TokenKey::Isv { suite_key, corp_id } => {
                hasher.update(b"isv\0");
                hasher.update(suite_key.as_bytes());
                hasher.update(b"\0");
                hasher.update(corp_id.as_bytes());
            }
            _ => return None,
        }
        let digest = hasher.finalize();
        let mut base = String::with_capacity(KEY_PREFIX.len() + 34);
        base.push_str(KEY_PREFIX);
        base.push(':');
        // 128 bits of the digest: no collisions between apps in practice, short keys.
        for byte in &digest[..16] {
            let _ = write!(base, "{byte:02x}");
        }
        Some(Self { base })
    }

    /// `<base>:<suffix>`.
    pub(crate) fn key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hide_the_identity_and_separate_apps_and_corps() {
        let a = Namespace::for_key(&TokenKey::App("dingAPPKEY123".into())).unwrap();
        assert!(a.key("token").starts_with("dingtalk-notify:v1:"));
        assert!(!a.key("token").contains("dingAPPKEY123"));
        assert_eq!(
            a.key("token").len(),
            KEY_PREFIX.len() + 1 + 32 + ":token".len()
        );
        let isv = |corp: &str| {
            Namespace::for_key(&TokenKey::Isv {
                suite_key: "suite".into(),
                corp_id: corp.into(),
            })
            .unwrap()
        };
        assert_ne!(isv("corpA"), isv("corpB"));
        assert_ne!(
            a,
            Namespace::for_key(&TokenKey::App("other".into())).unwrap()
        );
        // "app\0x" and an ISV suite "x" can never share a namespace.
        assert_ne!(
            Namespace::for_key(&TokenKey::App("s\0c".into())),
            Some(isv("c"))
        );
        assert_eq!(Namespace::for_key(&TokenKey::Static), None);
    }
}
