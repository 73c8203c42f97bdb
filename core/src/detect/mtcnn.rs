//! MTCNN: the classic three-stage face detector cascade (P-Net → R-Net → O-Net) with five
//! landmarks, as in the ipazc/mtcnn lineage (Keras models exported to ONNX).
//!
//! Facts about the models this module relies on (checked against the ONNX files):
//!
//! | model | input | outputs |
//! |---|---|---|
//! | P-Net | `input_1` f32 `[N, W', H', 3]` (any size ≥ 11) | `conv2d_4` `[N, a, b, 4]` box regression, `softmax` `[N, a, b, 2]` |
//! | R-Net | `input_2` f32 `[N, 24, 24, 3]` | `dense_2` `[N, 4]` regression, `softmax_1` `[N, 2]` |
//! | O-Net | `input_3` f32 `[N, 48, 48, 3]` | `dense_5` `[N, 4]` regression, `dense_6` `[N, 10]` landmarks, `softmax_2` `[N, 2]` |
//!
//! * Pixels are RGB, normalised as `(v - 127.5) * 0.0078125`, NHWC, **transposed**: the Keras
//!   port was trained on images with height and width swapped, so every input tensor is laid
//!   out `[N, width, height, 3]`, and P-Net's output maps come back transposed as well (map row
//!   `a` is the image's column cell, map column `b` its row cell).
//! * Index 1 of every softmax is "face". Regression channels are `dx1, dy1, dx2, dy2` in image
//!   orientation, relative to the box size. O-Net's landmarks are `x1..x5, y1..y5`, relative to
//!   the box: left eye, right eye, nose, left mouth corner, right mouth corner.
//! * The batch dimension of every model is dynamic, so all R-Net (and all O-Net) candidates
//!   run in one call (chunked only to bound memory).
//!
//! Geometry follows the lineage exactly, including its MATLAB-style convention: inside the
//! cascade a box `[x1, y1, x2, y2]` is in 1-based, inclusive pixel coordinates (its crop covers
//! 0-based columns `x1 - 1 ..= x2 - 1`). Results are converted to [`BoxF`] edges
//! (`x0 = x1 - 1`, `x1 = x2`) in original-image pixels.
//!
//! Resampling: pyramid levels and R-Net/O-Net crops use a float box filter (OpenCV
//! `INTER_AREA`'s definition, which the lineage uses), with zero padding outside the image as
//! the lineage's crops have. Large frames are first shrunk with [`resize_linear`] so the long
//! side is at most [`MtcnnParams::max_pyramid_side`]; this bounds P-Net's cost.

use ort::value::TensorRef;
use zeroize::Zeroizing;

use crate::detect::{Detection, Landmarks5};
use crate::error::{Error, Result};
use crate::frame::{BoxF, RgbFrame};
use crate::models;
use crate::resize::resize_linear;
use crate::runtime::{OutputSpec, SessionPool, SessionSettings, run_wiped};

const PNET_INPUT: &str = "input_1";
const PNET_REG: &str = "conv2d_4";
const PNET_PROB: &str = "softmax";
const RNET_INPUT: &str = "input_2";
const RNET_REG: &str = "dense_2";
const RNET_PROB: &str = "softmax_1";
const ONET_INPUT: &str = "input_3";
const ONET_REG: &str = "dense_5";
const ONET_LANDMARKS: &str = "dense_6";
const ONET_PROB: &str = "softmax_2";

/// Input normalisation: `(v - MEAN) * SCALE`.
const MEAN: f32 = 127.5;
const SCALE: f32 = 0.0078125;

/// P-Net's receptive field (pixels of the pyramid level) and stride of its output map.
const PNET_CELL: f32 = 12.0;
const PNET_STRIDE: f32 = 2.0;

const RNET_SIZE: usize = 24;
const ONET_SIZE: usize = 48;

/// NMS overlaps of the lineage.
const NMS_WITHIN_SCALE: f32 = 0.5;
const NMS_ACROSS_SCALES: f32 = 0.7;
const NMS_AFTER_RNET: f32 = 0.7;
const NMS_AFTER_ONET: f32 = 0.7;

/// Candidates per R-Net / O-Net call. One call in practice; chunks only bound memory
/// (512 × 24² × 3 floats ≈ 3.5 MB, 128 × 48² × 3 floats ≈ 3.5 MB).
const RNET_CHUNK: usize = 512;
const ONET_CHUNK: usize = 128;

/// Cascade settings.
#[derive(Debug, Clone)]
pub struct MtcnnParams {
    /// Smallest face to look for, in original-image pixels (> 0, default 20). When the frame is
    /// shrunk to `max_pyramid_side`, faces smaller than `12 / shrink` original pixels cannot be
    /// found whatever this says: the pyramid never upsamples past `max_pyramid_side`.
    pub min_face_px: f32,
    /// Ratio between consecutive pyramid levels, in `[0.05, 0.95]` (default 0.709).
    pub scale_factor: f32,
    /// Face-probability thresholds of P-Net, R-Net and O-Net, each in `[0, 1]`
    /// (default 0.6, 0.7, 0.7).
    pub thresholds: [f32; 3],
    /// Longest side, in pixels (≥ 12, default 640), of the image the cascade runs on. Larger
    /// frames are first shrunk (with [`resize_linear`]) so the long side is at most this, and
    /// the first pyramid level is never larger than this; results are mapped back to original
    /// pixels.
    pub max_pyramid_side: u32,
}

impl Default for MtcnnParams {
    fn default() -> Self {
        MtcnnParams { min_face_px: 20.0, scale_factor: 0.709, thresholds: [0.6, 0.7, 0.7], max_pyramid_side: 640 }
    }
}

impl MtcnnParams {
    /// Checks every field's range; a typed [`Error::Config`] names the first bad one.
    pub fn validate(&self) -> Result<()> {
        if !(self.min_face_px.is_finite() && self.min_face_px > 0.0) {
            return Err(Error::Config(format!("mtcnn min_face_px must be > 0, got {}", self.min_face_px)));
        }
        if !(self.scale_factor >= 0.05 && self.scale_factor <= 0.95) {
            return Err(Error::Config(format!(
                "mtcnn scale_factor must be in [0.05, 0.95], got {}",
                self.scale_factor
            )));
        }
        if let Some(t) = self.thresholds.iter().find(|t| !(**t >= 0.0 && **t <= 1.0)) {
            return Err(Error::Config(format!("mtcnn thresholds must be in [0, 1], got {t}")));
        }
        if self.max_pyramid_side < 12 {
            return Err(Error::Config(format!("mtcnn max_pyramid_side must be >= 12, got {}", self.max_pyramid_side)));
        }
        Ok(())
    }
}

