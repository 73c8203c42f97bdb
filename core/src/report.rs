//! Result types. Their JSON (serde) is the one format every front door returns, and its JSON
//! Schema (schemars) is published as `docs/result.schema.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::decision::SecurityLevel;
use crate::decode::ImageInfo;
use crate::error::Error;
use crate::liveness::{Fusion, ModelScore, OpinionScore};
use crate::models::ModelVersion;
use crate::quality::QualityReport;
use crate::request::MediaTag;

/// Version of the result format: the major number changes on incompatible changes, the minor
/// one on additions (1.1: media tags, `detection`-only media, the `biometry` section; 1.2:
/// videos and shot sets, the `sequence` section; 1.3: the `OPERATOR_REQUIRED` resolution,
/// `security_level` and `review_band`, several liveness opinions and their fusion,
/// `liveness_passed` per biometry media; 1.4: `sequence.video.colour`, the colour description
/// a video was converted with).
pub const SCHEMA_VERSION: &str = "1.5";

/// Outcome of one analysis, as Oz's Instant API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Resolution {
    /// Live person: `confidence_spoofing` below the threshold.
    Success,
    /// Attack: `confidence_spoofing` at or above the threshold.
    Declined,
    /// No verdict; see `reason`.
    Failed,
    /// Manual review: `confidence_spoofing` inside the configured `review_band` (off by
    /// default).
    OperatorRequired,
}

impl Resolution {
    /// The JSON spelling (`SUCCESS`, `DECLINED`, `FAILED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Success => "SUCCESS",
            Resolution::Declined => "DECLINED",
            Resolution::Failed => "FAILED",
            Resolution::OperatorRequired => "OPERATOR_REQUIRED",
        }
    }
}

/// Why a media is `FAILED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailReason {
    /// No face was found.
    NoFace,
    /// More than one confident face and the policy is `single`.
    MultipleFaces,
    /// The quality gate failed; `quality.failed` lists the checks.
    LowQuality,
    /// The media could not be read or decoded; `error` says why.
    InputError,
}

impl FailReason {
    /// The JSON spelling (`NO_FACE`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FailReason::NoFace => "NO_FACE",
            FailReason::MultipleFaces => "MULTIPLE_FACES",
            FailReason::LowQuality => "LOW_QUALITY",
            FailReason::InputError => "INPUT_ERROR",
        }
    }
}

/// A face box in original (upright) image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FaceBox {
    /// Left, pixels.
    pub x: f64,
    /// Top, pixels.
    pub y: f64,
    /// Width, pixels.
    pub width: f64,
    /// Height, pixels.
    pub height: f64,
}

/// One detected face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Face {
    /// Box in original pixels. For the analysed face this is the integer box the liveness
    /// crops are made from.
    #[serde(rename = "box")]
    pub bbox: FaceBox,
    /// Detector confidence, 0..1.
    pub score: f64,
    /// Five landmarks `[x, y]` (left eye, right eye, nose, left mouth corner, right mouth
    /// corner), pixels; `null` when not computed.
    pub landmarks: Option<Vec<[f64; 2]>>,
    /// Which detector produced the box (`retinaface` or `mtcnn`).
    pub detector: String,
    /// True for the face the verdict is about.
    pub analysed: bool,
}

/// Liveness details: every model's and every opinion's own score, and how they were fused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LivenessReport {
    /// Fused probability that the face is real, 0..1 (`1 - confidence_spoofing` for a photo).
    pub p_real: f64,
    /// The fusion rule over the opinions (`mean` or `max` of their `p_attack`).
    pub fusion: Fusion,
    /// Per-opinion scores (`minifasnet`, `suri`), each the mean of its models' `p_real`.
    pub opinions: Vec<OpinionScore>,
    /// Per-model scores and crops.
    pub models: Vec<ModelScore>,
}

