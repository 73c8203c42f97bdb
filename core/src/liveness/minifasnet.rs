//! MiniFASNetV2 (crop scale 2.7) and MiniFASNetV1SE (crop scale 4.0) from
//! Silent-Face-Anti-Spoofing: the `minifasnet` opinion.
//!
//! Model facts (`docs/MODELS.md`, the original `test.py` and `src/generate_patches.py`): input
//! `input` [N,3,80,80] float32, NCHW, channel order **B, G, R**, raw values **0..255** (no mean,
//! no /255); output `logits` [N,3] before softmax, index 1 = real. The two models' `softmax[1]`
//! are averaged into the opinion's `p_real`, as the original `test.py` does.
//!
//! The crop around the detector's integer box `[x, y, w, h]` is computed in f64 exactly as the
//! original `CropImage._get_new_box` (scaled box, shifted inside the image, never padded),
//! sliced inclusively and resized with OpenCV's bilinear grid (no antialiasing) to 80×80.

use crate::frame::{PixelRect, RgbFrame};
use crate::models;
use crate::resize::{ChannelOrder, Normalize, pack_nchw, resize_linear};

use super::{CropRule, ModelFacts, Opinion, OutputMap, ResizeKernel};

/// Side of the square model input, pixels.
pub const INPUT_SIDE: u32 = 80;

/// MiniFASNetV2 on the 2.7× crop.
pub const V2: ModelFacts = ModelFacts {
    spec: &models::MINIFASNET_V2,
    opinion: Opinion::Minifasnet,
    input: "input",
    input_side: INPUT_SIDE,
    crop: CropRule::SilentFace { scale: 2.7 },
    channels: ChannelOrder::Bgr,
    normalize: Normalize::RAW,
    resize: ResizeKernel::OpenCvLinear,
    output: OutputMap { name: "logits", classes: 3, real_index: 1 },
};

/// MiniFASNetV1SE on the 4.0× crop.
pub const V1SE: ModelFacts =
    ModelFacts { spec: &models::MINIFASNET_V1SE, crop: CropRule::SilentFace { scale: 4.0 }, ..V2 };

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

/// Writes the 80×80 tensor of `rect` into `out` (length `3 * 80 * 80`) with `facts`' channel
/// order and normalisation.
pub fn pack_crop(frame: &RgbFrame, rect: PixelRect, facts: &ModelFacts, out: &mut [f32]) {
    let side = facts.input_side;
    let patch = resize_linear(frame, rect, side, side);
    pack_nchw(&patch, side as usize, side as usize, facts.channels, facts.normalize, out);
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
}