/// The three MTCNN networks. Stateless between calls; safe to share across threads.
pub struct Mtcnn {
    pnet: SessionPool,
    rnet: SessionPool,
    onet: SessionPool,
}

impl std::fmt::Debug for Mtcnn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mtcnn").finish_non_exhaustive()
    }
}

/// A borrowed interleaved RGB8 image.
#[derive(Clone, Copy)]
struct Img<'a> {
    data: &'a [u8],
    w: usize,
    h: usize,
}

/// NMS overlap measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NmsMode {
    /// Intersection over union.
    Union,
    /// Intersection over the smaller area (suppresses boxes nested in a better one).
    Min,
}

/// A box of the cascade, in its 1-based inclusive pixel convention, with the score and the
/// regression offsets that came with it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Candidate {
    /// Left column (1-based, inclusive).
    pub x1: f32,
    /// Top row (1-based, inclusive).
    pub y1: f32,
    /// Right column (1-based, inclusive).
    pub x2: f32,
    /// Bottom row (1-based, inclusive).
    pub y2: f32,
    /// Face probability of the network that produced the box.
    pub score: f32,
    /// Box regression `dx1, dy1, dx2, dy2`, relative to the box size.
    pub reg: [f32; 4],
}

impl Candidate {
    fn is_finite(&self) -> bool {
        self.x1.is_finite() && self.y1.is_finite() && self.x2.is_finite() && self.y2.is_finite()
    }
}

/// Pyramid scales (pyramid level size / image size) for a `width x height` image, largest
/// first: `m, m·f, m·f², ...` with `m = min(12 / min_face_px, max_side / long_side)`, while the
/// level's short side stays ≥ 12 pixels (P-Net's window). Empty when even the first level is
/// too small.
pub(crate) fn pyramid_scales(width: u32, height: u32, min_face_px: f32, factor: f32, max_side: u32) -> Vec<f32> {
    let long = width.max(height) as f32;
    let short = width.min(height) as f32;
    if long <= 0.0 || min_face_px.is_nan() || min_face_px <= 0.0 || !(factor > 0.0 && factor < 1.0) {
        return Vec::new();
    }
    let m = (PNET_CELL / min_face_px).min(max_side as f32 / long);
    let mut scales = Vec::new();
    let mut level_short = short * m;
    let mut k = 0;
    while level_short >= PNET_CELL && k < 1000 {
        scales.push(m * factor.powi(k));
        level_short *= factor;
        k += 1;
    }
    scales
}

/// Turns one pyramid level's P-Net maps into candidate boxes in that level's source image.
///
/// `prob` is the softmax map `[rows, cols, 2]` and `reg` the regression map `[rows, cols, 4]`,
/// both exactly as the model returns them, i.e. **transposed**: map row `a` is the image's
/// column cell and map column `b` its row cell. A cell scoring ≥ `threshold` gives the
/// 12×12 window at `(2a, 2b)` of the level, mapped back by `1 / scale` and truncated, in the
/// lineage's 1-based inclusive convention.
pub(crate) fn generate_boxes(
    prob: &[f32],
    reg: &[f32],
    rows: usize,
    cols: usize,
    scale: f32,
    threshold: f32,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    if cols == 0 || scale.is_nan() || scale <= 0.0 {
        return out;
    }
    for (i, (p, r)) in prob.chunks_exact(2).zip(reg.chunks_exact(4)).take(rows * cols).enumerate() {
        let score = p[1];
        if score.is_nan() || threshold.is_nan() || score < threshold {
            continue;
        }
        let (col, row) = ((i / cols) as f32, (i % cols) as f32);
        out.push(Candidate {
            x1: ((PNET_STRIDE * col + 1.0) / scale).trunc(),
            y1: ((PNET_STRIDE * row + 1.0) / scale).trunc(),
            x2: ((PNET_STRIDE * col + PNET_CELL) / scale).trunc(),
            y2: ((PNET_STRIDE * row + PNET_CELL) / scale).trunc(),
            score,
            reg: [r[0], r[1], r[2], r[3]],
        });
    }
    out
}

/// Greedy non-maximum suppression. Returns the indices of the kept boxes, best score first.
/// Areas use the lineage's "+1" inclusive-pixel convention. A box is suppressed when its
/// overlap with a kept box is strictly greater than `threshold`.
pub(crate) fn nms(boxes: &[Candidate], threshold: f32, mode: NmsMode) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[b].score.total_cmp(&boxes[a].score));
    let area = |b: &Candidate| (b.x2 - b.x1 + 1.0) * (b.y2 - b.y1 + 1.0);
    let mut suppressed = vec![false; boxes.len()];
    let mut keep = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        if suppressed[i] {
            continue;
        }
        keep.push(i);
        let a = &boxes[i];
        let area_a = area(a);
        for &j in &order[pos + 1..] {
            if suppressed[j] {
                continue;
            }
            let b = &boxes[j];
            let iw = (a.x2.min(b.x2) - a.x1.max(b.x1) + 1.0).max(0.0);
            let ih = (a.y2.min(b.y2) - a.y1.max(b.y1) + 1.0).max(0.0);
            let inter = iw * ih;
            let denom = match mode {
                NmsMode::Union => area_a + area(b) - inter,
                NmsMode::Min => area_a.min(area(b)),
            };
            // NaN overlaps (degenerate boxes) do not suppress, like the lineage's `o <= t`.
            if inter / denom > threshold {
                suppressed[j] = true;
            }
        }
    }
    keep
}

/// Applies box regression: each edge moves by its offset times the box size. P-Net's stage uses
/// the size `x2 - x1` (`plus_one = false`), R-Net and O-Net use `x2 - x1 + 1`.
pub(crate) fn regress(c: &Candidate, reg: [f32; 4], plus_one: bool) -> Candidate {
    let extra = if plus_one { 1.0 } else { 0.0 };
    let w = c.x2 - c.x1 + extra;
    let h = c.y2 - c.y1 + extra;
    Candidate {
        x1: c.x1 + reg[0] * w,
        y1: c.y1 + reg[1] * h,
        x2: c.x2 + reg[2] * w,
        y2: c.y2 + reg[3] * h,
        score: c.score,
        reg: c.reg,
    }
}

/// Makes the box square (side = the longer of `x2 - x1`, `y2 - y1`), keeping its centre.
pub(crate) fn square(c: &Candidate) -> Candidate {
    let w = c.x2 - c.x1;
    let h = c.y2 - c.y1;
    let side = w.max(h);
    let x1 = c.x1 + 0.5 * w - 0.5 * side;
    let y1 = c.y1 + 0.5 * h - 0.5 * side;
    Candidate { x1, y1, x2: x1 + side, y2: y1 + side, ..*c }
}