/// Time spent per stage, milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timings {
    /// Reading and decoding the media.
    pub decode_ms: f64,
    /// Face detection (and counting).
    pub detect_ms: f64,
    /// Landmarks (MTCNN O-Net).
    pub landmarks_ms: f64,
    /// Quality checks.
    pub quality_ms: f64,
    /// Liveness crops and inference.
    pub liveness_ms: f64,
    /// Whole media, end to end.
    pub total_ms: f64,
}

/// Error details for a media that could not be analysed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorInfo {
    /// Stable snake_case code (`decode_failed`, `media_too_large`, ...).
    pub code: String,
    /// Stable numeric code (the C enum's value).
    pub number: u32,
    /// Human-readable message.
    pub message: String,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        ErrorInfo { code: e.name().to_owned(), number: e.code(), message: e.to_string() }
    }
}

/// The result for one media of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MediaResult {
    /// The request this media belongs to.
    pub request_id: String,
    /// Position of the media in its request, from 0.
    pub media_index: usize,
    /// Where the media came from (a path as given, or a caller label); absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The media's tag, when the caller gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<MediaTag>,
    /// Analysis that produced this result: `liveness` (Oz calls it `quality`), or `detection`
    /// when liveness was not asked for this media (a document photo, or a request that only
    /// asks for biometry): faces and landmarks only, `SUCCESS` when a face was found, no
    /// quality gate.
    pub analysis: String,
    /// `SUCCESS` (live), `DECLINED` (attack) or `FAILED`.
    pub resolution: Resolution,
    /// Why the media failed; `null` unless `resolution` is `FAILED`.
    pub reason: Option<FailReason>,
    /// `1 - p_real`, 0..1; `null` when not computed.
    pub confidence_spoofing: Option<f64>,
    /// Threshold the verdict used: a score at or above it is an attack.
    pub threshold: f64,
    /// The security level the threshold came from; absent when the threshold was given as a
    /// number or defaulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_level: Option<SecurityLevel>,
    /// The review band the verdict used: a score inside `[low, high]` is `OPERATOR_REQUIRED`;
    /// absent when off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_band: Option<[f64; 2]>,
    /// Detected faces, the analysed one first.
    pub faces: Vec<Face>,
    /// Quality checks of the analysed face; `null` when no face was analysed.
    pub quality: Option<QualityReport>,
    /// Liveness details; `null` when not computed.
    pub liveness: Option<LivenessReport>,
    /// Decoded image facts; `null` when decoding failed.
    pub image: Option<ImageInfo>,
    /// Time per stage.
    pub timings: Timings,
    /// Present when the media could not be analysed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// Present for a video or a shot set: the sampled frames, each one's outcome, the
    /// aggregation rule and the best shot. The media's `faces`, `quality` and `liveness` are
    /// then the best shot's, and `confidence_spoofing` is the aggregate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<SequenceReport>,
    /// The engine's signature over this result; present when the engine has a signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Attestation>,
}

/// Proof that a result came, unaltered, from an engine holding a given Ed25519 key
/// ([`crate::attest`]; verify with [`crate::attest::verify_result_json`] or any JWS library).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Attestation {
    /// Signature algorithm: always `EdDSA` (Ed25519, RFC 8037).
    pub alg: String,
    /// Name of the signing key (the JWS header's `kid`).
    pub key_id: String,
    /// When the result was signed, RFC 3339 UTC with whole seconds.
    pub issued_at: String,
    /// The caller's challenge (option `nonce`); absent when none was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// SHA-256 (lower-case hex) of the media's bytes as received: the encoded bytes or file, the
    /// pixel buffer, or a shot set's frame buffers one after another. Only on media results, and
    /// absent when input hashes are off or the file could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_sha256: Option<String>,
    /// ozinstant version that produced the result.
    pub engine_version: String,
    /// Models the result was computed with.
    pub models: Vec<ModelVersion>,
    /// JWS Compact Serialization (RFC 7515): header `{"alg":"EdDSA","kid":…,
    /// "typ":"ozinstant-result+json"}`, payload the RFC 8785 canonical JSON of this result
    /// without any `attestation.jws` member, Ed25519 signature.
    pub jws: String,
}

