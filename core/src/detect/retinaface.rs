//! The SSD-style RetinaFace detector that MiniFASNet's training crops were made with
//! (Silent-Face-Anti-Spoofing's `detection_model`, rebuilt as ONNX).
//!
//! Model facts (`docs/MODELS.md`): input `data` [1,3,H,W] float32, **BGR**, pixel minus
//! (104, 117, 123), no scaling; outputs `loc` [1,P,4] (box regression) and `conf` [1,P,2]
//! (softmax, face = column 1). Priors, decoding and NMS follow Caffe's `PriorBox` and
//! `DetectionOutput` layers as the original deploy prototxt configures them.

use crate::error::Result;
use crate::frame::{BoxF, RgbFrame};
use crate::resize::{ChannelOrder, Normalize, pack_nchw, resize_linear};
use crate::runtime::{OutputSpec, SessionPool, run_wiped};

use super::Detection;

/// Per-channel mean subtracted from B, G, R.
const MEAN_BGR: [f32; 3] = [104.0, 117.0, 123.0];
/// (step, [min sizes]) of the three prior heads, in network-input pixels.
const HEADS: [(u32, [f32; 2]); 3] = [(8, [16.0, 32.0]), (16, [64.0, 128.0]), (32, [256.0, 512.0])];
/// Centre-size variances for (x, y) and (w, h).
const VARIANCE: [f32; 2] = [0.1, 0.2];
/// Detection output: scores kept above this, before NMS.
const CONFIDENCE_THRESHOLD: f32 = 0.1;
/// Candidates kept (by score) before NMS.
const NMS_TOP_K: usize = 400;
/// Boxes overlapping a kept box by more than this IoU are suppressed.
const NMS_IOU: f32 = 0.3;
/// Detections kept after NMS.
const KEEP_TOP_K: usize = 200;
/// The original pipeline shrinks images of at least this many pixels to about this area.
const LIVENESS_INPUT_SIDE: f64 = 192.0;

/// Network input size of the original liveness pipeline for a `w0 x h0` image: images of at
/// least 192² pixels are resized to `(int(192·√(w0/h0)), int(192/√(w0/h0)))`, smaller ones are
/// used as they are.
pub fn liveness_input_size(w0: u32, h0: u32) -> (u32, u32) {
    if (w0 as u64) * (h0 as u64) >= (LIVENESS_INPUT_SIDE * LIVENESS_INPUT_SIDE) as u64 {
        let ar = (w0 as f64 / h0 as f64).sqrt();
        let w = (LIVENESS_INPUT_SIDE * ar) as u32;
        let h = (LIVENESS_INPUT_SIDE / ar) as u32;
        (w.max(1), h.max(1))
    } else {
        (w0, h0)
    }
}

/// Input size whose long side is at most `long_side` (aspect kept; never enlarged).
pub fn long_side_input_size(w0: u32, h0: u32, long_side: u32) -> (u32, u32) {
    let long = w0.max(h0);
    if long <= long_side {
        return (w0, h0);
    }
    let s = long_side as f64 / long as f64;
    (((w0 as f64 * s).round() as u32).max(1), ((h0 as f64 * s).round() as u32).max(1))
}

/// Number of priors for a `w x h` network input.
pub fn prior_count(w: u32, h: u32) -> usize {
    HEADS.iter().map(|(step, sizes)| (w.div_ceil(*step) * h.div_ceil(*step)) as usize * sizes.len()).sum()
}