/// Truncates the corners towards zero (the lineage's `np.fix`).
pub(crate) fn fix(c: &Candidate) -> Candidate {
    Candidate { x1: c.x1.trunc(), y1: c.y1.trunc(), x2: c.x2.trunc(), y2: c.y2.trunc(), ..*c }
}

/// Decodes O-Net's 10 landmark values (`x1..x5`, `y1..y5`, relative to the box) for the box
/// `c` into 0-based pixel coordinates of the same image: `x = (x2 - x1 + 1) · p + x1 - 1`.
pub(crate) fn decode_landmarks(raw: &[f32], c: &Candidate) -> Landmarks5 {
    let w = c.x2 - c.x1 + 1.0;
    let h = c.y2 - c.y1 + 1.0;
    let mut out = [[0.0f32; 2]; 5];
    if raw.len() >= 10 {
        for (k, p) in out.iter_mut().enumerate() {
            *p = [w * raw[k] + c.x1 - 1.0, h * raw[k + 5] + c.y1 - 1.0];
        }
    }
    out
}

/// Maps a cascade box from the working image to original pixels: 1-based inclusive corners to
/// [`BoxF`] edges, divided by the working image's scale `kx`, `ky` (working / original).
pub(crate) fn box_to_original(c: &Candidate, kx: f32, ky: f32) -> BoxF {
    BoxF { x0: (c.x1 - 1.0) / kx, y0: (c.y1 - 1.0) / ky, x1: c.x2 / kx, y1: c.y2 / ky }
}

/// Maps 0-based pixel-centre coordinates from the working image to original pixels.
pub(crate) fn point_to_original(p: [f32; 2], kx: f32, ky: f32) -> [f32; 2] {
    [(p[0] + 0.5) / kx - 0.5, (p[1] + 0.5) / ky - 0.5]
}

/// Box-filter taps of one axis. Output pixel `d` reads the consecutive source pixels
/// `first[d] ..` with weights `w[off[d]..off[d + 1]]`.
struct AxisTaps {
    first: Vec<usize>,
    off: Vec<usize>,
    w: Vec<f32>,
}

impl AxisTaps {
    /// Output pixel `d` averages the source interval `[start + d·step, start + (d+1)·step)`,
    /// `step = span / dst`, each source pixel `[i, i+1)` weighted by its overlap. Source pixels
    /// outside `0..n` count as zero (zero padding), so the weights keep their meaning.
    fn new(start: f64, span: f64, dst: usize, n: usize) -> AxisTaps {
        let step = span / dst as f64;
        let mut t = AxisTaps { first: Vec::with_capacity(dst), off: Vec::with_capacity(dst + 1), w: Vec::new() };
        t.off.push(0);
        for d in 0..dst {
            let a = start + d as f64 * step;
            let b = a + step;
            let lo = a.floor().max(0.0);
            let hi = b.ceil().min(n as f64);
            t.first.push(if lo < hi { lo as usize } else { 0 });
            let mut i = lo;
            while i < hi {
                t.w.push(((b.min(i + 1.0) - a.max(i)).max(0.0) / step) as f32);
                i += 1.0;
            }
            t.off.push(t.w.len());
        }
        t
    }

    /// First source index and weights of output pixel `d`.
    fn taps(&self, d: usize) -> (usize, &[f32]) {
        (self.first[d], &self.w[self.off[d]..self.off[d + 1]])
    }

    /// Smallest and largest source index used, if any.
    fn used_range(&self) -> Option<(usize, usize)> {
        let mut range: Option<(usize, usize)> = None;
        for d in 0..self.first.len() {
            let (i0, w) = self.taps(d);
            if !w.is_empty() {
                let (lo, hi) = (i0, i0 + w.len() - 1);
                range = Some(range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
            }
        }
        range
    }
}

/// A source window in pixels: `[x0, x0 + w) × [y0, y0 + h)`; it may extend past the image.
#[derive(Debug, Clone, Copy)]
struct Window {
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
}

/// Resamples the source window `win` (zero padding outside the image) to `dw × dh` with a box
/// filter, normalises it for MTCNN and writes it **transposed** (`out[(x · dh + y) · 3 + c]`)
/// into `out`, which must hold `dw · dh · 3` floats.
fn sample_area_transposed(src: Img, win: Window, dw: usize, dh: usize, out: &mut [f32]) {
    let out = &mut out[..dw * dh * 3];
    let pad = (0.0 - MEAN) * SCALE;
    let Window { x0, y0, w: sw, h: sh } = win;
    if !(sw > 0.0 && sh > 0.0 && x0.is_finite() && y0.is_finite() && sw.is_finite() && sh.is_finite()) {
        out.fill(pad);
        return;
    }
    let xt = AxisTaps::new(x0, sw, dw, src.w);
    let yt = AxisTaps::new(y0, sh, dh, src.h);
    let Some((rmin, rmax)) = yt.used_range() else {
        out.fill(pad);
        return;
    };
    // Horizontal pass over the source rows the window touches.
    let rows = rmax - rmin + 1;
    let mut tmp = Zeroizing::new(vec![0f32; rows * dw * 3]);
    for (r, dst) in tmp.chunks_exact_mut(dw * 3).enumerate() {
        let start = (rmin + r) * src.w * 3;
        let row = &src.data[start..start + src.w * 3];
        for (ox, px) in dst.chunks_exact_mut(3).enumerate() {
            let (i0, ws) = xt.taps(ox);
            let mut acc = [0f32; 3];
            for (s, &w) in row[i0 * 3..(i0 + ws.len()) * 3].chunks_exact(3).zip(ws) {
                acc[0] += w * s[0] as f32;
                acc[1] += w * s[1] as f32;
                acc[2] += w * s[2] as f32;
            }
            px.copy_from_slice(&acc);
        }
    }
    // Vertical pass, written transposed.
    let mut acc = Zeroizing::new(vec![0f32; dw * 3]);
    for oy in 0..dh {
        acc.fill(0.0);
        let (i0, ws) = yt.taps(oy);
        for (k, &w) in ws.iter().enumerate() {
            let r = i0 + k - rmin;
            for (a, v) in acc.iter_mut().zip(&tmp[r * dw * 3..(r + 1) * dw * 3]) {
                *a += w * v;
            }
        }
        for (ox, px) in acc.chunks_exact(3).enumerate() {
            let d = (ox * dh + oy) * 3;
            out[d] = (px[0] - MEAN) * SCALE;
            out[d + 1] = (px[1] - MEAN) * SCALE;
            out[d + 2] = (px[2] - MEAN) * SCALE;
        }
    }
}

/// Runs a fixed-size stage network (R-Net or O-Net) on `n` packed crops and returns its
/// outputs, in `outputs` order, each checked to be `[n, width]`.
fn run_stage(
    pool: &SessionPool,
    input: &str,
    outputs: &[(&str, usize)],
    data: &[f32],
    n: usize,
    size: usize,
) -> Result<Vec<Vec<f32>>> {
    pool.with_session(|s| {
        let t = TensorRef::from_array_view(([n, size, size, 3usize], data))?;
        let shapes: Vec<[usize; 2]> = outputs.iter().map(|&(_, width)| [n, width]).collect();
        let specs: Vec<OutputSpec> =
            outputs.iter().zip(&shapes).map(|(&(name, _), shape)| (name, &shape[..])).collect();
        run_wiped(s, pool.name(), ort::inputs![input => t], &specs, |out| Ok(out.iter().map(|v| v.to_vec()).collect()))
    })
}

/// Side of P-Net's output maps for an input side of `side` pixels: a valid 3×3 convolution,
/// 2×2 max pooling with stride 2 and `same` padding (so rounding up), then two valid 3×3
/// convolutions. 0 when the input is smaller than one 12-pixel cell.
fn pnet_map_side(side: usize) -> usize {
    (side.saturating_sub(2)).div_ceil(2).saturating_sub(4)
}

impl Mtcnn {
    /// Wraps three session pools, checking that they have the MTCNN input and output names.
    pub fn new(pnet: SessionPool, rnet: SessionPool, onet: SessionPool) -> Result<Self> {
        pnet.expect_io(&[PNET_INPUT], &[PNET_REG, PNET_PROB])?;
        rnet.expect_io(&[RNET_INPUT], &[RNET_REG, RNET_PROB])?;
        onet.expect_io(&[ONET_INPUT], &[ONET_REG, ONET_LANDMARKS, ONET_PROB])?;
        Ok(Mtcnn { pnet, rnet, onet })
    }

