//! Image kernels that reproduce OpenCV bit for bit, and packing of pixels into model tensors.
//!
//! The models were trained on crops made with OpenCV on 8-bit images, and their scores move
//! with the exact pixels (see `docs/MODELS.md`), so each kernel here is a reimplementation of
//! OpenCV's own 8-bit arithmetic rather than a general-purpose resampler:
//!
//! * [`resize_linear`]: `cv2.resize(..., INTER_LINEAR)` (MiniFASNet, RetinaFace, MTCNN, quality);
//! * [`resize_area`]: `cv2.resize(..., INTER_AREA)` when shrinking (Suri);
//! * [`resize_lanczos4`]: `cv2.resize(..., INTER_LANCZOS4)` when enlarging (Suri, small faces);
//! * [`pad_reflect101`], [`crop_square_reflect101`], [`border_interpolate_reflect101`]:
//!   `cv2.copyMakeBorder` / `cv2.borderInterpolate` with `BORDER_REFLECT_101` (Suri's crop).
//!
//! Images are interleaved RGB8 (3 bytes per pixel, row-major, tightly packed); every output
//! buffer holds face pixels and is a [`Zeroizing`](zeroize::Zeroizing) vector, wiped on drop.
//! The AREA, LANCZOS4 and REFLECT_101 kernels are checked for exact equality against
//! opencv-python-headless 5.0.0.93 by their unit tests (vectors from
//! `scripts/opencv-kernel-vectors.py`).
//!
//! [`pack_nchw`] and [`pack_nhwc`] turn the RGB8 crops into normalised float tensors.

mod area;
mod border;
mod lanczos;
mod linear;

pub use area::resize_area;
pub use border::{border_interpolate_reflect101, crop_square_reflect101, pad_reflect101};
pub use lanczos::resize_lanczos4;
pub use linear::resize_linear;

/// Channel order a model expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    /// Red, green, blue.
    Rgb,
    /// Blue, green, red (Caffe/OpenCV-trained models).
    Bgr,
}

/// Per-channel affine normalisation: `(value - mean[c]) * scale`, with `mean` given in the
/// model's channel order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalize {
    /// Subtracted first, in the model's channel order.
    pub mean: [f32; 3],
    /// Multiplied after the subtraction.
    pub scale: f32,
}

impl Normalize {
    /// Raw 0..255 values, untouched.
    pub const RAW: Normalize = Normalize { mean: [0.0; 3], scale: 1.0 };
}

/// Packs interleaved RGB8 pixels (`w x h`) into a planar **NCHW** float tensor slice of length
/// `3 * w * h`, in `order`, normalised by `norm`.
pub fn pack_nchw(rgb: &[u8], w: usize, h: usize, order: ChannelOrder, norm: Normalize, out: &mut [f32]) {
    let plane = w * h;
    assert_eq!(rgb.len(), plane * 3);
    assert_eq!(out.len(), plane * 3);
    let src_c = match order {
        ChannelOrder::Rgb => [0usize, 1, 2],
        ChannelOrder::Bgr => [2usize, 1, 0],
    };
    for (c, &sc) in src_c.iter().enumerate() {
        let dst = &mut out[c * plane..(c + 1) * plane];
        let (m, s) = (norm.mean[c], norm.scale);
        for (i, d) in dst.iter_mut().enumerate() {
            *d = (rgb[i * 3 + sc] as f32 - m) * s;
        }
    }
}

