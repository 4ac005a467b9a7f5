//! [`MediaKind`]: what `POST /media/upload` takes, with the reference's formats and size
//! limits (`shared/spec/audience-and-media.md`, "Media upload"), checked before anything is
//! built.
//!
//! | kind | formats | size |
//! |---|---|---|
//! | `image` | jpg, gif, png, bmp | 20 MB |
//! | `voice` | amr, mp3, wav | 2 MB |
//! | `video` | mp4 | 20 MB |
//! | `file` | doc, docx, xls, xlsx, ppt, pptx, zip, pdf, rar | 20 MB |
//!
//! MB are MiB (`20 MB` is 20,971,520 bytes). The format is the file name's extension, any
//! case: DingTalk judges by it (errcode 40005 otherwise), so a name without one is refused.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::BuildError;

const MIB: u64 = 1024 * 1024;

/// A DingTalk media type: the `type` of an upload and the message type that carries it.
///
/// ```
/// use dingtalk_notify_proto::media::MediaKind;
/// assert_eq!(MediaKind::infer("Q3 report.PDF"), Some(MediaKind::File));
/// assert_eq!(MediaKind::infer("poster.png"), Some(MediaKind::Image));
/// assert_eq!(MediaKind::infer("notes"), None);
/// assert_eq!(MediaKind::Voice.max_bytes(), 2 * 1024 * 1024);
/// assert_eq!(MediaKind::File.content_type("a.pdf"), "application/pdf");
/// let err = MediaKind::File.check("poster.png", 10).unwrap_err();
/// assert!(err.to_string().contains("upload it as image"), "{err}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaKind {
    /// `image`: jpg, gif, png, bmp; 20 MB. Sent as an `image` message, it previews.
    Image,
    /// `voice`: amr, mp3, wav; 2 MB. A `voice` message also needs its duration (under 60 s).
    Voice,
    /// `video`: mp4; 20 MB.
    Video,
    /// `file`: doc, docx, xls, xlsx, ppt, pptx, zip, pdf, rar; 20 MB.
    File,
}

/// Each extension DingTalk takes, with the content type sent for it.
const IMAGE: &[(&str, &str)] = &[
    ("jpg", "image/jpeg"),
    ("gif", "image/gif"),
    ("png", "image/png"),
    ("bmp", "image/bmp"),
];
const VOICE: &[(&str, &str)] = &[
    ("amr", "audio/amr"),
    ("mp3", "audio/mpeg"),
    ("wav", "audio/wav"),
];
const VIDEO: &[(&str, &str)] = &[("mp4", "video/mp4")];
const FILE: &[(&str, &str)] = &[
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("zip", "application/zip"),
    ("pdf", "application/pdf"),
    ("rar", "application/vnd.rar"),
];

/// The extension of a file name (after the last `.`, not the whole name).
fn extension(file_name: &str) -> Option<&str> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => Some(ext),
        _ => None,
    }
}

fn cut(file_name: &str) -> String {
    file_name.chars().take(200).collect()
}

impl MediaKind {
    /// Every kind.
    pub const ALL: [MediaKind; 4] = [Self::Image, Self::Voice, Self::Video, Self::File];

