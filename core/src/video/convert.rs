//! YUV to RGB8 conversion with the clip's colour description and the display rotation applied
//! in the same pass.
//!
//! - SDR: the matrix (BT.601, BT.709, BT.2020 NCL, FCC, SMPTE 240M, or identity/GBR) and range
//!   (limited or full) the clip signals ([`Colour`]), on the native 8-, 10- or 12-bit samples,
//!   in 16.16 fixed point with nearest-neighbour chroma (each chroma sample covers its 2×2,
//!   2×1 or 1×1 luma block). This matches ffmpeg 5.1's `swscale` with
//!   `flags=neighbor+accurate_rnd+full_chroma_int` to ±1 level (see
//!   `core/tests/video_colour.rs`); ffmpeg's default (fast) path is itself about 1 level darker.
//! - HDR (HLG, PQ): tone-mapped to SDR BT.709 in floating point ([`tone_map`]).

use zeroize::Zeroizing;

use super::codec::{Planes, YuvPicture};
use super::colour::{Colour, TRANSFER_HLG};

/// Converts `pic` to packed RGB8 with `colour`'s matrix and range (tone-mapping HLG and PQ to
/// SDR BT.709), rotated `rotation` degrees clockwise. Returns (width, height, rgb).
pub(crate) fn to_rgb(pic: &YuvPicture, rotation: u16, colour: &Colour) -> (u32, u32, Zeroizing<Vec<u8>>) {
    let (w, h) = (pic.width as usize, pic.height as usize);
    let (ow, oh) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
    let mut rgb = Zeroizing::new(vec![0u8; ow * oh * 3]);
    let depth = pic.bit_depth.clamp(8, 16) as u32;
    let q = Quant::new(depth, colour.full_range);
    let geom = Geometry::new(pic, rotation);
    if colour.tone_mapped() {
        let tm = ToneMap::new(colour, &q);
        match &pic.planes {
            Planes::U8(p) => geom.run([&p[0], &p[1], &p[2]], &mut rgb, |y, u, v| tm.pixel(y, u, v)),
            Planes::U16(p) => geom.run([&p[0], &p[1], &p[2]], &mut rgb, |y, u, v| tm.pixel(y, u, v)),
        }
    } else {
        let k = Fixed::new(colour, &q);
        match &pic.planes {
            Planes::U8(p) => geom.run([&p[0], &p[1], &p[2]], &mut rgb, |y, u, v| k.pixel(y, u, v)),
            Planes::U16(p) => geom.run([&p[0], &p[1], &p[2]], &mut rgb, |y, u, v| k.pixel(y, u, v)),
        }
    }
    (ow as u32, oh as u32, rgb)
}

/// Sample levels of one bit depth and range: luma black and its span, chroma zero and span.
struct Quant {
    y_off: i32,
    y_span: f64,
    c_mid: i32,
    c_span: f64,
}

impl Quant {
    fn new(depth: u32, full_range: bool) -> Self {
        let c_mid = 1 << (depth - 1);
        if full_range {
            let max = ((1u32 << depth) - 1) as f64;
            Quant { y_off: 0, y_span: max, c_mid, c_span: max }
        } else {
            let s = (1u32 << (depth - 8)) as f64;
            Quant { y_off: 16 << (depth - 8), y_span: 219.0 * s, c_mid, c_span: 224.0 * s }
        }
    }
}

/// Picture size, chroma subsampling and where each source pixel lands after rotation.
struct Geometry {
    w: usize,
    h: usize,
    cw: usize,
    ch: usize,
    sx: usize,
    sy: usize,
    /// Destination offset (in pixels) of source (x, y) = origin + x * step_x + y * step_y.
    step_x: isize,
    step_y: isize,
    origin: isize,
}

