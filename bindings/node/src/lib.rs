//! Node.js bindings of ozinstant: the native half of the `ozinstant` npm package.
//!
//! Thin by design: this crate converts inputs, options and errors and picks the thread; the
//! analysis, its validation and the result format all live in the core. The public JavaScript
//! API (`index.js`) wraps [`NativeEngine`]; it finds ONNX Runtime in the `onnxruntime-node`
//! package and maps camelCase options to the core's JSON.
//!
//! * Results cross the boundary as the core's JSON text (`MediaResult::to_json`, ...), so the
//!   objects JavaScript sees are exactly the Rust JSON.
//! * Options and configuration cross it as JSON text too, parsed by the core
//!   ([`AnalyzeOptions::from_json`], [`EngineConfig::from_json`]), which rejects unknown keys.
//! * Errors are JavaScript `Error`s with `code` = [`Error::name`](ozinstant::Error::name) and
//!   `number` = [`Error::code`](ozinstant::Error::code).
//! * Asynchronous methods are napi `AsyncTask`s: the work runs on libuv's thread pool and the
//!   event loop stays free. Batches and requests of several media then fan out on the engine's
//!   own pool.
//! * Encoded media (images, videos, shot sets) are borrowed until the task settles; raw frames
//!   (`{ frames: [...] }`) are checked and copied on the calling thread, before the task is
//!   queued, and the copies are zeroized by the core after the analysis.

use std::path::Path;

use napi::bindgen_prelude::{AsyncTask, Either3, JsObjectValue, Object, Uint8Array};
use napi::{Env, JsError, JsValue, Task};
use napi_derive::napi;
use ozinstant::{AnalyzeOptions, Engine, EngineConfig, Media, MediaRef, PixelFormat, RawFrame, Request, Reservation};

/// Version of the ozinstant engine; the npm package carries the same number.
#[napi]
pub const VERSION: &str = ozinstant::VERSION;

/// Stable error codes: snake_case name → number (the same table as the C enum).
#[napi]
pub fn error_codes() -> std::collections::BTreeMap<String, u32> {
    ozinstant::Error::CODES.iter().map(|(n, name)| ((*name).to_owned(), *n)).collect()
}

/// Verifies a signed result (its JSON text, as an analysis returned it or as it was received)
/// against an Ed25519 public key: SPKI PEM, SPKI DER or the raw 32 bytes; with `key_id`, the
/// attestation must also name that key. Returns `{payload, key_id, issued_at, nonce,
/// nested_verified}` JSON (`payload`: the signed value). A result that does not verify fails
/// with `invalid_input` (message starting `invalid input: attestation`); a key or key id that
/// cannot be used, with `invalid_config`.
#[napi]
pub fn verify_result(
    env: Env,
    result_json: String,
    public_key: Uint8Array,
    key_id: Option<String>,
) -> napi::Result<String> {
    settle(&env, verify_json(&result_json, &public_key, key_id.as_deref()))
}

fn verify_json(result_json: &str, public_key: &[u8], key_id: Option<&str>) -> ozinstant::Result<String> {
    Ok(ozinstant::attest::verify_result_with_key_bytes(result_json, public_key, key_id)?.to_json().to_string())
}

/// One raw frame of a frames media, as `index.js` hands it over (types already checked there;
/// the geometry is checked here, against the data, before anything is copied).
#[napi(object, object_to_js = false)]
pub struct NativeFrame {
    /// Pixel rows, top to bottom.
    pub data: Uint8Array,
    /// `rgb8`, `bgr8`, `rgba8` or `bgra8`.
    pub format: String,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Bytes from one row's start to the next; 0 = tightly packed.
    pub stride: u32,
}

/// Raw frames forming one media (the frames of a selfie video or a shot set held in memory):
/// one verdict aggregated over them.
#[napi(object, object_to_js = false)]
pub struct NativeFrames {
    /// At least one frame.
    pub frames: Vec<NativeFrame>,
}

/// One media as JavaScript hands it over: encoded bytes (a `Buffer` or any `Uint8Array`: an
/// image, a video or a shot set), a file path, or raw frames. (Spelt out in the `#[napi]`
/// signatures so that the generated `.d.ts` says `Uint8Array | string | NativeFrames`.)
type JsInput = Either3<Uint8Array, String, NativeFrames>;

/// A media ready for a task: encoded bytes borrowed until the task settles, a path, or raw
/// frames already copied (and zeroized by the core when dropped).
pub enum Input {
    /// Encoded bytes (borrowed from JavaScript).
    Bytes(Uint8Array),
    /// A file path, also reported as `source`.
    Path(String),
    /// Checked, owned copies of raw frames.
    Frames(Vec<RawFrame>),
}