    /// Loads the three embedded models (checksums verified) into session pools built with
    /// `settings`. ONNX Runtime must be loaded first ([`crate::runtime::environment`]).
    pub fn from_embedded(settings: SessionSettings) -> Result<Self> {
        let pool = |spec: &models::ModelSpec| -> Result<SessionPool> {
            let loaded = models::load(spec, None)?;
            SessionPool::new(spec.id, &loaded.bytes, settings)
        };
        Mtcnn::new(pool(&models::MTCNN_PNET)?, pool(&models::MTCNN_RNET)?, pool(&models::MTCNN_ONET)?)
    }

    /// Runs the full cascade. Returns the faces found, best score first: boxes (float pixels,
    /// may extend past the image edges), O-Net's face probability (0..1) and five landmarks,
    /// all in original-image pixels. An image too small for the pyramid gives `Ok(vec![])`.
    pub fn detect(&self, frame: &RgbFrame, params: &MtcnnParams) -> Result<Vec<Detection>> {
        params.validate()?;
        let (fw, fh) = (frame.width(), frame.height());
        let long = fw.max(fh);
        // Working image: the frame itself, or a copy shrunk so the long side is max_pyramid_side.
        let shrunk;
        let (img, k) = if long > params.max_pyramid_side {
            let k = params.max_pyramid_side as f64 / long as f64;
            let ww = ((fw as f64 * k).round() as u32).clamp(1, params.max_pyramid_side);
            let wh = ((fh as f64 * k).round() as u32).clamp(1, params.max_pyramid_side);
            shrunk = resize_linear(frame, frame.full_rect(), ww, wh);
            (Img { data: &shrunk[..], w: ww as usize, h: wh as usize }, k as f32)
        } else {
            (Img { data: frame.as_raw(), w: fw as usize, h: fh as usize }, 1.0)
        };
        let kx = img.w as f32 / fw as f32;
        let ky = img.h as f32 / fh as f32;

        let scales = pyramid_scales(
            img.w as u32,
            img.h as u32,
            params.min_face_px * k,
            params.scale_factor,
            params.max_pyramid_side,
        );
        let boxes = self.stage_pnet(img, &scales, params.thresholds[0])?;
        if boxes.is_empty() {
            return Ok(Vec::new());
        }
        let boxes = self.stage_rnet(img, &boxes, params.thresholds[1])?;
        if boxes.is_empty() {
            return Ok(Vec::new());
        }
        let faces = self.stage_onet(img, &boxes, params.thresholds[2])?;
        Ok(faces
            .into_iter()
            .map(|(c, lm)| Detection {
                bbox: box_to_original(&c, kx, ky),
                score: c.score,
                landmarks: Some(lm.map(|p| point_to_original(p, kx, ky))),
            })
            .collect())
    }

    /// Runs O-Net alone on a face box found by another detector: the box (original pixels) is
    /// made square around its centre, cropped to 48×48 (zero padding outside the image, as in
    /// the cascade) and fed to O-Net. Returns the five landmarks in original pixels and O-Net's
    /// face probability (0..1; low values mean the box does not frame a face as MTCNN would).
    ///
    /// Errors with [`Error::InvalidInput`] when the box is empty, not finite, or entirely
    /// outside the frame.
    pub fn landmarks(&self, frame: &RgbFrame, face: &BoxF) -> Result<(Landmarks5, f32)> {
        let (w, h) = (face.x1 - face.x0, face.y1 - face.y0);
        if !([face.x0, face.y0, face.x1, face.y1].iter().all(|v| v.is_finite()) && w > 0.0 && h > 0.0) {
            return Err(Error::InvalidInput(format!("face box {face:?} is empty or not finite")));
        }
        let side = w.max(h) as f64;
        let x0 = (face.x0 as f64 + face.x1 as f64) / 2.0 - side / 2.0;
        let y0 = (face.y0 as f64 + face.y1 as f64) / 2.0 - side / 2.0;
        let (fw, fh) = (frame.width() as f64, frame.height() as f64);
        if x0 >= fw || y0 >= fh || x0 + side <= 0.0 || y0 + side <= 0.0 {
            return Err(Error::InvalidInput(format!("face box {face:?} lies outside the {fw}x{fh} frame")));
        }
        let img = Img { data: frame.as_raw(), w: frame.width() as usize, h: frame.height() as usize };
        let mut input = Zeroizing::new(vec![0f32; ONET_SIZE * ONET_SIZE * 3]);
        sample_area_transposed(img, Window { x0, y0, w: side, h: side }, ONET_SIZE, ONET_SIZE, &mut input);
        let outs = run_stage(&self.onet, ONET_INPUT, &[(ONET_LANDMARKS, 10), (ONET_PROB, 2)], &input, 1, ONET_SIZE)?;
        let (raw, prob) = (&outs[0], &outs[1]);
        let s = side as f32;
        let mut lm = [[0f32; 2]; 5];
        for (i, p) in lm.iter_mut().enumerate() {
            *p = [x0 as f32 + s * raw[i], y0 as f32 + s * raw[i + 5]];
        }
        Ok((lm, prob[1]))
    }