impl Geometry {
    fn new(pic: &YuvPicture, rotation: u16) -> Self {
        let (w, h) = (pic.width as usize, pic.height as usize);
        let (cw, ch) = pic.chroma_size();
        let (ow, oh) = if rotation % 180 == 90 { (h as isize, w as isize) } else { (w as isize, h as isize) };
        let (step_x, step_y, origin) = match rotation {
            90 => (ow, -1, ow - 1),         // (x, y) -> (h-1-y, x)
            180 => (-1, -ow, ow * oh - 1),  // -> (w-1-x, h-1-y)
            270 => (-ow, 1, (oh - 1) * ow), // -> (y, w-1-x)
            _ => (1, ow, 0),
        };
        Geometry {
            w,
            h,
            cw: cw as usize,
            ch: ch as usize,
            sx: pic.chroma_shift.0 as usize,
            sy: pic.chroma_shift.1 as usize,
            step_x,
            step_y,
            origin,
        }
    }

    /// Runs `px(y, cb, cr)` over every pixel; a malformed picture (short planes) stays black.
    fn run<T: Copy + Into<i32>>(&self, planes: [&[T]; 3], rgb: &mut [u8], px: impl Fn(i32, i32, i32) -> [u8; 3]) {
        let (w, h, cw) = (self.w, self.h, self.cw);
        if planes[0].len() < w * h || planes[1].len() < cw * self.ch || planes[2].len() < cw * self.ch {
            return;
        }
        for y in 0..h {
            let yrow = &planes[0][y * w..(y + 1) * w];
            let crow = (y >> self.sy) * cw;
            let urow = &planes[1][crow..crow + cw];
            let vrow = &planes[2][crow..crow + cw];
            let row_origin = self.origin + y as isize * self.step_y;
            for (x, &yy) in yrow.iter().enumerate() {
                let c = x >> self.sx;
                let o = (row_origin + x as isize * self.step_x) as usize * 3;
                rgb[o..o + 3].copy_from_slice(&px(yy.into(), urow[c].into(), vrow[c].into()));
            }
        }
    }
}

/// 16.16 fixed-point SDR kernel for one matrix, range and bit depth, to 8-bit RGB.
struct Fixed {
    y_off: i32,
    c_mid: i32,
    cy: i32,
    rv: i32,
    gu: i32,
    gv: i32,
    bu: i32,
    /// Identity matrix (GBR): Y is G, Cb is B, Cr is R, all with the luma levels.
    identity: bool,
}

impl Fixed {
    fn new(colour: &Colour, q: &Quant) -> Self {
        let fx = |v: f64| (v * 65536.0).round() as i32;
        let (ys, cs) = (255.0 / q.y_span, 255.0 / q.c_span);
        let Some((kr, kb)) = colour.kr_kb() else {
            return Fixed { y_off: q.y_off, c_mid: q.c_mid, cy: fx(ys), rv: 0, gu: 0, gv: 0, bu: 0, identity: true };
        };
        let kg = 1.0 - kr - kb;
        Fixed {
            y_off: q.y_off,
            c_mid: q.c_mid,
            cy: fx(ys),
            rv: fx(cs * 2.0 * (1.0 - kr)),
            gu: fx(cs * 2.0 * (1.0 - kb) * kb / kg),
            gv: fx(cs * 2.0 * (1.0 - kr) * kr / kg),
            bu: fx(cs * 2.0 * (1.0 - kb)),
            identity: false,
        }
    }

    #[inline]
    fn pixel(&self, y: i32, u: i32, v: i32) -> [u8; 3] {
        let q = |x: i32| (x >> 16).clamp(0, 255) as u8;
        if self.identity {
            let s = |x: i32| q((x - self.y_off) * self.cy + 32768);
            return [s(v), s(y), s(u)];
        }
        let c = (y - self.y_off) * self.cy + 32768;
        let (u, v) = (u - self.c_mid, v - self.c_mid);
        [q(c + self.rv * v), q(c - self.gu * u - self.gv * v), q(c + self.bu * u)]
    }
}

