//! Video decode speed: frames/s of a full decode of each committed clip, and the latency of
//! what the engine will do per clip (open + decode once + sample 8 frames to RGB).
//!
//! ```sh
//! cargo run -p ozinstant --release --example video_bench [-- ROUNDS] [-- CLIP...]
//! ```
//! Prints a Markdown table: median of ROUNDS runs (default 15), single thread.

use std::path::PathBuf;
use std::time::Instant;

use ozinstant::video::{self, VideoLimits, VideoOptions};

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
}
