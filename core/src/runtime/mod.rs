//! ONNX Runtime: finding the shared library, the one process-wide environment, and pools of
//! sessions.
//!
//! * The library is loaded dynamically (`ort`'s `load-dynamic`) from these places only, in this
//!   order (see [`find_library`]):
//!   1. the explicit config path (`ort_library_path`);
//!   2. `ORT_DYLIB_PATH`;
//!   3. beside the binary that contains ozinstant (the SDK layout, like `$ORIGIN`): the directory
//!      of `libozinstant.so`, of the Python or Node native module, or of the executable that
//!      links the crate, then that directory's `../lib`;
//!   4. the system loader (`dlopen("libonnxruntime.so.1")`: `LD_LIBRARY_PATH`, `ld.so.cache`,
//!      the standard directories).
//!
//!   Nothing else is searched: not the working directory or its ancestors, not `PATH` or the
//!   Python prefixes it names (a host that runs in a folder someone else can write to must not
//!   load their library: CWE-427). Discovery that suits a developer checkout (the repo's
//!   `.cache/onnxruntime/`) lives in the CLI and the Makefile, and the Python and Node doors pass
//!   the library of their own `onnxruntime` package. Nothing is downloaded.
//! * Telemetry: stock ONNX Runtime ≥ 1.29 writes a device id and an event cache under
//!   `~/.cache/Microsoft/` on first use unless `ORT_DISABLE_TELEMETRY=1` is in the environment
//!   *before* it initialises. Each door sets it at its entry point (Python import, Node addon
//!   load, an ELF constructor in the C library, the CLI's `main`) unless the user set it. For
//!   Rust hosts, [`environment`] sets it when it is absent, before loading the library; see
//!   [`environment`] for the race that leaves. Telemetry events are disabled on the
//!   environment as well.
//! * Only one ORT environment may exist per process, so it lives in a static.
//! * `Session::run` takes `&mut self`: [`SessionPool`] holds one session per worker behind
//!   mutexes.

use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

mod outputs;
mod wiping_allocator;

pub use outputs::{OutputSpec, run_wiped};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::error::{Error, Result};

/// File names tried in each directory beside the binary, most specific first.
const LIB_NAMES: &[&str] = &["libonnxruntime.so", "libonnxruntime.so.1"];

/// The soname handed to the system loader.
const SYSTEM_SONAME: &str = "libonnxruntime.so.1";

/// Where the loaded ONNX Runtime came from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuntimeInfo {
    /// Absolute path of the shared library that was loaded.
    pub library_path: PathBuf,
    /// How it was found: `config`, `ORT_DYLIB_PATH`, `beside-binary` or `system`.
    pub found_by: &'static str,
}

struct Loaded {
    info: RuntimeInfo,
    _env: ort::environment::Environment,
}

static RUNTIME: OnceLock<Loaded> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

/// Loads ONNX Runtime once per process and returns where it came from. Later calls return the
/// first successful load, whatever path they ask for (a process can hold one runtime only).
///
/// If `ORT_DISABLE_TELEMETRY` is absent from the environment, this sets it to `1` first (an
/// explicit value, `0` included, is left alone). The doors set it at their entry points, on
/// the thread that loads them; a Rust host that starts threads which read the environment
/// (`getenv` in C libraries, `std::env::var`) and only then creates its first engine races with
/// this one write. Such hosts should set `ORT_DISABLE_TELEMETRY=1` in the process environment,
/// or at the top of `main` before spawning threads.
pub fn environment(explicit: Option<&Path>) -> Result<&'static RuntimeInfo> {
    if let Some(l) = RUNTIME.get() {
        return Ok(&l.info);
    }
    let _guard = INIT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(l) = RUNTIME.get() {
        return Ok(&l.info);
    }
    let (path, found_by) = find_library(explicit)?;
    disable_telemetry_env();
    let builder = ort::init_from(&path).map_err(|e| Error::Runtime(format!("cannot load {}: {e}", path.display())))?;
    let env = builder
        .with_name("ozinstant")
        .with_telemetry(false)
        .build()
        .map_err(|e| Error::Runtime(format!("cannot create the ONNX Runtime environment: {e}")))?;
    {
        use ort::AsPointer;
        // SAFETY: `env` is this process's environment; it is stored in RUNTIME below and never
        // dropped, so it outlives every session.
        unsafe { wiping_allocator::register(ort::api(), env.ptr().cast_mut()) }?;
    }
    let loaded = RUNTIME.get_or_init(|| Loaded { info: RuntimeInfo { library_path: path, found_by }, _env: env });
    Ok(&loaded.info)
}

