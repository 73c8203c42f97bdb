//! Passive liveness: several models, grouped into opinions, fused into one `p_real`.
//!
//! * [`minifasnet`]: MiniFASNetV2 (crop 2.7×) and MiniFASNetV1SE (crop 4.0×) from
//!   Silent-Face-Anti-Spoofing, averaged into the `minifasnet` opinion.
//! * [`suri`]: Suri MiniFASNetV2-SE 128 (1.5× reflected square, INTER_AREA), the `suri`
//!   opinion, trained on other data.
//! * [`fusion`]: the opinions' scores → the media's `p_real` (mean or max of `p_attack`).
//!
//! Each family declares its models' facts as data ([`ModelFacts`]: crop rule, colour order,
//! normalisation, resize kernel, input side, output mapping) next to the code that uses them.
//! `EngineConfig.liveness.models` chooses the opinions; every result reports each model's own
//! score and crop, each opinion's score, and the fusion rule.

pub mod fusion;
pub mod minifasnet;
pub mod suri;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::frame::{PixelRect, RgbFrame};
use crate::models::ModelSpec;
use crate::resize::{ChannelOrder, Normalize};
use crate::runtime::{OutputSpec, SessionPool, run_wiped};

pub use fusion::Fusion;

/// A group of models that together give one liveness opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Opinion {
    /// MiniFASNetV2 + MiniFASNetV1SE (Silent-Face), mean of the two `p_real`. Alone, it is the
    /// fast profile.
    Minifasnet,
    /// Suri MiniFASNetV2-SE 128 (trained on CelebA-Spoof; see `docs/MODELS.md` for its terms).
    Suri,
}

impl Opinion {
    /// Every opinion, in the order results list them.
    pub const ALL: [Opinion; 2] = [Opinion::Minifasnet, Opinion::Suri];

    /// The JSON spelling (`minifasnet`, `suri`).
    pub fn as_str(self) -> &'static str {
        match self {
            Opinion::Minifasnet => "minifasnet",
            Opinion::Suri => "suri",
        }
    }

    /// The models of this opinion.
    pub fn models(self) -> &'static [ModelFacts] {
        match self {
            Opinion::Minifasnet => &[minifasnet::V2, minifasnet::V1SE],
            Opinion::Suri => &[suri::SURI],
        }
    }
}

impl std::str::FromStr for Opinion {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Opinion::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| format!("unknown liveness model set `{s}` (expected minifasnet or suri)"))
    }
}

/// How a model's input square is cut from the upright image around the face box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CropRule {
    /// Silent-Face `_get_new_box`: the box scaled by `scale` about its centre, shifted inside
    /// the image and shrunk to fit it; never padded.
    SilentFace {
        /// Crop side relative to the box side.
        scale: f64,
    },
    /// A square of side `trunc(scale · max(w, h))` centred on the box; the parts outside the
    /// image are BORDER_REFLECT_101 padding.
    SquareReflect101 {
        /// Square side relative to the longer box side.
        scale: f64,
    },
}

impl CropRule {
    /// The crop scale reported in results.
    pub fn scale(self) -> f64 {
        match self {
            CropRule::SilentFace { scale } | CropRule::SquareReflect101 { scale } => scale,
        }
    }
}

/// The resize kernel from the crop to the model input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeKernel {
    /// OpenCV 8-bit `INTER_LINEAR` (no antialiasing), as Silent-Face was trained.
    OpenCvLinear,
    /// OpenCV `INTER_AREA` when shrinking, `INTER_LANCZOS4` when enlarging.
    OpenCvAreaOrLanczos4,
}

/// Where a model's `p_real` is in its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputMap {
    /// Output tensor name.
    pub name: &'static str,
    /// Logits per face.
    pub classes: usize,
    /// Index of the "real" class: `p_real = softmax(logits)[real_index]`.
    pub real_index: usize,
}

/// Everything the engine must know to feed a liveness model and read its answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelFacts {
    /// The ONNX file (id, embedded file, sha256).
    pub spec: &'static ModelSpec,
    /// The opinion the model belongs to.
    pub opinion: Opinion,
    /// Input tensor name (float32, NCHW, `[N, 3, side, side]`).
    pub input: &'static str,
    /// Side of the square input, pixels.
    pub input_side: u32,
    /// How the crop is cut.
    pub crop: CropRule,
    /// Channel order of the input.
    pub channels: ChannelOrder,
    /// Normalisation of 0..255 values.
    pub normalize: Normalize,
    /// Crop → input resize.
    pub resize: ResizeKernel,
    /// How logits map to `p_real`.
    pub output: OutputMap,
}

