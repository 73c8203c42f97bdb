//! Python bindings of ozinstant: the native half of the `ozinstant` package (`ozinstant._ozinstant`).
//!
//! Deliberately thin. It converts Python inputs into borrowed [`MediaRef`]s (or owned [`Media`]
//! where the core needs ownership; raw frames are always copied into [`RawFrame`]s, with the
//! GIL released), runs the core with the GIL released (`py.detach`), hands
//! results back as the core's JSON text, and maps [`Error`]s onto the exception classes defined
//! in `python/ozinstant/_errors.py` by [`Error::category`], [`Error::code`] and [`Error::name`].
//! Everything else (keyword arguments, result objects, asyncio futures) lives in the Python
//! layer, and every decision about images lives in the core.

use std::path::{Path, PathBuf};

use ozinstant::{
    AnalyzeOptions, Engine, EngineConfig, Error, ErrorCategory, Media, MediaRef, MediaResult, MediaTag, PixelFormat,
    RawFrame, Request, RequestResult,
};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

/// Name of the Python module holding the exception classes and `_from_native`.
const ERRORS_MODULE: &str = "ozinstant._errors";

/// Host-facing name of an error category (the keys of `_errors._CATEGORY_CLASSES`).
fn category_name(category: ErrorCategory) -> &'static str {
    match category {
        ErrorCategory::InvalidInput => "invalid_input",
        ErrorCategory::Busy => "busy",
        ErrorCategory::RuntimeNotFound => "runtime_not_found",
        ErrorCategory::Model => "model",
        ErrorCategory::Config => "config",
        ErrorCategory::Io => "io",
        ErrorCategory::Runtime => "runtime",
    }
}

/// Builds the Python exception for one error: `_errors._from_native(category, number, code,
/// message)` picks the class; `code`/`number` become attributes.
fn native_error(py: Python<'_>, category: &str, number: u32, code: &str, message: &str) -> PyErr {
    let built = py
        .import(ERRORS_MODULE)
        .and_then(|m| m.getattr(intern!(py, "_from_native")))
        .and_then(|f| f.call1((category, number, code, message)));
    match built {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    native_error(py, category_name(e.category()), e.code(), e.name(), &e.to_string())
}

/// Raises a media's error from a request result (used where the core reports input errors as
/// `FAILED/INPUT_ERROR` entries but the Python API raises, as `Engine::analyze_ref` does). The
/// engine only turns `InvalidInput` and `Io` category errors into such entries (engine faults
/// fail the call), so `io_error` is the only code that is not an input error.
fn media_error(py: Python<'_>, info: &ozinstant::report::ErrorInfo) -> PyErr {
    let io_number = Error::Io { path: PathBuf::new(), message: String::new() }.code();
    let category = if info.number == io_number {
        category_name(ErrorCategory::Io)
    } else {
        category_name(ErrorCategory::InvalidInput)
    };
    native_error(py, category, info.number, &info.code, &info.message)
}

fn invalid_input(py: Python<'_>, message: impl Into<String>) -> PyErr {
    to_pyerr(py, &Error::InvalidInput(message.into()))
}

/// One input converted from Python, borrowing the caller's object where possible.
enum Input<'py> {
    /// `bytes`: immutable, read in place while this reference keeps it alive.
    Bytes(Bound<'py, PyBytes>),
    /// A file path (the Python layer turns `os.PathLike` into `str`).
    Path(PathBuf, String),
    /// A uint8 array described by `__array_interface__`, read in place.
    Pixels {
        /// Keeps the array (and so its buffer) alive for the whole call.
        _obj: Bound<'py, PyAny>,
        view: PixelView,
    },
    /// Raw frames forming one media (`ozinstant.Frames`, which the Python layer hands over as
    /// a `list` of arrays): each frame is an array as for [`Input::Pixels`].
    Frames {
        /// Keeps every array alive for the whole call (not the list, which the caller could
        /// empty from another thread while the GIL is released).
        _objs: Vec<Bound<'py, PyAny>>,
        views: Vec<PixelView>,
    },
}

/// Where a uint8 array's pixels are, from its `__array_interface__`.
#[derive(Clone, Copy)]
struct PixelView {
    ptr: usize,
    len: usize,
    format: PixelFormat,
    width: u32,
    height: u32,
    stride: usize,
}

impl PixelView {
    /// The pixels, borrowed.
    ///
    /// SAFETY (for callers: only [`Input::media_ref`], whose `Input` holds the array): `ptr`/
    /// `len` come from the array's `__array_interface__` and cover `stride * (height - 1) +
    /// width * channels` bytes of its buffer, which numpy guarantees to be allocated for this
    /// shape and these strides. The `Input` holds a strong reference to the array for as long
    /// as this borrow lives, so the array cannot be freed, and numpy refuses to resize an array
    /// that is referenced elsewhere. The bytes are only read. A caller that writes into the
    /// array from another thread during the call gets a torn image, the same contract as any
    /// buffer consumer.
    unsafe fn frame(&self) -> FrameRef<'_> {
        let data = unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) };
        FrameRef { data, format: self.format, width: self.width, height: self.height, stride: self.stride }
    }
}