    /// Stage 1: P-Net over the pyramid, NMS per scale and across scales, regression, squaring.
    fn stage_pnet(&self, img: Img, scales: &[f32], threshold: f32) -> Result<Vec<Candidate>> {
        let mut all: Vec<Candidate> = Vec::new();
        let level_size = |scale: f32| {
            (((img.w as f32 * scale).ceil() as usize).max(1), ((img.h as f32 * scale).ceil() as usize).max(1))
        };
        // Levels shrink, so the first level's allocation serves them all (no reallocation
        // leaves unzeroized pixels behind).
        let first = scales.first().map_or(0, |&s| level_size(s).0 * level_size(s).1 * 3);
        let mut buf = Zeroizing::new(Vec::with_capacity(first));
        for &scale in scales {
            let (lw, lh) = level_size(scale);
            buf.resize(lw * lh * 3, 0.0);
            sample_area_transposed(
                img,
                Window { x0: 0.0, y0: 0.0, w: img.w as f64, h: img.h as f64 },
                lw,
                lh,
                &mut buf,
            );
            let found = self.pnet.with_session(|s| {
                // Transposed: the model's "height" is the level's width.
                let t = TensorRef::from_array_view(([1usize, lw, lh, 3], &buf[..]))?;
                let (mw, mh) = (pnet_map_side(lw), pnet_map_side(lh));
                if mw == 0 || mh == 0 {
                    return Ok(Vec::new()); // smaller than one cell: nothing to find
                }
                let (prob_shape, reg_shape) = ([1, mw, mh, 2], [1, mw, mh, 4]);
                let outputs: [OutputSpec; 2] = [(PNET_PROB, &prob_shape), (PNET_REG, &reg_shape)];
                run_wiped(s, self.pnet.name(), ort::inputs![PNET_INPUT => t], &outputs, |out| {
                    Ok(generate_boxes(out[0], out[1], mw, mh, scale, threshold))
                })
            })?;
            all.extend(nms(&found, NMS_WITHIN_SCALE, NmsMode::Union).into_iter().map(|i| found[i]));
        }
        let picked = nms(&all, NMS_ACROSS_SCALES, NmsMode::Union);
        Ok(picked
            .into_iter()
            .map(|i| fix(&square(&regress(&all[i], all[i].reg, false))))
            .filter(|c| usable(c, img))
            .collect())
    }

    /// Stage 2: R-Net on 24×24 crops of the squared stage-1 boxes.
    fn stage_rnet(&self, img: Img, boxes: &[Candidate], threshold: f32) -> Result<Vec<Candidate>> {
        let mut kept: Vec<Candidate> = Vec::new();
        let per = RNET_SIZE * RNET_SIZE * 3;
        for chunk in boxes.chunks(RNET_CHUNK) {
            let mut input = Zeroizing::new(vec![0f32; chunk.len() * per]);
            for (c, slot) in chunk.iter().zip(input.chunks_exact_mut(per)) {
                crop(img, c, RNET_SIZE, slot);
            }
            let outs =
                run_stage(&self.rnet, RNET_INPUT, &[(RNET_REG, 4), (RNET_PROB, 2)], &input, chunk.len(), RNET_SIZE)?;
            for (i, c) in chunk.iter().enumerate() {
                let score = outs[1][i * 2 + 1];
                if score > threshold {
                    let r = &outs[0][i * 4..i * 4 + 4];
                    kept.push(Candidate { score, reg: [r[0], r[1], r[2], r[3]], ..*c });
                }
            }
        }
        let picked = nms(&kept, NMS_AFTER_RNET, NmsMode::Union);
        Ok(picked
            .into_iter()
            .map(|i| fix(&square(&regress(&kept[i], kept[i].reg, true))))
            .filter(|c| usable(c, img))
            .collect())
    }

