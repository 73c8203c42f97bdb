//! `EngineConfig::from_json` and `AnalyzeOptions::from_json` take JSON objects only: serde's
//! derive would also take a struct as an array of its fields in declaration order, at the top
//! level or nested. No ONNX Runtime needed.

use ozinstant::{AnalyzeOptions, EngineConfig};

fn config_err(json: &str) -> String {
    let e = EngineConfig::from_json(json).expect_err(json);
    assert_eq!((e.name(), e.code()), ("invalid_config", 11), "{json}: {e}");
    e.to_string()
}

fn options_err(json: &str) -> String {
    let e = AnalyzeOptions::from_json(json).expect_err(json);
    assert_eq!((e.name(), e.code()), ("invalid_input", 1), "{json}: {e}");
    e.to_string()
}

#[test]
fn config_must_be_an_object() {
    for (json, found) in [
        ("[]", "an array"),
        ("[null]", "an array"),
        (r#"[null, {}, 2, 1, 0]"#, "an array"),
        ("null", "null"),
        ("42", "a number"),
        ("true", "a boolean"),
        (r#""threads""#, "a string"),
    ] {
        let msg = config_err(json);
        assert!(msg.contains("the configuration must be a JSON object") && msg.contains(found), "{json}: {msg}");
    }
}

#[test]
fn nested_config_sections_must_be_objects() {
    let msg = config_err(r#"{"limits": [3, 1000, 1000, 100]}"#);
    assert!(msg.contains("`limits` must be a JSON object, found an array"), "{msg}");
    let msg = config_err(r#"{"threads": 1, "quality": []}"#);
    assert!(msg.contains("`quality` must be a JSON object"), "{msg}");
    let msg = config_err(r#"{"models": [null]}"#);
    assert!(msg.contains("`models` must be a JSON object"), "{msg}");
    // The same sections as objects are fine.
    let cfg = EngineConfig::from_json(r#"{"limits": {"max_media_per_request": 3}, "quality": {}, "models": {}}"#)
        .expect("objects");
    assert_eq!(cfg.limits.max_media_per_request, 3);
}

#[test]
fn config_messages_are_unchanged() {
    // Unknown keys keep serde's message: the key, the expected ones, the position.
    let msg = config_err(r#"{"treshold": 0.7}"#);
    assert!(msg.contains("unknown field `treshold`") && msg.contains("`threshold`"), "{msg}");
    assert!(msg.contains("line 1 column"), "{msg}");
    let msg = config_err(r#"{"limits": {"max_pixel": 1}}"#);
    assert!(msg.contains("unknown field `max_pixel`"), "{msg}");
    let msg = config_err(r#"{"threads": "two"}"#);
    assert!(msg.contains("invalid type: string \"two\""), "{msg}");
    let msg = config_err(r#"{"threads": 1"#);
    assert!(msg.contains("EOF while parsing"), "{msg}");
    config_err(r#"{"threshold": 1.5}"#); // range checks still run
    // Empty text is the defaults; a round trip still works.
    assert_eq!(EngineConfig::from_json("  ").unwrap(), EngineConfig::default());
    let cfg = EngineConfig::from_json(r#"{"threshold": 0.7, "threads": 2}"#).unwrap();
    assert_eq!(EngineConfig::from_json(&cfg.to_json()).unwrap(), cfg);
}

#[test]
fn options_must_be_an_object() {
    for (json, found) in [("[]", "an array"), ("[0.7, true]", "an array"), ("null", "null"), ("0.5", "a number")] {
        let msg = options_err(json);
        assert!(msg.contains("options must be a JSON object") && msg.contains(found), "{json}: {msg}");
    }
    let msg = options_err(r#"{"treshold": 0.5}"#);
    assert!(msg.contains("unknown field `treshold`") && msg.contains("line 1 column"), "{msg}");
    options_err(r#"{"threshold": 2}"#);
    let o = AnalyzeOptions::from_json(r#"{"threshold": 0.7, "request_id": "abc"}"#).unwrap();
    assert_eq!(o.threshold, Some(0.7));
    assert_eq!(o.request_id.as_deref(), Some("abc"));
    assert_eq!(AnalyzeOptions::from_json("").unwrap(), AnalyzeOptions::default());
    let json = serde_json::to_string(&o).unwrap();
    assert_eq!(AnalyzeOptions::from_json(&json).unwrap(), o);
}
