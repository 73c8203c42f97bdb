//! Biometry on the samples: same person matches, different people do not, the least similar
//! pair of a folder decides, tags choose what liveness and biometry see, embeddings only on
//! request.

mod common;

use common::{engine, sample};
use ozinstant::report::BiometryFailReason;
use ozinstant::{AnalysisKind, AnalyzeOptions, Media, MediaTag, Request, Resolution};

fn biometry_options() -> AnalyzeOptions {
    AnalyzeOptions { analyses: Some(vec![AnalysisKind::Quality, AnalysisKind::Biometry]), ..Default::default() }
}

fn request(names: &[&str], options: AnalyzeOptions) -> ozinstant::RequestResult {
    let media = names.iter().map(|n| Media::path(sample(n))).collect();
    engine().analyze_request(Request::new(media).with_options(options)).unwrap()
}

#[test]
fn same_person_matches() {
    let r = request(&["facerec_live_obama.jpg", "facerec_live_obama2.jpg"], biometry_options());
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.resolution, Resolution::Success, "{b:?}");
    assert_eq!(b.pairs.len(), 1);
    assert!(b.min_similarity.unwrap() >= b.threshold);
    assert_eq!(r.resolution, Resolution::Success);
    // Liveness still ran on both selfies, and passed on both.
    assert!(r.media.iter().all(|m| m.analysis == "liveness" && m.confidence_spoofing.is_some()));
    assert_eq!(b.media.iter().map(|m| m.liveness_passed).collect::<Vec<_>>(), [Some(true), Some(true)]);
    assert!(r.to_json().contains("\"liveness_passed\":true"));
    assert!(r.models.iter().any(|m| m.id == "mobilefacenet"));
    // No embedding unless asked.
    assert!(b.media.iter().all(|m| m.embedding.is_none()));
    assert!(!r.to_json().contains("\"embedding\""));
}

#[test]
fn different_people_do_not_match() {
    let r = request(&["facerec_live_obama.jpg", "facerec_live_biden.jpg"], biometry_options());
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.resolution, Resolution::Declined, "{b:?}");
    assert!(b.min_similarity.unwrap() < b.threshold);
    assert_eq!(r.resolution, Resolution::Declined);
}

#[test]
fn a_folder_reports_its_least_similar_pair() {
    let r =
        request(&["facerec_live_obama.jpg", "facerec_live_obama2.jpg", "facerec_live_biden.jpg"], biometry_options());
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.pairs.len(), 3);
    assert_eq!(
        [(b.pairs[0].a, b.pairs[0].b), (b.pairs[1].a, b.pairs[1].b), (b.pairs[2].a, b.pairs[2].b)],
        [(0, 1), (0, 2), (1, 2)]
    );
    let least = b.least_similar.as_ref().unwrap();
    let min = b.pairs.iter().map(|p| p.similarity).fold(f64::INFINITY, f64::min);
    assert_eq!(least.similarity, min);
    assert_eq!(b.min_similarity, Some(min));
    assert!(least.b == 2, "the least similar pair involves biden: {least:?}");
    assert_eq!(b.resolution, Resolution::Declined);
    // The obama pair is the most similar.
    assert!(b.pairs[0].similarity > b.pairs[1].similarity && b.pairs[0].similarity > b.pairs[2].similarity);
}

#[test]
fn per_call_threshold_and_embeddings_on_request() {
    let mut o = biometry_options();
    o.biometry_threshold = Some(0.0);
    o.return_embeddings = Some(true);
    let r = request(&["facerec_live_obama.jpg", "facerec_live_biden.jpg"], o);
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.threshold, 0.0);
    assert_eq!(b.resolution, Resolution::Success);
    for m in &b.media {
        let e = m.embedding.as_ref().unwrap();
        assert_eq!(e.len(), 192);
        let norm: f32 = e.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
    }
    let bad = AnalyzeOptions { biometry_threshold: Some(1.5), ..biometry_options() };
    assert_eq!(bad.validate().unwrap_err().name(), "invalid_input");
}

