//! Colour: each clip is converted with the matrix and range it signals (HLG tone-mapped to SDR
//! BT.709), and its frames' colour statistics match ffmpeg's own conversion, made once by
//! `scripts/make-colour-refs.py` into `core/tests/data/colour/` (the exact ffmpeg command is in
//! each file's header).
//!
//! Tolerances (the measured errors are printed with `--nocapture`):
//! - SDR (BT.709, BT.601, limited and full range): per frame, the mean of each channel within
//!   [`SDR_MEAN`] levels of ffmpeg's and every 8×8-grid cell mean within [`SDR_CELL`]. The
//!   converter matches swscale's exact path (`flags=neighbor+accurate_rnd+full_chroma_int`) to
//!   ±1 level per pixel, so these only absorb rounding.
//! - HLG: ffmpeg's `zscale` + `tonemap=hable:desat=0` chain, with the loose [`HDR_MEAN`] and
//!   [`HDR_CELL`]. Measured: frame means within 2.5 levels, cells within 11.3; zimg lifts the
//!   darkest cells (levels 10..40) by up to ~10 levels more than the BT.2100 inverse OETF
//!   followed by Hable and the BT.709 OETF does, and is ~5 levels darker in the highlights.
#![cfg(feature = "video")]

mod common;

use ozinstant::video::{self, ColourSource, VideoOptions};

const SDR_MEAN: f64 = 0.25;
const SDR_CELL: f64 = 1.0;
const HDR_MEAN: f64 = 3.0;
const HDR_CELL: f64 = 12.0;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

struct RefFrame {
    index: usize,
    width: u32,
    height: u32,
    mean: [f64; 3],
    grid: [Vec<f64>; 3],
}

fn references(stem: &str) -> Vec<RefFrame> {
    let path = format!("{DATA}/colour/{stem}.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out: Vec<RefFrame> = Vec::new();
    let nums = |rest: &[&str]| rest.iter().map(|v| v.parse::<f64>().unwrap()).collect::<Vec<f64>>();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[0] {
            "frame" => out.push(RefFrame {
                index: words[1].parse().unwrap(),
                width: words[2].parse().unwrap(),
                height: words[3].parse().unwrap(),
                mean: [0.0; 3],
                grid: [Vec::new(), Vec::new(), Vec::new()],
            }),
            "mean" => {
                let v = nums(&words[1..]);
                out.last_mut().unwrap().mean = [v[0], v[1], v[2]];
            }
            "grid" => {
                let c = "rgb".find(words[1]).unwrap();
                out.last_mut().unwrap().grid[c] = nums(&words[2..]);
            }
            other => panic!("{path}: unexpected line {other}"),
        }
    }
    assert!(!out.is_empty(), "{path}: no frame");
    out
}

/// Channel means and the 8×8 grid of cell means, as scripts/make-colour-refs.py computes them.
fn stats(rgb: &[u8], w: usize, h: usize) -> ([f64; 3], [Vec<f64>; 3]) {
    let mut mean = [0.0; 3];
    for (i, &v) in rgb.iter().enumerate() {
        mean[i % 3] += v as f64;
    }
    mean.iter_mut().for_each(|m| *m /= (w * h) as f64);
    let mut grid = [vec![0.0; 64], vec![0.0; 64], vec![0.0; 64]];
    for j in 0..8 {
        let (y0, y1) = (j * h / 8, (j + 1) * h / 8);
        for i in 0..8 {
            let (x0, x1) = (i * w / 8, (i + 1) * w / 8);
            let n = ((x1 - x0) * (y1 - y0)) as f64;
            for (c, g) in grid.iter_mut().enumerate() {
                let mut s = 0u64;
                for y in y0..y1 {
                    for x in x0..x1 {
                        s += rgb[(y * w + x) * 3 + c] as u64;
                    }
                }
                g[j * 8 + i] = s as f64 / n;
            }
        }
    }
    (mean, grid)
}

/// Largest errors over the sampled frames: (|mean| per channel, |cell| per channel).
fn compare(bytes: &[u8], stem: &str) -> ([f64; 3], [f64; 3], video::Colour) {
    let refs = references(stem);
    let clip = video::decode(bytes, &VideoOptions { frames: refs.len(), ..Default::default() }).unwrap();
    let indices: Vec<usize> = clip.frames.iter().map(|f| f.index).collect();
    let want: Vec<usize> = refs.iter().map(|r| r.index).collect();
    assert_eq!(indices, want, "{stem}: sampled frames");
    let (mut mean_err, mut cell_err) = ([0.0f64; 3], [0.0f64; 3]);
    for (f, r) in clip.frames.iter().zip(&refs) {
        assert_eq!((f.width, f.height), (r.width, r.height), "{stem}: frame {} size", f.index);
        let (mean, grid) = stats(&f.rgb, f.width as usize, f.height as usize);
        for c in 0..3 {
            mean_err[c] = mean_err[c].max((mean[c] - r.mean[c]).abs());
            for (a, b) in grid[c].iter().zip(&r.grid[c]) {
                cell_err[c] = cell_err[c].max((a - b).abs());
            }
        }
    }
    eprintln!(
        "{stem}: {} frames, colour {}/{}/{}/{} ({}), max |mean error| R,G,B = {:.3} {:.3} {:.3}, max |cell error| = {:.2} {:.2} {:.2}",
        refs.len(),
        clip.info.colour.matrix_name(),
        clip.info.colour.range_name(),
        clip.info.colour.transfer_name(),
        clip.info.colour.primaries_name(),
        clip.info.colour.source.as_str(),
        mean_err[0],
        mean_err[1],
        mean_err[2],
        cell_err[0],
        cell_err[1],
        cell_err[2],
    );
    (mean_err, cell_err, clip.info.colour)
}

