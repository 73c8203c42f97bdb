//! One media through every stage: decode → detect → landmarks → quality gate → liveness →
//! decision. Holds the loaded models; knows nothing about threads, queues or requests.

use std::io::Read;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use zeroize::Zeroizing;

use crate::biometry::{Embedder, FaceEmbedding};
use crate::config::{DetectionConfig, EngineConfig, FacePolicy};
use crate::decision::Decision;
use crate::decode::{self, ImageInfo};
use crate::detect::mtcnn::{Mtcnn, MtcnnParams};
use crate::detect::retinaface::{self, RetinaFace};
use crate::detect::{Detection, Landmarks5, SAME_FACE_IOU, choose_face};
use crate::error::{Error, Result};
use crate::frame::{BoxF, RgbFrame};
use crate::liveness::{self, Fusion, LivenessModel};
use crate::models::{self, ModelVersion};
use crate::quality;
use crate::report::{Face, FaceBox, FailReason, LivenessReport, MediaResult, Resolution, Timings};
use crate::request::{MediaRef, MediaTag};
use crate::runtime::{SessionPool, SessionSettings};

/// Everything one media's analysis needs to know besides its content.
#[derive(Debug, Clone)]
pub struct MediaContext<'a> {
    /// Request id reported on the result.
    pub request_id: &'a str,
    /// Position in the request.
    pub media_index: usize,
    /// Label reported as `source`.
    pub label: Option<String>,
    /// Threshold, security level and review band of the verdict.
    pub decision: Decision,
    /// Whether failing quality checks fail the media.
    pub quality_gate: bool,
    /// Face policy.
    pub face_policy: FacePolicy,
    /// The media's tag, reported on the result.
    pub tag: Option<MediaTag>,
    /// Run liveness; when false the result is `detection` only (faces, landmarks, quality
    /// reported but not enforced).
    pub liveness: bool,
    /// Compute the face's embedding (biometry).
    pub embed: bool,
    /// Compute landmarks even when `detection.landmarks` is off (the frames of a video or shot
    /// set whose best shot biometry will embed).
    pub landmarks: bool,
    /// Frames to sample from a video or shot set.
    pub frames: usize,
    /// Where the frames of a video or shot set are analysed in parallel (the engine's pool);
    /// `None` analyses them one after the other on the calling thread.
    pub pool: Option<&'a rayon::ThreadPool>,
}

/// The loaded models. The biometry embedder is loaded on first use.
pub struct Pipeline {
    retinaface: RetinaFace,
    liveness: Vec<LivenessModel>,
    fusion: Fusion,
    mtcnn: Mtcnn,
    versions: Vec<ModelVersion>,
    embedder: OnceLock<(Embedder, ModelVersion)>,
    embedder_lock: Mutex<()>,
    embedder_path: Option<std::path::PathBuf>,
    settings: SessionSettings,
}

impl Pipeline {
    /// Loads and checks every model (embedded or from `config.models`).
    pub fn load(config: &EngineConfig, settings: SessionSettings) -> Result<Self> {
        let m = &config.models;
        let mut versions = Vec::new();
        let mut pool = |spec: &models::ModelSpec, path: &Option<std::path::PathBuf>| -> Result<SessionPool> {
            let loaded = models::load(spec, path.as_deref())?;
            let pool = SessionPool::new(spec.id, &loaded.bytes, settings)?;
            versions.push(loaded.version);
            Ok(pool)
        };
        let retinaface = RetinaFace::new(pool(&models::RETINAFACE, &m.retinaface)?)?;
        let mut liveness = Vec::new();
        for opinion in &config.liveness.models {
            for facts in opinion.models() {
                let path = match facts.spec.id {
                    "minifasnet_v2" => &m.minifasnet_v2,
                    "minifasnet_v1se" => &m.minifasnet_v1se,
                    "suri_minifasv2se" => &m.suri_minifasv2se,
                    other => return Err(Error::Internal(format!("liveness model {other} has no models.* path"))),
                };
                liveness.push(LivenessModel::new(facts, pool(facts.spec, path)?)?);
            }
        }
        let pnet = pool(&models::MTCNN_PNET, &m.mtcnn_pnet)?;
        let rnet = pool(&models::MTCNN_RNET, &m.mtcnn_rnet)?;
        let onet = pool(&models::MTCNN_ONET, &m.mtcnn_onet)?;
        let mtcnn = Mtcnn::new(pnet, rnet, onet)?;
        Ok(Pipeline {
            retinaface,
            liveness,
            fusion: config.liveness.fusion,
            mtcnn,
            versions,
            embedder: OnceLock::new(),
            embedder_lock: Mutex::new(()),
            embedder_path: m.mobilefacenet.clone(),
            settings,
        })
    }

