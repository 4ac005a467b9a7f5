//! [`StatusColor`]: an ARGB colour for the OA status bar and head.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::BuildError;

/// An ARGB colour, written `0xAARRGGBB` as `status_bg` and `AARRGGBB` as an OA `head.bgcolor`.
///
/// Parses `0xAARRGGBB`, `AARRGGBB`, `#AARRGGBB`, `#RRGGBB` and `RRGGBB` (any case); six digits
/// get an opaque alpha (`FF`).
///
/// ```
/// use dingtalk_notify_proto::StatusColor;
/// let green: StatusColor = "#78c06e".parse()?;
/// assert_eq!(green.to_string(), "0xFF78C06E");
/// assert_eq!(green.head_bgcolor(), "FF78C06E");
/// assert!("green".parse::<StatusColor>().is_err());
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusColor(u32);

impl StatusColor {
    /// A colour from its ARGB value (`0xFF78C06E`).
    pub const fn from_argb(argb: u32) -> Self {
        Self(argb)
    }

    /// The ARGB value.
    pub const fn argb(self) -> u32 {
        self.0
    }

    /// The form an OA `head.bgcolor` takes: eight hex digits, no `0x`.
    pub fn head_bgcolor(self) -> String {
        format!("{:08X}", self.0)
    }

    /// Parses one of the accepted forms.
    ///
    /// # Errors
    /// [`BuildError::InvalidStatusColor`] naming the input and the accepted forms.
    pub fn parse(input: &str) -> Result<Self, BuildError> {
        let s = input.trim();
        let digits = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .or_else(|| s.strip_prefix('#'))
            .unwrap_or(s);
        let prefixed_0x = digits.len() != s.len() && !s.starts_with('#');
        let ok_len = match digits.len() {
            8 => true,
            6 => !prefixed_0x,
            _ => false,
        };
        if !ok_len || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BuildError::InvalidStatusColor {
                input: input.chars().take(64).collect(),
            });
        }
        let value =
            u32::from_str_radix(digits, 16).map_err(|_| BuildError::InvalidStatusColor {
                input: input.chars().take(64).collect(),
            })?;
        Ok(Self(if digits.len() == 6 {
            0xFF00_0000 | value
        } else {
            value
        }))
    }
}

impl FromStr for StatusColor {
    type Err = BuildError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for StatusColor {
    /// `0xAARRGGBB`, the `status_bg` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08X}", self.0)
    }
}

impl fmt::Debug for StatusColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusColor(0x{:08X})", self.0)
    }
}

impl Serialize for StatusColor {
    /// Serializes as `0xAARRGGBB`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StatusColor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Serializes a colour in the OA head form (`AARRGGBB`).
pub(crate) fn serialize_head<S: Serializer>(c: &StatusColor, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&c.head_bgcolor())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms_normalise() {
        for input in [
            "0xFF78C06E",
            "0xff78c06e",
            "0XFF78C06E",
            "FF78C06E",
            "#FF78C06E",
            "#78C06E",
            "78c06e",
        ] {
            assert_eq!(
                StatusColor::parse(input).unwrap().to_string(),
                "0xFF78C06E",
                "{input}"
            );
        }
        assert_eq!(
            StatusColor::parse("0x8078C06E").unwrap().argb(),
            0x8078_C06E
        );
    }

    #[test]
    fn refused_forms_name_the_input() {
        for input in [
            "",
            "0x78C06E",
            "#12345",
            "0xFF78C06E00",
            "GG78C06E",
            "red",
            "0x",
        ] {
            let err = StatusColor::parse(input).unwrap_err();
            assert!(matches!(&err, BuildError::InvalidStatusColor { input: i } if i == input));
        }
    }
}
