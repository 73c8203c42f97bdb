//! OpenCV's `BORDER_REFLECT_101` border handling on interleaved RGB8 buffers.
//!
//! `BORDER_REFLECT_101` mirrors around the edge pixel without repeating it:
//! `gfedcb|abcdefgh|gfedcba`. Pads wider than the image keep reflecting back and forth, exactly
//! like OpenCV's `borderInterpolate` loop, and a 1-pixel-wide axis degenerates to replication.

use zeroize::Zeroizing;

/// Bytes per pixel of the interleaved RGB8 buffers handled here.
const CN: usize = 3;

/// Maps a coordinate `p` (in pixels, any value, possibly far outside the image) onto `0..len`
/// with `BORDER_REFLECT_101`, as OpenCV's `cv::borderInterpolate(p, len, BORDER_REFLECT_101)`.
///
/// In-range coordinates are returned unchanged; outside ones are reflected about the first and
/// last pixel (`-1 -> 1`, `len -> len - 2`) as many times as needed (period `2 * (len - 1)`).
/// `len == 1` always gives 0, as in OpenCV.
///
/// Precondition: `len > 0` (checked by a `debug_assert`; in release `len == 0` returns 0, which
/// is not a valid index, instead of looping forever as OpenCV would).
pub fn border_interpolate_reflect101(p: i64, len: usize) -> usize {
    debug_assert!(len > 0, "border_interpolate_reflect101: empty axis");
    if len <= 1 {
        return 0;
    }
    // OpenCV's loop (`p = -p - 1 + 1` below 0, `p = len - 1 - (p - len) - 1` past the end)
    // is a triangle wave of period 2 * (len - 1); compute it in closed form. Widen to i128 so
    // that no `p` and no `len` can overflow.
    let last = len as i128 - 1;
    let r = (p as i128).rem_euclid(2 * last);
    let q = if r > last { 2 * last - r } else { r };
    q as usize
}

/// Adds a `BORDER_REFLECT_101` border around an interleaved RGB8 image, as
/// `cv2.copyMakeBorder(src, top, bottom, left, right, cv2.BORDER_REFLECT_101)`.
///
/// `src` is `w x h` pixels, row-major, 3 bytes per pixel, tightly packed (`w * h * 3` bytes).
/// The pads are in pixels and may be wider than the image (the reflection then repeats, as in
/// OpenCV). Returns `(w + left + right) x (h + top + bottom)` RGB8 pixels, zeroized on drop.
///
/// Preconditions (`debug_assert`): `w > 0`, `h > 0`, `src.len() == w * h * 3`. In release
/// builds an empty image gives an all-zero buffer of the padded size (OpenCV raises).
///
/// # Panics
///
/// If `src` holds fewer than `w * h * 3` bytes.
pub fn pad_reflect101(src: &[u8], w: u32, h: u32, top: u32, bottom: u32, left: u32, right: u32) -> Zeroizing<Vec<u8>> {
    let (w, h) = (w as usize, h as usize);
    let (top, bottom, left, right) = (top as usize, bottom as usize, left as usize, right as usize);
    debug_assert!(w > 0 && h > 0, "pad_reflect101: empty image");
    debug_assert_eq!(src.len(), w * h * CN);
    let ow = w + left + right;
    let oh = h + top + bottom;
    let mut out = Zeroizing::new(vec![0u8; ow * oh * CN]);
    if w > 0 && h > 0 {
        reflect_into(src, w, [0, 0, w, h], &mut out, ow, left, top);
    }
    out
}

