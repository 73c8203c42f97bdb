//! Decoded pixels and pixel-space geometry shared by every pipeline stage.

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// An upright (EXIF already applied), 8-bit, interleaved **RGB** image.
///
/// The pixel buffer is zeroized when the frame is dropped: a frame is the decoded selfie.
pub struct RgbFrame {
    width: u32,
    height: u32,
    data: Zeroizing<Vec<u8>>,
}

impl RgbFrame {
    /// Wraps an interleaved RGB8 buffer of exactly `width * height * 3` bytes.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<Self> {
        let data = Zeroizing::new(data);
        if width == 0 || height == 0 {
            return Err(Error::InvalidInput(format!("image has zero size ({width}x{height})")));
        }
        let expected = width as usize * height as usize * 3;
        if data.len() != expected {
            return Err(Error::Internal(format!(
                "RGB buffer holds {} bytes, expected {expected} for {width}x{height}",
                data.len()
            )));
        }
        Ok(RgbFrame { width, height, data })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Interleaved RGB bytes, row-major, stride `3 * width`.
    pub fn as_raw(&self) -> &[u8] {
        &self.data
    }

    /// One row of interleaved RGB bytes.
    #[inline]
    pub fn row(&self, y: u32) -> &[u8] {
        let stride = self.width as usize * 3;
        let start = y as usize * stride;
        &self.data[start..start + stride]
    }

    /// The pixel at (x, y) as `[r, g, b]`.
    #[inline]
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// The full image as an inclusive pixel rectangle.
    pub fn full_rect(&self) -> PixelRect {
        PixelRect { x0: 0, y0: 0, x1: self.width - 1, y1: self.height - 1 }
    }
}

impl std::fmt::Debug for RgbFrame {
    // Never print pixels.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RgbFrame").field("width", &self.width).field("height", &self.height).finish_non_exhaustive()
    }
}

/// An integer pixel rectangle, **inclusive** on both ends (as the MiniFASNet crop spec slices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    /// Left column, inclusive.
    pub x0: u32,
    /// Top row, inclusive.
    pub y0: u32,
    /// Right column, inclusive.
    pub x1: u32,
    /// Bottom row, inclusive.
    pub y1: u32,
}

impl PixelRect {
    /// Width in pixels (`x1 - x0 + 1`).
    pub fn width(&self) -> u32 {
        self.x1 - self.x0 + 1
    }

    /// Height in pixels (`y1 - y0 + 1`).
    pub fn height(&self) -> u32 {
        self.y1 - self.y0 + 1
    }

    /// Clamps a float rectangle `[x0, y0, x1, y1)` (exclusive right/bottom, pixels) into the
    /// frame, returning `None` when nothing is left.
    pub fn clamp_from_f32(bx: &BoxF, width: u32, height: u32) -> Option<PixelRect> {
        let x0 = bx.x0.floor().max(0.0);
        let y0 = bx.y0.floor().max(0.0);
        let x1 = (bx.x1.ceil() - 1.0).min(width as f32 - 1.0);
        let y1 = (bx.y1.ceil() - 1.0).min(height as f32 - 1.0);
        if !(x0 <= x1 && y0 <= y1) {
            return None;
        }
        Some(PixelRect { x0: x0 as u32, y0: y0 as u32, x1: x1 as u32, y1: y1 as u32 })
    }
}

/// A float box in pixel coordinates: `(x0, y0)` top-left, `(x1, y1)` bottom-right.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BoxF {
    /// Left edge, pixels.
    pub x0: f32,
    /// Top edge, pixels.
    pub y0: f32,
    /// Right edge, pixels.
    pub x1: f32,
    /// Bottom edge, pixels.
    pub y1: f32,
}

impl BoxF {
    /// Width (`x1 - x0`), never negative.
    pub fn width(&self) -> f32 {
        (self.x1 - self.x0).max(0.0)
    }

    /// Height (`y1 - y0`), never negative.
    pub fn height(&self) -> f32 {
        (self.y1 - self.y0).max(0.0)
    }

    /// Area without the "+1" pixel convention.
    pub fn area(&self) -> f32 {
        self.width() * self.height()
    }

    /// Intersection over union, areas without "+1" (as the RetinaFace NMS spec says).
    pub fn iou(&self, other: &BoxF) -> f32 {
        let iw = (self.x1.min(other.x1) - self.x0.max(other.x0)).max(0.0);
        let ih = (self.y1.min(other.y1) - self.y0.max(other.y0)).max(0.0);
        let inter = iw * ih;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }

    /// Scales every coordinate: x by `sx`, y by `sy`.
    pub fn scale(&self, sx: f32, sy: f32) -> BoxF {
        BoxF { x0: self.x0 * sx, y0: self.y0 * sy, x1: self.x1 * sx, y1: self.y1 * sy }
    }
}

/// `n` indices spread evenly over `0..total`, first and last included, without duplicates.
pub fn sample_indices(total: usize, n: usize) -> Vec<usize> {
    if total == 0 || n == 0 {
        return Vec::new();
    }
    if n >= total {
        return (0..total).collect();
    }
    if n == 1 {
        return vec![(total - 1) / 2];
    }
    // round(k * (total - 1) / (n - 1)), in integers.
    let (t, m) = (total as u128 - 1, n as u128 - 1);
    let mut out: Vec<usize> = (0..n as u128).map(|k| ((2 * k * t + m) / (2 * m)) as usize).collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_of_identical_and_disjoint_boxes() {
        let a = BoxF { x0: 0.0, y0: 0.0, x1: 10.0, y1: 10.0 };
        let b = BoxF { x0: 20.0, y0: 20.0, x1: 30.0, y1: 30.0 };
        let c = BoxF { x0: 5.0, y0: 0.0, x1: 15.0, y1: 10.0 };
        assert_eq!(a.iou(&a), 1.0);
        assert_eq!(a.iou(&b), 0.0);
        assert!((a.iou(&c) - 50.0 / 150.0).abs() < 1e-6);
    }

    #[test]
    fn clamp_rect_inside_frame() {
        let r = PixelRect::clamp_from_f32(&BoxF { x0: -5.0, y0: 2.2, x1: 100.0, y1: 7.0 }, 50, 40).unwrap();
        assert_eq!(r, PixelRect { x0: 0, y0: 2, x1: 49, y1: 6 });
        assert!(PixelRect::clamp_from_f32(&BoxF { x0: 60.0, y0: 0.0, x1: 70.0, y1: 5.0 }, 50, 40).is_none());
    }

    #[test]
    fn frame_rejects_wrong_buffer_length() {
        assert!(RgbFrame::new(2, 2, vec![0; 12]).is_ok());
        assert!(RgbFrame::new(2, 2, vec![0; 11]).is_err());
        assert!(RgbFrame::new(0, 2, vec![]).is_err());
    }
}
