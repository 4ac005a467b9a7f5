//! What the contact endpoints share: the argument checks and the contacts language.
//!
//! The limits come from the reference pages: `dept_id` 1 is the root department, and a page
//! of `topapi/v2/user/list` holds at most 100 people.

use serde::{Deserialize, Serialize};

use crate::error::BuildError;
use crate::ids::DeptId;

/// The largest page `topapi/v2/user/list` serves ("分页长度,最大值100").
pub const MAX_USER_PAGE_SIZE: u32 = 100;

/// The root department's id.
pub const ROOT_DEPT_ID: DeptId = DeptId(1);

/// The language department and user names come back in: `zh_CN` (DingTalk's default) or
/// `en_US`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ContactLanguage {
    /// `zh_CN`: Chinese (the default).
    #[default]
    #[serde(rename = "zh_CN")]
    Chinese,
    /// `en_US`: English.
    #[serde(rename = "en_US")]
    English,
}

/// A department id is never 0 (the root is 1).
pub(crate) fn check_dept(dept_id: DeptId) -> Result<(), BuildError> {
    if dept_id.get() == 0 {
        return Err(BuildError::ZeroId { field: "dept_id" });
    }
    Ok(())
}

/// The most digits a phone number has (E.164 allows 15; a little room for extensions).
const MAX_MOBILE_DIGITS: usize = 20;
/// The fewest digits a phone number has.
const MIN_MOBILE_DIGITS: usize = 5;

/// A mobile number as DingTalk takes it: digits, optionally a leading `+` and `-` between
/// digit groups (`13800138000`, `+86-13800138000`), 5 to 20 digits.
pub(crate) fn check_mobile(mobile: &str) -> Result<(), BuildError> {
    let invalid = |reason| BuildError::InvalidValue {
        field: "mobile",
        value: mobile.chars().take(64).collect(),
        reason,
    };
    if mobile.trim().is_empty() {
        return Err(BuildError::EmptyField { field: "mobile" });
    }
    let body = mobile.strip_prefix('+').unwrap_or(mobile);
    if body.starts_with('-') || body.ends_with('-') || body.contains("--") {
        return Err(invalid("a dash may only stand between digits"));
    }
    if !body.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Err(invalid(
            "not a phone number: digits only, with an optional leading + and dashes",
        ));
    }
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    if !(MIN_MOBILE_DIGITS..=MAX_MOBILE_DIGITS).contains(&digits) {
        return Err(invalid("not a phone number: it must have 5 to 20 digits"));
    }
    Ok(())
}

/// A union id is a non-empty token without spaces or control characters.
pub(crate) fn check_unionid(unionid: &str) -> Result<(), BuildError> {
    if unionid.trim().is_empty() {
        return Err(BuildError::EmptyField { field: "unionid" });
    }
    if unionid.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(BuildError::InvalidValue {
            field: "unionid",
            value: unionid.chars().take(64).collect(),
            reason: "a union id has no spaces or control characters",
        });
    }
    Ok(())
}

/// A page size of `topapi/v2/user/list`: 1 to [`MAX_USER_PAGE_SIZE`].
pub(crate) fn check_page_size(size: u32) -> Result<(), BuildError> {
    if !(1..=MAX_USER_PAGE_SIZE).contains(&size) {
        return Err(BuildError::InvalidValue {
            field: "size",
            value: size.to_string(),
            reason: "a page holds 1 to 100 people",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles() {
        for ok in ["13800138000", "+8613800138000", "+86-13800138000", "12345"] {
            assert_eq!(check_mobile(ok), Ok(()), "{ok}");
        }
        for bad in [
            "1234",
            "138 0013 8000",
            "abc",
            "+",
            "-138",
            "138-",
            "1--2",
            "++86138",
            "１３８００",
            "123456789012345678901",
        ] {
            assert!(
                matches!(check_mobile(bad), Err(BuildError::InvalidValue { .. })),
                "{bad}"
            );
        }
        assert_eq!(
            check_mobile(" "),
            Err(BuildError::EmptyField { field: "mobile" })
        );
    }

    #[test]
    fn page_sizes() {
        assert!(check_page_size(0).is_err());
        assert!(check_page_size(1).is_ok() && check_page_size(100).is_ok());
        assert!(check_page_size(101).is_err());
    }
}