/// Priors `[x0, y0, x1, y1]`, normalised to the network input, in the order head → row →
/// column → size. Computed in f64 and stored as f32, as Caffe's `PriorBox` does.
pub fn priors(w: u32, h: u32) -> Vec<[f32; 4]> {
    let mut out = Vec::with_capacity(prior_count(w, h));
    let (wf, hf) = (w as f64, h as f64);
    for (step, sizes) in HEADS {
        for y in 0..h.div_ceil(step) {
            for x in 0..w.div_ceil(step) {
                let cx = (x as f64 + 0.5) * step as f64;
                let cy = (y as f64 + 0.5) * step as f64;
                for s in sizes {
                    let half = s as f64 / 2.0;
                    out.push([
                        ((cx - half) / wf) as f32,
                        ((cy - half) / hf) as f32,
                        ((cx + half) / wf) as f32,
                        ((cy + half) / hf) as f32,
                    ]);
                }
            }
        }
    }
    out
}

/// Decodes one box regression against its prior (centre-size coding, variances 0.1/0.2, no
/// clipping). Returns a box normalised to the network input.
#[inline]
pub fn decode_box(loc: &[f32], prior: &[f32; 4]) -> BoxF {
    let pw = prior[2] - prior[0];
    let ph = prior[3] - prior[1];
    let pcx = (prior[0] + prior[2]) / 2.0;
    let pcy = (prior[1] + prior[3]) / 2.0;
    let cx = VARIANCE[0] * loc[0] * pw + pcx;
    let cy = VARIANCE[0] * loc[1] * ph + pcy;
    let bw = (VARIANCE[1] * loc[2]).exp() * pw;
    let bh = (VARIANCE[1] * loc[3]).exp() * ph;
    BoxF { x0: cx - bw / 2.0, y0: cy - bh / 2.0, x1: cx + bw / 2.0, y1: cy + bh / 2.0 }
}

/// Caffe `DetectionOutput` on raw outputs: threshold, top-k, greedy NMS, keep-top-k.
/// `loc` is `[P*4]`, `conf` is `[P*2]`. Returns normalised boxes with scores, best first.
pub fn detection_output(loc: &[f32], conf: &[f32], priors: &[[f32; 4]]) -> Vec<(BoxF, f32)> {
    let p = priors.len();
    debug_assert_eq!(loc.len(), p * 4);
    debug_assert_eq!(conf.len(), p * 2);
    let mut cand: Vec<(usize, f32)> =
        (0..p).map(|i| (i, conf[i * 2 + 1])).filter(|&(_, s)| s > CONFIDENCE_THRESHOLD).collect();
    // Stable sort, descending: equal scores keep prior order.
    cand.sort_by(|a, b| b.1.total_cmp(&a.1));
    cand.truncate(NMS_TOP_K);
    let mut kept: Vec<(BoxF, f32)> = Vec::new();
    for (i, score) in cand {
        let b = decode_box(&loc[i * 4..i * 4 + 4], &priors[i]);
        if kept.iter().all(|(k, _)| k.iou(&b) <= NMS_IOU) {
            kept.push((b, score));
            if kept.len() == KEEP_TOP_K {
                break;
            }
        }
    }
    kept
}

/// Integer face box `[x, y, w, h]` as the original pipeline computes it from a detection
/// scaled to original pixels (normalised box times W0, H0 in f32, as [`RetinaFace::detect`]
/// returns it): `int(l), int(t), int(r-l+1), int(b-t+1)`, `int()` truncating toward zero.
pub fn int_box(b: &BoxF) -> [i32; 4] {
    [b.x0 as i32, b.y0 as i32, (b.x1 - b.x0 + 1.0) as i32, (b.y1 - b.y0 + 1.0) as i32]
}

/// Raw network outputs for one input size.
pub struct RawOutput {
    /// Network input width.
    pub net_w: u32,
    /// Network input height.
    pub net_h: u32,
    /// `loc`, `[P*4]`.
    pub loc: Vec<f32>,
    /// `conf`, `[P*2]`.
    pub conf: Vec<f32>,
}

/// The detector with its sessions.
pub struct RetinaFace {
    pool: SessionPool,
}

impl RetinaFace {
    /// Wraps a session pool of `retinaface_silentface.onnx`, checking its inputs and outputs.
    pub fn new(pool: SessionPool) -> Result<Self> {
        pool.expect_io(&["data"], &["loc", "conf"])?;
        Ok(RetinaFace { pool })
    }