    /// The face embedder and its identity if it has been loaded.
    pub fn embedder_loaded(&self) -> Option<&(Embedder, ModelVersion)> {
        self.embedder.get()
    }

    /// The face embedder (MobileFaceNet) and its identity, loaded and checked on first use.
    /// A failed load is returned as an error and tried again on the next call.
    pub fn embedder(&self) -> Result<&(Embedder, ModelVersion)> {
        if let Some(e) = self.embedder.get() {
            return Ok(e);
        }
        let _guard = self.embedder_lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = self.embedder.get() {
            return Ok(e);
        }
        let loaded = models::load(&models::MOBILEFACENET, self.embedder_path.as_deref())?;
        let pool = SessionPool::new(models::MOBILEFACENET.id, &loaded.bytes, self.settings)?;
        let embedder = Embedder::new(pool)?;
        Ok(self.embedder.get_or_init(|| (embedder, loaded.version)))
    }

    /// Identities of the loaded models.
    pub fn versions(&self) -> &[ModelVersion] {
        &self.versions
    }

    /// Runs every model once on synthetic input so first calls do not pay for lazy set-up;
    /// loads the face embedder (biometry) if it was not loaded yet.
    pub fn warm_up(&self) -> Result<()> {
        let w = 480u32;
        let h = 640u32;
        let data: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
        let frame = RgbFrame::new(w, h, data)?;
        let (nw, nh) = retinaface::liveness_input_size(w, h);
        self.retinaface.detect(&frame, nw, nh)?;
        let b = BoxF { x0: 140.0, y0: 200.0, x1: 340.0, y1: 420.0 };
        self.mtcnn.landmarks(&frame, &b)?;
        liveness::score_face(&self.liveness, self.fusion, &frame, retinaface::int_box(&b), None)?;
        // The face embedder too (loaded here if it was not), so that the first biometry
        // request is not slower either.
        let (embedder, _) = self.embedder()?;
        let landmarks: Landmarks5 = [[200.0, 280.0], [280.0, 280.0], [240.0, 320.0], [210.0, 360.0], [270.0, 360.0]];
        embedder.embed(&frame, &landmarks)?;
        Ok(())
    }

    /// Analyses one media. Every failure is a `FAILED` result; when the failure is an error
    /// (input or engine), the typed error comes back beside the result.
    pub fn analyze(
        &self,
        media: MediaRef<'_>,
        ctx: &MediaContext<'_>,
        config: &EngineConfig,
    ) -> (MediaResult, Option<Error>) {
        let (r, e, _) = self.analyze_embed(media, ctx, config);
        (r, e)
    }

    /// [`analyze`](Self::analyze), also returning the analysed face's L2-normalised embedding
    /// when `ctx.embed` is set and a single usable face was found (zeroized on drop), and the
    /// time spent embedding, milliseconds.
    ///
    /// A path is read once (capped at `limits.max_bytes_per_media`); then the content decides:
    /// a video or a shot set goes through [`sequence`](crate::sequence), anything else is
    /// decoded as one image.
    pub fn analyze_embed(
        &self,
        media: MediaRef<'_>,
        ctx: &MediaContext<'_>,
        config: &EngineConfig,
    ) -> (MediaResult, Option<Error>, Option<FaceEmbedding>) {
        let (result, error, embedding, _) = self.analyze_hashed(media, ctx, config, false);
        (result, error, embedding)
    }

