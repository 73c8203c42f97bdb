//! The ONNX models ozinstant runs: their identities, checksums and embedded bytes.
//!
//! Provenance, licences and preprocessing are documented in `docs/MODELS.md`. Every model,
//! embedded or given by path, is hashed before a session is built. Embedded bytes must match the
//! verified sha256; a file given by path is a custom model and is reported with its own hash in
//! every result's model list.

use std::borrow::Cow;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One model the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSpec {
    /// Stable id used in results (`minifasnet_v2`, ...).
    pub id: &'static str,
    /// File name under `models/`.
    pub file: &'static str,
    /// Expected sha256 (lower-case hex) of the verified file.
    pub sha256: &'static str,
    /// For a graph derived from an upstream file by `scripts/optimize-models.py`: the upstream
    /// file name and sha256. The upstream file, given by path, gives the same outputs.
    pub derived_from: Option<(&'static str, &'static str)>,
}

macro_rules! model {
    ($id:literal, $file:literal, $sha:literal) => {
        ModelSpec { id: $id, file: $file, sha256: $sha, derived_from: None }
    };
    ($id:literal, $file:literal, $sha:literal, derived_from: $up:literal, $upsha:literal) => {
        ModelSpec { id: $id, file: $file, sha256: $sha, derived_from: Some(($up, $upsha)) }
    };
}

/// RetinaFace (SilentFace) detector.
pub const RETINAFACE: ModelSpec = model!(
    "retinaface",
    "retinaface_silentface.onnx",
    "bc94b166fce3f39520a33cc9120f6c83e8581e84c82bc7fb57ff6ec21f6ea71d"
);
/// MiniFASNetV2, crop scale 2.7 (PRelu rewritten as `Max(x, s·x)`; same outputs, twice as fast).
pub const MINIFASNET_V2: ModelSpec = model!(
    "minifasnet_v2",
    "minifasnet_v2_scale2.7_80x80.opt.onnx",
    "853308323425beadc8b7f1786ff76f60f90dff78014223e2072a08b22ada4832",
    derived_from: "minifasnet_v2_scale2.7_80x80.onnx",
    "06cdca3549ed44eee8cb53c8cbfa759f357b7beea216f2c681329ea177f1b649"
);
/// MiniFASNetV1SE, crop scale 4.0 (PRelu rewritten as `Max(x, s·x)`; same outputs, twice as fast).
pub const MINIFASNET_V1SE: ModelSpec = model!(
    "minifasnet_v1se",
    "minifasnet_v1se_scale4.0_80x80.opt.onnx",
    "36676e686ebd38504a70303b114bbc5c29729899b45127b4b11395f0283c46ff",
    derived_from: "minifasnet_v1se_scale4.0_80x80.onnx",
    "13fe501e5631926f22f31b1ae665c76c9deec858031f1456418576751d7b6e68"
);
/// Suri MiniFASNetV2-SE 128, the second liveness opinion: the authors' ONNX export with PRelu
/// rewritten as `Max(x, s·x)` (every slope ≤ 0.31; same outputs, bit for bit). Apache-2.0
/// weights trained on CelebA-Spoof (non-commercial research terms; see `docs/MODELS.md`).
pub const SURI_MINIFASV2SE: ModelSpec = model!(
    "suri_minifasv2se",
    "suri_minifasv2se_128x128.opt.onnx",
    "d9988fc603e7b0dab2e565350dd3688e41485a73a09a368e02f72a17bf0794bc",
    derived_from: "suri_minifasv2se_128x128.onnx",
    "af2381b88f38769222ed93379e12444e2a50814575de1c46170de570c55a42b6"
);
/// MTCNN proposal network.
pub const MTCNN_PNET: ModelSpec =
    model!("mtcnn_pnet", "mtcnn_pnet.onnx", "07a69013008e612c4d2ad31b09645038911dfec67411cd68ccd0da55ca291a35");
/// MTCNN refinement network.
pub const MTCNN_RNET: ModelSpec =
    model!("mtcnn_rnet", "mtcnn_rnet.onnx", "de0f837f02b57e1e85959c3ae5c46bcd16162e6e95be5db8794e3c7c85a89004");
/// MTCNN output network (box refinement and 5 landmarks).
pub const MTCNN_ONET: ModelSpec =
    model!("mtcnn_onet", "mtcnn_onet.onnx", "d80f19b44f72e45dd2b7d01384d56994220f60d9417b2a7fbba9041ef1d75e52");

