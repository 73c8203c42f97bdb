//! OpenCV's `INTER_AREA` downscaling of 8-bit RGB, bit for bit.
//!
//! `cv2.resize(src, (dw, dh), interpolation=cv2.INTER_AREA)` with `dw <= sw`, `dh <= sh` takes
//! one of two paths, both reproduced here:
//!
//! * **integer factors** (`sw / dw` and `sh / dh` both whole numbers, tested on OpenCV's f64
//!   `1 / (dw / sw)` against `DBL_EPSILON`, see `integer_factor`): the mean of each `kx x ky`
//!   block. For 2x2 it is the integer `(sum + 2) >> 2` (halves round **up**); every other block
//!   size (4x1, 4x4 and 10x10 included) multiplies the integer sum by the `f32` `1 / (kx * ky)`
//!   and rounds half to even (`saturate_cast<uchar>`).
//! * **other factors**: separable area weights per axis in `f32` (`computeResizeAreaTab`: the
//!   source interval of output pixel `d` is `[d * s, (d + 1) * s)`, partial edge pixels weighted
//!   by their overlap over the cell width), a horizontal pass accumulating `S * alpha` into an
//!   `f32` row in table order, a vertical pass accumulating `beta * row` in table order, and a
//!   final round half to even saturated to `u8`.
//!
//! The `f32` operations are done in OpenCV's order with separate multiplies and adds (no fused
//! multiply-add, as OpenCV's SSE baseline build), so the results are identical, not just close.

use zeroize::Zeroizing;

/// Bytes per pixel of the interleaved RGB8 buffers handled here.
const CN: usize = 3;

/// One entry of OpenCV's `DecimateAlpha` table: output index `di` receives `alpha` times source
/// index `si` (both in pixels, not elements).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Decimate {
    di: usize,
    si: usize,
    alpha: f32,
}

/// `computeResizeAreaTab`: the area weights of `src` pixels onto `dst` pixels, `scale` being
/// OpenCV's `1 / (dst / src)` in f64. Entries are sorted by `di`, then `si`.
fn area_tab(src: usize, dst: usize, scale: f64) -> Vec<Decimate> {
    let mut tab = Vec::with_capacity(src * 2);
    let ssize = src as f64;
    for dx in 0..dst {
        let fsx1 = dx as f64 * scale;
        let fsx2 = fsx1 + scale;
        let cell_width = scale.min(ssize - fsx1);
        // cvCeil / cvFloor, then clamped to the image as OpenCV does (in i64: no wrap-around).
        let mut sx1 = fsx1.ceil() as i64;
        let mut sx2 = fsx2.floor() as i64;
        sx2 = sx2.min(src as i64 - 1);
        sx1 = sx1.min(sx2);
        if sx1 as f64 - fsx1 > 1e-3 {
            tab.push(Decimate { di: dx, si: (sx1 - 1) as usize, alpha: ((sx1 as f64 - fsx1) / cell_width) as f32 });
        }
        for sx in sx1..sx2 {
            tab.push(Decimate { di: dx, si: sx as usize, alpha: (1.0 / cell_width) as f32 });
        }
        if fsx2 - sx2 as f64 > 1e-3 {
            let part = (fsx2 - sx2 as f64).min(1.0).min(cell_width);
            tab.push(Decimate { di: dx, si: sx2 as usize, alpha: (part / cell_width) as f32 });
        }
    }
    tab
}

/// `saturate_cast<uchar>(float)`: round half to even (`cvRound`), then clamp to `0..=255`.
fn saturate_u8(v: f32) -> u8 {
    v.round_ties_even().clamp(0.0, 255.0) as u8
}