    /// [`analyze_embed`](Self::analyze_embed), also returning with `hash` the SHA-256 (lower-case
    /// hex) of the media's bytes as received: the encoded bytes (a path's content, as read), the
    /// pixel buffer, or a shot set's frame buffers in order. `None` when `hash` is off or a file
    /// could not be read.
    pub fn analyze_hashed(
        &self,
        media: MediaRef<'_>,
        ctx: &MediaContext<'_>,
        config: &EngineConfig,
        hash: bool,
    ) -> (MediaResult, Option<Error>, Option<FaceEmbedding>, Option<String>) {
        let start = Instant::now();
        let read;
        let media = match media {
            MediaRef::Path(p) => match read_file(p, &config.limits) {
                Ok(bytes) => {
                    read = bytes;
                    MediaRef::Bytes(&read)
                }
                Err(e) => {
                    let mut r = failed(ctx, &e);
                    r.timings.decode_ms = ms(start);
                    r.timings.total_ms = r.timings.decode_ms;
                    return (r, Some(e), None, None);
                }
            },
            other => other,
        };
        let sha256 = hash.then(|| input_sha256(media));
        let read_ms = ms(start);
        let (mut result, error, embedding) = match crate::sequence::kind_of(media) {
            Some(kind) => crate::sequence::analyze(self, kind, media, ctx, config),
            None => self.analyze_image(media, ctx, config),
        };
        result.timings.decode_ms = round3(result.timings.decode_ms + read_ms);
        result.timings.total_ms = ms(start);
        (result, error, embedding, sha256)
    }

    /// One image (encoded bytes or raw pixels): decode, then [`analyze_frame`](Self::analyze_frame),
    /// decoding again at full size when a reduced JPEG decode was not enough.
    pub(crate) fn analyze_image(
        &self,
        media: MediaRef<'_>,
        ctx: &MediaContext<'_>,
        config: &EngineConfig,
    ) -> (MediaResult, Option<Error>, Option<FaceEmbedding>) {
        let start = Instant::now();
        let mut embedding = None;
        let mut timings = Timings::default();
        let mut reduction = config.decode.reduction();
        let (mut result, error) = loop {
            let t = Instant::now();
            let decoded = load_frame(media, config, reduction);
            timings.decode_ms = round3(timings.decode_ms + ms(t));
            let (frame, info) = match decoded {
                Ok(v) => v,
                Err(e) => break (failed(ctx, &e), Some(e)),
            };
            match self.analyze_frame(&frame, info, ctx, config, &mut timings, &mut embedding) {
                Ok(Some(r)) => break (r, None),
                // The reduced frame was not enough: analyse the full-size frame.
                Ok(None) => reduction = decode::Reduction::NONE,
                Err(e) => break (failed(ctx, &e), Some(e)),
            }
        };
        if error.is_some() {
            embedding = None;
        }
        timings.total_ms = ms(start);
        result.timings = timings;
        result.tag = ctx.tag;
        (result, error, embedding)
    }