    /// The wire name: `image`, `voice`, `video`, `file`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Voice => "voice",
            Self::Video => "video",
            Self::File => "file",
        }
    }

    fn table(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Image => IMAGE,
            Self::Voice => VOICE,
            Self::Video => VIDEO,
            Self::File => FILE,
        }
    }

    /// The extensions DingTalk takes for this kind, lower case.
    pub fn formats(self) -> impl Iterator<Item = &'static str> {
        self.table().iter().map(|(ext, _)| *ext)
    }

    /// The formats as one list, for messages: `"jpg, gif, png, bmp"`.
    pub const fn formats_list(self) -> &'static str {
        match self {
            Self::Image => "jpg, gif, png, bmp",
            Self::Voice => "amr, mp3, wav",
            Self::Video => "mp4",
            Self::File => "doc, docx, xls, xlsx, ppt, pptx, zip, pdf, rar",
        }
    }

    /// The largest upload DingTalk takes for this kind, in bytes: 2 MB for voice, 20 MB
    /// otherwise.
    pub const fn max_bytes(self) -> u64 {
        match self {
            Self::Voice => 2 * MIB,
            Self::Image | Self::Video | Self::File => 20 * MIB,
        }
    }

    /// The kind a file name's extension belongs to (any case), if DingTalk takes it.
    pub fn infer(file_name: &str) -> Option<Self> {
        let ext = extension(file_name)?;
        Self::ALL.into_iter().find(|k| k.lookup(ext).is_some())
    }

    fn lookup(self, ext: &str) -> Option<&'static str> {
        self.table()
            .iter()
            .find(|(e, _)| e.eq_ignore_ascii_case(ext))
            .map(|(_, ct)| *ct)
    }

    /// The content type sent for `file_name` as this kind: by its extension, or
    /// `application/octet-stream` for an extension this kind does not take.
    pub fn content_type(self, file_name: &str) -> &'static str {
        extension(file_name)
            .and_then(|ext| self.lookup(ext))
            .unwrap_or("application/octet-stream")
    }

    /// Checks that a file of `size` bytes named `file_name` can be uploaded as this kind:
    /// not empty, within [`max_bytes`](Self::max_bytes), of one of the
    /// [`formats`](Self::formats).
    ///
    /// # Errors
    /// [`BuildError::MediaEmpty`], [`BuildError::MediaTooLarge`] or
    /// [`BuildError::MediaFormat`], naming the file and the limit.
    pub fn check(self, file_name: &str, size: u64) -> Result<(), BuildError> {
        if file_name.trim().is_empty() {
            return Err(BuildError::EmptyField {
                field: "media.filename",
            });
        }
        if extension(file_name)
            .and_then(|ext| self.lookup(ext))
            .is_none()
        {
            let hint = match Self::infer(file_name) {
                Some(Self::Image) => "; upload it as image, which previews",
                Some(Self::Voice) => "; upload it as voice",
                Some(Self::Video) => "; upload it as video",
                Some(Self::File) => "; upload it as file",
                None if extension(file_name).is_none() => {
                    "; the name has no extension: give it one (report.pdf)"
                }
                None => "",
            };
            return Err(BuildError::MediaFormat {
                file: cut(file_name),
                kind: self.name(),
                formats: self.formats_list(),
                hint,
            });
        }
        if size == 0 {
            return Err(BuildError::MediaEmpty {
                file: cut(file_name),
            });
        }
        if size > self.max_bytes() {
            return Err(BuildError::MediaTooLarge {
                file: cut(file_name),
                kind: self.name(),
                size,
                limit: self.max_bytes(),
                limit_mib: self.max_bytes() / MIB,
            });
        }
        Ok(())
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A media type name that is not `image`, `voice`, `video` or `file`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown media type {0:?}: expected image, voice, video or file")]
pub struct UnknownMediaKind(pub String);

impl FromStr for MediaKind {
    type Err = UnknownMediaKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownMediaKind(s.chars().take(64).collect()))
    }
}

impl Serialize for MediaKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for MediaKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_at_the_byte() {
        let limit = 20 * 1024 * 1024;
        assert!(MediaKind::File.check("a.pdf", limit).is_ok());
        let err = MediaKind::File.check("a.pdf", limit + 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"a.pdf\" is 20971521 bytes, over the 20 MB (20971520 bytes) limit of a DingTalk \
             file upload; nothing was sent"
        );
        assert!(
            MediaKind::Voice
                .check("a.amr", 2 * 1024 * 1024 + 1)
                .is_err()
        );
        assert!(matches!(
            MediaKind::Image.check("a.png", 0),
            Err(BuildError::MediaEmpty { .. })
        ));
    }

    #[test]
    fn formats_go_by_the_extension_in_any_case() {
        assert_eq!(MediaKind::infer("dir.v2/通知.PDF"), Some(MediaKind::File));
        assert_eq!(
            MediaKind::infer(".pdf"),
            None,
            "a hidden file has no extension"
        );
        assert_eq!(MediaKind::infer("a."), None);
        assert_eq!(
            MediaKind::infer("x.jpeg"),
            None,
            "the reference lists jpg only"
        );
        let err = MediaKind::File.check("notes", 3).unwrap_err().to_string();
        assert!(err.contains("no extension"), "{err}");
        assert_eq!(MediaKind::Video.content_type("a.MP4"), "video/mp4");
        assert_eq!(
            MediaKind::Video.content_type("a"),
            "application/octet-stream"
        );
    }

    #[test]
    fn names_round_trip() {
        for k in MediaKind::ALL {
            assert_eq!(k.name().parse::<MediaKind>(), Ok(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(serde_json::from_str::<MediaKind>(&json).unwrap(), k);
            assert_eq!(k.formats().collect::<Vec<_>>().join(", "), k.formats_list());
        }
        assert!("audio".parse::<MediaKind>().is_err());
    }
}
