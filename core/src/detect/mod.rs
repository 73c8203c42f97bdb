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
