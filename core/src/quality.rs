//! The quality gate: measurable checks on the face, each reported with its value and threshold.
//!
//! * `face_size`: the shorter side of the face box, original pixels (minimum).
//! * `face_inside`: fraction of the face box outside the image (maximum).
//! * `sharpness`: variance of the 4-neighbour Laplacian of the grey face, resampled to
//!   112×112 so the value does not depend on resolution (minimum).
//! * `brightness_low` / `brightness_high`: mean luma (BT.601) of the face, 0..255.
//! * `yaw` / `roll`: degrees, estimated from the five landmarks when they are known.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::QualityConfig;
use crate::detect::Landmarks5;
use crate::frame::{BoxF, PixelRect, RgbFrame};
use crate::resize::resize_linear;

/// Side of the grey face patch the sharpness and exposure checks run on, pixels.
const PATCH: u32 = 112;

/// Whether a check's value must stay above or below its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// `value >= threshold` passes.
    Min,
    /// `value <= threshold` passes.
    Max,
}

/// One measured check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QualityCheck {
    /// Check name: `face_size`, `face_inside`, `sharpness`, `brightness_low`,
    /// `brightness_high`, `yaw`, `roll`.
    pub name: String,
    /// Measured value (units in the module docs).
    pub value: f64,
    /// Threshold from the configuration.
    pub threshold: f64,
    /// Direction of the threshold.
    pub bound: Bound,
    /// Whether the value is on the right side of the threshold.
    pub passed: bool,
}

/// All checks for one face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QualityReport {
    /// Whether failing checks fail the media (`false` when the caller turned the gate off).
    pub enforced: bool,
    /// True when every check passed.
    pub passed: bool,
    /// Names of the failing checks.
    pub failed: Vec<String>,
    /// Every check with its value and threshold.
    pub checks: Vec<QualityCheck>,
}

