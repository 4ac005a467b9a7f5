//! `campaign remind`'s arguments.

use clap::{Args, ValueEnum};

use super::{CampaignArgs, MessageArgs};

/// `campaign remind ID (--text … | --markdown … | --msg-json …) [--include …] [--dry-run]`.
#[derive(Debug, Clone, Args)]
pub struct CampaignRemindArgs {
    /// The campaign to remind.
    #[command(flatten)]
    pub campaign: CampaignArgs,

    /// The reminder's message: not the campaign's own (DingTalk drops the same content to
    /// the same person within a day, 143106).
    #[command(flatten)]
    pub message: ReminderMessageArgs,

    /// Who gets it, by their state in the campaign's result (comma-separated): `unread`
    /// (the default), `failed`, `forbidden` (held back by the per-minute quota,
    /// 143103/143104; never those held back for the day).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "STATES",
        default_value = "unread"
    )]
    pub include: Vec<RemindState>,

    /// Read the campaign's result and plan the reminder; send nothing and print who it
    /// would reach, its chunks, its ETA, its calls and warnings.
    #[arg(long)]
    pub dry_run: bool,
}

/// The reminder's message: a text, a markdown or DingTalk's `msg` JSON.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct ReminderMessageArgs {
    /// A text message.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,

    /// A markdown message: its title, then its text.
    #[arg(long, num_args = 2, value_names = ["TITLE", "TEXT"])]
    pub markdown: Option<Vec<String>>,

    /// Any message as DingTalk's JSON `msg` object, from a file, or `-` for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub msg_json: Option<std::path::PathBuf>,
}

impl ReminderMessageArgs {
    /// As `send`'s message options, without the files to upload.
    pub fn as_message_args(&self) -> MessageArgs {
        MessageArgs {
            text: self.text.clone(),
            markdown: self.markdown.clone(),
            msg_json: self.msg_json.clone(),
            file: None,
            image: None,
            voice: None,
        }
    }
}

/// A state of `--include`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RemindState {
    /// Delivered, not read.
    Unread,
    /// DingTalk could not deliver.
    Failed,
    /// Held back by the per-minute quota.
    Forbidden,
}