    /// Runs the network on a prepared NCHW BGR-minus-mean blob of `net_w x net_h`.
    pub fn run_blob(&self, blob: &[f32], net_w: u32, net_h: u32) -> Result<RawOutput> {
        let p = prior_count(net_w, net_h);
        let shape = [1usize, 3, net_h as usize, net_w as usize];
        self.pool.with_session(|s| {
            let input = ort::value::TensorRef::from_array_view((shape, blob))?;
            let outputs: [OutputSpec; 2] = [("loc", &[1, p, 4]), ("conf", &[1, p, 2])];
            run_wiped(s, "retinaface", ort::inputs!["data" => input], &outputs, |out| {
                Ok(RawOutput { net_w, net_h, loc: out[0].to_vec(), conf: out[1].to_vec() })
            })
        })
    }

    /// Resizes `frame` to `net_w x net_h` (OpenCV bilinear grid) and runs the network.
    pub fn run(&self, frame: &RgbFrame, net_w: u32, net_h: u32) -> Result<RawOutput> {
        let blob = make_blob(frame, net_w, net_h);
        self.run_blob(&blob, net_w, net_h)
    }

    /// Detects faces at the given network input size. Boxes are in original pixels, best
    /// first, after NMS.
    pub fn detect(&self, frame: &RgbFrame, net_w: u32, net_h: u32) -> Result<Vec<Detection>> {
        let raw = self.run(frame, net_w, net_h)?;
        let pri = priors(net_w, net_h);
        let (w0, h0) = (frame.width() as f32, frame.height() as f32);
        Ok(detection_output(&raw.loc, &raw.conf, &pri)
            .into_iter()
            .map(|(b, score)| Detection { bbox: b.scale(w0, h0), score, landmarks: None })
            .collect())
    }
}

