//! Media upload: [`Client::upload_media`], [`Client::upload_media_path`] and [`MediaFile`],
//! a file read from disk and checked against DingTalk's limits before a byte is sent.
//!
//! # Retries and the deadline
//! An upload is safe to repeat (a second upload only makes a second `media_id`), so it is
//! retried like a query: after transport failures and retryable answers, within its
//! deadline. That deadline fits the size: the client's
//! [`RetryPolicy::deadline`](crate::RetryPolicy::deadline) plus one second for every
//! [`UPLOAD_FLOOR_BYTES_PER_SEC`] bytes (256 KiB/s: 20 MB adds 80 s), so a large file on a
//! slow link is not cut off where a small call would be ([`upload_deadline`]). Each attempt
//! gets the time left as its `RequestTimeout` extension; the
//! transport's own overall timeout (30 s by default) still caps an attempt, so raise it
//! (`UreqTransport::builder().timeout(..)`) for large files on links slower than about
//! 700 KB/s.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dingtalk_notify_proto::api::{UploadMedia, UploadMediaResponse};
use dingtalk_notify_proto::media::MediaKind;
use dingtalk_notify_proto::{BuildError, Transport, Validated};

use super::Client;
use crate::Error;

/// The slowest upload rate the deadline allows for: 256 KiB/s.
pub(crate) const UPLOAD_FLOOR_BYTES_PER_SEC: u64 = 256 * 1024;

/// The deadline of an upload of `len` bytes: `base` plus one second per
/// [`UPLOAD_FLOOR_BYTES_PER_SEC`] (rounded up), saturating.
pub(crate) fn upload_deadline(base: Duration, len: usize) -> Duration {
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    base.saturating_add(Duration::from_secs(
        len.div_ceil(UPLOAD_FLOOR_BYTES_PER_SEC),
    ))
}

/// A file read for upload: its kind, its name (the path's last component) and its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// The media type.
    pub kind: MediaKind,
    /// The file name DingTalk shows (the path's last component).
    pub file_name: String,
    /// The content.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaFile")
            .field("kind", &self.kind)
            .field("file_name", &self.file_name)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A file that could not be read, or that DingTalk would refuse; nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaFileError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Empty, too big, or of a format the kind does not take: the error names the file and
    /// the limit.
    #[error(transparent)]
    Refused(#[from] BuildError),
}

/// An upload of a file at a path that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadFileError<E> {
    /// The file could not be read or was refused before anything was sent.
    #[error(transparent)]
    File(#[from] MediaFileError),
    /// The upload failed.
    #[error(transparent)]
    Call(#[from] Error<E>),
}

impl MediaFile {
    /// Reads `path` as `kind`, or as the kind its extension names. The name, kind and size
    /// are checked before the content is read (the size from the file's metadata), and
    /// again after, so a file too big or of the wrong type is refused without reading it.
    ///
    /// ```
    /// use dingtalk_notify::media::MediaFile;
    /// let dir = std::env::temp_dir().join(format!("dn-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("notes"), b"x")?;
    /// let err = MediaFile::read(dir.join("notes"), None).unwrap_err();
    /// assert!(err.to_string().contains("no extension"), "{err}");
    /// std::fs::write(dir.join("policy.pdf"), b"%PDF")?;
    /// let file = MediaFile::read(dir.join("policy.pdf"), None)?;
    /// assert_eq!((file.kind.name(), file.file_name.as_str()), ("file", "policy.pdf"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`MediaFileError::Read`], or [`MediaFileError::Refused`] naming the file and the
    /// limit.
    pub fn read(path: impl AsRef<Path>, kind: Option<MediaKind>) -> Result<Self, MediaFileError> {
        let path = path.as_ref();
        let read_error = |source| MediaFileError::Read {
            path: path.to_owned(),
            source,
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = match kind {
            Some(kind) => kind,
            None => UploadMedia::inferred(file_name.as_str(), &[])?.kind(),
        };
        let file = File::open(path).map_err(read_error)?;
        let size = file.metadata().map_err(read_error)?.len();
        // Checked on the declared size first: a 2 GB file is refused without reading it.
        kind.check(&file_name, size)?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        // One byte past the limit is enough to know the file grew over it.
        file.take(kind.max_bytes().saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        kind.check(&file_name, bytes.len() as u64)?;
        Ok(Self {
            kind,
            file_name,
            bytes,
        })
    }
}

impl<T: Transport> Client<T> {
    /// Uploads `bytes` as a `kind` named `file_name` (`POST /media/upload`) and answers its
    /// `media_id`, for [`Message::image`](crate::Message::image),
    /// [`Message::file`](crate::Message::file) or [`Message::voice`](crate::Message::voice).
    /// The kind's formats and size limit are checked first (nothing is sent when they fail).
    /// The request goes through [`Transport::send_form`]: the ureq transport writes the file
    /// from `bytes` straight into its connection's buffer (no body is built), any other
    /// transport builds the body, copying the file once. Retries: an upload is safe to
    /// repeat; its deadline is the retry deadline plus one second per 256 KiB of `bytes`
    /// (20 MB adds 80 s), so a large file on a slow link is not cut off.
    ///
    /// A `media_id` does not expire: upload a file once and send it any number of times
    /// (a campaign's message carries it, so a resumed campaign does not upload again).
    ///
    /// # Errors
    /// [`Error::Build`] (the file is empty, too big, or of a format the kind does not take),
    /// or the call's failure.
    pub fn upload_media(
        &self,
        kind: MediaKind,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<UploadMediaResponse, Error<T::Error>> {
        let upload = UploadMedia::new(kind, file_name, bytes);
        let checked = Validated::new(&upload)?;
        self.call_validated_within(
            checked,
            upload_deadline(self.inner.retry.deadline, bytes.len()),
        )
    }

    /// Reads the file at `path` ([`MediaFile::read`], the kind inferred from its extension)
    /// and uploads it ([`upload_media`](Self::upload_media)).
    ///
    /// # Errors
    /// [`UploadFileError::File`] (nothing sent), or [`UploadFileError::Call`] with the
    /// upload's error.
    pub fn upload_media_path(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<UploadMediaResponse, UploadFileError<T::Error>> {
        let file = MediaFile::read(path, None)?;
        Ok(self.upload_media(file.kind, &file.file_name, &file.bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::upload_deadline;
    use std::time::Duration;

    #[test]
    fn the_deadline_grows_one_second_per_256_kib() {
        let base = Duration::from_secs(30);
        assert_eq!(upload_deadline(base, 0), base);
        assert_eq!(upload_deadline(base, 1), base + Duration::from_secs(1));
        assert_eq!(
            upload_deadline(base, 20 * 1024 * 1024),
            Duration::from_secs(110)
        );
        assert_eq!(upload_deadline(Duration::MAX, usize::MAX), Duration::MAX);
    }
}