impl Input {
    /// Checks and copies raw frames; bytes and paths pass through.
    fn from_js(input: JsInput) -> ozinstant::Result<Input> {
        match input {
            Either3::A(bytes) => Ok(Input::Bytes(bytes)),
            Either3::B(path) => Ok(Input::Path(path)),
            Either3::C(frames) => {
                if frames.frames.is_empty() {
                    return Err(ozinstant::Error::InvalidInput("a frames media needs at least one frame".into()));
                }
                let mut out = Vec::with_capacity(frames.frames.len());
                for (i, f) in frames.frames.iter().enumerate() {
                    out.push(copy_frame(f).map_err(|e| match e {
                        ozinstant::Error::InvalidInput(m) => ozinstant::Error::InvalidInput(format!("frame {i}: {m}")),
                        other => other,
                    })?);
                }
                Ok(Input::Frames(out))
            }
        }
    }

    /// Borrowed view for the core, and the label reported as `source` (paths only).
    fn media_ref(&self) -> (MediaRef<'_>, Option<String>) {
        match self {
            Input::Bytes(bytes) => (MediaRef::Bytes(bytes), None),
            Input::Path(path) => (MediaRef::Path(Path::new(path)), Some(path.clone())),
            Input::Frames(frames) => (MediaRef::Frames(frames), None),
        }
    }

    /// Owned media, for the core calls that take their media (requests, batches). Bytes are
    /// copied (the `Uint8Array` itself stays in the task, released on the main thread); paths
    /// keep their text as the reported `source`, like [`Media::path`]; frames move out (no
    /// second copy), which leaves this input empty.
    fn take_media(&mut self) -> Media {
        match self {
            Input::Bytes(bytes) => Media::bytes(bytes.to_vec()),
            Input::Path(path) => Media::path(path.as_str()),
            Input::Frames(frames) => Media::frames(std::mem::take(frames)),
        }
    }
}

/// [`Input::from_js`] for every input; an error names the input's position.
fn inputs_from_js(inputs: Vec<JsInput>) -> ozinstant::Result<Vec<Input>> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            Input::from_js(input).map_err(|e| match e {
                ozinstant::Error::InvalidInput(m) => ozinstant::Error::InvalidInput(format!("media {i}: {m}")),
                other => other,
            })
        })
        .collect()
}

/// Checks one frame's geometry against its data (the core's rules for raw pixels) and copies
/// the bytes it covers. Size limits (`max_pixels`, `max_dimension`) are left to the core.
fn copy_frame(f: &NativeFrame) -> ozinstant::Result<RawFrame> {
    let format = parse_format(&f.format)?;
    let (width, height, stride) = (f.width, f.height, f.stride as usize);
    if width == 0 || height == 0 {
        return Err(ozinstant::Error::InvalidInput(format!("raw frame has zero size ({width}x{height})")));
    }
    let overflow =
        || ozinstant::Error::InvalidInput(format!("raw frame geometry overflows ({width}x{height}, stride {stride})"));
    let row_bytes = (width as usize).checked_mul(format.bytes_per_pixel()).ok_or_else(overflow)?;
    let stride = if stride == 0 { row_bytes } else { stride };
    if stride < row_bytes {
        return Err(ozinstant::Error::InvalidInput(format!(
            "stride of {stride} bytes is shorter than one row of {width} {} pixels ({row_bytes} bytes)",
            format.name()
        )));
    }
    let needed = stride.checked_mul(height as usize - 1).and_then(|v| v.checked_add(row_bytes)).ok_or_else(overflow)?;
    if f.data.len() < needed {
        return Err(ozinstant::Error::InvalidInput(format!(
            "raw buffer holds {} bytes, {width}x{height} {} with stride {stride} needs {needed}",
            f.data.len(),
            format.name()
        )));
    }
    Ok(RawFrame::new(&f.data[..needed], format, width, height, stride))
}

/// Builds the JavaScript error for a core error: `message`, `code` (snake_case name) and
/// `number` (numeric code).
fn js_error(env: &Env, e: &ozinstant::Error) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let error = JsError::from(napi::Error::new(e.name(), e.to_string())).into_unknown(*env);
        let mut object: Object = error.coerce_to_object()?;
        object.set_named_property("number", e.code())?;
        Ok(napi::Error::from(object.to_unknown()))
    };
    build().unwrap_or_else(|_| napi::Error::from_reason(format!("{} ({}): {e}", e.name(), e.code())))
}

/// Converts a core result to JSON text or a JavaScript error.
fn settle(env: &Env, result: ozinstant::Result<String>) -> napi::Result<String> {
    result.map_err(|e| js_error(env, &e))
}

