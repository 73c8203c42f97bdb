//! Engine configuration. Serde-deserialisable so every front door (C's JSON string, Python's
//! keyword arguments, Node's object) builds the same struct. Unknown keys are rejected.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::decision::{Decision, DecisionSettings, SecurityLevel};
use crate::error::{Error, Result};
use crate::liveness::{Fusion, Opinion};

/// Default [`EngineConfig::biometry_threshold`]: 0.78 (cosine 0.56, L2 0.94), a low false-match
/// point rather than the equal-error one (0.753). On deepface's test photos of 13 people (148
/// same-person and 1,743 different-person pairs) 1 different-person pair of 1,743 (0.06 %) is at
/// or above it, and 2.7–5.4 % of the same-person pairs fall below it. Weak evidence; the figures
/// and the reasoning are in `docs/BIOMETRY.md`.
pub const DEFAULT_BIOMETRY_THRESHOLD: f64 = 0.78;

/// Everything an [`Engine`](crate::Engine) can be configured with. All fields have defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// Absolute path of `libonnxruntime.so*`. When unset, the engine tries `ORT_DYLIB_PATH`,
    /// then beside the binary that contains ozinstant (its directory, then `../lib`), then the
    /// system loader (`libonnxruntime.so.1`); never the working directory (`docs/SECURITY.md`).
    pub ort_library_path: Option<PathBuf>,
    /// Model files to use instead of the embedded ones.
    pub models: ModelPaths,
    /// Worker threads of the engine's pool (batches and async submissions run there).
    /// `0` means one per available core.
    pub threads: usize,
    /// ONNX Runtime intra-op threads per session. `1` avoids oversubscription because the
    /// engine already parallelises across media.
    pub intra_op_threads: usize,
    /// Requests that may be in flight at once (running or queued). Past it, calls fail at once
    /// with `busy`. `0` means `4 * threads`.
    pub max_in_flight: usize,
    /// Input limits.
    pub limits: Limits,
    /// Attack threshold on `confidence_spoofing` (0..1): a score at or above it is an attack.
    /// Wins over `security_level`; when neither is set the threshold is
    /// [`DEFAULT_THRESHOLD`](crate::decision::DEFAULT_THRESHOLD) (0.5).
    pub threshold: Option<f64>,
    /// A named operating point (`low`, `medium`, `high`) whose threshold was set from measured
    /// bona fide rejection rates, per liveness profile (`docs/ACCURACY.md`). Ignored when
    /// `threshold` is set.
    pub security_level: Option<SecurityLevel>,
    /// Scores `[low, high]` (inclusive, on `confidence_spoofing`) that get the resolution
    /// `OPERATOR_REQUIRED` (manual review) instead of `SUCCESS` or `DECLINED`. Off by default.
    pub review_band: Option<[f64; 2]>,
    /// Which liveness models run and how their opinions are fused.
    pub liveness: LivenessConfig,
    /// Default biometry threshold on `similarity` (0..1, `(1 + cos) / 2`): a request whose
    /// least similar pair of faces is at or above it is a match. See `docs/BIOMETRY.md` for the
    /// measured distributions behind the default.
    pub biometry_threshold: f64,
    /// How to treat images with several faces.
    pub face_policy: FacePolicy,
    /// Reduced-size decoding of large JPEGs.
    pub decode: DecodeConfig,
    /// Face detection settings.
    pub detection: DetectionConfig,
    /// Quality gate thresholds.
    pub quality: QualityConfig,
    /// Videos and shot sets: frames sampled, frames needed for a verdict, work bounds.
    pub video: VideoConfig,
    /// What outlives a call. `none` keeps nothing; `metadata` hands ids, timings, sizes and
    /// resolutions to the observer registered on the engine.
    pub retention: Retention,
    /// Signed results: with a key, every media and request result carries an `attestation`
    /// (see [`crate::attest`] and `docs/SECURITY.md`). Absent (the default): results are
    /// unsigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing: Option<SigningConfig>,
}

