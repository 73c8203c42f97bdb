//! Which face is analysed when a stranger's face is cut by the image border.
//!
//! Found on a peer's photo: RetinaFace scored the one large frontal face 0.62 and a
//! half-cropped stranger at the bottom-right edge 0.87, and the engine analysed (and embedded)
//! the stranger. The composites here rebuild that at test time: a sample whose main face the
//! detector is unsure of (the Obama sample tilted by 30°, the T1 selfie by 45°: scores
//! ~0.65–0.9 depending on the input size), with a second face (Biden's, cut from its sample)
//! pasted about half outside one border, at 0.5–1.0× the main face's size. Whatever happens,
//! the analysed face must be the main one: alone, or reported with `MULTIPLE_FACES`.
//!
//! Before `choose_face` (the analysed face was the detector's best), 6 of these 90 composites
//! analysed the stranger: Obama −30° left ×1 0.4 outside, and T1 −45° left ×0.5 0.4, left ×1
//! 0.4, right ×1 0.4, right ×1 0.5 and bottom ×1 0.4 (the last four under `largest` too). Two of
//! them were a plain `SUCCESS` on the stranger, without `MULTIPLE_FACES`, as on the peer's
//! photo. Five are fixed; T1 right ×1 0.4 is out of the rule's reach (see the test).

mod common;

use std::sync::OnceLock;

use common::{engine, upright_rgb};
use ozinstant::config::DetectionConfig;
use ozinstant::detect::retinaface::{self, RetinaFace};
use ozinstant::detect::{Detection, SAME_FACE_IOU, choose_face};
use ozinstant::frame::{BoxF, RgbFrame};
use ozinstant::pipeline::count_faces;
use ozinstant::report::FaceBox;
use ozinstant::runtime::{SessionPool, SessionSettings};
use ozinstant::{AnalyzeOptions, FacePolicy, FailReason, Media, MediaResult, PixelFormat};

/// An RGB image.
#[derive(Clone)]
struct Image {
    rgb: Vec<u8>,
    w: u32,
    h: u32,
}

impl Image {
    fn load(sample: &str) -> Image {
        let (rgb, w, h) = upright_rgb(sample);
        Image { rgb, w, h }
    }

