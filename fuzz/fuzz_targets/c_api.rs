//! Target 5: the C API (`ozi_*` of the ffi crate, linked as an rlib) driven from Rust with
//! fuzzed arguments: bytes, files, raw pixels, requests and submissions with fuzzed media
//! arrays, option and config JSON, NULL for any pointer that may be NULL, and the error
//! accessors. Needs ONNX Runtime.
//!
//! Pointers are never made to lie about their lengths (that would be the caller's undefined
//! behaviour, not a finding); everything else is fair game. Oracle: the status is predicted
//! independently where the contract fixes it (NULL arguments, media count, unknown kinds and
//! formats, bad options, raw pixel geometry, decodability), outputs are NULL/NONE exactly when
//! the call failed, every error object agrees with its status, results are valid JSON with one
//! entry per media, and a submission calls back exactly once with its own userdata.
#![no_main]

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, LazyLock, Mutex};
use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ozinstant::{AnalyzeOptions, EngineConfig, Limits};
use ozinstant_ffi::*;
use ozinstant_fuzz::{PixelsExpect, bytes_status, engine_config, pixel_format, pixels_expect, repeat_to};
use serde_json::Value;

struct EnginePtr(*mut ozi_engine);
// SAFETY: `ozi_engine` is documented thread-safe; the pointer is only shared, never freed.
unsafe impl Send for EnginePtr {}
unsafe impl Sync for EnginePtr {}

static ENGINE: LazyLock<EnginePtr> = LazyLock::new(|| {
    let config = CString::new(engine_config().to_json()).unwrap();
    let mut engine = ptr::null_mut();
    let mut error = ptr::null_mut();
    let status = unsafe { ozi_engine_new(config.as_ptr(), &mut engine, &mut error) };
    if status != ozi_status::Ok {
        let message = unsafe { CStr::from_ptr(ozi_error_message(error)) }.to_string_lossy().into_owned();
        eprintln!("ozi_engine_new failed (set ORT_DYLIB_PATH to libonnxruntime.so): {message}");
        std::process::exit(2);
    }
    EnginePtr(engine)
});

fn limits() -> Limits {
    engine_config().limits
}

/// Statuses an analysis may end with on fuzzed input (never a fault of the engine).
const INPUT_STATUSES: [u32; 9] = [0, 1, 2, 3, 4, 5, 6, 12, 100];

#[derive(Arbitrary, Debug)]
enum Options {
    Null,
    Empty,
    Raw(String),
    Built { threshold: Option<f64>, quality_gate: Option<bool>, largest: Option<bool>, request_id: Option<String> },
}

impl Options {
    /// The NUL-terminated text to pass (None = NULL).
    fn text(&self) -> Option<CString> {
        let text = match self {
            Options::Null => return None,
            Options::Empty => String::new(),
            Options::Raw(s) => s.clone(),
            Options::Built { threshold, quality_gate, largest, request_id } => {
                let mut o = serde_json::Map::new();
                if let Some(t) = threshold {
                    o.insert("threshold".into(), serde_json::json!(t));
                }
                if let Some(q) = quality_gate {
                    o.insert("quality_gate".into(), serde_json::json!(q));
                }
                if let Some(l) = largest {
                    o.insert("face_policy".into(), serde_json::json!(if *l { "largest" } else { "single" }));
                }
                if let Some(id) = request_id {
                    o.insert("request_id".into(), serde_json::json!(id));
                }
                Value::Object(o).to_string()
            }
        };
        Some(cstring(text.into_bytes()))
    }
}

fn cstring(mut bytes: Vec<u8>) -> CString {
    bytes.retain(|&b| b != 0);
    CString::new(bytes).unwrap()
}