    /// Analyses a decoded frame. `Ok(None)` asks for the full-size frame: the frame was a
    /// reduced JPEG decode and its face is too small (or absent) to be judged at that size.
    /// Everything reported is mapped back to full-size pixels.
    fn analyze_frame(
        &self,
        frame: &RgbFrame,
        info: ImageInfo,
        ctx: &MediaContext<'_>,
        config: &EngineConfig,
        timings: &mut Timings,
        embedding: &mut Option<FaceEmbedding>,
    ) -> Result<Option<MediaResult>> {
        let scale = info.decode_scale.max(1);
        let full = (info.width, info.height);
        let mut result = MediaResult {
            request_id: ctx.request_id.to_owned(),
            media_index: ctx.media_index,
            source: ctx.label.clone(),
            tag: ctx.tag,
            analysis: if ctx.liveness { "liveness" } else { "detection" }.to_owned(),
            resolution: Resolution::Failed,
            reason: None,
            confidence_spoofing: None,
            threshold: ctx.decision.threshold,
            security_level: ctx.decision.security_level,
            review_band: ctx.decision.review_band,
            faces: Vec::new(),
            quality: None,
            liveness: None,
            image: Some(info),
            timings: Timings::default(),
            error: None,
            sequence: None,
            attestation: None,
        };

        // Detect: the liveness box at the original ~192² input, faces counted at a larger one.
        let t = Instant::now();
        let found = self.find_faces(frame, config, ctx.face_policy)?;
        timings.detect_ms = ms(t);
        if scale > 1 {
            let min_side = config.decode.min_face_side as f32;
            if found.as_ref().is_none_or(|(p, _)| p.bbox.width().min(p.bbox.height()) < min_side) {
                return Ok(None);
            }
        }
        let Some((primary, counted)) = found else {
            result.reason = Some(FailReason::NoFace);
            return Ok(Some(result));
        };
        let bbox = retinaface::int_box(&primary.bbox);
        if bbox[2] < 2 || bbox[3] < 2 {
            result.reason = Some(FailReason::NoFace);
            return Ok(Some(result));
        }

        // Landmarks on the analysed box (MTCNN O-Net), unless the detector gave them.
        let t = Instant::now();
        let landmarks: Option<Landmarks5> = match primary.landmarks {
            Some(l) => Some(l),
            None if config.detection.landmarks || ctx.embed || ctx.landmarks => {
                Some(self.mtcnn.landmarks(frame, &primary.bbox)?.0)
            }
            None => None,
        };
        timings.landmarks_ms = ms(t);

        result.faces.push(face_report(&primary, Some(bbox), landmarks.as_ref(), true, scale));
        for d in counted.iter().filter(|d| d.bbox.iou(&primary.bbox) < SAME_FACE_IOU) {
            result.faces.push(face_report(d, None, None, false, scale));
        }
        if ctx.face_policy == FacePolicy::Single && result.faces.len() > 1 {
            result.reason = Some(FailReason::MultipleFaces);
            return Ok(Some(result));
        }

        // Embedding of the analysed face (biometry), before any liveness decision.
        if ctx.embed
            && let Some(lm) = landmarks.as_ref()
        {
            let (embedder, _) = self.embedder()?; // loaded on first use, not timed
            let t = Instant::now();
            match embedder.embed(frame, lm) {
                Ok(e) => *embedding = Some((e, ms(t))),
                // Degenerate landmarks: the face is not comparable; the media result stands.
                Err(e) if e.category() == crate::error::ErrorCategory::InvalidInput => {}
                Err(e) => return Err(e),
            }
        }

        // Quality gate on the analysed face.
        let t = Instant::now();
        let face_box = BoxF {
            x0: bbox[0] as f32,
            y0: bbox[1] as f32,
            x1: (bbox[0] + bbox[2]) as f32,
            y1: (bbox[1] + bbox[3]) as f32,
        };
        let gate = ctx.quality_gate && ctx.liveness;
        let q = quality::assess(frame, &face_box, landmarks.as_ref(), scale, &config.quality, gate);
        timings.quality_ms = ms(t);
        let failed_gate = q.enforced && !q.passed;
        result.quality = Some(q);
        if !ctx.liveness {
            result.resolution = Resolution::Success;
            return Ok(Some(result));
        }
        if failed_gate {
            result.reason = Some(FailReason::LowQuality);
            return Ok(Some(result));
        }

        // Liveness and decision.
        let t = Instant::now();
        let scores = liveness::score_face(&self.liveness, self.fusion, frame, bbox, ctx.pool)?;
        timings.liveness_ms = ms(t);
        let mut models = scores.models;
        for s in &mut models {
            s.p_real = round6(s.p_real);
            if scale > 1 {
                s.crop = full_size_rect(s.crop, scale, full);
            }
        }
        let mut opinions = scores.opinions;
        for o in &mut opinions {
            o.p_real = round6(o.p_real);
        }
        let spoof = round6(1.0 - scores.p_real);
        result.confidence_spoofing = Some(spoof);
        result.liveness = Some(LivenessReport { p_real: round6(scores.p_real), fusion: self.fusion, opinions, models });
        result.resolution = ctx.decision.verdict(spoof);
        Ok(Some(result))
    }