/// Borrowed pixels of one array (`Send`: it can cross into `py.detach`).
#[derive(Clone, Copy)]
struct FrameRef<'a> {
    data: &'a [u8],
    format: PixelFormat,
    width: u32,
    height: u32,
    stride: usize,
}

impl<'a> FrameRef<'a> {
    fn media_ref(self) -> MediaRef<'a> {
        MediaRef::Pixels {
            data: self.data,
            format: self.format,
            width: self.width,
            height: self.height,
            stride: self.stride,
        }
    }

    /// An owned copy (zeroized by the core after analysis).
    fn to_raw_frame(self) -> RawFrame {
        RawFrame::new(self.data, self.format, self.width, self.height, self.stride)
    }
}

/// A borrowed media: one image, video or shot set the core can read in place, or raw frames,
/// which the core takes as owned [`RawFrame`]s (copied from these views with the GIL released).
enum Borrowed<'a> {
    One(MediaRef<'a>),
    Frames(Vec<FrameRef<'a>>),
}

impl Borrowed<'_> {
    fn raw_frames(frames: &[FrameRef<'_>]) -> Vec<RawFrame> {
        frames.iter().map(|f| f.to_raw_frame()).collect()
    }

    /// Analyses this media on the calling thread (`Engine::analyze_ref`).
    fn analyze(
        &self,
        engine: &Engine,
        label: Option<String>,
        options: &AnalyzeOptions,
    ) -> ozinstant::Result<MediaResult> {
        match self {
            Borrowed::One(m) => engine.analyze_ref(*m, label, options),
            Borrowed::Frames(frames) => {
                let raw = Self::raw_frames(frames);
                engine.analyze_ref(MediaRef::Frames(&raw), label, options)
            }
        }
    }

    /// An owned copy, for the core entry points that take ownership (`analyze_request`,
    /// `analyze_batch`, `submit`). The copies are zeroized by the core.
    fn to_owned_media(&self, label: Option<String>) -> Media {
        let m = match self {
            Borrowed::One(MediaRef::Bytes(b)) => Media::bytes(*b),
            Borrowed::One(MediaRef::Path(p)) => Media::path(Path::to_path_buf(p)),
            Borrowed::One(MediaRef::Pixels { data, format, width, height, stride }) => {
                Media::pixels(*data, *format, *width, *height, *stride)
            }
            Borrowed::One(MediaRef::Frames(raw)) => Media::frames(
                raw.iter().map(|f| RawFrame::new(&f.data[..], f.format, f.width, f.height, f.stride)).collect(),
            ),
            Borrowed::Frames(frames) => Media::frames(Self::raw_frames(frames)),
        };
        match label {
            Some(l) => m.with_label(l),
            None => m,
        }
    }
}

impl<'py> Input<'py> {
    fn extract(py: Python<'py>, obj: &Bound<'py, PyAny>, color_order: &str) -> PyResult<Input<'py>> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Input::Bytes(b.clone()));
        }
        if obj.is_instance_of::<PyString>() {
            // PathBuf extraction encodes with the file system encoding (surrogateescape).
            let path: PathBuf = obj.extract()?;
            let label = path.display().to_string();
            return Ok(Input::Path(path, label));
        }
        if let Ok(interface) = obj.getattr(intern!(py, "__array_interface__")) {
            let view = Self::pixels(py, &interface, color_order)?;
            return Ok(Input::Pixels { _obj: obj.clone(), view });
        }
        if let Ok(list) = obj.cast::<PyList>() {
            return Self::frames(py, list, color_order);
        }
        Err(PyTypeError::new_err(format!(
            "expected bytes, a path, a uint8 numpy array or ozinstant.Frames, got {}",
            type_name(obj)
        )))
    }

    /// Raw frames: a non-empty list of uint8 arrays, each checked as [`Self::pixels`] does.
    fn frames(py: Python<'py>, list: &Bound<'py, PyList>, color_order: &str) -> PyResult<Input<'py>> {
        if list.is_empty() {
            return Err(invalid_input(py, "a frames media needs at least one frame"));
        }
        let mut objs = Vec::with_capacity(list.len());
        let mut views = Vec::with_capacity(list.len());
        for (i, frame) in list.iter().enumerate() {
            let interface = frame.getattr(intern!(py, "__array_interface__")).map_err(|_| {
                PyTypeError::new_err(format!("frame {i}: expected a uint8 numpy array, got {}", type_name(&frame)))
            })?;
            let view = Self::pixels(py, &interface, color_order)?;
            objs.push(frame);
            views.push(view);
        }
        Ok(Input::Frames { _objs: objs, views })
    }

    /// Reads the geometry of an H×W×C uint8 array whose pixels are packed (`strides[1:] ==
    /// (C, 1)`); rows may be padded (a row slice of a larger image). Anything else is refused:
    /// the Python layer copies such arrays with `np.ascontiguousarray` first.
    fn pixels(py: Python<'py>, interface: &Bound<'py, PyAny>, color_order: &str) -> PyResult<PixelView> {
        let interface =
            interface.cast::<PyDict>().map_err(|_| invalid_input(py, "__array_interface__ is not a dict"))?;
        let get = |key: &str| -> PyResult<Bound<'py, PyAny>> {
            interface.get_item(key)?.ok_or_else(|| invalid_input(py, format!("__array_interface__ has no '{key}'")))
        };
        let typestr: String = get("typestr")?.extract()?;
        if !matches!(typestr.as_str(), "|u1" | "<u1" | ">u1") {
            return Err(invalid_input(py, format!("pixel arrays must be uint8, got dtype {typestr}")));
        }
        let shape: Vec<usize> = get("shape")?.extract()?;
        let [height, width, channels] = shape[..] else {
            return Err(invalid_input(py, format!("pixel arrays must be H×W×3 or H×W×4, got shape {shape:?}")));
        };
        let format = pixel_format(color_order, channels).map_err(|e| to_pyerr(py, &e))?;
        if height == 0 || width == 0 {
            return Err(invalid_input(py, format!("pixel array is empty ({height}x{width})")));
        }
        let row_bytes = width * channels;
        let strides: Option<Vec<isize>> = match interface.get_item("strides")? {
            Some(s) if !s.is_none() => Some(s.extract()?),
            _ => None,
        };
        let stride = match strides.as_deref() {
            None => row_bytes,
            Some(&[s0, s1, s2]) if s2 == 1 && s1 == channels as isize && s0 >= row_bytes as isize => s0 as usize,
            Some(s) => {
                return Err(invalid_input(
                    py,
                    format!("pixel array strides {s:?} are not packed rows; pass np.ascontiguousarray(a)"),
                ));
            }
        };
        let (ptr, _readonly): (usize, bool) = get("data")?
            .extract()
            .map_err(|_| invalid_input(py, "__array_interface__['data'] is not a (pointer, readonly) pair"))?;
        let len = stride
            .checked_mul(height - 1)
            .and_then(|v| v.checked_add(row_bytes))
            .ok_or_else(|| invalid_input(py, "pixel array geometry overflows"))?;
        if ptr == 0 {
            return Err(invalid_input(py, "pixel array has no data"));
        }
        let (width, height) = (
            u32::try_from(width).map_err(|_| invalid_input(py, "pixel array is too wide"))?,
            u32::try_from(height).map_err(|_| invalid_input(py, "pixel array is too tall"))?,
        );
        Ok(PixelView { ptr, len, format, width, height, stride })
    }

    /// Borrowed view for the core, plus the label reported as `source` (the path as given).
    fn media_ref(&self) -> (Borrowed<'_>, Option<String>) {
        match self {
            Input::Bytes(b) => (Borrowed::One(MediaRef::Bytes(b.as_bytes())), None),
            Input::Path(p, label) => (Borrowed::One(MediaRef::Path(p.as_path())), Some(label.clone())),
            // SAFETY: `_obj` keeps the array alive while `self` is borrowed (see `PixelView::frame`).
            Input::Pixels { view, .. } => (Borrowed::One(unsafe { view.frame() }.media_ref()), None),
            // SAFETY: `_objs` keeps every array alive while `self` is borrowed.
            Input::Frames { views, .. } => {
                (Borrowed::Frames(views.iter().map(|v| unsafe { v.frame() }).collect()), None)
            }
        }
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// `color_order` (`rgb`/`bgr`, or explicit `rgba`/`bgra`) and the channel count → the layout.
fn pixel_format(color_order: &str, channels: usize) -> ozinstant::Result<PixelFormat> {
    let format = PixelFormat::parse(color_order)?;
    match (channels, format) {
        (3, PixelFormat::Rgb8 | PixelFormat::Bgr8) | (4, PixelFormat::Rgba8 | PixelFormat::Bgra8) => Ok(format),
        (4, PixelFormat::Rgb8) => Ok(PixelFormat::Rgba8),
        (4, PixelFormat::Bgr8) => Ok(PixelFormat::Bgra8),
        (3, _) => Err(Error::InvalidInput(format!(
            "color_order {color_order:?} does not fit an array with {channels} channels"
        ))),
        _ => Err(Error::InvalidInput(format!("pixel arrays must have 3 or 4 channels, got {channels}"))),
    }
}

fn extract_all<'py>(py: Python<'py>, items: &Bound<'py, PyAny>, color_order: &str) -> PyResult<Vec<Input<'py>>> {
    items.try_iter()?.map(|item| Input::extract(py, &item?, color_order)).collect()
}

/// Per-item media tags (`photo_selfie`, `photo_id_front`, ...; `None` = untagged), one per item.
fn parse_tags(py: Python<'_>, tags: Option<Vec<Option<String>>>, items: usize) -> PyResult<Vec<Option<MediaTag>>> {
    let Some(tags) = tags else { return Ok(vec![None; items]) };
    if tags.len() != items {
        return Err(invalid_input(py, format!("tags has {} entries for {items} media", tags.len())));
    }
    tags.iter().map(|t| t.as_deref().map(MediaTag::parse).transpose().map_err(|e| to_pyerr(py, &e))).collect()
}

fn with_tag(m: Media, tag: Option<MediaTag>) -> Media {
    match tag {
        Some(t) => m.with_tag(t),
        None => m,
    }
}

fn parse_options(py: Python<'_>, options_json: &str) -> PyResult<AnalyzeOptions> {
    AnalyzeOptions::from_json(options_json).map_err(|e| to_pyerr(py, &e))
}

/// The native engine. Use `ozinstant.Engine`, which wraps it.
#[pyclass(module = "ozinstant._ozinstant", name = "NativeEngine", frozen)]
struct NativeEngine {
    engine: Engine,
}

#[pymethods]
impl NativeEngine {
    /// Loads ONNX Runtime and the models (GIL released). `config_json` is an `EngineConfig`
    /// object; unknown keys raise `ConfigError`.
    #[new]
    fn new(py: Python<'_>, config_json: &str) -> PyResult<Self> {
        let config = EngineConfig::from_json(config_json).map_err(|e| to_pyerr(py, &e))?;
        let engine = py.detach(|| Engine::new(config)).map_err(|e| to_pyerr(py, &e))?;
        Ok(NativeEngine { engine })
    }

    /// The resolved configuration as JSON.
    fn config_json(&self) -> String {
        self.engine.config().to_json()
    }

    /// `{"library_path": ..., "found_by": ...}` as JSON.
    fn runtime_json(&self) -> PyResult<String> {
        json(serde_json::to_string(self.engine.runtime()))
    }

    /// The loaded models (id, sha256, source) as JSON.
    fn models_json(&self) -> PyResult<String> {
        json(serde_json::to_string(self.engine.models()))
    }

    /// Counters and latency histogram as JSON.
    fn stats_json(&self) -> PyResult<String> {
        json(serde_json::to_string(&self.engine.stats()))
    }

    fn ready(&self) -> bool {
        self.engine.ready()
    }

    fn warm_up(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.engine.warm_up()).map_err(|e| to_pyerr(py, &e))
    }

    /// Analyses one media on the calling thread with the GIL released; returns the
    /// `MediaResult` JSON. `bytes` and packed uint8 arrays are read in place, without a copy;
    /// raw frames (a `list` of arrays) are copied with the GIL released.
    fn analyze(
        &self,
        py: Python<'_>,
        item: &Bound<'_, PyAny>,
        options_json: &str,
        color_order: &str,
    ) -> PyResult<String> {
        let options = parse_options(py, options_json)?;
        let input = Input::extract(py, item, color_order)?;
        let (media, label) = input.media_ref();
        let engine = &self.engine;
        let result = py.detach(|| media.analyze(engine, label, &options).map(|r| r.to_json()));
        result.map_err(|e| to_pyerr(py, &e))
    }

    /// Analyses each item as its own request across the engine's pool; returns one
    /// `MediaResult` JSON per item, in order. Undecodable items come back as
    /// `FAILED/INPUT_ERROR` results; a request-level error raises.
    fn analyze_batch(
        &self,
        py: Python<'_>,
        items: &Bound<'_, PyAny>,
        options_json: &str,
        color_order: &str,
    ) -> PyResult<Vec<String>> {
        let options = parse_options(py, options_json)?;
        let inputs = extract_all(py, items, color_order)?;
        let refs: Vec<(Borrowed<'_>, Option<String>)> = inputs.iter().map(|i| i.media_ref()).collect();
        let engine = &self.engine;
        let results = py.detach(move || {
            let requests = refs
                .into_iter()
                .map(|(m, label)| Request::new(vec![m.to_owned_media(label)]).with_options(options.clone()))
                .collect();
            engine.analyze_batch(requests)
        });
        let results = results.map_err(|e| to_pyerr(py, &e))?;
        results
            .into_iter()
            .map(|r| match r {
                Ok(mut rr) if rr.media.len() == 1 => Ok(rr.media.remove(0).to_json()),
                Ok(rr) => Err(to_pyerr(py, &Error::Internal(format!("batch request has {} results", rr.media.len())))),
                Err(e) => Err(to_pyerr(py, &e)),
            })
            .collect()
    }

    /// Analyses the items as one request ("folder"); returns the `RequestResult` JSON.
    /// `tags`: one media tag (or `None`) per item.
    #[pyo3(signature = (items, options_json, color_order, tags=None))]
    fn analyze_request(
        &self,
        py: Python<'_>,
        items: &Bound<'_, PyAny>,
        options_json: &str,
        color_order: &str,
        tags: Option<Vec<Option<String>>>,
    ) -> PyResult<String> {
        let options = parse_options(py, options_json)?;
        let inputs = extract_all(py, items, color_order)?;
        let tags = parse_tags(py, tags, inputs.len())?;
        let refs: Vec<(Borrowed<'_>, Option<String>)> = inputs.iter().map(|i| i.media_ref()).collect();
        let engine = &self.engine;
        let result = py.detach(move || {
            let media =
                refs.into_iter().zip(tags).map(|((m, label), t)| with_tag(m.to_owned_media(label), t)).collect();
            engine.analyze_request(Request::new(media).with_options(options)).map(|r| r.to_json())
        });
        result.map_err(|e| to_pyerr(py, &e))
    }

    /// Queues the items as one request on the engine's pool (`Engine::submit`) and returns at
    /// once. When it is done, an engine thread calls
    /// `loop.call_soon_threadsafe(settle, future, json, exception)` exactly once, where `json`
    /// is the `MediaResult` (`single`) or `RequestResult` JSON, or `exception` is set. With
    /// `single`, an undecodable media raises like `analyze` does. Raises at once (and never
    /// calls back) when the engine is busy. The inputs are copied: the call returns before the
    /// work starts.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (items, options_json, color_order, single, event_loop, future, settle, tags=None))]
    fn submit(
        &self,
        py: Python<'_>,
        items: &Bound<'_, PyAny>,
        options_json: &str,
        color_order: &str,
        single: bool,
        event_loop: Py<PyAny>,
        future: Py<PyAny>,
        settle: Py<PyAny>,
        tags: Option<Vec<Option<String>>>,
    ) -> PyResult<()> {
        let options = parse_options(py, options_json)?;
        let inputs = extract_all(py, items, color_order)?;
        let tags = parse_tags(py, tags, inputs.len())?;
        let refs: Vec<(Borrowed<'_>, Option<String>)> = inputs.iter().map(|i| i.media_ref()).collect();
        let media: Vec<Media> =
            py.detach(move || refs.into_iter().zip(tags).map(|((m, l), t)| with_tag(m.to_owned_media(l), t)).collect());
        let request = Request::new(media).with_options(options);
        let callback = move |result: ozinstant::Result<RequestResult>| {
            // `None` when the interpreter is shutting down: nobody is left to wait.
            let _ = Python::try_attach(|py| {
                let (value, error) = settle_args(py, result, single);
                let error = error.map(|e| e.into_value(py));
                // Fails only when the loop is closed; the awaiting coroutine is gone then.
                let _ =
                    event_loop.call_method1(py, intern!(py, "call_soon_threadsafe"), (settle, future, value, error));
            });
        };
        self.engine.submit(request, callback).map_err(|e| to_pyerr(py, &e))
    }
}

/// The `(json, exception)` pair handed to the Python `settle` function.
fn settle_args(
    py: Python<'_>,
    result: ozinstant::Result<RequestResult>,
    single: bool,
) -> (Option<String>, Option<PyErr>) {
    match result {
        Err(e) => (None, Some(to_pyerr(py, &e))),
        Ok(rr) if !single => (Some(rr.to_json()), None),
        Ok(mut rr) => match rr.media.len() {
            1 => {
                let m = rr.media.remove(0);
                match &m.error {
                    Some(info) => (None, Some(media_error(py, info))),
                    None => (Some(m.to_json()), None),
                }
            }
            n => (None, Some(to_pyerr(py, &Error::Internal(format!("single-media request has {n} results"))))),
        },
    }
}

fn json(value: serde_json::Result<String>) -> PyResult<String> {
    value.map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

#[pymodule]
fn _ozinstant(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", ozinstant::VERSION)?;
    m.add("ERROR_CODES", Error::CODES.to_vec())?;
    m.add_class::<NativeEngine>()?;
    Ok(())
}