/// Display peak assumed for HDR content, in units of SDR white (100 cd/m²): 1000 cd/m², the
/// nominal peak of BT.2100 HLG and the usual mastering peak of phone PQ clips.
pub(crate) const HDR_PEAK: f32 = 10.0;

/// HDR (HLG or PQ) to SDR BT.709 tone mapping, per pixel:
/// 1. Y'CbCr → non-linear R'G'B' with the signalled matrix (BT.2020 NCL in practice);
/// 2. to linear light, relative to SDR white = 100 cd/m²: HLG by the BT.2100 inverse OETF
///    scaled to its nominal peak of 1000 cd/m² (signal 1.0 = 10.0), PQ by its EOTF (ST 2084,
///    10 000 cd/m² = 100.0). The HLG OOTF's system gamma is left at 1.0, as zimg's
///    `zscale=t=linear:npl=100` does: with BT.2100's γ = 1.2 the frames came out 22 levels
///    darker than ffmpeg's chain (and further from the SDR source), without it they match to
///    about 2 levels (see `core/tests/video_colour.rs`);
/// 3. BT.2020 → BT.709 primaries (3×3 in linear light, BT.2087) when tagged BT.2020 or untagged;
/// 4. highlights compressed by Hable's filmic curve applied to max(R, G, B) and normalised so
///    that [`HDR_PEAK`] maps to 1.0, scaling the three channels by the same ratio (hue kept):
///    the operator of ffmpeg's `tonemap=hable:desat=0`, chosen because it keeps mid-tones
///    (faces) near their SDR level with a soft shoulder, where Reinhard flattens them more;
/// 5. the BT.709 OETF, then full-range 8-bit RGB.
struct ToneMap {
    hlg: bool,
    to709: bool,
    y_off: f32,
    y_scale: f32,
    c_mid: f32,
    c_scale: f32,
    /// R' = Y' + rv·Cr, G' = Y' − gu·Cb − gv·Cr, B' = Y' + bu·Cb.
    k: [f32; 4],
    /// hable(HDR_PEAK): the curve's value at the peak, mapped to 1.0.
    white: f32,
}

impl ToneMap {
    fn new(colour: &Colour, q: &Quant) -> Self {
        let (kr, kb) = colour.kr_kb().unwrap_or((0.2627, 0.0593));
        let kg = 1.0 - kr - kb;
        ToneMap {
            hlg: colour.transfer == Some(TRANSFER_HLG),
            to709: matches!(colour.primaries, None | Some(9)),
            y_off: q.y_off as f32,
            y_scale: 1.0 / q.y_span as f32,
            c_mid: q.c_mid as f32,
            c_scale: 1.0 / q.c_span as f32,
            k: [
                (2.0 * (1.0 - kr)) as f32,
                (2.0 * (1.0 - kb) * kb / kg) as f32,
                (2.0 * (1.0 - kr) * kr / kg) as f32,
                (2.0 * (1.0 - kb)) as f32,
            ],
            white: hable(HDR_PEAK),
        }
    }

    #[inline]
    fn pixel(&self, y: i32, u: i32, v: i32) -> [u8; 3] {
        let yy = (y as f32 - self.y_off) * self.y_scale;
        let cb = (u as f32 - self.c_mid) * self.c_scale;
        let cr = (v as f32 - self.c_mid) * self.c_scale;
        let e = [
            (yy + self.k[0] * cr).clamp(0.0, 1.0),
            (yy - self.k[1] * cb - self.k[2] * cr).clamp(0.0, 1.0),
            (yy + self.k[3] * cb).clamp(0.0, 1.0),
        ];
        tone_map(e, self.hlg, self.to709, self.white)
    }
}

/// BT.2100 HLG inverse OETF: non-linear signal → normalised scene light (0..1).
fn hlg_inverse_oetf(e: f32) -> f32 {
    const A: f32 = 0.178_832_77;
    const B: f32 = 0.284_668_92;
    const C: f32 = 0.559_910_7;
    if e <= 0.5 { e * e / 3.0 } else { (((e - C) / A).exp() + B) / 12.0 }
}