/// The signing key and what an attestation holds. Exactly one of `key_file`, `key_pem` or a key
/// given with [`EngineConfig::with_signing_key`] must be set.
///
/// The key is never written back: [`EngineConfig::to_json`] leaves `key_pem` out, `Debug`
/// redacts it, and the text is wiped when the configuration is dropped.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SigningConfig {
    /// The key's name in every attestation (`attestation.key_id`, the JWS `kid`): 1 to 256
    /// printable ASCII characters. A verifier looks the public key up by it.
    pub key_id: String,
    /// A file holding the Ed25519 private key: a PKCS#8 PEM (`openssl genpkey -algorithm
    /// ed25519`), PKCS#8 DER or the raw 32-byte seed. Read once, when the engine is built.
    pub key_file: Option<PathBuf>,
    /// The PKCS#8 PEM text of the key, for hosts that hold it in a secret store rather than a
    /// file. Write-only: never serialised back.
    #[serde(skip_serializing)]
    #[schemars(with = "Option<String>")]
    pub key_pem: Option<SecretText>,
    /// Whether each media result's attestation carries `media_sha256`, the SHA-256 of the
    /// media's bytes as received (default `true`). The hash links a result to one file (whoever
    /// holds the file can show it is the one that was judged) and reveals nothing of its
    /// content; turn it off when even that link must not exist.
    pub input_hashes: bool,
    /// A key given in code ([`EngineConfig::with_signing_key`]); wins over the other two.
    #[serde(skip)]
    #[schemars(skip)]
    pub key: Option<crate::attest::SigningKey>,
}

impl Default for SigningConfig {
    fn default() -> Self {
        SigningConfig { key_id: String::new(), key_file: None, key_pem: None, input_hashes: true, key: None }
    }
}

impl SigningConfig {
    /// Checks that exactly one key source is set (the key itself is read by
    /// [`load_key`](Self::load_key), when the engine is built).
    pub fn validate(&self) -> Result<()> {
        let sources = [self.key.is_some(), self.key_pem.is_some(), self.key_file.is_some()];
        match sources.iter().filter(|s| **s).count() {
            0 => Err(Error::Config("signing needs a key: set key_file or key_pem".into())),
            1 => Ok(()),
            _ => Err(Error::Config("signing: set only one of key_file and key_pem".into())),
        }
    }

    /// The key this configuration names: the one given in code, else `key_pem`, else the file.
    pub fn load_key(&self) -> Result<crate::attest::SigningKey> {
        use crate::attest::SigningKey;
        self.validate()?;
        if let Some(key) = &self.key {
            return Ok(key.clone());
        }
        if let Some(pem) = &self.key_pem {
            return SigningKey::from_pkcs8_pem(pem.expose(), &self.key_id);
        }
        let path = self.key_file.as_deref().unwrap_or(std::path::Path::new(""));
        SigningKey::from_file(path, &self.key_id)
    }
}

impl std::fmt::Debug for SigningConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningConfig")
            .field("key_id", &self.key_id)
            .field("key_file", &self.key_file)
            .field("key_pem", &self.key_pem)
            .field("input_hashes", &self.input_hashes)
            .field("key", &self.key)
            .finish()
    }
}

/// Secret text (a key's PEM), wiped when dropped; `Debug` does not show it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub struct SecretText(zeroize::Zeroizing<String>);

impl SecretText {
    /// The text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretText {
    fn from(text: String) -> Self {
        SecretText(zeroize::Zeroizing::new(text))
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            ort_library_path: None,
            models: ModelPaths::default(),
            threads: 0,
            intra_op_threads: 1,
            max_in_flight: 0,
            limits: Limits::default(),
            threshold: None,
            security_level: None,
            review_band: None,
            liveness: LivenessConfig::default(),
            biometry_threshold: DEFAULT_BIOMETRY_THRESHOLD,
            face_policy: FacePolicy::Single,
            decode: DecodeConfig::default(),
            detection: DetectionConfig::default(),
            quality: QualityConfig::default(),
            video: VideoConfig::default(),
            retention: Retention::None,
            signing: None,
        }
    }
}

