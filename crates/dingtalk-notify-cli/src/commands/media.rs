//! `media upload`, and the file `send --file/--image/--voice` uploads before it sends.
//!
//! The file is read and checked against DingTalk's formats and limits before anything is
//! sent (exit 2 otherwise); the upload then makes the `media_id` the message carries. A
//! campaign's message is kept in its ledger, media_id included, so a resumed campaign never
//! uploads again.

use dingtalk_notify::Message;
use dingtalk_notify::media::MediaKind;
use dingtalk_notify::media::{MediaFile, MediaFileError};
use serde::Serialize;

use super::CliClient;
use crate::cli::{GlobalArgs, MediaCommand, MediaUploadArgs, MessageArgs, SendArgs};
use crate::exit::Failure;
use crate::output::Output;

/// The longest voice message, exclusive: "under 60 s" (audience-and-media.md).
const MAX_VOICE_SECS: u32 = 60;

/// The message `send`'s options give, or the file still to upload for it.
#[derive(Debug)]
pub enum Pending {
    /// A message with nothing to upload.
    Ready(Message),
    /// A file to upload, then send as its kind.
    Upload {
        /// The file, read and checked.
        file: MediaFile,
        /// A voice message's length in seconds.
        duration: u32,
    },
}

fn refused(e: MediaFileError) -> Failure {
    Failure::invalid_input(e.to_string())
}

impl Pending {
    /// Reads the options: a `--file`, `--image` or `--voice` file is read and checked here,
    /// so a file too big or of the wrong type exits 2 before anything is sent; any other
    /// message is `message`'s (`send::message`, passed in so this module does not depend
    /// on `send`).
    ///
    /// # Errors
    /// Exit 2 for an unreadable or unfit file, a voice length out of range, or an invalid
    /// message.
    pub fn from_args(
        args: &SendArgs,
        message: impl FnOnce(&MessageArgs) -> Result<Message, Failure>,
    ) -> Result<Self, Failure> {
        let m = &args.message;
        let (path, kind) = match (&m.file, &m.image, &m.voice) {
            (Some(p), _, _) => (p, MediaKind::File),
            (_, Some(p), _) => (p, MediaKind::Image),
            (_, _, Some(p)) => (p, MediaKind::Voice),
            _ => return message(m).map(Self::Ready),
        };
        let duration = match (kind, args.duration) {
            (MediaKind::Voice, Some(d)) if (1..MAX_VOICE_SECS).contains(&d) => d,
            (MediaKind::Voice, _) => {
                return Err(Failure::invalid_input(format!(
                    "--duration must be 1 to {} seconds (a voice message is under 60 s)",
                    MAX_VOICE_SECS - 1
                )));
            }
            _ => 0,
        };
        let file = MediaFile::read(path, Some(kind)).map_err(refused)?;
        Ok(Self::Upload { file, duration })
    }

    /// The message, uploading the file first; with the `media_id` when one was uploaded.
    ///
    /// # Errors
    /// The upload's failure (nothing was sent to the recipients).
    pub fn resolve(self, client: &CliClient) -> Result<(Message, Option<String>), Failure> {
        let (file, duration) = match self {
            Self::Ready(message) => return Ok((message, None)),
            Self::Upload { file, duration } => (file, duration),
        };
        let id = client
            .upload_media(file.kind, &file.file_name, &file.bytes)?
            .media_id;
        let message = match file.kind {
            MediaKind::Image => Message::image(id.as_str()),
            MediaKind::Voice => Message::voice(id.as_str(), duration),
            // `send` names no video option; a video would go as a file.
            MediaKind::File | MediaKind::Video => Message::file(id.as_str()),
        };
        Ok((message, Some(id)))
    }

    /// [`resolve`](Self::resolve) with a client of its own (a campaign builds its client
    /// later, with its fleet).
    ///
    /// # Errors
    /// As [`resolve`](Self::resolve), or exit 2 for unusable options.
    pub fn resolve_with(self, global: &GlobalArgs) -> Result<(Message, Option<String>), Failure> {
        match self {
            Self::Ready(message) => Ok((message, None)),
            upload => upload.resolve(&super::client(global)?),
        }
    }
}

/// The `media_id` a message carries (`image`, `voice`, `file`), for `--json` documents.
pub fn media_id_of(message: &Message) -> Option<&str> {
    match message {
        Message::Image { image: m } | Message::File { file: m } => Some(&m.media_id),
        Message::Voice { voice } => Some(&voice.media_id),
        _ => None,
    }
}

/// `media upload`'s document.
#[derive(Debug, Serialize)]
struct UploadDoc<'a> {
    media_id: &'a str,
    #[serde(rename = "type")]
    kind: MediaKind,
    created_at: u64,
    file_name: &'a str,
    size: usize,
}

/// Runs `media ...`.
///
/// # Errors
/// Exit 2 for an unfit file (nothing sent), else the upload's failure.
pub fn run(global: &GlobalArgs, command: &MediaCommand, out: Output) -> Result<(), Failure> {
    match command {
        MediaCommand::Upload(args) => upload(global, args, out),
    }
}

fn upload(global: &GlobalArgs, args: &MediaUploadArgs, out: Output) -> Result<(), Failure> {
    let kind = match &args.kind {
        Some(k) => Some(
            k.parse::<MediaKind>()
                .map_err(|e| Failure::invalid_input(format!("--type: {e}")))?,
        ),
        None => None,
    };
    let file = MediaFile::read(&args.path, kind).map_err(refused)?;
    let client = super::client(global)?;
    let answer = client.upload_media(file.kind, &file.file_name, &file.bytes)?;
    out.answer(
        &answer.media_id,
        &UploadDoc {
            media_id: &answer.media_id,
            kind: answer.kind,
            created_at: answer.created_at,
            file_name: &file.file_name,
            size: file.bytes.len(),
        },
    );
    Ok(())
}
