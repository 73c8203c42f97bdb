//! What callers hand the engine: media (encoded bytes, a file path or raw pixels) grouped in a
//! request, with per-call options.
//!
//! Owned pixel and byte buffers are wrapped in [`Zeroizing`] and wiped when the request is
//! dropped, which happens as soon as the analysis is done.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::config::FacePolicy;
use crate::decode::PixelFormat;
use crate::error::{Error, Result};

/// Where a media's content comes from.
pub enum MediaSource {
    /// Encoded media: an image (JPEG, PNG, WebP, BMP, GIF), a video (MP4, MOV, WebM) or a shot
    /// set (ZIP of images). The kind is sniffed from the content.
    Bytes(Zeroizing<Vec<u8>>),
    /// A file to read. The engine opens it read-only; the bytes read are zeroized after use.
    Path(PathBuf),
    /// Raw pixels a host already holds.
    Pixels {
        /// Pixel data, `stride * (height - 1) + width * bpp` bytes at least.
        data: Zeroizing<Vec<u8>>,
        /// Channel layout.
        format: PixelFormat,
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
        /// Bytes per row (0 = tightly packed).
        stride: usize,
    },
    /// Several raw frames forming one media, like the frames of a selfie video or a shot set:
    /// the verdict aggregates them (see `docs/VIDEO.md`).
    Frames(Vec<RawFrame>),
}

/// One raw frame of a [`MediaSource::Frames`] media. The buffer is zeroized on drop.
pub struct RawFrame {
    /// Pixel data, `stride * (height - 1) + width * bpp` bytes at least.
    pub data: Zeroizing<Vec<u8>>,
    /// Channel layout.
    pub format: PixelFormat,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Bytes per row (0 = tightly packed).
    pub stride: usize,
}

impl RawFrame {
    /// A frame (taken over; zeroized after analysis). `stride` 0 means tightly packed.
    pub fn new(data: impl Into<Vec<u8>>, format: PixelFormat, width: u32, height: u32, stride: usize) -> Self {
        RawFrame { data: Zeroizing::new(data.into()), format, width, height, stride }
    }

    /// Borrowed view of this frame as a pixels media.
    pub fn as_media_ref(&self) -> MediaRef<'_> {
        MediaRef::Pixels {
            data: &self.data,
            format: self.format,
            width: self.width,
            height: self.height,
            stride: self.stride,
        }
    }
}

impl std::fmt::Debug for RawFrame {
    // Never print content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawFrame({:?} {}x{})", self.format, self.width, self.height)
    }
}

impl std::fmt::Debug for MediaSource {
    // Never print content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaSource::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            MediaSource::Path(p) => write!(f, "Path({})", p.display()),
            MediaSource::Pixels { format, width, height, .. } => write!(f, "Pixels({format:?} {width}x{height})"),
            MediaSource::Frames(frames) => write!(f, "Frames({} frames)", frames.len()),
        }
    }
}

/// Borrowed view of a media's content, used by the pipeline (and by callers that do not want to
/// give up their buffer).
#[derive(Debug, Clone, Copy)]
pub enum MediaRef<'a> {
    /// Encoded bytes.
    Bytes(&'a [u8]),
    /// A file path.
    Path(&'a std::path::Path),
    /// Raw pixels.
    Pixels {
        /// Pixel data.
        data: &'a [u8],
        /// Channel layout.
        format: PixelFormat,
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
        /// Bytes per row (0 = tightly packed).
        stride: usize,
    },
    /// Raw frames forming one media (a shot set held in memory).
    Frames(&'a [RawFrame]),
}

/// What a media is, in Oz's terms. Tags say which media liveness runs on (not on document
/// photos) and which media biometry compares (see [`AnalyzeOptions::biometry_tags`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaTag {
    /// A selfie photo (what an untagged media is taken to be).
    PhotoSelfie,
    /// A photo of an identity document (side unspecified).
    PhotoId,
    /// The front of an identity document.
    PhotoIdFront,
    /// The back of an identity document.
    PhotoIdBack,
    /// A selfie video (MP4, MOV, WebM), or a frame of one.
    VideoSelfie,
    /// A selfie shot set (a ZIP archive of frames, or raw frames), or one shot of it.
    ShotsetSelfie,
}

impl MediaTag {
    /// The JSON spelling (`photo_selfie`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            MediaTag::PhotoSelfie => "photo_selfie",
            MediaTag::PhotoId => "photo_id",
            MediaTag::PhotoIdFront => "photo_id_front",
            MediaTag::PhotoIdBack => "photo_id_back",
            MediaTag::VideoSelfie => "video_selfie",
            MediaTag::ShotsetSelfie => "shotset_selfie",
        }
    }

    /// Parses the JSON spelling.
    pub fn parse(s: &str) -> Result<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| Error::InvalidInput(format!("unknown media tag `{s}`")))
    }

    /// True for identity-document photos: liveness does not run on them.
    pub fn is_document(self) -> bool {
        matches!(self, MediaTag::PhotoId | MediaTag::PhotoIdFront | MediaTag::PhotoIdBack)
    }
}

