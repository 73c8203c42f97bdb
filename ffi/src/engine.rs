//! The engine handle and the analysis entry points. Each one checks its pointers, converts
//! its arguments and calls one method of [`ozinstant::Engine`]; nothing else happens here.

use std::ffi::{c_char, c_void};
use std::ptr;

use ozinstant::{
    AnalyzeOptions, Engine, EngineConfig, Error, FailReason, MediaRef, MediaResult, Request, RequestResult, Resolution,
};

use crate::boundary::{bytes, ffi_guard, optional_str, output, owned_c_string, required, required_path, status_call};
use crate::error::{ozi_error, ozi_status};
use crate::media::{frame_cap, ozi_media, pixel_format, to_owned_media};

/// A liveness engine: ONNX Runtime sessions for every model, a worker pool and counters.
/// Created by `ozi_engine_new`, freed by `ozi_engine_free`.
///
/// Thread-safe: one engine may be used from any number of threads at once (every function
/// takes it as `const`). Analyses of one media run on the calling thread; requests with several
/// media and submissions run on the engine's worker threads.
pub struct ozi_engine {
    pub(crate) engine: Engine,
}

/// Outcome of one analysis. Values are stable; a later version may add more, so code that
/// switches over them should also handle a value it does not know.
///
/// Without a `review_band` (the default) a verdict is `SUCCESS`, `DECLINED` or `FAILED`. With a
/// band `[low, high]` in the engine configuration or a call's options, a `confidence_spoofing`
/// inside it (inclusive) is `OPERATOR_REQUIRED` instead: hand the media to a person. A request's
/// folder-level `resolution` is `DECLINED` if any media was, else `FAILED` if any failed, else
/// `OPERATOR_REQUIRED` if any needs review, else `SUCCESS`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ozi_resolution {
    /// Live person: `confidence_spoofing` is below the threshold (and outside the review band).
    Success = 0,
    /// Attack (print, replay, mask...): `confidence_spoofing` is at or above the threshold (and
    /// outside the review band).
    Declined = 1,
    /// No verdict; `reason` says why.
    Failed = 2,
    /// Manual review: `confidence_spoofing` is inside the configured `review_band` (off by
    /// default; set it in the engine's JSON configuration or a call's options).
    OperatorRequired = 3,
}

/// Why an analysis is `OZI_RESOLUTION_FAILED`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ozi_fail_reason {
    /// Not failed (or no result at all: the call did not return `OZI_STATUS_OK`).
    None = 0,
    /// No face was found.
    NoFace = 1,
    /// More than one confident face and the face policy is `single`.
    MultipleFaces = 2,
    /// The quality gate failed; the JSON's `quality.failed` lists the checks.
    LowQuality = 3,
    /// The media could not be read or decoded (only in request results; single-media calls
    /// return the error status instead).
    InputError = 4,
}

/// The verdict of one media, for callers that do not want to parse JSON. Everything else
/// (faces, quality checks, timings, model scores, the frames of a video) is in the JSON.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ozi_verdict {
    /// `SUCCESS` (live), `DECLINED` (attack), `FAILED` (see `reason`) or `OPERATOR_REQUIRED`
    /// (the score is inside the configured review band).
    pub resolution: ozi_resolution,
    /// Why the media failed; `OZI_FAIL_REASON_NONE` unless `resolution` is `FAILED`.
    pub reason: ozi_fail_reason,
    /// True when `confidence_spoofing` was computed (a face was analysed).
    pub has_score: bool,
    /// Probability of an attack, 0..1, compared with the threshold (default 0.5, or the
    /// `security_level`'s) and the review band, if any; NaN when `has_score` is false. For a
    /// video, shot set or `FRAMES` media: the median over its usable frames.
    pub confidence_spoofing: f64,
}

impl ozi_verdict {
    /// What `verdict_out` holds when the call fails.
    const NONE: ozi_verdict = ozi_verdict {
        resolution: ozi_resolution::Failed,
        reason: ozi_fail_reason::None,
        has_score: false,
        confidence_spoofing: f64::NAN,
    };