fn parse_options(json: Option<&str>) -> ozinstant::Result<AnalyzeOptions> {
    AnalyzeOptions::from_json(json.unwrap_or(""))
}

fn parse_format(format: &str) -> ozinstant::Result<PixelFormat> {
    serde_json::from_value(serde_json::Value::String(format.to_owned())).map_err(|_| {
        ozinstant::Error::InvalidInput(format!("unknown pixel format {format:?}; expected rgb8, bgr8, rgba8 or bgra8"))
    })
}

/// Analyses one input on the calling thread; returns the `MediaResult` JSON.
fn analyze_input(engine: &Engine, input: &Input, options_json: Option<&str>) -> ozinstant::Result<String> {
    let options = parse_options(options_json)?;
    let (media, label) = input.media_ref();
    Ok(engine.analyze_ref(media, label, &options)?.to_json())
}

/// Raw pixels handed over by JavaScript (borrowed until the task settles).
pub struct Pixels {
    data: Uint8Array,
    format: String,
    width: u32,
    height: u32,
    stride: u32,
}

/// What one asynchronous call does off the main thread.
pub enum Job {
    /// One media → `MediaResult`.
    Analyze(Input),
    /// Raw pixels → `MediaResult`.
    Pixels(Pixels),
    /// One request per input → `RequestResult[]`.
    Batch(Vec<Input>),
    /// One request holding every input → `RequestResult`.
    Request(Vec<Input>),
    /// Runs every model once on every worker → nothing.
    WarmUp,
}

/// An analysis running on libuv's thread pool; resolves to JSON text.
///
/// The engine slot is reserved when the JavaScript call is made (on the main thread), not when
/// libuv gets round to the task: a full engine rejects with `busy` at once, and libuv's queue
/// never holds more analyses than `max_in_flight`.
pub struct EngineTask {
    engine: Engine,
    job: Job,
    options_json: Option<String>,
    /// The slot taken at call time (`None` for jobs that need none, such as warm-up).
    slot: Option<ozinstant::Result<Reservation>>,
}

impl EngineTask {
    fn run(&mut self) -> ozinstant::Result<String> {
        let slot = match self.slot.take() {
            Some(slot) => Some(slot?),
            None => None,
        };
        let options = self.options_json.as_deref();
        match &mut self.job {
            Job::Analyze(input) => {
                let Some(slot) = slot else { return analyze_input(&self.engine, input, options) };
                let options = parse_options(options)?;
                let (media, label) = input.media_ref();
                Ok(slot.analyze_ref(media, label, &options)?.to_json())
            }
            Job::Pixels(p) => {
                let options = parse_options(options)?;
                let format = parse_format(&p.format)?;
                let media = MediaRef::Pixels {
                    data: &p.data,
                    format,
                    width: p.width,
                    height: p.height,
                    stride: p.stride as usize,
                };
                match slot {
                    Some(slot) => Ok(slot.analyze_ref(media, None, &options)?.to_json()),
                    None => Ok(self.engine.analyze_ref(media, None, &options)?.to_json()),
                }
            }
            Job::Batch(inputs) => {
                let options = parse_options(options)?;
                let requests = inputs
                    .iter_mut()
                    .map(|i| Request::new(vec![i.take_media()]).with_options(options.clone()))
                    .collect();
                let results = match slot {
                    Some(slot) => slot.analyze_batch(requests),
                    None => self.engine.analyze_batch(requests)?,
                };
                let mut json = Vec::with_capacity(results.len());
                for r in results {
                    json.push(r?.to_json());
                }
                Ok(format!("[{}]", json.join(",")))
            }
            Job::Request(inputs) => {
                let options = parse_options(options)?;
                let request = Request::new(inputs.iter_mut().map(Input::take_media).collect()).with_options(options);
                match slot {
                    Some(slot) => Ok(slot.analyze_request(request)?.to_json()),
                    None => Ok(self.engine.analyze_request(request)?.to_json()),
                }
            }
            Job::WarmUp => self.engine.warm_up().map(|()| "null".to_owned()),
        }
    }
}

impl Task for EngineTask {
    type Output = ozinstant::Result<String>;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(self.run())
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<String> {
        settle(&env, output)
    }
}

/// The native engine. Every result is the core's JSON text; `index.js` parses it.
#[napi]
pub struct NativeEngine {
    engine: Engine,
}

#[napi]
impl NativeEngine {
    /// Loads ONNX Runtime and the models. `config_json` is an `EngineConfig` JSON object
    /// (snake_case keys; unknown keys fail with `invalid_config`).
    #[napi(constructor)]
    pub fn new(env: Env, config_json: Option<String>) -> napi::Result<Self> {
        let engine = EngineConfig::from_json(config_json.as_deref().unwrap_or("")).and_then(Engine::new);
        engine.map(|engine| NativeEngine { engine }).map_err(|e| js_error(&env, &e))
    }

