//! `oa`: the OA notification with a head, a body and a status bar.

use serde::{Deserialize, Serialize};

use crate::color::{StatusColor, serialize_head};
use crate::error::BuildError;
use crate::validate::check_not_empty;

/// `oa {message_url, pc_message_url, head, status_bar, body}`.
///
/// ```
/// use dingtalk_notify_proto::message::{Oa, OaBody, OaForm, OaHead};
/// use dingtalk_notify_proto::{Message, StatusColor};
/// let oa = Oa::new("https://example.com/leave/7", OaHead::new(StatusColor::from_argb(0xFFBBBBBB), "Leave"),
///     OaBody { title: Some("Leave request".into()), form: vec![OaForm::new("Days", "3")], ..OaBody::default() })
///     .status_bar("Pending", Some("#FF9900".parse()?));
/// let json = serde_json::to_value(Message::from(oa)).unwrap();
/// assert_eq!(json["oa"]["head"]["bgcolor"], "FFBBBBBB");
/// assert_eq!(json["oa"]["status_bar"]["status_bg"], "0xFFFF9900");
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Oa {
    /// Where a click leads on mobile.
    pub message_url: String,
    /// Where a click leads on PC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pc_message_url: Option<String>,
    /// The coloured head.
    pub head: OaHead,
    /// The status bar, updatable later with `status_bar/update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_bar: Option<OaStatusBar>,
    /// The body.
    pub body: OaBody,
}

impl Oa {
    /// An OA message with no status bar.
    pub fn new(message_url: impl Into<String>, head: OaHead, body: OaBody) -> Self {
        Self {
            message_url: message_url.into(),
            pc_message_url: None,
            head,
            status_bar: None,
            body,
        }
    }

    /// Sets the status bar.
    #[must_use]
    pub fn status_bar(
        mut self,
        status_value: impl Into<String>,
        status_bg: Option<StatusColor>,
    ) -> Self {
        self.status_bar = Some(OaStatusBar {
            status_value: status_value.into(),
            status_bg,
        });
        self
    }

    /// Sets the PC link.
    #[must_use]
    pub fn pc_message_url(mut self, url: impl Into<String>) -> Self {
        self.pc_message_url = Some(url.into());
        self
    }

    pub(super) fn validate(&self) -> Result<(), BuildError> {
        check_not_empty("msg.oa.message_url", &self.message_url)?;
        check_not_empty("msg.oa.head.text", &self.head.text)?;
        if let Some(bar) = &self.status_bar {
            check_not_empty("msg.oa.status_bar.status_value", &bar.status_value)?;
        }
        let b = &self.body;
        let has_body = b.title.is_some()
            || !b.form.is_empty()
            || b.rich.is_some()
            || b.content.is_some()
            || b.image.is_some();
        if !has_body {
            return Err(BuildError::EmptyField {
                field: "msg.oa.body",
            });
        }
        Ok(())
    }
}

/// `head {bgcolor, text}`; `bgcolor` goes on the wire as `AARRGGBB` (no `0x`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OaHead {
    /// The head colour.
    #[serde(serialize_with = "serialize_head")]
    pub bgcolor: StatusColor,
    /// The head text (the app's name, usually).
    pub text: String,
}

impl OaHead {
    /// A head.
    pub fn new(bgcolor: StatusColor, text: impl Into<String>) -> Self {
        Self {
            bgcolor,
            text: text.into(),
        }
    }
}

/// `status_bar {status_value, status_bg}`; `status_bg` as `0xAARRGGBB`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OaStatusBar {
    /// The status text.
    pub status_value: String,
    /// The background colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_bg: Option<StatusColor>,
}

/// `body {title, form, rich, content, image, file_count, author}`; at least one of title,
/// form, rich, content or image.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OaBody {
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Key/value rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub form: Vec<OaForm>,
    /// A highlighted number with its unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rich: Option<OaRich>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// An image media id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The number of attachments, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_count: Option<String>,
    /// The author shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

/// One `form` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OaForm {
    /// The label.
    pub key: String,
    /// The value.
    pub value: String,
}

impl OaForm {
    /// A row.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// `rich {num, unit}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OaRich {
    /// The number, as text.
    pub num: String,
    /// Its unit.
    pub unit: String,
}
