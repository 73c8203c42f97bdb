//! Target 2: encoded bytes through the whole engine (decode or the video/shot-set layers,
//! detection, quality, liveness, aggregation, report). Needs ONNX Runtime (ORT_DYLIB_PATH).
//! Oracle: the engine fails exactly when the decoding layers alone say it must
//! ([`bytes_status`]), with the same error code; results keep their invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ozinstant::{AnalyzeOptions, MediaRef};
use ozinstant_fuzz::{assert_input_error, bytes_status, check_media_result, engine};

fuzz_target!(|data: &[u8]| {
    let engine = engine();
    let expected = bytes_status(data, engine.config());
    let options = AnalyzeOptions { request_id: Some("fuzz".into()), ..AnalyzeOptions::default() };
    match engine.analyze_ref(MediaRef::Bytes(data), None, &options) {
        Ok(r) => {
            assert_eq!(expected, 0, "engine analysed what the decoding layers reject (code {expected})");
            assert_eq!(r.request_id, "fuzz");
            check_media_result(&r);
        }
        Err(e) => {
            assert_input_error(&e, "analyze bytes");
            assert_eq!(e.code(), expected, "engine: {e}; expected code {expected}");
        }
    }
});