/// Cuts the square `[x, x + side) x [y, y + side)` (pixels; it may reach outside the image) out
/// of an interleaved RGB8 image and fills the part outside the image with `BORDER_REFLECT_101`
/// of the part inside. Returns `side x side` RGB8 pixels, zeroized on drop.
///
/// This is the Suri crop step of `docs/MODELS.md`, i.e. exactly
/// `cv2.copyMakeBorder(img[max(0, y):min(h, y + side), max(0, x):min(w, x + side)], max(0, -y),
/// max(0, y + side - h), max(0, -x), max(0, x + side - w), cv2.BORDER_REFLECT_101)`: the
/// reflection is about the edges of the **copied patch**, not of the whole image.
///
/// `src` is `w x h` pixels, 3 bytes per pixel, tightly packed.
///
/// Preconditions (`debug_assert`): `w > 0`, `h > 0`, `side > 0`, `src.len() == w * h * 3`, and
/// the square overlaps the image. OpenCV raises on an empty patch; here a square that misses
/// the image entirely (or an empty image) gives an all-zero buffer in release builds.
///
/// # Panics
///
/// If `src` holds fewer than `w * h * 3` bytes.
pub fn crop_square_reflect101(src: &[u8], w: u32, h: u32, x: i64, y: i64, side: u32) -> Zeroizing<Vec<u8>> {
    let (w, h) = (w as usize, h as usize);
    debug_assert!(w > 0 && h > 0 && side > 0, "crop_square_reflect101: empty image or square");
    debug_assert_eq!(src.len(), w * h * CN);
    let side = side as usize;
    let mut out = Zeroizing::new(vec![0u8; side * side * CN]);
    // The in-image patch [px0, px1) x [py0, py1), in i128 so that no input can overflow.
    let (x, y, s) = (x as i128, y as i128, side as i128);
    let px0 = x.max(0);
    let px1 = (x + s).min(w as i128);
    let py0 = y.max(0);
    let py1 = (y + s).min(h as i128);
    if px1 <= px0 || py1 <= py0 {
        debug_assert!(false, "crop_square_reflect101: the square misses the image");
        return out;
    }
    let (pw, ph) = ((px1 - px0) as usize, (py1 - py0) as usize);
    let (px0, py0) = (px0 as usize, py0 as usize);
    // Output (ox, oy) sits at patch coordinate (ox - left, oy - top); both pads are < side.
    let left = (px0 as i128 - x) as usize;
    let top = (py0 as i128 - y) as usize;
    reflect_into(src, w, [px0, py0, pw, ph], &mut out, side, left, top);
    out
}