    /// Stage 3: O-Net on 48×48 crops; landmarks, final regression and "Min" NMS. Boxes and
    /// landmarks in working-image coordinates, best first.
    fn stage_onet(&self, img: Img, boxes: &[Candidate], threshold: f32) -> Result<Vec<(Candidate, Landmarks5)>> {
        let mut kept: Vec<(Candidate, Landmarks5)> = Vec::new();
        let per = ONET_SIZE * ONET_SIZE * 3;
        for chunk in boxes.chunks(ONET_CHUNK) {
            let mut input = Zeroizing::new(vec![0f32; chunk.len() * per]);
            for (c, slot) in chunk.iter().zip(input.chunks_exact_mut(per)) {
                crop(img, c, ONET_SIZE, slot);
            }
            let outs = run_stage(
                &self.onet,
                ONET_INPUT,
                &[(ONET_REG, 4), (ONET_LANDMARKS, 10), (ONET_PROB, 2)],
                &input,
                chunk.len(),
                ONET_SIZE,
            )?;
            for (i, c) in chunk.iter().enumerate() {
                let score = outs[2][i * 2 + 1];
                if score > threshold {
                    let lm = decode_landmarks(&outs[1][i * 10..i * 10 + 10], c);
                    let r = &outs[0][i * 4..i * 4 + 4];
                    let b = regress(c, [r[0], r[1], r[2], r[3]], true);
                    kept.push((Candidate { score, ..b }, lm));
                }
            }
        }
        kept.retain(|(c, lm)| c.is_finite() && lm.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
        let cands: Vec<Candidate> = kept.iter().map(|k| k.0).collect();
        Ok(nms(&cands, NMS_AFTER_ONET, NmsMode::Min).into_iter().map(|i| kept[i]).collect())
    }
}

/// Whether a box can be cropped: finite, at least one pixel, and not absurdly larger than the
/// image (bounds the crop cost).
fn usable(c: &Candidate, img: Img) -> bool {
    let limit = 4.0 * img.w.max(img.h) as f32 + 16.0;
    c.is_finite() && c.x2 >= c.x1 && c.y2 >= c.y1 && c.x2 - c.x1 < limit && c.y2 - c.y1 < limit
}

/// Crops the cascade box `c` (1-based inclusive: 0-based pixels `x1-1 ..= x2-1`, zero outside
/// the image) and resamples it to `size × size`, normalised and transposed, into `out`.
fn crop(img: Img, c: &Candidate, size: usize, out: &mut [f32]) {
    let w = (c.x2 - c.x1 + 1.0) as f64;
    let h = (c.y2 - c.y1 + 1.0) as f64;
    sample_area_transposed(img, Window { x0: (c.x1 - 1.0) as f64, y0: (c.y1 - 1.0) as f64, w, h }, size, size, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;
    use std::time::Instant;

    fn cand(x1: f32, y1: f32, x2: f32, y2: f32, score: f32) -> Candidate {
        Candidate { x1, y1, x2, y2, score, reg: [0.0; 4] }
    }

    fn approx(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-4
    }

    // ---- pure geometry ----

    #[test]
    fn pyramid_for_640x480_min_face_20() {
        let s = pyramid_scales(640, 480, 20.0, 0.709, 640);
        // Short side 480 · 0.6 = 288, shrinking by 0.709 while ≥ 12: 288 … 13.05 → 10 levels.
        assert_eq!(s.len(), 10);
        assert!(approx(s[0], 0.6));
        for w in s.windows(2) {
            assert!(approx(w[1] / w[0], 0.709));
        }
        assert!(480.0 * s[9] >= 12.0 && 480.0 * s[9] * 0.709 < 12.0);
    }

    #[test]
    fn pyramid_is_bounded_by_max_side_and_empty_for_tiny_images() {
        // Min face 4 px would ask for scale 3; the first level is capped at 640 px long side.
        let s = pyramid_scales(640, 480, 4.0, 0.709, 640);
        assert!(approx(s[0], 1.0));
        let s = pyramid_scales(100, 50, 4.0, 0.709, 640);
        assert!(approx(s[0], 3.0));
        assert!(pyramid_scales(5, 5, 20.0, 0.709, 640).is_empty());
        assert!(pyramid_scales(1, 1, 20.0, 0.709, 640).is_empty());
        assert!(pyramid_scales(1000, 1, 20.0, 0.709, 640).is_empty());
        assert!(pyramid_scales(640, 480, 20.0, 1.0, 640).is_empty());
    }

    #[test]
    fn nms_union_keeps_nested_box_min_suppresses_it() {
        let boxes = [
            cand(11.0, 11.0, 50.0, 50.0, 0.8),     // nested in the first, IoU 0.16
            cand(1.0, 1.0, 100.0, 100.0, 0.9),     // best
            cand(200.0, 200.0, 260.0, 260.0, 0.5), // disjoint
            cand(2.0, 2.0, 100.0, 100.0, 0.85),    // near-duplicate of the best
        ];
        assert_eq!(nms(&boxes, 0.5, NmsMode::Union), vec![1, 0, 2]);
        assert_eq!(nms(&boxes, 0.7, NmsMode::Min), vec![1, 2]);
        assert!(nms(&[], 0.5, NmsMode::Union).is_empty());
    }

    #[test]
    fn square_keeps_the_centre() {
        let s = square(&cand(10.0, 20.0, 50.0, 100.0, 0.0));
        assert!(approx(s.x2 - s.x1, 80.0) && approx(s.y2 - s.y1, 80.0));
        assert!(approx((s.x1 + s.x2) / 2.0, 30.0) && approx((s.y1 + s.y2) / 2.0, 60.0));
        assert!(approx(s.x1, -10.0) && approx(s.y1, 20.0));
    }

    #[test]
    fn regression_moves_edges_by_box_size() {
        let b = cand(1.0, 1.0, 12.0, 12.0, 0.5);
        let r = regress(&b, [0.1, -0.1, 0.2, 0.0], true); // size 12
        assert!(approx(r.x1, 2.2) && approx(r.y1, -0.2) && approx(r.x2, 14.4) && approx(r.y2, 12.0));
        let r = regress(&b, [0.1, -0.1, 0.2, 0.0], false); // size 11
        assert!(approx(r.x1, 2.1) && approx(r.y1, -0.1) && approx(r.x2, 14.2) && approx(r.y2, 12.0));
        assert_eq!(r.score, 0.5);
        let f = fix(&cand(-0.7, 1.9, 2.5, -3.2, 0.0));
        assert_eq!((f.x1, f.y1, f.x2, f.y2), (0.0, 1.0, 2.0, -3.0));
    }

    #[test]
    fn pnet_maps_are_transposed() {
        // Map of 4 rows × 3 cols as the model returns it; one hot cell at row 3, col 1.
        let (rows, cols) = (4, 3);
        let mut prob = vec![0f32; rows * cols * 2];
        let mut reg = vec![0f32; rows * cols * 4];
        let cell = 3 * cols + 1;
        prob[cell * 2 + 1] = 0.9;
        reg[cell * 4..cell * 4 + 4].copy_from_slice(&[0.1, 0.2, 0.3, 0.4]);
        let b = generate_boxes(&prob, &reg, rows, cols, 0.5, 0.6);
        assert_eq!(b.len(), 1);
        // Map row 3 is image column cell 3 (x = 2·3), map col 1 is image row cell 1 (y = 2·1).
        assert_eq!((b[0].x1, b[0].y1, b[0].x2, b[0].y2), (14.0, 6.0, 36.0, 28.0));
        assert_eq!(b[0].reg, [0.1, 0.2, 0.3, 0.4]);
        assert!(approx(b[0].score, 0.9));
        assert!(generate_boxes(&prob, &reg, rows, cols, 0.5, 0.95).is_empty());
    }

    #[test]
    fn landmarks_decode_relative_to_box() {
        let b = cand(11.0, 21.0, 60.0, 70.0, 0.0); // 50 × 50, 0-based origin (10, 20)
        let raw = [0.0, 1.0, 0.5, 0.2, 0.8, 0.0, 0.1, 0.5, 0.9, 1.0];
        let lm = decode_landmarks(&raw, &b);
        assert_eq!(lm[0], [10.0, 20.0]);
        assert_eq!(lm[1], [60.0, 25.0]);
        assert_eq!(lm[2], [35.0, 45.0]);
        assert_eq!(lm[3], [20.0, 65.0]);
        assert_eq!(lm[4], [50.0, 70.0]);
    }

    #[test]
    fn working_coordinates_map_back_to_original() {
        let b = box_to_original(&cand(11.0, 21.0, 60.0, 70.0, 0.0), 0.5, 0.25);
        assert_eq!(b, BoxF { x0: 20.0, y0: 80.0, x1: 120.0, y1: 280.0 });
        // Pixel centre 0 of a half-size image sits between original pixels 0 and 1.
        assert_eq!(point_to_original([0.0, 1.0], 0.5, 0.5), [0.5, 2.5]);
        assert_eq!(point_to_original([3.0, 4.0], 1.0, 1.0), [3.0, 4.0]);
    }

    fn pixels(w: usize, h: usize, f: impl Fn(usize, usize) -> [u8; 3]) -> Vec<u8> {
        let mut v = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                v.extend_from_slice(&f(x, y));
            }
        }
        v
    }

