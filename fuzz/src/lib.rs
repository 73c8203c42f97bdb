//! Shared helpers of the fuzz targets: the process-wide engine, and the oracles every target
//! checks beyond "does not crash" (result invariants, which errors an input may produce).
//!
//! Any panic is a finding: libfuzzer-sys installs a panic hook that aborts, so even a panic
//! the engine contains (a third-party decoder, a worker thread) stops the run with a crash
//! file under `fuzz/artifacts/<target>/`.

use std::sync::LazyLock;

use ozinstant::{Engine, EngineConfig, Error, Limits, MediaResult, PixelFormat, Resolution};

/// The configuration every engine-backed target uses: the shipped defaults, one worker thread.
pub fn engine_config() -> EngineConfig {
    EngineConfig { threads: 1, intra_op_threads: 1, max_in_flight: 4, ..EngineConfig::default() }
}

/// One engine per fuzzing process, built on first use (loading ONNX Runtime and the models
/// takes a fraction of a second; every input after that reuses it).
pub fn engine() -> &'static Engine {
    static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
        Engine::new(engine_config()).unwrap_or_else(|e| {
            eprintln!("cannot build the engine (set ORT_DYLIB_PATH to libonnxruntime.so): {e}");
            std::process::exit(2)
        })
    });
    &ENGINE
}

/// Errors a well-behaved engine may return for a bad *input* (as opposed to a fault of the
/// engine: `internal_error`, `runtime_error`, `model_error`, `busy` on an idle engine...).
pub fn is_input_error(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidInput(_)
            | Error::UnsupportedFormat(_)
            | Error::Decode(_)
            | Error::MediaTooLarge { .. }
            | Error::ImageTooLarge { .. }
            | Error::Io { .. }
            | Error::UnsupportedCodec(_)
            | Error::VideoTooLong { .. }
            | Error::ArchiveRejected { .. }
    )
}

/// Panics unless `e` is an input error (see [`is_input_error`]).
pub fn assert_input_error(e: &Error, what: &str) {
    assert!(is_input_error(e), "{what}: engine fault on fuzzed input: {} ({e})", e.name());
}

/// Invariants of one media result, whatever the input.
pub fn check_media_result(r: &MediaResult) {
    match r.resolution {
        Resolution::Success | Resolution::Declined | Resolution::OperatorRequired => {
            assert!(r.reason.is_none(), "{:?} with a reason {:?}", r.resolution, r.reason);
            let c = r.confidence_spoofing.expect("a verdict without confidence_spoofing");
            assert!((0.0..=1.0).contains(&c), "confidence_spoofing {c} outside 0..=1");
            let in_band = r.review_band.is_some_and(|[low, high]| (low..=high).contains(&c));
            assert_eq!(
                r.resolution == Resolution::OperatorRequired,
                in_band,
                "review band {:?} vs score {c}",
                r.review_band
            );
            if !in_band {
                assert_eq!(
                    r.resolution == Resolution::Declined,
                    c >= r.threshold,
                    "verdict vs score {c} / {}",
                    r.threshold
                );
            }
        }
        Resolution::Failed => assert!(r.reason.is_some(), "FAILED without a reason"),
    }
    if let Some(c) = r.confidence_spoofing {
        assert!(c.is_finite(), "confidence_spoofing is {c}");
    }
    if let Some(info) = &r.image {
        assert!(info.width > 0 && info.height > 0, "decoded a {}x{} image", info.width, info.height);
    }
    if let Some(seq) = &r.sequence {
        assert_eq!(seq.frames.len(), seq.sampled);
        assert!(seq.sampled <= seq.total_frames.max(1) && seq.sampled <= 64, "{} of {}", seq.sampled, seq.total_frames);
        assert!(seq.usable <= seq.sampled && seq.min_usable <= seq.sampled.max(1));
        match &seq.best_shot {
            Some(b) => {
                assert!(b.frame < seq.frames.len() && seq.usable >= seq.min_usable);
                assert_eq!(seq.frames[b.frame].index, b.index);
                assert_ne!(r.resolution, Resolution::Failed);
            }
            None => assert_eq!(r.resolution, Resolution::Failed, "a verdict without a best shot"),
        }
    }
    let json = serde_json::to_string(r).expect("result serialises");
    let back: serde_json::Value = serde_json::from_str(&json).expect("result JSON parses");
    assert!(back.is_object());
}

