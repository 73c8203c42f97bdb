//! Videos, shot sets and raw frames as media of a request: sampling, per-frame analysis, the
//! median aggregation, the best shot and biometry on it. Real clips (`samples/video/`, made
//! from the MiniVision photos) and archives built here from the sample photos.

mod common;

use std::io::Write;

use common::{engine, sample, upright_rgb};
use ozinstant::report::{FailReason, MediaResult, Resolution, SequenceKind};
use ozinstant::{AnalysisKind, AnalyzeOptions, Engine, EngineConfig, Media, PixelFormat, RawFrame, Request};

fn analyze(path: &str, options: &AnalyzeOptions) -> MediaResult {
    engine().analyze_with(Media::path(sample(path)), options).unwrap()
}

/// The typed error a single-media call returns for an unreadable media.
fn analyze_err(media: Media) -> ozinstant::Error {
    engine().analyze(media).unwrap_err()
}

/// The media's entry in a request: unreadable media are `FAILED/INPUT_ERROR` entries there.
fn in_request(media: Media) -> MediaResult {
    engine().analyze_request(Request::new(vec![media])).unwrap().media.remove(0)
}

fn no_gate() -> AnalyzeOptions {
    AnalyzeOptions { quality_gate: Some(false), ..Default::default() }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// The aggregation the report states, recomputed from its own frames.
fn check_aggregation(r: &MediaResult) {
    let seq = r.sequence.as_ref().expect("a sequence section");
    let usable: Vec<f64> = seq.frames.iter().filter_map(|f| f.confidence_spoofing).collect();
    assert_eq!(seq.usable, usable.len());
    assert_eq!(seq.aggregation, "median_confidence_spoofing");
    if seq.usable >= seq.min_usable {
        let m = median(usable);
        let got = r.confidence_spoofing.unwrap();
        assert!((got - m).abs() < 1e-6, "media score {got} is not the frames' median {m}");
        let expected = if m >= r.threshold { Resolution::Declined } else { Resolution::Success };
        assert_eq!(r.resolution, expected);
        // The best shot is the usable frame with the highest quality score, and the media's
        // face is its face.
        let best = seq.best_shot.as_ref().unwrap();
        let top = seq
            .frames
            .iter()
            .filter(|f| f.confidence_spoofing.is_some())
            .map(|f| f.quality_score.unwrap())
            .fold(f64::MIN, f64::max);
        assert_eq!(best.quality_score, top);
        let frame = &seq.frames[best.frame];
        assert_eq!(frame.index, best.index);
        assert_eq!(r.faces[0].score, frame.face_score.unwrap());
    } else {
        assert_eq!(r.resolution, Resolution::Failed);
        assert!(r.confidence_spoofing.is_none());
        assert!(seq.best_shot.is_none());
    }
}

#[test]
fn live_clips_are_live_in_every_container_and_codec() {
    for clip in ["video/h264_high_bframes.mp4", "video/h264_fragmented.mp4", "video/hevc_main_rot90.mov"] {
        let r = analyze(clip, &AnalyzeOptions::default());
        assert_eq!(r.resolution, Resolution::Success, "{clip}: {:?}", r.reason);
        check_aggregation(&r);
        let seq = r.sequence.as_ref().unwrap();
        assert_eq!(seq.kind, SequenceKind::Video);
        assert_eq!((seq.total_frames, seq.sampled), (30, 8), "{clip}");
        assert_eq!(seq.usable, 8, "{clip}: every frame of a clean live clip is usable");
        assert!(r.confidence_spoofing.unwrap() < 0.01, "{clip}: {:?}", r.confidence_spoofing);
        let video = seq.video.as_ref().unwrap();
        // Rotated clips are analysed upright: 480x360 shown.
        assert_eq!((video.width, video.height), (480, 360), "{clip}");
        let image = r.image.as_ref().unwrap();
        assert_eq!((image.width, image.height), (480, 360));
        // Frames are spread over the clip, first and last included, with their timestamps.
        let indices: Vec<usize> = seq.frames.iter().map(|f| f.index).collect();
        assert_eq!(indices, [0, 4, 8, 12, 17, 21, 25, 29]);
        assert!(seq.frames.windows(2).all(|w| w[0].timestamp_ms.unwrap() < w[1].timestamp_ms.unwrap()));
        assert_eq!(seq.frames[0].timestamp_ms, Some(0));
    }
}

#[test]
fn print_attack_clips_are_declined_or_fail_on_quality() {
    // HEVC Main 10 of the printed photo: declined on the median of its usable frames.
    let r = analyze("video/hevc_main10.mp4", &AnalyzeOptions::default());
    assert_eq!(r.resolution, Resolution::Declined);
    check_aggregation(&r);
    assert!(r.confidence_spoofing.unwrap() > 0.5);

    // VP9 of the same print: the face is turned past the yaw limit in every frame, so there is
    // no usable frame and the media fails on quality...
    let r = analyze("video/vp9.webm", &AnalyzeOptions::default());
    assert_eq!((r.resolution, r.reason), (Resolution::Failed, Some(FailReason::LowQuality)));
    check_aggregation(&r);
    let seq = r.sequence.as_ref().unwrap();
    assert!(seq.frames.iter().all(|f| f.quality_failed == ["yaw"]), "{:?}", seq.frames);
    // ...and without the gate every frame is scored and the clip is an attack.
    for clip in ["video/vp9.webm", "video/h264_aac_rot90.mov"] {
        let r = analyze(clip, &no_gate());
        assert_eq!(r.resolution, Resolution::Declined, "{clip}");
        check_aggregation(&r);
        assert_eq!(r.sequence.as_ref().unwrap().usable, 8);
    }
}

#[test]
fn too_few_usable_frames_fail_the_media() {
    // The MOV print clip has 2 frames that pass the yaw check: below the default 3.
    let r = analyze("video/h264_aac_rot90.mov", &AnalyzeOptions::default());
    let seq = r.sequence.as_ref().unwrap();
    assert_eq!((seq.usable, seq.min_usable), (2, 3));
    assert_eq!((r.resolution, r.reason), (Resolution::Failed, Some(FailReason::LowQuality)));
    check_aggregation(&r);
    // With min_usable_frames 2, the same clip gets a verdict from those 2 frames.
    let mut config = EngineConfig::default();
    config.video.min_usable_frames = 2;
    let lenient = Engine::new(config).unwrap();
    let r = lenient.analyze(Media::path(sample("video/h264_aac_rot90.mov"))).unwrap();
    assert_eq!(r.resolution, Resolution::Declined);
    check_aggregation(&r);
}

#[test]
fn frames_per_call_and_per_engine() {
    let options = AnalyzeOptions { video_frames: Some(4), ..Default::default() };
    let r = analyze("video/h264_high_bframes.mp4", &options);
    let seq = r.sequence.as_ref().unwrap();
    assert_eq!(seq.sampled, 4);
    assert_eq!(seq.frames.iter().map(|f| f.index).collect::<Vec<_>>(), [0, 10, 19, 29]);
    check_aggregation(&r);
    let options = AnalyzeOptions { video_frames: Some(1), ..Default::default() };
    let r = analyze("video/h264_high_bframes.mp4", &options);
    assert_eq!(r.sequence.as_ref().unwrap().min_usable, 1, "the minimum is capped at the frames sampled");
    assert_eq!(r.resolution, Resolution::Success);
    // Out of range is a typed error before anything runs.
    for bad in [0, 65] {
        let options = AnalyzeOptions { video_frames: Some(bad), ..Default::default() };
        let e = engine().analyze_with(Media::path(sample("video/vp9.webm")), &options).unwrap_err();
        assert_eq!(e.name(), "invalid_input");
    }
    let mut config = EngineConfig::default();
    config.video.frames = 0;
    assert_eq!(Engine::new(config).unwrap_err().name(), "invalid_config");
}

#[test]
fn unsupported_and_oversized_clips_are_typed_input_errors() {
    for clip in ["unsupported_vp8.webm", "unsupported_mpeg4.mp4"] {
        assert_eq!(analyze_err(Media::path(common::unsupported(clip))).name(), "unsupported_codec", "{clip}");
        let r = in_request(Media::path(common::unsupported(clip)));
        assert_eq!((r.resolution, r.reason), (Resolution::Failed, Some(FailReason::InputError)));
        assert_eq!(r.error.as_ref().unwrap().code, "unsupported_codec", "{clip}");
    }
    let mut config = EngineConfig::default();
    config.video.max_frames = 10;
    let strict = Engine::new(config).unwrap();
    let e = strict.analyze(Media::path(sample("video/h264_high_bframes.mp4"))).unwrap_err();
    assert_eq!(e.name(), "video_too_long");
    let mut config = EngineConfig::default();
    config.limits.max_bytes_per_media = 10_000;
    let small = Engine::new(config).unwrap();
    let e = small.analyze(Media::path(sample("video/h264_high_bframes.mp4"))).unwrap_err();
    assert_eq!(e.name(), "media_too_large");
    // A clip cut short is still a clip: frames or a typed error, never a crash.
    let bytes = std::fs::read(sample("video/h264_high_bframes.mp4")).unwrap();
    let r = in_request(Media::bytes(bytes[..bytes.len() / 2].to_vec()));
    assert!(r.error.is_none() || r.error.as_ref().unwrap().code == "decode_failed", "{:?}", r.error);
}

/// A ZIP archive of the given (name, bytes) entries, deflated.
fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn shot_sets_are_judged_like_videos() {
    let live = std::fs::read(sample("minivision_live_image_T1.jpg")).unwrap();
    let archive = zip_of(&[
        ("shots/frame_2.jpg", live.clone()),
        ("shots/frame_1.jpg", live.clone()),
        ("__MACOSX/shots/._frame_1.jpg", vec![0; 10]),
        ("shots/notes.txt", b"not a frame".to_vec()),
        ("shots/frame_3.jpg", live.clone()),
    ]);
    let r = engine().analyze(Media::bytes(archive.clone())).unwrap();
    assert_eq!(r.resolution, Resolution::Success, "{:?}", r.reason);
    check_aggregation(&r);
    let seq = r.sequence.as_ref().unwrap();
    assert_eq!(seq.kind, SequenceKind::ShotSet);
    assert_eq!((seq.total_frames, seq.skipped_entries, seq.sampled), (3, 2, 3));
    let names: Vec<&str> = seq.frames.iter().map(|f| f.name.as_deref().unwrap()).collect();
    assert_eq!(names, ["shots/frame_1.jpg", "shots/frame_2.jpg", "shots/frame_3.jpg"]);
    assert_eq!(r.image.as_ref().unwrap().format, "zip");
    // A photo alone in a ZIP gets the photo's verdict and score.
    let photo = engine().analyze(Media::bytes(live.clone())).unwrap();
    let single = engine().analyze(Media::bytes(zip_of(&[("a.jpg", live.clone())]))).unwrap();
    assert_eq!(single.confidence_spoofing, photo.confidence_spoofing);
    assert_eq!(single.resolution, photo.resolution);

    // The printed photo in a shot set is an attack.
    let print = std::fs::read(sample("minivision_spoof_print_image_F1.jpg")).unwrap();
    let r = engine().analyze(Media::bytes(zip_of(&[("1.jpg", print.clone()), ("2.jpg", print)]))).unwrap();
    assert_eq!(r.resolution, Resolution::Declined);

    // A broken entry fails that frame only; an archive of nothing but broken entries fails the
    // media with the input error.
    let mixed =
        zip_of(&[("1.jpg", live.clone()), ("2.jpg", b"garbage".to_vec()), ("3.jpg", live.clone()), ("4.jpg", live)]);
    let r = engine().analyze(Media::bytes(mixed)).unwrap();
    let seq = r.sequence.as_ref().unwrap();
    assert_eq!(seq.frames[1].error.as_ref().unwrap().code, "unsupported_format");
    assert_eq!((seq.usable, r.resolution), (3, Resolution::Success));
    let broken = zip_of(&[("1.jpg", b"garbage".to_vec()), ("2.png", b"more".to_vec())]);
    let r = in_request(Media::bytes(broken.clone()));
    assert_eq!((r.resolution, r.reason), (Resolution::Failed, Some(FailReason::InputError)));
    assert_eq!(r.error.as_ref().unwrap().code, "unsupported_format");
    assert_eq!(r.sequence.as_ref().unwrap().frames.len(), 2, "the frames are reported");
    assert_eq!(analyze_err(Media::bytes(broken)).name(), "unsupported_format");

    // No image at all, a bomb, or a corrupt archive: typed errors.
    let e = analyze_err(Media::bytes(zip_of(&[("notes.txt", b"x".to_vec())])));
    assert_eq!(e.name(), "archive_rejected");
    let bomb = zip_of(&[("bomb.png", vec![0u8; 8 << 20])]);
    let e = analyze_err(Media::bytes(bomb.clone()));
    assert!(e.name() == "archive_rejected" && e.to_string().contains("ratio"), "{e}");
    let r = in_request(Media::bytes(bomb));
    assert_eq!(r.error.as_ref().unwrap().code, "archive_rejected");
    assert_eq!(analyze_err(Media::bytes(archive[..archive.len() - 30].to_vec())).name(), "decode_failed");
}

#[test]
fn raw_frames_are_one_media() {
    let (rgb, w, h) = upright_rgb("minivision_live_image_T1.jpg");
    // Three frames: the photo, and the photo shifted by 8 and 16 pixels (edge rows repeated).
    let shifted = |dy: usize| {
        let row = w as usize * 3;
        let mut out = rgb[..row].repeat(dy);
        out.extend_from_slice(&rgb[..rgb.len() - dy * row]);
        out
    };
    let frames = vec![
        RawFrame::new(rgb.clone(), PixelFormat::Rgb8, w, h, 0),
        RawFrame::new(shifted(8), PixelFormat::Rgb8, w, h, 0),
        RawFrame::new(shifted(16), PixelFormat::Rgb8, w, h, 0),
    ];
    let r = engine().analyze(Media::frames(frames)).unwrap();
    assert_eq!(r.resolution, Resolution::Success, "{:?}", r.reason);
    check_aggregation(&r);
    let seq = r.sequence.as_ref().unwrap();
    assert_eq!((seq.kind, seq.total_frames, seq.usable), (SequenceKind::Frames, 3, 3));
    assert_eq!(r.image.as_ref().unwrap().format, "raw_frames");
    // No frame, or a frame whose buffer is too short: typed errors, never a crash.
    assert_eq!(analyze_err(Media::frames(Vec::new())).name(), "invalid_input");
    let short = || Media::frames(vec![RawFrame::new(vec![0u8; 10], PixelFormat::Rgb8, w, h, 0)]);
    assert_eq!(analyze_err(short()).name(), "invalid_input");
    assert_eq!(in_request(short()).reason, Some(FailReason::InputError));
    // More frames than `video.max_frames`: refused before any is analysed.
    let mut config = EngineConfig::default();
    config.video.max_frames = 2;
    let strict = Engine::new(config).unwrap();
    let three = (0..3).map(|_| RawFrame::new(rgb.clone(), PixelFormat::Rgb8, w, h, 0)).collect();
    assert_eq!(strict.analyze(Media::frames(three)).unwrap_err().name(), "video_too_long");
}

#[test]
fn biometry_compares_the_best_shot_of_a_video() {
    let biometry =
        AnalyzeOptions { analyses: Some(vec![AnalysisKind::Quality, AnalysisKind::Biometry]), ..Default::default() };
    // The live clips were made from the MiniVision live photo: same person.
    let media =
        vec![Media::path(sample("minivision_live_image_T1.jpg")), Media::path(sample("video/h264_high_bframes.mp4"))];
    let r = engine().analyze_request(Request::new(media).with_options(biometry.clone())).unwrap();
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.media.iter().map(|m| m.status.as_str()).collect::<Vec<_>>(), ["compared", "compared"]);
    assert_eq!(b.resolution, Resolution::Success, "similarity {:?}", b.min_similarity);
    // The best shot is compared: the same similarity as that frame handed over as a photo.
    let best = r.media[1].sequence.as_ref().unwrap().best_shot.clone().unwrap();
    let clip = std::fs::read(sample("video/h264_high_bframes.mp4")).unwrap();
    let options = ozinstant::video::VideoOptions { frames: 30, ..Default::default() };
    let decoded = ozinstant::video::decode(&clip, &options).unwrap();
    let frame = decoded.frames.iter().find(|f| f.index == best.index).unwrap();
    let pixels = Media::pixels(frame.rgb.to_vec(), PixelFormat::Rgb8, frame.width, frame.height, 0);
    let media = vec![Media::path(sample("minivision_live_image_T1.jpg")), pixels];
    let as_photo = engine().analyze_request(Request::new(media).with_options(biometry.clone())).unwrap();
    let same = as_photo.biometry.as_ref().unwrap().min_similarity.unwrap();
    assert!((same - b.min_similarity.unwrap()).abs() < 1e-3, "{same} vs {:?}", b.min_similarity);
    assert_eq!(r.resolution, Resolution::Success);
    // Obama against the clip: different people.
    let media = vec![Media::path(sample("facerec_live_obama.jpg")), Media::path(sample("video/hevc_main_rot90.mov"))];
    let r = engine().analyze_request(Request::new(media).with_options(biometry.clone())).unwrap();
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.resolution, Resolution::Declined, "similarity {:?}", b.min_similarity);
    // A clip without a usable frame has no best shot to compare.
    let media = vec![Media::path(sample("minivision_live_image_T1.jpg")), Media::path(sample("video/vp9.webm"))];
    let r = engine().analyze_request(Request::new(media).with_options(biometry)).unwrap();
    let b = r.biometry.as_ref().unwrap();
    assert_eq!(b.resolution, Resolution::Failed);
    assert_eq!(b.media[1].status, "no_usable_frame");
}