#[test]
fn document_tags_skip_liveness_and_biometry_tags_select_media() {
    let media = vec![
        Media::path(sample("facerec_live_obama.jpg")).with_tag(MediaTag::PhotoSelfie),
        Media::path(sample("facerec_live_obama2.jpg")).with_tag(MediaTag::PhotoIdFront),
        Media::path(sample("facerec_live_biden.jpg")).with_tag(MediaTag::VideoSelfie),
    ];
    let mut o = biometry_options();
    o.biometry_tags = Some(vec![MediaTag::PhotoSelfie, MediaTag::PhotoIdFront]);
    let r = engine().analyze_request(Request::new(media).with_options(o)).unwrap();
    assert_eq!(r.media[0].analysis, "liveness");
    assert_eq!(r.media[1].analysis, "detection");
    assert_eq!(r.media[1].tag, Some(MediaTag::PhotoIdFront));
    assert!(r.media[1].confidence_spoofing.is_none() && r.media[1].liveness.is_none());
    assert_eq!(r.media[1].resolution, Resolution::Success);
    assert_eq!(r.media[2].analysis, "liveness");
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.media[2].status, "excluded");
    assert_eq!(b.pairs.len(), 1);
    assert_eq!(b.resolution, Resolution::Success);
    // Liveness did not run on the document photo (null); it ran, and passed, on the others.
    assert_eq!(b.media.iter().map(|m| m.liveness_passed).collect::<Vec<_>>(), [Some(true), None, Some(true)]);
    assert!(r.to_json().contains("\"liveness_passed\":null"));
}

/// Biometry compares faces whatever their liveness: MiniVision's live photo and the replay
/// attack shot from a screen (`minivision_spoof_replay_image_F2.jpg`, 0.806 against the live
/// photo: the same person) match, and only `liveness_passed` (and the request's resolution)
/// tell that one of the two is not a live person.
#[test]
fn same_person_is_not_same_live_person() {
    let r = request(&["minivision_live_image_T1.jpg", "minivision_spoof_replay_image_F2.jpg"], biometry_options());
    assert_eq!(r.media[0].resolution, Resolution::Success);
    assert_eq!(r.media[1].resolution, Resolution::Declined);
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.media.iter().map(|m| m.status.as_str()).collect::<Vec<_>>(), ["compared", "compared"]);
    assert_eq!(b.media.iter().map(|m| m.liveness_passed).collect::<Vec<_>>(), [Some(true), Some(false)]);
    assert_eq!(b.resolution, Resolution::Success, "same person: {:?}", b.min_similarity);
    assert_eq!(r.resolution, Resolution::Declined);
    // A live photo and a print attack of someone else: false, and no match either.
    let r = request(&["facerec_live_obama.jpg", "minivision_spoof_print_image_F1.jpg"], biometry_options());
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.media.iter().map(|m| m.liveness_passed).collect::<Vec<_>>(), [Some(true), Some(false)]);
    assert_eq!(b.resolution, Resolution::Declined);
}

#[test]
fn too_few_faces_fail_biometry_without_an_error() {
    let r = request(&["facerec_live_obama.jpg", "group_three_faces.jpg"], biometry_options());
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.resolution, Resolution::Failed);
    assert_eq!(b.reason, Some(BiometryFailReason::NotEnoughFaces));
    assert_eq!(b.media[1].status, "multiple_faces");
    // The group photo has no liveness verdict (FAILED/MULTIPLE_FACES): it did not pass.
    assert_eq!(b.media[1].liveness_passed, Some(false));
    assert!(b.pairs.is_empty() && b.min_similarity.is_none());
    // Requests that do not ask for biometry have no biometry section.
    let r = request(&["facerec_live_obama.jpg", "facerec_live_obama2.jpg"], AnalyzeOptions::default());
    assert!(r.biometry.is_none());
    assert!(!r.to_json().contains("biometry"));
    assert!(r.models.iter().all(|m| m.id != "mobilefacenet"));
}

/// Similarity of every pair of single-face samples (`cargo test --test biometry -- --ignored
/// --nocapture`); the figures behind docs/BIOMETRY.md.
#[test]
#[ignore]
fn print_sample_similarities() {
    let names = [
        "facerec_live_obama.jpg",
        "facerec_live_obama2.jpg",
        "facerec_live_biden.jpg",
        "skimage_live_astronaut.png",
        "minivision_live_image_T1.jpg",
        "minivision_spoof_print_image_F1.jpg",
        "minivision_spoof_replay_image_F2.jpg",
        "hyperfas_spoof_replay_fake_screen.png",
    ];
    let r = request(&names, AnalyzeOptions { quality_gate: Some(false), ..biometry_options() });
    let b = r.biometry.unwrap();
    for m in &b.media {
        println!("media {} {} {}", m.media_index, names[m.media_index], m.status);
    }
    for p in &b.pairs {
        let l2 = (2.0 - 2.0 * p.cosine).max(0.0).sqrt();
        println!(
            "{:40} {:40} similarity {:.4} cosine {:.4} L2 {:.4}",
            names[p.a], names[p.b], p.similarity, p.cosine, l2
        );
    }
}