/// An analysis a request can ask for, as Oz names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisKind {
    /// Liveness (Oz calls it `quality`): one verdict per media that is not a document photo.
    Quality,
    /// Face comparison across the media: every pair, least similar pair decides.
    Biometry,
}

/// One media of a request.
#[derive(Debug)]
pub struct Media {
    /// The content.
    pub source: MediaSource,
    /// A label reported as `source` in results (the CLI puts the path as given).
    pub label: Option<String>,
    /// What the media is (`photo_selfie`, `photo_id_front`, ...); `None` is a selfie.
    pub tag: Option<MediaTag>,
}

impl Media {
    /// Encoded image bytes (taken over; zeroized after analysis).
    pub fn bytes(data: impl Into<Vec<u8>>) -> Self {
        Media { source: MediaSource::Bytes(Zeroizing::new(data.into())), label: None, tag: None }
    }

    /// A file path; its text is reported as `source`.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let label = Some(path.display().to_string());
        Media { source: MediaSource::Path(path), label, tag: None }
    }

    /// Raw pixels (taken over; zeroized after analysis). `stride` 0 means tightly packed.
    pub fn pixels(data: impl Into<Vec<u8>>, format: PixelFormat, width: u32, height: u32, stride: usize) -> Self {
        Media {
            source: MediaSource::Pixels { data: Zeroizing::new(data.into()), format, width, height, stride },
            label: None,
            tag: None,
        }
    }

    /// Sets the label reported as `source`.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the media tag.
    pub fn with_tag(mut self, tag: MediaTag) -> Self {
        self.tag = Some(tag);
        self
    }

    /// Raw frames forming one media (the frames of a selfie video or a shot set); the
    /// verdict aggregates them. Taken over; zeroized after analysis.
    pub fn frames(frames: Vec<RawFrame>) -> Self {
        Media { source: MediaSource::Frames(frames), label: None, tag: None }
    }

    /// Borrowed view of the content.
    pub fn as_ref(&self) -> MediaRef<'_> {
        match &self.source {
            MediaSource::Bytes(b) => MediaRef::Bytes(b),
            MediaSource::Path(p) => MediaRef::Path(p),
            MediaSource::Pixels { data, format, width, height, stride } => {
                MediaRef::Pixels { data, format: *format, width: *width, height: *height, stride: *stride }
            }
            MediaSource::Frames(frames) => MediaRef::Frames(frames),
        }
    }
}

/// Per-call options; unset fields fall back to the engine configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyzeOptions {
    /// Attack threshold on `confidence_spoofing`, 0..1. Wins over any security level.
    pub threshold: Option<f64>,
    /// A named operating point for this call (`low`, `medium`, `high`); ignored when
    /// `threshold` is set. See `docs/ACCURACY.md`.
    pub security_level: Option<crate::decision::SecurityLevel>,
    /// Scores `[low, high]` (inclusive, on `confidence_spoofing`) that get `OPERATOR_REQUIRED`
    /// for this call.
    pub review_band: Option<[f64; 2]>,
    /// Whether failing quality checks fail the media.
    pub quality_gate: Option<bool>,
    /// Face policy for this call.
    pub face_policy: Option<FacePolicy>,
    /// Request id to use instead of a generated UUID v4.
    pub request_id: Option<String>,
    /// Analyses to run on a request: `quality` (liveness) and/or `biometry`. Default
    /// `["quality"]`. Biometry needs at least two media; a single-media call ignores it.
    pub analyses: Option<Vec<AnalysisKind>>,
    /// Biometry match threshold on `similarity` (0..1): the least similar pair must reach it.
    pub biometry_threshold: Option<f64>,
    /// Media tags biometry compares (untagged media count as `photo_selfie`). Default: every
    /// media.
    pub biometry_tags: Option<Vec<MediaTag>>,
    /// Media tags liveness runs on (untagged media count as `photo_selfie`). Default: every
    /// media that is not a document photo. Document photos never get liveness.
    pub quality_tags: Option<Vec<MediaTag>>,
    /// Return each compared face's embedding (a biometric template) in the biometry result.
    /// Off by default; embeddings are never logged.
    pub return_embeddings: Option<bool>,
    /// Media tags by position in the request, one entry (a tag or `null`) per media: how the
    /// JSON doors (C, Node) tag media. A tag set on the [`Media`] itself wins. Requests only.
    pub media_tags: Option<Vec<Option<MediaTag>>>,
    /// Frames to analyse per video or shot set for this call (1..=64); default
    /// `video.frames` of the engine configuration.
    pub video_frames: Option<usize>,
    /// The caller's challenge for this call (1 to 1024 bytes), written into the signed
    /// `attestation` of every result so that the result cannot be replayed into another
    /// session. Only for an engine with a signing key (`signing` in the configuration); an
    /// engine without one refuses it.
    pub nonce: Option<String>,
}

