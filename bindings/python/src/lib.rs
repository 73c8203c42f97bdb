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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ozinstant::attest::{SigningKey, VerifyingKey};
use ozinstant::{
    AnalyzeOptions, Engine, EngineConfig, Error, ErrorCategory, Media, MediaRef, MediaResult, MediaTag, PixelFormat,
    RawFrame, Request, RequestResult, SigningConfig,
};
use pyo3::buffer::{PyBuffer, PyUntypedBuffer};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};

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
    /// A uint8 array exported through the buffer protocol, read in place.
    Pixels(Pixels),
    /// Raw frames forming one media (`ozinstant.Frames`, which the Python layer hands over as
    /// a `list` of arrays): each frame is an array as for [`Input::Pixels`]. The buffers are
    /// held, not the list (which the caller could empty from another thread while the GIL is
    /// released).
    Frames(Vec<Pixels>),
}

/// The pixels of one H×W×C uint8 array, as its exporter describes them through the buffer
/// protocol (`PyObject_GetBuffer` with `PyBUF_FULL_RO`: format, shape and strides). The held
/// [`PyBuffer`] keeps the memory exported (alive, and not resizable: numpy refuses to resize
/// an array with exported buffers) until this is dropped, on the calling thread, after the
/// engine has read or copied the pixels. Nothing an object claims about itself in Python
/// (`__array_interface__`'s data pointer, say) is ever used to find memory.
struct Pixels {
    buffer: PyBuffer<u8>,
    /// Bytes read from the start of the buffer: `stride * (height - 1) + width * channels`.
    len: usize,
    format: PixelFormat,
    width: u32,
    height: u32,
    stride: usize,
}

impl Pixels {
    /// Checks one object's buffer: item size 1 and format `B` (uint8), 3 dimensions H×W×C with
    /// C 3 or 4, not empty, no sub-offsets, and packed pixels (`strides[1:] == (C, 1)`); rows
    /// may be padded (`strides[0] >= W * C`: a row slice of a larger image). Anything else is
    /// refused with `invalid_input` (the Python layer copies arrays whose pixels are not packed
    /// with `np.ascontiguousarray` first). `what` prefixes messages (`frame 3: `).
    fn from_buffer(
        py: Python<'_>,
        obj: &Bound<'_, PyAny>,
        buffer: PyUntypedBuffer,
        color_order: &str,
        what: &str,
    ) -> PyResult<Pixels> {
        let format = buffer.format().to_string_lossy();
        if buffer.item_size() != 1 || !matches!(&*format, "B" | "@B" | "=B" | "<B" | ">B" | "!B") {
            // numpy names the dtype better than the struct format does.
            let dtype = obj
                .getattr(intern!(py, "dtype"))
                .and_then(|d| d.str())
                .map(|d| d.to_string())
                .unwrap_or_else(|_| format!("with buffer format {format:?}, item size {}", buffer.item_size()));
            return Err(invalid_input(py, format!("{what}pixel arrays must be uint8, got dtype {dtype}")));
        }
        let buffer: PyBuffer<u8> = buffer.into_typed()?;
        let [height, width, channels] = *buffer.shape() else {
            return Err(invalid_input(
                py,
                format!("{what}pixel arrays must be H×W×3 or H×W×4, got shape {:?}", buffer.shape()),
            ));
        };
        let format = pixel_format(color_order, channels).map_err(|e| to_pyerr(py, &e))?;
        if height == 0 || width == 0 {
            return Err(invalid_input(py, format!("{what}pixel array is empty ({height}x{width})")));
        }
        let row_bytes = width
            .checked_mul(channels)
            .ok_or_else(|| invalid_input(py, format!("{what}pixel array geometry overflows")))?;
        let stride = match *buffer.strides() {
            [s0, s1, 1] if buffer.suboffsets().is_none() && s1 == channels as isize && s0 >= row_bytes as isize => {
                s0 as usize
            }
            ref s => {
                return Err(invalid_input(
                    py,
                    format!("{what}pixel array strides {s:?} are not packed rows; pass np.ascontiguousarray(a)"),
                ));
            }
        };
        let len = stride
            .checked_mul(height - 1)
            .and_then(|v| v.checked_add(row_bytes))
            .filter(|&v| v <= isize::MAX as usize)
            .ok_or_else(|| invalid_input(py, format!("{what}pixel array geometry overflows")))?;
        if buffer.buf_ptr().is_null() {
            return Err(invalid_input(py, format!("{what}pixel array has no data")));
        }
        let (width, height) = (
            u32::try_from(width).map_err(|_| invalid_input(py, format!("{what}pixel array is too wide")))?,
            u32::try_from(height).map_err(|_| invalid_input(py, format!("{what}pixel array is too tall")))?,
        );
        Ok(Pixels { buffer, len, format, width, height, stride })
    }

