//! One media through every stage: decode → detect → landmarks → quality gate → liveness →
//! decision. Holds the loaded models; knows nothing about threads, queues or requests.

use std::io::Read;
use std::time::Instant;

use zeroize::Zeroizing;

use crate::config::{EngineConfig, FacePolicy};
use crate::decode::{self, ImageInfo};
use crate::detect::mtcnn::{Mtcnn, MtcnnParams};
use crate::detect::retinaface::{self, RetinaFace};
use crate::detect::{Detection, Landmarks5};
use crate::error::{Error, Result};
use crate::frame::{BoxF, RgbFrame};
use crate::liveness::{self, LivenessModel};
use crate::models::{self, ModelVersion};
use crate::quality;
use crate::report::{Face, FaceBox, FailReason, LivenessReport, MediaResult, Resolution, Timings};
use crate::request::MediaRef;
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
    /// Attack threshold.
    pub threshold: f64,
    /// Whether failing quality checks fail the media.
    pub quality_gate: bool,
    /// Face policy.
    pub face_policy: FacePolicy,
}

/// The loaded models.
pub struct Pipeline {
    retinaface: RetinaFace,
    liveness: Vec<LivenessModel>,
    mtcnn: Mtcnn,
    versions: Vec<ModelVersion>,
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
        let v2 = LivenessModel::new("minifasnet_v2", 2.7, pool(&models::MINIFASNET_V2, &m.minifasnet_v2)?)?;
        let v1se = LivenessModel::new("minifasnet_v1se", 4.0, pool(&models::MINIFASNET_V1SE, &m.minifasnet_v1se)?)?;
        let pnet = pool(&models::MTCNN_PNET, &m.mtcnn_pnet)?;
        let rnet = pool(&models::MTCNN_RNET, &m.mtcnn_rnet)?;
        let onet = pool(&models::MTCNN_ONET, &m.mtcnn_onet)?;
        let mtcnn = Mtcnn::new(pnet, rnet, onet)?;
        Ok(Pipeline { retinaface, liveness: vec![v2, v1se], mtcnn, versions })
    }

    /// Identities of the loaded models.
    pub fn versions(&self) -> &[ModelVersion] {
        &self.versions
    }

    /// Runs every model once on synthetic input so first calls do not pay for lazy set-up.
    pub fn warm_up(&self) -> Result<()> {
        let w = 480u32;
        let h = 640u32;
        let data: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
        let frame = RgbFrame::new(w, h, data)?;
        let (nw, nh) = retinaface::liveness_input_size(w, h);
        self.retinaface.detect(&frame, nw, nh)?;
        let b = BoxF { x0: 140.0, y0: 200.0, x1: 340.0, y1: 420.0 };
        self.mtcnn.landmarks(&frame, &b)?;
        liveness::score_face(&self.liveness, &frame, retinaface::int_box(&b))?;
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
        let start = Instant::now();
        let mut timings = Timings::default();
        let decoded = load_frame(media, config);
        timings.decode_ms = ms(start);
        let (frame, info) = match decoded {
            Ok(v) => v,
            Err(e) => {
                let mut r =
                    MediaResult::from_error(ctx.request_id, ctx.media_index, ctx.label.clone(), ctx.threshold, &e);
                timings.total_ms = ms(start);
                r.timings = timings;
                return (r, Some(e));
            }
        };
        let (mut result, error) = match self.analyze_frame(&frame, info, ctx, config, &mut timings) {
            Ok(r) => (r, None),
            Err(e) => (
                MediaResult::from_error(ctx.request_id, ctx.media_index, ctx.label.clone(), ctx.threshold, &e),
                Some(e),
            ),
        };
        timings.total_ms = ms(start);
        result.timings = timings;
        (result, error)
    }

    fn analyze_frame(
        &self,
        frame: &RgbFrame,
        info: ImageInfo,
        ctx: &MediaContext<'_>,
        config: &EngineConfig,
        timings: &mut Timings,
    ) -> Result<MediaResult> {
        let mut result = MediaResult {
            request_id: ctx.request_id.to_owned(),
            media_index: ctx.media_index,
            source: ctx.label.clone(),
            analysis: "liveness".to_owned(),
            resolution: Resolution::Failed,
            reason: None,
            confidence_spoofing: None,
            threshold: ctx.threshold,
            faces: Vec::new(),
            quality: None,
            liveness: None,
            image: Some(info),
            timings: Timings::default(),
            error: None,
        };

        // Detect: the liveness box at the original ~192² input, faces counted at a larger one.
        let t = Instant::now();
        let found = self.find_faces(frame, config, ctx.face_policy)?;
        timings.detect_ms = ms(t);
        let Some((primary, counted)) = found else {
            result.reason = Some(FailReason::NoFace);
            return Ok(result);
        };
        let bbox = retinaface::int_box(&primary.bbox);
        if bbox[2] < 2 || bbox[3] < 2 {
            result.reason = Some(FailReason::NoFace);
            return Ok(result);
        }

        // Landmarks on the analysed box (MTCNN O-Net), unless the detector gave them.
        let t = Instant::now();
        let landmarks: Option<Landmarks5> = match primary.landmarks {
            Some(l) => Some(l),
            None if config.detection.landmarks => Some(self.mtcnn.landmarks(frame, &primary.bbox)?.0),
            None => None,
        };
        timings.landmarks_ms = ms(t);

        result.faces.push(face_report(&primary, Some(bbox), landmarks.as_ref(), true));
        for d in counted.iter().filter(|d| d.bbox.iou(&primary.bbox) < 0.3) {
            result.faces.push(face_report(d, None, None, false));
        }
        if ctx.face_policy == FacePolicy::Single && result.faces.len() > 1 {
            result.reason = Some(FailReason::MultipleFaces);
            return Ok(result);
        }

        // Quality gate on the analysed face.
        let t = Instant::now();
        let face_box = BoxF {
            x0: bbox[0] as f32,
            y0: bbox[1] as f32,
            x1: (bbox[0] + bbox[2]) as f32,
            y1: (bbox[1] + bbox[3]) as f32,
        };
        let q = quality::assess(frame, &face_box, landmarks.as_ref(), &config.quality, ctx.quality_gate);
        timings.quality_ms = ms(t);
        let failed_gate = q.enforced && !q.passed;
        result.quality = Some(q);
        if failed_gate {
            result.reason = Some(FailReason::LowQuality);
            return Ok(result);
        }

        // Liveness and decision.
        let t = Instant::now();
        let (p_real, scores) = liveness::score_face(&self.liveness, frame, bbox)?;
        timings.liveness_ms = ms(t);
        let spoof = round6(1.0 - p_real);
        result.confidence_spoofing = Some(spoof);
        result.liveness = Some(LivenessReport { p_real: round6(p_real), models: scores });
        result.resolution = if spoof >= ctx.threshold { Resolution::Declined } else { Resolution::Success };
        Ok(result)
    }

    /// Returns the analysed face and the other counted faces, or `None` when there is no face.
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
        let large = if count_size == small_size {
            small.clone()
        } else {
            self.retinaface.detect(frame, count_size.0, count_size.1)?
        };
        let both: Vec<Detection> = small.iter().chain(large.iter()).cloned().collect();
        let counted = count_faces(&both, det.count_min_score, det.count_min_relative_size);

        let mut primary = small.into_iter().next().filter(|d| d.score >= det.min_score);
        if primary.is_none() {
            // The original input may be too small for the face: take the larger input's best.
            primary = large.iter().find(|d| d.score >= det.min_score).cloned();
        }
        if primary.is_none() && det.mtcnn_fallback {
            let faces = self.mtcnn.detect(frame, &MtcnnParams::default())?;
            primary = faces.into_iter().find(|d| d.score >= det.min_score);
        }
        let Some(mut primary) = primary else { return Ok(None) };
        if policy == FacePolicy::Largest
            && let Some(biggest) = counted.iter().max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
            && biggest.bbox.iou(&primary.bbox) < 0.3
        {
            primary = biggest.clone();
        }
        Ok(Some((primary, counted)))
    }
}

