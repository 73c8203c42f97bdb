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

/// One engine shared by the tests of a binary (the ORT environment is per process anyway).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineConfig::default()).expect("engine"))
}

/// Golden values from MODELS.md: (file, live?, W×H after EXIF, box [x,y,w,h], p_real).
pub const GOLDEN: &[(&str, bool, (u32, u32), [f64; 4], f64)] = &[
    ("minivision_live_image_T1.jpg", true, (480, 640), [106.0, 147.0, 207.0, 213.0], 0.993568),
    ("minivision_spoof_print_image_F1.jpg", false, (480, 640), [178.0, 136.0, 223.0, 225.0], 0.072331),
    ("minivision_spoof_replay_image_F2.jpg", false, (480, 640), [120.0, 252.0, 252.0, 256.0], 0.181286),
    ("hyperfas_spoof_replay_fake_screen.png", false, (934, 1004), [234.0, 412.0, 414.0, 431.0], 0.002136),
    ("skimage_live_astronaut.png", true, (512, 512), [174.0, 69.0, 101.0, 103.0], 0.899616),
    ("facerec_live_obama.jpg", true, (910, 1137), [364.0, 136.0, 263.0, 266.0], 0.998836),
    ("facerec_live_obama2.jpg", true, (626, 1200), [175.0, 280.0, 330.0, 347.0], 0.978197),
    ("facerec_live_biden.jpg", true, (970, 2204), [407.0, 225.0, 319.0, 324.0], 0.997666),
];