    /// The pixels, borrowed for as long as this (and so the buffer export) lives.
    fn frame(&self) -> FrameRef<'_> {
        // SAFETY: `buf_ptr` is the start of memory that the exporter guarantees, for as long as
        // the buffer is held (by `self.buffer`, released only when `self` is dropped), to hold
        // every element `buf + i*strides[0] + j*strides[1] + k*strides[2]` of the shape it
        // reported. `from_buffer` checked strides `(stride, channels, 1)` with `stride >=
        // width * channels`, no sub-offsets and item size 1, so the last byte read, at `stride
        // * (height - 1) + (width - 1) * channels + channels - 1 = len - 1`, is such an element
        // and every byte before it lies between the first and the last row's elements (a row's
        // padding included: it is inside the allocation, between two rows); `len <=
        // isize::MAX`. The bytes are only read. A caller that writes into the array from
        // another thread during the call gets a torn image, the contract of every buffer
        // consumer that releases the GIL (hashlib, zlib, ...).
        let data = unsafe { std::slice::from_raw_parts(self.buffer.buf_ptr() as *const u8, self.len) };
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

/// True for objects that describe an array in Python attributes (`__array_interface__`,
/// `__array_struct__`) but export no buffer: their data pointer could point anywhere.
fn claims_array(py: Python<'_>, obj: &Bound<'_, PyAny>) -> bool {
    obj.hasattr(intern!(py, "__array_interface__")).unwrap_or(false)
        || obj.hasattr(intern!(py, "__array_struct__")).unwrap_or(false)
}

/// The typed refusal of an array-like object without the buffer protocol.
fn no_buffer(py: Python<'_>, obj: &Bound<'_, PyAny>, what: &str) -> PyErr {
    invalid_input(
        py,
        format!(
            "{what}{} describes an array (__array_interface__ or __array_struct__) but does not export the \
             buffer protocol: pixel arrays are read only through the buffer protocol (a data pointer in \
             __array_interface__ is never trusted); pass a numpy array",
            type_name(obj)
        ),
    )
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
        if let Ok(list) = obj.cast::<PyList>() {
            return Self::frames(py, list, color_order);
        }
        // `bytearray` is copied to `bytes` by the Python layer (it could change while the GIL is
        // released); here it is not taken for pixels.
        if !obj.is_instance_of::<PyByteArray>()
            && let Ok(buffer) = PyUntypedBuffer::get(obj)
        {
            return Ok(Input::Pixels(Pixels::from_buffer(py, obj, buffer, color_order, "")?));
        }
        if claims_array(py, obj) {
            return Err(no_buffer(py, obj, ""));
        }
        Err(PyTypeError::new_err(format!(
            "expected bytes, a path, a uint8 numpy array or ozinstant.Frames, got {}",
            type_name(obj)
        )))
    }