    fn of(r: &MediaResult) -> ozi_verdict {
        ozi_verdict {
            resolution: match r.resolution {
                Resolution::Success => ozi_resolution::Success,
                Resolution::Declined => ozi_resolution::Declined,
                Resolution::Failed => ozi_resolution::Failed,
                Resolution::OperatorRequired => ozi_resolution::OperatorRequired,
            },
            reason: match r.reason {
                None => ozi_fail_reason::None,
                Some(FailReason::NoFace) => ozi_fail_reason::NoFace,
                Some(FailReason::MultipleFaces) => ozi_fail_reason::MultipleFaces,
                Some(FailReason::LowQuality) => ozi_fail_reason::LowQuality,
                Some(FailReason::InputError) => ozi_fail_reason::InputError,
            },
            has_score: r.confidence_spoofing.is_some(),
            confidence_spoofing: r.confidence_spoofing.unwrap_or(f64::NAN),
        }
    }
}

/// Receives the outcome of `ozi_engine_submit`, exactly once per accepted submission, on an
/// engine worker thread.
///
/// - `userdata`: the pointer given to `ozi_engine_submit`, untouched.
/// - `status`: `OZI_STATUS_OK` or the error's status.
/// - `json`: on success the request result JSON (same as `ozi_engine_analyze_request`), owned
///   by the callback: free it with `ozi_string_free`. NULL on error.
/// - `error`: on error the error, owned by the callback: free it with `ozi_error_free`. NULL on
///   success.
///
/// The callback must return (not longjmp or throw), should not block for long (it holds a
/// worker thread), may call any `ozi_` function, including `ozi_engine_submit`, except
/// `ozi_engine_free` on the engine it came from.
#[allow(non_camel_case_types)]
pub type ozi_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, status: ozi_status, json: *mut c_char, error: *mut ozi_error)>;

/// The caller's `userdata`, sent to the worker thread that runs the callback. The caller
/// promises (see `ozi_engine_submit`) that it may be used from another thread.
struct UserData(*mut c_void);

// SAFETY: the pointer is never dereferenced here, only handed back to the caller's callback;
// `ozi_engine_submit` documents that it is used on another thread.
unsafe impl Send for UserData {}

/// Creates an engine: loads ONNX Runtime (once per process), checks and loads every model and
/// starts the worker threads. Slow (tens to hundreds of milliseconds): create one engine and
/// share it.
///
/// - `config_json`: NULL or `""` for defaults, else a JSON object of engine settings, e.g.
///   `{"threads": 2, "threshold": 0.5, "ort_library_path": "/opt/ort/libonnxruntime.so"}`.
///   The verdict: `threshold` (0..1) or `security_level` (`"low"`, `"medium"`, `"high"`),
///   `review_band` (`[low, high]`, off by default). Liveness models: `liveness` {`models`
///   (`["minifasnet", "suri"]`, the default, or `["minifasnet"]`, the fast profile),
///   `fusion` (`"mean"` or `"max"`)}.
///   Videos and shot sets are set in `video`: `frames` (analysed per media, 1..=64, default
///   8), `min_usable_frames` (default 3), `max_duration_ms`, `max_frames`, `max_pixels`,
///   `max_side` and `shot_set` {`max_entries`, `max_entry_bytes`, `max_total_bytes`,
///   `max_compression_ratio`} (`docs/VIDEO.md`). Unknown keys are rejected
///   (`OZI_STATUS_INVALID_CONFIG`).
/// - `engine_out`: receives the engine (NULL on failure); free it with `ozi_engine_free`.
/// - `error_out`: NULL, or receives an error to free with `ozi_error_free` (NULL on success).
///
/// Typical failures: `OZI_STATUS_INVALID_CONFIG`, `OZI_STATUS_RUNTIME_NOT_FOUND` (the message
/// lists where it looked), `OZI_STATUS_MODEL_ERROR`, `OZI_STATUS_RUNTIME_ERROR`.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `engine_out` and `error_out` are NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_new(
    config_json: *const c_char,
    engine_out: *mut *mut ozi_engine,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        status_call(error_out, || {
            let engine_out = output(engine_out, "engine_out")?;
            let json = optional_str(config_json, "config_json")
                .map_err(|_| ozi_error::from(Error::Config("config_json is not UTF-8".to_owned())))?;
            let config = EngineConfig::from_json(json.unwrap_or(""))?;
            let engine = Engine::new(config)?;
            engine_out.set(Box::into_raw(Box::new(ozi_engine { engine })));
            Ok(())
        })
    }
}

