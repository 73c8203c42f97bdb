//! Target 2: encoded bytes through the whole engine (decode, detection, quality, liveness,
//! report). Needs ONNX Runtime (ORT_DYLIB_PATH). Oracle: the engine fails exactly when the
//! decoder alone fails, with the same error code; results keep their invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ozinstant::decode::decode;
use ozinstant::{AnalyzeOptions, MediaRef};
use ozinstant_fuzz::{assert_input_error, check_media_result, engine};

fuzz_target!(|data: &[u8]| {
    let engine = engine();
    let alone = decode(data, &engine.config().limits).map(|_| ());
    let options = AnalyzeOptions { request_id: Some("fuzz".into()), ..AnalyzeOptions::default() };
    match engine.analyze_ref(MediaRef::Bytes(data), None, &options) {
        Ok(r) => {
            assert!(alone.is_ok(), "engine analysed what decode rejects: {:?}", alone.err());
            assert_eq!(r.request_id, "fuzz");
            check_media_result(&r);
        }
        Err(e) => {
            assert_input_error(&e, "analyze bytes");
            let alone = alone.expect_err("decode accepts what the engine rejects");
            assert_eq!(e.code(), alone.code(), "engine: {e}; decode: {alone}");
        }
    }
});