/// Resizes an interleaved RGB8 image from `sw x sh` to `dw x dh` pixels exactly as
/// `cv2.resize(src, (dw, dh), interpolation=cv2.INTER_AREA)` (OpenCV 5.0, 8-bit, 3 channels)
/// does when shrinking. Returns `dw x dh` RGB8 pixels (row-major, tightly packed), zeroized on
/// drop.
///
/// `src` is `sw x sh` pixels, 3 bytes per pixel, tightly packed. Equal sizes copy the image.
///
/// Preconditions (`debug_assert`): all sizes non-zero, `src.len() == sw * sh * 3`, and
/// `dw <= sw`, `dh <= sh` (OpenCV's true area path; OpenCV switches to a bilinear variant when
/// enlarging, which this function does not reproduce: use
/// [`resize_lanczos4`](super::resize_lanczos4) or [`resize_linear`](super::resize_linear)).
/// In release builds a zero size gives an all-zero `dw x dh` buffer (OpenCV raises), and
/// enlarging gives a well-defined but non-OpenCV result.
///
/// # Panics
///
/// If `src` holds fewer than `sw * sh * 3` bytes.
pub fn resize_area(src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32) -> Zeroizing<Vec<u8>> {
    let (sw, sh, dw, dh) = (sw as usize, sh as usize, dw as usize, dh as usize);
    debug_assert!(sw > 0 && sh > 0 && dw > 0 && dh > 0, "resize_area: empty image");
    debug_assert!(dw <= sw && dh <= sh, "resize_area: INTER_AREA is reproduced for shrinking only");
    debug_assert_eq!(src.len(), sw * sh * CN);
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return Zeroizing::new(vec![0u8; dw * dh * CN]);
    }
    if sw == dw && sh == dh {
        return Zeroizing::new(src.to_vec());
    }
    let scale_x = scale(sw, dw);
    let scale_y = scale(sh, dh);
    match (integer_factor(scale_x), integer_factor(scale_y)) {
        (Some(kx), Some(ky)) => area_fast(src, sw, kx, ky, dw, dh),
        _ => area_general(src, sw, sh, dw, dh, scale_x, scale_y),
    }
}

/// `cv::resize`'s scale of an axis: `1 / (dst / src)` in f64 (not `src / dst`, which can differ
/// in the last bit).
fn scale(src: usize, dst: usize) -> f64 {
    1.0 / (dst as f64 / src as f64)
}

/// The block size if `scale` is an integer in OpenCV's sense (`|scale - cvRound(scale)| <
/// DBL_EPSILON`), which selects `resizeAreaFast_`. Exact multiples can miss it: `1 / (1 / 49)`
/// is `49 + 7e-15` in f64, so 98 -> 2 takes the general path.
fn integer_factor(scale: f64) -> Option<usize> {
    let k = scale.round_ties_even();
    ((scale - k).abs() < f64::EPSILON).then_some(k as usize)
}

/// `resizeAreaFast_`: block means for integer factors `kx x ky` (`sw == kx * dw`,
/// `sh == ky * dh`).
fn area_fast(src: &[u8], sw: usize, kx: usize, ky: usize, dw: usize, dh: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![0u8; dw * dh * CN]);
    let stride = sw * CN;
    let two_by_two = kx == 2 && ky == 2;
    let inv_area = 1.0f32 / (kx * ky) as f32;
    // Integer block sums of one output row, all channels at once.
    let mut sums = Zeroizing::new(vec![0u32; dw * CN]);
    for (dy, dst_row) in out.chunks_exact_mut(dw * CN).enumerate() {
        sums.fill(0);
        for row in src[dy * ky * stride..(dy + 1) * ky * stride].chunks_exact(stride) {
            for (block, sum) in row[..dw * kx * CN].chunks_exact(kx * CN).zip(sums.chunks_exact_mut(CN)) {
                for px in block.chunks_exact(CN) {
                    sum[0] += px[0] as u32;
                    sum[1] += px[1] as u32;
                    sum[2] += px[2] as u32;
                }
            }
        }
        for (d, &sum) in dst_row.iter_mut().zip(sums.iter()) {
            *d = if two_by_two {
                // OpenCV's dedicated 2x2 path: integer rounding, halves up.
                ((sum + 2) >> 2) as u8
            } else {
                saturate_u8(sum as f32 * inv_area)
            };
        }
    }
    out
}