/// Frees an engine. NULL is a no-op. Returns at once, without waiting.
///
/// Submissions already accepted by `ozi_engine_submit` are not cancelled: each holds a
/// reference to the engine, so their callbacks still run, on the engine's worker threads, after
/// this returns; the models and threads are released when the last of them has returned. Keep
/// every `userdata` alive until its callback ran. Must not be called from a callback of the
/// same engine, nor while another thread still uses `engine`. ONNX Runtime itself stays loaded
/// until the process exits. In a child created by `fork()`, freeing an inherited engine is safe:
/// its worker threads and sessions (which the child does not have) are leaked, not torn down.
///
/// # Safety
/// `engine` is NULL or an engine from `ozi_engine_new` that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_free(engine: *mut ozi_engine) {
    ffi_guard((), || {
        if !engine.is_null() {
            // SAFETY: `engine` came from `Box::into_raw` in `ozi_engine_new` and is freed once.
            drop(unsafe { Box::from_raw(engine) });
        }
    })
}

/// True when `engine` is loaded and accepts work (always, for an engine that was created, except
/// in a child process created by `fork()`); false for NULL. For readiness probes.
///
/// # Safety
/// `engine` is NULL or a live engine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_ready(engine: *const ozi_engine) -> bool {
    // SAFETY: NULL or live, by contract.
    ffi_guard(false, || unsafe { engine.as_ref() }.is_some_and(|e| e.engine.ready()))
}

/// Runs every model once on every worker thread so that the first real analyses are not
/// slower. Optional; blocks until done.
///
/// # Safety
/// `engine` is NULL or a live engine; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_warm_up(engine: *const ozi_engine, error_out: *mut *mut ozi_error) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        status_call(error_out, || {
            required(engine, "engine")?.engine.warm_up()?;
            Ok(())
        })
    }
}

/// Counters and the latency histogram as JSON (`requests_accepted`, `requests_completed`,
/// `requests_failed`, `busy_rejections`, `in_flight`, `max_in_flight`, `media`, `latency`).
///
/// - `json_out`: receives the JSON; free it with `ozi_string_free`.
///
/// # Safety
/// `engine` is NULL or a live engine; `json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_stats(
    engine: *const ozi_engine,
    json_out: *mut *mut c_char,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        status_call(error_out, || {
            let json_out = output(json_out, "json_out")?;
            let stats = required(engine, "engine")?.engine.stats();
            json_out.set(owned_c_string(serde_json::to_string(&stats).map_err(internal)?)?);
            Ok(())
        })
    }
}

/// What the engine runs with, as JSON: `version`, `runtime` (`library_path` of the ONNX Runtime
/// that was loaded and `found_by`), `models` (`id`, `sha256`, `source` of each) and the
/// effective `config`.
///
/// - `json_out`: receives the JSON; free it with `ozi_string_free`.
///
/// # Safety
/// `engine` is NULL or a live engine; `json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_info(
    engine: *const ozi_engine,
    json_out: *mut *mut c_char,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        status_call(error_out, || {
            let json_out = output(json_out, "json_out")?;
            let engine = &required(engine, "engine")?.engine;
            let info = serde_json::json!({
                "version": ozinstant::VERSION,
                "runtime": engine.runtime(),
                "models": engine.models(),
                "config": engine.config(),
            });
            json_out.set(owned_c_string(info.to_string())?);
            Ok(())
        })
    }
}