fn check(name: &str, value: f64, threshold: f64, bound: Bound) -> QualityCheck {
    let passed = match bound {
        Bound::Min => value >= threshold,
        Bound::Max => value <= threshold,
    };
    QualityCheck { name: name.to_owned(), value: round4(value), threshold, bound, passed }
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// Runs every check on `face` (float box in `frame`'s pixels). `scale` is the frame's reduction
/// from the full-size image (1 for a full-size frame): `face_size` is reported in full-size
/// pixels; the other checks do not depend on resolution.
pub fn assess(
    frame: &RgbFrame,
    face: &BoxF,
    landmarks: Option<&Landmarks5>,
    scale: u32,
    cfg: &QualityConfig,
    enforced: bool,
) -> QualityReport {
    let mut checks = Vec::with_capacity(7);
    let face_size = face.width().min(face.height()) as f64 * scale as f64;
    checks.push(check("face_size", face_size, cfg.min_face_px as f64, Bound::Min));
    checks.push(check(
        "face_inside",
        outside_fraction(face, frame.width(), frame.height()) as f64,
        cfg.max_outside_fraction as f64,
        Bound::Max,
    ));
    if let Some(rect) = PixelRect::clamp_from_f32(face, frame.width(), frame.height()) {
        let grey = grey_patch(frame, rect);
        let mean = grey.iter().map(|&v| v as f64).sum::<f64>() / grey.len() as f64;
        checks.push(check(
            "sharpness",
            laplacian_variance(&grey, PATCH as usize),
            cfg.min_sharpness as f64,
            Bound::Min,
        ));
        checks.push(check("brightness_low", mean, cfg.min_brightness as f64, Bound::Min));
        checks.push(check("brightness_high", mean, cfg.max_brightness as f64, Bound::Max));
    }
    if let Some(lm) = landmarks {
        let (yaw, roll) = pose(lm);
        checks.push(check("yaw", yaw.abs(), cfg.max_yaw_deg as f64, Bound::Max));
        checks.push(check("roll", roll.abs(), cfg.max_roll_deg as f64, Bound::Max));
    }
    let failed: Vec<String> = checks.iter().filter(|c| !c.passed).map(|c| c.name.clone()).collect();
    QualityReport { enforced, passed: failed.is_empty(), failed, checks }
}

/// Fraction (0..1) of the box's area that lies outside a `w x h` image.
pub fn outside_fraction(b: &BoxF, w: u32, h: u32) -> f32 {
    let area = b.area();
    if area <= 0.0 {
        return 1.0;
    }
    let inside = BoxF { x0: b.x0.max(0.0), y0: b.y0.max(0.0), x1: b.x1.min(w as f32), y1: b.y1.min(h as f32) };
    (1.0 - inside.area() / area).clamp(0.0, 1.0)
}

/// The face resampled to 112×112 grey (BT.601 luma, rounded).
fn grey_patch(frame: &RgbFrame, rect: PixelRect) -> Vec<f32> {
    let rgb = resize_linear(frame, rect, PATCH, PATCH);
    rgb.chunks_exact(3).map(|p| (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32).round()).collect()
}

/// Variance of the 4-neighbour Laplacian over the interior of a square grey patch.
pub fn laplacian_variance(grey: &[f32], side: usize) -> f64 {
    if side < 3 {
        return 0.0;
    }
    let mut sum = 0f64;
    let mut sum2 = 0f64;
    let mut n = 0f64;
    for y in 1..side - 1 {
        for x in 1..side - 1 {
            let c = grey[y * side + x];
            let l =
                grey[(y - 1) * side + x] + grey[(y + 1) * side + x] + grey[y * side + x - 1] + grey[y * side + x + 1]
                    - 4.0 * c;
            sum += l as f64;
            sum2 += (l as f64) * (l as f64);
            n += 1.0;
        }
    }
    let mean = sum / n;
    (sum2 / n - mean * mean).max(0.0)
}

/// `(yaw, roll)` in degrees from five landmarks. Roll is the angle of the eye line. Yaw comes
/// from where the nose sits between the eyes: `asin(2 * offset / eye_distance)`, offset measured
/// along the eye line, clamped to ±90°.
pub fn pose(lm: &Landmarks5) -> (f64, f64) {
    let [le, re, nose, _, _] = lm.map(|p| [p[0] as f64, p[1] as f64]);
    let (dx, dy) = (re[0] - le[0], re[1] - le[1]);
    let roll = dy.atan2(dx).to_degrees();
    let dist = (dx * dx + dy * dy).sqrt();
    if dist < 1e-6 {
        return (90.0, roll);
    }
    let mid = [(le[0] + re[0]) / 2.0, (le[1] + re[1]) / 2.0];
    // Projection of (nose - mid) on the unit eye direction.
    let along = ((nose[0] - mid[0]) * dx + (nose[1] - mid[1]) * dy) / dist;
    let yaw = (2.0 * along / dist).clamp(-1.0, 1.0).asin().to_degrees();
    (yaw, roll)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_fraction_of_boxes() {
        let inside = BoxF { x0: 10.0, y0: 10.0, x1: 20.0, y1: 20.0 };
        assert_eq!(outside_fraction(&inside, 100, 100), 0.0);
        let half = BoxF { x0: -5.0, y0: 10.0, x1: 5.0, y1: 20.0 };
        assert!((outside_fraction(&half, 100, 100) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn laplacian_variance_separates_flat_from_edges() {
        let flat = vec![100f32; 16 * 16];
        assert_eq!(laplacian_variance(&flat, 16), 0.0);
        let checker: Vec<f32> = (0..256).map(|i| if (i / 16 + i % 16) % 2 == 0 { 0.0 } else { 255.0 }).collect();
        assert!(laplacian_variance(&checker, 16) > 1e5);
    }

    #[test]
    fn pose_of_frontal_turned_and_tilted_faces() {
        let frontal: Landmarks5 = [[40.0, 50.0], [80.0, 50.0], [60.0, 70.0], [45.0, 90.0], [75.0, 90.0]];
        let (yaw, roll) = pose(&frontal);
        assert!(yaw.abs() < 1e-6 && roll.abs() < 1e-6);
        // Nose a quarter of the eye distance to the right: asin(0.5) = 30°.
        let turned: Landmarks5 = [[40.0, 50.0], [80.0, 50.0], [70.0, 70.0], [45.0, 90.0], [75.0, 90.0]];
        assert!((pose(&turned).0 - 30.0).abs() < 1e-6);
        // Eye line at 45°.
        let tilted: Landmarks5 = [[0.0, 0.0], [10.0, 10.0], [5.0, 5.0], [0.0, 20.0], [10.0, 20.0]];
        assert!((pose(&tilted).1 - 45.0).abs() < 1e-6);
    }

    #[test]
    fn dark_tiny_face_fails_the_right_checks() {
        let frame = RgbFrame::new(200, 200, vec![5; 200 * 200 * 3]).unwrap();
        let face = BoxF { x0: 50.0, y0: 50.0, x1: 80.0, y1: 80.0 };
        let r = assess(&frame, &face, None, 1, &QualityConfig::default(), true);
        assert!(!r.passed);
        assert!(r.failed.contains(&"face_size".to_owned()));
        assert!(r.failed.contains(&"brightness_low".to_owned()));
        assert!(r.failed.contains(&"sharpness".to_owned()));
        assert!(!r.failed.contains(&"brightness_high".to_owned()));
        assert!(!r.failed.contains(&"face_inside".to_owned()));
    }
}