fn options_valid(text: &Option<CString>) -> bool {
    match text {
        None => true,
        Some(c) => c.to_str().is_ok_and(|s| AnalyzeOptions::from_json(s).is_ok()),
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum PathChoice {
    /// A temporary file holding the op's `file` bytes.
    File,
    Missing,
    Directory,
    Empty,
    NotUtf8,
}

fn temp_file() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ozinstant-fuzz-c_api-{}.img", std::process::id()))
}

impl PathChoice {
    fn cstring(self) -> CString {
        match self {
            PathChoice::File => CString::new(temp_file().into_os_string().into_encoded_bytes()).unwrap(),
            PathChoice::Missing => c"/nonexistent/ozinstant-fuzz/none.jpg".to_owned(),
            PathChoice::Directory => CString::new(std::env::temp_dir().into_os_string().into_encoded_bytes()).unwrap(),
            PathChoice::Empty => c"".to_owned(),
            PathChoice::NotUtf8 => CString::new(b"/nonexistent/\xff\xfe.jpg".to_vec()).unwrap(),
        }
    }

    /// The status analysing this path must give (`file` = the temp file's content).
    fn expect(self, file: &[u8]) -> u32 {
        match self {
            PathChoice::File => decode_status(file),
            _ => 12,
        }
    }
}

/// The status decoding `bytes` gives (0 when it decodes): what analysing them must give.
fn decode_status(bytes: &[u8]) -> u32 {
    bytes_status(bytes, &engine_config())
}

fn pixels_status(len: usize, format: u32, width: u32, height: u32, stride: usize) -> u32 {
    if !(1..=4).contains(&format) {
        return 1;
    }
    match pixels_expect(len, pixel_format(format as u8 - 1), width, height, stride, &limits()) {
        PixelsExpect::Ok => 0,
        PixelsExpect::InvalidInput => 1,
        PixelsExpect::TooLarge => 5,
    }
}

#[derive(Arbitrary, Debug)]
struct FuzzMedia {
    kind: u8,
    null_pointer: bool,
    data: Vec<u8>,
    repeat_to: Option<u16>,
    path: PathChoice,
    label: Option<Vec<u8>>,
    format: u8,
    width: u16,
    height: u16,
    stride: u16,
}

impl FuzzMedia {
    fn kind(&self) -> u32 {
        match self.kind {
            255 => 0,
            254 => 4,
            253 => u32::MAX,
            k => 1 + u32::from(k % 3),
        }
    }
    fn format(&self) -> u32 {
        u32::from(self.format % 6)
    }
    fn data(&self) -> Vec<u8> {
        match self.repeat_to {
            Some(n) => repeat_to(&self.data, usize::from(n) * 16),
            None => self.data.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Bytes {
        data: Vec<u8>,
        options: Options,
        nulls: u8,
    },
    Path {
        path: PathChoice,
        file: Vec<u8>,
        options: Options,
        nulls: u8,
    },
    Pixels {
        format: u8,
        width: u16,
        height: u16,
        stride: u16,
        cut: u16,
        repeat_to: Option<u16>,
        data: Vec<u8>,
        options: Options,
        nulls: u8,
    },
    Request {
        media: Vec<FuzzMedia>,
        file: Vec<u8>,
        options: Options,
        nulls: u8,
    },
    Submit {
        media: Vec<FuzzMedia>,
        file: Vec<u8>,
        options: Options,
        null_callback: bool,
    },
    NewEngine {
        config: Vec<u8>,
    },
    Misc {
        status: u32,
    },
}

/// Checks an error output against the status and frees it.
unsafe fn check_error(status: ozi_status, error: *mut ozi_error, had_error_out: bool) {
    if !had_error_out {
        return;
    }
    if status == ozi_status::Ok {
        assert!(error.is_null(), "error set on success");
        return;
    }
    assert!(!error.is_null(), "no error object for status {status:?}");
    unsafe {
        assert_eq!(ozi_error_code(error), status);
        let name = CStr::from_ptr(ozi_error_name(error));
        assert_eq!(name, CStr::from_ptr(ozi_status_name(status as u32)));
        let message = CStr::from_ptr(ozi_error_message(error)).to_str().expect("message is UTF-8");
        assert!(!message.is_empty());
        ozi_error_free(error);
    }
}

/// Takes an owned JSON output: parses it and frees it.
unsafe fn take_json(json: *mut c_char) -> Value {
    assert!(!json.is_null(), "no JSON on success");
    let value =
        serde_json::from_str(unsafe { CStr::from_ptr(json) }.to_str().expect("JSON is UTF-8")).expect("JSON parses");
    unsafe { ozi_string_free(json) };
    value
}

fn resolution_name(r: ozi_resolution) -> &'static str {
    match r {
        ozi_resolution::Success => "SUCCESS",
        ozi_resolution::Declined => "DECLINED",
        ozi_resolution::Failed => "FAILED",
        ozi_resolution::OperatorRequired => "OPERATOR_REQUIRED",
    }
}

/// Runs one single-media call with the NULL pattern `nulls` and checks its outputs.
/// `expect` is the status predicted when no required pointer is NULL and the options are valid.
fn single(
    nulls: u8,
    options: &Options,
    expect: u32,
    call: impl FnOnce(
        *const ozi_engine,
        *const c_char,
        *mut ozi_verdict,
        *mut *mut c_char,
        *mut *mut ozi_error,
        bool,
    ) -> ozi_status,
) {
    let engine = if nulls & 1 != 0 { ptr::null() } else { ENGINE.0.cast_const() };
    let null_data = nulls & 2 != 0;
    let options = options.text();
    let mut verdict = ozi_verdict {
        resolution: ozi_resolution::Success,
        reason: ozi_fail_reason::LowQuality,
        has_score: true,
        confidence_spoofing: 7.0,
    };
    let mut json: *mut c_char = ptr::dangling_mut();
    let mut error: *mut ozi_error = ptr::dangling_mut();
    let verdict_out: *mut ozi_verdict = if nulls & 4 != 0 { ptr::null_mut() } else { &mut verdict };
    let json_out: *mut *mut c_char = if nulls & 8 != 0 { ptr::null_mut() } else { &mut json };
    let error_out: *mut *mut ozi_error = if nulls & 16 != 0 { ptr::null_mut() } else { &mut error };
    let options_ptr = options.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    let status = call(engine, options_ptr, verdict_out, json_out, error_out, null_data);
    let expected = if engine.is_null() || null_data || json_out.is_null() {
        100
    } else if !options_valid(&options) && expect != 1 {
        1
    } else {
        expect
    };
    assert_eq!(status as u32, expected, "status {status:?}");
    unsafe { check_error(status, error, !error_out.is_null()) };
    if json_out.is_null() {
        return;
    }
    if status == ozi_status::Ok {
        let value = unsafe { take_json(json) };
        if !verdict_out.is_null() {
            assert_eq!(value["resolution"], resolution_name(verdict.resolution));
            assert_eq!(verdict.has_score, value["confidence_spoofing"].is_number());
        }
    } else {
        assert!(json.is_null(), "json set on failure");
        if !verdict_out.is_null() {
            assert_eq!(
                (verdict.resolution, verdict.reason, verdict.has_score),
                (ozi_resolution::Failed, ozi_fail_reason::None, false)
            );
            assert!(verdict.confidence_spoofing.is_nan());
        }
    }
}

/// C media built from fuzzed ones, with the buffers they point into.
struct CMedia {
    media: Vec<ozi_media>,
    _keep: Vec<Vec<u8>>,
    _strings: Vec<CString>,
    /// Request-level status predicted from the array (before options), or None if fine.
    array_status: Option<u32>,
    /// Per media: the status its analysis must give (0 = analysed).
    media_status: Vec<u32>,
}

fn c_media(fuzzed: &[FuzzMedia], file: &[u8]) -> CMedia {
    let mut keep = Vec::new();
    let mut strings = Vec::new();
    let mut media = Vec::new();
    let mut array_status = None;
    let mut media_status = Vec::new();
    for f in fuzzed {
        let data = f.data();
        let label = f.label.as_ref().map(|l| cstring(l.clone()));
        let label_ok = label.as_ref().is_none_or(|l| l.to_str().is_ok());
        let path = f.path.cstring();
        let kind = f.kind();
        let m = ozi_media {
            kind,
            data: if f.null_pointer { ptr::null() } else { data.as_ptr() },
            len: data.len(),
            path: if f.null_pointer { ptr::null() } else { path.as_ptr() },
            format: f.format(),
            width: u32::from(f.width),
            height: u32::from(f.height),
            stride: usize::from(f.stride),
            label: label.as_ref().map_or(ptr::null(), |l| l.as_ptr()),
            frames: ptr::null(),
            frame_count: 0,
        };
        let status = if !(1..=3).contains(&kind) || !label_ok {
            Err(1)
        } else if f.null_pointer {
            Err(100)
        } else if kind == 1 {
            Ok(decode_status(&data))
        } else if kind == 2 {
            Ok(f.path.expect(file))
        } else if !(1..=4).contains(&m.format) {
            Err(1)
        } else {
            Ok(pixels_status(data.len(), m.format, m.width, m.height, m.stride))
        };
        match status {
            Err(s) => {
                array_status.get_or_insert(s);
            }
            Ok(s) => media_status.push(s),
        }
        media.push(m);
        keep.push(data);
        strings.push(path);
        strings.extend(label);
    }
    let limit = limits().max_media_per_request;
    if media.is_empty() || media.len() > limit {
        array_status = Some(6);
    }
    CMedia { media, _keep: keep, _strings: strings, array_status, media_status }
}

/// Checks a request result JSON against the predicted per-media statuses.
fn check_request_json(value: &Value, cm: &CMedia, options: &Option<CString>) {
    let media = value["media"].as_array().expect("media array");
    assert_eq!(media.len(), cm.media.len());
    for (i, (m, &expect)) in media.iter().zip(&cm.media_status).enumerate() {
        assert_eq!(m["media_index"], i);
        if expect == 0 {
            assert_ne!(m["reason"], "INPUT_ERROR", "media {i}: {m}");
        } else {
            assert_eq!(m["reason"], "INPUT_ERROR", "media {i}");
            assert_eq!(m["error"]["number"], expect, "media {i}: {m}");
        }
        assert_eq!(m["request_id"], value["request_id"]);
    }
    if let Some(id) = options
        .as_ref()
        .and_then(|o| serde_json::from_slice::<Value>(o.as_bytes()).ok())
        .and_then(|v| v["request_id"].as_str().map(str::to_owned))
    {
        assert_eq!(value["request_id"], id.as_str());
    }
}

fn write_file(file: &[u8]) {
    std::fs::write(temp_file(), file).expect("write the temporary file");
}

// --- submissions ------------------------------------------------------------------------------

struct Delivery {
    userdata: usize,
    status: ozi_status,
    json: Option<Value>,
}

static DELIVERED: Mutex<Vec<Delivery>> = Mutex::new(Vec::new());
static DELIVERED_CV: Condvar = Condvar::new();
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

unsafe extern "C" fn on_result(userdata: *mut c_void, status: ozi_status, json: *mut c_char, error: *mut ozi_error) {
    let value = if status == ozi_status::Ok {
        assert!(error.is_null());
        Some(unsafe { take_json(json) })
    } else {
        assert!(json.is_null());
        unsafe { check_error(status, error, true) };
        None
    };
    DELIVERED.lock().unwrap().push(Delivery { userdata: userdata as usize, status, json: value });
    DELIVERED_CV.notify_all();
}

fn submit(fuzzed: &[FuzzMedia], file: &[u8], options: &Options, null_callback: bool) {
    write_file(file);
    let cm = c_media(fuzzed, file);
    let text = options.text();
    let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed) as usize;
    let mut error: *mut ozi_error = ptr::dangling_mut();
    let callback: ozi_callback = if null_callback { None } else { Some(on_result) };
    let status = unsafe {
        ozi_engine_submit(
            ENGINE.0,
            cm.media.as_ptr(),
            cm.media.len(),
            text.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            callback,
            token as *mut c_void,
            &mut error,
        )
    };
    let expected = if null_callback {
        100
    } else if let Some(s) = cm.array_status {
        s
    } else if !options_valid(&text) {
        1
    } else {
        0
    };
    assert_eq!(status as u32, expected, "submit status {status:?}");
    unsafe { check_error(status, error, true) };
    let mut delivered = DELIVERED.lock().unwrap();
    if status == ozi_status::Ok {
        let (mut guard, timeout) =
            DELIVERED_CV.wait_timeout_while(delivered, Duration::from_secs(120), |d| d.is_empty()).unwrap();
        assert!(!timeout.timed_out(), "submit callback never ran");
        // A second delivery would show up here or at the next submission.
        std::thread::yield_now();
        let d = guard.pop().unwrap();
        assert!(guard.is_empty(), "more than one callback for one submission");
        assert_eq!(d.userdata, token, "userdata changed");
        assert_eq!(d.status, ozi_status::Ok, "a valid request failed in the worker");
        check_request_json(d.json.as_ref().unwrap(), &cm, &text);
        delivered = guard;
    }
    assert!(delivered.is_empty(), "callback for a submission that was not accepted");
}

// --- the target -------------------------------------------------------------------------------

fuzz_target!(|op: Op| {
    LazyLock::force(&ENGINE);
    match op {
        Op::Bytes { data, options, nulls } => {
            let expect = decode_status(&data);
            single(nulls, &options, expect, |e, o, v, j, err, null_data| unsafe {
                let p = if null_data { ptr::null() } else { data.as_ptr() };
                ozi_engine_analyze_bytes(e, p, data.len(), o, v, j, err)
            });
        }
        Op::Path { path, file, options, nulls } => {
            write_file(&file);
            let c = path.cstring();
            let expect = path.expect(&file);
            single(nulls, &options, expect, |e, o, v, j, err, null_path| unsafe {
                ozi_engine_analyze_path(e, if null_path { ptr::null() } else { c.as_ptr() }, o, v, j, err)
            });
        }
        Op::Pixels { format, width, height, stride, cut, repeat_to: fill, data, options, nulls } => {
            let data = match fill {
                Some(n) => repeat_to(&data, usize::from(n) * 16),
                None => data,
            };
            // `len` may understate the buffer (allowed), never overstate it.
            let len = data.len() - usize::from(cut) % (data.len() + 1);
            let format = u32::from(format % 6);
            let (width, height, stride) = (u32::from(width), u32::from(height), usize::from(stride));
            let expect = pixels_status(len, format, width, height, stride);
            single(nulls, &options, expect, |e, o, v, j, err, null_data| unsafe {
                let p = if null_data { ptr::null() } else { data.as_ptr() };
                ozi_engine_analyze_pixels(e, p, len, format, width, height, stride, o, v, j, err)
            });
        }
        Op::Request { mut media, file, options, nulls } => {
            media.truncate(12);
            write_file(&file);
            let cm = c_media(&media, &file);
            let text = options.text();
            let engine = if nulls & 1 != 0 { ptr::null() } else { ENGINE.0.cast_const() };
            let array = if nulls & 2 != 0 { ptr::null() } else { cm.media.as_ptr() };
            let mut json: *mut c_char = ptr::dangling_mut();
            let mut error: *mut ozi_error = ptr::dangling_mut();
            let json_out: *mut *mut c_char = if nulls & 4 != 0 { ptr::null_mut() } else { &mut json };
            let error_out: *mut *mut ozi_error = if nulls & 8 != 0 { ptr::null_mut() } else { &mut error };
            let options_ptr = text.as_ref().map_or(ptr::null(), |c| c.as_ptr());
            let status =
                unsafe { ozi_engine_analyze_request(engine, array, cm.media.len(), options_ptr, json_out, error_out) };
            let expected = if json_out.is_null() || engine.is_null() || array.is_null() {
                100
            } else if let Some(s) = cm.array_status {
                s
            } else if !options_valid(&text) {
                1
            } else {
                0
            };
            assert_eq!(status as u32, expected, "request status {status:?}");
            assert!(INPUT_STATUSES.contains(&(status as u32)));
            unsafe { check_error(status, error, !error_out.is_null()) };
            if !json_out.is_null() {
                if status == ozi_status::Ok {
                    check_request_json(&unsafe { take_json(json) }, &cm, &text);
                } else {
                    assert!(json.is_null());
                }
            }
        }
        Op::Submit { mut media, file, options, null_callback } => {
            media.truncate(12);
            submit(&media, &file, &options, null_callback);
        }
        Op::NewEngine { config } => {
            let c = cstring(config);
            // Only configurations that must be rejected: a valid one would build a second
            // engine (models, threads) per input.
            if c.to_str().is_ok_and(|s| EngineConfig::from_json(s).is_ok()) {
                return;
            }
            let mut engine: *mut ozi_engine = ptr::dangling_mut();
            let mut error: *mut ozi_error = ptr::dangling_mut();
            let status = unsafe { ozi_engine_new(c.as_ptr(), &mut engine, &mut error) };
            assert_eq!(status, ozi_status::InvalidConfig);
            assert!(engine.is_null());
            unsafe { check_error(status, error, true) };
        }
        Op::Misc { status } => unsafe {
            let name = CStr::from_ptr(ozi_status_name(status)).to_str().unwrap();
            assert!(!name.is_empty());
            assert!(CStr::from_ptr(ozi_version()).to_str().is_ok());
            assert!(ozi_engine_ready(ENGINE.0));
            assert!(!ozi_engine_ready(ptr::null()));
            assert_eq!(ozi_error_code(ptr::null()), ozi_status::NullArgument);
            assert!(!ozi_error_message(ptr::null()).is_null());
            ozi_error_free(ptr::null_mut());
            ozi_string_free(ptr::null_mut());
            for f in [ozi_engine_stats, ozi_engine_info] {
                let mut json = ptr::null_mut();
                assert_eq!(f(ENGINE.0, &mut json, ptr::null_mut()), ozi_status::Ok);
                assert!(take_json(json).is_object());
                assert_eq!(f(ptr::null(), &mut json, ptr::null_mut()), ozi_status::NullArgument);
                assert_eq!(f(ENGINE.0, ptr::null_mut(), ptr::null_mut()), ozi_status::NullArgument);
            }
        },
    }
});
