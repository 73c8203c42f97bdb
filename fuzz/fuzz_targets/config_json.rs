//! Target 4: configuration and option parsing (`EngineConfig::from_json`,
//! `AnalyzeOptions::from_json`, `PixelFormat::parse`, `validate_request_id`). No ONNX Runtime.
//! Oracle: no panic; whatever parses also validates and survives a JSON round trip unchanged
//! (floats up to a few ULPs, see `assert_same`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ozinstant::request::validate_request_id;
use ozinstant::{AnalyzeOptions, EngineConfig, PixelFormat};
use serde_json::Value;

fn json_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serialises")
}

/// Equality of two JSON trees where numbers may differ by a few ULPs: serde_json's float parser
/// (without its `float_roundtrip` feature, as in this workspace) is not correctly rounded, so
/// `from_json(to_json(x))` can be 1 ULP off x (regressions/config_json/float-1ulp-roundtrip).
fn assert_same(a: &Value, b: &Value, what: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs()), "{what}: {x} != {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{what}");
            x.iter().zip(y).for_each(|(x, y)| assert_same(x, y, what));
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.len(), y.len(), "{what}");
            for (k, v) in x {
                assert_same(v, y.get(k).unwrap_or(&Value::Null), what);
            }
        }
        _ => assert_eq!(a, b, "{what}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(config) = EngineConfig::from_json(&text) {
        config.validate().expect("a parsed config validates");
        let again = EngineConfig::from_json(&config.to_json()).expect("to_json output parses");
        assert_same(&json_value(&again), &json_value(&config), "EngineConfig JSON round trip");
        let _ = (config.resolved_threads(), config.resolved_max_in_flight());
    }
    if let Ok(options) = AnalyzeOptions::from_json(&text) {
        options.validate().expect("parsed options validate");
        let json = serde_json::to_string(&options).expect("options serialise");
        let again = AnalyzeOptions::from_json(&json).expect("options round trip");
        assert_same(&json_value(&again), &json_value(&options), "AnalyzeOptions JSON round trip");
    }
    if let Ok(format) = PixelFormat::parse(&text) {
        assert_eq!(PixelFormat::parse(format.name()).ok(), Some(format));
    }
    if validate_request_id(&text).is_ok() {
        assert!(!text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic()));
    }
});