    /// Bilinear sample at `(x, y)`, clamped to the image (the border is replicated).
    fn sample(&self, x: f64, y: f64) -> [u8; 3] {
        let x = x.clamp(0.0, (self.w - 1) as f64);
        let y = y.clamp(0.0, (self.h - 1) as f64);
        let (x0, y0) = (x.floor() as u32, y.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = (x - x0 as f64, y - y0 as f64);
        let px = |x: u32, y: u32, c: usize| self.rgb[((y * self.w + x) * 3) as usize + c] as f64;
        std::array::from_fn(|c| {
            let top = px(x0, y0, c) * (1.0 - fx) + px(x1, y0, c) * fx;
            let bottom = px(x0, y1, c) * (1.0 - fx) + px(x1, y1, c) * fx;
            (top * (1.0 - fy) + bottom * fy).round() as u8
        })
    }

    /// Rotated by `degrees` around `(cx, cy)` (OpenCV's `getRotationMatrix2D` convention:
    /// positive is counter-clockwise on screen), same size, border replicated.
    fn rotated(&self, cx: f64, cy: f64, degrees: f64) -> Image {
        let (s, c) = degrees.to_radians().sin_cos();
        let mut rgb = Vec::with_capacity(self.rgb.len());
        for y in 0..self.h {
            for x in 0..self.w {
                let (dx, dy) = (x as f64 - cx, y as f64 - cy);
                rgb.extend_from_slice(&self.sample(c * dx - s * dy + cx, s * dx + c * dy + cy));
            }
        }
        Image { rgb, w: self.w, h: self.h }
    }

    /// The region `[x, y, w, h]` (float pixels) resampled to `out_w × out_h`.
    fn resampled(&self, region: [f64; 4], out_w: u32, out_h: u32) -> Image {
        let (kx, ky) = (region[2] / out_w as f64, region[3] / out_h as f64);
        let mut rgb = Vec::with_capacity((out_w * out_h * 3) as usize);
        for y in 0..out_h {
            for x in 0..out_w {
                let sx = region[0] + (x as f64 + 0.5) * kx - 0.5;
                let sy = region[1] + (y as f64 + 0.5) * ky - 0.5;
                rgb.extend_from_slice(&self.sample(sx, sy));
            }
        }
        Image { rgb, w: out_w, h: out_h }
    }

    /// `patch` pasted with its top-left corner at `(ox, oy)`; what falls outside is dropped.
    fn pasted(&self, patch: &Image, ox: i64, oy: i64) -> Image {
        let mut out = self.clone();
        for py in 0..patch.h as i64 {
            for px in 0..patch.w as i64 {
                let (x, y) = (ox + px, oy + py);
                if x < 0 || y < 0 || x >= self.w as i64 || y >= self.h as i64 {
                    continue;
                }
                let d = ((y as u32 * self.w + x as u32) * 3) as usize;
                let s = ((py as u32 * patch.w + px as u32) * 3) as usize;
                out.rgb[d..d + 3].copy_from_slice(&patch.rgb[s..s + 3]);
            }
        }
        out
    }

    fn media(&self) -> Media {
        Media::pixels(self.rgb.clone(), PixelFormat::Rgb8, self.w, self.h, 0)
    }

    /// The best RetinaFace score of a detection overlapping `target` (`[x, y, w, h]`, IoU above
    /// [`SAME_FACE_IOU`]) at each of the engine's two detector inputs (~192², and the counting
    /// input with a 320 px long side); 0 where there is none.
    fn scores_of(&self, target: [f64; 4]) -> [f32; 2] {
        static DETECTOR: OnceLock<RetinaFace> = OnceLock::new();
        let detector = DETECTOR.get_or_init(|| {
            engine(); // loads ONNX Runtime
            let bytes = ozinstant::models::load(&ozinstant::models::RETINAFACE, None).unwrap().bytes;
            let settings = SessionSettings { intra_op_threads: 1, sessions_per_model: 1 };
            RetinaFace::new(SessionPool::new("retinaface", &bytes, settings).unwrap()).unwrap()
        });
        let frame = RgbFrame::new(self.w, self.h, self.rgb.clone()).unwrap();
        let target = BoxF {
            x0: target[0] as f32,
            y0: target[1] as f32,
            x1: (target[0] + target[2]) as f32,
            y1: (target[1] + target[3]) as f32,
        };
        let count_long_side = DetectionConfig::default().count_long_side;
        [
            retinaface::liveness_input_size(self.w, self.h),
            retinaface::long_side_input_size(self.w, self.h, count_long_side),
        ]
        .map(|(w, h)| {
            let dets = detector.detect(&frame, w, h).unwrap();
            dets.iter().filter(|d| d.bbox.iou(&target) > SAME_FACE_IOU).map(|d| d.score).fold(0.0, f32::max)
        })
    }
}

/// Biden's face box in its sample (`docs/MODELS.md`), the stranger.
const STRANGER_SAMPLE: &str = "facerec_live_biden.jpg";
const STRANGER_BOX: [f64; 4] = [407.0, 225.0, 319.0, 324.0];
/// Context pasted around the stranger's face box, fraction of its side on each side.
const STRANGER_MARGIN: f64 = 0.2;

#[derive(Debug, Clone, Copy)]
enum Border {
    Left,
    Right,
    Top,
    Bottom,
    BottomRight,
}

/// The base with the stranger's face (box height `scale` × `main_height`) pasted at `border`,
/// `outside` of its box past the border. Returns the image and the stranger's whole face box
/// `[x, y, w, h]` (partly outside the image).
fn composite(
    base: &Image,
    stranger: &Image,
    main_height: f64,
    scale: f64,
    border: Border,
    outside: f64,
) -> (Image, [f64; 4]) {
    let [sx, sy, sw, sh] = STRANGER_BOX;
    let k = scale * main_height / sh;
    let (mx, my) = (sw * STRANGER_MARGIN, sh * STRANGER_MARGIN);
    let region = [sx - mx, sy - my, sw + 2.0 * mx, sh + 2.0 * my];
    let patch = stranger.resampled(region, (region[2] * k).round() as u32, (region[3] * k).round() as u32);
    let (bw, bh) = (sw * k, sh * k);
    let (w, h) = (base.w as f64, base.h as f64);
    let inside = 1.0 - outside;
    // Top: towards the left, clear of the main face; left and right: halfway down.
    let (tx, ty) = match border {
        Border::Left => (-bw * outside, h / 2.0 - bh / 2.0),
        Border::Right => (w - bw * inside, h / 2.0 - bh / 2.0),
        Border::Top => (0.02 * w, -bh * outside),
        Border::Bottom => (w / 2.0 - bw / 2.0, h - bh * inside),
        Border::BottomRight => (w - bw * inside, h - bh * inside),
    };
    let img = base.pasted(&patch, (tx - mx * k).round() as i64, (ty - my * k).round() as i64);
    (img, [tx, ty, bw, bh])
}

fn iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let iw = ((a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0])).max(0.0);
    let ih = ((a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    inter / (a[2] * a[3] + b[2] * b[3] - inter)
}

fn xywh(b: &FaceBox) -> [f64; 4] {
    [b.x, b.y, b.width, b.height]
}

fn analysed(r: &MediaResult) -> Option<[f64; 4]> {
    r.faces.iter().find(|f| f.analysed).map(|f| xywh(&f.bbox))
}

/// One base: a sample rotated around its face so that the detector is unsure of it.
struct Base {
    sample: &'static str,
    /// The sample's face box (`docs/MODELS.md`): the rotation centre.
    face: [f64; 4],
    degrees: f64,
}

const BASES: &[Base] = &[
    Base { sample: "facerec_live_obama.jpg", face: [364.0, 136.0, 263.0, 266.0], degrees: -30.0 },
    Base { sample: "minivision_live_image_T1.jpg", face: [106.0, 147.0, 207.0, 213.0], degrees: -45.0 },
    // Upright: a confident main face (the common case) must stay analysed too.
    Base { sample: "facerec_live_obama.jpg", face: [364.0, 136.0, 263.0, 266.0], degrees: 0.0 },
];

/// Main face kept whatever the border, size and cut: for `single` analysed alone or reported
/// with `MULTIPLE_FACES`, for `largest` analysed.
///
/// The rule can only choose among faces that pass `detection.min_score` at one of the two
/// detector inputs. When the pasted face takes the main face below it at both (one T1
/// composite: the stranger's context covers the tilted face's ear), the main face is no face to
/// the engine and the stranger is all there is; such composites are reported, checked to be
/// rare, and left out of the main-face assertion.
#[test]
fn a_stranger_cut_by_the_border_is_never_analysed() {
    let stranger = Image::load(STRANGER_SAMPLE);
    let largest = AnalyzeOptions { face_policy: Some(FacePolicy::Largest), ..Default::default() };
    let min_score = DetectionConfig::default().min_score;
    let mut report = String::new();
    let mut failures = Vec::new();
    let mut out_of_reach = Vec::new();
    let mut cases = 0;
    for base in BASES {
        let img = Image::load(base.sample);
        let [x, y, w, h] = base.face;
        let img = if base.degrees == 0.0 { img } else { img.rotated(x + w / 2.0, y + h / 2.0, base.degrees) };
        let alone = engine().analyze(img.media()).unwrap();
        let main =
            analysed(&alone).unwrap_or_else(|| panic!("{}: no face without the stranger: {alone:?}", base.sample));
        assert_eq!(alone.faces.len(), 1, "{}: {:?}", base.sample, alone.faces);
        report.push_str(&format!(
            "{} rotated {}°: main face {main:?} score {} alone\n",
            base.sample, base.degrees, alone.faces[0].score
        ));
        for border in [Border::Left, Border::Right, Border::Top, Border::Bottom, Border::BottomRight] {
            for scale in [0.5, 0.75, 1.0] {
                for outside in [0.4, 0.5] {
                    let (composite, stranger_box) = composite(&img, &stranger, main[3], scale, border, outside);
                    let case = format!("{} {}° {border:?} ×{scale} {outside} outside", base.sample, base.degrees);
                    cases += 1;
                    let main_scores = composite.scores_of(main);
                    let visible = clip(stranger_box, composite.w, composite.h);
                    let stranger_scores = composite.scores_of(visible);
                    let single = engine().analyze(composite.media()).unwrap();
                    let wide = engine().analyze_with(composite.media(), &largest).unwrap();
                    let faces: Vec<String> = single
                        .faces
                        .iter()
                        .map(|f| format!("{:?}{} {:.3}", xywh(&f.bbox), if f.analysed { "*" } else { "" }, f.score))
                        .collect();
                    let line = format!(
                        "{case}: main {main_scores:.3?} stranger {stranger_scores:.3?} (at ~192², 320): {:?} {:?} \
                         faces {}",
                        single.resolution,
                        single.reason,
                        faces.join(" ")
                    );
                    report.push_str(&line);
                    report.push('\n');
                    if main_scores.iter().all(|s| *s < min_score) {
                        out_of_reach.push(line);
                        continue;
                    }
                    for (policy, r) in [("single", &single), ("largest", &wide)] {
                        let Some(got) = analysed(r) else {
                            failures.push(format!("{case} [{policy}]: no analysed face ({:?})", r.reason));
                            continue;
                        };
                        if iou(got, main) < 0.5 {
                            let whose = if iou(got, stranger_box) > 0.0 { "the stranger" } else { "another box" };
                            failures.push(format!("{case} [{policy}]: analysed {got:?} = {whose}, main {main:?}"));
                        }
                    }
                    // Single: the main face alone, or MULTIPLE_FACES with the main face first.
                    if single.reason.is_some_and(|r| r != FailReason::MultipleFaces) && single.faces.len() > 1 {
                        failures.push(format!("{case}: several faces but {:?}", single.reason));
                    }
                }
            }
        }
    }
    eprintln!("{report}");
    eprintln!("{} of {cases} composites out of the rule's reach (main face below min_score):", out_of_reach.len());
    for line in &out_of_reach {
        eprintln!("  {line}");
    }
    assert!(failures.is_empty(), "{} failures:\n{}\n\n{report}", failures.len(), failures.join("\n"));
    assert!(out_of_reach.len() * 20 <= cases, "too many composites hide the main face: {out_of_reach:#?}");
}

/// `[x, y, w, h]` clipped to a `w × h` image.
fn clip(b: [f64; 4], w: u32, h: u32) -> [f64; 4] {
    let (x0, y0) = (b[0].max(0.0), b[1].max(0.0));
    let (x1, y1) = ((b[0] + b[2]).min(w as f64), (b[1] + b[3]).min(h as f64));
    [x0, y0, (x1 - x0).max(0.0), (y1 - y0).max(0.0)]
}

fn det(x0: f32, y0: f32, w: f32, h: f32, score: f32) -> Detection {
    Detection { bbox: BoxF { x0, y0, x1: x0 + w, y1: y0 + h }, score, landmarks: None }
}

/// The peer photo's case on synthetic detections (a 910 × 1137 portrait): the main face 0.62,
/// a stranger half outside the bottom-right corner 0.87, in the detector's order (best first).
#[test]
fn the_ranking_prefers_a_whole_face_to_a_larger_scoring_one_cut_by_the_border() {
    let (w, h) = (910, 1137);
    let main = det(364.0, 136.0, 263.0, 266.0, 0.62);
    let stranger = det(780.0, 1005.0, 130.0, 132.0, 0.87); // runs to the corner
    assert!(stranger.is_cut_by_border(w, h) && !main.is_cut_by_border(w, h));
    assert_eq!(choose_face(&[stranger.clone(), main.clone()], w, h), Some(1));
    // Today's choice when no face is cut: the detector's order, whatever the sizes.
    let other = det(20.0, 500.0, 300.0, 300.0, 0.61);
    assert_eq!(choose_face(&[main.clone(), other.clone()], w, h), Some(0));
    // A cut face larger than every whole face stays first (a close-up running off the frame).
    let close_up = det(100.0, 600.0, 700.0, 700.0, 0.9);
    assert_eq!(choose_face(&[close_up.clone(), main.clone()], w, h), Some(0));
    // The same face seen twice (boxes overlapping above SAME_FACE_IOU) never outranks itself.
    let shifted = det(790.0, 990.0, 118.0, 140.0, 0.8);
    assert!(shifted.bbox.iou(&stranger.bbox) > SAME_FACE_IOU && shifted.is_cut_by_border(w, h));
    assert_eq!(choose_face(&[stranger.clone(), shifted], w, h), Some(0));

    // Counting: with the main face analysed, the cut stranger counts (0.87 ≥ count_min_score
    // 0.8): `single` gives MULTIPLE_FACES, and the main face is still the one reported first.
    let cfg = DetectionConfig::default();
    let counted = count_faces(&[stranger.clone(), main.clone()], &cfg, Some(&main), (w, h));
    assert_eq!(counted.len(), 2);
    // A second whole face as large as the analysed one counts from min_score on (0.61 here)...
    let twin = det(20.0, 500.0, 263.0, 266.0, 0.61);
    assert_eq!(count_faces(&[main.clone(), twin], &cfg, Some(&main), (w, h)).len(), 2);
    // ...a smaller one at that score does not, and nothing below min_score does.
    let smaller = det(20.0, 500.0, 200.0, 200.0, 0.61);
    let weak = det(20.0, 500.0, 300.0, 300.0, 0.59);
    assert_eq!(count_faces(&[main.clone(), smaller, weak], &cfg, Some(&main), (w, h)).len(), 1);
}
