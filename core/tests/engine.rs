//! Engine behaviour on real data: EXIF, raw pixels, requests, limits, options, quality gate,
//! retention, backpressure, async submission, concurrency and metrics.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::time::Duration;

use common::{encode_jpeg, engine, sample, upright_rgb, with_exif_orientation};
use ozinstant::config::Limits;
use ozinstant::{
    AnalyzeOptions, Engine, EngineConfig, FailReason, Media, MetadataEvent, PixelFormat, Request, Resolution, Retention,
};

const ASTRONAUT_BOX: [f64; 4] = [174.0, 69.0, 101.0, 103.0];

fn box_of(r: &ozinstant::MediaResult) -> [f64; 4] {
    let b = r.faces[0].bbox;
    [b.x, b.y, b.width, b.height]
}

fn close(a: [f64; 4], b: [f64; 4], tol: f64) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

/// Stored pixels that display as `rgb` once EXIF `orientation` is applied.
fn stored_for_orientation(rgb: &[u8], w: u32, h: u32, orientation: u16) -> (Vec<u8>, u32, u32) {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, rgb.to_vec()).unwrap());
    let stored = match orientation {
        1 => img,
        2 => img.fliph(),
        3 => img.rotate180(),
        4 => img.flipv(),
        5 => img.rotate90().fliph(),
        6 => img.rotate270(),
        7 => img.rotate270().fliph(),
        8 => img.rotate90(),
        _ => unreachable!(),
    };
    let s = stored.to_rgb8();
    let (sw, sh) = s.dimensions();
    (s.into_raw(), sw, sh)
}

#[test]
fn all_eight_exif_orientations_give_the_same_face_and_verdict() {
    let (rgb, w, h) = upright_rgb("skimage_live_astronaut.png");
    for o in 1..=8u16 {
        let (stored, sw, sh) = stored_for_orientation(&rgb, w, h, o);
        let jpeg = with_exif_orientation(&encode_jpeg(&stored, sw, sh, 95), o);
        let r = engine().analyze(Media::bytes(jpeg)).unwrap();
        let img = r.image.as_ref().unwrap();
        assert_eq!((img.width, img.height, img.orientation), (w, h, o as u8));
        assert_eq!(r.resolution, Resolution::Success, "orientation {o}: {r:?}");
        assert!(close(box_of(&r), ASTRONAUT_BOX, 6.0), "orientation {o}: box {:?}", box_of(&r));
    }
}

#[test]
fn ignoring_exif_would_change_the_answer() {
    // The same stored pixels without the tag are analysed sideways: the face box moves.
    let (rgb, w, h) = upright_rgb("skimage_live_astronaut.png");
    let (stored, sw, sh) = stored_for_orientation(&rgb, w, h, 6);
    let r = engine().analyze(Media::bytes(encode_jpeg(&stored, sw, sh, 95))).unwrap();
    assert!(r.faces.is_empty() || !close(box_of(&r), ASTRONAUT_BOX, 6.0));
}

#[test]
fn raw_pixels_give_the_same_result_as_the_file() {
    let from_file = engine().analyze(Media::path(sample("minivision_live_image_T1.jpg"))).unwrap();
    let (rgb, w, h) = upright_rgb("minivision_live_image_T1.jpg");
    let from_rgb = engine().analyze(Media::pixels(rgb.clone(), PixelFormat::Rgb8, w, h, 0)).unwrap();
    let bgr: Vec<u8> = rgb.chunks_exact(3).flat_map(|p| [p[2], p[1], p[0], 255]).collect();
    let from_bgra = engine().analyze(Media::pixels(bgr, PixelFormat::Bgra8, w, h, w as usize * 4)).unwrap();
    for r in [&from_rgb, &from_bgra] {
        assert_eq!(r.confidence_spoofing, from_file.confidence_spoofing);
        assert_eq!(box_of(r), box_of(&from_file));
        assert!(r.image.as_ref().unwrap().format.starts_with("raw_"));
    }
    // A stride that lies is a typed error.
    let e = engine().analyze(Media::pixels(rgb, PixelFormat::Rgb8, w, h, w as usize * 3 + 1)).unwrap_err();
    assert_eq!(e.name(), "invalid_input");
}