fn check(bytes: &[u8], stem: &str, mean_tol: f64, cell_tol: f64) -> video::Colour {
    let (mean_err, cell_err, colour) = compare(bytes, stem);
    assert!(mean_err.iter().all(|&e| e <= mean_tol), "{stem}: mean error {mean_err:?} over {mean_tol}");
    assert!(cell_err.iter().all(|&e| e <= cell_tol), "{stem}: cell error {cell_err:?} over {cell_tol}");
    colour
}

fn committed(name: &str) -> Vec<u8> {
    let path = format!("{DATA}/clips/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn shared(name: &str) -> Option<Vec<u8>> {
    common::shared_clip(name)
}

fn names(c: &video::Colour) -> (&'static str, &'static str, &'static str, &'static str) {
    (c.matrix_name(), c.range_name(), c.transfer_name(), c.primaries_name())
}

#[test]
fn bt709_limited_matches_ffmpeg() {
    let c = check(&committed("colour_lp_d13_bt709_small.mp4"), "colour_lp_d13_bt709_small", SDR_MEAN, SDR_CELL);
    assert_eq!(names(&c), ("bt709", "limited", "bt709", "bt709"));
    assert_eq!(c.source, ColourSource::Bitstream);
    assert!(!c.tone_mapped());
    if let Some(b) = shared("lp_d13.mp4") {
        let c = check(&b, "lp_d13", SDR_MEAN, SDR_CELL);
        assert_eq!(names(&c), ("bt709", "limited", "bt709", "bt709"));
    }
}

#[test]
fn container_tags_apply_when_the_bitstream_has_none() {
    // x264 wrote no video_signal_type; the MP4 `colr` box says BT.709 limited, and ffmpeg uses it.
    let bytes = committed("colour_lp_d13_container709_small.mp4");
    let c = check(&bytes, "colour_lp_d13_container709_small", SDR_MEAN, SDR_CELL);
    assert_eq!(names(&c), ("bt709", "limited", "bt709", "bt709"));
    assert_eq!(c.source, ColourSource::Container);
}

#[test]
fn full_range_matches_ffmpeg() {
    let c = check(&committed("colour_lp_d13_fullrange_small.mp4"), "colour_lp_d13_fullrange_small", SDR_MEAN, SDR_CELL);
    assert_eq!(names(&c), ("bt601", "full", "smpte170m", "bt470bg"));
    assert_eq!(c.source, ColourSource::Bitstream);
    if let Some(b) = shared("derived_lp_d13_fullrange601.mp4") {
        let c = check(&b, "derived_lp_d13_fullrange601", SDR_MEAN, SDR_CELL);
        assert_eq!(names(&c), ("bt601", "full", "smpte170m", "bt470bg"));
    }
}

#[test]
fn untagged_is_bt601_limited_like_ffmpeg() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/video/h264_high_bframes.mp4")).unwrap();
    let c = check(&bytes, "h264_high_bframes", SDR_MEAN, SDR_CELL);
    assert_eq!(names(&c), ("bt601", "limited", "unspecified", "unspecified"));
    assert_eq!(c.source, ColourSource::Default);
    // 10-bit HEVC and VP9, both without a colour description.
    for (name, source) in [("hevc_main10.mp4", ColourSource::Default), ("vp9.webm", ColourSource::Bitstream)] {
        let bytes = std::fs::read(format!("{}/../samples/video/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let c = check(&bytes, name.rsplit_once('.').unwrap().0, SDR_MEAN, SDR_CELL);
        assert_eq!((c.matrix_name(), c.range_name(), c.source), ("bt601", "limited", source), "{name}");
    }
    if let Some(b) = shared("lp_d3.mp4") {
        let c = check(&b, "lp_d3", SDR_MEAN, SDR_CELL);
        assert_eq!(c.source, ColourSource::Default);
    }
}

#[test]
fn hlg_is_tone_mapped_like_ffmpeg_zscale_hable() {
    let bytes = committed("colour_lp_d13_hlg10_rot.mov");
    let c = check(&bytes, "colour_lp_d13_hlg10_rot", HDR_MEAN, HDR_CELL);
    assert_eq!(names(&c), ("bt2020nc", "limited", "hlg", "bt2020"));
    assert!(c.tone_mapped());
    let info = video::probe(&bytes, &Default::default()).unwrap();
    assert_eq!((info.rotation, info.display_width, info.display_height), (90, 720, 1280));
}

/// Every other shared SDR clip, against ffmpeg's conversion of the same (displayed, edited)
/// frames: untagged and BT.709 talking heads, the two edit-list files (the sampled frames are
/// the presented ones) and the rotated fragmented file (displayed orientation).
#[test]
fn every_shared_sdr_clip_matches_ffmpeg() {
    for stem in ["lp_s13", "vrt_1", "vrt_2", "mb_edts", "mb_edit-list-discard", "mb_rotate-buck-bunny"] {
        if let Some(b) = shared(&format!("{stem}.mp4")) {
            check(&b, stem, SDR_MEAN, SDR_CELL);
        }
    }
    // The edit-list file is also committed: never skipped.
    check(&committed("mb_edit-list-discard.mp4"), "mb_edit-list-discard", SDR_MEAN, SDR_CELL);
}
