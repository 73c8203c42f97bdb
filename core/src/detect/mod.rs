//! Face detection: RetinaFace (the box MiniFASNet was trained on) and MTCNN (five landmarks,
//! small faces).

pub mod mtcnn;
pub mod retinaface;

use crate::frame::BoxF;

/// Five facial landmarks in original-image pixels, as `[x, y]`, in this order: left eye, right
/// eye, nose tip, left mouth corner, right mouth corner ("left" = smaller x in the image).
pub type Landmarks5 = [[f32; 2]; 5];

/// One detected face in original-image pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Face box, float pixels.
    pub bbox: BoxF,
    /// Detector confidence, 0..1.
    pub score: f32,
    /// Landmarks when the detector provides them.
    pub landmarks: Option<Landmarks5>,
}

/// Detections of one image overlapping by more than this IoU are the same face: seen at two
/// detector input sizes, or by two detectors. The RetinaFace NMS uses the same value.
pub const SAME_FACE_IOU: f32 = 0.3;

/// A face box closer to the image border than this fraction of the image's side (its width for
/// the left and right edges, its height for the top and bottom) is *cut by the border*: the
/// face runs on outside the picture. RetinaFace boxes such a face up to its visible edge, and
/// on composites like those of `core/tests/face_selection.rs` (a face 30–60 % outside one
/// border; 342 detections scoring ≥ 0.6 at either input size, measured with the Python mirror
/// `benches/reference/reference.py`) that edge stopped at most 1.5 % of the side short of the
/// border; 2 % leaves some room.
pub const BORDER_MARGIN: f32 = 0.02;

impl Detection {
    /// Area of the box inside a `width × height` image, pixels².
    pub fn visible_area(&self, width: u32, height: u32) -> f32 {
        let (w, h) = (width as f32, height as f32);
        let iw = (self.bbox.x1.min(w) - self.bbox.x0.max(0.0)).max(0.0);
        let ih = (self.bbox.y1.min(h) - self.bbox.y0.max(0.0)).max(0.0);
        iw * ih
    }

    /// Whether the box is cut by the border of a `width × height` image: one of its edges is
    /// outside the image or within [`BORDER_MARGIN`] of the image side of it.
    pub fn is_cut_by_border(&self, width: u32, height: u32) -> bool {
        let (mx, my) = (BORDER_MARGIN * width as f32, BORDER_MARGIN * height as f32);
        let b = &self.bbox;
        b.x0 < mx || b.y0 < my || b.x1 > width as f32 - mx || b.y1 > height as f32 - my
    }
}

/// The analysed face among `candidates` (faces that passed `detection.min_score`, in order of
/// preference: the caller's order, best score first), as an index; `None` when there is none.
///
/// The rule: **the first candidate that is not outranked**, where a candidate is outranked when
/// it is cut by the image border ([`Detection::is_cut_by_border`]) and another candidate, not
/// the same face, not cut, is at least as large (area inside the image,
/// [`Detection::visible_area`]). So:
///
/// * on an image where no candidate is cut, or the best one is not, the choice is the caller's
///   order unchanged (every sample and every golden box keeps its face);
/// * a whole face beats a face cut by the border that is no larger: a half-visible stranger at
///   the edge of a selfie is not its subject, even when the detector scores it higher (a peer
///   photo: the main face 0.62, a half-cropped stranger at the bottom-right 0.87);
/// * a face cut by the border still beats smaller whole faces: a close-up selfie whose chin or
///   hair runs off the frame stays analysed over a small face in the background.
///
/// Size and border only break the detector's order in that one case, rather than weighting
/// every candidate by score × size × position: a weighted rank would also reorder whole faces
/// (on the meeting photo of the development set, score × area would put a larger face scoring
/// 0.83 before the best one at 0.95) and needs tuned weights, while a face cut by the border is
/// the one that cannot be the subject of a liveness check or a biometric comparison.
pub fn choose_face(candidates: &[Detection], width: u32, height: u32) -> Option<usize> {
    let cut: Vec<bool> = candidates.iter().map(|d| d.is_cut_by_border(width, height)).collect();
    let area: Vec<f32> = candidates.iter().map(|d| d.visible_area(width, height)).collect();
    let outranked = |i: usize| {
        cut[i]
            && (0..candidates.len())
                .any(|j| !cut[j] && area[j] >= area[i] && candidates[j].bbox.iou(&candidates[i].bbox) <= SAME_FACE_IOU)
    };
    (0..candidates.len()).find(|&i| !outranked(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(x0: f32, y0: f32, side: f32, score: f32) -> Detection {
        Detection { bbox: BoxF { x0, y0, x1: x0 + side, y1: y0 + side }, score, landmarks: None }
    }

    #[test]
    fn border_cut_and_visible_area() {
        // 1000 × 500: margins 20 px left and right, 10 px top and bottom.
        assert!(!det(100.0, 100.0, 200.0, 0.9).is_cut_by_border(1000, 500));
        assert!(det(15.0, 100.0, 200.0, 0.9).is_cut_by_border(1000, 500));
        assert!(det(100.0, 5.0, 200.0, 0.9).is_cut_by_border(1000, 500));
        assert!(det(790.0, 100.0, 200.0, 0.9).is_cut_by_border(1000, 500));
        assert!(!det(779.0, 100.0, 200.0, 0.9).is_cut_by_border(1000, 500));
        assert!(det(100.0, 295.0, 200.0, 0.9).is_cut_by_border(1000, 500));
        assert_eq!(det(-50.0, 400.0, 200.0, 0.9).visible_area(1000, 500), 150.0 * 100.0);
        assert_eq!(det(100.0, 100.0, 200.0, 0.9).visible_area(1000, 500), 200.0 * 200.0);
    }

    #[test]
    fn a_face_cut_by_the_border_yields_to_a_whole_face_at_least_as_large() {
        let whole = det(300.0, 100.0, 200.0, 0.62);
        let cut = det(900.0, 350.0, 150.0, 0.87); // runs off the right and bottom edges
        assert_eq!(choose_face(&[cut.clone(), whole.clone()], 1000, 500), Some(1));
        // A smaller whole face does not outrank a larger cut one (a close-up cut by the frame).
        let small = det(100.0, 100.0, 60.0, 0.7);
        let close_up = det(400.0, 200.0, 400.0, 0.9); // bottom edge at 600 > 500
        assert_eq!(choose_face(&[close_up, small], 1000, 500), Some(0));
        // No cut face: the caller's order.
        assert_eq!(choose_face(&[whole.clone(), det(600.0, 100.0, 250.0, 0.61)], 1000, 500), Some(0));
        // Only cut faces, or one candidate: the first.
        assert_eq!(choose_face(&[cut.clone(), det(-20.0, 100.0, 100.0, 0.7)], 1000, 500), Some(0));
        assert_eq!(choose_face(&[cut], 1000, 500), Some(0));
        assert_eq!(choose_face(&[], 1000, 500), None);
    }
}
