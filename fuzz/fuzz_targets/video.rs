//! Target: the video layer alone (`ozinstant::video::decode`: sniff, demux, limits, decode,
//! sample, convert), no ONNX Runtime. Oracle: sampled frames respect the limits and their
//! buffers match their size; failures are input errors only; no panic escapes.
//!
//! The third-party demuxers and decoders panic on some inputs (re_mp4 0.5.1 indexes past a
//! short `stts`, see fuzz/README.md); the video layer contains those panics as `decode_failed`,
//! in release builds too, and that containment is what is tested here. So this target replaces
//! libFuzzer's abort-on-panic hook with one that only reports each new panic site once on
//! stderr; a panic that escapes the layer still aborts (libfuzzer-sys catches the unwind).
#![no_main]

use std::collections::HashSet;
use std::sync::{Mutex, Once};

use libfuzzer_sys::fuzz_target;
use ozinstant::video::{VideoLimits, VideoOptions, decode};
use ozinstant_fuzz::assert_input_error;

fn report_contained_panics() {
    static ONCE: Once = Once::new();
    static SITES: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let site = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            let mut sites = SITES.lock().unwrap_or_else(|p| p.into_inner());
            if sites.get_or_insert_with(HashSet::new).insert(site.clone()) {
                eprintln!("contained panic (new site): {site}: {info}");
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    report_contained_panics();
    // Small bounds keep each input fast: 2 s, 120 frames, 640x480.
    let limits = VideoLimits {
        max_bytes: 1 << 20,
        max_duration_ms: 2_000,
        max_frames: 120,
        max_pixels: 640 * 480,
        max_side: 640,
    };
    let options = VideoOptions { frames: 4, limits: limits.clone() };
    match decode(data, &options) {
        Ok(v) => {
            assert!(v.frames.len() <= 4);
            assert!(v.info.frame_count <= limits.max_frames);
            for f in &v.frames {
                assert!(f.index < v.info.frame_count.max(1), "frame {} of {}", f.index, v.info.frame_count);
                assert!(f.width.max(f.height) <= limits.max_side);
                assert!(u64::from(f.width) * u64::from(f.height) <= limits.max_pixels);
                assert_eq!(f.rgb.len(), f.width as usize * f.height as usize * 3);
            }
        }
        Err(e) => assert_input_error(&e, "video"),
    }
});
