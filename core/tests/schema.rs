//! The published JSON Schema (`docs/*.schema.json`) is the one the code derives, and real
//! results validate against it. Regenerate with `UPDATE_SCHEMA=1 cargo test -p ozinstant --test schema`
//! (or `make schema`).

mod common;

use common::{engine, sample};
use ozinstant::report::{media_schema_json, result_schema_json};
use ozinstant::{AnalysisKind, AnalyzeOptions, Media, MediaTag, Request};

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/");

fn committed(name: &str, generated: &str) -> serde_json::Value {
    let path = format!("{DOCS}{name}");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, format!("{generated}\n")).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}; run `make schema`"));
    assert_eq!(text.trim_end(), generated.trim_end(), "{path} drifted from the code; run `make schema`");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn published_schemas_match_the_code_and_real_results_validate() {
    let request_schema = committed("result.schema.json", &result_schema_json());
    let media_schema = committed("media-result.schema.json", &media_schema_json());
    let request_validator = jsonschema::validator_for(&request_schema).unwrap();
    let media_validator = jsonschema::validator_for(&media_schema).unwrap();

    let mut media: Vec<Media> =
        ["minivision_live_image_T1.jpg", "group_three_faces.jpg", "hyperfas_spoof_replay_fake_screen.png"]
            .iter()
            .map(|f| Media::path(sample(f)))
            .collect();
    media.push(Media::bytes(b"not an image".to_vec()));
    let result = engine().analyze_request(Request::new(media)).unwrap();
    let value = serde_json::to_value(&result).unwrap();
    let errors: Vec<String> = request_validator.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    for m in &result.media {
        let v = serde_json::to_value(m).unwrap();
        assert!(media_validator.is_valid(&v), "{v}");
    }
    // A biometry request (tags, detection-only media, embeddings) validates too.
    let media = vec![
        Media::path(sample("facerec_live_obama.jpg")),
        Media::path(sample("facerec_live_obama2.jpg")).with_tag(MediaTag::PhotoIdFront),
        Media::path(sample("group_three_faces.jpg")),
    ];
    let options = AnalyzeOptions {
        analyses: Some(vec![AnalysisKind::Quality, AnalysisKind::Biometry]),
        return_embeddings: Some(true),
        ..Default::default()
    };
    let biometric = engine().analyze_request(Request::new(media).with_options(options)).unwrap();
    assert!(biometric.biometry.is_some());
    let value = serde_json::to_value(&biometric).unwrap();
    let errors: Vec<String> = request_validator.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Videos, an unsupported clip and raw frames (the `sequence` section) validate too.
    let (rgb, w, h) = common::upright_rgb("minivision_live_image_T1.jpg");
    let frames = vec![ozinstant::RawFrame::new(rgb, ozinstant::PixelFormat::Rgb8, w, h, 0)];
    let media = vec![
        Media::path(sample("video/h264_high_bframes.mp4")),
        Media::path(sample("video/vp9.webm")),
        Media::path(common::unsupported("unsupported_vp8.webm")),
        Media::frames(frames),
    ];
    let options =
        AnalyzeOptions { analyses: Some(vec![AnalysisKind::Quality, AnalysisKind::Biometry]), ..Default::default() };
    let videos = engine().analyze_request(Request::new(media).with_options(options)).unwrap();
    assert!(videos.media[0].sequence.is_some() && videos.media[3].sequence.is_some());
    let value = serde_json::to_value(&videos).unwrap();
    let errors: Vec<String> = request_validator.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The schema is not vacuous: a result with a bad resolution is rejected.
    let mut bad = serde_json::to_value(&result.media[0]).unwrap();
    bad["resolution"] = "MAYBE".into();
    assert!(!media_validator.is_valid(&bad));
}
