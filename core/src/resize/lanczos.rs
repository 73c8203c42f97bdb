//! OpenCV's `INTER_LANCZOS4` resize of 8-bit RGB, bit for bit.
//!
//! `cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LANCZOS4)` on 8-bit images is separable
//! with 8 taps per axis:
//!
//! * sample centre of output pixel `d`: `f = (float)((d + 0.5) * scale - 0.5)`, `scale` being
//!   OpenCV's f64 `1 / (dst / src)`; taps at `floor(f) - 3 ..= floor(f) + 4`;
//! * weights from `interpolateLanczos4(f - floor(f))`: `sin`/`cos` in f64, each weight rounded
//!   to f32, normalised by their f32 sum, then turned into 11-bit fixed point with
//!   `saturate_cast<short>(w * 2048)` (round half to even);
//! * horizontal pass in `i32`, taps outside the row clamped to the edge pixel;
//! * vertical pass in `i32` over the 8 rows (row indices clamped to the image), then
//!   `(v + (1 << 21)) >> 22` saturated to `u8`.
//!
//! The horizontal and vertical sums are done with wrapping `i32` arithmetic like OpenCV's `int`
//! (they cannot overflow for 8-bit input, see the tests).

use std::f64::consts::PI;

use zeroize::Zeroizing;

/// Bytes per pixel of the interleaved RGB8 buffers handled here.
const CN: usize = 3;
/// `INTER_RESIZE_COEF_BITS`: the weights are in 1/2048 units.
const COEF_SCALE: f32 = 2048.0;
/// Number of taps per axis.
const TAPS: usize = 8;

/// `interpolateLanczos4(x, coeffs)` of OpenCV's `imgwarp`/`resize`: the 8 normalised Lanczos-4
/// weights for fractional offset `x` in `[0, 1)`, taps at offsets `-3 ..= 4`.
fn lanczos4_weights(x: f32) -> [f32; TAPS] {
    const S45: f64 = std::f64::consts::FRAC_1_SQRT_2;
    const CS: [[f64; 2]; TAPS] =
        [[1.0, 0.0], [-S45, -S45], [0.0, 1.0], [S45, -S45], [-1.0, 0.0], [S45, S45], [0.0, -1.0], [-S45, S45]];
    let mut coeffs = [0f32; TAPS];
    if x < f32::EPSILON {
        coeffs[3] = 1.0;
        return coeffs;
    }
    let y0 = -((x + 3.0) as f64) * PI * 0.25;
    let (s0, c0) = (y0.sin(), y0.cos());
    let mut sum = 0f32;
    for (i, c) in coeffs.iter_mut().enumerate() {
        let y = -((x + 3.0 - i as f32) as f64) * PI * 0.25;
        *c = ((CS[i][0] * s0 + CS[i][1] * c0) / (y * y)) as f32;
        sum += *c;
    }
    let inv = 1.0 / sum;
    for c in &mut coeffs {
        *c *= inv;
    }
    coeffs
}

/// One output coordinate: the source index of tap 3 (`floor(f)`, may be outside the image) and
/// the 8 fixed-point weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Taps {
    s: i64,
    w: [i16; TAPS],
}

/// OpenCV's coordinate and weight table for one axis: `src` pixels onto `dst` pixels.
fn taps(src: usize, dst: usize) -> Vec<Taps> {
    let scale = 1.0 / (dst as f64 / src as f64);
    (0..dst)
        .map(|d| {
            let f = ((d as f64 + 0.5) * scale - 0.5) as f32;
            let s = f.floor();
            let coeffs = lanczos4_weights(f - s);
            // saturate_cast<short>(float): round half to even, clamp to i16.
            let w = coeffs.map(|c| (c * COEF_SCALE).round_ties_even().clamp(i16::MIN as f32, i16::MAX as f32) as i16);
            Taps { s: s as i64, w }
        })
        .collect()
}