/// Sets `ORT_DISABLE_TELEMETRY=1` when the variable is absent; never over a value the user set.
fn disable_telemetry_env() {
    if std::env::var_os("ORT_DISABLE_TELEMETRY").is_some() {
        return;
    }
    // SAFETY: `set_var` is unsound only when another thread reads or writes the environment at
    // the same moment. This runs once per process, under INIT_LOCK, before ONNX Runtime is
    // loaded, and only when no door set the variable at its entry point: that leaves Rust hosts
    // that create their first engine late while other threads read the environment, the race
    // documented on `environment`.
    unsafe { std::env::set_var("ORT_DISABLE_TELEMETRY", "1") };
}

/// Resolves the ONNX Runtime shared library, or explains where it looked: the explicit path,
/// `ORT_DYLIB_PATH`, beside the binary that contains ozinstant, then the system loader. Never
/// the working directory, its ancestors or `PATH`.
pub fn find_library(explicit: Option<&Path>) -> Result<(PathBuf, &'static str)> {
    if let Some(p) = explicit {
        return absolute_existing(p).map(|p| (p, "config")).ok_or_else(|| {
            Error::RuntimeNotFound(format!("the configured ort_library_path {} does not exist", p.display()))
        });
    }
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(p);
        return absolute_existing(&p).map(|p| (p, "ORT_DYLIB_PATH")).ok_or_else(|| {
            Error::RuntimeNotFound(format!("ORT_DYLIB_PATH points to {}, which does not exist", p.display()))
        });
    }
    let mut tried: Vec<String> = vec!["ORT_DYLIB_PATH (unset)".into()];
    for dir in beside_binary_dirs() {
        if let Some(p) = lib_in_dir(&dir) {
            return Ok((p, "beside-binary"));
        }
        tried.push(dir.display().to_string());
    }
    if let Some(p) = system_library() {
        return Ok((p, "system"));
    }
    tried.push(format!("the system loader ({SYSTEM_SONAME})"));
    Err(Error::RuntimeNotFound(format!(
        "looked in: {}. Fix: set `ort_library_path` in the engine \
         configuration or ORT_DYLIB_PATH to an absolute libonnxruntime.so path (the onnxruntime==1.31.1 \
         wheel has one in onnxruntime/capi/), place it beside the binary, or install it where the system \
         loader finds it.",
        tried.join(", ")
    )))
}

fn absolute_existing(p: &Path) -> Option<PathBuf> {
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().ok()?.join(p) };
    abs.is_file().then_some(abs)
}

/// The first `libonnxruntime.so*` in `dir`: exact names first, then versioned ones
/// (`libonnxruntime.so.1.31.1`), newest name last in sort order wins.
pub fn lib_in_dir(dir: &Path) -> Option<PathBuf> {
    for name in LIB_NAMES {
        let p = dir.join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    let mut versioned: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("libonnxruntime.so.") && p.is_file())
        })
        .collect();
    versioned.sort();
    versioned.pop()
}

/// The directory of the binary that holds this code (a shared library or the executable), and
/// its `../lib`.
fn beside_binary_dirs() -> Vec<PathBuf> {
    let Some(binary) = own_binary() else { return Vec::new() };
    let Some(dir) = binary.parent() else { return Vec::new() };
    let mut out = vec![dir.to_path_buf()];
    if let Some(parent) = dir.parent() {
        out.push(parent.join("lib"));
    }
    out
}

/// The file of the loaded object (shared library or executable) that contains this function.
fn own_binary() -> Option<PathBuf> {
    let address = own_binary as fn() -> Option<PathBuf> as *const libc::c_void;
    // The main program's entry is its name as invoked (or empty): use /proc/self/exe then.
    // SAFETY: a function of this object, so it is mapped.
    unsafe { object_file_of(address) }.or_else(|| std::env::current_exe().ok())
}

/// The canonical path of the loaded object that contains `address`, when the loader knows it
/// by an absolute name.
///
/// # Safety
/// `address` must lie in an object that stays mapped during the call.
unsafe fn object_file_of(address: *const libc::c_void) -> Option<PathBuf> {
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::zeroed();
    // SAFETY: dladdr only reads the loader's tables and fills `info`; the caller keeps the
    // object mapped.
    if unsafe { libc::dladdr(address, info.as_mut_ptr()) } == 0 {
        return None;
    }
    // SAFETY: dladdr filled `info` (it returned non-zero).
    let info = unsafe { info.assume_init() };
    if info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: a non-null dli_fname is a NUL-terminated string owned by the loader while the
    // object is mapped.
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    let path = Path::new(OsStr::from_bytes(name.to_bytes()));
    if path.is_absolute() { std::fs::canonicalize(path).ok() } else { None }
}

