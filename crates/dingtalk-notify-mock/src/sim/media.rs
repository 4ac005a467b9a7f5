//! `POST /media/upload` and the media a send may name. Written from the reference
//! (`shared/spec/audience-and-media.md`, "Media upload") and the global error-code table
//! (open.dingtalk.com/document/orgapp/server-api-error-codes-1, quoted at
//! <https://developer.aliyun.com/ask/540868>), never from the client's types:
//!
//! | check, in order | errcode |
//! |---|---|
//! | the token | 40014 / 42001 |
//! | `type` missing from the query, not image/voice/video/file, or the form's `type` differs | 40004 (ask/270597: `?type=` missing) |
//! | the body is not `multipart/form-data` | 43008 "参数需要multipart类型" (captured: blog.csdn.net/qubes/article/details/137156316) |
//! | the form is malformed, or has no `media` part with a file name | 41 / 40 |
//! | the file name's extension is not one of the type's formats | 40005 |
//! | the file is empty, or over the type's limit (voice 2 MB, others 20 MB) | 40006 |
//!
//! A send whose `image`, `voice` or `file` names a `media_id` never issued answers 40007
//! "不合法的媒体文件id" (captured on a file message: <https://developer.aliyun.com/ask/220587>).

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::answer::{Answer, Reject};
use super::ids::Ids;
use super::{Sim, code};
use crate::fault::Route;
use crate::http::Incoming;
use crate::http::multipart::{boundary_of, parse};

const MIB: usize = 1024 * 1024;

/// Each media type with its formats and size limit, as the reference lists them.
const TYPES: [(&str, &[&str], usize); 4] = [
    ("image", &["jpg", "gif", "png", "bmp"], 20 * MIB),
    ("voice", &["amr", "mp3", "wav"], 2 * MIB),
    ("video", &["mp4"], 20 * MIB),
    (
        "file",
        &[
            "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "pdf", "rar",
        ],
        20 * MIB,
    ),
];

/// A file the simulator accepted, as it parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadedMedia {
    /// The id it answered.
    pub media_id: String,
    /// The `type` (`image`, `voice`, `video`, `file`).
    pub kind: String,
    /// The file name, with a browser's percent-escapes of `"`, `\` and control characters
    /// decoded.
    pub file_name: String,
    /// The `filename` parameter as it came.
    pub raw_file_name: String,
    /// The part's `Content-Type`, if it had one.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: Vec<u8>,
    /// Simulator time of the upload.
    pub at: Duration,
}

#[derive(Serialize)]
struct UploadPayload<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    media_id: &'a str,
    created_at: u64,
}

fn invalid_type() -> Reject {
    Reject::new(code::INVALID_MEDIA_TYPE, "不合法的媒体文件类型")
}

impl Sim {
    pub(super) fn upload(
        &mut self,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        self.caller(req, now)?;
        let kind = req.query_value("type").ok_or_else(invalid_type)?;
        let (kind, formats, limit) = *TYPES
            .iter()
            .find(|(k, _, _)| *k == kind)
            .ok_or_else(invalid_type)?;
        let boundary = req
            .header("content-type")
            .ok_or(())
            .and_then(|ct| boundary_of(ct).map_err(|_| ()))
            .map_err(|()| Reject::new(code::NEEDS_MULTIPART, "参数需要multipart类型"))?;
        let parts = parse(&boundary, &req.body).map_err(|e| {
            Reject::new(
                code::INVALID_ARGUMENT,
                format!("Invalid arguments:media ({e})"),
            )
        })?;
        if parts
            .iter()
            .any(|p| p.name == "type" && p.body != kind.as_bytes())
        {
            return Err(invalid_type());
        }
        let media = parts
            .iter()
            .find(|p| p.name == "media" && p.file_name.is_some())
            .ok_or_else(|| Reject::new(code::MISSING_ARGUMENT, "Missing parameter media"))?;
        let file_name = media.decoded_file_name().unwrap_or_default();
        let extension = file_name
            .rsplit_once('.')
            .filter(|(stem, _)| !stem.is_empty())
            .map(|(_, ext)| ext.to_ascii_lowercase());
        if !extension.is_some_and(|ext| formats.contains(&ext.as_str())) {
            return Err(Reject::new(code::INVALID_FILE_TYPE, "不合法的文件类型"));
        }
        if media.body.is_empty() || media.body.len() > limit {
            return Err(Reject::new(code::INVALID_FILE_SIZE, "不合法的文件大小"));
        }
        self.media_counter += 1;
        let media_id = format!("@lAz{:012x}", self.media_counter.wrapping_mul(0x9E37_79B9));
        let created_at = self
            .config
            .wall_origin_ms
            .saturating_add(u64::try_from(now.as_millis()).unwrap_or(u64::MAX));
        let answer = self.ok(
            Route::MediaUpload,
            &UploadPayload {
                kind,
                media_id: &media_id,
                created_at,
            },
            ids,
        );
        self.media.push(UploadedMedia {
            media_id,
            kind: kind.to_owned(),
            file_name,
            raw_file_name: media.file_name.clone().unwrap_or_default(),
            content_type: media.content_type.clone(),
            bytes: media.body.clone(),
            at: now,
        });
        Ok(answer)
    }

    /// A send's `image`, `voice` or `file` must name a media id this simulator issued.
    pub(super) fn check_media(&self, msg: &Value) -> Result<(), Reject> {
        let Some(msgtype) = msg.get("msgtype").and_then(Value::as_str) else {
            return Ok(());
        };
        if !matches!(msgtype, "image" | "voice" | "file") {
            return Ok(());
        }
        let id = msg
            .get(msgtype)
            .and_then(|m| m.get("media_id"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if self.media.iter().any(|m| m.media_id == id) {
            Ok(())
        } else {
            Err(Reject::new(code::INVALID_MEDIA_ID, "不合法的媒体文件id"))
        }
    }

    pub(crate) fn uploads(&self) -> Vec<UploadedMedia> {
        self.media.clone()
    }

    pub(crate) fn upload_count(&self) -> usize {
        self.media.len()
    }
}