/// `resizeArea_`: separable area weights for non-integer factors.
fn area_general(
    src: &[u8],
    sw: usize,
    sh: usize,
    dw: usize,
    dh: usize,
    scale_x: f64,
    scale_y: f64,
) -> Zeroizing<Vec<u8>> {
    let xtab = area_tab(sw, dw, scale_x);
    let ytab = area_tab(sh, dh, scale_y);
    let width = dw * CN;
    let mut out = Zeroizing::new(vec![0u8; width * dh]);
    // Horizontal sums of one source row, and the vertical accumulation of the current output
    // row. They hold (weighted) face pixels: wiped on drop too.
    let mut buf = Zeroizing::new(vec![0f32; width]);
    let mut sum = Zeroizing::new(vec![0f32; width]);
    let mut prev_dy = ytab.first().map_or(0, |t| t.di);
    // The horizontal table as element offsets: the inner loop then does three plain
    // multiply-adds per tap (same operations in the same order, so the same results).
    let xtab: Vec<(usize, usize, f32)> = xtab.iter().map(|x| (x.si * CN, x.di * CN, x.alpha)).collect();
    for t in &ytab {
        let row = &src[t.si * sw * CN..(t.si + 1) * sw * CN];
        buf.fill(0.0);
        for &(si, di, alpha) in &xtab {
            let (s, d) = (&row[si..si + CN], &mut buf[di..di + CN]);
            d[0] += s[0] as f32 * alpha;
            d[1] += s[1] as f32 * alpha;
            d[2] += s[2] as f32 * alpha;
        }
        let beta = t.alpha;
        if t.di != prev_dy {
            let dst_row = &mut out[prev_dy * width..(prev_dy + 1) * width];
            for ((d, s), b) in dst_row.iter_mut().zip(sum.iter_mut()).zip(buf.iter()) {
                *d = saturate_u8(*s);
                *s = beta * *b;
            }
            prev_dy = t.di;
        } else {
            for (s, b) in sum.iter_mut().zip(buf.iter()) {
                *s += beta * *b;
            }
        }
    }
    let dst_row = &mut out[prev_dy * width..(prev_dy + 1) * width];
    for (d, s) in dst_row.iter_mut().zip(sum.iter()) {
        *d = saturate_u8(*s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resize::test_vectors::{Expect, check, image};

    /// `(seed, sw, sh, dw, dh, OpenCV's output)`.
    type Case = (u32, u32, u32, u32, u32, Expect);

    fn run(cases: &[Case]) {
        for (seed, sw, sh, dw, dh, e) in cases {
            let out = resize_area(&image(*seed, *sw, *sh), *sw, *sh, *dw, *dh);
            check(&format!("area seed={seed} {sw}x{sh}->{dw}x{dh}"), &out, e);
        }
    }

    /// `scripts/opencv-kernel-vectors.py`, "INTER_AREA, integer factors".
    #[test]
    fn integer_factors_match_opencv() {
        run(&[
            // area seed=1 14x10->7x5
            (
                1,
                14,
                10,
                7,
                5,
                Expect {
                    w: 7,
                    h: 5,
                    sum: 13679,
                    fnv: 0xd98e287880338df4,
                    samples: &[
                        (0, 0, [80, 82, 111]),
                        (6, 0, [170, 207, 162]),
                        (0, 4, [92, 173, 143]),
                        (6, 4, [88, 136, 102]),
                        (3, 2, [113, 58, 162]),
                        (2, 3, [184, 74, 188]),
                    ],
                    bytes: Some(&[
                        80, 82, 111, 129, 168, 64, 156, 132, 69, 141, 115, 103, 84, 93, 174, 196, 124, 112, 170, 207,
                        162, 114, 116, 142, 134, 158, 141, 115, 192, 145, 78, 103, 63, 78, 166, 137, 131, 124, 150,
                        125, 84, 102, 197, 123, 102, 173, 138, 142, 145, 137, 90, 113, 58, 162, 170, 125, 112, 104, 69,
                        122, 180, 147, 171, 180, 74, 87, 118, 199, 66, 184, 74, 188, 109, 139, 158, 153, 144, 84, 139,
                        211, 164, 81, 109, 193, 92, 173, 143, 159, 135, 132, 120, 138, 110, 152, 180, 187, 100, 104,
                        74, 119, 194, 137, 88, 136, 102,
                    ]),
                },
            ),
            // area seed=2 26x22->13x11
            (
                2,
                26,
                22,
                13,
                11,
                Expect {
                    w: 13,
                    h: 11,
                    sum: 55807,
                    fnv: 0x82b797df4ed8d808,
                    samples: &[
                        (0, 0, [162, 154, 88]),
                        (12, 0, [108, 120, 133]),
                        (0, 10, [144, 78, 146]),
                        (12, 10, [112, 80, 134]),
                        (6, 5, [128, 118, 154]),
                        (4, 7, [149, 148, 66]),
                    ],
                    bytes: None,
                },
            ),
            // area seed=3 21x15->7x5
            (
                3,
                21,
                15,
                7,
                5,
                Expect {
                    w: 7,
                    h: 5,
                    sum: 13174,
                    fnv: 0x705176b5d7421abb,
                    samples: &[
                        (0, 0, [127, 144, 114]),
                        (6, 0, [150, 169, 71]),
                        (0, 4, [134, 152, 116]),
                        (6, 4, [104, 144, 162]),
                        (3, 2, [98, 100, 94]),
                        (2, 3, [77, 159, 159]),
                    ],
                    bytes: Some(&[
                        127, 144, 114, 178, 89, 144, 99, 149, 136, 82, 142, 126, 112, 154, 164, 111, 143, 161, 150,
                        169, 71, 130, 152, 161, 110, 132, 117, 101, 108, 177, 118, 117, 131, 124, 135, 149, 126, 106,
                        97, 92, 135, 86, 137, 128, 133, 148, 53, 118, 143, 151, 94, 98, 100, 94, 152, 97, 153, 143,
                        159, 158, 143, 138, 105, 113, 113, 119, 165, 156, 143, 77, 159, 159, 125, 114, 94, 125, 104,
                        108, 158, 99, 116, 106, 88, 111, 134, 152, 116, 92, 97, 116, 122, 114, 173, 157, 111, 107, 153,
                        116, 90, 114, 148, 86, 104, 144, 162,
                    ]),
                },
            ),
            // area seed=4 28x20->7x5
            (
                4,
                28,
                20,
                7,
                5,
                Expect {
                    w: 7,
                    h: 5,
                    sum: 13609,
                    fnv: 0x17a5571b944fe14c,
                    samples: &[
                        (0, 0, [141, 104, 137]),
                        (6, 0, [145, 154, 122]),
                        (0, 4, [108, 138, 119]),
                        (6, 4, [142, 116, 118]),
                        (3, 2, [134, 126, 141]),
                        (2, 3, [151, 129, 137]),
                    ],
                    bytes: Some(&[
                        141, 104, 137, 113, 107, 142, 153, 166, 128, 111, 136, 107, 168, 117, 117, 150, 131, 116, 145,
                        154, 122, 115, 112, 140, 121, 126, 101, 95, 113, 108, 160, 126, 159, 143, 122, 102, 155, 114,
                        124, 103, 142, 139, 116, 128, 126, 150, 150, 160, 122, 124, 125, 134, 126, 141, 132, 129, 137,
                        144, 117, 146, 124, 134, 123, 116, 123, 122, 128, 134, 108, 151, 129, 137, 150, 146, 116, 118,
                        122, 157, 133, 120, 145, 143, 113, 145, 108, 138, 119, 117, 141, 149, 125, 108, 141, 103, 137,
                        139, 124, 127, 127, 114, 150, 137, 142, 116, 118,
                    ]),
                },
            ),
            // area seed=5 14x15->7x5
            (
                5,
                14,
                15,
                7,
                5,
                Expect {
                    w: 7,
                    h: 5,
                    sum: 13226,
                    fnv: 0xe7dcadd355139781,
                    samples: &[
                        (0, 0, [124, 113, 120]),
                        (6, 0, [185, 93, 108]),
                        (0, 4, [101, 196, 169]),
                        (6, 4, [137, 164, 136]),
                        (3, 2, [149, 114, 167]),
                        (2, 3, [122, 128, 130]),
                    ],
                    bytes: Some(&[
                        124, 113, 120, 146, 60, 94, 94, 119, 114, 130, 104, 111, 128, 126, 112, 111, 132, 114, 185, 93,
                        108, 122, 88, 111, 87, 137, 198, 96, 166, 119, 178, 102, 135, 90, 146, 99, 147, 120, 83, 137,
                        124, 106, 96, 116, 92, 166, 161, 93, 110, 118, 108, 149, 114, 167, 130, 94, 169, 113, 178, 151,
                        137, 158, 148, 77, 94, 185, 178, 81, 133, 122, 128, 130, 113, 130, 169, 162, 126, 171, 136,
                        134, 105, 92, 153, 132, 101, 196, 169, 104, 121, 104, 144, 150, 128, 132, 140, 121, 94, 64,
                        169, 75, 52, 177, 137, 164, 136,
                    ]),
                },
            ),
            // area seed=6 28x5->7x5
            (
                6,
                28,
                5,
                7,
                5,
                Expect {
                    w: 7,
                    h: 5,
                    sum: 12854,
                    fnv: 0x1f78494933730f9d,
                    samples: &[
                        (0, 0, [191, 119, 156]),
                        (6, 0, [170, 133, 72]),
                        (0, 4, [156, 47, 94]),
                        (6, 4, [136, 98, 149]),
                        (3, 2, [109, 139, 115]),
                        (2, 3, [72, 76, 95]),
                    ],
                    bytes: Some(&[
                        191, 119, 156, 120, 166, 136, 116, 163, 110, 147, 86, 152, 132, 115, 63, 79, 104, 140, 170,
                        133, 72, 100, 87, 188, 56, 181, 190, 99, 82, 128, 207, 142, 185, 96, 136, 134, 200, 123, 123,
                        90, 106, 155, 147, 151, 176, 76, 88, 97, 63, 60, 158, 109, 139, 115, 115, 118, 70, 169, 152,
                        125, 156, 113, 107, 188, 126, 134, 196, 143, 152, 72, 76, 95, 160, 111, 74, 91, 70, 145, 70,
                        104, 146, 88, 120, 110, 156, 47, 94, 38, 113, 92, 177, 115, 125, 182, 55, 134, 134, 161, 77,
                        78, 103, 137, 136, 98, 149,
                    ]),
                },
            ),
            // area seed=7 74x58->37x29
            (
                7,
                74,
                58,
                37,
                29,
                Expect {
                    w: 37,
                    h: 29,
                    sum: 413870,
                    fnv: 0xfa6db75e7a577dfb,
                    samples: &[
                        (0, 0, [161, 122, 107]),
                        (36, 0, [168, 85, 72]),
                        (0, 28, [79, 218, 101]),
                        (36, 28, [162, 210, 197]),
                        (18, 14, [158, 128, 210]),
                        (12, 19, [100, 56, 64]),
                    ],
                    bytes: None,
                },
            ),
            // area seed=8 256x256->128x128
            (
                8,
                256,
                256,
                128,
                128,
                Expect {
                    w: 128,
                    h: 128,
                    sum: 6275066,
                    fnv: 0x932ac17fcbed65a7,
                    samples: &[
                        (0, 0, [143, 74, 146]),
                        (127, 0, [98, 179, 126]),
                        (0, 127, [162, 137, 97]),
                        (127, 127, [108, 107, 49]),
                        (64, 64, [185, 97, 77]),
                        (42, 85, [174, 154, 130]),
                    ],
                    bytes: None,
                },
            ),
        ]);
    }

    /// `scripts/opencv-kernel-vectors.py`, "INTER_AREA, non-integer factors".
    #[test]
    fn fractional_factors_match_opencv() {
        run(&[
            // area seed=11 37x29->16x12
            (
                11,
                37,
                29,
                16,
                12,
                Expect {
                    w: 16,
                    h: 12,
                    sum: 74479,
                    fnv: 0x8de4c7e82455ce34,
                    samples: &[
                        (0, 0, [100, 144, 125]),
                        (15, 0, [106, 144, 160]),
                        (0, 11, [108, 121, 126]),
                        (15, 11, [95, 161, 179]),
                        (8, 6, [114, 144, 110]),
                        (5, 8, [144, 161, 149]),
                    ],
                    bytes: None,
                },
            ),
            // area seed=12 13x11->5x5
            (
                12,
                13,
                11,
                5,
                5,
                Expect {
                    w: 5,
                    h: 5,
                    sum: 9332,
                    fnv: 0xa325c664cea357ef,
                    samples: &[
                        (0, 0, [78, 117, 112]),
                        (4, 0, [154, 131, 158]),
                        (0, 4, [108, 129, 128]),
                        (4, 4, [111, 130, 143]),
                        (2, 2, [86, 93, 129]),
                        (1, 3, [108, 150, 160]),
                    ],
                    bytes: Some(&[
                        78, 117, 112, 114, 129, 165, 125, 131, 90, 106, 133, 95, 154, 131, 158, 92, 153, 142, 109, 123,
                        129, 72, 145, 171, 133, 159, 136, 133, 117, 137, 137, 112, 153, 132, 112, 109, 86, 93, 129,
                        109, 150, 141, 148, 118, 154, 129, 145, 116, 108, 150, 160, 131, 86, 162, 128, 104, 110, 124,
                        137, 99, 108, 129, 128, 86, 175, 145, 125, 94, 141, 71, 81, 104, 111, 130, 143,
                    ]),
                },
            ),
            // area seed=13 7x5->3x2
            (
                13,
                7,
                5,
                3,
                2,
                Expect {
                    w: 3,
                    h: 2,
                    sum: 2299,
                    fnv: 0x15959043c513f972,
                    samples: &[
                        (0, 0, [124, 57, 119]),
                        (2, 0, [131, 124, 154]),
                        (0, 1, [112, 127, 108]),
                        (2, 1, [155, 90, 129]),
                        (1, 1, [160, 151, 149]),
                    ],
                    bytes: Some(&[
                        124, 57, 119, 134, 117, 158, 131, 124, 154, 112, 127, 108, 160, 151, 149, 155, 90, 129,
                    ]),
                },
            ),
            // area seed=14 37x29->37x12
            (
                14,
                37,
                29,
                37,
                12,
                Expect {
                    w: 37,
                    h: 12,
                    sum: 174534,
                    fnv: 0x9052b95fd00c7c41,
                    samples: &[
                        (0, 0, [140, 142, 103]),
                        (36, 0, [73, 59, 99]),
                        (0, 11, [122, 32, 191]),
                        (36, 11, [183, 121, 150]),
                        (18, 6, [134, 145, 177]),
                        (12, 8, [163, 160, 125]),
                    ],
                    bytes: None,
                },
            ),
            // area seed=15 300x300->128x128
            (
                15,
                300,
                300,
                128,
                128,
                Expect {
                    w: 128,
                    h: 128,
                    sum: 6255739,
                    fnv: 0xe1c842c493f9f47e,
                    samples: &[
                        (0, 0, [130, 105, 95]),
                        (127, 0, [136, 91, 155]),
                        (0, 127, [192, 149, 143]),
                        (127, 127, [131, 120, 89]),
                        (64, 64, [177, 128, 139]),
                        (42, 85, [146, 118, 124]),
                    ],
                    bytes: None,
                },
            ),
            // area seed=16 171x171->128x128
            (
                16,
                171,
                171,
                128,
                128,
                Expect {
                    w: 128,
                    h: 128,
                    sum: 6259452,
                    fnv: 0xd8996f131ec82831,
                    samples: &[
                        (0, 0, [84, 151, 155]),
                        (127, 0, [196, 77, 198]),
                        (0, 127, [90, 95, 154]),
                        (127, 127, [231, 126, 94]),
                        (64, 64, [210, 153, 127]),
                        (42, 85, [142, 173, 99]),
                    ],
                    bytes: None,
                },
            ),
            // area seed=17 319x319->128x128
            (
                17,
                319,
                319,
                128,
                128,
                Expect {
                    w: 128,
                    h: 128,
                    sum: 6275815,
                    fnv: 0x055bb2d9c896e252,
                    samples: &[
                        (0, 0, [162, 174, 121]),
                        (127, 0, [150, 116, 101]),
                        (0, 127, [186, 147, 156]),
                        (127, 127, [138, 43, 151]),
                        (64, 64, [145, 134, 114]),
                        (42, 85, [118, 142, 124]),
                    ],
                    bytes: None,
                },
            ),
        ]);
    }

    /// Block of `kx x ky` pixels whose channel-0 sum is `sum` (all in the first column).
    fn block(kx: u32, ky: u32, sum: u32) -> Vec<u8> {
        let mut v = vec![0u8; (kx * ky) as usize * CN];
        let mut left = sum;
        for y in 0..ky as usize {
            let take = left.min(255);
            v[y * kx as usize * CN] = take as u8;
            left -= take;
        }
        v
    }

    #[test]
    fn two_by_two_rounds_half_up_other_blocks_half_to_even() {
        // Checked against cv2 5.0.0.93: the 2x2 path is `(sum + 2) >> 2`, every other
        // integer factor is `saturate_cast<uchar>(sum * (1.f / area))`.
        for (sum, want) in [(2, 1), (6, 2), (10, 3), (14, 4)] {
            assert_eq!(resize_area(&block(2, 2, sum), 2, 2, 1, 1)[0], want, "2x2, sum {sum}");
        }
        for (kx, ky) in [(4, 1), (1, 4), (4, 4), (2, 4), (10, 10)] {
            let area = kx * ky;
            for (half, want) in [(1, 0), (3, 2), (5, 2), (7, 4)] {
                let out = resize_area(&block(kx, ky, area * half / 2), kx, ky, 1, 1);
                assert_eq!(out[0], want, "{kx}x{ky}, mean {half}/2");
            }
        }
    }

    #[test]
    fn area_table_is_opencvs() {
        // 3 -> 2: cells [0, 1.5) and [1.5, 3), weights 1/1.5 and 0.5/1.5 in f32.
        let (full, half) = ((1.0 / 1.5) as f32, (0.5 / 1.5) as f32);
        let want = [(0, 0, full), (0, 1, half), (1, 1, half), (1, 2, full)];
        let got: Vec<_> = area_tab(3, 2, 1.5).iter().map(|t| (t.di, t.si, t.alpha)).collect();
        assert_eq!(got, want);
        // Every output pixel's weights sum to 1 (up to f32 rounding).
        let scale = 1.0 / (128.0 / 319.0);
        let tab = area_tab(319, 128, scale);
        for d in 0..128 {
            let s: f32 = tab.iter().filter(|t| t.di == d).map(|t| t.alpha).sum();
            assert!((s - 1.0).abs() < 1e-5, "output {d}: {s}");
        }
    }

    #[test]
    fn fast_path_is_chosen_like_opencv() {
        assert_eq!(integer_factor(scale(14, 7)), Some(2));
        assert_eq!(integer_factor(scale(21, 7)), Some(3));
        assert_eq!(integer_factor(scale(300, 128)), None);
        // Not every exact multiple: 1 / (1 / 49) != 49 in f64 (cv2 agrees on the output).
        assert_eq!(integer_factor(scale(98, 2)), None);
        assert_eq!(integer_factor(scale(96, 2)), Some(48));
    }

    #[test]
    fn same_size_is_a_copy() {
        let src = image(9, 5, 4);
        assert_eq!(&resize_area(&src, 5, 4, 5, 4)[..], &src[..]);
    }

    #[test]
    fn small_cases_by_hand() {
        // Fast path, 3 x 1 blocks: (10 + 20 + 31) / 3 = 20.3.
        assert_eq!(&resize_area(&[10, 0, 0, 20, 0, 0, 31, 0, 0], 3, 1, 1, 1)[..], &[20, 0, 0]);
        // General path, 5 -> 2 (cells of 2.5 pixels): 0.4 * 10 + 0.4 * 20 + 0.2 * 30 = 18 and
        // 0.2 * 30 + 0.4 * 40 + 0.4 * 50 = 42 (cv2 agrees).
        let src: Vec<u8> = [10, 20, 30, 40, 50].iter().flat_map(|&v| [v, 0, 255]).collect();
        assert_eq!(&resize_area(&src, 5, 1, 2, 1)[..], &[18, 0, 255, 42, 0, 255]);
    }
}