/// What kind of multi-frame media a [`SequenceReport`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SequenceKind {
    /// An encoded video (MP4, MOV, WebM).
    Video,
    /// A ZIP archive of images.
    ShotSet,
    /// Raw frames handed over in memory.
    Frames,
}

/// Facts about a video, from its headers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VideoReport {
    /// Container: `mp4` (MP4, MOV, fragmented MP4) or `matroska` (WebM).
    pub container: String,
    /// Codec: `h264`, `hevc` or `vp9`.
    pub codec: String,
    /// Displayed width (after rotation), pixels.
    pub width: u32,
    /// Displayed height (after rotation), pixels.
    pub height: u32,
    /// Clockwise display rotation applied to the frames, degrees.
    pub rotation: u16,
    /// Duration, milliseconds.
    pub duration_ms: u64,
    /// Frames in the clip.
    pub frame_count: usize,
    /// Mean frame rate.
    pub fps: f64,
    /// Colour description the frames were converted to RGB with (results before 1.4 lack it).
    #[serde(default)]
    pub colour: VideoColourReport,
}

/// Colour description of a video: read from the bitstream (H.264/HEVC VUI, the VP9 frame
/// header), else the container (MP4 `colr`, Matroska `Colour`), else the default for untagged
/// clips (BT.601, limited range, as ffmpeg assumes). Names are stable and lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VideoColourReport {
    /// Matrix coefficients: `bt601`, `bt709`, `bt2020nc`, `bt2020c`, `smpte240m`, `fcc` or
    /// `gbr` (identity).
    pub matrix: String,
    /// `limited` (16..235 at 8 bits) or `full` (0..255).
    pub range: String,
    /// Transfer characteristics: `bt709`, `smpte170m`, `srgb`, `bt2020-10`, `bt2020-12`,
    /// `gamma22`, `gamma28`, `smpte240m`, `linear`, `iec61966-2-4`, `hlg`, `pq`, `other` or
    /// `unspecified`.
    pub transfer: String,
    /// Colour primaries: `bt709`, `bt470bg`, `smpte170m`, `bt2020`, `bt470m`, `smpte240m`,
    /// `film`, `smpte428`, `smpte431`, `smpte432`, `ebu3213`, `other` or `unspecified`.
    pub primaries: String,
    /// Where the description came from: `bitstream`, `container` or `default`.
    pub source: String,
    /// True when an HDR transfer (`hlg`, `pq`) was tone-mapped to SDR BT.709 before analysis.
    pub tone_mapped: bool,
}

impl Default for VideoColourReport {
    /// The untagged default: BT.601, limited range.
    fn default() -> Self {
        VideoColourReport {
            matrix: "bt601".into(),
            range: "limited".into(),
            transfer: "unspecified".into(),
            primaries: "unspecified".into(),
            source: "default".into(),
            tone_mapped: false,
        }
    }
}

/// One sampled frame of a video or shot set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameResult {
    /// The frame's index in the media: presentation order for a video, name order among the
    /// image entries for a shot set, list position for raw frames.
    pub index: usize,
    /// Presentation time, milliseconds (videos only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<u64>,
    /// Entry name (shot sets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The frame's own outcome, as for a photo.
    pub resolution: Resolution,
    /// Why the frame failed; `null` unless `resolution` is `FAILED`.
    pub reason: Option<FailReason>,
    /// The frame's `confidence_spoofing`; `null` when liveness did not run on it.
    pub confidence_spoofing: Option<f64>,
    /// Detector confidence of the analysed face; `null` without a face.
    pub face_score: Option<f64>,
    /// Best-shot score, 0..1 (see [`SequenceReport::best_shot`]); `null` without a face.
    pub quality_score: Option<f64>,
    /// Failed quality checks of the analysed face.
    pub quality_failed: Vec<String>,
    /// Why the frame could not be read (a shot set entry that is not a valid image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// Time spent on the frame, milliseconds.
    pub total_ms: f64,
}

