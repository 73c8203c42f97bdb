//! Passive liveness: MiniFASNetV2 (crop scale 2.7) and MiniFASNetV1SE (crop scale 4.0).
//!
//! Model facts (Silent-Face-Anti-Spoofing, `docs/MODELS.md`): input `input` [N,3,80,80]
//! float32, NCHW, channel order **B, G, R**, raw values **0..255** (no mean, no /255); output
//! `logits` [N,3] before softmax, index 1 = real. Fusion as in the original `test.py`:
//! `p_real = (softmax_v2[1] + softmax_v1se[1]) / 2`.
//!
//! The crop around the detector's integer box `[x, y, w, h]` is computed in f64 exactly as the
//! original `CropImage._get_new_box`, sliced inclusively and resized with OpenCV's bilinear grid
//! (no antialiasing) to 80×80.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::frame::{PixelRect, RgbFrame};
use crate::resize::{ChannelOrder, Normalize, pack_nchw, resize_linear};
use crate::runtime::SessionPool;

/// Side of the square model input, pixels.
pub const INPUT_SIDE: u32 = 80;
const PLANE: usize = (INPUT_SIDE * INPUT_SIDE) as usize;

/// One liveness model and its crop scale.
pub struct LivenessModel {
    /// Model id used in results.
    pub id: &'static str,
    /// Crop scale around the face box (2.7 for V2, 4.0 for V1SE).
    pub scale: f64,
    pool: SessionPool,
}

impl LivenessModel {
    /// Wraps a session pool, checking the model's inputs and outputs.
    pub fn new(id: &'static str, scale: f64, pool: SessionPool) -> Result<Self> {
        pool.expect_io(&["input"], &["logits"])?;
        Ok(LivenessModel { id, scale, pool })
    }

    /// Runs the model on `n` packed 80×80 BGR crops and returns softmax[1] (p_real) for each.
    pub fn p_real(&self, tensor: &[f32], n: usize) -> Result<Vec<f32>> {
        debug_assert_eq!(tensor.len(), n * 3 * PLANE);
        let shape = [n, 3, INPUT_SIDE as usize, INPUT_SIDE as usize];
        self.pool.with_session(|s| {
            let input = ort::value::TensorRef::from_array_view((shape, tensor))?;
            let out = s.run(ort::inputs!["input" => input])?;
            let (_, logits) = out["logits"].try_extract_tensor::<f32>()?;
            if logits.len() != n * 3 {
                return Err(Error::Model(format!("{}: expected {} logits, got {}", self.id, n * 3, logits.len())));
            }
            Ok(logits.chunks_exact(3).map(softmax_real).collect())
        })
    }
}

/// softmax(logits)[1], computed stably.
pub fn softmax_real(logits: &[f32]) -> f32 {
    let m = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = logits.iter().map(|l| (l - m).exp()).collect();
    e[1] / e.iter().sum::<f32>()
}

/// The crop rectangle (inclusive) for `bbox = [x, y, w, h]` at `scale` in a `width x height`
/// image, following the original `_get_new_box` in f64.
pub fn crop_rect(bbox: [i32; 4], scale: f64, width: u32, height: u32) -> PixelRect {
    let (src_w, src_h) = (width as f64, height as f64);
    let (x, y, w, h) = (bbox[0] as f64, bbox[1] as f64, bbox[2] as f64, bbox[3] as f64);
    let s = ((src_h - 1.0) / h).min((src_w - 1.0) / w).min(scale);
    let (nw, nh) = (w * s, h * s);
    let (cx, cy) = (x + w / 2.0, y + h / 2.0);
    let (mut x0, mut y0, mut x1, mut y1) = (cx - nw / 2.0, cy - nh / 2.0, cx + nw / 2.0, cy + nh / 2.0);
    if x0 < 0.0 {
        x1 -= x0;
        x0 = 0.0;
    }
    if y0 < 0.0 {
        y1 -= y0;
        y0 = 0.0;
    }
    if x1 > src_w - 1.0 {
        x0 -= x1 - src_w + 1.0;
        x1 = src_w - 1.0;
    }
    if y1 > src_h - 1.0 {
        y0 -= y1 - src_h + 1.0;
        y1 = src_h - 1.0;
    }
    // int() truncation; clamp guards against degenerate boxes from custom detectors.
    let clamp = |v: f64, max: u32| (v.trunc().max(0.0) as u32).min(max - 1);
    let r = PixelRect { x0: clamp(x0, width), y0: clamp(y0, height), x1: clamp(x1, width), y1: clamp(y1, height) };
    PixelRect { x1: r.x1.max(r.x0), y1: r.y1.max(r.y0), ..r }
}