/// Analyses encoded bytes on the calling thread: an image (JPEG, PNG, WebP, BMP or GIF), a
/// video (MP4, MOV or WebM; H.264, HEVC or VP9) or a shot set (a ZIP archive of images), sniffed
/// from content. `data` is only read during the call.
///
/// A video or shot set is one media with one verdict: `video_frames` frames are sampled evenly
/// over it (first and last included), each is analysed like a photo, and the verdict is the
/// median `confidence_spoofing` over the usable frames (one good face and a score); with fewer
/// than `video.min_usable_frames` usable frames it is `FAILED` with the most frequent frame
/// failure as its reason. The best shot (highest quality score) gives the media's faces,
/// quality and liveness details.
///
/// - `options_json`: NULL or `""` for the engine's defaults, else a JSON object with any of
///   `threshold` (0..1), `security_level` (`"low"`, `"medium"`, `"high"`: a named threshold;
///   `threshold` wins), `review_band` (`[low, high]`: scores inside it are
///   `OZI_RESOLUTION_OPERATOR_REQUIRED`), `quality_gate` (bool), `face_policy` (`"single"` or
///   `"largest"`), `request_id` (1..128 printable ASCII characters, no spaces; default: a new UUID),
///   `video_frames` (frames analysed per video or shot set, 1..=64; default `video.frames` of
///   the engine config, 8).
/// - `verdict_out`: NULL, or receives the verdict.
/// - `json_out`: receives the media result JSON (`docs/media-result.schema.json`); free it with
///   `ozi_string_free`. A video or shot set adds a `sequence` object: `kind` (`"video"`,
///   `"shot_set"`, `"frames"`), `video` (container, codec, width, height, rotation,
///   duration_ms, frame_count, fps, colour; null unless a video), `total_frames`, `skipped_entries`,
///   `sampled`, `usable`, `min_usable`, `aggregation` (`"median_confidence_spoofing"`),
///   `best_shot` (`frame`, `index`, `timestamp_ms` or `name`, `quality_score`; null without a
///   usable frame) and `frames` (each sampled frame's `index`, `timestamp_ms` or `name`,
///   `resolution`, `reason`, `confidence_spoofing`, `face_score`, `quality_score`,
///   `quality_failed`, `error`, `total_ms`).
///
/// No face, several faces or poor quality are not errors: the status is `OZI_STATUS_OK` and the
/// verdict is `FAILED` with a reason. Input problems are errors (`OZI_STATUS_UNSUPPORTED_FORMAT`,
/// `OZI_STATUS_DECODE_FAILED`, `OZI_STATUS_MEDIA_TOO_LARGE`, `OZI_STATUS_UNSUPPORTED_CODEC`,
/// `OZI_STATUS_VIDEO_TOO_LONG`, `OZI_STATUS_ARCHIVE_REJECTED`, ...), as is `OZI_STATUS_BUSY`.
/// On any error `*json_out` is NULL and `*verdict_out` is `{FAILED, NONE, false, NaN}`.
///
/// # Safety
/// `engine` is NULL or a live engine; `data` is NULL or readable for `len` bytes;
/// `options_json` is NULL or NUL-terminated; `verdict_out`, `json_out` and `error_out` are NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_analyze_bytes(
    engine: *const ozi_engine,
    data: *const u8,
    len: usize,
    options_json: *const c_char,
    verdict_out: *mut ozi_verdict,
    json_out: *mut *mut c_char,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        analyze_single(engine, options_json, verdict_out, json_out, error_out, || {
            Ok((MediaRef::Bytes(bytes(data, len, "data")?), None))
        })
    }
}

/// Analyses a file, read by the engine, on the calling thread: an image, a video or a shot set
/// (sniffed from content, as for `ozi_engine_analyze_bytes`). The path is reported as `source`
/// in the JSON. A file that cannot be read is `OZI_STATUS_IO_ERROR`. Otherwise as
/// `ozi_engine_analyze_bytes` (options, `sequence` section, errors).
///
/// # Safety
/// `engine` is NULL or a live engine; `path` and `options_json` are NULL or NUL-terminated;
/// `verdict_out`, `json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_analyze_path(
    engine: *const ozi_engine,
    path: *const c_char,
    options_json: *const c_char,
    verdict_out: *mut ozi_verdict,
    json_out: *mut *mut c_char,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        analyze_single(engine, options_json, verdict_out, json_out, error_out, || {
            let path = required_path(path, "path")?;
            Ok((MediaRef::Path(path), Some(path.display().to_string())))
        })
    }
}

/// Analyses raw pixels the caller already holds, on the calling thread. `data` is only read
/// during the call.
///
/// - `format`: an `ozi_pixel_format` value.
/// - `width`, `height`: pixels, both at least 1.
/// - `stride`: bytes from one row to the next, 0 for tightly packed.
/// - `len`: bytes readable at `data`; must be at least
///   `stride * (height - 1) + width * bytes per pixel`.
///
/// A lying geometry (stride shorter than a row, `len` too small, unknown format) is
/// `OZI_STATUS_INVALID_INPUT`; nothing outside `data[0..len]` is ever read. Otherwise as
/// `ozi_engine_analyze_bytes`.
///
/// # Safety
/// `engine` is NULL or a live engine; `data` is NULL or readable for `len` bytes;
/// `options_json` is NULL or NUL-terminated; `verdict_out`, `json_out` and `error_out` are NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_analyze_pixels(
    engine: *const ozi_engine,
    data: *const u8,
    len: usize,
    format: u32,
    width: u32,
    height: u32,
    stride: usize,
    options_json: *const c_char,
    verdict_out: *mut ozi_verdict,
    json_out: *mut *mut c_char,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        analyze_single(engine, options_json, verdict_out, json_out, error_out, || {
            let data = bytes(data, len, "data")?;
            Ok((MediaRef::Pixels { data, format: pixel_format(format)?, width, height, stride }, None))
        })
    }
}