/// The frame chosen for the media's details and for biometry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BestShot {
    /// Position of the frame in `sequence.frames`.
    pub frame: usize,
    /// The frame's index in the media (as [`FrameResult::index`]).
    pub index: usize,
    /// Presentation time, milliseconds (videos only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<u64>,
    /// Entry name (shot sets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its best-shot score, 0..1.
    pub quality_score: f64,
}

/// How a video or shot set was judged from its frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SequenceReport {
    /// `video`, `shot_set` or `frames`.
    pub kind: SequenceKind,
    /// Video facts; `null` unless `kind` is `video`.
    pub video: Option<VideoReport>,
    /// Frames in the media (video frames, image entries of a shot set, raw frames).
    pub total_frames: usize,
    /// Entries of a shot set that are not images (directories, `__MACOSX/`, other files).
    #[serde(default)]
    pub skipped_entries: usize,
    /// Frames analysed: spread evenly over the media, first and last included.
    pub sampled: usize,
    /// Sampled frames with one good face and a score (liveness), or with a face (detection).
    pub usable: usize,
    /// Usable frames needed for a verdict: `video.min_usable_frames`, capped at `sampled`.
    pub min_usable: usize,
    /// `median_confidence_spoofing`: the media's `confidence_spoofing` is the median over the
    /// usable frames (the mean of the two middle values for an even count), judged against
    /// the threshold like a photo's. With too few usable frames the media is `FAILED` with
    /// the most frequent frame failure as its reason.
    pub aggregation: String,
    /// The usable frame with the highest `quality_score`
    /// (`face_score × sharpness/(sharpness + 4·min_sharpness) × cos(yaw) × cos(roll)`):
    /// the media's `faces`, `quality` and `liveness` are its, and biometry compares it.
    /// `null` when fewer than `min_usable` frames are usable.
    pub best_shot: Option<BestShot>,
    /// Every sampled frame, in order.
    pub frames: Vec<FrameResult>,
}

impl MediaResult {
    /// A `FAILED/INPUT_ERROR` result carrying `err`.
    pub fn from_error(
        request_id: &str,
        media_index: usize,
        source: Option<String>,
        threshold: f64,
        err: &Error,
    ) -> Self {
        MediaResult {
            request_id: request_id.to_owned(),
            media_index,
            source,
            tag: None,
            analysis: "liveness".to_owned(),
            resolution: Resolution::Failed,
            reason: Some(FailReason::InputError),
            confidence_spoofing: None,
            threshold,
            security_level: None,
            review_band: None,
            faces: Vec::new(),
            quality: None,
            liveness: None,
            image: None,
            timings: Timings::default(),
            error: Some(err.into()),
            sequence: None,
            attestation: None,
        }
    }

    /// JSON text of this result.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The result of one request (a "folder" of media).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestResult {
    /// Result format version.
    pub schema_version: String,
    /// Caller-given or generated (UUID v4) request id.
    pub request_id: String,
    /// Folder-level outcome: `DECLINED` if any media (or biometry) was declined, else `FAILED`
    /// if any media (or biometry) failed, else `SUCCESS`.
    pub resolution: Resolution,
    /// One result per media, in request order.
    pub media: Vec<MediaResult>,
    /// Models the results were computed with.
    pub models: Vec<ModelVersion>,
    /// ozinstant version.
    pub engine_version: String,
    /// Wall time of the whole request, milliseconds.
    pub total_ms: f64,
    /// Face comparison across the media; present only when the request asked for `biometry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometry: Option<BiometryReport>,
    /// The engine's signature over the whole result (the media's own attestations included,
    /// without their `jws`); present when the engine has a signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Attestation>,
}

/// Why biometry has no verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BiometryFailReason {
    /// Fewer than two of the compared media gave a usable face (see `media[].status`).
    NotEnoughFaces,
}

/// One pair of compared media.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PairSimilarity {
    /// `media_index` of the first media.
    pub a: usize,
    /// `media_index` of the second media.
    pub b: usize,
    /// `(1 + cos) / 2`, 0..1 (1 = identical embeddings), rounded to 6 decimals.
    pub similarity: f64,
    /// Cosine of the two L2-normalised embeddings, −1..1, rounded to 6 decimals.
    pub cosine: f64,
}

