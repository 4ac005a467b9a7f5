//! [`Message`]: every `msgtype` of a work notification, serialized exactly as DingTalk
//! expects (`{"msgtype":"text","text":{"content":"..."}}`).

use serde::{Deserialize, Serialize};

use crate::color::{StatusColor, serialize_head};
use crate::error::BuildError;
use crate::validate::check_not_empty;
use crate::wire::{as_string, lenient};

/// A work notification's content.
///
/// ```
/// use dingtalk_notify_proto::Message;
/// let m = Message::markdown("Deploy", "**prod** is live");
/// assert_eq!(
///     serde_json::to_string(&m).unwrap(),
///     r#"{"msgtype":"markdown","markdown":{"title":"Deploy","text":"**prod** is live"}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "msgtype")]
#[non_exhaustive]
pub enum Message {
    /// `text`.
    #[serde(rename = "text")]
    Text {
        /// The body.
        text: Text,
    },
    /// `image`.
    #[serde(rename = "image")]
    Image {
        /// The body.
        image: Media,
    },
    /// `voice`.
    #[serde(rename = "voice")]
    Voice {
        /// The body.
        voice: Voice,
    },
    /// `file`.
    #[serde(rename = "file")]
    File {
        /// The body.
        file: Media,
    },
    /// `link`.
    #[serde(rename = "link")]
    Link {
        /// The body.
        link: Link,
    },
    /// `markdown`.
    #[serde(rename = "markdown")]
    Markdown {
        /// The body.
        markdown: Markdown,
    },
    /// `action_card`, with one button or several.
    #[serde(rename = "action_card")]
    ActionCard {
        /// The body.
        action_card: ActionCard,
    },
    /// `oa`: head, body, form, rich text and status bar.
    #[serde(rename = "oa")]
    Oa {
        /// The body (boxed: it is much larger than the others).
        oa: Box<Oa>,
    },
}

impl Message {
    /// A `text` message.
    pub fn text(content: impl Into<String>) -> Self {
        Self::Text {
            text: Text {
                content: content.into(),
            },
        }
    }

    /// A `markdown` message.
    pub fn markdown(title: impl Into<String>, text: impl Into<String>) -> Self {
        Self::Markdown {
            markdown: Markdown {
                title: title.into(),
                text: text.into(),
            },
        }
    }

    /// An `image` message (`media_id` from the media upload API).
    pub fn image(media_id: impl Into<String>) -> Self {
        Self::Image {
            image: Media {
                media_id: media_id.into(),
            },
        }
    }

    /// A `voice` message of `duration` seconds.
    pub fn voice(media_id: impl Into<String>, duration: u32) -> Self {
        Self::Voice {
            voice: Voice {
                media_id: media_id.into(),
                duration,
            },
        }
    }

    /// A `file` message.
    pub fn file(media_id: impl Into<String>) -> Self {
        Self::File {
            file: Media {
                media_id: media_id.into(),
            },
        }
    }

    /// The `msgtype`.
    pub fn msgtype(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Image { .. } => "image",
            Self::Voice { .. } => "voice",
            Self::File { .. } => "file",
            Self::Link { .. } => "link",
            Self::Markdown { .. } => "markdown",
            Self::ActionCard { .. } => "action_card",
            Self::Oa { .. } => "oa",
        }
    }

    /// Checks required fields are present.
    ///
    /// # Errors
    /// [`BuildError::EmptyField`] naming the first empty required field.
    pub fn validate(&self) -> Result<(), BuildError> {
        match self {
            Self::Text { text } => check_not_empty("msg.text.content", &text.content),
            Self::Image { image } => check_not_empty("msg.image.media_id", &image.media_id),
            Self::Voice { voice } => check_not_empty("msg.voice.media_id", &voice.media_id),
            Self::File { file } => check_not_empty("msg.file.media_id", &file.media_id),
            Self::Link { link } => {
                check_not_empty("msg.link.messageUrl", &link.message_url)?;
                check_not_empty("msg.link.picUrl", &link.pic_url)?;
                check_not_empty("msg.link.title", &link.title)?;
                check_not_empty("msg.link.text", &link.text)
            }
            Self::Markdown { markdown } => {
                check_not_empty("msg.markdown.title", &markdown.title)?;
                check_not_empty("msg.markdown.text", &markdown.text)
            }
            Self::ActionCard { action_card } => action_card.validate(),
            Self::Oa { oa } => oa.validate(),
        }
    }
}

impl From<Link> for Message {
    fn from(link: Link) -> Self {
        Self::Link { link }
    }
}

impl From<ActionCard> for Message {
    fn from(action_card: ActionCard) -> Self {
        Self::ActionCard { action_card }
    }
}