#[test]
fn a_request_is_a_folder_with_one_id_and_one_result_per_media() {
    let req = Request::new(vec![
        Media::path(sample("minivision_live_image_T1.jpg")),
        Media::bytes(b"definitely not an image".to_vec()).with_label("junk"),
        Media::path(sample("minivision_spoof_print_image_F1.jpg")),
    ])
    .with_id("req-42");
    let r = engine().analyze_request(req).unwrap();
    assert_eq!(r.request_id, "req-42");
    assert_eq!(r.media.len(), 3);
    assert!(r.media.iter().enumerate().all(|(i, m)| m.request_id == "req-42" && m.media_index == i));
    assert_eq!(r.media[0].resolution, Resolution::Success);
    assert_eq!(r.media[1].resolution, Resolution::Failed);
    assert_eq!(r.media[1].reason, Some(FailReason::InputError));
    assert_eq!(r.media[1].error.as_ref().unwrap().code, "unsupported_format");
    assert_eq!(r.media[1].source.as_deref(), Some("junk"));
    assert_eq!(r.media[2].resolution, Resolution::Declined);
    assert_eq!(r.resolution, Resolution::Declined);
    // RetinaFace, the MiniFASNet pair, Suri and the MTCNN cascade.
    assert_eq!(r.models.len(), 7);
    assert!(r.models.iter().all(|m| m.sha256.len() == 64));
}

#[test]
fn generated_request_ids_are_uuid_v4() {
    let r = engine().analyze(Media::path(sample("skimage_live_astronaut.png"))).unwrap();
    let id = uuid::Uuid::parse_str(&r.request_id).unwrap();
    assert_eq!(id.get_version_num(), 4);
    let r2 = engine().analyze(Media::path(sample("skimage_live_astronaut.png"))).unwrap();
    assert_ne!(r.request_id, r2.request_id);
}

#[test]
fn limits_are_enforced_with_typed_errors() {
    let cfg = EngineConfig {
        limits: Limits {
            max_media_per_request: 2,
            max_bytes_per_media: 100_000,
            max_pixels: 400_000,
            ..Limits::default()
        },
        ..EngineConfig::default()
    };
    let e = Engine::new(cfg).unwrap();
    // Over the byte limit (file of 280 kB), checked before reading.
    let err = e.analyze(Media::path(sample("facerec_live_obama.jpg"))).unwrap_err();
    assert_eq!(err.name(), "media_too_large");
    // Over the pixel limit (480x640 = 307200 is fine, 512x512 = 262144 fine, 934x1004 is not).
    let err = e.analyze(Media::bytes(std::fs::read(sample("minivision_live_image_T1.jpg")).unwrap())).map(|_| ());
    assert!(err.is_ok());
    let (rgb, w, h) = upright_rgb("hyperfas_spoof_replay_fake_screen.png");
    let err = e.analyze(Media::pixels(rgb, PixelFormat::Rgb8, w, h, 0)).unwrap_err();
    assert_eq!(err.name(), "image_too_large");
    // Too many media, and none.
    let three = (0..3).map(|_| Media::path(sample("skimage_live_astronaut.png"))).collect();
    assert_eq!(e.analyze_request(Request::new(three)).unwrap_err().name(), "too_many_media");
    assert_eq!(e.analyze_request(Request::new(vec![])).unwrap_err().name(), "too_many_media");
    // A missing file is an io error, not a panic.
    assert_eq!(e.analyze(Media::path("/nonexistent/selfie.jpg")).unwrap_err().name(), "io_error");
}