/// Writes the 80×80 BGR raw tensor of `rect` into `out` (length `3 * 80 * 80`).
pub fn pack_crop(frame: &RgbFrame, rect: PixelRect, out: &mut [f32]) {
    let patch = resize_linear(frame, rect, INPUT_SIDE, INPUT_SIDE);
    pack_nchw(&patch, INPUT_SIDE as usize, INPUT_SIDE as usize, ChannelOrder::Bgr, Normalize::RAW, out);
}

/// Per-model liveness output, reported in results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelScore {
    /// Model id.
    pub model: String,
    /// Crop scale around the face box.
    pub crop_scale: f64,
    /// Crop rectangle `[x0, y0, x1, y1]`, inclusive, original pixels.
    pub crop: [u32; 4],
    /// softmax[1] of this model, 0..1.
    pub p_real: f64,
}

/// Runs both models on the face box and fuses: returns `(p_real, per-model scores)`.
/// When both crops clamp to the same rectangle, the crop is resized once and reused.
pub fn score_face(models: &[LivenessModel], frame: &RgbFrame, bbox: [i32; 4]) -> Result<(f64, Vec<ModelScore>)> {
    let rects: Vec<PixelRect> =
        models.iter().map(|m| crop_rect(bbox, m.scale, frame.width(), frame.height())).collect();
    let mut tensors: Vec<Vec<f32>> = Vec::with_capacity(models.len());
    for (i, r) in rects.iter().enumerate() {
        match rects[..i].iter().position(|p| p == r) {
            Some(j) => {
                let t = tensors[j].clone();
                tensors.push(t);
            }
            None => {
                let mut t = vec![0f32; 3 * PLANE];
                pack_crop(frame, *r, &mut t);
                tensors.push(t);
            }
        }
    }
    let mut scores = Vec::with_capacity(models.len());
    for ((m, r), t) in models.iter().zip(&rects).zip(&tensors) {
        let p = m.p_real(t, 1)?[0] as f64;
        scores.push(ModelScore {
            model: m.id.to_owned(),
            crop_scale: m.scale,
            crop: [r.x0, r.y0, r.x1, r.y1],
            p_real: p,
        });
    }
    let fused = scores.iter().map(|s| s.p_real).sum::<f64>() / scores.len().max(1) as f64;
    Ok((fused, scores))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_is_centred_and_clamped() {
        // Box in the middle of a big image: the full 2.7x crop fits.
        let r = crop_rect([400, 400, 100, 100], 2.7, 1000, 1000);
        assert_eq!(r, PixelRect { x0: 315, y0: 315, x1: 585, y1: 585 });
        // Near the top-left corner: shifted inside, size kept.
        let r = crop_rect([10, 10, 100, 100], 2.7, 1000, 1000);
        assert_eq!((r.x0, r.y0), (0, 0));
        assert_eq!((r.x1, r.y1), (270, 270));
        // Scale limited by the image: (H-1)/h.
        let r = crop_rect([106, 147, 207, 213], 4.0, 480, 640);
        assert_eq!(r.width(), 480);
        assert!(r.y1 <= 639);
    }

    #[test]
    fn softmax_picks_real_column() {
        assert!((softmax_real(&[0.0, 0.0, 0.0]) - 1.0 / 3.0).abs() < 1e-6);
        assert!(softmax_real(&[-10.0, 10.0, -10.0]) > 0.999);
        assert!(softmax_real(&[1000.0, -1000.0, 0.0]) < 1e-6);
    }
}