impl EngineConfig {
    /// Parses a JSON object (as the C and Node doors pass it). Empty string means defaults.
    pub fn from_json(json: &str) -> Result<Self> {
        if json.trim().is_empty() {
            return Ok(Self::default());
        }
        let cfg: EngineConfig = from_json_object(json, "the configuration").map_err(Error::Config)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Signs every result with `key` (its key id included), hashing each media's input.
    pub fn with_signing_key(mut self, key: crate::attest::SigningKey) -> Self {
        self.signing = Some(SigningConfig {
            key_id: key.key_id().to_owned(),
            key_file: None,
            key_pem: None,
            input_hashes: true,
            key: Some(key),
        });
        self
    }

    /// This configuration as JSON (the inverse of [`from_json`](Self::from_json), except that a
    /// signing key is never written).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Checks ranges. Called by `Engine::new`.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Config(m.to_owned()));
        if let Some(t) = self.threshold
            && !(0.0..=1.0).contains(&t)
        {
            return bad("threshold must be within 0..=1");
        }
        if let Some(band) = self.review_band {
            crate::decision::validate_review_band(band).map_err(Error::Config)?;
        }
        self.liveness.validate()?;
        if !(0.0..=1.0).contains(&self.biometry_threshold) {
            return bad("biometry_threshold must be within 0..=1");
        }
        if self.intra_op_threads == 0 {
            return bad("intra_op_threads must be at least 1");
        }
        if self.threads > 1024 {
            return bad("threads must be at most 1024");
        }
        let l = &self.limits;
        if l.max_media_per_request == 0 || l.max_bytes_per_media == 0 || l.max_pixels == 0 || l.max_dimension == 0 {
            return bad("limits must be positive");
        }
        let d = &self.detection;
        if ![d.min_score, d.count_min_score, d.count_gate_score].iter().all(|s| (0.0..=1.0).contains(s)) {
            return bad("detection scores must be within 0..=1");
        }
        if d.count_long_side < 64 || d.count_long_side > 4096 {
            return bad("detection.count_long_side must be within 64..=4096");
        }
        if !matches!(self.decode.max_jpeg_scale, 1 | 2 | 4 | 8) {
            return bad("decode.max_jpeg_scale must be 1, 2, 4 or 8");
        }
        self.video.validate()?;
        if let Some(signing) = &self.signing {
            signing.validate()?;
        }
        Ok(())
    }

    /// The engine's own decision settings (a call's options are resolved over them).
    pub fn decision_settings(&self) -> DecisionSettings {
        DecisionSettings {
            threshold: self.threshold,
            security_level: self.security_level,
            review_band: self.review_band,
        }
    }

    /// The threshold a call without options uses.
    pub fn effective_threshold(&self) -> f64 {
        Decision::resolve(DecisionSettings::default(), self.decision_settings(), &self.liveness).threshold
    }

    /// Worker threads after resolving `0` to the number of cores.
    pub fn resolved_threads(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        } else {
            self.threads
        }
    }

    /// `max_in_flight` after resolving `0`.
    pub fn resolved_max_in_flight(&self) -> usize {
        if self.max_in_flight == 0 { 4 * self.resolved_threads() } else { self.max_in_flight }
    }
}

/// The liveness stage: which opinions run, and how their scores are fused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LivenessConfig {
    /// The opinions to run: `["minifasnet", "suri"]` (the default set), or `["minifasnet"]`
    /// alone (the fast profile: MiniFASNet only, no CelebA-Spoof-trained weights; see
    /// `docs/MODELS.md`), or `["suri"]`. Each opinion's models can be replaced by path in
    /// `models`.
    pub models: Vec<Opinion>,
    /// How the opinions' scores are combined: `mean` (default) or `max` of their `p_attack`.
    pub fusion: Fusion,
}