impl From<Oa> for Message {
    fn from(oa: Oa) -> Self {
        Self::Oa { oa: Box::new(oa) }
    }
}

/// `text {content}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// The text.
    pub content: String,
}

/// `image {media_id}` and `file {media_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// The uploaded media's id.
    pub media_id: String,
}

/// `voice {media_id, duration}`; `duration` goes on the wire as a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voice {
    /// The uploaded media's id.
    pub media_id: String,
    /// Length in seconds.
    #[serde(serialize_with = "as_string", deserialize_with = "lenient")]
    pub duration: u32,
}

/// `link {messageUrl, picUrl, title, text}` (camelCase keys on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Where a click leads.
    #[serde(rename = "messageUrl")]
    pub message_url: String,
    /// The picture (a URL or media id).
    #[serde(rename = "picUrl")]
    pub pic_url: String,
    /// The title.
    pub title: String,
    /// The description.
    pub text: String,
}

/// `markdown {title, text}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Markdown {
    /// The title shown in the conversation list.
    pub title: String,
    /// The markdown body.
    pub text: String,
}

/// `action_card {title, markdown, ...}` with one button or a list of buttons.
///
/// ```
/// use dingtalk_notify_proto::message::{ActionCard, ActionCardButton, BtnOrientation};
/// use dingtalk_notify_proto::Message;
/// let card = ActionCard::buttons("Leave", "Approve?", BtnOrientation::Horizontal, vec![
///     ActionCardButton::new("Yes", "https://example.com/yes"),
///     ActionCardButton::new("No", "https://example.com/no"),
/// ]);
/// let json = serde_json::to_value(Message::from(card)).unwrap();
/// assert_eq!(json["action_card"]["btn_orientation"], "1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCard {
    /// The title.
    pub title: String,
    /// The markdown body.
    pub markdown: String,
    /// One button, or a list.
    #[serde(flatten)]
    pub buttons: ActionCardButtons,
}

impl ActionCard {
    /// A card with one button.
    pub fn single(
        title: impl Into<String>,
        markdown: impl Into<String>,
        single_title: impl Into<String>,
        single_url: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            markdown: markdown.into(),
            buttons: ActionCardButtons::Single {
                single_title: single_title.into(),
                single_url: single_url.into(),
            },
        }
    }

    /// A card with a list of buttons.
    pub fn buttons(
        title: impl Into<String>,
        markdown: impl Into<String>,
        btn_orientation: BtnOrientation,
        btn_json_list: Vec<ActionCardButton>,
    ) -> Self {
        Self {
            title: title.into(),
            markdown: markdown.into(),
            buttons: ActionCardButtons::Multiple {
                btn_orientation,
                btn_json_list,
            },
        }
    }

    fn validate(&self) -> Result<(), BuildError> {
        check_not_empty("msg.action_card.title", &self.title)?;
        check_not_empty("msg.action_card.markdown", &self.markdown)?;
        match &self.buttons {
            ActionCardButtons::Single {
                single_title,
                single_url,
            } => {
                check_not_empty("msg.action_card.single_title", single_title)?;
                check_not_empty("msg.action_card.single_url", single_url)
            }
            ActionCardButtons::Multiple { btn_json_list, .. } => {
                if btn_json_list.is_empty() {
                    return Err(BuildError::EmptyField {
                        field: "msg.action_card.btn_json_list",
                    });
                }
                for b in btn_json_list {
                    check_not_empty("msg.action_card.btn_json_list[].title", &b.title)?;
                    check_not_empty("msg.action_card.btn_json_list[].action_url", &b.action_url)?;
                }
                Ok(())
            }
        }
    }
}

/// The two forms of an action card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ActionCardButtons {
    /// One button: `single_title`, `single_url`.
    Single {
        /// The button's text.
        single_title: String,
        /// Where it leads.
        single_url: String,
    },
    /// Several buttons: `btn_orientation`, `btn_json_list`.
    Multiple {
        /// Vertical (`"0"`) or horizontal (`"1"`).
        btn_orientation: BtnOrientation,
        /// The buttons.
        btn_json_list: Vec<ActionCardButton>,
    },
}

/// Button layout, `"0"` vertical or `"1"` horizontal on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum BtnOrientation {
    /// `"0"`.
    #[default]
    #[serde(rename = "0")]
    Vertical,
    /// `"1"`.
    #[serde(rename = "1")]
    Horizontal,
}

/// One button of a multi-button action card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCardButton {
    /// The button's text.
    pub title: String,
    /// Where it leads.
    pub action_url: String,
}

impl ActionCardButton {
    /// A button.
    pub fn new(title: impl Into<String>, action_url: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            action_url: action_url.into(),
        }
    }
}

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

    fn validate(&self) -> Result<(), BuildError> {
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