/// How one media took part in biometry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BiometryMedia {
    /// Position of the media in its request.
    pub media_index: usize,
    /// `compared` (a face was embedded; for a video or shot set, its best shot's),
    /// `no_face`, `multiple_faces`, `input_error`, `no_usable_frame` (a video or shot set
    /// without a best shot) or `excluded` (its tag is not in `biometry_tags`).
    pub status: String,
    /// Whether this media passed liveness: `true` when its liveness resolution is `SUCCESS`,
    /// `false` when it is `DECLINED`, `OPERATOR_REQUIRED` or `FAILED` (no verdict: no face,
    /// several faces, low quality, input error), `null` when liveness did not run on it
    /// (document tags, `biometry` asked for alone). Biometry compares faces whatever their
    /// liveness: its `SUCCESS` says "same person", not "same live person"; a caller that needs
    /// the latter requires `true` here for every compared media (or the request's `resolution`,
    /// which is `SUCCESS` only when every media and biometry are).
    #[serde(default)]
    pub liveness_passed: Option<bool>,
    /// The L2-normalised 192-d embedding of the face; only with `return_embeddings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
}

/// The `biometry` analysis of a request: every pair of compared faces, least similar pair
/// decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BiometryReport {
    /// Always `biometry`.
    pub analysis: String,
    /// `SUCCESS` (the least similar pair is at or above `threshold`: same person), `DECLINED`
    /// (below it) or `FAILED` (see `reason`).
    pub resolution: Resolution,
    /// Why there is no verdict; `null` unless `resolution` is `FAILED`.
    pub reason: Option<BiometryFailReason>,
    /// Threshold on `similarity` the verdict used.
    pub threshold: f64,
    /// The lowest pair similarity; `null` with fewer than two faces.
    pub min_similarity: Option<f64>,
    /// The least similar pair; `null` with fewer than two faces.
    pub least_similar: Option<PairSimilarity>,
    /// Every pair of compared media (a < b), in order.
    pub pairs: Vec<PairSimilarity>,
    /// Per media, whether it was compared.
    pub media: Vec<BiometryMedia>,
    /// Model the embeddings were computed with (`mobilefacenet`).
    pub model: String,
    /// Alignment and embedding time summed over the media, milliseconds.
    pub embed_ms: f64,
}

impl RequestResult {
    /// Folder-level resolution of a set of media results.
    pub fn aggregate(media: &[MediaResult]) -> Resolution {
        Self::aggregate_with(media, None)
    }

    /// Folder-level resolution over the media results and the biometry verdict, if any:
    /// `DECLINED` if anything was declined, else `FAILED` if anything failed, else
    /// `OPERATOR_REQUIRED` if any media needs review, else `SUCCESS`.
    pub fn aggregate_with(media: &[MediaResult], biometry: Option<&BiometryReport>) -> Resolution {
        let b = biometry.map(|b| b.resolution);
        if media.iter().any(|m| m.resolution == Resolution::Declined) || b == Some(Resolution::Declined) {
            Resolution::Declined
        } else if b == Some(Resolution::Failed)
            || media.iter().any(|m| m.resolution == Resolution::Failed)
            || media.is_empty()
        {
            Resolution::Failed
        } else if media.iter().any(|m| m.resolution == Resolution::OperatorRequired) {
            Resolution::OperatorRequired
        } else {
            Resolution::Success
        }
    }

    /// JSON text of this result.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// JSON Schema of [`RequestResult`] (which embeds [`MediaResult`]), pretty-printed.
pub fn result_schema_json() -> String {
    let schema = schemars::schema_for!(RequestResult);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// JSON Schema of one [`MediaResult`] (a CLI `jsonl` line), pretty-printed.
pub fn media_schema_json() -> String {
    let schema = schemars::schema_for!(MediaResult);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}