impl Default for LivenessConfig {
    fn default() -> Self {
        LivenessConfig { models: Opinion::ALL.to_vec(), fusion: Fusion::Mean }
    }
}

impl LivenessConfig {
    /// The fast profile: the MiniFASNet pair alone.
    pub fn fast() -> Self {
        LivenessConfig { models: vec![Opinion::Minifasnet], fusion: Fusion::Mean }
    }

    fn validate(&self) -> Result<()> {
        if self.models.is_empty() {
            return Err(Error::Config("liveness.models must name at least one of minifasnet, suri".into()));
        }
        if let Some(dup) = self.models.iter().enumerate().find(|(i, m)| self.models[..*i].contains(m)) {
            return Err(Error::Config(format!("liveness.models names {} twice", dup.1.as_str())));
        }
        Ok(())
    }
}

/// Paths of model files that replace the embedded ones. Each file is checked to have the
/// expected inputs and outputs when loaded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ModelPaths {
    /// RetinaFace (SilentFace) detector.
    pub retinaface: Option<PathBuf>,
    /// MiniFASNetV2, crop scale 2.7.
    pub minifasnet_v2: Option<PathBuf>,
    /// MiniFASNetV1SE, crop scale 4.0.
    pub minifasnet_v1se: Option<PathBuf>,
    /// Suri MiniFASNetV2-SE 128 (the `suri` liveness opinion).
    pub suri_minifasv2se: Option<PathBuf>,
    /// MTCNN proposal network.
    pub mtcnn_pnet: Option<PathBuf>,
    /// MTCNN refinement network.
    pub mtcnn_rnet: Option<PathBuf>,
    /// MTCNN output network (landmarks).
    pub mtcnn_onet: Option<PathBuf>,
    /// MobileFaceNet face embedding (biometry; loaded on first use).
    pub mobilefacenet: Option<PathBuf>,
}

/// Input limits. Checked before allocation where possible (byte size first, then the image
/// header's dimensions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Media per request (Oz: 10).
    pub max_media_per_request: usize,
    /// Encoded bytes per media (Oz: 10 MiB).
    pub max_bytes_per_media: u64,
    /// Decoded pixels per image (width × height).
    pub max_pixels: u64,
    /// Longest side in pixels.
    pub max_dimension: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_media_per_request: 10,
            max_bytes_per_media: 10 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_dimension: 16_384,
        }
    }
}

/// Most frames one video or shot set may sample (each sampled frame is a full analysis).
pub const MAX_SAMPLED_FRAMES: usize = 64;

/// Videos (MP4, MOV, WebM) and shot sets (ZIP archives of frames, or a list of raw frames):
/// each is one media whose verdict aggregates its sampled frames. See `docs/VIDEO.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct VideoConfig {
    /// Frames analysed per media, spread evenly over it (first and last included), 1..=64.
    pub frames: usize,
    /// Frames with one good face (a liveness score) needed for a verdict; capped at the
    /// number of frames sampled. With fewer, the media is `FAILED`.
    pub min_usable_frames: usize,
    /// Longest clip, milliseconds (checked from the headers before decoding).
    pub max_duration_ms: u64,
    /// Most frames in a clip: every frame up to the last sampled one is decoded.
    pub max_frames: usize,
    /// Most pixels per coded video picture.
    pub max_pixels: u64,
    /// Longest coded side of a video picture, pixels.
    pub max_side: u32,
    /// Shot set (ZIP) limits, all checked before anything is extracted.
    pub shot_set: crate::shotset::ShotSetLimits,
}

impl Default for VideoConfig {
    fn default() -> Self {
        VideoConfig {
            frames: 8,
            min_usable_frames: 3,
            max_duration_ms: 30_000,
            max_frames: 1_800,
            max_pixels: 1920 * 1088,
            max_side: 1920,
            shot_set: crate::shotset::ShotSetLimits::default(),
        }
    }
}

