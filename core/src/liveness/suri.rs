//! Suri MiniFASNetV2-SE 128: the `suri` opinion, trained on CelebA-Spoof (other data than
//! MiniFASNet, so it makes other mistakes).
//!
//! Model facts (`docs/MODELS.md`, section "Suri MiniFASNetV2-SE 128"; the authors' export in
//! github.com/johnraivenolazo/suri-liveness @2b9830b): input `input` float32 [N,3,128,128],
//! NCHW, channels **R, G, B**, value/255 (no mean, no std); output `output` [N,2] logits
//! **[real, spoof]**, so `p_real = softmax[0]`.
//!
//! Crop, in f64 with `trunc` toward zero (Python `int()`): `m = max(w, h)`,
//! `X = trunc(x + w/2 − 0.75·m)`, `Y = trunc(y + h/2 − 0.75·m)`, `S = trunc(1.5·m)`. The S×S
//! square is copied from the image where it lies inside, and padded with **BORDER_REFLECT_101**
//! where it does not. Then `r = 128/S`, `n = trunc(S·r)`: S×S → n×n with OpenCV **INTER_AREA**
//! when `r ≤ 1` (the usual case) and **INTER_LANCZOS4** when `r > 1` (faces under about 86 px),
//! and, when `n < 128` (float rounding), REFLECT_101 padding of `(128 − n)/2` top/left and the
//! rest bottom/right. Plain bilinear instead of INTER_AREA measurably loses attacks.

use zeroize::Zeroizing;

use crate::frame::RgbFrame;
use crate::models;
use crate::resize::{self, ChannelOrder, Normalize, pack_nchw};

use super::{CropRule, ModelFacts, Opinion, OutputMap, ResizeKernel};

/// Side of the square model input, pixels.
pub const INPUT_SIDE: u32 = 128;

/// The square's side relative to the longer side of the face box.
pub const CROP_SCALE: f64 = 1.5;

/// Suri MiniFASNetV2-SE on the 1.5× reflected square.
pub const SURI: ModelFacts = ModelFacts {
    spec: &models::SURI_MINIFASV2SE,
    opinion: Opinion::Suri,
    input: "input",
    input_side: INPUT_SIDE,
    crop: CropRule::SquareReflect101 { scale: CROP_SCALE },
    channels: ChannelOrder::Rgb,
    normalize: Normalize { mean: [0.0; 3], scale: 1.0 / 255.0 },
    resize: ResizeKernel::OpenCvAreaOrLanczos4,
    output: OutputMap { name: "output", classes: 2, real_index: 0 },
};

/// The square `(X, Y, S)` for `bbox = [x, y, w, h]`: top-left corner (may be negative, or past
/// the image) and side, pixels.
pub fn crop_square(bbox: [i32; 4], scale: f64) -> (i64, i64, u32) {
    let (x, y, w, h) = (bbox[0] as f64, bbox[1] as f64, bbox[2] as f64, bbox[3] as f64);
    let m = w.max(h);
    let half = scale / 2.0 * m;
    let sx = (x + w / 2.0 - half).trunc() as i64;
    let sy = (y + h / 2.0 - half).trunc() as i64;
    let side = (scale * m).trunc().max(1.0) as u32;
    (sx, sy, side)
}

/// The `side × side` model input (interleaved RGB8, zeroized on drop) for the square at
/// `(x, y)` of side `s`.
pub fn input_patch(frame: &RgbFrame, x: i64, y: i64, s: u32, side: u32) -> Zeroizing<Vec<u8>> {
    let square = resize::crop_square_reflect101(frame.as_raw(), frame.width(), frame.height(), x, y, s);
    let r = side as f64 / s as f64;
    let n = ((s as f64 * r).trunc() as u32).clamp(1, side);
    let resized = if n == s {
        square
    } else if r <= 1.0 {
        resize::resize_area(&square, s, s, n, n)
    } else {
        resize::resize_lanczos4(&square, s, s, n, n)
    };
    if n == side {
        return resized;
    }
    let lead = (side - n) / 2;
    let trail = side - n - lead;
    resize::pad_reflect101(&resized, n, n, lead, trail, lead, trail)
}

/// Writes the 128×128 tensor of the square at `(x, y)`, side `s`, into `out` (length
/// `3 * 128 * 128`) with `facts`' channel order and normalisation.
pub fn pack_crop(frame: &RgbFrame, x: i64, y: i64, s: u32, facts: &ModelFacts, out: &mut [f32]) {
    let side = facts.input_side;
    let patch = input_patch(frame, x, y, s, side);
    pack_nchw(&patch, side as usize, side as usize, facts.channels, facts.normalize, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_follows_the_spec() {
        // minivision_live_image_T1.jpg's golden box: m = 213, S = trunc(319.5) = 319,
        // X = trunc(106 + 103.5 - 159.75) = 49, Y = trunc(147 + 106.5 - 159.75) = 93.
        assert_eq!(crop_square([106, 147, 207, 213], CROP_SCALE), (49, 93, 319));
        // Near the top-left corner the square starts outside the image; trunc goes toward
        // zero, not down: -0.75 -> 0 and -10.5 -> -10.
        assert_eq!(crop_square([0, 0, 1, 1], CROP_SCALE), (0, 0, 1));
        assert_eq!(crop_square([5, 5, 40, 40], CROP_SCALE), (-5, -5, 60));
        assert_eq!(crop_square([5, 4, 41, 41], CROP_SCALE), (-5, -6, 61));
    }
}
