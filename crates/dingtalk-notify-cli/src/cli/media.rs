//! The media options: `send --file/--image/--voice` (in [`MessageArgs`](super::MessageArgs))
//! and the `media` command.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `media`'s actions.
#[derive(Debug, Clone, Subcommand)]
pub enum MediaCommand {
    /// Upload a file (POST /media/upload) and print its media_id, to send with
    /// `--msg-json` any number of times (a media_id does not expire).
    Upload(MediaUploadArgs),
}

/// `media upload`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct MediaUploadArgs {
    /// The file. Its extension names the kind unless --type is given: image (jpg, gif, png,
    /// bmp; 20 MB), voice (amr, mp3, wav; 2 MB), video (mp4; 20 MB), file (doc, docx, xls,
    /// xlsx, ppt, pptx, zip, pdf, rar; 20 MB).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    /// The media type: image, voice, video or file.
    #[arg(long = "type", value_name = "KIND")]
    pub kind: Option<String>,
}