impl VideoConfig {
    /// Checks ranges.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if self.frames == 0 || self.frames > MAX_SAMPLED_FRAMES {
            return bad(format!("video.frames must be within 1..={MAX_SAMPLED_FRAMES}"));
        }
        if self.min_usable_frames == 0 {
            return bad("video.min_usable_frames must be at least 1".to_owned());
        }
        if self.max_duration_ms == 0 || self.max_frames == 0 || self.max_pixels == 0 || self.max_side == 0 {
            return bad("video limits must be positive".to_owned());
        }
        self.shot_set.validate()
    }
}

/// What to do when an image holds more than one confident face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FacePolicy {
    /// Exactly one face is required (Oz's rule): several give `FAILED/MULTIPLE_FACES`.
    Single,
    /// Analyse the largest face and report the others.
    Largest,
}

/// Large JPEGs are decoded at 1/2, 1/4 or 1/8 of their size in the DCT domain (libjpeg's
/// scaled IDCT): the detector works at ~192² and the liveness crops are 80×80, so a 12-MP photo
/// never needs all its pixels, and a full decode is most of its cost. When the face found in the
/// reduced frame is small, or none is found, the media is decoded again at full size and
/// analysed there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DecodeConfig {
    /// Largest reduction: 1 (always decode at full size), 2, 4 or 8.
    pub max_jpeg_scale: u32,
    /// The reduced frame's long side stays at or above this many pixels.
    pub min_long_side: u32,
    /// When the analysed face's shorter side in the reduced frame is below this many pixels
    /// (or no face is found), the media is analysed again at full size.
    pub min_face_side: u32,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        DecodeConfig { max_jpeg_scale: 8, min_long_side: 960, min_face_side: 160 }
    }
}

impl DecodeConfig {
    /// The decoder's reduction settings.
    pub fn reduction(&self) -> crate::decode::Reduction {
        crate::decode::Reduction { max_scale: self.max_jpeg_scale, min_long_side: self.min_long_side }
    }
}

/// Face detection thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DetectionConfig {
    /// Minimum RetinaFace score of the liveness box; below it the image has `NO_FACE`.
    pub min_score: f32,
    /// Minimum score for a face to be counted (for `MULTIPLE_FACES`) at the counting input. A
    /// face at least as large as the analysed one counts from `min_score` on
    /// ([`count_faces`](crate::pipeline::count_faces)).
    pub count_min_score: f32,
    /// Long side of the second detector input used to count faces (pixels); faces confident at
    /// either this size or the original ~192² input count. The liveness box still comes from
    /// the original input. 320 finds the group sample's faces that vanish at 192²; larger
    /// sizes cost more (ORT, one thread: 4.6 ms at 320×240, 17 ms at 640×480).
    pub count_long_side: u32,
    /// The counting pass runs only when the ~192² pass has another candidate (not overlapping
    /// the analysed face) scoring at least this, or no confident face. Every face the counting
    /// pass found on the samples already showed at ≥ 0.14 at ~192², and single-face selfies
    /// show nothing above 0.1 there, so most selfies skip a 3.5 ms pass. `0` always runs it.
    pub count_gate_score: f32,
    /// Faces smaller than this fraction of the largest face's height are not counted.
    pub count_min_relative_size: f32,
    /// Run MTCNN O-Net on the face box for five landmarks (pose check, reports).
    pub landmarks: bool,
    /// When RetinaFace finds nothing, run the full MTCNN cascade to find small faces.
    pub mtcnn_fallback: bool,
}

impl Default for DetectionConfig {
    fn default() -> Self {
        DetectionConfig {
            min_score: 0.6,
            count_min_score: 0.8,
            count_long_side: 320,
            count_gate_score: 0.1,
            count_min_relative_size: 0.3,
            landmarks: true,
            mtcnn_fallback: true,
        }
    }
}

