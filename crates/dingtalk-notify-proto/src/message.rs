//! [`Message`]: every `msgtype` of a work notification, serialized exactly as DingTalk
//! expects (`{"msgtype":"text","text":{"content":"..."}}`).

use serde::{Deserialize, Serialize};

mod action_card;
mod oa;

pub use action_card::{ActionCard, ActionCardButton, ActionCardButtons, BtnOrientation};
pub use oa::{Oa, OaBody, OaForm, OaHead, OaRich, OaStatusBar};

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