impl AnalyzeOptions {
    /// Parses options from JSON (as the C door passes them). Empty means defaults.
    pub fn from_json(json: &str) -> Result<Self> {
        if json.trim().is_empty() {
            return Ok(Self::default());
        }
        let o: AnalyzeOptions = crate::config::from_json_object(json, "options")
            .map_err(|e| Error::InvalidInput(format!("options: {e}")))?;
        o.validate()?;
        Ok(o)
    }

    /// Checks ranges and the request id.
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = self.threshold
            && !(0.0..=1.0).contains(&t)
        {
            return Err(Error::InvalidInput(format!("threshold {t} is outside 0..=1")));
        }
        if let Some(band) = self.review_band {
            crate::decision::validate_review_band(band).map_err(Error::InvalidInput)?;
        }
        if let Some(t) = self.biometry_threshold
            && !(0.0..=1.0).contains(&t)
        {
            return Err(Error::InvalidInput(format!("biometry_threshold {t} is outside 0..=1")));
        }
        if let Some(id) = &self.request_id {
            validate_request_id(id)?;
        }
        if let Some(nonce) = &self.nonce
            && (nonce.is_empty() || nonce.len() > crate::attest::MAX_NONCE_BYTES)
        {
            return Err(Error::InvalidInput(format!(
                "nonce must be 1 to {} bytes, got {}",
                crate::attest::MAX_NONCE_BYTES,
                nonce.len()
            )));
        }
        if let Some(n) = self.video_frames
            && !(1..=crate::config::MAX_SAMPLED_FRAMES).contains(&n)
        {
            return Err(Error::InvalidInput(format!(
                "video_frames {n} is outside 1..={}",
                crate::config::MAX_SAMPLED_FRAMES
            )));
        }
        Ok(())
    }

    /// This call's decision settings (resolved over the engine's by
    /// [`Decision::resolve`](crate::decision::Decision::resolve)).
    pub fn decision_settings(&self) -> crate::decision::DecisionSettings {
        crate::decision::DecisionSettings {
            threshold: self.threshold,
            security_level: self.security_level,
            review_band: self.review_band,
        }
    }

    /// The tag of the media at `index`: its own, else `media_tags[index]`.
    pub fn tag_of(&self, index: usize, own: Option<MediaTag>) -> Option<MediaTag> {
        own.or_else(|| self.media_tags.as_ref().and_then(|t| t.get(index).copied().flatten()))
    }

    /// Whether `kind` is to run (default: `quality` only).
    pub fn wants(&self, kind: AnalysisKind) -> bool {
        match &self.analyses {
            Some(list) => list.contains(&kind),
            None => kind == AnalysisKind::Quality,
        }
    }

    /// Whether liveness runs on a media with this tag.
    pub fn liveness_for(&self, tag: Option<MediaTag>) -> bool {
        let tag = tag.unwrap_or(MediaTag::PhotoSelfie);
        self.wants(AnalysisKind::Quality)
            && !tag.is_document()
            && self.quality_tags.as_ref().is_none_or(|t| t.contains(&tag))
    }

    /// Whether biometry compares a media with this tag (when biometry runs).
    pub fn biometry_for(&self, tag: Option<MediaTag>) -> bool {
        let tag = tag.unwrap_or(MediaTag::PhotoSelfie);
        self.biometry_tags.as_ref().is_none_or(|t| t.contains(&tag))
    }
}

/// A request id must be 1..=128 printable ASCII characters without spaces.
pub fn validate_request_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidInput("request_id must be 1 to 128 printable ASCII characters, no spaces".into()));
    }
    Ok(())
}

/// A "folder" of media analysed together, with one request id on every result.
#[derive(Debug, Default)]
pub struct Request {
    /// The media, in order.
    pub media: Vec<Media>,
    /// Options for every media of this request.
    pub options: AnalyzeOptions,
}

impl Request {
    /// A request holding `media`.
    pub fn new(media: Vec<Media>) -> Self {
        Request { media, options: AnalyzeOptions::default() }
    }

    /// Sets the request id (default: a generated UUID v4).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.options.request_id = Some(id.into());
        self
    }

    /// Sets the per-call options.
    pub fn with_options(mut self, options: AnalyzeOptions) -> Self {
        self.options = options;
        self
    }
}

impl From<Media> for Request {
    fn from(m: Media) -> Self {
        Request::new(vec![m])
    }
}