    fn denorm(v: f32) -> f32 {
        v / SCALE + MEAN
    }

    #[test]
    fn area_sampler_averages_pads_with_zero_and_transposes() {
        // 4 × 2 image, red = 10·x, green = 100·y. Halve to 2 × 1.
        let data = pixels(4, 2, |x, y| [(10 * x) as u8, (100 * y) as u8, 7]);
        let img = Img { data: &data, w: 4, h: 2 };
        let mut out = vec![0f32; 2 * 3];
        sample_area_transposed(img, Window { x0: 0.0, y0: 0.0, w: 4.0, h: 2.0 }, 2, 1, &mut out);
        let got: Vec<f32> = out.iter().map(|&v| denorm(v)).collect();
        for (g, e) in got.iter().zip([5.0, 50.0, 7.0, 25.0, 50.0, 7.0]) {
            assert!((g - e).abs() < 1e-3, "{got:?}");
        }
        // Identity size, transposed layout: pixel (x=1, y=0) lands at index (1·2 + 0).
        let mut out = vec![0f32; 4 * 2 * 3];
        sample_area_transposed(img, Window { x0: 0.0, y0: 0.0, w: 4.0, h: 2.0 }, 4, 2, &mut out);
        assert!((denorm(out[2 * 3]) - 10.0).abs() < 1e-3);
        assert!((denorm(out[3 * 3 + 1]) - 100.0).abs() < 1e-3); // (x=1, y=1)
        // Window half outside on the left: left output pixel is zero padding.
        let mut out = vec![0f32; 2 * 3];
        sample_area_transposed(img, Window { x0: -2.0, y0: 0.0, w: 4.0, h: 1.0 }, 2, 1, &mut out);
        assert!(denorm(out[0]).abs() < 1e-3 && denorm(out[2]).abs() < 1e-3);
        assert!((denorm(out[3]) - 5.0).abs() < 1e-3);
        // Window entirely outside: everything padded, nothing panics.
        let mut out = vec![1f32; 2 * 3];
        sample_area_transposed(img, Window { x0: 100.0, y0: 100.0, w: 4.0, h: 1.0 }, 2, 1, &mut out);
        assert!(out.iter().all(|&v| denorm(v).abs() < 1e-3));
        sample_area_transposed(img, Window { x0: f64::NAN, y0: 0.0, w: 4.0, h: 1.0 }, 2, 1, &mut out);
        assert!(out.iter().all(|&v| denorm(v).abs() < 1e-3));
    }

    #[test]
    fn area_sampler_upscales_constant_image_to_constant() {
        let data = pixels(3, 3, |_, _| [40, 80, 120]);
        let img = Img { data: &data, w: 3, h: 3 };
        let mut out = vec![0f32; 7 * 5 * 3];
        sample_area_transposed(img, Window { x0: 0.0, y0: 0.0, w: 3.0, h: 3.0 }, 7, 5, &mut out);
        for px in out.chunks_exact(3) {
            assert!((denorm(px[0]) - 40.0).abs() < 1e-3 && (denorm(px[2]) - 120.0).abs() < 1e-3);
        }
    }

    #[test]
    fn params_are_validated() {
        assert!(MtcnnParams::default().validate().is_ok());
        let bad = [
            MtcnnParams { scale_factor: 1.0, ..Default::default() },
            MtcnnParams { scale_factor: f32::NAN, ..Default::default() },
            MtcnnParams { min_face_px: 0.0, ..Default::default() },
            MtcnnParams { thresholds: [0.6, 1.5, 0.7], ..Default::default() },
            MtcnnParams { max_pyramid_side: 5, ..Default::default() },
        ];
        for p in bad {
            assert_eq!(p.validate().unwrap_err().name(), "invalid_config", "{p:?}");
        }
    }

    // ---- with the real models ----

    fn mtcnn() -> &'static Mtcnn {
        static M: OnceLock<Mtcnn> = OnceLock::new();
        M.get_or_init(|| {
            crate::runtime::environment(None).unwrap();
            Mtcnn::from_embedded(SessionSettings { intra_op_threads: 1, sessions_per_model: 1 }).unwrap()
        })
    }

    fn sample(name: &str) -> RgbFrame {
        let path = format!("{}/../samples/{name}", env!("CARGO_MANIFEST_DIR"));
        let img = image::open(&path).unwrap().to_rgb8();
        let (w, h) = img.dimensions();
        RgbFrame::new(w, h, img.into_raw()).unwrap()
    }

    fn xywh(x: f32, y: f32, w: f32, h: f32) -> BoxF {
        BoxF { x0: x, y0: y, x1: x + w, y1: y + h }
    }

    fn inside(p: [f32; 2], b: &BoxF) -> bool {
        p[0] >= b.x0 && p[0] <= b.x1 && p[1] >= b.y0 && p[1] <= b.y1
    }

    fn timed_detect(name: &str, frame: &RgbFrame) -> Vec<Detection> {
        let m = mtcnn();
        m.detect(frame, &MtcnnParams::default()).unwrap(); // warm-up
        let t = Instant::now();
        let d = m.detect(frame, &MtcnnParams::default()).unwrap();
        eprintln!("mtcnn {name} {}x{}: {} faces in {:?}", frame.width(), frame.height(), d.len(), t.elapsed());
        for f in &d {
            eprintln!("  {:?} score {:.4} landmarks {:?}", f.bbox, f.score, f.landmarks);
        }
        d
    }

    #[test]
    fn models_have_the_expected_io() {
        let m = mtcnn();
        assert_eq!(m.pnet.input_names(), vec![PNET_INPUT]);
        assert_eq!(m.rnet.input_names(), vec![RNET_INPUT]);
        assert_eq!(m.onet.input_names(), vec![ONET_INPUT]);
        let mut o = m.onet.output_names();
        o.sort();
        assert_eq!(o, vec![ONET_REG, ONET_LANDMARKS, ONET_PROB]);
        // Wrong pools are refused with a typed error.
        let load = |spec: &models::ModelSpec| {
            SessionPool::new(
                spec.id,
                &models::load(spec, None).unwrap().bytes,
                SessionSettings { intra_op_threads: 1, sessions_per_model: 1 },
            )
            .unwrap()
        };
        let e =
            Mtcnn::new(load(&models::MTCNN_RNET), load(&models::MTCNN_RNET), load(&models::MTCNN_ONET)).unwrap_err();
        assert_eq!(e.name(), "model_error");
    }