/// Analyses a request ("folder") of `count` media in parallel on the engine's worker threads
/// and waits for the result. Every media gets the same request id.
///
/// - `media`: array of `count` media (1 to `limits.max_media_per_request`, default 10, else
///   `OZI_STATUS_TOO_MANY_MEDIA`). Copied before the analysis starts. Each may be an image, a
///   video or a shot set (`BYTES`, `PATH`), raw pixels (`PIXELS`) or raw frames (`FRAMES`);
///   a video, shot set or `FRAMES` media is one entry with a `sequence` section, judged as
///   described at `ozi_engine_analyze_bytes`.
/// - `options_json`: as for `ozi_engine_analyze_bytes` (`video_frames` included); `request_id`
///   is reported in the JSON.
///   Requests also take the biometry keys (`docs/BIOMETRY.md`): `analyses`
///   (`["quality","biometry"]` compares every pair of faces), `biometry_threshold` (0..1),
///   `biometry_tags`, `quality_tags`, `return_embeddings` (bool) and `media_tags` (one Oz media
///   tag or `null` per media, in order, e.g. `[null,"photo_id_front"]`; liveness skips
///   document photos). Biometry compares the best shot of a video, shot set or `FRAMES` media.
/// - `json_out`: receives the request result JSON (`docs/result.schema.json`: `request_id`,
///   folder-level `resolution`, one entry per media in `media`, in order, each with its
///   `sequence` section when it has several frames, and `biometry` when asked for); free it
///   with `ozi_string_free`.
///
/// Media that cannot be read or decoded do not fail the call: they are `FAILED` entries with
/// reason `INPUT_ERROR` and an `error` object (`unsupported_codec`, `archive_rejected`,
/// `decode_failed`, `video_too_long` for a `FRAMES` media over `video.max_frames`, ...). The
/// call fails on request-level problems (NULL pointers, unknown kind or pixel format, a
/// `FRAMES` media with no frame, over 10000 frames or a frame that is not `PIXELS`, bad
/// options, busy, engine faults).
///
/// # Safety
/// `engine` is NULL or a live engine; `media` is NULL or points to `count` media whose pointers
/// are valid as documented on `ozi_media`; `options_json` is NULL or NUL-terminated; `json_out`
/// and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_analyze_request(
    engine: *const ozi_engine,
    media: *const ozi_media,
    count: usize,
    options_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        status_call(error_out, || {
            let json_out = output(json_out, "json_out")?;
            let engine = &required(engine, "engine")?.engine;
            let request = build_request(engine, media, count, options_json)?;
            let result = engine.analyze_request(request)?;
            json_out.set(owned_c_string(result.to_json())?);
            Ok(())
        })
    }
}

/// Queues a request on the engine's worker threads and returns at once. The outcome is handed
/// to `callback` (see `ozi_callback`), exactly once, on a worker thread.
///
/// - `media`, `count`, `options_json`: as for `ozi_engine_analyze_request`. Everything they
///   point to (bytes, pixels, every frame of a `FRAMES` media, paths, labels, options) is
///   copied before this function returns: the caller may free or reuse its buffers at once.
/// - `callback`: required.
/// - `userdata`: any pointer (may be NULL), passed back to `callback` untouched, on another
///   thread: it must stay valid, and be safe to use from that thread, until the callback ran.
///
/// On `OZI_STATUS_OK` the callback will run, even if `ozi_engine_free` is called meanwhile (but
/// not if the process exits first). On any other status, including `OZI_STATUS_BUSY`
/// (`max_in_flight` requests already in flight), nothing was queued and the callback is never
/// called.
///
/// # Safety
/// As `ozi_engine_analyze_request`; `callback` is NULL or a function with the `ozi_callback`
/// signature that is safe to call from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_submit(
    engine: *const ozi_engine,
    media: *const ozi_media,
    count: usize,
    options_json: *const c_char,
    callback: ozi_callback,
    userdata: *mut c_void,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        status_call(error_out, || {
            let engine = &required(engine, "engine")?.engine;
            let callback = callback.ok_or_else(|| ozi_error::null_argument("callback"))?;
            let request = build_request(engine, media, count, options_json)?;
            let userdata = UserData(userdata);
            engine.submit(request, move |result| deliver(callback, userdata, result))?;
            Ok(())
        })
    }
}