/// Packs interleaved RGB8 pixels into an **NHWC** float tensor slice. With `transpose`, the
/// output is laid out as if the image were transposed (width and height swapped), which the
/// Keras-exported MTCNN expects.
pub fn pack_nhwc(
    rgb: &[u8],
    w: usize,
    h: usize,
    order: ChannelOrder,
    norm: Normalize,
    transpose: bool,
    out: &mut [f32],
) {
    assert_eq!(rgb.len(), w * h * 3);
    assert_eq!(out.len(), w * h * 3);
    let src_c = match order {
        ChannelOrder::Rgb => [0usize, 1, 2],
        ChannelOrder::Bgr => [2usize, 1, 0],
    };
    for y in 0..h {
        for x in 0..w {
            let s = (y * w + x) * 3;
            let d = if transpose { (x * h + y) * 3 } else { s };
            for c in 0..3 {
                out[d + c] = (rgb[s + src_c[c]] as f32 - norm.mean[c]) * norm.scale;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_bgr_planar_with_mean() {
        let rgb = [10u8, 20, 30, 40, 50, 60];
        let mut out = [0f32; 6];
        pack_nchw(&rgb, 2, 1, ChannelOrder::Bgr, Normalize { mean: [1.0, 2.0, 3.0], scale: 1.0 }, &mut out);
        assert_eq!(out, [29.0, 59.0, 18.0, 48.0, 7.0, 37.0]);
    }

    #[test]
    fn pack_nhwc_transposed() {
        // 2x1 image: pixels A (x=0) and B (x=1). Transposed layout is 1 wide, 2 high: A then B.
        let rgb = [1u8, 2, 3, 4, 5, 6];
        let mut out = [0f32; 6];
        pack_nhwc(&rgb, 2, 1, ChannelOrder::Rgb, Normalize::RAW, true, &mut out);
        assert_eq!(out, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let rgb = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // 2x2
        pack_nhwc(&rgb, 2, 2, ChannelOrder::Rgb, Normalize::RAW, true, &mut [0f32; 12]);
        let mut out = [0f32; 12];
        pack_nhwc(&rgb, 2, 2, ChannelOrder::Rgb, Normalize::RAW, true, &mut out);
        // (x=1,y=0) lands at transposed (row 1, col 0) = index 2.
        assert_eq!(&out[6..9], &[4.0, 5.0, 6.0]);
    }
}

#[cfg(test)]
pub(crate) mod test_vectors {
    //! Deterministic test images and OpenCV reference checks shared by the kernels' tests. The
    //! expected values are printed by `scripts/opencv-kernel-vectors.py` (cv2 5.0.0.93).

    /// Test image `(seed, w, h)` of the script, interleaved RGB8: byte `k` is the top byte of
    /// the LCG state `s = s * 1664525 + 1013904223` after `k + 1` steps from `s = seed`.
    pub(crate) fn image(seed: u32, w: u32, h: u32) -> Vec<u8> {
        let mut s = seed;
        (0..w as usize * h as usize * 3)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 24) as u8
            })
            .collect()
    }

    /// FNV-1a, 64-bit.
    pub(crate) fn fnv1a64(data: &[u8]) -> u64 {
        data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
    }

    /// OpenCV's output for one case: size in pixels, sum and FNV-1a of all bytes, a few pixels
    /// `(x, y, [c0, c1, c2])` and, for small outputs, every byte.
    pub(crate) struct Expect {
        pub(crate) w: usize,
        pub(crate) h: usize,
        pub(crate) sum: u64,
        pub(crate) fnv: u64,
        pub(crate) samples: &'static [(usize, usize, [u8; 3])],
        pub(crate) bytes: Option<&'static [u8]>,
    }

    /// Asserts that `out` is exactly OpenCV's output `e`.
    pub(crate) fn check(what: &str, out: &[u8], e: &Expect) {
        assert_eq!(out.len(), e.w * e.h * 3, "{what}: size");
        if let Some(bytes) = e.bytes {
            assert_eq!(out, bytes, "{what}: bytes");
        }
        for &(x, y, px) in e.samples {
            let i = (y * e.w + x) * 3;
            assert_eq!(out[i..i + 3], px, "{what}: pixel ({x}, {y})");
        }
        assert_eq!(out.iter().map(|&b| b as u64).sum::<u64>(), e.sum, "{what}: byte sum");
        assert_eq!(fnv1a64(out), e.fnv, "{what}: FNV-1a");
    }

    #[test]
    fn image_matches_the_script() {
        // "# first bytes of image(1, 7, 5)" in the script's output.
        assert_eq!(image(1, 7, 5)[..12], [60, 94, 129, 180, 12, 94, 198, 142, 4, 163, 64, 108]);
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
