//! Soak: 100 000 analyses in one process (`OZI_SOAK_N` overrides), with the resident set
//! sampled as it goes. Run by `make soak` (release build; part of `make test`), ignored in
//! the debug test run.
//!
//! The mix is what a busy service sees: a 240×320 selfie (full pipeline), a face-less image
//! (`NO_FACE`), a corrupt JPEG (`decode_failed`) and raw pixels, from two client threads on a
//! two-worker engine. After a warm-up of 10 % of the calls, the resident set must not grow by
//! more than 2 %: a leak of even 100 bytes per call would show as 9 MB here (and one of 200
//! bytes as 4.5 MB at the 25 000 calls of `make soak`, over the bound's 3 MB).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::{encode_jpeg, upright_rgb};
use ozinstant::{Engine, EngineConfig, FailReason, Media, PixelFormat, Resolution};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
#[ignore = "long: run by `make soak` in release"]
fn hundred_thousand_analyses_keep_memory_flat() {
    let total: usize = std::env::var("OZI_SOAK_N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let clients = 2;
    let engine = Engine::new(EngineConfig { threads: clients, ..EngineConfig::default() }).unwrap();

    // The selfie at 240×320 (T1 halved), a grey frame, a cut JPEG and raw RGB.
    let (rgb, w, h) = upright_rgb("minivision_live_image_T1.jpg");
    let small = image::imageops::resize(
        &image::RgbImage::from_raw(w, h, rgb).unwrap(),
        w / 2,
        h / 2,
        image::imageops::FilterType::Triangle,
    );
    let (sw, sh) = small.dimensions();
    let selfie = Arc::new(encode_jpeg(small.as_raw(), sw, sh, 90));
    let grey = Arc::new(encode_jpeg(&vec![128u8; 160 * 120 * 3], 160, 120, 90));
    let corrupt = Arc::new(selfie[..selfie.len() / 2].to_vec());
    let raw = Arc::new(small.into_raw());

    let done = Arc::new(AtomicUsize::new(0));
    let samples = Arc::new(std::sync::Mutex::new(Vec::<(usize, u64)>::new()));
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (engine, done, samples) = (engine.clone(), done.clone(), samples.clone());
            let (selfie, grey, corrupt, raw) = (selfie.clone(), grey.clone(), corrupt.clone(), raw.clone());
            std::thread::spawn(move || {
                let mut outcomes = [0usize; 4];
                for i in (c..total).step_by(clients) {
                    match i % 8 {
                        // Most calls are the full pipeline.
                        0..=4 => {
                            let r = engine.analyze(Media::bytes(selfie.to_vec())).unwrap();
                            assert_eq!(r.resolution, Resolution::Success, "call {i}: {r:?}");
                            outcomes[0] += 1;
                        }
                        5 => {
                            let r = engine.analyze(Media::bytes(grey.to_vec())).unwrap();
                            assert_eq!(r.reason, Some(FailReason::NoFace), "call {i}");
                            outcomes[1] += 1;
                        }
                        6 => {
                            let e = engine.analyze(Media::bytes(corrupt.to_vec())).unwrap_err();
                            assert_eq!(e.name(), "decode_failed", "call {i}");
                            outcomes[2] += 1;
                        }
                        _ => {
                            let m = Media::pixels(raw.to_vec(), PixelFormat::Rgb8, sw, sh, 0);
                            assert_eq!(engine.analyze(m).unwrap().resolution, Resolution::Success, "call {i}");
                            outcomes[3] += 1;
                        }
                    }
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if n % (total / 20).max(1) == 0 {
                        samples.lock().unwrap().push((n, rss_kib()));
                    }
                }
                outcomes
            })
        })
        .collect();
    let mut outcomes = [0usize; 4];
    for w in workers {
        for (o, n) in outcomes.iter_mut().zip(w.join().unwrap()) {
            *o += n;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(outcomes.iter().sum::<usize>(), total);
    let stats = engine.stats();
    assert_eq!(stats.in_flight, 0);

    let mut samples = samples.lock().unwrap().clone();
    samples.sort();
    let series: Vec<String> = samples.iter().map(|(n, kib)| format!("{n}:{:.1}", *kib as f64 / 1024.0)).collect();
    eprintln!(
        "soak: {total} analyses in {secs:.0} s ({:.0}/s); outcomes selfie/no-face/corrupt/raw {outcomes:?}; \
         RSS MB by call: {}",
        total as f64 / secs,
        series.join(" ")
    );
    // Baseline after the warm-up (10 %), compared with the largest later sample.
    let warm = samples.iter().find(|(n, _)| *n >= total / 10).map(|s| s.1).unwrap();
    let peak = samples.iter().filter(|(n, _)| *n >= total / 10).map(|s| s.1).max().unwrap();
    let growth = (peak as f64 - warm as f64) / warm as f64;
    eprintln!(
        "soak: RSS after warm-up {:.1} MB, peak {:.1} MB, growth {:.2} %",
        warm as f64 / 1024.0,
        peak as f64 / 1024.0,
        growth * 100.0
    );
    assert!(growth < 0.02, "resident set grew {:.2} % after warm-up: {}", growth * 100.0, series.join(" "));
}
