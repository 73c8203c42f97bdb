//! YUV to RGB8 conversion with the display rotation applied in the same pass.

use zeroize::Zeroizing;

use super::codec::{Planes, YuvPicture};

/// Converts `pic` to packed RGB8 (BT.601, limited range: what ffmpeg assumes for untagged
/// streams), rotated `rotation` degrees clockwise. Returns (width, height, rgb).
pub(crate) fn to_rgb(pic: &YuvPicture, rotation: u16) -> (u32, u32, Zeroizing<Vec<u8>>) {
    let (w, h) = (pic.width as usize, pic.height as usize);
    let (cw, ch) = pic.chroma_size();
    let (cw, ch) = (cw as usize, ch as usize);
    let (sx, sy) = (pic.chroma_shift.0 as usize, pic.chroma_shift.1 as usize);
    let (ow, oh) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
    let mut rgb = Zeroizing::new(vec![0u8; ow * oh * 3]);
    // 8-bit planes: borrowed as they are, or narrowed (rounded) from 10/12 bits.
    let narrowed: [Zeroizing<Vec<u8>>; 3];
    let planes: [&[u8]; 3] = match &pic.planes {
        Planes::U8(p) => [&p[0], &p[1], &p[2]],
        Planes::U16(p) => {
            let shift = pic.bit_depth.saturating_sub(8) as u32;
            let round = if shift > 0 { 1u32 << (shift - 1) } else { 0 };
            let narrow = |v: &Vec<u16>| {
                Zeroizing::new(v.iter().map(|&s| ((s as u32 + round) >> shift).min(255) as u8).collect::<Vec<u8>>())
            };
            narrowed = [narrow(&p[0]), narrow(&p[1]), narrow(&p[2])];
            [&narrowed[0], &narrowed[1], &narrowed[2]]
        }
    };
    if planes[0].len() < w * h || planes[1].len() < cw * ch || planes[2].len() < cw * ch {
        return (ow as u32, oh as u32, rgb); // malformed picture: black
    }
    let (step_x, step_y, origin): (isize, isize, isize) = {
        // Destination offset (in pixels) of source (x, y) = origin + x * step_x + y * step_y.
        let (ow, oh) = (ow as isize, oh as isize);
        match rotation {
            90 => (ow, -1, ow - 1),         // (x, y) -> (h-1-y, x)
            180 => (-1, -ow, ow * oh - 1),  // -> (w-1-x, h-1-y)
            270 => (-ow, 1, (oh - 1) * ow), // -> (y, w-1-x)
            _ => (1, ow, 0),
        }
    };
    for y in 0..h {
        let yrow = &planes[0][y * w..(y + 1) * w];
        let crow = (y >> sy) * cw;
        let urow = &planes[1][crow..crow + cw];
        let vrow = &planes[2][crow..crow + cw];
        let row_origin = origin + y as isize * step_y;
        for (x, &yy) in yrow.iter().enumerate() {
            let u = urow[x >> sx] as i32 - 128;
            let v = vrow[x >> sx] as i32 - 128;
            // 16.16 fixed point: 1.164, 1.596, 0.392, 0.813, 2.017.
            let c = (yy as i32 - 16) * 76284 + 32768;
            let r = (c + 104595 * v) >> 16;
            let g = (c - 25690 * u - 53281 * v) >> 16;
            let b = (c + 132186 * u) >> 16;
            let o = (row_origin + x as isize * step_x) as usize * 3;
            rgb[o] = r.clamp(0, 255) as u8;
            rgb[o + 1] = g.clamp(0, 255) as u8;
            rgb[o + 2] = b.clamp(0, 255) as u8;
        }
    }
    (ow as u32, oh as u32, rgb)
}

#[cfg(test)]
mod tests {
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
        // 2x1 picture: left black (16), right white (235).
        let p = pic(2, 1, vec![16, 235]);
        let (w, h, rgb) = to_rgb(&p, 0);
        assert_eq!((w, h), (2, 1));
        assert_eq!(&rgb[..], &[0, 0, 0, 255, 255, 255]);
        // 90 degrees clockwise: the left pixel goes on top.
        let (w, h, rgb) = to_rgb(&p, 90);
        assert_eq!((w, h), (1, 2));
        assert_eq!(&rgb[..], &[0, 0, 0, 255, 255, 255]);
        // 270: the right pixel goes on top.
        let (_, _, rgb) = to_rgb(&p, 270);
        assert_eq!(&rgb[..], &[255, 255, 255, 0, 0, 0]);
        let (_, _, rgb) = to_rgb(&p, 180);
        assert_eq!(&rgb[..], &[255, 255, 255, 0, 0, 0]);
    }
}
