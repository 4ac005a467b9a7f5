//! `action_card`: one button, or a list of buttons.

use serde::{Deserialize, Serialize};

use crate::error::BuildError;
use crate::validate::check_not_empty;

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

    pub(super) fn validate(&self) -> Result<(), BuildError> {
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