#[test]
fn default_request_limit_is_ten_media() {
    let eleven = (0..11).map(|_| Media::bytes(vec![0u8; 4])).collect();
    let err = engine().analyze_request(Request::new(eleven)).unwrap_err();
    assert_eq!(err.name(), "too_many_media");
    assert_eq!(err.code(), 6);
}

#[test]
fn threshold_is_settable_per_call() {
    let path = sample("minivision_spoof_replay_image_F2.jpg"); // confidence_spoofing ~0.909
    let strict = engine().analyze(Media::path(&path)).unwrap();
    assert_eq!(strict.resolution, Resolution::Declined);
    let lax = AnalyzeOptions { threshold: Some(0.95), ..Default::default() };
    let r = engine().analyze_with(Media::path(&path), &lax).unwrap();
    assert_eq!(r.resolution, Resolution::Success);
    assert_eq!(r.threshold, 0.95);
    let bad = AnalyzeOptions { threshold: Some(1.5), ..Default::default() };
    assert_eq!(engine().analyze_with(Media::path(&path), &bad).unwrap_err().name(), "invalid_input");
}

#[test]
fn dark_face_fails_the_quality_gate_unless_it_is_off() {
    let (rgb, w, h) = upright_rgb("minivision_live_image_T1.jpg");
    let dark: Vec<u8> = rgb.iter().map(|v| v / 8).collect();
    let r = engine().analyze(Media::pixels(dark.clone(), PixelFormat::Rgb8, w, h, 0)).unwrap();
    if !r.faces.is_empty() {
        assert_eq!(r.reason, Some(FailReason::LowQuality), "{r:?}");
        let q = r.quality.as_ref().unwrap();
        assert!(q.failed.contains(&"brightness_low".to_owned()), "{q:?}");
        let check = q.checks.iter().find(|c| c.name == "brightness_low").unwrap();
        assert!(check.value < check.threshold);
        assert_eq!(r.confidence_spoofing, None);
        let off = AnalyzeOptions { quality_gate: Some(false), ..Default::default() };
        let r = engine().analyze_with(Media::pixels(dark, PixelFormat::Rgb8, w, h, 0), &off).unwrap();
        assert_ne!(r.resolution, Resolution::Failed);
        assert!(!r.quality.as_ref().unwrap().enforced);
        assert!(r.confidence_spoofing.is_some());
    } else {
        assert_eq!(r.reason, Some(FailReason::NoFace));
    }
    // Every sample passes the default gate with its values reported.
    let r = engine().analyze(Media::path(sample("facerec_live_biden.jpg"))).unwrap();
    let q = r.quality.unwrap();
    assert!(q.passed && q.checks.len() >= 5, "{q:?}");
    assert!(q.checks.iter().any(|c| c.name == "yaw"));
}

#[test]
fn an_image_without_a_face_is_no_face() {
    let w = 320;
    let h = 240;
    let rgb: Vec<u8> = (0..w * h).flat_map(|i| [(i % 97) as u8, 120, (i / w % 256) as u8]).collect();
    let r = engine().analyze(Media::pixels(rgb, PixelFormat::Rgb8, w, h, 0)).unwrap();
    assert_eq!(r.resolution, Resolution::Failed);
    assert_eq!(r.reason, Some(FailReason::NoFace));
    assert!(r.confidence_spoofing.is_none());
}

#[test]
fn largest_face_policy_analyses_the_group_photo() {
    let opts = AnalyzeOptions { face_policy: Some(ozinstant::FacePolicy::Largest), ..Default::default() };
    let r = engine().analyze_with(Media::path(sample("group_three_faces.jpg")), &opts).unwrap();
    assert_ne!(r.resolution, Resolution::Failed, "{r:?}");
    assert!(r.faces.len() >= 2);
    assert_eq!(r.faces.iter().filter(|f| f.analysed).count(), 1);
}