/// SMPTE ST 2084 (PQ) EOTF: non-linear signal → display light, cd/m² / 10 000.
fn pq_eotf(e: f32) -> f32 {
    const M1: f32 = 2610.0 / 16384.0;
    const M2: f32 = 2523.0 / 4096.0 * 128.0;
    const C1: f32 = 3424.0 / 4096.0;
    const C2: f32 = 2413.0 / 4096.0 * 32.0;
    const C3: f32 = 2392.0 / 4096.0 * 32.0;
    let p = e.max(0.0).powf(1.0 / M2);
    ((p - C1).max(0.0) / (C2 - C3 * p)).powf(1.0 / M1)
}

/// Hable's filmic curve (the constants of ffmpeg's `tonemap=hable`).
fn hable(x: f32) -> f32 {
    const A: f32 = 0.15;
    const B: f32 = 0.50;
    const C: f32 = 0.10;
    const D: f32 = 0.20;
    const E: f32 = 0.02;
    const F: f32 = 0.30;
    (x * (x * A + B * C) + D * E) / (x * (x * A + B) + D * F) - E / F
}

/// BT.709 OETF, then 8-bit full range.
fn bt709_oetf_8bit(l: f32) -> u8 {
    let l = l.clamp(0.0, 1.0);
    let v = if l < 0.018 { 4.5 * l } else { 1.099 * l.powf(0.45) - 0.099 };
    (v * 255.0 + 0.5) as u8
}

/// Tone-maps one non-linear HDR R'G'B' pixel (each 0..1) to SDR BT.709 RGB8 (see [`ToneMap`]).
fn tone_map(e: [f32; 3], hlg: bool, to709: bool, white: f32) -> [u8; 3] {
    let mut l = if hlg { e.map(|c| hlg_inverse_oetf(c) * HDR_PEAK) } else { e.map(|c| pq_eotf(c) * 100.0) };
    if to709 {
        let [r, g, b] = l;
        l = [
            1.660_491 * r - 0.587_641 * g - 0.072_850 * b,
            -0.124_550 * r + 1.132_9 * g - 0.008_349 * b,
            -0.018_151 * r - 0.100_579 * g + 1.118_73 * b,
        ];
    }
    let sig = l[0].max(l[1]).max(l[2]).max(1e-6);
    let ratio = hable(sig) / white / sig;
    l.map(|c| bt709_oetf_8bit(c * ratio))
}

#[cfg(test)]
mod tests {
    use super::super::colour::{ColourTags, resolve};
    use super::*;

    fn pic(w: u32, h: u32, y: Vec<u8>) -> YuvPicture {
        let n = (w.div_ceil(2) * h.div_ceil(2)) as usize;
        YuvPicture {
            width: w,
            height: h,
            bit_depth: 8,
            chroma_shift: (1, 1),
            planes: Planes::U8([y, vec![128; n], vec![128; n]]),
            tag: None,
        }
    }

    #[test]
    fn grey_levels_and_rotation() {
        let c = Colour::default();
        // 2x1 picture: left black (16), right white (235).
        let p = pic(2, 1, vec![16, 235]);
        let (w, h, rgb) = to_rgb(&p, 0, &c);
        assert_eq!((w, h), (2, 1));
        assert_eq!(&rgb[..], &[0, 0, 0, 255, 255, 255]);
        // 90 degrees clockwise: the left pixel goes on top.
        let (w, h, rgb) = to_rgb(&p, 90, &c);
        assert_eq!((w, h), (1, 2));
        assert_eq!(&rgb[..], &[0, 0, 0, 255, 255, 255]);
        // 270: the right pixel goes on top.
        let (_, _, rgb) = to_rgb(&p, 270, &c);
        assert_eq!(&rgb[..], &[255, 255, 255, 0, 0, 0]);
        let (_, _, rgb) = to_rgb(&p, 180, &c);
        assert_eq!(&rgb[..], &[255, 255, 255, 0, 0, 0]);
    }