/// Resizes an interleaved RGB8 image from `sw x sh` to `dw x dh` pixels exactly as
/// `cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LANCZOS4)` (OpenCV 5.0, 8-bit,
/// 3 channels). Meant for enlarging (OpenCV's Lanczos does not antialias, so shrinking aliases,
/// but it is reproduced just the same). Returns `dw x dh` RGB8 pixels (row-major, tightly
/// packed), zeroized on drop. Equal sizes copy the image.
///
/// `src` is `sw x sh` pixels, 3 bytes per pixel, tightly packed.
///
/// Preconditions (`debug_assert`): all sizes non-zero, `src.len() == sw * sh * 3`. In release
/// builds a zero size gives an all-zero `dw x dh` buffer (OpenCV raises).
///
/// # Panics
///
/// If `src` holds fewer than `sw * sh * 3` bytes.
pub fn resize_lanczos4(src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32) -> Zeroizing<Vec<u8>> {
    let (sw, sh, dw, dh) = (sw as usize, sh as usize, dw as usize, dh as usize);
    debug_assert!(sw > 0 && sh > 0 && dw > 0 && dh > 0, "resize_lanczos4: empty image");
    debug_assert_eq!(src.len(), sw * sh * CN);
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return Zeroizing::new(vec![0u8; dw * dh * CN]);
    }
    if sw == dw && sh == dh {
        return Zeroizing::new(src.to_vec());
    }
    let xt = taps(sw, dw);
    let yt = taps(sh, dh);
    let width = dw * CN;
    let stride = sw * CN;
    let clamp = |i: i64, len: usize| i.clamp(0, len as i64 - 1) as usize;

    // Horizontal pass of every source row, in OpenCV's i32 (the 8 rows of an output row are
    // taken from it). Face pixels: wiped on drop.
    let mut hrows = Zeroizing::new(vec![0i32; width * sh]);
    for (row, h) in src.chunks_exact(stride).zip(hrows.chunks_exact_mut(width)) {
        for (t, hp) in xt.iter().zip(h.chunks_exact_mut(CN)) {
            for (c, v) in hp.iter_mut().enumerate() {
                let mut acc = 0i32;
                for (k, &w) in t.w.iter().enumerate() {
                    let sx = clamp(t.s - 3 + k as i64, sw);
                    acc = acc.wrapping_add((row[sx * CN + c] as i32).wrapping_mul(w as i32));
                }
                *v = acc;
            }
        }
    }

    let mut out = Zeroizing::new(vec![0u8; width * dh]);
    for (t, dst_row) in yt.iter().zip(out.chunks_exact_mut(width)) {
        let rows: [&[i32]; TAPS] = std::array::from_fn(|k| {
            let sy = clamp(t.s - 3 + k as i64, sh);
            &hrows[sy * width..(sy + 1) * width]
        });
        for (x, d) in dst_row.iter_mut().enumerate() {
            let mut acc = 0i32;
            for (r, &w) in rows.iter().zip(&t.w) {
                acc = acc.wrapping_add(r[x].wrapping_mul(w as i32));
            }
            *d = (acc.wrapping_add(1 << 21) >> 22).clamp(0, 255) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resize::test_vectors::{Expect, check, image};

    /// `scripts/opencv-kernel-vectors.py`, "INTER_LANCZOS4".
    #[test]
    fn upscales_match_opencv() {
        let cases: &[(u32, u32, u32, u32, u32, Expect)] = &[
            // lanczos4 seed=21 5x5->16x16
            (
                21,
                5,
                5,
                16,
                16,
                Expect {
                    w: 16,
                    h: 16,
                    sum: 91220,
                    fnv: 0xb9dd080e747fb20f,
                    samples: &[
                        (0, 0, [62, 12, 29]),
                        (15, 0, [0, 255, 255]),
                        (0, 15, [223, 164, 52]),
                        (15, 15, [218, 33, 0]),
                        (8, 8, [164, 134, 237]),
                        (5, 10, [94, 255, 77]),
                    ],
                    bytes: None,
                },
            ),
            // lanczos4 seed=22 7x5->13x16
            (
                22,
                7,
                5,
                13,
                16,
                Expect {
                    w: 13,
                    h: 16,
                    sum: 82694,
                    fnv: 0xc190d82411d51d03,
                    samples: &[
                        (0, 0, [36, 90, 247]),
                        (12, 0, [236, 39, 173]),
                        (0, 15, [143, 66, 248]),
                        (12, 15, [156, 36, 255]),
                        (6, 8, [18, 25, 152]),
                        (4, 10, [229, 143, 33]),
                    ],
                    bytes: None,
                },
            ),
            // lanczos4 seed=23 13x11->16x16
            (
                23,
                13,
                11,
                16,
                16,
                Expect {
                    w: 16,
                    h: 16,
                    sum: 93789,
                    fnv: 0x62e2c055506d9b30,
                    samples: &[
                        (0, 0, [31, 106, 136]),
                        (15, 0, [69, 10, 151]),
                        (0, 15, [0, 6, 245]),
                        (15, 15, [75, 124, 104]),
                        (8, 8, [27, 79, 96]),
                        (5, 10, [234, 9, 219]),
                    ],
                    bytes: None,
                },
            ),
            // lanczos4 seed=24 60x60->128x128
            (
                24,
                60,
                60,
                128,
                128,
                Expect {
                    w: 128,
                    h: 128,
                    sum: 6268709,
                    fnv: 0x257d3a9e4cdc0a9a,
                    samples: &[
                        (0, 0, [64, 97, 37]),
                        (127, 0, [91, 153, 68]),
                        (0, 127, [183, 200, 255]),
                        (127, 127, [16, 80, 172]),
                        (64, 64, [160, 86, 50]),
                        (42, 85, [141, 32, 79]),
                    ],
                    bytes: None,
                },
            ),
            // lanczos4 seed=25 1x1->4x3
            (
                25,
                1,
                1,
                4,
                3,
                Expect {
                    w: 4,
                    h: 3,
                    sum: 5280,
                    fnv: 0xd2841254ab35f28d,
                    samples: &[
                        (0, 0, [62, 139, 239]),
                        (3, 0, [62, 139, 239]),
                        (0, 2, [62, 139, 239]),
                        (3, 2, [62, 139, 239]),
                        (2, 1, [62, 139, 239]),
                        (1, 2, [62, 139, 239]),
                    ],
                    bytes: Some(&[
                        62, 139, 239, 62, 139, 239, 62, 139, 239, 62, 139, 239, 62, 139, 239, 62, 139, 239, 62, 139,
                        239, 62, 139, 239, 62, 139, 239, 62, 139, 239, 62, 139, 239, 62, 139, 239,
                    ]),
                },
            ),
            // lanczos4 seed=26 2x3->9x7
            (
                26,
                2,
                3,
                9,
                7,
                Expect {
                    w: 9,
                    h: 7,
                    sum: 25476,
                    fnv: 0xd9f0506ebe599c91,
                    samples: &[
                        (0, 0, [31, 168, 178]),
                        (8, 0, [201, 189, 0]),
                        (0, 6, [0, 167, 254]),
                        (8, 6, [211, 182, 171]),
                        (4, 3, [79, 134, 162]),
                        (3, 4, [85, 136, 202]),
                    ],
                    bytes: None,
                },
            ),
            // lanczos4 seed=27 100x100->128x128
            (
                27,
                100,
                100,
                128,
                128,
                Expect {
                    w: 128,
                    h: 128,
                    sum: 6262152,
                    fnv: 0xb995e7ce33458dc3,
                    samples: &[
                        (0, 0, [47, 185, 62]),
                        (127, 0, [46, 15, 222]),
                        (0, 127, [70, 190, 63]),
                        (127, 127, [95, 255, 76]),
                        (64, 64, [44, 210, 28]),
                        (42, 85, [98, 195, 121]),
                    ],
                    bytes: None,
                },
            ),
        ];
        for (seed, sw, sh, dw, dh, e) in cases {
            let out = resize_lanczos4(&image(*seed, *sw, *sh), *sw, *sh, *dw, *dh);
            check(&format!("lanczos4 seed={seed} {sw}x{sh}->{dw}x{dh}"), &out, e);
        }
    }

    #[test]
    fn zero_offset_is_a_single_tap() {
        assert_eq!(lanczos4_weights(0.0), [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        // Doubling: centres at d / 2 - 0.25, so offsets 0.75 and 0.25 alternate, with mirrored
        // weights.
        let t = taps(4, 8);
        assert_eq!((t[0].s, t[1].s, t[2].s), (-1, 0, 0));
        assert_eq!(t[0].w, t[2].w);
        let mut mirrored = t[0].w;
        mirrored.reverse();
        assert_eq!(t[1].w, mirrored);
    }

    #[test]
    fn weights_are_normalised() {
        for i in 0..1000 {
            let w = lanczos4_weights(i as f32 / 1000.0);
            let s: f32 = w.iter().sum();
            assert!((s - 1.0).abs() < 1e-5, "x = {}: sum {s}", i as f32 / 1000.0);
        }
    }

    #[test]
    fn fixed_point_sums_fit_in_i32() {
        // With P / N the sums of the positive / negative fixed-point weights of an axis, a
        // horizontal sum lies in [-255 N, 255 P] and a vertical one in
        // [-255 (P N + N P), 255 (P P + N N)]. Bound P and N over a fine grid of offsets: the
        // wrapping i32 arithmetic never actually wraps for 8-bit input (sum |w| reaches ~3500,
        // so the cruder bound 255 * (sum |w|)^2 would not fit).
        let (mut p, mut n) = (0i64, 0i64);
        for i in 0..100_000 {
            let w = lanczos4_weights(i as f32 / 100_000.0).map(|c| (c * COEF_SCALE).round_ties_even() as i64);
            p = p.max(w.iter().filter(|&&c| c > 0).sum());
            n = n.max(-w.iter().filter(|&&c| c < 0).sum::<i64>());
        }
        assert!(p > 2048 && n > 0);
        let max = 255 * (p * p + n * n) + (1 << 21);
        let min = -255 * 2 * p * n;
        assert!(max <= i32::MAX as i64 && min >= i32::MIN as i64, "P = {p}, N = {n}");
    }

    #[test]
    fn same_size_is_a_copy() {
        let src = image(9, 5, 4);
        assert_eq!(&resize_lanczos4(&src, 5, 4, 5, 4)[..], &src[..]);
    }
}
