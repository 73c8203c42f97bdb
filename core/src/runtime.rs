//! ONNX Runtime: finding the shared library, the one process-wide environment, and pools of
//! sessions.
//!
//! * The library is loaded dynamically (`ort`'s `load-dynamic`). It is searched in this order:
//!   explicit config path → `ORT_DYLIB_PATH` → the repo-local cache (`.cache/onnxruntime/`,
//!   found by walking up from the executable and the working directory) → an installed
//!   `onnxruntime` Python package → the system library paths. Nothing is downloaded.
//! * Telemetry: stock ONNX Runtime ≥ 1.29 writes a device id and an event cache under
//!   `~/.cache/Microsoft/` on first use unless `ORT_DISABLE_TELEMETRY=1` is in the environment
//!   *before* it initialises. [`environment`] sets it before loading the library, and disables
//!   telemetry events on the environment as well.
//! * Only one ORT environment may exist per process, so it lives in a static.
//! * `Session::run` takes `&mut self`: [`SessionPool`] holds one session per worker behind
//!   mutexes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::error::{Error, Result};

/// File names tried in each search directory, most specific first.
const LIB_NAMES: &[&str] = &["libonnxruntime.so", "libonnxruntime.so.1"];

/// Where the loaded ONNX Runtime came from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuntimeInfo {
    /// Absolute path of the shared library that was loaded.
    pub library_path: PathBuf,
    /// How it was found (`config`, `ORT_DYLIB_PATH`, `repo-cache`, `python-package`, `system`).
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
    let loaded = RUNTIME.get_or_init(|| Loaded { info: RuntimeInfo { library_path: path, found_by }, _env: env });
    Ok(&loaded.info)
}

/// Sets `ORT_DISABLE_TELEMETRY=1` unless the runtime is already loaded.
fn disable_telemetry_env() {
    if std::env::var_os("ORT_DISABLE_TELEMETRY").as_deref() == Some("1".as_ref()) {
        return;
    }
    // SAFETY: `set_var` is unsound only when another thread reads or writes the environment at
    // the same moment. This runs once, under INIT_LOCK, before ONNX Runtime (the only reader
    // we know of that matters) is loaded. Front doors also set the variable at import time, on
    // their main thread, so in practice this write is a no-op.
    unsafe { std::env::set_var("ORT_DISABLE_TELEMETRY", "1") };
}

/// Resolves the ONNX Runtime shared library, or explains where it looked.
pub fn find_library(explicit: Option<&Path>) -> Result<(PathBuf, &'static str)> {
    let mut tried: Vec<String> = Vec::new();
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
    tried.push("ORT_DYLIB_PATH (unset)".into());

    for dir in repo_cache_dirs() {
        if let Some(p) = lib_in_dir(&dir) {
            return Ok((p, "repo-cache"));
        }
        tried.push(dir.display().to_string());
    }
    for dir in python_package_dirs() {
        if let Some(p) = lib_in_dir(&dir) {
            return Ok((p, "python-package"));
        }
        tried.push(dir.display().to_string());
    }
    for dir in system_dirs() {
        if let Some(p) = lib_in_dir(&dir) {
            return Ok((p, "system"));
        }
    }
    tried.push("system library paths".into());
    Err(Error::RuntimeNotFound(format!(
        "Looked in: {}. Fix: run `make demo` in the ozinstant repository (it fetches the onnxruntime==1.31.1 \
         wheel into .cache/), or `pip install onnxruntime==1.31.1`, or set ORT_DYLIB_PATH / ort_library_path \
         to an absolute libonnxruntime.so path.",
        tried.join(", ")
    )))
}

fn absolute_existing(p: &Path) -> Option<PathBuf> {
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().ok()?.join(p) };
    abs.is_file().then_some(abs)
}

/// The first `libonnxruntime.so*` in `dir`: exact names first, then versioned ones
/// (`libonnxruntime.so.1.31.1`), newest name last in sort order wins.
fn lib_in_dir(dir: &Path) -> Option<PathBuf> {
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

/// `.cache/onnxruntime` in every ancestor of the executable and of the working directory.
fn repo_cache_dirs() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        roots.extend(exe.ancestors().skip(1).map(Path::to_path_buf));
    }
    if let Ok(cwd) = std::env::current_dir() {
        roots.extend(cwd.ancestors().map(Path::to_path_buf));
    }
    let mut out: Vec<PathBuf> = Vec::new();
    for r in roots {
        let d = r.join(".cache").join("onnxruntime");
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// `site-packages/onnxruntime/capi` under the active virtualenv/conda prefix, the prefix of the
/// `python3` on PATH, and the user site. No interpreter is started.
fn python_package_dirs() -> Vec<PathBuf> {
    let mut prefixes: Vec<PathBuf> = Vec::new();
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            prefixes.push(PathBuf::from(v));
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            for exe in ["python3", "python"] {
                let p = dir.join(exe);
                if let Ok(real) = std::fs::canonicalize(&p)
                    && let Some(prefix) = real.parent().and_then(Path::parent)
                {
                    prefixes.push(prefix.to_path_buf());
                }
            }
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        prefixes.push(PathBuf::from(home).join(".local"));
    }
    prefixes.push(PathBuf::from("/usr/local"));
    prefixes.push(PathBuf::from("/usr"));

    let mut out = Vec::new();
    for prefix in prefixes {
        let lib = prefix.join("lib");
        let Ok(entries) = std::fs::read_dir(&lib) else { continue };
        let mut pys: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("python3")))
            .collect();
        pys.sort();
        for py in pys.into_iter().rev() {
            for sp in ["site-packages", "dist-packages"] {
                let d = py.join(sp).join("onnxruntime").join("capi");
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
    }
    out
}

fn system_dirs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    if let Some(v) = std::env::var_os("LD_LIBRARY_PATH") {
        out.extend(std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()));
    }
    for d in ["/usr/local/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"] {
        out.push(PathBuf::from(d));
    }
    out
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