/// What `from_pixels` must answer for a raw frame, computed independently of the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelsExpect {
    /// A valid frame: the analysis must succeed (with any verdict).
    Ok,
    /// Zero size, stride shorter than a row, buffer too short or overflowing geometry.
    InvalidInput,
    /// Over `max_dimension` or `max_pixels`.
    TooLarge,
}

/// The expected outcome for `len` bytes of `format` pixels, `width` x `height`, `stride`.
pub fn pixels_expect(
    len: usize,
    format: PixelFormat,
    width: u32,
    height: u32,
    stride: usize,
    limits: &Limits,
) -> PixelsExpect {
    if width == 0 || height == 0 {
        return PixelsExpect::InvalidInput;
    }
    if width.max(height) > limits.max_dimension || u64::from(width) * u64::from(height) > limits.max_pixels {
        return PixelsExpect::TooLarge;
    }
    let row = width as u128 * format.bytes_per_pixel() as u128;
    let stride = if stride == 0 { row } else { stride as u128 };
    if stride < row {
        return PixelsExpect::InvalidInput;
    }
    let needed = stride * (u128::from(height) - 1) + row;
    if needed > usize::MAX as u128 || (len as u128) < needed {
        return PixelsExpect::InvalidInput;
    }
    PixelsExpect::Ok
}

/// Checks an analysis of raw pixels against [`pixels_expect`].
pub fn check_pixels_outcome(expect: PixelsExpect, outcome: &Result<MediaResult, Error>, what: &str) {
    match (expect, outcome) {
        (PixelsExpect::Ok, Ok(r)) => check_media_result(r),
        (PixelsExpect::InvalidInput, Err(Error::InvalidInput(_))) => {}
        (PixelsExpect::TooLarge, Err(Error::ImageTooLarge { .. })) => {}
        (expect, outcome) => panic!("{what}: expected {expect:?}, got {:?}", outcome.as_ref().map(|r| r.resolution)),
    }
}

/// `len` bytes repeating `pattern` (zeros when it is empty): lets a small fuzz input describe a
/// large, valid raw frame.
pub fn repeat_to(pattern: &[u8], len: usize) -> Vec<u8> {
    if pattern.is_empty() {
        return vec![0; len];
    }
    pattern.iter().copied().cycle().take(len).collect()
}

/// The four pixel formats, indexed by a fuzzed byte.
pub fn pixel_format(b: u8) -> PixelFormat {
    [PixelFormat::Rgb8, PixelFormat::Bgr8, PixelFormat::Rgba8, PixelFormat::Bgra8][usize::from(b % 4)]
}

/// The error code analysing encoded `bytes` must give with `config` (0 = no input error):
/// computed independently of the pipeline from the decoding layers. An image: its decode. A
/// video (`ftyp`/EBML): the video layer with the engine's limits (no frame is an error). A
/// shot set (ZIP): the archive checks, then an error only when every sampled entry fails to
/// decode (the first entry's error).
pub fn bytes_status(bytes: &[u8], config: &EngineConfig) -> u32 {
    use ozinstant::report::SequenceKind;
    let code = |r: Result<(), Error>| r.err().map_or(0, |e| e.code());
    match ozinstant::sequence::kind_of(ozinstant::MediaRef::Bytes(bytes)) {
        Some(SequenceKind::Video) => {
            let v = &config.video;
            let options = ozinstant::video::VideoOptions {
                frames: v.frames,
                limits: ozinstant::video::VideoLimits {
                    max_bytes: config.limits.max_bytes_per_media,
                    max_duration_ms: v.max_duration_ms,
                    max_frames: v.max_frames,
                    max_pixels: v.max_pixels,
                    max_side: v.max_side,
                },
            };
            match ozinstant::video::decode(bytes, &options) {
                Ok(video) if video.frames.is_empty() => 3,
                other => code(other.map(drop)),
            }
        }
        Some(SequenceKind::ShotSet) => {
            let set = ozinstant::shotset::read(
                bytes,
                config.limits.max_bytes_per_media,
                &config.video.shot_set,
                config.video.frames,
            );
            match set {
                Err(e) => e.code(),
                Ok(set) => {
                    let codes: Vec<u32> = set
                        .entries
                        .iter()
                        .map(|e| code(ozinstant::decode::decode(&e.bytes, &config.limits).map(drop)))
                        .collect();
                    if codes.iter().all(|&c| c != 0) { codes.first().copied().unwrap_or(0) } else { 0 }
                }
            }
        }
        _ => code(ozinstant::decode::decode(bytes, &config.limits).map(drop)),
    }
}