/// Common body of the single-media calls; `media` builds the borrowed content and its label.
///
/// # Safety
/// As the public single-media functions.
unsafe fn analyze_single<'a>(
    engine: *const ozi_engine,
    options_json: *const c_char,
    verdict_out: *mut ozi_verdict,
    json_out: *mut *mut c_char,
    error_out: *mut *mut ozi_error,
    media: impl FnOnce() -> Result<(MediaRef<'a>, Option<String>), ozi_error>,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented on the public functions.
    unsafe {
        status_call(error_out, || {
            let json_out = output(json_out, "json_out")?;
            if !verdict_out.is_null() {
                verdict_out.write(ozi_verdict::NONE);
            }
            let engine = &required(engine, "engine")?.engine;
            let (media, label) = media()?;
            let options = options(options_json)?;
            let result = engine.analyze_ref(media, label, &options)?;
            let json = owned_c_string(result.to_json())?;
            if !verdict_out.is_null() {
                verdict_out.write(ozi_verdict::of(&result));
            }
            json_out.set(json);
            Ok(())
        })
    }
}

/// Parses `options_json` (NULL = defaults).
///
/// # Safety
/// `options_json` is NULL or NUL-terminated.
unsafe fn options(options_json: *const c_char) -> Result<AnalyzeOptions, ozi_error> {
    // SAFETY: forwarded contract.
    let json = unsafe { optional_str(options_json, "options_json") }?;
    Ok(AnalyzeOptions::from_json(json.unwrap_or(""))?)
}

/// Copies `count` C media and the options into an owned core request. The count is checked
/// against the engine's limit before the array is read.
///
/// # Safety
/// `media` is NULL or points to `count` valid `ozi_media`; `options_json` is NULL or
/// NUL-terminated.
unsafe fn build_request(
    engine: &Engine,
    media: *const ozi_media,
    count: usize,
    options_json: *const c_char,
) -> Result<Request, ozi_error> {
    if media.is_null() {
        return Err(ozi_error::null_argument("media"));
    }
    let limit = engine.config().limits.max_media_per_request;
    if count == 0 || count > limit {
        return Err(Error::TooManyMedia { count, limit }.into());
    }
    // SAFETY: not NULL; `count` (bounded by the limit) elements readable by contract.
    let items = unsafe { std::slice::from_raw_parts(media, count) };
    let max_frames = frame_cap(engine.config().video.max_frames);
    let media = items
        .iter()
        .enumerate()
        // SAFETY: each element's pointers are valid by contract.
        .map(|(i, m)| unsafe { to_owned_media(m, i, max_frames) })
        .collect::<Result<Vec<_>, _>>()?;
    // SAFETY: forwarded contract.
    let options = unsafe { options(options_json) }?;
    Ok(Request::new(media).with_options(options))
}

/// Hands a submission's outcome to the C callback (runs on an engine worker thread).
fn deliver(
    callback: unsafe extern "C" fn(*mut c_void, ozi_status, *mut c_char, *mut ozi_error),
    userdata: UserData,
    result: ozinstant::Result<RequestResult>,
) {
    let outcome = result.map_err(ozi_error::from).and_then(|r| owned_c_string(r.to_json()));
    let (status, json, error) = match outcome {
        Ok(json) => (ozi_status::Ok, json, ptr::null_mut()),
        Err(e) => (e.status(), ptr::null_mut(), Box::into_raw(Box::new(e))),
    };
    // SAFETY: `ozi_engine_submit`'s caller promised a callback callable from this thread, and
    // ownership of `json` / `error` passes to it.
    unsafe { callback(userdata.0, status, json, error) };
}

