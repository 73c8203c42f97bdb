//! The verdict on real data: fusion rules, the fast profile, security levels, the review band
//! (`OPERATOR_REQUIRED`) for photos, sequences and requests, and their precedence rules.

mod common;

use common::{engine, sample};
use ozinstant::config::LivenessConfig;
use ozinstant::{
    AnalyzeOptions, Engine, EngineConfig, Fusion, Media, MediaResult, Opinion, Request, Resolution, SecurityLevel,
};

const LIVE: &str = "minivision_live_image_T1.jpg";
const PRINT: &str = "minivision_spoof_print_image_F1.jpg";
/// The replay that MiniFASNet catches (p_attack 0.998) and Suri does not (0.205).
const SCREEN: &str = "hyperfas_spoof_replay_fake_screen.png";

fn with(cfg: EngineConfig) -> Engine {
    Engine::new(EngineConfig { threads: 2, max_in_flight: 64, ..cfg }).unwrap()
}

fn analyze(e: &Engine, file: &str, options: &AnalyzeOptions) -> MediaResult {
    e.analyze_with(Media::path(sample(file)), options).unwrap()
}

fn opinion_p_attack(r: &MediaResult, o: Opinion) -> f64 {
    1.0 - r.liveness.as_ref().unwrap().opinions.iter().find(|s| s.opinion == o).unwrap().p_real
}

#[test]
fn default_set_reports_every_model_and_fuses_the_mean() {
    let r = analyze(engine(), SCREEN, &AnalyzeOptions::default());
    let l = r.liveness.as_ref().unwrap();
    assert_eq!(l.fusion, Fusion::Mean);
    let ids: Vec<&str> = l.models.iter().map(|m| m.model.as_str()).collect();
    assert_eq!(ids, ["minifasnet_v2", "minifasnet_v1se", "suri_minifasv2se"]);
    assert_eq!(l.opinions.len(), 2);
    let (mf, suri) = (opinion_p_attack(&r, Opinion::Minifasnet), opinion_p_attack(&r, Opinion::Suri));
    // Each opinion is the mean of its models.
    let v2_v1se = (l.models[0].p_real + l.models[1].p_real) / 2.0;
    assert!((1.0 - mf - v2_v1se).abs() < 2e-6);
    assert!((1.0 - suri - l.models[2].p_real).abs() < 1e-9);
    let spoof = r.confidence_spoofing.unwrap();
    assert!((spoof - (mf + suri) / 2.0).abs() < 2e-6, "{spoof} vs {mf}, {suri}");
    // The two opinions disagree on this replay; the mean still declines it.
    assert!(mf > 0.99 && suri < 0.3, "{mf} {suri}");
    assert_eq!(r.resolution, Resolution::Declined);
    // Every model's version is reported.
    let versions: Vec<&str> = engine().models().iter().map(|m| m.id.as_str()).collect();
    assert!(versions.contains(&"suri_minifasv2se"), "{versions:?}");
}

#[test]
fn max_fusion_and_the_fast_profile() {
    let strict = with(EngineConfig {
        liveness: LivenessConfig { fusion: Fusion::Max, ..LivenessConfig::default() },
        ..EngineConfig::default()
    });
    let fast = with(EngineConfig { liveness: LivenessConfig::fast(), ..EngineConfig::default() });
    let versions: Vec<String> = fast.models().iter().map(|m| m.id.clone()).collect();
    assert!(!versions.iter().any(|v| v == "suri_minifasv2se"), "{versions:?}");
    for file in [LIVE, PRINT, SCREEN, "skimage_live_astronaut.png"] {
        let mean = analyze(engine(), file, &AnalyzeOptions::default());
        let max = analyze(&strict, file, &AnalyzeOptions::default());
        let alone = analyze(&fast, file, &AnalyzeOptions::default());
        let (mf, suri) = (opinion_p_attack(&mean, Opinion::Minifasnet), opinion_p_attack(&mean, Opinion::Suri));
        assert!((max.confidence_spoofing.unwrap() - mf.max(suri)).abs() < 2e-6, "{file}");
        assert_eq!(max.liveness.as_ref().unwrap().fusion, Fusion::Max);
        // The fast profile is the MiniFASNet pair alone, with today's scores.
        let l = alone.liveness.as_ref().unwrap();
        assert_eq!(l.models.len(), 2, "{file}");
        assert_eq!(l.opinions.len(), 1);
        assert!((alone.confidence_spoofing.unwrap() - mf).abs() < 2e-6, "{file}");
        // max >= mean >= min, whatever the image.
        assert!(max.confidence_spoofing.unwrap() + 1e-9 >= mean.confidence_spoofing.unwrap());
    }
}

