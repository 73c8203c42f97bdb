//! ISO-BMFF container defects (issue 17): signed `trun` composition offsets in fragmented MP4,
//! edit lists (hidden samples, empty edits), QuickTime files without a leading `ftyp`.
//!
//! Every defect has a regression test on a small committed clip in `core/tests/data/clips/`
//! (see the README there; made by `scripts/make-container-clips.sh` or copied with their
//! licence). The real third-party clips in `../shared/clips` (outside the repository) are
//! checked too when that folder exists; otherwise those tests say they skipped.
#![cfg(feature = "video")]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use ozinstant::video::{self, Container, VideoLimits, VideoOptions};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/clips").join(name)
}

fn committed(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn shared(name: &str) -> Option<Vec<u8>> {
    common::shared_clip(name)
}

fn reference_hashes(path: PathBuf) -> Vec<String> {
    common::framehash_file(&path)
}

/// Every presented frame: index → (timestamp ms, SHA-256 of the raw picture).
fn decode_all(name: &str, bytes: &[u8]) -> (video::VideoInfo, BTreeMap<usize, (u64, String)>) {
    let mut got = BTreeMap::new();
    let info = video::decode_each(bytes, &VideoLimits::default(), |index, ms, pic| {
        let previous = got.insert(index, (ms, common::sha256_hex(&pic.raw_bytes())));
        assert!(previous.is_none(), "{name}: frame {index} delivered twice");
    })
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    (info, got)
}

fn assert_bit_exact(name: &str, got: &BTreeMap<usize, (u64, String)>, reference: &[String]) {
    assert_eq!(got.len(), reference.len(), "{name}: frame count vs ffmpeg");
    let keys: Vec<usize> = got.keys().copied().collect();
    assert_eq!(keys, (0..reference.len()).collect::<Vec<_>>(), "{name}: presentation indices");
    let mismatched: Vec<usize> = got.iter().filter(|(i, (_, h))| reference[**i] != *h).map(|(i, _)| *i).collect();
    assert!(mismatched.is_empty(), "{name}: frames differing from ffmpeg: {mismatched:?}");
}

// ---------------------------------------------------------------------------------------------
// 1. Signed composition offsets (trun version 1) in fragmented MP4

#[test]
fn fragmented_mp4_with_negative_composition_offsets() {
    // trun v1 offsets 0, +512, -512, ... (12800 Hz): read unsigned, -512 became 4294966784.
    let name = "frag_negative_cts.mp4";
    let (info, got) = decode_all(name, &committed(name));
    assert_eq!(info.frame_count, 30, "{name}");
    assert_eq!(info.duration_ms, 1200, "{name}");
    assert!((info.fps - 25.0).abs() < 0.01, "{name}: {} fps", info.fps);
    let times: Vec<u64> = got.values().map(|(ms, _)| *ms).collect();
    assert_eq!(times, (0..30).map(|i| i * 40).collect::<Vec<_>>(), "{name}: timestamps");
    assert_bit_exact(name, &got, &reference_hashes(data("frag_negative_cts.framehash")));
}

#[test]
fn shared_fragmented_rotated_buck_bunny() {
    let Some(bytes) = shared("mb_rotate-buck-bunny.mp4") else { return };
    // Was refused as video_too_long with 74,567,237 ms. ffprobe: 45 frames at 24 fps (1.875 s
    // of video; the audio makes the file 2.005 s), rotated 90 degrees.
    let info = video::probe(&bytes, &VideoLimits::default()).expect("probe");
    assert_eq!(info.frame_count, 45);
    assert_eq!(info.duration_ms, 1875);
    assert_eq!(info.rotation, 90);
    let clip = video::decode(&bytes, &VideoOptions::default()).expect("decode");
    assert_eq!(clip.frames.len(), 8);
    assert_eq!(clip.frames.last().map(|f| f.timestamp_ms), Some(44 * 1000 / 24));
}

// ---------------------------------------------------------------------------------------------
// 2. Edit lists

#[test]
fn edit_list_hides_the_sample_it_does_not_present() {
    // One edit: media_time 1024 (12800 Hz), 1960 ms: 49 of the 50 samples are presented.
    let name = "mb_edit-list-discard.mp4";
    let bytes = committed(name);
    let (info, got) = decode_all(name, &bytes);
    assert_eq!(info.frame_count, 49, "{name}");
    assert_eq!(info.duration_ms, 1960, "{name}");
    assert!((info.fps - 25.0).abs() < 0.01, "{name}: {} fps", info.fps);
    let times: Vec<u64> = got.values().map(|(ms, _)| *ms).collect();
    assert_eq!(times, (0..49).map(|i| i * 40).collect::<Vec<_>>(), "{name}: timestamps (ffprobe pts_time)");
    assert_bit_exact(name, &got, &reference_hashes(data("mb_edit-list-discard.framehash")));
    // Sampling spans the presented frames only: the last sample is frame 48 at 1920 ms.
    let clip = video::decode(&bytes, &VideoOptions { frames: 8, ..Default::default() }).expect("decode");
    let last = clip.frames.last().expect("frames");
    assert_eq!((last.index, last.timestamp_ms), (48, 1920), "{name}");
    assert!(clip.frames.iter().all(|f| f.index < 49), "{name}");
}

#[test]
fn edit_list_with_an_empty_edit_delays_the_first_frame() {
    // Edits: empty 200 ms, then 1200 ms from media_time 512. ffprobe: first pts_time 0.2,
    // duration 1.4 s (the empty edit counts, as in ffmpeg's format duration).
    let name = "edit_empty_start.mp4";
    let (info, got) = decode_all(name, &committed(name));
    assert_eq!(info.frame_count, 30, "{name}");
    assert_eq!(info.duration_ms, 1400, "{name}");
    let times: Vec<u64> = got.values().map(|(ms, _)| *ms).collect();
    assert_eq!(times, (0..30).map(|i| 200 + i * 40).collect::<Vec<_>>(), "{name}: timestamps");
    assert_bit_exact(name, &got, &reference_hashes(data("edit_empty_start.framehash")));
}

#[test]
fn shared_edit_list_clips_match_ffprobe() {
    // (clip, frames, duration ms, first two pts in ms as ffprobe -show_entries frame=pts_time)
    let cases: &[(&str, usize, u64, [u64; 2])] = &[
        ("mb_edit-list-discard.mp4", 49, 1960, [0, 40]),
        ("mb_edts.mp4", 225, 9000, [0, 40]),
        // An empty edit of 33 ms then 6100 ms (movie timescale 1000): ffprobe's first pts_time
        // 0.033008; the duration is the edit list's, 6133 ms (ffprobe: stream 6.1 s, format
        // 6.131 s).
        ("vrt_1.mp4", 135, 6133, [33, 99]),
        ("lp_d13.mp4", 352, 11734, [0, 33]),
    ];
    for &(name, frames, duration_ms, first) in cases {
        let Some(bytes) = shared(name) else { continue };
        let (info, got) = decode_all(name, &bytes);
        assert_eq!(info.frame_count, frames, "{name}");
        assert_eq!(info.duration_ms, duration_ms, "{name}");
        assert_eq!(got.len(), frames, "{name}");
        let times: Vec<u64> = got.values().take(2).map(|(ms, _)| *ms).collect();
        assert_eq!(times, first.to_vec(), "{name}: first timestamps");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. QuickTime without a leading ftyp

/// `samples/video/h264_aac_rot90.mov` with its `ftyp` box renamed `free`, as old QuickTime
/// files and some cameras start.
fn mov_without_ftyp() -> Vec<u8> {
    let mut bytes = std::fs::read(common::sample("video/h264_aac_rot90.mov")).expect("clip");
    assert_eq!(&bytes[4..8], b"ftyp");
    bytes[4..8].copy_from_slice(b"free");
    bytes
}

#[test]
fn quicktime_without_ftyp_is_read() {
    let bytes = mov_without_ftyp();
    assert_eq!(video::sniff(&bytes), Some(Container::Mp4));
    let (info, got) = decode_all("mov without ftyp", &bytes);
    assert_eq!((info.coded_width, info.coded_height, info.rotation), (360, 480, 90));
    assert_eq!(info.frame_count, 30);
    let reference = reference_hashes(common::sample("video/h264_aac_rot90.framehash"));
    assert_bit_exact("mov without ftyp", &got, &reference);
}

#[test]
fn quicktime_without_ftyp_reaches_the_video_path() {
    // The request path routes media by `video::sniff`: the clip decodes as a video there too.
    let bytes = mov_without_ftyp();
    let clip = video::decode(&bytes, &VideoOptions { frames: 3, ..Default::default() }).expect("decode");
    assert_eq!(clip.frames.len(), 3);
    assert_eq!((clip.frames[0].width, clip.frames[0].height), (480, 360));
}

#[test]
fn box_lookalikes_without_a_moov_are_not_video() {
    // A `free` box and nothing else, a `wide` box followed by garbage, a `moov` that overruns.
    let mut free_only = vec![0, 0, 0, 16];
    free_only.extend_from_slice(b"free");
    free_only.extend_from_slice(&[0; 8]);
    let mut wide_garbage = vec![0, 0, 0, 8];
    wide_garbage.extend_from_slice(b"wide");
    wide_garbage.extend_from_slice(b"\xff\xff\xff\xff\x01\x02\x03\x04moov");
    let mut overrun = vec![0, 0, 1, 0];
    overrun.extend_from_slice(b"moov");
    for (what, bytes) in [("free only", free_only), ("wide + garbage", wide_garbage), ("overrun", overrun)] {
        assert_eq!(video::sniff(&bytes), None, "{what}");
        let e = video::probe(&bytes, &VideoLimits::default()).unwrap_err();
        assert_eq!(e.name(), "unsupported_format", "{what}");
    }
}