    #[test]
    fn astronaut_has_one_face_with_sane_landmarks() {
        let d = timed_detect("astronaut", &sample("skimage_live_astronaut.png"));
        assert_eq!(d.len(), 1, "{d:?}");
        let f = &d[0];
        let reference = xywh(174.0, 69.0, 101.0, 103.0);
        assert!(f.bbox.iou(&reference) > 0.5, "{:?} iou {}", f.bbox, f.bbox.iou(&reference));
        assert!(f.score > 0.9);
        let lm = f.landmarks.unwrap();
        assert!(lm.iter().all(|p| inside(*p, &f.bbox)), "{lm:?}");
        assert!(lm[0][0] < lm[1][0], "left eye x < right eye x");
        let eye_y = lm[0][1].max(lm[1][1]);
        assert!(eye_y < lm[3][1] && eye_y < lm[4][1], "eyes above the mouth");
        assert!(lm[2][1] > eye_y && lm[2][1] < lm[3][1].min(lm[4][1]), "nose between eyes and mouth");
        // Golden values from an independent NumPy transcription of the ipazc pipeline (same
        // box-filter resampling, ONNX Runtime 1.31.1): 137 stage-1 boxes, 8 after R-Net.
        let golden = [178.803, 59.119, 268.095, 173.890];
        let got = [f.bbox.x0, f.bbox.y0, f.bbox.x1, f.bbox.y1];
        assert!(got.iter().zip(golden).all(|(g, e)| (g - e).abs() < 0.5), "{got:?} vs {golden:?}");
        let golden_lm = [[203.86, 101.30], [246.39, 103.18], [224.27, 128.90], [201.82, 139.77], [244.91, 141.99]];
        for (g, e) in lm.iter().zip(golden_lm) {
            assert!((g[0] - e[0]).abs() < 0.5 && (g[1] - e[1]).abs() < 0.5, "{lm:?} vs {golden_lm:?}");
        }
    }

    #[test]
    fn replay_screen_face_is_found() {
        let d = timed_detect("hyperfas_replay", &sample("hyperfas_spoof_replay_fake_screen.png"));
        let reference = xywh(234.0, 412.0, 414.0, 431.0);
        assert!(d.iter().any(|f| f.bbox.iou(&reference) > 0.5), "{d:?}");
        assert!(d[0].bbox.iou(&reference) > 0.5, "the best face is the reference one");
    }

    #[test]
    fn group_photo_has_several_faces() {
        let d = timed_detect("group_three_faces", &sample("group_three_faces.jpg"));
        assert!(d.len() >= 2, "{d:?}");
        for w in d.windows(2) {
            assert!(w[0].score >= w[1].score, "best first");
        }
    }

    #[test]
    fn landmarks_on_a_retinaface_box() {
        let frame = sample("skimage_live_astronaut.png");
        let b = xywh(174.0, 69.0, 101.0, 103.0);
        let t = Instant::now();
        let (lm, score) = mtcnn().landmarks(&frame, &b).unwrap();
        eprintln!("mtcnn landmarks() {:?}: score {score:.4} {lm:?}", t.elapsed());
        assert!(score > 0.5, "{score}");
        let mid_y = (b.y0 + b.y1) / 2.0;
        assert!(lm.iter().all(|p| inside(*p, &b)), "{lm:?}");
        assert!(lm[0][1] < mid_y && lm[1][1] < mid_y, "eyes in the upper half");
        assert!(lm[0][0] < lm[1][0]);
        let eye_y = lm[0][1].max(lm[1][1]);
        let mouth_y = lm[3][1].min(lm[4][1]);
        assert!(lm[2][1] > eye_y && lm[2][1] < mouth_y, "nose between eyes and mouth");
        // Compare with the cascade's own landmarks on the same face.
        let d = mtcnn().detect(&frame, &MtcnnParams::default()).unwrap();
        let cascade = d[0].landmarks.unwrap();
        for (a, c) in lm.iter().zip(cascade.iter()) {
            let dist = ((a[0] - c[0]).powi(2) + (a[1] - c[1]).powi(2)).sqrt();
            assert!(dist < 8.0, "landmarks() {lm:?} vs cascade {cascade:?}");
        }
    }

    #[test]
    fn landmarks_rejects_bad_boxes_and_handles_edges() {
        let m = mtcnn();
        let frame = sample("skimage_live_astronaut.png");
        for b in [
            BoxF { x0: 10.0, y0: 10.0, x1: 10.0, y1: 30.0 },
            BoxF { x0: f32::NAN, y0: 10.0, x1: 20.0, y1: 30.0 },
            xywh(600.0, 600.0, 50.0, 50.0),
            xywh(-100.0, -100.0, 50.0, 50.0),
        ] {
            assert_eq!(m.landmarks(&frame, &b).unwrap_err().name(), "invalid_input", "{b:?}");
        }
        // Partly outside, and a tiny frame: answers, no panic.
        let (_, s) = m.landmarks(&frame, &xywh(-40.0, 450.0, 120.0, 120.0)).unwrap();
        assert!((0.0..=1.0).contains(&s));
        let tiny = RgbFrame::new(1, 1, vec![9, 9, 9]).unwrap();
        assert!(m.landmarks(&tiny, &xywh(0.0, 0.0, 1.0, 1.0)).is_ok());
    }

    #[test]
    fn blank_and_tiny_images_give_no_face() {
        let m = mtcnn();
        let p = MtcnnParams::default();
        let grey = RgbFrame::new(640, 480, vec![128; 640 * 480 * 3]).unwrap();
        assert!(m.detect(&grey, &p).unwrap().is_empty());
        for (w, h) in [(1, 1), (5, 5), (12, 12), (13, 40), (1, 2000), (3000, 2)] {
            let f = RgbFrame::new(w, h, vec![77; (w * h * 3) as usize]).unwrap();
            assert!(m.detect(&f, &p).unwrap().is_empty(), "{w}x{h}");
        }
        // Tiny frames with a tiny min face upsample (bounded) and still answer.
        let p_small = MtcnnParams { min_face_px: 1.0, ..Default::default() };
        let f = RgbFrame::new(5, 5, vec![200; 75]).unwrap();
        assert!(m.detect(&f, &p_small).is_ok());
        let bad = MtcnnParams { scale_factor: 1.0, ..Default::default() };
        assert_eq!(m.detect(&grey, &bad).unwrap_err().name(), "invalid_config");
    }
}
