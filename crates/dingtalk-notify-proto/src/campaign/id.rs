//! [`CampaignId`]: the name a campaign is stored, resumed and followed by.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A campaign's id: 1 to 64 ASCII letters, digits, `-`, `_` or `.`, so it is safe as a file
/// name, a Redis key part and a command-line argument. The driver makes one; the core never
/// invents ids.
///
/// ```
/// use dingtalk_notify_proto::campaign::CampaignId;
/// let id: CampaignId = "c-20261201-0001".parse()?;
/// assert_eq!(id.as_str(), "c-20261201-0001");
/// assert!(CampaignId::new("no spaces").is_err());
/// # Ok::<(), dingtalk_notify_proto::campaign::InvalidCampaignId>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CampaignId(String);

/// A campaign id with a character or length outside the rules of [`CampaignId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid campaign id {0:?}: use 1 to 64 ASCII letters, digits, '-', '_' or '.' (as printed by `send --ledger`)"
)]
pub struct InvalidCampaignId(pub String);

impl CampaignId {
    /// The longest id.
    pub const MAX_LEN: usize = 64;

    /// Checks `id`.
    ///
    /// # Errors
    /// [`InvalidCampaignId`], holding the id cut to 64 characters.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidCampaignId> {
        let id = id.into();
        let ok = !id.is_empty()
            && id.len() <= Self::MAX_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(Self(id))
        } else {
            Err(InvalidCampaignId(id.chars().take(Self::MAX_LEN).collect()))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CampaignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CampaignId {
    type Err = InvalidCampaignId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for CampaignId {
    type Error = InvalidCampaignId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<CampaignId> for String {
    fn from(id: CampaignId) -> Self {
        id.0
    }
}