    /// Returns the analysed face and the counted faces, or `None` when there is no face.
    ///
    /// Candidates for the analysed face are the faces scoring at least `detection.min_score`:
    /// those of the ~192² pass (its box is the one MiniFASNet was trained on), best first, then
    /// the faces only the counting pass found, best first; [`choose_face`] picks the first that
    /// is not a face cut by the image border with a whole face at least as large beside it.
    /// Before this rule the analysed face was always the first candidate, and still is on every
    /// image where that face is not cut by the border. MTCNN's faces, when RetinaFace has none,
    /// go through the same rule.
    fn find_faces(
        &self,
        frame: &RgbFrame,
        config: &EngineConfig,
        policy: FacePolicy,
    ) -> Result<Option<(Detection, Vec<Detection>)>> {
        let det = &config.detection;
        let (w0, h0) = (frame.width(), frame.height());
        let small_size = retinaface::liveness_input_size(w0, h0);
        let small = self.retinaface.detect(frame, small_size.0, small_size.1)?;
        let count_size = retinaface::long_side_input_size(w0, h0, det.count_long_side);
        let large = if count_size == small_size || !needs_count_pass(&small, det.min_score, det.count_gate_score) {
            Vec::new()
        } else {
            self.retinaface.detect(frame, count_size.0, count_size.1)?
        };

        let mut candidates: Vec<Detection> = small.iter().filter(|d| d.score >= det.min_score).cloned().collect();
        let from_small = candidates.len();
        for d in large.iter().filter(|d| d.score >= det.min_score) {
            if candidates[..from_small].iter().all(|c| c.bbox.iou(&d.bbox) <= SAME_FACE_IOU) {
                candidates.push(d.clone());
            }
        }
        if candidates.is_empty() && det.mtcnn_fallback {
            let faces = self.mtcnn.detect(frame, &MtcnnParams::default())?;
            candidates = faces.into_iter().filter(|d| d.score >= det.min_score).collect();
        }
        let Some(chosen) = choose_face(&candidates, w0, h0) else { return Ok(None) };
        let mut primary = candidates.swap_remove(chosen);

        let both: Vec<Detection> = small.into_iter().chain(large).collect();
        let counted = count_faces(&both, det, Some(&primary), (w0, h0));
        // `largest`: the largest counted face. A detection of the analysed face is among them (it
        // is as large as itself; after MTCNN's fallback nothing is counted), so a smaller
        // confident face never replaces it.
        if policy == FacePolicy::Largest
            && let Some(biggest) =
                counted.iter().max_by(|a, b| a.visible_area(w0, h0).total_cmp(&b.visible_area(w0, h0)))
            && biggest.bbox.iou(&primary.bbox) < SAME_FACE_IOU
        {
            primary = biggest.clone();
        }
        Ok(Some((primary, counted)))
    }
}

/// Whether the counting pass can change anything: the small pass has no confident face, or a
/// candidate besides its best one scores at least `gate`. Detections are sorted by score.
pub fn needs_count_pass(small: &[Detection], min_score: f32, gate: f32) -> bool {
    if gate <= 0.0 {
        return true;
    }
    let Some(best) = small.first().filter(|d| d.score >= min_score) else { return true };
    small[1..].iter().any(|d| d.score >= gate && d.bbox.iou(&best.bbox) < SAME_FACE_IOU)
}

/// Faces that count for `MULTIPLE_FACES`, from detections of several input sizes in a
/// `width × height` image (pixels): a detection counts when it scores at least
/// `count_min_score`, or at least `min_score` and is at least as large (area inside the image,
/// [`Detection::visible_area`]) as the analysed face: a second face of the analysed one's size
/// is as much a face as the analysed one, whatever its score. Counted detections are merged
/// across sizes by greedy NMS (IoU above [`SAME_FACE_IOU`] is the same face), and those smaller
/// than `count_min_relative_size` of the largest one's height are dropped. The detector's score
/// varies with the input size, so each face needs to qualify at one size only.
pub fn count_faces(
    dets: &[Detection],
    config: &DetectionConfig,
    analysed: Option<&Detection>,
    (width, height): (u32, u32),
) -> Vec<Detection> {
    let analysed_area = analysed.map_or(f32::INFINITY, |a| a.visible_area(width, height));
    let counts = |d: &&Detection| {
        d.score >= config.count_min_score
            || (d.score >= config.min_score && d.visible_area(width, height) >= analysed_area)
    };
    let mut qualified: Vec<&Detection> = dets.iter().filter(counts).collect();
    qualified.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut merged: Vec<&Detection> = Vec::new();
    for d in qualified {
        if merged.iter().all(|m| m.bbox.iou(&d.bbox) <= SAME_FACE_IOU) {
            merged.push(d);
        }
    }
    let largest = merged.iter().map(|d| d.bbox.height()).fold(0f32, f32::max);
    merged.into_iter().filter(|d| d.bbox.height() >= config.count_min_relative_size * largest).cloned().collect()
}