/// Quality gate thresholds. Each check is reported with its value and threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct QualityConfig {
    /// When false, failing checks are still reported but do not fail the media.
    pub enabled: bool,
    /// Smallest acceptable face side (min of width and height), in original pixels.
    pub min_face_px: f32,
    /// Largest fraction of the face box that may lie outside the image (0..1).
    pub max_outside_fraction: f32,
    /// Minimum variance of the Laplacian of the grey face crop (sharpness).
    pub min_sharpness: f32,
    /// Minimum mean luma of the face (0..255).
    pub min_brightness: f32,
    /// Maximum mean luma of the face (0..255).
    pub max_brightness: f32,
    /// Maximum absolute yaw estimate from landmarks, degrees.
    pub max_yaw_deg: f32,
    /// Maximum absolute roll from the eye line, degrees.
    pub max_roll_deg: f32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            enabled: true,
            min_face_px: 60.0,
            max_outside_fraction: 0.25,
            min_sharpness: 10.0,
            min_brightness: 40.0,
            max_brightness: 225.0,
            max_yaw_deg: 45.0,
            max_roll_deg: 35.0,
        }
    }
}

/// What outlives a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Retention {
    /// Nothing: the call returns its result and the engine forgets it.
    None,
    /// The registered observer receives ids, timestamps, durations, sizes and resolutions.
    Metadata,
}

/// Parses `json` (named `what` in messages) into `T`, accepting only JSON objects for structs.
///
/// serde's derive also accepts a struct as a JSON array of its fields in declaration order
/// (`[null, {}, 2]`), which would make configurations depend on field order and bypass
/// `deny_unknown_fields`. So: the text must be a JSON object, and no struct inside it may be
/// given as an array; arrays stay allowed where the type is a list. The struct itself is parsed
/// from the text, so serde's messages (unknown field with the expected ones, line and column)
/// are unchanged. Returns the message of the error.
pub(crate) fn from_json_object<T>(json: &str, what: &str) -> std::result::Result<T, String>
where
    T: serde::de::DeserializeOwned + Serialize,
{
    use serde_json::Value;

    fn kind(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The path of the first place where `input` has an array and `parsed` (the parsed value
    /// serialised again) an object, i.e. a struct that was given as an array.
    fn struct_given_as_array(input: &Value, parsed: &Value, path: &str) -> Option<String> {
        match (input, parsed) {
            (Value::Array(_), Value::Object(_)) => Some(path.to_owned()),
            (Value::Object(i), Value::Object(p)) => i.iter().find_map(|(key, value)| {
                p.get(key).and_then(|pv| {
                    let sub = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    struct_given_as_array(value, pv, &sub)
                })
            }),
            (Value::Array(i), Value::Array(p)) => i
                .iter()
                .zip(p)
                .enumerate()
                .find_map(|(n, (iv, pv))| struct_given_as_array(iv, pv, &format!("{path}[{n}]"))),
            _ => None,
        }
    }

    let input: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if !input.is_object() {
        return Err(format!("{what} must be a JSON object, found {}", kind(&input)));
    }
    let parsed: T = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let again = serde_json::to_value(&parsed).map_err(|e| e.to_string())?;
    if let Some(path) = struct_given_as_array(&input, &again, "") {
        return Err(format!("`{path}` must be a JSON object, found an array"));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_unknown_keys() {
        let cfg = EngineConfig::from_json(r#"{"threshold":0.7,"limits":{"max_media_per_request":3}}"#).unwrap();
        assert_eq!(cfg.threshold, Some(0.7));
        assert_eq!(cfg.limits.max_media_per_request, 3);
        assert_eq!(cfg.limits.max_bytes_per_media, 10 * 1024 * 1024);
        assert_eq!(EngineConfig::from_json(&cfg.to_json()).unwrap(), cfg);
        let err = EngineConfig::from_json(r#"{"treshold":0.7}"#).unwrap_err();
        assert_eq!(err.name(), "invalid_config");
        assert!(err.to_string().contains("treshold"));
        assert!(EngineConfig::from_json(r#"{"threshold":1.5}"#).is_err());
        assert_eq!(EngineConfig::from_json("").unwrap(), EngineConfig::default());
    }
}
