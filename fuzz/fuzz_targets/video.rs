//! Target: the video layer alone (`ozinstant::video::decode`: sniff, demux, limits, decode,
//! sample, convert), no ONNX Runtime. Oracle: no panic (the layer contains the decoders' panics
//! as `decode_failed`, but libFuzzer's hook still reports them, which is what we want here);
//! sampled frames respect the limits and their buffers match their size; failures are input
//! errors only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ozinstant::video::{VideoLimits, VideoOptions, decode};
use ozinstant_fuzz::assert_input_error;

fuzz_target!(|data: &[u8]| {
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