/// Asks the system loader for `libonnxruntime.so.1` and returns the file it resolved.
fn system_library() -> Option<PathBuf> {
    let soname = CString::new(SYSTEM_SONAME).ok()?;
    // SAFETY: dlopen of a library by soname through the system search path: the same object
    // ONNX Runtime's loader opens next (this handle only keeps it loaded meanwhile).
    let handle = unsafe { libc::dlopen(soname.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
    if handle.is_null() {
        return None;
    }
    // SAFETY: `handle` is a live handle; the symbol name is NUL-terminated.
    let symbol = unsafe { libc::dlsym(handle, c"OrtGetApiBase".as_ptr()) };
    // SAFETY: `symbol` lies in the object `handle` keeps mapped until the dlclose below.
    let path = if symbol.is_null() { None } else { unsafe { object_file_of(symbol) } };
    // SAFETY: closes the handle opened above (the loader keeps the object if ORT opens it next).
    unsafe { libc::dlclose(handle) };
    path
}

/// Session settings shared by every model of an engine.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    /// ORT intra-op threads per session.
    pub intra_op_threads: usize,
    /// Sessions per model (one per engine worker avoids lock waits).
    pub sessions_per_model: usize,
}

/// Several sessions of one model, so that workers never wait on `Session::run`'s `&mut self`.
pub struct SessionPool {
    name: &'static str,
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
}

impl SessionPool {
    /// Builds `settings.sessions_per_model` sessions from the model bytes.
    pub fn new(name: &'static str, model: &[u8], settings: SessionSettings) -> Result<Self> {
        let env = &RUNTIME
            .get()
            .ok_or_else(|| {
                Error::Internal("ONNX Runtime must be loaded (runtime::environment) before sessions".into())
            })?
            ._env;
        let n = settings.sessions_per_model.max(1);
        let mut sessions = Vec::with_capacity(n);
        for _ in 0..n {
            let session = Session::builder(env)
                .map_err(Error::from)?
                .with_optimization_level(GraphOptimizationLevel::Level3)?
                .with_intra_threads(settings.intra_op_threads)?
                .with_inter_threads(1)?
                // ORT's memory comes from the wiping allocator (wiping_allocator.rs), not its arena.
                .with_env_allocators()?
                .commit_from_memory(model)
                .map_err(|e| Error::Model(format!("{name}: {e}")))?;
            sessions.push(Mutex::new(session));
        }
        Ok(SessionPool { name, sessions, next: AtomicUsize::new(0) })
    }

    /// Model name, for error messages.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Input names of the model, in order.
    pub fn input_names(&self) -> Vec<String> {
        let s = self.sessions[0].lock().unwrap_or_else(|p| p.into_inner());
        s.inputs().iter().map(|i| i.name().to_owned()).collect()
    }

    /// Output names of the model, in order.
    pub fn output_names(&self) -> Vec<String> {
        let s = self.sessions[0].lock().unwrap_or_else(|p| p.into_inner());
        s.outputs().iter().map(|o| o.name().to_owned()).collect()
    }

    /// Runs `f` with exclusive use of one session: a free one if any, else waits on the next
    /// in round-robin order.
    pub fn with_session<T>(&self, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        let n = self.sessions.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            if let Ok(mut s) = self.sessions[(start + i) % n].try_lock() {
                return f(&mut s);
            }
        }
        let mut s = self.sessions[start].lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s)
    }

    /// Checks that the model has exactly these input and output names.
    pub fn expect_io(&self, inputs: &[&str], outputs: &[&str]) -> Result<()> {
        let (i, o) = (self.input_names(), self.output_names());
        let missing: Vec<&&str> = inputs.iter().filter(|n| !i.iter().any(|x| x == **n)).collect();
        let missing_o: Vec<&&str> = outputs.iter().filter(|n| !o.iter().any(|x| x == **n)).collect();
        if missing.is_empty() && missing_o.is_empty() {
            Ok(())
        } else {
            Err(Error::Model(format!(
                "{}: expected inputs {inputs:?} and outputs {outputs:?}, the model has inputs {i:?} and outputs {o:?}",
                self.name
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_missing_path_is_typed_error() {
        let e = find_library(Some(Path::new("/nonexistent/libonnxruntime.so"))).unwrap_err();
        assert_eq!(e.name(), "runtime_not_found");
    }

    #[test]
    fn versioned_library_is_found_in_dir() {
        let dir = std::env::temp_dir().join(format!("ozi-rt-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(lib_in_dir(&dir).is_none());
        std::fs::write(dir.join("libonnxruntime.so.1.31.1"), b"x").unwrap();
        assert_eq!(lib_in_dir(&dir).unwrap(), dir.join("libonnxruntime.so.1.31.1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