    fn one(colour: &Colour, depth: u8, y: u16, u: u16, v: u16) -> [u8; 3] {
        let planes = if depth > 8 {
            Planes::U16([vec![y], vec![u], vec![v]])
        } else {
            Planes::U8([vec![y as u8], vec![u as u8], vec![v as u8]])
        };
        let p = YuvPicture { width: 1, height: 1, bit_depth: depth, chroma_shift: (1, 1), planes, tag: None };
        let (_, _, rgb) = to_rgb(&p, 0, colour);
        [rgb[0], rgb[1], rgb[2]]
    }

    #[test]
    fn matrices_and_ranges() {
        let tags = |p, t, m, full| resolve(ColourTags::from_code_points(p, t, m, Some(full)), ColourTags::default());
        let bt601 = Colour::default();
        let bt709 = tags(1, 1, 1, false);
        let full = tags(5, 6, 5, true);
        // Pure red in each encoding (R'=1, G'=B'=0, codes rounded) comes back as red.
        let near = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(&x, y)| x.abs_diff(y) <= 2);
        for (c, yuv) in [(&bt601, (81, 90, 240)), (&bt709, (63, 102, 240)), (&full, (76, 85, 255))] {
            let rgb = one(c, 8, yuv.0, yuv.1, yuv.2);
            assert!(near(rgb, [255, 0, 0]), "{} {rgb:?}", c.matrix_name());
        }
        // Full-range 0 and 255 are black and white; limited 16/235 too.
        assert_eq!(one(&full, 8, 0, 128, 128), [0, 0, 0]);
        assert_eq!(one(&full, 8, 255, 128, 128), [255, 255, 255]);
        // A skin tone coded as 709 and read as 601 comes out darker: the defect this fixes.
        let skin = (150, 110, 160);
        let a = one(&bt709, 8, skin.0, skin.1, skin.2);
        let b = one(&bt601, 8, skin.0, skin.1, skin.2);
        assert!(a[0] > b[0] && a[1] > b[1], "{a:?} {b:?}");
        // 10-bit samples are converted natively: 4x the 8-bit code gives the same colour.
        let bt2020 = tags(9, 14, 9, false);
        let c8 = one(&bt2020, 8, 150, 110, 160);
        let c10 = one(&bt2020, 10, 600, 440, 640);
        assert_eq!(c8, c10);
        // Identity (GBR): Y carries G, Cb B, Cr R.
        let gbr = tags(1, 13, 0, true);
        assert_eq!(one(&gbr, 8, 10, 20, 30), [30, 10, 20]);
    }

    #[test]
    fn hdr_tone_mapping() {
        let hlg = resolve(ColourTags::from_code_points(9, 18, 9, Some(false)), ColourTags::default());
        let pq = resolve(ColourTags::from_code_points(9, 16, 9, Some(false)), ColourTags::default());
        // Black stays black; HLG peak white maps to (nearly) SDR white; grey stays grey.
        assert_eq!(one(&hlg, 10, 64, 512, 512), [0, 0, 0]);
        let w = one(&hlg, 10, 940, 512, 512);
        assert!(w.iter().all(|&c| c >= 250), "{w:?}");
        let g = one(&hlg, 10, 502, 512, 512);
        assert!(g[0] == g[1] && g[1] == g[2] && (100..200).contains(&g[0]), "{g:?}");
        // HLG and PQ brightness rises with the signal.
        let levels: Vec<u8> = [200u16, 400, 600, 800].iter().map(|&y| one(&pq, 10, y, 512, 512)[1]).collect();
        assert!(levels.windows(2).all(|p| p[0] < p[1]), "{levels:?}");
    }
}