/// A serialisation failure (a bug).
fn internal(e: serde_json::Error) -> ozi_error {
    ozi_error::new(ozi_status::InternalError, format!("internal error: {e}"))
}

/// `ORT_DISABLE_TELEMETRY=1` when the library is loaded (an ELF constructor: `.init_array`
/// runs at program start for a linked library, inside `dlopen` for a loaded one), before any
/// engine can load ONNX Runtime, and never over a value the user set. Stock ONNX Runtime ≥ 1.29
/// otherwise writes a device id under `~/.cache/Microsoft/`. The core sets the variable too when
/// it is still absent at the first `ozi_engine_new` (a static link may drop this constructor);
/// see `ozinstant::runtime::environment` for the race that leaves.
#[used]
#[unsafe(link_section = ".init_array")]
static DISABLE_ORT_TELEMETRY: extern "C" fn() = disable_ort_telemetry;

extern "C" fn disable_ort_telemetry() {
    // SAFETY: getenv/setenv on NUL-terminated literals. At program start no other thread
    // exists; inside dlopen, a host thread reading the environment at this moment is the one
    // race left (documented in the header and in docs/SECURITY.md). overwrite = 0: an explicit
    // value stays.
    unsafe { libc::setenv(c"ORT_DISABLE_TELEMETRY".as_ptr(), c"1".as_ptr(), 0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_engine_and_outputs() {
        let mut json: *mut c_char = ptr::null_mut();
        let mut err: *mut ozi_error = ptr::null_mut();
        let mut verdict = ozi_verdict { resolution: ozi_resolution::Success, ..ozi_verdict::NONE };
        let data = [0u8; 4];
        unsafe {
            let s =
                ozi_engine_analyze_bytes(ptr::null(), data.as_ptr(), 4, ptr::null(), &mut verdict, &mut json, &mut err);
            assert_eq!(s, ozi_status::NullArgument);
            assert!(json.is_null());
            assert_eq!(verdict.resolution, ozi_resolution::Failed);
            assert!(!err.is_null());
            crate::error::ozi_error_free(err);

            let s = ozi_engine_analyze_bytes(
                ptr::null(),
                data.as_ptr(),
                4,
                ptr::null(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
            );
            assert_eq!(s, ozi_status::NullArgument);
            assert!(!ozi_engine_ready(ptr::null()));
            assert_eq!(ozi_engine_warm_up(ptr::null(), ptr::null_mut()), ozi_status::NullArgument);
            assert_eq!(ozi_engine_stats(ptr::null(), &mut json, ptr::null_mut()), ozi_status::NullArgument);
            assert_eq!(ozi_engine_info(ptr::null(), &mut json, ptr::null_mut()), ozi_status::NullArgument);
            assert_eq!(
                ozi_engine_submit(ptr::null(), ptr::null(), 0, ptr::null(), None, ptr::null_mut(), ptr::null_mut()),
                ozi_status::NullArgument
            );
            ozi_engine_free(ptr::null_mut());
        }
    }

    #[test]
    fn engine_new_checks_before_loading_anything() {
        let mut engine: *mut ozi_engine = ptr::null_mut();
        let mut err: *mut ozi_error = ptr::null_mut();
        unsafe {
            assert_eq!(ozi_engine_new(ptr::null(), ptr::null_mut(), &mut err), ozi_status::NullArgument);
            crate::error::ozi_error_free(err);
            let s = ozi_engine_new(c"{\"threads\": ".as_ptr(), &mut engine, &mut err);
            assert_eq!(s, ozi_status::InvalidConfig);
            assert!(engine.is_null());
            assert_eq!(crate::error::ozi_error_code(err), ozi_status::InvalidConfig);
            crate::error::ozi_error_free(err);
            let s = ozi_engine_new(c"{\"no_such_key\": 1}".as_ptr(), &mut engine, ptr::null_mut());
            assert_eq!(s, ozi_status::InvalidConfig);
        }
    }

    #[test]
    fn verdict_of_result() {
        let err = Error::Decode("x".into());
        let r = MediaResult::from_error("id", 0, None, 0.5, &err);
        let v = ozi_verdict::of(&r);
        assert_eq!((v.resolution, v.reason, v.has_score), (ozi_resolution::Failed, ozi_fail_reason::InputError, false));
        assert!(v.confidence_spoofing.is_nan());
    }
}
