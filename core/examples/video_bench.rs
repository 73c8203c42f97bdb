//! Video decode speed: frames/s of a full decode of each committed clip, and the latency of
//! what the engine does per clip (open + decode once + sample 8 frames to RGB). Then the
//! engine end to end: one `Engine::analyze` per clip and per sample shot set (decode, 8 frames
//! through detection, landmarks, quality and liveness, aggregation), after a warm-up. Needs
//! ONNX Runtime for the second table (`ORT_DYLIB_PATH` or `make ort`).
//!
//! ```sh
//! cargo run -p ozinstant --release --example video_bench [-- ROUNDS] [-- CLIP...]
//! ```
//! Prints a Markdown table: median of ROUNDS runs (default 15), single thread.

use std::path::PathBuf;
use std::time::Instant;

use ozinstant::video::{self, VideoLimits, VideoOptions};
use ozinstant::{Engine, EngineConfig, Media};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let mut rounds = 15usize;
    let mut clips: Vec<PathBuf> = Vec::new();
    for a in std::env::args().skip(1) {
        match a.parse() {
            Ok(n) => rounds = n,
            Err(_) => clips.push(a.into()),
        }
    }
    if clips.is_empty() {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/video"));
        for name in [
            "h264_high_bframes.mp4",
            "h264_aac_rot90.mov",
            "h264_fragmented.mp4",
            "hevc_main_rot90.mov",
            "hevc_main10.mp4",
            "vp9.webm",
        ] {
            clips.push(dir.join(name));
        }
    }
    let analysed = clips.clone();
    println!(
        "| clip | codec | size | frames | full decode fps | full decode ms | decode + sample 8 ms | per sampled frame ms |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for path in clips {
        let bytes = std::fs::read(&path).expect("read clip");
        let info = video::probe(&bytes, &VideoLimits::default()).expect("probe");
        let mut full = Vec::new();
        let mut sampled = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            let mut n = 0usize;
            video::decode_each(&bytes, &VideoLimits::default(), |_, _, _| n += 1).expect("decode");
            full.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(n, info.frame_count);
            let t = Instant::now();
            let out = video::decode(&bytes, &VideoOptions::default()).expect("decode");
            sampled.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(out.frames.len(), 8);
        }
        let (full, sampled) = (median(full), median(sampled));
        println!(
            "| {} | {} | {}x{} | {} | {:.0} | {:.1} | {:.1} | {:.2} |",
            path.file_name().unwrap().to_string_lossy(),
            info.codec.as_str(),
            info.coded_width,
            info.coded_height,
            info.frame_count,
            info.frame_count as f64 * 1000.0 / full,
            full,
            sampled,
            sampled / 8.0
        );
    }

    println!();
    analysis_table(analysed, rounds);
}

/// Engine end to end, one media at a time, median of `rounds`: with one worker thread (the
/// frames one after the other) and with one per core (the frames spread over the pool).
fn analysis_table(mut media: Vec<PathBuf>, rounds: usize) {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/shotsets"));
    media.push(dir.join("live_minivision.zip"));
    media.push(dir.join("spoof_print_minivision.zip"));
    let one = Engine::new(EngineConfig { threads: 1, ..Default::default() }).expect("engine");
    let all = Engine::new(EngineConfig::default()).expect("engine");
    one.warm_up().expect("warm up");
    all.warm_up().expect("warm up");
    let cores = all.config().resolved_threads();
    println!(
        "| media | kind | resolution | sampled / usable | 1 thread ms | of which decode ms | per frame ms | {cores} threads ms |"
    );
    println!("|---|---|---|---|---:|---:|---:|---:|");
    for path in media {
        let bytes = std::fs::read(&path).expect("read media");
        let time = |engine: &Engine| {
            let mut total = Vec::new();
            let mut decode = Vec::new();
            let mut last = None;
            for _ in 0..rounds {
                let t = Instant::now();
                let r = engine.analyze(Media::bytes(bytes.clone())).expect("analyze");
                total.push(t.elapsed().as_secs_f64() * 1000.0);
                decode.push(r.timings.decode_ms);
                last = Some(r);
            }
            (median(total), median(decode), last.expect("one round"))
        };
        let (total, decode, r) = time(&one);
        let (parallel, _, _) = time(&all);
        let seq = r.sequence.as_ref().expect("a sequence");
        println!(
            "| {} | {} | {} | {} / {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            path.file_name().unwrap().to_string_lossy(),
            serde_json::to_value(seq.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            r.resolution.as_str(),
            seq.sampled,
            seq.usable,
            total,
            decode,
            (total - decode) / seq.sampled as f64,
            parallel
        );
    }
}