    /// Raw frames: a non-empty list of uint8 arrays, each checked as [`Pixels::from_buffer`] does.
    fn frames(py: Python<'py>, list: &Bound<'py, PyList>, color_order: &str) -> PyResult<Input<'py>> {
        if list.is_empty() {
            return Err(invalid_input(py, "a frames media needs at least one frame"));
        }
        let mut frames = Vec::with_capacity(list.len());
        for (i, frame) in list.iter().enumerate() {
            let what = format!("frame {i}: ");
            // Encoded bytes export a buffer too, but are never a frame (they belong in a ZIP).
            let encoded = frame.is_instance_of::<PyBytes>() || frame.is_instance_of::<PyByteArray>();
            let buffer = match PyUntypedBuffer::get(&frame) {
                Ok(buffer) if !encoded => buffer,
                Err(_) if claims_array(py, &frame) => return Err(no_buffer(py, &frame, &what)),
                _ => {
                    return Err(PyTypeError::new_err(format!(
                        "{what}expected a uint8 numpy array, got {}",
                        type_name(&frame)
                    )));
                }
            };
            frames.push(Pixels::from_buffer(py, &frame, buffer, color_order, &what)?);
        }
        Ok(Input::Frames(frames))
    }

    /// Borrowed view for the core, plus the label reported as `source` (the path as given).
    fn media_ref(&self) -> (Borrowed<'_>, Option<String>) {
        match self {
            Input::Bytes(b) => (Borrowed::One(MediaRef::Bytes(b.as_bytes())), None),
            Input::Path(p, label) => (Borrowed::One(MediaRef::Path(p.as_path())), Some(label.clone())),
            Input::Pixels(pixels) => (Borrowed::One(pixels.frame().media_ref()), None),
            Input::Frames(frames) => (Borrowed::Frames(frames.iter().map(Pixels::frame).collect()), None),
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
    /// object; unknown keys raise `ConfigError`. `signing_key`: the signing key's bytes (PKCS#8
    /// PEM or DER, or the raw 32-byte seed), given from memory; `config_json` then has a
    /// `signing` section with the `key_id` and no `key_file` or `key_pem`.
    #[new]
    #[pyo3(signature = (config_json, signing_key=None))]
    fn new(py: Python<'_>, config_json: &str, signing_key: Option<&[u8]>) -> PyResult<Self> {
        let config = match signing_key {
            None => EngineConfig::from_json(config_json),
            Some(key) => config_with_key(config_json, key),
        }
        .map_err(|e| to_pyerr(py, &e))?;
        let engine = py.detach(|| Engine::new(config)).map_err(|e| to_pyerr(py, &e))?;
        Ok(NativeEngine { engine })
    }

    /// The public key results are signed with, as an SPKI PEM; `None` without a signing key.
    fn public_key_pem(&self) -> Option<String> {
        self.engine.verifying_key().map(|k| k.to_spki_pem())
    }

    /// The signing key's id (`attestation.key_id`); `None` without a signing key.
    fn key_id(&self) -> Option<String> {
        self.engine.verifying_key().and_then(|k| k.key_id().map(str::to_owned))
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
    /// work starts. Once the interpreter has begun to exit (`atexit`), raises `RuntimeError`,
    /// and results still being computed are dropped instead of delivered.
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
        if Delivery::closed() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "ozinstant: the interpreter is exiting, results can no longer be delivered to an event loop; \
                 use the synchronous calls",
            ));
        }
        let options = parse_options(py, options_json)?;
        let inputs = extract_all(py, items, color_order)?;
        let tags = parse_tags(py, tags, inputs.len())?;
        let refs: Vec<(Borrowed<'_>, Option<String>)> = inputs.iter().map(|i| i.media_ref()).collect();
        // The pixels are copied here, with the GIL released, while `inputs` holds every buffer;
        // the buffers are released when `inputs` drops at the end of this call, on this thread.
        let media: Vec<Media> =
            py.detach(move || refs.into_iter().zip(tags).map(|((m, l), t)| with_tag(m.to_owned_media(l), t)).collect());
        let request = Request::new(media).with_options(options);
        let callback = move |result: ozinstant::Result<RequestResult>| {
            // Never attaches once the interpreter is exiting (see `Delivery`): the result is
            // dropped, and so are the references, into PyO3's pool without touching Python.
            // The awaiting coroutine is gone by then.
            let Some(_delivery) = Delivery::begin() else { return };
            let _ = Python::try_attach(move |py| {
                let (value, error) = settle_args(py, result, single);
                let error = error.map(|e| e.into_value(py));
                // Fails (RuntimeError) when the loop is closed: the awaiting coroutine is gone
                // then, and the error is dropped here, quietly.
                let _ =
                    event_loop.call_method1(py, intern!(py, "call_soon_threadsafe"), (settle, future, value, error));
                drop(event_loop);
            });
            // `_delivery` ends here, after the thread has detached.
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

/// An `EngineConfig` from `config_json` whose `signing` section (key id, `input_hashes`) gets
/// `key` (any encoding [`SigningKey::parse`] accepts) as the key given in code. The key never
/// passes through JSON.
fn config_with_key(config_json: &str, key: &[u8]) -> ozinstant::Result<EngineConfig> {
    let mut value: serde_json::Value = serde_json::from_str(config_json)
        .map_err(|e| Error::Config(format!("the configuration is not valid JSON: {e}")))?;
    let section = value.as_object_mut().and_then(|o| o.remove("signing"));
    let Some(section) = section.filter(|s| !s.is_null()) else {
        return Err(Error::Config("a signing key was given without a `signing` section (its key_id)".into()));
    };
    let mut signing: SigningConfig =
        serde_json::from_value(section).map_err(|e| Error::Config(format!("signing: {e}")))?;
    // Exactly one key source: a `key_file` or `key_pem` besides the key is refused.
    if signing.key_file.is_some() || signing.key_pem.is_some() {
        return Err(Error::Config("signing: set only one of key_file, key_pem and key".into()));
    }
    signing.key = Some(SigningKey::parse(key, &signing.key_id)?);
    signing.validate()?;
    let mut config = EngineConfig::from_json(&value.to_string())?;
    config.signing = Some(signing);
    Ok(config)
}

/// Verifies a signed result (`attest::verify_result_json`, GIL released) with `public_key`
/// (SPKI PEM or DER, or the raw 32 bytes), requiring `key_id` when given. Returns `(payload
/// JSON, key_id, issued_at, nonce, nested_verified)`. A bad key raises `ConfigError`; a result
/// that does not verify, `InvalidInputError` (its message names the `attestation` problem).
#[pyfunction]
#[pyo3(name = "_verify", signature = (result_json, public_key, key_id=None))]
fn verify(
    py: Python<'_>,
    result_json: &str,
    public_key: &[u8],
    key_id: Option<&str>,
) -> PyResult<(String, String, String, Option<String>, usize)> {
    let verified = py.detach(|| {
        let key = VerifyingKey::parse(public_key)?;
        let key = match key_id {
            Some(id) => key.with_key_id(id)?,
            None => key,
        };
        let v = ozinstant::attest::verify_result_json(result_json, &key)?;
        let payload = serde_json::to_string(&v.payload).map_err(|e| Error::Internal(e.to_string()))?;
        Ok::<_, Error>((payload, v.key_id, v.issued_at, v.nonce, v.nested_verified))
    });
    verified.map_err(|e| to_pyerr(py, &e))
}

fn json(value: serde_json::Result<String>) -> PyResult<String> {
    value.map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

/// Engine threads deliver `submit` results by attaching to the interpreter. Attaching while
/// the interpreter finalises (or being attached when finalisation starts) aborts the process
/// (`Fatal Python error: PyGILState_Release: ... finalizing`), and `Py_IsFinalizing` cannot be
/// checked without a race (PyO3 only checks it on 3.13+, best effort). So deliveries are
/// closed explicitly by an `atexit` hook, [`close_deliveries`], which runs before finalisation
/// starts: it sets [`CLOSING`] and waits, with the GIL released, until no delivery is in
/// progress. A delivery counts itself in [`DELIVERING`] before it checks [`CLOSING`] (both
/// sequentially consistent), so either the hook sees it and waits for it to detach, or it sees
/// the flag and never attaches.
static CLOSING: AtomicBool = AtomicBool::new(false);
static DELIVERING: AtomicUsize = AtomicUsize::new(0);

/// One delivery in progress: the thread may attach while this lives (and must have detached
/// before it drops).
struct Delivery;

impl Delivery {
    fn begin() -> Option<Delivery> {
        DELIVERING.fetch_add(1, Ordering::SeqCst);
        if CLOSING.load(Ordering::SeqCst) {
            DELIVERING.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Delivery)
    }

    fn closed() -> bool {
        CLOSING.load(Ordering::SeqCst)
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        DELIVERING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The `atexit` hook (registered when the module is imported): closes delivery of `submit`
/// results and waits up to `timeout` seconds, GIL released, for deliveries in progress to
/// finish. Returns whether they did. Idempotent.
#[pyfunction]
#[pyo3(name = "_close_deliveries", signature = (timeout = 5.0))]
fn close_deliveries(py: Python<'_>, timeout: f64) -> bool {
    CLOSING.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::try_from_secs_f64(timeout).unwrap_or(Duration::ZERO);
    py.detach(|| {
        while DELIVERING.load(Ordering::SeqCst) != 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    })
}

/// `os.register_at_fork(after_in_child=...)`: the child has only the forking thread, so no
/// delivery of the parent's engines is in progress there (one counted at the moment of the
/// fork would otherwise make the child's exit wait for the whole timeout).
#[pyfunction]
#[pyo3(name = "_after_fork_in_child")]
fn after_fork_in_child() {
    DELIVERING.store(0, Ordering::SeqCst);
}

#[pymodule]
fn _ozinstant(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", ozinstant::VERSION)?;
    m.add("ERROR_CODES", Error::CODES.to_vec())?;
    m.add_class::<NativeEngine>()?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    let close = wrap_pyfunction!(close_deliveries, m)?;
    let after_fork = wrap_pyfunction!(after_fork_in_child, m)?;
    m.add_function(close.clone())?;
    m.add_function(after_fork.clone())?;
    py.import("atexit")?.call_method1("register", (close,))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("after_in_child", after_fork)?;
    py.import("os")?.call_method("register_at_fork", (), Some(&kwargs))?;
    Ok(())
}