/// MobileFaceNet face embedding (192-d, aligned 112×112 input), for biometry. Loaded on the
/// first request that asks for biometry.
pub const MOBILEFACENET: ModelSpec = model!(
    "mobilefacenet",
    "mobilefacenet_192d_112x112.onnx",
    "18cab4a16db7ad37a94d1fbbdcb2f6ca5256462ad2a862b49ac0f7f4ea237dc4"
);

/// The models an engine with the default liveness set loads at start, in load order (the fast
/// profile, `liveness.models = ["minifasnet"]`, leaves Suri out).
pub const ALL: &[ModelSpec] =
    &[RETINAFACE, MINIFASNET_V2, MINIFASNET_V1SE, SURI_MINIFASV2SE, MTCNN_PNET, MTCNN_RNET, MTCNN_ONET];

/// Models loaded on first use (biometry).
pub const LAZY: &[ModelSpec] = &[MOBILEFACENET];

#[cfg(feature = "embedded-models")]
fn embedded(spec: &ModelSpec) -> Option<&'static [u8]> {
    macro_rules! bytes {
        ($f:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/", $f)).as_slice()
        };
    }
    Some(match spec.id {
        "retinaface" => bytes!("retinaface_silentface.onnx"),
        "minifasnet_v2" => bytes!("minifasnet_v2_scale2.7_80x80.opt.onnx"),
        "minifasnet_v1se" => bytes!("minifasnet_v1se_scale4.0_80x80.opt.onnx"),
        "suri_minifasv2se" => bytes!("suri_minifasv2se_128x128.opt.onnx"),
        "mtcnn_pnet" => bytes!("mtcnn_pnet.onnx"),
        "mtcnn_rnet" => bytes!("mtcnn_rnet.onnx"),
        "mtcnn_onet" => bytes!("mtcnn_onet.onnx"),
        "mobilefacenet" => bytes!("mobilefacenet_192d_112x112.onnx"),
        _ => return None,
    })
}

#[cfg(not(feature = "embedded-models"))]
fn embedded(_spec: &ModelSpec) -> Option<&'static [u8]> {
    None
}

/// Which model a result was computed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModelVersion {
    /// Model id (`minifasnet_v2`, ...).
    pub id: String,
    /// sha256 of the ONNX file (lower-case hex).
    pub sha256: String,
    /// `embedded` or `file`.
    pub source: String,
}

/// Model bytes ready for a session, with their checked identity.
pub struct LoadedModel {
    /// The ONNX bytes.
    pub bytes: Cow<'static, [u8]>,
    /// Identity reported in results.
    pub version: ModelVersion,
}

/// Returns the bytes of `spec`: from `path` when given, else embedded. The sha256 is always
/// computed. A file whose hash differs from the verified one is accepted as a custom model
/// (its own hash is reported); the embedded bytes must match exactly.
pub fn load(spec: &ModelSpec, path: Option<&Path>) -> Result<LoadedModel> {
    let (bytes, source): (Cow<'static, [u8]>, &str) = match path {
        Some(p) => {
            let b =
                std::fs::read(p).map_err(|e| Error::Model(format!("{}: cannot read {}: {e}", spec.id, p.display())))?;
            (Cow::Owned(b), "file")
        }
        None => match embedded(spec) {
            Some(b) => (Cow::Borrowed(b), "embedded"),
            None => {
                return Err(Error::Model(format!(
                    "{}: this build has no embedded models (feature `embedded-models` off); give models.{} as a path",
                    spec.id, spec.id
                )));
            }
        },
    };
    let digest = hex(&Sha256::digest(&bytes));
    if source == "embedded" && digest != spec.sha256 {
        return Err(Error::Model(format!(
            "{}: embedded model has sha256 {digest}, expected {}; the build is corrupt",
            spec.id, spec.sha256
        )));
    }
    Ok(LoadedModel {
        bytes,
        version: ModelVersion { id: spec.id.to_owned(), sha256: digest, source: source.to_owned() },
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "embedded-models")]
    fn embedded_models_match_their_checksums() {
        for spec in ALL.iter().chain(LAZY) {
            let m = load(spec, None).unwrap();
            assert_eq!(m.version.sha256, spec.sha256, "{}", spec.id);
            assert_eq!(m.version.source, "embedded");
        }
    }

    #[test]
    fn file_models_are_hashed_and_missing_files_are_typed_errors() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/");
        let m = load(&MINIFASNET_V2, Some(Path::new(&format!("{dir}{}", MINIFASNET_V2.file)))).unwrap();
        assert_eq!(m.version.sha256, MINIFASNET_V2.sha256);
        assert_eq!(m.version.source, "file");
        let e = load(&MINIFASNET_V2, Some(Path::new("/nonexistent.onnx"))).err().unwrap();
        assert_eq!(e.name(), "model_error");
    }
}