    fn task(&self, job: Job, options_json: Option<String>) -> AsyncTask<EngineTask> {
        let slot = match job {
            Job::WarmUp => None,
            _ => Some(self.engine.reserve()),
        };
        AsyncTask::new(EngineTask { engine: self.engine.clone(), job, options_json, slot })
    }

    /// Analyses encoded bytes (an image, a video or a shot set), a file, or raw frames off the
    /// main thread → `MediaResult` JSON. A buffer is borrowed, not copied: do not modify it
    /// until the promise settles. Raw frames are checked and copied before this returns.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn analyze(
        &self,
        env: Env,
        input: Either3<Uint8Array, String, NativeFrames>,
        options_json: Option<String>,
    ) -> napi::Result<AsyncTask<EngineTask>> {
        let input = Input::from_js(input).map_err(|e| js_error(&env, &e))?;
        Ok(self.task(Job::Analyze(input), options_json))
    }

    /// Same as `analyze`, on the calling (main) thread.
    #[napi]
    pub fn analyze_sync(
        &self,
        env: Env,
        input: Either3<Uint8Array, String, NativeFrames>,
        options_json: Option<String>,
    ) -> napi::Result<String> {
        let result = Input::from_js(input).and_then(|i| analyze_input(&self.engine, &i, options_json.as_deref()));
        settle(&env, result)
    }

    /// Analyses raw pixels (`rgb8`, `bgr8`, `rgba8`, `bgra8`; `stride` in bytes, 0 = packed)
    /// off the main thread → `MediaResult` JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn analyze_pixels(
        &self,
        data: Uint8Array,
        width: u32,
        height: u32,
        format: String,
        stride: u32,
        options_json: Option<String>,
    ) -> AsyncTask<EngineTask> {
        self.task(Job::Pixels(Pixels { data, format, width, height, stride }), options_json)
    }

    /// One request per input, across the engine's pool → JSON array of `RequestResult`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn analyze_batch(
        &self,
        env: Env,
        inputs: Vec<Either3<Uint8Array, String, NativeFrames>>,
        options_json: Option<String>,
    ) -> napi::Result<AsyncTask<EngineTask>> {
        let inputs = inputs_from_js(inputs).map_err(|e| js_error(&env, &e))?;
        Ok(self.task(Job::Batch(inputs), options_json))
    }

    /// One request ("folder") holding every input → `RequestResult` JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn analyze_request(
        &self,
        env: Env,
        inputs: Vec<Either3<Uint8Array, String, NativeFrames>>,
        options_json: Option<String>,
    ) -> napi::Result<AsyncTask<EngineTask>> {
        let inputs = inputs_from_js(inputs).map_err(|e| js_error(&env, &e))?;
        Ok(self.task(Job::Request(inputs), options_json))
    }

    /// True once the models are loaded and the engine accepts work.
    #[napi]
    pub fn ready(&self) -> bool {
        self.engine.ready()
    }

    /// Runs every model once on every worker, off the main thread; resolves to `"null"`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn warm_up(&self) -> AsyncTask<EngineTask> {
        self.task(Job::WarmUp, None)
    }

    /// Counters and latency histogram → `Stats` JSON.
    #[napi]
    pub fn stats(&self) -> String {
        serde_json::to_string(&self.engine.stats()).unwrap_or_default()
    }

    /// Loaded models (id, sha256, source) → JSON array.
    #[napi(getter)]
    pub fn models(&self) -> String {
        serde_json::to_string(self.engine.models()).unwrap_or_default()
    }

    /// Where ONNX Runtime was loaded from → `{library_path, found_by}` JSON.
    #[napi(getter)]
    pub fn runtime(&self) -> String {
        serde_json::to_string(self.engine.runtime()).unwrap_or_default()
    }

    /// The public key results are signed with, as an SPKI PEM; `null` without a signing key.
    #[napi(getter)]
    pub fn public_key_pem(&self) -> Option<String> {
        self.engine.verifying_key().map(|k| k.to_spki_pem())
    }

    /// The signing key's id (`attestation.key_id`); `null` without a signing key.
    #[napi(getter)]
    pub fn key_id(&self) -> Option<String> {
        self.engine.verifying_key().and_then(|k| k.key_id().map(str::to_owned))
    }

    /// The configuration in force (defaults filled in) → `EngineConfig` JSON.
    #[napi(getter)]
    pub fn config(&self) -> String {
        self.engine.config().to_json()
    }
}