#[test]
fn concurrent_analyze_from_many_threads_matches_sequential() {
    let files = [
        "minivision_live_image_T1.jpg",
        "minivision_spoof_print_image_F1.jpg",
        "skimage_live_astronaut.png",
        "hyperfas_spoof_replay_fake_screen.png",
    ];
    let want: Vec<Option<f64>> =
        files.iter().map(|f| engine().analyze(Media::path(sample(f))).unwrap().confidence_spoofing).collect();
    std::thread::scope(|s| {
        for t in 0..8 {
            let want = &want;
            s.spawn(move || {
                for i in 0..files.len() {
                    let k = (i + t) % files.len();
                    let r = engine().analyze(Media::path(sample(files[k]))).unwrap();
                    assert_eq!(r.confidence_spoofing, want[k], "thread {t} file {}", files[k]);
                }
            });
        }
    });
}

fn metadata_engine(max_in_flight: usize) -> (Engine, Arc<Mutex<Vec<MetadataEvent>>>) {
    let cfg = EngineConfig { retention: Retention::Metadata, threads: 2, max_in_flight, ..EngineConfig::default() };
    let e = Engine::new(cfg).unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    e.set_observer(Some(Arc::new(move |ev: &MetadataEvent| sink.lock().unwrap().push(ev.clone()))));
    (e, events)
}

#[test]
fn retention_metadata_hands_ids_and_timings_never_content() {
    let (e, events) = metadata_engine(8);
    let req = Request::new(vec![Media::path(sample("minivision_live_image_T1.jpg")), Media::bytes(vec![1, 2, 3])])
        .with_id("meta-1");
    e.analyze_request(req).unwrap();
    let ev = events.lock().unwrap().clone();
    assert_eq!(ev.len(), 2);
    let first = ev.iter().find(|e| e.media_index == 0).unwrap();
    assert_eq!(first.request_id, "meta-1");
    assert_eq!(first.resolution, Resolution::Success);
    assert_eq!((first.width, first.height), (Some(480), Some(640)));
    assert!(first.duration_ms > 0.0);
    let second = ev.iter().find(|e| e.media_index == 1).unwrap();
    assert_eq!(second.error_code.as_deref(), Some("unsupported_format"));
    // Only these keys exist: no pixels, crops, boxes or scores.
    let keys: Vec<String> = serde_json::to_value(first).unwrap().as_object().unwrap().keys().cloned().collect();
    let allowed = [
        "request_id",
        "media_index",
        "started_at_unix_ms",
        "duration_ms",
        "encoded_bytes",
        "width",
        "height",
        "resolution",
        "reason",
        "error_code",
    ];
    assert!(keys.iter().all(|k| allowed.contains(&k.as_str())), "{keys:?}");
}

