//! Video decoding: every committed clip decodes bit-exactly against ffmpeg's reference hashes,
//! rotation, even sampling, limits checked before decoding, unsupported codecs, and hostile
//! input (truncations and byte flips) that must never panic.
#![cfg(feature = "video")]

mod common;

use std::collections::BTreeMap;

use ozinstant::video::{self, Codec, Container, VideoLimits, VideoOptions};
use ozinstant::{Error, Media, PixelFormat};

fn clip(name: &str) -> Vec<u8> {
    std::fs::read(common::sample(&format!("video/{name}"))).expect("clip")
}

/// (clip, container, codec, coded w, h, rotation)
const CLIPS: &[(&str, Container, Codec, u32, u32, u16)] = &[
    ("h264_high_bframes.mp4", Container::Mp4, Codec::H264, 480, 360, 0),
    ("h264_aac_rot90.mov", Container::Mp4, Codec::H264, 360, 480, 90),
    ("h264_fragmented.mp4", Container::Mp4, Codec::H264, 480, 360, 0),
    ("hevc_main_rot90.mov", Container::Mp4, Codec::Hevc, 360, 480, 90),
    ("hevc_main10.mp4", Container::Mp4, Codec::Hevc, 480, 360, 0),
    ("vp9.webm", Container::Matroska, Codec::Vp9, 480, 360, 0),
    // A B-frame whose references all precede it (the RefPicList1 swap, third_party/PATCHES.md).
    ("h264_bframe_past_refs.mp4", Container::Mp4, Codec::H264, 480, 360, 0),
];

fn reference_hashes(name: &str) -> Vec<String> {
    let stem = name.rsplit_once('.').unwrap().0;
    common::framehash_file(&common::sample(&format!("video/{stem}.framehash")))
}