/// Cold-start figures for docs/BIOMETRY.md (`-- --ignored --nocapture print_cold_start`):
/// engine start, then the first biometry request (loads the embedder) against the second.
#[test]
#[ignore]
fn print_cold_start() {
    use std::time::Instant;
    let t = Instant::now();
    let e = ozinstant::Engine::new(ozinstant::EngineConfig { threads: 1, ..Default::default() }).unwrap();
    let start = t.elapsed();
    let run = |biometry: bool| {
        let mut o = AnalyzeOptions::default();
        if biometry {
            o = biometry_options();
        }
        let media = vec![Media::path(sample("facerec_live_obama.jpg")), Media::path(sample("facerec_live_obama2.jpg"))];
        let t = Instant::now();
        let r = e.analyze_request(Request::new(media).with_options(o)).unwrap();
        (t.elapsed().as_secs_f64() * 1e3, r.biometry.map(|b| b.embed_ms))
    };
    let plain = run(false);
    let plain2 = run(false);
    let first = run(true);
    let second = run(true);
    let t = Instant::now();
    ozinstant::models::load(&ozinstant::models::MOBILEFACENET, None).unwrap();
    let hash = t.elapsed();
    println!("engine start (1 thread) {:.1} ms", start.as_secs_f64() * 1e3);
    println!("liveness-only request of 2 media: {:.1} ms, then {:.1} ms", plain.0, plain2.0);
    println!(
        "first biometry request: {:.1} ms (embed {:?} ms); second {:.1} ms (embed {:?} ms)",
        first.0, first.1, second.0, second.1
    );
    println!("mobilefacenet sha256 check: {:.1} ms", hash.as_secs_f64() * 1e3);
}

#[test]
fn media_tags_in_options_tag_by_position() {
    let json = r#"{"analyses":["quality","biometry"],"media_tags":[null,"photo_id_back"],"biometry_threshold":0.6}"#;
    let o = AnalyzeOptions::from_json(json).unwrap();
    let media = vec![Media::path(sample("facerec_live_obama.jpg")), Media::path(sample("facerec_live_obama2.jpg"))];
    let r = engine().analyze_request(Request::new(media).with_options(o.clone())).unwrap();
    assert_eq!(r.media[1].tag, Some(MediaTag::PhotoIdBack));
    assert_eq!(r.media[1].analysis, "detection");
    assert_eq!(r.biometry.unwrap().threshold, 0.6);
    // A media's own tag wins; a wrong count is invalid input.
    let media = vec![Media::path(sample("facerec_live_obama.jpg")).with_tag(MediaTag::PhotoSelfie)];
    let e = engine().analyze_request(Request::new(media).with_options(o)).unwrap_err();
    assert_eq!(e.name(), "invalid_input");
    assert!(AnalyzeOptions::from_json(r#"{"media_tags":["passport"]}"#).is_err());
}

#[test]
fn biometry_alone_skips_liveness() {
    let o = AnalyzeOptions { analyses: Some(vec![AnalysisKind::Biometry]), ..Default::default() };
    let r = request(&["facerec_live_obama.jpg", "minivision_spoof_print_image_F1.jpg"], o);
    assert!(r.media.iter().all(|m| m.analysis == "detection" && m.confidence_spoofing.is_none()));
    assert!(r.media.iter().all(|m| m.resolution == Resolution::Success), "a face was found in each");
    let b = r.biometry.unwrap();
    // Liveness did not run at all: SUCCESS here is about faces, not about live persons.
    assert!(b.media.iter().all(|m| m.liveness_passed.is_none()), "{:?}", b.media);
    assert_eq!(b.pairs.len(), 1);
    assert_eq!(b.resolution, Resolution::Declined);
    assert_eq!(r.resolution, Resolution::Declined);
}
