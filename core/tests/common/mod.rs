//! Shared helpers for integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use ozinstant::{Engine, EngineConfig};

/// The repository's `samples/` folder.
pub fn samples_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../samples"))
}

/// Path of one sample.
pub fn sample(name: &str) -> PathBuf {
    samples_dir().join(name)
}

/// Path of a deliberately unsupported clip (VP8, MPEG-4 Part 2), kept out of `samples/` so
/// the demo over that folder has no error.
pub fn unsupported(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/unsupported")).join(name)
}

/// One engine shared by the tests of a binary (the ORT environment is per process anyway).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    // Tests of one binary run in parallel and share this engine: leave room for all of them
    // (backpressure has its own tests with dedicated engines).
    ENGINE.get_or_init(|| Engine::new(EngineConfig { max_in_flight: 256, ..EngineConfig::default() }).expect("engine"))
}

/// One golden row: (file, live?, W×H after EXIF, box [x,y,w,h], p_real).
pub type Golden = (&'static str, bool, (u32, u32), [f64; 4], f64);

/// Golden values from MODELS.md.
pub const GOLDEN: &[Golden] = &[
    ("minivision_live_image_T1.jpg", true, (480, 640), [106.0, 147.0, 207.0, 213.0], 0.993568),
    ("minivision_spoof_print_image_F1.jpg", false, (480, 640), [178.0, 136.0, 223.0, 225.0], 0.072331),
    ("minivision_spoof_replay_image_F2.jpg", false, (480, 640), [120.0, 252.0, 252.0, 256.0], 0.181286),
    ("hyperfas_spoof_replay_fake_screen.png", false, (934, 1004), [234.0, 412.0, 414.0, 431.0], 0.002136),
    ("skimage_live_astronaut.png", true, (512, 512), [174.0, 69.0, 101.0, 103.0], 0.899616),
    ("facerec_live_obama.jpg", true, (910, 1137), [364.0, 136.0, 263.0, 266.0], 0.998836),
    ("facerec_live_obama2.jpg", true, (626, 1200), [175.0, 280.0, 330.0, 347.0], 0.978197),
    ("facerec_live_biden.jpg", true, (970, 2204), [407.0, 225.0, 319.0, 324.0], 0.997666),
];

/// Decodes a sample with the engine's own decoder: upright RGB pixels and (width, height).
pub fn upright_rgb(name: &str) -> (Vec<u8>, u32, u32) {
    let bytes = std::fs::read(sample(name)).unwrap();
    let (frame, _) = ozinstant::decode::decode(&bytes, &Default::default()).unwrap();
    (frame.as_raw().to_vec(), frame.width(), frame.height())
}

/// Inserts an EXIF APP1 segment with one Orientation entry right after a JPEG's SOI marker.
pub fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    // TIFF header (little endian), IFD0 at offset 8 with one entry, no next IFD.
    let mut tiff = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0];
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // tag: Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // type: SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes()); // count
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding
    tiff.extend_from_slice(&0u32.to_le_bytes()); // next IFD
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let len = (payload.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Encodes RGB pixels as a JPEG at `quality`.
pub fn encode_jpeg(rgb: &[u8], w: u32, h: u32, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode(rgb, w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// The per-frame SHA-256 column of an ffmpeg framehash file
/// (`ffmpeg ... -f framehash -hash sha256 -`), in presentation order.
pub fn framehash_file(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.rsplit(',').next().unwrap_or_default().trim().to_string())
        .collect()
}

/// Lower-case hex of a SHA-256 digest of `bytes` (a decoded picture's planes, as framehash).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The folder of real third-party clips next to the repository (`../shared/clips`), or
/// `OZ_SHARED_CLIPS` when set.
pub fn shared_clips_dir() -> PathBuf {
    std::env::var_os("OZ_SHARED_CLIPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/clips")))
}

/// A clip of the shared folder, or `None` with a skip line when this machine does not have it
/// (the committed clips carry every defect's regression test; these add the real files).
pub fn shared_clip(name: &str) -> Option<Vec<u8>> {
    let path = shared_clips_dir().join(name);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!("skipped: shared clip {} is absent", path.display());
            None
        }
    }
}