#[test]
fn every_clip_is_bit_exact_with_ffmpeg() {
    for &(name, container, ref codec, w, h, rotation) in CLIPS {
        let bytes = clip(name);
        let mut got = BTreeMap::new();
        let info = video::decode_each(&bytes, &VideoLimits::default(), |index, _, pic| {
            assert_eq!((pic.width, pic.height), (w, h), "{name}: decoded size");
            got.insert(index, common::sha256_hex(&pic.raw_bytes()));
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.container, container, "{name}");
        assert_eq!(&info.codec, codec, "{name}");
        assert_eq!((info.coded_width, info.coded_height), (w, h), "{name}");
        assert_eq!(info.rotation, rotation, "{name}");
        assert_eq!(info.frame_count, 30, "{name}");
        assert!((1150..=1250).contains(&info.duration_ms), "{name}: {} ms", info.duration_ms);
        assert!((info.fps - 25.0).abs() < 1.5, "{name}: {} fps", info.fps);
        let reference = reference_hashes(name);
        assert_eq!(got.len(), reference.len(), "{name}: frame count vs ffmpeg");
        let mismatched: Vec<usize> = got.iter().filter(|(i, hash)| reference[**i] != **hash).map(|(i, _)| *i).collect();
        assert!(mismatched.is_empty(), "{name}: frames differing from ffmpeg: {mismatched:?}");
    }
}

#[test]
fn samples_eight_evenly_spaced_frames_with_rotation_applied() {
    for &(name, _, _, w, h, rotation) in CLIPS {
        let out = video::decode(&clip(name), &VideoOptions::default()).unwrap();
        let idx: Vec<usize> = out.frames.iter().map(|f| f.index).collect();
        assert_eq!(idx, vec![0, 4, 8, 12, 17, 21, 25, 29], "{name}");
        assert_eq!(idx, video::sample_indices(30, 8));
        let (dw, dh) = if rotation == 90 { (h, w) } else { (w, h) };
        assert_eq!((out.info.display_width, out.info.display_height), (dw, dh), "{name}");
        for f in &out.frames {
            assert_eq!((f.width, f.height), (dw, dh), "{name}: output is display-oriented");
            assert_eq!(f.rotation, rotation);
            assert_eq!(f.rgb.len(), (dw * dh * 3) as usize);
            // 25 fps: frame i is shown at 40 i ms.
            assert_eq!(f.timestamp_ms, f.index as u64 * 40, "{name}");
        }
    }
    // Configurable count, and a count over the clip's length gives every frame.
    let bytes = clip("h264_high_bframes.mp4");
    let three = video::decode(&bytes, &VideoOptions { frames: 3, ..Default::default() }).unwrap();
    assert_eq!(three.frames.iter().map(|f| f.index).collect::<Vec<_>>(), vec![0, 15, 29]);
    let all = video::decode(&bytes, &VideoOptions { frames: 100, ..Default::default() }).unwrap();
    assert_eq!(all.frames.len(), 30);
}

#[test]
fn sampled_rgb_matches_the_full_decode() {
    // The early stop and the sampler must not change pixels: the RGB of frame 4 from an
    // 8-frame sample equals the RGB of frame 4 when all frames are kept.
    let bytes = clip("hevc_main_rot90.mov");
    let eight = video::decode(&bytes, &VideoOptions::default()).unwrap();
    let all = video::decode(&bytes, &VideoOptions { frames: 30, ..Default::default() }).unwrap();
    for f in &eight.frames {
        assert_eq!(f.rgb[..], all.frames[f.index].rgb[..], "frame {}", f.index);
    }
}

#[test]
fn limits_are_enforced_from_the_headers() {
    let bytes = clip("h264_aac_rot90.mov");
    let lim = |f: fn(&mut VideoLimits)| {
        let mut l = VideoLimits::default();
        f(&mut l);
        l
    };
    let cases: Vec<(VideoLimits, &str)> = vec![
        (lim(|l| l.max_duration_ms = 500), "video_too_long"),
        (lim(|l| l.max_frames = 10), "video_too_long"),
        (lim(|l| l.max_pixels = 100_000), "image_too_large"),
        (lim(|l| l.max_side = 400), "image_too_large"),
        (lim(|l| l.max_bytes = 1000), "media_too_large"),
    ];
    for name in ["h264_aac_rot90.mov", "hevc_main10.mp4", "vp9.webm", "h264_fragmented.mp4"] {
        let bytes = clip(name);
        for (limits, want) in &cases {
            // probe() reads headers only: the same refusal without decoding anything.
            let e = video::probe(&bytes, limits).unwrap_err();
            assert_eq!(e.name(), *want, "{name} {limits:?}: {e}");
            let e = video::decode(&bytes, &VideoOptions { frames: 8, limits: limits.clone() }).unwrap_err();
            assert_eq!(e.name(), *want, "{name} {limits:?}: {e}");
        }
    }
    let e = video::probe(&bytes, &lim(|l| l.max_duration_ms = 500)).unwrap_err();
    assert!(matches!(e, Error::VideoTooLong { .. }));
    assert_eq!(e.code(), 17);
    // Within limits, probe agrees with decode.
    let info = video::probe(&bytes, &VideoLimits::default()).unwrap();
    assert_eq!(info.frame_count, 30);
    assert_eq!((info.display_width, info.display_height), (480, 360));
}

#[test]
fn unsupported_codecs_fail_with_unsupported_codec() {
    for (name, codec) in [("unsupported_vp8.webm", "vp8"), ("unsupported_mpeg4.mp4", "mp4v")] {
        let bytes = std::fs::read(common::unsupported(name)).unwrap();
        let e = video::decode(&bytes, &VideoOptions::default()).unwrap_err();
        assert!(matches!(e, Error::UnsupportedCodec(_)), "{name}: {e}");
        assert_eq!(e.code(), 15);
        assert_eq!(e.name(), "unsupported_codec");
        assert!(e.to_string().contains(codec), "{name}: {e}");
        assert!(video::probe(&bytes, &VideoLimits::default()).is_err());
    }
}

#[test]
fn non_video_input_is_refused_cleanly() {
    let jpeg = std::fs::read(common::sample("minivision_live_image_T1.jpg")).unwrap();
    assert_eq!(video::decode(&jpeg, &VideoOptions::default()).unwrap_err().name(), "unsupported_format");
    assert_eq!(video::decode(&[], &VideoOptions::default()).unwrap_err().name(), "invalid_input");
    assert_eq!(video::sniff(&clip("vp9.webm")), Some(Container::Matroska));
    assert_eq!(video::sniff(&clip("hevc_main10.mp4")), Some(Container::Mp4));
    assert_eq!(video::sniff(&jpeg), None);
}

/// xorshift64*: a fixed, dependency-free stream of mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Decoding damaged clips gives a typed error or frames, and never panics. `video::decode`
/// contains a panic inside a third-party crate as `decode_failed`, so the test counts those:
/// none may happen in release builds; debug builds (overflow checks on) allow only arithmetic
/// overflows, which release builds wrap (re_mp4 0.5.1's reader subtracts with overflow on a
/// corrupted sample table).
/// Found by the `video` fuzz target: a fragmented MP4 whose `moov` holds a child box of size 0.
/// re_mp4 0.5.1 skips such a box by seeking back to its own header and parsed it forever; the
/// demuxers now read through a call budget, so the clip is a decode error at once.
#[test]
fn a_box_that_loops_is_a_decode_error() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mp4-child-box-size-zero-loops.mp4");
    let bytes = std::fs::read(path).unwrap();
    let e = video::decode(&bytes, &VideoOptions::default()).unwrap_err();
    assert_eq!(e.name(), "decode_failed", "{e}");
    assert!(e.to_string().contains("bounded time"), "{e}");
    let e = video::probe(&bytes, &VideoLimits::default()).unwrap_err();
    assert_eq!(e.name(), "decode_failed");
}