/// One loaded liveness model.
pub struct LivenessModel {
    /// What the model expects and returns.
    pub facts: &'static ModelFacts,
    pool: SessionPool,
}

impl LivenessModel {
    /// Wraps a session pool, checking the model's input and output names.
    pub fn new(facts: &'static ModelFacts, pool: SessionPool) -> Result<Self> {
        pool.expect_io(&[facts.input], &[facts.output.name])?;
        Ok(LivenessModel { facts, pool })
    }

    /// The model id reported in results.
    pub fn id(&self) -> &'static str {
        self.facts.spec.id
    }

    /// Runs the model on `n` packed inputs and returns `p_real` for each.
    pub fn p_real(&self, tensor: &[f32], n: usize) -> Result<Vec<f32>> {
        let side = self.facts.input_side as usize;
        debug_assert_eq!(tensor.len(), n * 3 * side * side);
        let shape = [n, 3, side, side];
        let out = self.facts.output;
        self.pool.with_session(|s| {
            let input = ort::value::TensorRef::from_array_view((shape, tensor))?;
            let outputs: [OutputSpec; 1] = [(out.name, &[n, out.classes])];
            run_wiped(s, self.id(), ort::inputs![self.facts.input => input], &outputs, |logits| {
                Ok(logits[0].chunks_exact(out.classes).map(|l| softmax_at(l, out.real_index)).collect())
            })
        })
    }
}

/// `softmax(logits)[index]`, computed stably.
pub fn softmax_at(logits: &[f32], index: usize) -> f32 {
    let m = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = logits.iter().map(|l| (l - m).exp()).sum();
    (logits[index] - m).exp() / sum
}

/// One model's output, reported in results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelScore {
    /// Model id (`minifasnet_v2`, `minifasnet_v1se`, `suri_minifasv2se`).
    pub model: String,
    /// The opinion this model belongs to.
    pub opinion: Opinion,
    /// Crop scale around the face box.
    pub crop_scale: f64,
    /// Crop rectangle `[x0, y0, x1, y1]`, inclusive, original pixels. MiniFASNet crops lie
    /// inside the image; Suri's square may reach past it (negative or beyond the size), where
    /// the model saw reflected pixels.
    pub crop: [i64; 4],
    /// This model's probability that the face is real, 0..1.
    pub p_real: f64,
}

/// One opinion's score, reported in results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OpinionScore {
    /// The opinion.
    pub opinion: Opinion,
    /// Its probability that the face is real, 0..1 (the mean of its models' `p_real`).
    pub p_real: f64,
    /// Ids of its models.
    pub models: Vec<String>,
}

/// What the models said about one face.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceScores {
    /// Fused probability that the face is real, 0..1.
    pub p_real: f64,
    /// Per-opinion scores, in [`Opinion::ALL`] order.
    pub opinions: Vec<OpinionScore>,
    /// Per-model scores and crops, in load order.
    pub models: Vec<ModelScore>,
}

/// Where one model's crop lies: the cache key for models that share a crop.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Crop {
    Rect(PixelRect),
    Square { x: i64, y: i64, side: u32 },
}

impl Crop {
    fn of(facts: &ModelFacts, frame: &RgbFrame, bbox: [i32; 4]) -> Crop {
        match facts.crop {
            CropRule::SilentFace { scale } => {
                Crop::Rect(minifasnet::crop_rect(bbox, scale, frame.width(), frame.height()))
            }
            CropRule::SquareReflect101 { scale } => {
                let (x, y, side) = suri::crop_square(bbox, scale);
                Crop::Square { x, y, side }
            }
        }
    }

    fn bounds(self) -> [i64; 4] {
        match self {
            Crop::Rect(r) => [r.x0 as i64, r.y0 as i64, r.x1 as i64, r.y1 as i64],
            Crop::Square { x, y, side } => [x, y, x + side as i64 - 1, y + side as i64 - 1],
        }
    }

    fn pack(self, frame: &RgbFrame, facts: &ModelFacts, out: &mut [f32]) {
        match (self, facts.resize) {
            (Crop::Rect(r), ResizeKernel::OpenCvLinear) => minifasnet::pack_crop(frame, r, facts, out),
            (Crop::Square { x, y, side }, _) => suri::pack_crop(frame, x, y, side, facts, out),
            (Crop::Rect(r), ResizeKernel::OpenCvAreaOrLanczos4) => {
                // No model pairs these today; cut the rectangle as a square of its own.
                suri::pack_crop(frame, r.x0 as i64, r.y0 as i64, r.width().max(r.height()), facts, out)
            }
        }
    }
}