/// Faces that count for `MULTIPLE_FACES`, from detections of several input sizes (pixels):
/// confident ones, merged across sizes by greedy NMS (IoU > 0.3 is the same face), and not much
/// smaller than the largest. The detector's score varies with the input size, so each face
/// needs to be confident at one size only.
pub fn count_faces(dets: &[Detection], min_score: f32, min_relative_size: f32) -> Vec<Detection> {
    let mut confident: Vec<&Detection> = dets.iter().filter(|d| d.score >= min_score).collect();
    confident.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut merged: Vec<&Detection> = Vec::new();
    for d in confident {
        if merged.iter().all(|m| m.bbox.iou(&d.bbox) <= 0.3) {
            merged.push(d);
        }
    }
    let largest = merged.iter().map(|d| d.bbox.height()).fold(0f32, f32::max);
    merged.into_iter().filter(|d| d.bbox.height() >= min_relative_size * largest).cloned().collect()
}

fn face_report(d: &Detection, int_box: Option<[i32; 4]>, landmarks: Option<&Landmarks5>, analysed: bool) -> Face {
    let bbox = match int_box {
        Some(b) => FaceBox { x: b[0] as f64, y: b[1] as f64, width: b[2] as f64, height: b[3] as f64 },
        None => FaceBox {
            x: round2(d.bbox.x0 as f64),
            y: round2(d.bbox.y0 as f64),
            width: round2(d.bbox.width() as f64),
            height: round2(d.bbox.height() as f64),
        },
    };
    Face {
        bbox,
        score: round6(d.score as f64),
        landmarks: landmarks.map(|l| l.iter().map(|p| [round2(p[0] as f64), round2(p[1] as f64)]).collect()),
        detector: if d.landmarks.is_some() { "mtcnn" } else { "retinaface" }.to_owned(),
        analysed,
    }
}