#[test]
fn retention_none_calls_no_observer() {
    let e = Engine::new(EngineConfig { threads: 1, ..EngineConfig::default() }).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    e.set_observer(Some(Arc::new(move |_: &MetadataEvent| {
        c.fetch_add(1, Ordering::SeqCst);
    })));
    e.analyze(Media::path(sample("skimage_live_astronaut.png"))).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn a_full_engine_answers_busy_at_once_and_loses_nothing() {
    // One slot. The observer holds the first request inside the engine until we release it.
    let cfg = EngineConfig { retention: Retention::Metadata, threads: 2, max_in_flight: 1, ..EngineConfig::default() };
    let e = Engine::new(cfg).unwrap();
    let gate = Arc::new(Barrier::new(2));
    let release = Arc::new(Barrier::new(2));
    let (g, r) = (Arc::clone(&gate), Arc::clone(&release));
    e.set_observer(Some(Arc::new(move |_: &MetadataEvent| {
        g.wait();
        r.wait();
    })));
    let (tx, rx) = mpsc::channel();
    e.submit(Request::from(Media::path(sample("skimage_live_astronaut.png"))).with_id("held"), move |res| {
        tx.send(res).unwrap();
    })
    .unwrap();
    gate.wait(); // the held request is now in flight
    let started = std::time::Instant::now();
    let busy = e.analyze(Media::path(sample("skimage_live_astronaut.png"))).unwrap_err();
    assert_eq!(busy.name(), "busy");
    assert!(started.elapsed() < Duration::from_secs(2), "busy must be immediate");
    let busy2 = e.submit(Request::from(Media::bytes(vec![1])), |_| panic!("refused work must not call back"));
    assert_eq!(busy2.unwrap_err().name(), "busy");
    assert_eq!(e.stats().busy_rejections, 2);
    release.wait();
    let held = rx.recv_timeout(Duration::from_secs(30)).unwrap().unwrap();
    assert_eq!(held.request_id, "held");
    assert_eq!(held.media[0].resolution, Resolution::Success);
}

#[test]
fn stress_every_call_ends_in_a_result_or_busy() {
    let e = Engine::new(EngineConfig { threads: 2, max_in_flight: 4, ..EngineConfig::default() }).unwrap();
    let bytes = std::fs::read(sample("minivision_live_image_T1.jpg")).unwrap();
    let answered = Arc::new(AtomicUsize::new(0));
    let accepted = AtomicUsize::new(0);
    let busy = AtomicUsize::new(0);
    let sync_ok = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..8 {
            let (e, bytes, answered) = (&e, &bytes, Arc::clone(&answered));
            let (accepted, busy, sync_ok) = (&accepted, &busy, &sync_ok);
            s.spawn(move || {
                for i in 0..5 {
                    if (t + i) % 2 == 0 {
                        let a = Arc::clone(&answered);
                        match e.submit(Request::from(Media::bytes(bytes.clone())), move |r| {
                            assert!(r.is_ok());
                            a.fetch_add(1, Ordering::SeqCst);
                        }) {
                            Ok(()) => accepted.fetch_add(1, Ordering::SeqCst),
                            Err(err) => {
                                assert_eq!(err.name(), "busy");
                                busy.fetch_add(1, Ordering::SeqCst)
                            }
                        };
                    } else {
                        match e.analyze(Media::bytes(bytes.clone())) {
                            Ok(r) => {
                                assert_eq!(r.resolution, Resolution::Success);
                                sync_ok.fetch_add(1, Ordering::SeqCst)
                            }
                            Err(err) => {
                                assert_eq!(err.name(), "busy");
                                busy.fetch_add(1, Ordering::SeqCst)
                            }
                        };
                    }
                }
            });
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while answered.load(Ordering::SeqCst) < accepted.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (acc, ans, b, ok) = (
        accepted.load(Ordering::SeqCst),
        answered.load(Ordering::SeqCst),
        busy.load(Ordering::SeqCst),
        sync_ok.load(Ordering::SeqCst),
    );
    assert_eq!(acc, ans, "every accepted submission is answered");
    assert_eq!(acc + b + ok, 40);
    assert!(b > 0, "8 threads against 4 slots must see busy");
    let st = e.stats();
    assert_eq!(st.busy_rejections as usize, b);
    assert_eq!(st.in_flight, 0);
    assert_eq!(st.requests_accepted, st.requests_completed);
}

#[test]
fn batch_and_stats() {
    let e = Engine::new(EngineConfig { threads: 2, ..EngineConfig::default() }).unwrap();
    e.warm_up().unwrap();
    assert!(e.ready());
    let reqs = vec![
        Request::from(Media::path(sample("minivision_live_image_T1.jpg"))),
        Request::from(Media::path(sample("minivision_spoof_print_image_F1.jpg"))),
        Request::from(Media::path(sample("group_three_faces.jpg"))),
        Request::new(vec![]),
    ];
    let out = e.analyze_batch(reqs).unwrap();
    assert_eq!(out.len(), 4);
    assert_eq!(out[0].as_ref().unwrap().resolution, Resolution::Success);
    assert_eq!(out[1].as_ref().unwrap().resolution, Resolution::Declined);
    assert_eq!(out[2].as_ref().unwrap().media[0].reason, Some(FailReason::MultipleFaces));
    assert_eq!(out[3].as_ref().unwrap_err().name(), "too_many_media");
    let s = e.stats();
    assert_eq!((s.media.success, s.media.declined, s.media.multiple_faces), (1, 1, 1));
    assert_eq!(s.latency.count, 3);
    assert!(s.latency.p50_ms.is_some());
}

#[test]
fn a_small_face_in_a_large_photo_is_found_and_flagged() {
    // The astronaut shrunk to 160x160 (face ~32 px) in the middle of a 1600x1200 grey canvas:
    // too small for the liveness input (~222x166), found by the larger inputs or MTCNN.
    let (rgb, w, h) = upright_rgb("skimage_live_astronaut.png");
    let src = image::RgbImage::from_raw(w, h, rgb).unwrap();
    let small = image::imageops::resize(&src, 160, 160, image::imageops::FilterType::Triangle);
    let mut canvas = image::RgbImage::from_pixel(1600, 1200, image::Rgb([120, 120, 120]));
    image::imageops::overlay(&mut canvas, &small, 720, 520);
    let r = engine().analyze(Media::pixels(canvas.into_raw(), PixelFormat::Rgb8, 1600, 1200, 0)).unwrap();
    assert_eq!(r.reason, Some(FailReason::LowQuality), "{r:?}");
    let q = r.quality.as_ref().unwrap();
    assert!(q.failed.contains(&"face_size".to_owned()), "{q:?}");
    let b = r.faces[0].bbox;
    assert!(b.x > 720.0 && b.x < 880.0 && b.y > 520.0 && b.y < 680.0, "{b:?}");
}

#[test]
fn custom_model_files_are_loaded_and_reported() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/minifasnet_v2_scale2.7_80x80.onnx");
    let mut cfg = EngineConfig { threads: 1, ..EngineConfig::default() };
    cfg.models.minifasnet_v2 = Some(path.into());
    let e = Engine::new(cfg.clone()).unwrap();
    let v2 = e.models().iter().find(|m| m.id == "minifasnet_v2").unwrap();
    assert_eq!(v2.source, "file");
    // The upstream file, from which the embedded graph is derived.
    assert_eq!(v2.sha256, ozinstant::models::MINIFASNET_V2.derived_from.unwrap().1);
    let r = e.analyze(Media::path(sample("minivision_live_image_T1.jpg"))).unwrap();
    assert_eq!(r.resolution, Resolution::Success);
    // A model with the wrong inputs is refused with a typed error.
    cfg.models.minifasnet_v2 = Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/mtcnn_onet.onnx").into());
    assert_eq!(Engine::new(cfg.clone()).unwrap_err().name(), "model_error");
    cfg.models.minifasnet_v2 = Some("/nonexistent/model.onnx".into());
    assert_eq!(Engine::new(cfg).unwrap_err().name(), "model_error");
}

#[test]
fn a_reservation_holds_a_slot_until_it_is_used() {
    let e = Engine::new(EngineConfig { threads: 1, max_in_flight: 1, ..EngineConfig::default() }).unwrap();
    let slot = e.reserve().unwrap();
    assert_eq!(e.stats().in_flight, 1);
    assert_eq!(e.reserve().unwrap_err().name(), "busy");
    assert_eq!(e.analyze(Media::path(sample("skimage_live_astronaut.png"))).unwrap_err().name(), "busy");
    let r = slot
        .analyze_ref(ozinstant::MediaRef::Path(&sample("skimage_live_astronaut.png")), None, &AnalyzeOptions::default())
        .unwrap();
    assert_eq!(r.resolution, Resolution::Success);
    assert_eq!(e.stats().in_flight, 0);
    // A dropped reservation frees its slot too.
    drop(e.reserve().unwrap());
    assert!(e.reserve().is_ok());
}

/// A 12-MP phone-style JPEG (stored landscape, EXIF orientation 6) is decoded at 1/4 in the DCT
/// domain; the verdict, the box (in full-size pixels) and the score agree with a full-size
/// decode of the same file.
#[test]
fn large_jpeg_is_analysed_at_reduced_size_with_full_size_coordinates() {
    let (rgb, w, h) = upright_rgb("minivision_live_image_T1.jpg");
    let up = image::imageops::resize(
        &image::RgbImage::from_raw(w, h, rgb).unwrap(),
        3024,
        4032,
        image::imageops::FilterType::CatmullRom,
    );
    let (stored, sw, sh) = stored_for_orientation(up.as_raw(), 3024, 4032, 6);
    let jpeg = with_exif_orientation(&encode_jpeg(&stored, sw, sh, 90), 6);
    let reduced = engine().analyze(Media::bytes(jpeg.clone())).unwrap();
    let full_cfg = EngineConfig {
        threads: 1,
        decode: ozinstant::config::DecodeConfig { max_jpeg_scale: 1, ..Default::default() },
        ..EngineConfig::default()
    };
    let full = Engine::new(full_cfg).unwrap().analyze(Media::bytes(jpeg)).unwrap();
    let (ri, fi) = (reduced.image.as_ref().unwrap(), full.image.as_ref().unwrap());
    assert_eq!((ri.width, ri.height, ri.orientation, ri.decode_scale), (3024, 4032, 6, 4));
    assert_eq!((fi.width, fi.height, fi.decode_scale), (3024, 4032, 1));
    assert_eq!(reduced.resolution, Resolution::Success, "{reduced:?}");
    assert_eq!(full.resolution, Resolution::Success, "{full:?}");
    // Boxes agree within 1 % of the image width; the T1 box scaled by 6.3 is [668, 926, 1304, 1342].
    assert!(close(box_of(&reduced), box_of(&full), 30.0), "{:?} vs {:?}", box_of(&reduced), box_of(&full));
    assert!(close(box_of(&full), [668.0, 926.0, 1304.0, 1342.0], 30.0), "{:?}", box_of(&full));
    let (pr, pf) = (reduced.liveness.as_ref().unwrap().p_real, full.liveness.as_ref().unwrap().p_real);
    assert!((pr - pf).abs() < 0.02, "p_real reduced {pr} vs full {pf}");
    // face_size is reported in full-size pixels.
    let size = |r: &ozinstant::MediaResult| {
        r.quality.as_ref().unwrap().checks.iter().find(|c| c.name == "face_size").unwrap().value
    };
    assert!((size(&reduced) - size(&full)).abs() < 30.0, "{} vs {}", size(&reduced), size(&full));
}

/// When the face in the reduced frame is too small to judge, the media is analysed again at
/// full size.
#[test]
fn large_jpeg_with_a_small_face_falls_back_to_full_size() {
    let (rgb, w, h) = upright_rgb("skimage_live_astronaut.png");
    let face = image::RgbImage::from_raw(w, h, rgb).unwrap();
    let mut canvas = image::RgbImage::from_pixel(2400, 1800, image::Rgb([128, 128, 128]));
    image::imageops::overlay(&mut canvas, &face, 900, 600);
    let jpeg = encode_jpeg(canvas.as_raw(), 2400, 1800, 92);
    let r = engine().analyze(Media::bytes(jpeg)).unwrap();
    let info = r.image.as_ref().unwrap();
    // At 1/2 the face would be ~50 px, under decode.min_face_side = 160.
    assert_eq!((info.width, info.height, info.decode_scale), (2400, 1800, 1), "{r:?}");
    // The face (found by the MTCNN fallback at this size) lies on the pasted astronaut, in
    // full-size pixels, and was analysed.
    let [x, y, bw, bh] = box_of(&r);
    assert!(x >= 900.0 + ASTRONAUT_BOX[0] - 20.0 && y >= 600.0 + ASTRONAUT_BOX[1] - 20.0, "{r:?}");
    assert!(x + bw <= 900.0 + 512.0 && y + bh <= 600.0 + 512.0 && bw > 60.0, "{r:?}");
    assert!(r.liveness.is_some(), "{r:?}");
}