/// A face for the result, in full-size pixels (`scale` is the frame's reduction).
fn face_report(
    d: &Detection,
    int_box: Option<[i32; 4]>,
    landmarks: Option<&Landmarks5>,
    analysed: bool,
    scale: u32,
) -> Face {
    let k = scale as f64;
    let bbox = match int_box {
        Some(b) => FaceBox { x: b[0] as f64 * k, y: b[1] as f64 * k, width: b[2] as f64 * k, height: b[3] as f64 * k },
        None => FaceBox {
            x: round2(d.bbox.x0 as f64 * k),
            y: round2(d.bbox.y0 as f64 * k),
            width: round2(d.bbox.width() as f64 * k),
            height: round2(d.bbox.height() as f64 * k),
        },
    };
    Face {
        bbox,
        score: round6(d.score as f64),
        landmarks: landmarks.map(|l| l.iter().map(|p| [round2(p[0] as f64 * k), round2(p[1] as f64 * k)]).collect()),
        detector: if d.landmarks.is_some() { "mtcnn" } else { "retinaface" }.to_owned(),
        analysed,
    }
}

/// An inclusive pixel rectangle of a frame reduced by `scale`, in full-size pixels: every
/// reduced pixel covers `scale × scale` full-size pixels. Coordinates inside the image stay
/// inside it; those of a padded crop past the border are scaled as they are.
fn full_size_rect(r: [i64; 4], scale: u32, full: (u32, u32)) -> [i64; 4] {
    let k = scale as i64;
    let (w, h) = (full.0.max(1) as i64, full.1.max(1) as i64);
    // The last full-size pixel a reduced pixel covers; the image's last one at the border.
    let end = |v: i64, n: i64| if v * k < n { ((v + 1) * k - 1).min(n - 1) } else { (v + 1) * k - 1 };
    [r[0] * k, r[1] * k, end(r[2], w), end(r[3], h)]
}

/// SHA-256 of a media's bytes as received (a path has been read into bytes already), hex.
fn input_sha256(media: MediaRef<'_>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    match media {
        MediaRef::Bytes(bytes) => hasher.update(bytes),
        MediaRef::Pixels { data, .. } => hasher.update(data),
        MediaRef::Frames(frames) => frames.iter().for_each(|f| hasher.update(&f.data)),
        MediaRef::Path(_) => {}
    }
    crate::models::hex(&hasher.finalize())
}

/// A `FAILED/INPUT_ERROR` result for `ctx`'s media.
pub(crate) fn failed(ctx: &MediaContext<'_>, e: &Error) -> MediaResult {
    let mut r = MediaResult::from_error(ctx.request_id, ctx.media_index, ctx.label.clone(), ctx.decision.threshold, e);
    r.tag = ctx.tag;
    r.security_level = ctx.decision.security_level;
    r.review_band = ctx.decision.review_band;
    if !ctx.liveness {
        r.analysis = "detection".to_owned();
    }
    r
}

/// Reads a file, refusing more than `limits.max_bytes_per_media` bytes (checked from its
/// metadata, and again while reading, since a file can grow). The bytes are zeroized on drop.
pub fn read_file(path: &std::path::Path, limits: &crate::config::Limits) -> Result<Zeroizing<Vec<u8>>> {
    let io = |e: std::io::Error| Error::Io { path: path.to_path_buf(), message: e.to_string() };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len > limits.max_bytes_per_media {
        return Err(Error::MediaTooLarge { size: len, limit: limits.max_bytes_per_media });
    }
    let mut buf = Zeroizing::new(Vec::with_capacity(len as usize));
    file.take(limits.max_bytes_per_media + 1).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > limits.max_bytes_per_media {
        return Err(Error::MediaTooLarge { size: buf.len() as u64, limit: limits.max_bytes_per_media });
    }
    Ok(buf)
}

