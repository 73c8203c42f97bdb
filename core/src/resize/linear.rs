//! Bilinear resize on OpenCV's `INTER_LINEAR` grid.
//!
//! MiniFASNet and the RetinaFace detector were trained on crops made by `cv2.resize(...,
//! INTER_LINEAR)` on 8-bit images: sample centres at `(d + 0.5) * S / D - 0.5`, **no
//! antialiasing** when shrinking, and 11-bit fixed-point weights. An antialiased resize moves the
//! liveness score by up to 0.64 (see `docs/MODELS.md`), so this module reproduces OpenCV's 8-bit
//! arithmetic instead of using a general-purpose resampler:
//!
//! * horizontal pass: `h = S[sx] * a0 + S[sx + 1] * a1`, with `a0 = round((1 - fx) * 2048)`,
//!   `a1 = 2048 - a0`;
//! * vertical pass (OpenCV's SIMD path): `((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16)`,
//!   plus 2, shifted right by 2 and saturated to `u8`.
//!
//! Edges replicate the border pixel, as OpenCV does.

use zeroize::Zeroizing;

use crate::frame::{PixelRect, RgbFrame};

const COEF_SCALE: f32 = 2048.0;

/// One output coordinate's source index and fixed-point weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tap {
    /// First source index (the second is `i0 + 1`, clamped).
    i0: u32,
    /// Second source index.
    i1: u32,
    /// Weight of `i0` in 1/2048 units.
    w0: i32,
    /// Weight of `i1` in 1/2048 units.
    w1: i32,
}

/// OpenCV's coordinate table for one axis: `src` pixels onto `dst` pixels.
fn taps(src: u32, dst: u32) -> Vec<Tap> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|d| {
            let f = ((d as f64 + 0.5) * scale - 0.5) as f32;
            let mut s = f.floor() as i64;
            let mut frac = f - s as f32;
            if s < 0 {
                s = 0;
                frac = 0.0;
            }
            if s >= src as i64 - 1 {
                s = src as i64 - 1;
                frac = 0.0;
            }
            let w0 = ((1.0 - frac) * COEF_SCALE).round_ties_even() as i32;
            let i0 = s as u32;
            Tap { i0, i1: (i0 + 1).min(src - 1), w0, w1: COEF_SCALE as i32 - w0 }
        })
        .collect()
}

/// Resizes the inclusive rectangle `roi` of `src` to `dst_w x dst_h` with OpenCV's 8-bit
/// `INTER_LINEAR` arithmetic. Returns interleaved RGB8, zeroized on drop.
///
/// `roi` must lie inside `src`; `dst_w` and `dst_h` must be non-zero.
pub fn resize_linear(src: &RgbFrame, roi: PixelRect, dst_w: u32, dst_h: u32) -> Zeroizing<Vec<u8>> {
    debug_assert!(roi.x1 < src.width() && roi.y1 < src.height());
    debug_assert!(dst_w > 0 && dst_h > 0);
    let xt = taps(roi.width(), dst_w);
    let yt = taps(roi.height(), dst_h);
    let mut out = Zeroizing::new(vec![0u8; dst_w as usize * dst_h as usize * 3]);
    // Horizontal pass results of the two source rows, reused while consecutive output rows
    // share a source row.
    let mut h0 = vec![0i32; dst_w as usize * 3];
    let mut h1 = vec![0i32; dst_w as usize * 3];
    let mut cached: (Option<u32>, Option<u32>) = (None, None);

    let hpass = |row_y: u32, buf: &mut [i32]| {
        let row = src.row(roi.y0 + row_y);
        for (dx, t) in xt.iter().enumerate() {
            let p0 = ((roi.x0 + t.i0) * 3) as usize;
            let p1 = ((roi.x0 + t.i1) * 3) as usize;
            for c in 0..3 {
                buf[dx * 3 + c] = row[p0 + c] as i32 * t.w0 + row[p1 + c] as i32 * t.w1;
            }
        }
    };

    for (dy, t) in yt.iter().enumerate() {
        if cached.0 != Some(t.i0) {
            if cached.1 == Some(t.i0) {
                std::mem::swap(&mut h0, &mut h1);
                cached.0 = cached.1.take();
            } else {
                hpass(t.i0, &mut h0);
                cached.0 = Some(t.i0);
            }
        }
        if cached.1 != Some(t.i1) {
            hpass(t.i1, &mut h1);
            cached.1 = Some(t.i1);
        }
        let b0 = t.w0;
        let b1 = t.w1;
        let dst_row = &mut out[dy * dst_w as usize * 3..(dy + 1) * dst_w as usize * 3];
        for (i, px) in dst_row.iter_mut().enumerate() {
            let v = ((b0 * (h0[i] >> 4)) >> 16) + ((b1 * (h1[i] >> 4)) >> 16);
            *px = ((v + 2) >> 2).clamp(0, 255) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> RgbFrame {
        let mut v = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                v.extend_from_slice(&f(x, y));
            }
        }
        RgbFrame::new(w, h, v).unwrap()
    }

    #[test]
    fn taps_follow_opencv_grid() {
        // Halving: centres at 2d + 0.5, i.e. the mean of two source pixels.
        let t = taps(4, 2);
        assert_eq!(t[0], Tap { i0: 0, i1: 1, w0: 1024, w1: 1024 });
        assert_eq!(t[1], Tap { i0: 2, i1: 3, w0: 1024, w1: 1024 });
        // Doubling: first output sample falls before pixel 0 and is clamped to it.
        let t = taps(2, 4);
        assert_eq!(t[0], Tap { i0: 0, i1: 1, w0: 2048, w1: 0 });
        assert_eq!(t[1], Tap { i0: 0, i1: 1, w0: 1536, w1: 512 });
        assert_eq!(t[3], Tap { i0: 1, i1: 1, w0: 2048, w1: 0 });
    }

    #[test]
    fn identity_resize_keeps_pixels() {
        let f = frame(7, 5, |x, y| [(x * 30) as u8, (y * 40) as u8, (x * y) as u8]);
        let out = resize_linear(&f, f.full_rect(), 7, 5);
        assert_eq!(&out[..], f.as_raw());
    }

    #[test]
    fn halving_averages_pairs() {
        let f = frame(4, 2, |x, _| [(x * 10) as u8, 100, 200]);
        let out = resize_linear(&f, f.full_rect(), 2, 1);
        // Columns (0,10) -> 5 and (20,30) -> 25.
        assert_eq!(&out[..], &[5, 100, 200, 25, 100, 200]);
    }

    #[test]
    fn roi_is_resized_alone() {
        let f =
            frame(10, 10, |x, y| if (3..=6).contains(&x) && (2..=5).contains(&y) { [9, 9, 9] } else { [200, 0, 0] });
        let out = resize_linear(&f, PixelRect { x0: 3, y0: 2, x1: 6, y1: 5 }, 2, 2);
        assert!(out.iter().all(|&v| v == 9));
    }
}