/// Fills `out` (`ow` pixels wide, `out.len() / (ow * 3)` rows) from the patch
/// `[x0, x0 + pw) x [y0, y0 + ph)` of `src` (`w` pixels wide): output pixel `(ox, oy)` is patch
/// pixel `(ox - left, oy - top)`, reflected with `BORDER_REFLECT_101` when outside the patch.
/// `left <= ow` and the patch lies inside `src`.
fn reflect_into(src: &[u8], w: usize, patch: [usize; 4], out: &mut [u8], ow: usize, left: usize, top: usize) {
    let [x0, y0, pw, ph] = patch;
    // Output columns [left, mid_end) are the patch columns in order: one copy per row. The
    // pads go pixel by pixel through their source column.
    let mid_end = (left + pw).min(ow);
    let cols: Vec<usize> =
        (0..ow).map(|ox| (x0 + border_interpolate_reflect101(ox as i64 - left as i64, pw)) * CN).collect();
    for (oy, dst_row) in out.chunks_exact_mut(ow * CN).enumerate() {
        let sy = y0 + border_interpolate_reflect101(oy as i64 - top as i64, ph);
        let src_row = &src[sy * w * CN..(sy + 1) * w * CN];
        dst_row[left * CN..mid_end * CN].copy_from_slice(&src_row[x0 * CN..(x0 + mid_end - left) * CN]);
        for ox in (0..left).chain(mid_end..ow) {
            dst_row[ox * CN..(ox + 1) * CN].copy_from_slice(&src_row[cols[ox]..cols[ox] + CN]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resize::test_vectors::{Expect, check, image};

    /// OpenCV's own loop, for comparison on moderate coordinates.
    fn opencv_loop(mut p: i64, len: usize) -> usize {
        let len = len as i64;
        if len == 1 {
            return 0;
        }
        while p < 0 || p >= len {
            p = if p < 0 { -p } else { 2 * len - p - 2 };
        }
        p as usize
    }

    /// `scripts/opencv-kernel-vectors.py`, "cv2.borderInterpolate".
    #[test]
    fn border_interpolate_matches_opencv() {
        let mut ps: Vec<i64> = (-12..=12).collect();
        ps.extend([100, -100, 2_147_483_647, -2_147_483_647]);
        let cases: &[(usize, &[usize])] = &[
            (1, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            (2, &[0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1]),
            (3, &[0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 0, 0, 1, 1]),
            (5, &[4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 4, 4, 1, 1]),
        ];
        for &(len, want) in cases {
            let got: Vec<usize> = ps.iter().map(|&p| border_interpolate_reflect101(p, len)).collect();
            assert_eq!(got, want, "len {len}");
        }
        for len in 1..12 {
            for p in -100..100 {
                assert_eq!(border_interpolate_reflect101(p, len), opencv_loop(p, len), "p {p}, len {len}");
            }
        }
        for p in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            for len in [1, 2, 3, 7, usize::MAX] {
                assert!(border_interpolate_reflect101(p, len) < len);
            }
        }
    }

    /// `scripts/opencv-kernel-vectors.py`, "cv2.copyMakeBorder".
    #[test]
    fn pad_matches_opencv() {
        let cases: &[(u32, u32, u32, [u32; 4], Expect)] = &[
            // pad seed=31 7x5 top=2 bottom=3 left=1 right=4
            (
                31,
                7,
                5,
                [2, 3, 1, 4],
                Expect {
                    w: 12,
                    h: 10,
                    sum: 47773,
                    fnv: 0x6066eb5406283d00,
                    samples: &[
                        (0, 0, [35, 102, 110]),
                        (11, 0, [135, 126, 25]),
                        (0, 9, [166, 246, 144]),
                        (11, 9, [100, 142, 69]),
                        (6, 5, [35, 150, 127]),
                        (4, 6, [75, 251, 106]),
                    ],
                    bytes: None,
                },
            ),
            // pad seed=32 7x5 top=9 bottom=11 left=15 right=20
            (
                32,
                7,
                5,
                [9, 11, 15, 20],
                Expect {
                    w: 42,
                    h: 25,
                    sum: 407318,
                    fnv: 0x18aac1b12bd7fb25,
                    samples: &[
                        (0, 0, [37, 252, 50]),
                        (41, 0, [40, 94, 227]),
                        (0, 24, [37, 252, 50]),
                        (41, 24, [40, 94, 227]),
                        (21, 12, [6, 112, 140]),
                        (14, 16, [196, 103, 41]),
                    ],
                    bytes: None,
                },
            ),
            // pad seed=33 1x1 top=2 bottom=2 left=3 right=3
            (
                33,
                1,
                1,
                [2, 2, 3, 3],
                Expect {
                    w: 7,
                    h: 5,
                    sum: 8330,
                    fnv: 0x74f15a1e225f3381,
                    samples: &[
                        (0, 0, [63, 69, 106]),
                        (6, 0, [63, 69, 106]),
                        (0, 4, [63, 69, 106]),
                        (6, 4, [63, 69, 106]),
                        (3, 2, [63, 69, 106]),
                        (2, 3, [63, 69, 106]),
                    ],
                    bytes: Some(&[
                        63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63,
                        69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69,
                        106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106,
                        63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63,
                        69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106, 63, 69, 106,
                    ]),
                },
            ),
            // pad seed=34 1x4 top=1 bottom=2 left=3 right=0
            (
                34,
                1,
                4,
                [1, 2, 3, 0],
                Expect {
                    w: 4,
                    h: 7,
                    sum: 9916,
                    fnv: 0x3e5937a1ad25b639,
                    samples: &[
                        (0, 0, [237, 11, 11]),
                        (3, 0, [237, 11, 11]),
                        (0, 6, [237, 11, 11]),
                        (3, 6, [237, 11, 11]),
                        (2, 3, [255, 202, 205]),
                        (1, 4, [136, 57, 5]),
                    ],
                    bytes: Some(&[
                        237, 11, 11, 237, 11, 11, 237, 11, 11, 237, 11, 11, 63, 92, 25, 63, 92, 25, 63, 92, 25, 63, 92,
                        25, 237, 11, 11, 237, 11, 11, 237, 11, 11, 237, 11, 11, 255, 202, 205, 255, 202, 205, 255, 202,
                        205, 255, 202, 205, 136, 57, 5, 136, 57, 5, 136, 57, 5, 136, 57, 5, 255, 202, 205, 255, 202,
                        205, 255, 202, 205, 255, 202, 205, 237, 11, 11, 237, 11, 11, 237, 11, 11, 237, 11, 11,
                    ]),
                },
            ),
            // pad seed=35 2x2 top=5 bottom=0 left=0 right=5
            (
                35,
                2,
                2,
                [5, 0, 0, 5],
                Expect {
                    w: 7,
                    h: 7,
                    sum: 22177,
                    fnv: 0x31cc72ffd51445d2,
                    samples: &[
                        (0, 0, [110, 180, 80]),
                        (6, 0, [110, 180, 80]),
                        (0, 6, [110, 180, 80]),
                        (6, 6, [110, 180, 80]),
                        (3, 3, [246, 181, 202]),
                        (2, 4, [110, 180, 80]),
                    ],
                    bytes: Some(&[
                        110, 180, 80, 151, 173, 180, 110, 180, 80, 151, 173, 180, 110, 180, 80, 151, 173, 180, 110,
                        180, 80, 63, 116, 200, 246, 181, 202, 63, 116, 200, 246, 181, 202, 63, 116, 200, 246, 181, 202,
                        63, 116, 200, 110, 180, 80, 151, 173, 180, 110, 180, 80, 151, 173, 180, 110, 180, 80, 151, 173,
                        180, 110, 180, 80, 63, 116, 200, 246, 181, 202, 63, 116, 200, 246, 181, 202, 63, 116, 200, 246,
                        181, 202, 63, 116, 200, 110, 180, 80, 151, 173, 180, 110, 180, 80, 151, 173, 180, 110, 180, 80,
                        151, 173, 180, 110, 180, 80, 63, 116, 200, 246, 181, 202, 63, 116, 200, 246, 181, 202, 63, 116,
                        200, 246, 181, 202, 63, 116, 200, 110, 180, 80, 151, 173, 180, 110, 180, 80, 151, 173, 180,
                        110, 180, 80, 151, 173, 180, 110, 180, 80,
                    ]),
                },
            ),
        ];
        for (seed, w, h, [t, b, l, r], e) in cases {
            let out = pad_reflect101(&image(*seed, *w, *h), *w, *h, *t, *b, *l, *r);
            check(&format!("pad seed={seed} {w}x{h} {t} {b} {l} {r}"), &out, e);
        }
    }

    /// `scripts/opencv-kernel-vectors.py`, "Suri crop".
    #[test]
    fn crop_matches_opencv() {
        let cases: &[(u32, u32, u32, i64, i64, u32, Expect)] = &[
            // crop seed=41 13x11 x=2 y=1 side=8
            (
                41,
                13,
                11,
                2,
                1,
                8,
                Expect {
                    w: 8,
                    h: 8,
                    sum: 23427,
                    fnv: 0x9dc548dd6c167e2c,
                    samples: &[
                        (0, 0, [32, 95, 218]),
                        (7, 0, [20, 52, 239]),
                        (0, 7, [125, 202, 154]),
                        (7, 7, [133, 142, 5]),
                        (4, 4, [74, 11, 26]),
                        (2, 5, [55, 23, 203]),
                    ],
                    bytes: None,
                },
            ),
            // crop seed=42 13x11 x=-4 y=-3 side=12
            (
                42,
                13,
                11,
                -4,
                -3,
                12,
                Expect {
                    w: 12,
                    h: 12,
                    sum: 57414,
                    fnv: 0x099da55f58556501,
                    samples: &[
                        (0, 0, [138, 128, 243]),
                        (11, 0, [12, 86, 117]),
                        (0, 11, [69, 237, 243]),
                        (11, 11, [140, 23, 19]),
                        (6, 6, [235, 243, 146]),
                        (4, 8, [71, 37, 59]),
                    ],
                    bytes: None,
                },
            ),
            // crop seed=43 13x11 x=6 y=5 side=9
            (
                43,
                13,
                11,
                6,
                5,
                9,
                Expect {
                    w: 9,
                    h: 9,
                    sum: 31901,
                    fnv: 0x24205d380610cc68,
                    samples: &[
                        (0, 0, [80, 223, 124]),
                        (8, 0, [201, 12, 204]),
                        (0, 8, [111, 76, 90]),
                        (8, 8, [31, 23, 58]),
                        (4, 4, [122, 181, 164]),
                        (3, 6, [205, 110, 133]),
                    ],
                    bytes: None,
                },
            ),
            // crop seed=44 13x11 x=-5 y=-6 side=25
            (
                44,
                13,
                11,
                -5,
                -6,
                25,
                Expect {
                    w: 25,
                    h: 25,
                    sum: 246373,
                    fnv: 0x14194245c4aa7c16,
                    samples: &[
                        (0, 0, [238, 14, 63]),
                        (24, 0, [238, 14, 63]),
                        (0, 24, [162, 47, 183]),
                        (24, 24, [162, 47, 183]),
                        (12, 12, [185, 13, 235]),
                        (8, 16, [120, 219, 247]),
                    ],
                    bytes: None,
                },
            ),
            // crop seed=45 13x11 x=12 y=-2 side=5
            (
                45,
                13,
                11,
                12,
                -2,
                5,
                Expect {
                    w: 5,
                    h: 5,
                    sum: 10200,
                    fnv: 0x65189f646fb68463,
                    samples: &[
                        (0, 0, [97, 236, 70]),
                        (4, 0, [97, 236, 70]),
                        (0, 4, [97, 236, 70]),
                        (4, 4, [97, 236, 70]),
                        (2, 2, [39, 41, 104]),
                        (1, 3, [101, 226, 198]),
                    ],
                    bytes: Some(&[
                        97, 236, 70, 97, 236, 70, 97, 236, 70, 97, 236, 70, 97, 236, 70, 101, 226, 198, 101, 226, 198,
                        101, 226, 198, 101, 226, 198, 101, 226, 198, 39, 41, 104, 39, 41, 104, 39, 41, 104, 39, 41,
                        104, 39, 41, 104, 101, 226, 198, 101, 226, 198, 101, 226, 198, 101, 226, 198, 101, 226, 198,
                        97, 236, 70, 97, 236, 70, 97, 236, 70, 97, 236, 70, 97, 236, 70,
                    ]),
                },
            ),
            // crop seed=46 37x29 x=-20 y=10 side=45
            (
                46,
                37,
                29,
                -20,
                10,
                45,
                Expect {
                    w: 45,
                    h: 45,
                    sum: 789410,
                    fnv: 0x4a847949d63222c9,
                    samples: &[
                        (0, 0, [254, 192, 2]),
                        (44, 0, [254, 134, 138]),
                        (0, 44, [124, 92, 185]),
                        (44, 44, [243, 140, 183]),
                        (22, 22, [28, 187, 132]),
                        (15, 30, [208, 19, 20]),
                    ],
                    bytes: None,
                },
            ),
        ];
        for (seed, w, h, x, y, side, e) in cases {
            let out = crop_square_reflect101(&image(*seed, *w, *h), *w, *h, *x, *y, *side);
            check(&format!("crop seed={seed} {w}x{h} x={x} y={y} side={side}"), &out, e);
        }
    }

    #[test]
    fn crop_reflects_the_patch_not_the_image() {
        // 5 x 1 image a b c d e; the square [-2, 3) copies a b c and reflects that patch: c b a b c.
        let src: Vec<u8> = (0..5).flat_map(|i| [i * 10, 0, 0]).collect();
        let out = crop_square_reflect101(&src, 5, 1, -2, 0, 5);
        let row: Vec<u8> = out.chunks(3).map(|p| p[0]).collect();
        // Rows: only row 0 is inside (y in [0, 5) of a 1-row image) and is replicated.
        assert_eq!(&row[..5], &[20, 10, 0, 10, 20]);
        assert!(out.chunks(15).all(|r| r == &out[..15]));
    }

    #[test]
    fn crop_inside_is_a_plain_copy() {
        let src = image(3, 6, 5);
        let out = crop_square_reflect101(&src, 6, 5, 1, 2, 3);
        for y in 0..3 {
            assert_eq!(out[y * 9..(y + 1) * 9], src[((2 + y) * 6 + 1) * 3..((2 + y) * 6 + 4) * 3]);
        }
    }
}
