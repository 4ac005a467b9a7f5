//! The contact calls' bodies and answers, written from the reference pages and SDKs that
//! call them (see `/work/shared/spec/audience-and-media.md`): numbers as JSON numbers or a
//! form's text, DingTalk's 40 (missing) and 41 (invalid) answers naming the field.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `listsubid`, `listid` (`dept_id` required) and `listsub` (the root if absent).
#[derive(Debug, Deserialize)]
pub(super) struct DeptBody {
    #[serde(default, deserialize_with = "some_number")]
    pub(super) dept_id: Option<u64>,
}

/// `v2/user/list`: a department, a cursor and a page size (at most 100).
#[derive(Debug, Deserialize)]
pub(super) struct UserListBody {
    #[serde(deserialize_with = "number")]
    pub(super) dept_id: u64,
    #[serde(deserialize_with = "number")]
    pub(super) cursor: u64,
    #[serde(deserialize_with = "number")]
    pub(super) size: u64,
}

/// `v2/user/getbymobile`.
#[derive(Debug, Deserialize)]
pub(super) struct MobileBody {
    pub(super) mobile: String,
    #[serde(default, deserialize_with = "flag")]
    pub(super) support_exclusive_account_search: bool,
}

/// `user/getbyunionid`.
#[derive(Debug, Deserialize)]
pub(super) struct UnionIdBody {
    pub(super) unionid: String,
}

fn number<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| de::Error::custom("not a non-negative integer")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| de::Error::custom("not a number")),
        _ => Err(de::Error::custom("not a number")),
    }
}

fn some_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    number(d).map(Some)
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" || s.is_empty() => Ok(false),
        _ => Err(de::Error::custom("not a boolean")),
    }
}

/// Whether a mobile number is one the simulator accepts: an optional `+` and country code
/// with a `-` (`+86-138…`), then 6 to 20 digits. The real rule is not published; this one
/// refuses letters, empty strings and odd lengths, as 40104 does for users.
pub(super) fn is_valid_mobile(mobile: &str) -> bool {
    let local = match mobile.strip_prefix('+') {
        Some(rest) => match rest.split_once('-') {
            Some((cc, local)) if !cc.is_empty() && cc.bytes().all(|b| b.is_ascii_digit()) => local,
            _ => return false,
        },
        None => mobile,
    };
    (6..=20).contains(&local.len()) && local.bytes().all(|b| b.is_ascii_digit())
}

/// `{"result": …}` around a call's answer.
#[derive(Serialize)]
pub(super) struct Wrapped<T: Serialize> {
    pub(super) result: T,
}

/// `listsubid`'s result.
#[derive(Serialize)]
pub(super) struct DeptIdList {
    pub(super) dept_id_list: Vec<u64>,
}

/// `listid`'s result.
#[derive(Serialize)]
pub(super) struct UserIdList<'a> {
    pub(super) userid_list: Vec<&'a str>,
}

/// One entry of `listsub`'s result list.
#[derive(Serialize)]
pub(super) struct DeptEntry<'a> {
    pub(super) dept_id: u64,
    pub(super) name: &'a str,
    pub(super) parent_id: u64,
}

/// `getbymobile`'s result; the exclusive-account list only when asked for.
#[derive(Serialize)]
pub(super) struct ByMobile<'a> {
    pub(super) userid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) exclusive_account_userid_list: Option<Vec<&'a str>>,
}

/// `getbyunionid`'s result: `contact_type` 0 is an employee (1 an external contact).
#[derive(Serialize)]
pub(super) struct ByUnionId<'a> {
    pub(super) contact_type: u8,
    pub(super) userid: &'a str,
}

/// `v2/user/list`'s result: `next_cursor` only while there is more.
#[derive(Serialize)]
pub(super) struct UserPage<'a> {
    pub(super) has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) next_cursor: Option<u64>,
    pub(super) list: Vec<UserDetail<'a>>,
}

/// One person of `v2/user/list`.
#[derive(Serialize)]
pub(super) struct UserDetail<'a> {
    pub(super) userid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) unionid: Option<&'a str>,
    pub(super) name: &'a str,
    pub(super) active: bool,
    pub(super) dept_id_list: &'a [u64],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) mobile: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_as_the_simulator_accepts_them() {
        for ok in ["13800000000", "+86-13800000000", "+1-4155550100", "123456"] {
            assert!(is_valid_mobile(ok), "{ok}");
        }
        for bad in [
            "",
            "12345",
            "138-0000-0000",
            "abc",
            "+86",
            "+-138000",
            "1".repeat(21).as_str(),
        ] {
            assert!(!is_valid_mobile(bad), "{bad}");
        }
    }
}