/// Reads and decodes an image media into an upright RGB frame, enforcing the limits. A large
/// JPEG may be decoded at reduced size (`reduction`, see [`decode::decode_reduced`]). Raw
/// frames (a multi-frame media) are not one image: they give `invalid_input`.
pub fn load_frame(
    media: MediaRef<'_>,
    config: &EngineConfig,
    reduction: decode::Reduction,
) -> Result<(RgbFrame, ImageInfo)> {
    let limits = &config.limits;
    match media {
        MediaRef::Bytes(b) => decode::decode_reduced(b, limits, reduction),
        MediaRef::Pixels { data, format, width, height, stride } => {
            decode::from_pixels(data, format, width, height, stride, limits)
        }
        MediaRef::Path(p) => decode::decode_reduced(&read_file(p, limits)?, limits, reduction),
        MediaRef::Frames(_) => Err(Error::InvalidInput("raw frames are a multi-frame media, not one image".into())),
    }
}

pub(crate) fn ms(since: Instant) -> f64 {
    round3(since.elapsed().as_secs_f64() * 1000.0)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub(crate) fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

pub(crate) fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(x: f32, size: f32, score: f32) -> Detection {
        Detection { bbox: BoxF { x0: x, y0: 0.0, x1: x + size, y1: size }, score, landmarks: None }
    }

    #[test]
    fn faces_are_merged_across_sizes_and_filtered() {
        // Same face seen at two sizes, a second confident face, a weak one and a tiny one.
        let cfg = DetectionConfig::default(); // min_score 0.6, count_min_score 0.8, relative size 0.3
        let size = (1000, 200);
        let dets = [det(0.0, 100.0, 0.9), det(3.0, 98.0, 0.95), det(300.0, 90.0, 0.85), det(600.0, 100.0, 0.5)];
        let c = count_faces(&dets, &cfg, Some(&dets[1]), size);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].score, 0.95);
        assert_eq!(count_faces(&dets, &cfg, None, size).len(), 2);
        let with_tiny = [det(0.0, 100.0, 0.9), det(300.0, 20.0, 0.99)];
        assert_eq!(count_faces(&with_tiny, &cfg, Some(&with_tiny[0]), size).len(), 1);
    }

    #[test]
    fn faces_as_large_as_the_analysed_one_count_at_lower_scores() {
        let cfg = DetectionConfig::default();
        let size = (1000, 200);
        // The analysed face scores 0.62: a second face as large counts from min_score (0.6) on,
        // a smaller one only from count_min_score (0.8), and nothing below min_score counts.
        let analysed = det(0.0, 100.0, 0.62);
        let dets = [analysed.clone(), det(300.0, 100.0, 0.7), det(600.0, 90.0, 0.7), det(800.0, 100.0, 0.55)];
        let c = count_faces(&dets, &cfg, Some(&analysed), size);
        assert_eq!(c.iter().map(|d| d.score).collect::<Vec<_>>(), [0.7, 0.62]);
        // Without an analysed face only confident faces count.
        assert!(count_faces(&dets, &cfg, None, size).is_empty());
    }

    #[test]
    fn count_pass_runs_only_when_it_can_matter() {
        // One confident face and nothing else: skipped.
        assert!(!needs_count_pass(&[det(0.0, 100.0, 0.95)], 0.6, 0.1));
        // A weak candidate elsewhere (the group photo's second face scores 0.23 at ~192²): run.
        assert!(needs_count_pass(&[det(0.0, 100.0, 0.9), det(300.0, 100.0, 0.23)], 0.6, 0.1));
        // A weak duplicate of the same face does not count.
        assert!(!needs_count_pass(&[det(0.0, 100.0, 0.9), det(5.0, 100.0, 0.3)], 0.6, 0.1));
        // No confident face, or no face at all: run.
        assert!(needs_count_pass(&[det(0.0, 100.0, 0.5)], 0.6, 0.1));
        assert!(needs_count_pass(&[], 0.6, 0.1));
        // Gate 0: always.
        assert!(needs_count_pass(&[det(0.0, 100.0, 0.95)], 0.6, 0.0));
    }
}