/// Runs every model on the face box `[x, y, w, h]` (integer pixels of `frame`) and fuses the
/// opinions with `fusion`. Models whose crops and inputs coincide share one packed tensor.
///
/// With a `pool` and two opinions, the opinions run side by side on it (`join`): a single
/// photo's latency is then the slower opinion's, not the sum; on a busy pool the second half
/// simply runs after the first on the same thread, so throughput is unchanged.
pub fn score_face(
    models: &[LivenessModel],
    fusion: Fusion,
    frame: &RgbFrame,
    bbox: [i32; 4],
    pool: Option<&rayon::ThreadPool>,
) -> Result<FaceScores> {
    // The models of one opinion are loaded next to each other.
    let groups: Vec<&[LivenessModel]> = models.chunk_by(|a, b| a.facts.opinion == b.facts.opinion).collect();
    let per_group: Vec<Result<Vec<ModelScore>>> = match (pool, groups.as_slice()) {
        (Some(pool), [a, b]) => {
            let (ra, rb) = pool.join(|| score_models(a, frame, bbox), || score_models(b, frame, bbox));
            vec![ra, rb]
        }
        _ => groups.iter().map(|g| score_models(g, frame, bbox)).collect(),
    };
    let mut scores = Vec::with_capacity(models.len());
    for group in per_group {
        scores.extend(group?);
    }
    let opinions: Vec<OpinionScore> = Opinion::ALL
        .into_iter()
        .filter_map(|o| {
            let of: Vec<&ModelScore> = scores.iter().filter(|s| s.opinion == o).collect();
            if of.is_empty() {
                return None;
            }
            let p_real = of.iter().map(|s| s.p_real).sum::<f64>() / of.len() as f64;
            Some(OpinionScore { opinion: o, p_real, models: of.iter().map(|s| s.model.clone()).collect() })
        })
        .collect();
    let ps: Vec<f64> = opinions.iter().map(|o| o.p_real).collect();
    let p_real = fusion.p_real(&ps).ok_or_else(|| Error::Internal("no liveness model is loaded".into()))?;
    Ok(FaceScores { p_real, opinions, models: scores })
}

/// Runs `models` one after the other on the face box, sharing packed tensors between models
/// whose crops and inputs coincide.
fn score_models(models: &[LivenessModel], frame: &RgbFrame, bbox: [i32; 4]) -> Result<Vec<ModelScore>> {
    let crops: Vec<Crop> = models.iter().map(|m| Crop::of(m.facts, frame, bbox)).collect();
    let mut tensors: Vec<Zeroizing<Vec<f32>>> = Vec::with_capacity(models.len());
    let mut scores = Vec::with_capacity(models.len());
    for (i, (m, crop)) in models.iter().zip(&crops).enumerate() {
        let same_input = |j: usize| {
            let f = models[j].facts;
            crops[j] == *crop
                && (f.input_side, f.channels, f.normalize, f.resize)
                    == (m.facts.input_side, m.facts.channels, m.facts.normalize, m.facts.resize)
        };
        let tensor = match (0..i).find(|&j| same_input(j)) {
            Some(j) => Zeroizing::new(tensors[j].to_vec()),
            None => {
                let side = m.facts.input_side as usize;
                let mut t = Zeroizing::new(vec![0f32; 3 * side * side]);
                crop.pack(frame, m.facts, &mut t);
                t
            }
        };
        let p = m.p_real(&tensor, 1)?[0] as f64;
        tensors.push(tensor);
        scores.push(ModelScore {
            model: m.id().to_owned(),
            opinion: m.facts.opinion,
            crop_scale: m.facts.crop.scale(),
            crop: crop.bounds(),
            p_real: p,
        });
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_picks_the_real_column() {
        assert!((softmax_at(&[0.0, 0.0, 0.0], 1) - 1.0 / 3.0).abs() < 1e-6);
        assert!(softmax_at(&[-10.0, 10.0, -10.0], 1) > 0.999);
        assert!(softmax_at(&[1000.0, -1000.0, 0.0], 1) < 1e-6);
        // Suri: [real, spoof] → sigmoid(l0 − l1).
        let p = softmax_at(&[2.0, -1.0], 0);
        assert!((p - 1.0 / (1.0 + (-3.0f32).exp())).abs() < 1e-6);
    }

    #[test]
    fn facts_are_consistent() {
        for o in Opinion::ALL {
            for f in o.models() {
                assert_eq!(f.opinion, o, "{}", f.spec.id);
                assert!(f.output.real_index < f.output.classes);
            }
            assert_eq!(o.as_str().parse::<Opinion>(), Ok(o));
        }
        assert_eq!(suri::SURI.crop.scale(), 1.5);
        assert_eq!(minifasnet::V1SE.crop.scale(), 4.0);
        assert_eq!(minifasnet::V1SE.output, minifasnet::V2.output);
    }
}