/// The detector's input blob: `frame` resized to `net_w x net_h` (identity when equal), BGR,
/// minus the mean, NCHW.
pub fn make_blob(frame: &RgbFrame, net_w: u32, net_h: u32) -> Vec<f32> {
    let mut blob = vec![0f32; 3 * net_w as usize * net_h as usize];
    let norm = Normalize { mean: MEAN_BGR, scale: 1.0 };
    if (net_w, net_h) == (frame.width(), frame.height()) {
        pack_nchw(frame.as_raw(), net_w as usize, net_h as usize, ChannelOrder::Bgr, norm, &mut blob);
    } else {
        let small = resize_linear(frame, frame.full_rect(), net_w, net_h);
        pack_nchw(&small, net_w as usize, net_h as usize, ChannelOrder::Bgr, norm, &mut blob);
    }
    blob
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::read_npy_f32;

    const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/retinaface/");

    #[test]
    fn input_size_matches_original_pipeline() {
        assert_eq!(liveness_input_size(480, 640), (166, 221));
        assert_eq!(liveness_input_size(100, 100), (100, 100));
        assert_eq!(liveness_input_size(192, 192), (192, 192));
        assert_eq!(long_side_input_size(1920, 1080, 640), (640, 360));
        assert_eq!(long_side_input_size(300, 200, 640), (300, 200));
        assert_eq!(prior_count(166, 221), 1568);
    }

    #[test]
    fn priors_are_bit_exact_with_reference() {
        let (shape, want) = read_npy_f32(&format!("{DATA}image_T1_priors.npy"));
        assert_eq!(shape, vec![1568, 4]);
        let got: Vec<f32> = priors(166, 221).into_iter().flatten().collect();
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.to_bits(), w.to_bits(), "prior value {i}: {g} vs {w}");
        }
    }

    #[test]
    fn detection_output_matches_opencv_on_reference_outputs() {
        for name in ["T1", "F1", "F2"] {
            let (_, loc) = read_npy_f32(&format!("{DATA}image_{name}_loc.npy"));
            let (_, conf) = read_npy_f32(&format!("{DATA}image_{name}_conf.npy"));
            let (shape, want) = read_npy_f32(&format!("{DATA}image_{name}_detection_out_opencv.npy"));
            assert_eq!(shape[1], 7);
            let got = detection_output(&loc, &conf, &priors(166, 221));
            // OpenCV pads its output; real rows have a positive score.
            let want_rows: Vec<&[f32]> = want.chunks(7).filter(|r| r[2] > 0.0).collect();
            assert_eq!(got.len(), want_rows.len(), "{name}: detection count");
            for ((b, s), w) in got.iter().zip(want_rows) {
                assert_eq!(s.to_bits(), w[2].to_bits(), "{name}: score");
                for (g, e) in [b.x0, b.y0, b.x1, b.y1].iter().zip(&w[3..7]) {
                    assert!((g - e).abs() <= 1e-6, "{name}: box {g} vs {e}");
                }
            }
        }
    }

    #[test]
    fn int_box_matches_golden_boxes() {
        // Top OpenCV detections from testvectors/retinaface/index.json and MODELS.md's boxes.
        let cases = [
            ([0.22125621_f32, 0.23114595, 0.6505088, 0.5637448], [106, 147, 207, 213]),
            ([0.37216184, 0.2136071, 0.83484375, 0.56379294], [178, 136, 223, 225]),
            ([0.25171474, 0.3949821, 0.7748687, 0.7940366], [120, 252, 252, 256]),
        ];
        for (b, want) in cases {
            let b = BoxF { x0: b[0], y0: b[1], x1: b[2], y1: b[3] };
            assert_eq!(int_box(&b.scale(480.0, 640.0)), want);
        }
    }

    #[test]
    fn nms_suppresses_overlaps_and_keeps_order() {
        // Two priors at the same place with scores 0.9 and 0.8, and one far away with 0.5.
        let pri = vec![[0.1, 0.1, 0.3, 0.3], [0.1, 0.1, 0.3, 0.3], [0.6, 0.6, 0.9, 0.9]];
        let loc = vec![0.0; 12];
        let conf = vec![0.2, 0.8, 0.1, 0.9, 0.5, 0.5];
        let out = detection_output(&loc, &conf, &pri);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].1, 0.9);
        assert_eq!(out[1].1, 0.5);
    }

    #[test]
    fn network_reproduces_reference_outputs_from_reference_blob() {
        crate::runtime::environment(None).unwrap();
        let loaded = crate::models::load(&crate::models::RETINAFACE, None).unwrap();
        let pool = SessionPool::new(
            "retinaface",
            &loaded.bytes,
            crate::runtime::SessionSettings { intra_op_threads: 1, sessions_per_model: 1 },
        )
        .unwrap();
        let det = RetinaFace::new(pool).unwrap();
        for name in ["T1", "F1", "F2"] {
            let (shape, blob) = read_npy_f32(&format!("{DATA}image_{name}_blob.npy"));
            assert_eq!(shape, vec![1, 3, 221, 166]);
            let raw = det.run_blob(&blob, 166, 221).unwrap();
            let (_, loc) = read_npy_f32(&format!("{DATA}image_{name}_loc.npy"));
            let (_, conf) = read_npy_f32(&format!("{DATA}image_{name}_conf.npy"));
            let dl = raw.loc.iter().zip(&loc).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            let dc = raw.conf.iter().zip(&conf).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            assert!(dl < 1e-3 && dc < 1e-4, "{name}: loc diff {dl}, conf diff {dc}");
            let top = detection_output(&raw.loc, &raw.conf, &priors(166, 221));
            let golden = match name {
                "T1" => [106, 147, 207, 213],
                "F1" => [178, 136, 223, 225],
                _ => [120, 252, 252, 256],
            };
            assert_eq!(int_box(&top[0].0.scale(480.0, 640.0)), golden, "{name}");
        }
    }
}
