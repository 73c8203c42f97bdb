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

use std::path::Path;

use napi::bindgen_prelude::{AsyncTask, Either, JsObjectValue, Object, Uint8Array};
use napi::{Env, JsError, JsValue, Task};
use napi_derive::napi;
use ozinstant::{AnalyzeOptions, Engine, EngineConfig, Media, MediaRef, PixelFormat, Request, Reservation};

/// Version of the ozinstant engine; the npm package carries the same number.
#[napi]
pub const VERSION: &str = ozinstant::VERSION;

/// Stable error codes: snake_case name → number (the same table as the C enum).
#[napi]
pub fn error_codes() -> std::collections::BTreeMap<String, u32> {
    ozinstant::Error::CODES.iter().map(|(n, name)| ((*name).to_owned(), *n)).collect()
}

/// One media as JavaScript hands it over: encoded bytes (a `Buffer` or any `Uint8Array`) or a
/// file path. (Spelt out in the `#[napi]` signatures so that the generated `.d.ts` says
/// `Uint8Array | string`.)
type JsInput = Either<Uint8Array, String>;

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

/// Owned copy of an input, for the core calls that take their media (requests, batches).
/// Paths keep their text as the reported `source`, like [`Media::path`].
fn to_media(input: &JsInput) -> Media {
    match input {
        Either::A(bytes) => Media::bytes(bytes.to_vec()),
        Either::B(path) => Media::path(path),
    }
}

/// Analyses one borrowed input on the calling thread; returns the `MediaResult` JSON.
fn analyze_input(engine: &Engine, input: &JsInput, options_json: Option<&str>) -> ozinstant::Result<String> {
    let options = parse_options(options_json)?;
    let result = match input {
        Either::A(bytes) => engine.analyze_ref(MediaRef::Bytes(bytes), None, &options)?,
        Either::B(path) => engine.analyze_ref(MediaRef::Path(Path::new(path)), Some(path.clone()), &options)?,
    };
    Ok(result.to_json())
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
    Analyze(JsInput),
    /// Raw pixels → `MediaResult`.
    Pixels(Pixels),
    /// One request per input → `RequestResult[]`.
    Batch(Vec<JsInput>),
    /// One request holding every input → `RequestResult`.
    Request(Vec<JsInput>),
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
        match &self.job {
            Job::Analyze(input) => {
                let Some(slot) = slot else { return analyze_input(&self.engine, input, options) };
                let options = parse_options(options)?;
                let result = match input {
                    Either::A(bytes) => slot.analyze_ref(MediaRef::Bytes(bytes), None, &options)?,
                    Either::B(path) => {
                        slot.analyze_ref(MediaRef::Path(Path::new(path)), Some(path.clone()), &options)?
                    }
                };
                Ok(result.to_json())
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
                let requests =
                    inputs.iter().map(|i| Request::new(vec![to_media(i)]).with_options(options.clone())).collect();
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
                let request = Request::new(inputs.iter().map(to_media).collect()).with_options(options);
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

    /// Analyses encoded bytes or a file off the main thread → `MediaResult` JSON. The buffer
    /// is borrowed, not copied: do not modify it until the promise settles.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn analyze(&self, input: Either<Uint8Array, String>, options_json: Option<String>) -> AsyncTask<EngineTask> {
        self.task(Job::Analyze(input), options_json)
    }

    /// Same as `analyze`, on the calling (main) thread.
    #[napi]
    pub fn analyze_sync(
        &self,
        env: Env,
        input: Either<Uint8Array, String>,
        options_json: Option<String>,
    ) -> napi::Result<String> {
        settle(&env, analyze_input(&self.engine, &input, options_json.as_deref()))
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
        inputs: Vec<Either<Uint8Array, String>>,
        options_json: Option<String>,
    ) -> AsyncTask<EngineTask> {
        self.task(Job::Batch(inputs), options_json)
    }

    /// One request ("folder") holding every input → `RequestResult` JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn analyze_request(
        &self,
        inputs: Vec<Either<Uint8Array, String>>,
        options_json: Option<String>,
    ) -> AsyncTask<EngineTask> {
        self.task(Job::Request(inputs), options_json)
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

    /// The configuration in force (defaults filled in) → `EngineConfig` JSON.
    #[napi(getter)]
    pub fn config(&self) -> String {
        self.engine.config().to_json()
    }
}