/// Found by the `video` fuzz target: a MOV whose time-to-sample table (`stts`) covers fewer
/// samples than its size table (`stsz`). re_mp4 0.5.1 indexes past the end of `stts`
/// (`reader.rs:209`, index out of bounds, in release builds too); the video layer contains the
/// panic and reports `decode_failed`.
#[test]
fn a_sample_table_that_panics_the_demuxer_is_a_decode_error() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mp4-stts-shorter-than-stsz.mov");
    let bytes = std::fs::read(path).unwrap();
    let e = video::decode(&bytes, &VideoOptions::default()).unwrap_err();
    assert_eq!(e.name(), "decode_failed", "{e}");
    assert!(e.to_string().contains("panicked"), "{e}");
}

#[test]
fn truncated_and_corrupted_clips_never_panic() {
    let mut clips: Vec<(String, Vec<u8>)> = CLIPS.iter().map(|c| (c.0.to_string(), clip(c.0))).collect();
    for name in ["unsupported_vp8.webm", "unsupported_mpeg4.mp4"] {
        clips.push((name.to_string(), std::fs::read(common::unsupported(name)).unwrap()));
    }
    let opts = VideoOptions { frames: 8, ..Default::default() };
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut record = |r: Result<video::SampledVideo, Error>| {
        let key = match r {
            Ok(v) => {
                for f in &v.frames {
                    assert_eq!(f.rgb.len(), (f.width * f.height * 3) as usize);
                }
                "ok".to_string()
            }
            Err(e) if e.to_string().contains("panicked") => {
                let overflow = e.to_string().contains("with overflow");
                assert!(cfg!(debug_assertions) && overflow, "a decoder panicked: {e}");
                "caught overflow (debug build)".to_string()
            }
            Err(e) => e.name().to_string(),
        };
        *outcomes.entry(key).or_default() += 1;
    };
    // Caught panics still run the panic hook; keep the log readable.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (_, bytes) in clips {
        // Truncations: every byte of the first 64, then 48 evenly spread cut points.
        let cuts = (0..64.min(bytes.len())).chain((1..48).map(|k| k * bytes.len() / 48));
        for cut in cuts {
            record(video::decode(&bytes[..cut], &opts));
        }
        // Random byte flips: 1 to 8 bytes anywhere, 60 variants; then 40 variants whose flips
        // all land in the first 2 KiB (headers, parameter sets).
        for round in 0..100 {
            let mut b = bytes.clone();
            let span = if round < 60 { b.len() } else { b.len().min(2048) };
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(span);
                b[at] ^= 1 << rng.below(8);
            }
            record(video::decode(&b, &opts));
        }
        // Overwrite a run of bytes with 0xFF / 0x00 (box sizes, EBML lengths).
        for k in 1..16 {
            let mut b = bytes.clone();
            let at = k * b.len() / 16;
            let fill = if k % 2 == 0 { 0xFF } else { 0x00 };
            b[at..(at + 8).min(bytes.len())].fill(fill);
            record(video::decode(&b, &opts));
        }
    }
    std::panic::set_hook(hook);
    eprintln!("outcomes of damaged clips: {outcomes:?}");
    assert!(outcomes.get("ok").copied().unwrap_or(0) > 0);
    assert!(outcomes.keys().all(|k| {
        [
            "ok",
            "decode_failed",
            "unsupported_format",
            "unsupported_codec",
            "invalid_input",
            "video_too_long",
            "image_too_large",
            "caught overflow (debug build)",
        ]
        .contains(&k.as_str())
    }));
}

/// The sampled frames are usable by the engine: it finds the face in them (and in the
/// rotated clips only if the rotation was applied the right way round).
#[test]
fn the_engine_finds_a_face_in_sampled_frames() {
    let engine = common::engine();
    for name in ["h264_aac_rot90.mov", "hevc_main_rot90.mov", "vp9.webm", "h264_high_bframes.mp4"] {
        let out = video::decode(&clip(name), &VideoOptions { frames: 2, ..Default::default() }).unwrap();
        for f in &out.frames {
            let media = Media::pixels(f.rgb.to_vec(), PixelFormat::Rgb8, f.width, f.height, f.width as usize * 3);
            let r = engine.analyze(media).unwrap();
            assert!(!r.faces.is_empty(), "{name} frame {}: no face ({:?})", f.index, r.reason);
        }
    }
}