#[test]
fn security_levels_order_the_verdicts_and_a_number_wins() {
    let thresholds: Vec<f64> = SecurityLevel::ALL.iter().map(|l| l.threshold()).collect();
    assert!(thresholds.windows(2).all(|w| w[0] > w[1]), "{thresholds:?}");
    assert_eq!(SecurityLevel::Medium.threshold(), ozinstant::DEFAULT_THRESHOLD);
    for level in SecurityLevel::ALL {
        let o = AnalyzeOptions { security_level: Some(level), ..AnalyzeOptions::default() };
        let r = analyze(engine(), SCREEN, &o);
        assert_eq!(r.threshold, level.threshold());
        assert_eq!(r.security_level, Some(level));
        let spoof = r.confidence_spoofing.unwrap();
        assert_eq!(r.resolution == Resolution::Declined, spoof >= level.threshold(), "{level:?}");
        // An explicit threshold in the same call wins and the level is not reported.
        let o = AnalyzeOptions { threshold: Some(0.99), ..o };
        let r = analyze(engine(), SCREEN, &o);
        assert_eq!((r.threshold, r.security_level, r.resolution), (0.99, None, Resolution::Success));
    }
    // An engine level applies to calls without their own setting, and is in the JSON.
    let high = with(EngineConfig { security_level: Some(SecurityLevel::High), ..EngineConfig::default() });
    let r = analyze(&high, LIVE, &AnalyzeOptions::default());
    assert_eq!(r.threshold, SecurityLevel::High.threshold());
    assert!(r.to_json().contains(r#""security_level":"high""#), "{}", r.to_json());
    // A call's number beats the engine's level; the default reports no level.
    let r = analyze(&high, LIVE, &AnalyzeOptions { threshold: Some(0.3), ..AnalyzeOptions::default() });
    assert_eq!((r.threshold, r.security_level), (0.3, None));
    // Each liveness profile has its own level thresholds.
    let fast = with(EngineConfig { liveness: LivenessConfig::fast(), ..EngineConfig::default() });
    let o = AnalyzeOptions { security_level: Some(SecurityLevel::High), ..AnalyzeOptions::default() };
    let r = analyze(&fast, LIVE, &o);
    assert_eq!(r.threshold, SecurityLevel::High.threshold_for(&LivenessConfig::fast()));
    assert!(r.threshold > SecurityLevel::High.threshold());
    let r = analyze(engine(), LIVE, &AnalyzeOptions::default());
    assert_eq!((r.threshold, r.security_level, r.review_band), (0.5, None, None));
    assert!(!r.to_json().contains("security_level") && !r.to_json().contains("review_band"));
}

#[test]
fn review_band_sends_scores_inside_it_to_an_operator() {
    let spoof_of = |f: &str| analyze(engine(), f, &AnalyzeOptions::default()).confidence_spoofing.unwrap();
    let (live, print, screen) = (spoof_of(LIVE), spoof_of(PRINT), spoof_of(SCREEN));
    assert!(live < 0.05 && print > 0.9 && (0.55..0.65).contains(&screen), "{live} {print} {screen}");
    // A band around the screen replay's score: only it goes to review.
    let band = Some([0.55, 0.65]);
    let o = AnalyzeOptions { review_band: band, ..AnalyzeOptions::default() };
    assert_eq!(analyze(engine(), SCREEN, &o).resolution, Resolution::OperatorRequired);
    assert_eq!(analyze(engine(), LIVE, &o).resolution, Resolution::Success);
    assert_eq!(analyze(engine(), PRINT, &o).resolution, Resolution::Declined);
    let r = analyze(engine(), SCREEN, &o);
    assert_eq!(r.review_band, band);
    assert!(r.to_json().contains(r#""resolution":"OPERATOR_REQUIRED""#));
    assert!(r.to_json().contains(r#""review_band":[0.55,0.65]"#), "{}", r.to_json());
    // Set on the engine; a call's band replaces it.
    let banded = with(EngineConfig { review_band: Some([0.0, 1.0]), ..EngineConfig::default() });
    assert_eq!(analyze(&banded, LIVE, &AnalyzeOptions::default()).resolution, Resolution::OperatorRequired);
    assert_eq!(analyze(&banded, LIVE, &o).resolution, Resolution::Success);
    // Faces that fail before liveness stay FAILED.
    let group = analyze(&banded, "group_three_faces.jpg", &AnalyzeOptions::default());
    assert_eq!(group.resolution, Resolution::Failed);
    // A request: OPERATOR_REQUIRED ranks below DECLINED and FAILED, above SUCCESS.
    let req = |files: &[&str]| {
        let media = files.iter().map(|f| Media::path(sample(f))).collect();
        engine().analyze_request(Request::new(media).with_options(o.clone())).unwrap().resolution
    };
    assert_eq!(req(&[LIVE, SCREEN]), Resolution::OperatorRequired);
    assert_eq!(req(&[SCREEN, PRINT]), Resolution::Declined);
    assert_eq!(req(&[LIVE, LIVE]), Resolution::Success);
    // Counted in the stats.
    let before = banded.stats().media.operator_required;
    analyze(&banded, PRINT, &AnalyzeOptions::default());
    assert_eq!(banded.stats().media.operator_required, before + 1);
}

#[test]
fn sequences_use_the_same_decision_on_their_median() {
    let clip = common::samples_dir().join("video/h264_fragmented.mp4");
    let o = AnalyzeOptions { review_band: Some([0.0, 0.5]), ..AnalyzeOptions::default() };
    let r = engine().analyze_with(Media::path(&clip), &o).unwrap();
    let median = r.confidence_spoofing.unwrap();
    assert!(median < 0.5, "{median}");
    assert_eq!(r.resolution, Resolution::OperatorRequired);
    // Each frame is judged with the same band.
    let frames = &r.sequence.as_ref().unwrap().frames;
    assert!(frames.iter().any(|f| f.resolution == Resolution::OperatorRequired), "{frames:?}");
    let r = engine().analyze(Media::path(&clip)).unwrap();
    assert_eq!(r.resolution, Resolution::Success);
}

#[test]
fn bad_settings_are_typed_errors() {
    for json in [
        r#"{"review_band": [0.7, 0.2]}"#,
        r#"{"review_band": [0.2, 1.5]}"#,
        r#"{"security_level": "extreme"}"#,
        r#"{"liveness": {"models": []}}"#,
        r#"{"liveness": {"models": ["minifasnet", "minifasnet"]}}"#,
        r#"{"liveness": {"models": ["dtn"]}}"#,
        r#"{"liveness": {"fusion": "median"}}"#,
    ] {
        let e = EngineConfig::from_json(json).unwrap_err();
        assert_eq!(e.name(), "invalid_config", "{json}: {e}");
    }
    let e = AnalyzeOptions::from_json(r#"{"review_band": [0.9, 0.1]}"#).unwrap_err();
    assert_eq!(e.name(), "invalid_input", "{e}");
    let e = engine()
        .analyze_with(
            Media::path(sample(LIVE)),
            &AnalyzeOptions { review_band: Some([0.9, 0.1]), ..AnalyzeOptions::default() },
        )
        .unwrap_err();
    assert_eq!(e.name(), "invalid_input", "{e}");
    let cfg = EngineConfig::from_json(
        r#"{"security_level": "low", "liveness": {"models": ["minifasnet"], "fusion": "max"}}"#,
    )
    .unwrap();
    assert_eq!(cfg.security_level, Some(SecurityLevel::Low));
    assert_eq!(cfg.liveness.models, [Opinion::Minifasnet]);
    assert_eq!(cfg.effective_threshold(), SecurityLevel::Low.threshold_for(&cfg.liveness));
    assert_eq!(cfg.effective_threshold(), 0.95);
}