/// Reads and decodes a media into an upright RGB frame, enforcing the limits.
pub fn load_frame(media: MediaRef<'_>, config: &EngineConfig) -> Result<(RgbFrame, ImageInfo)> {
    let limits = &config.limits;
    match media {
        MediaRef::Bytes(b) => decode::decode(b, limits),
        MediaRef::Pixels { data, format, width, height, stride } => {
            decode::from_pixels(data, format, width, height, stride, limits)
        }
        MediaRef::Path(p) => {
            let io = |e: std::io::Error| Error::Io { path: p.to_path_buf(), message: e.to_string() };
            let file = std::fs::File::open(p).map_err(io)?;
            let len = file.metadata().map_err(io)?.len();
            if len > limits.max_bytes_per_media {
                return Err(Error::MediaTooLarge { size: len, limit: limits.max_bytes_per_media });
            }
            let mut buf = Zeroizing::new(Vec::with_capacity(len as usize));
            // `take` guards against files that grow while being read.
            file.take(limits.max_bytes_per_media + 1).read_to_end(&mut buf).map_err(io)?;
            if buf.len() as u64 > limits.max_bytes_per_media {
                return Err(Error::MediaTooLarge { size: buf.len() as u64, limit: limits.max_bytes_per_media });
            }
            decode::decode(&buf, limits)
        }
    }
}

fn ms(since: Instant) -> f64 {
    round3(since.elapsed().as_secs_f64() * 1000.0)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn round6(v: f64) -> f64 {
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
        let dets = [det(0.0, 100.0, 0.9), det(3.0, 98.0, 0.95), det(300.0, 90.0, 0.85), det(600.0, 100.0, 0.5)];
        let c = count_faces(&dets, 0.8, 0.3);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].score, 0.95);
        let with_tiny = [det(0.0, 100.0, 0.9), det(300.0, 20.0, 0.99)];
        assert_eq!(count_faces(&with_tiny, 0.8, 0.3).len(), 1);
    }
}
