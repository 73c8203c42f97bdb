//! Where the library looks for ONNX Runtime (CWE-427): never in the working directory or its
//! ancestors, never through `PATH` or the Python prefixes it names, never the developer
//! checkout's `.cache/`. A real ONNX Runtime is planted in each of those places and must not be
//! found; the search runs in a child process (the working directory and the environment are
//! process-wide).

use std::path::{Path, PathBuf};
use std::process::Command;

const CHILD: &str = "OZI_RUNTIME_SEARCH_CHILD";

/// The repo's ONNX Runtime (`make ort`), or None when it is missing (the test then explains).
fn real_library() -> PathBuf {
    let path = std::env::var_os("ORT_DYLIB_PATH")
        .map(PathBuf::from)
        .expect("ORT_DYLIB_PATH is not set (cargo sets it from .cargo/config.toml in this repository; run `make ort`)");
    assert!(path.is_file(), "{} is missing: run `make ort`", path.display());
    path
}

fn plant(dir: &Path, library: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let planted = dir.join("libonnxruntime.so.1.31.1");
    std::fs::copy(library, &planted).unwrap();
    planted
}

#[test]
fn planted_libraries_are_not_loaded() {
    if let Some(cwd) = std::env::var_os(CHILD) {
        // The child: the planted tree is all around, ORT_DYLIB_PATH is unset.
        std::env::set_current_dir(&cwd).unwrap();
        let found = ozinstant::runtime::find_library(None);
        let loaded = ozinstant::Engine::new(ozinstant::EngineConfig::default()).map(|e| e.runtime().clone());
        println!("\nFIND {found:?}");
        println!("LOAD {loaded:?}");
        return;
    }

    let library = real_library();
    let root = std::env::temp_dir().join(format!("ozi-planted-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    // 1. A cwd ancestor's .cache/onnxruntime (what the core searched before) and the cwd itself.
    let mut planted = vec![plant(&root.join(".cache/onnxruntime"), &library)];
    let cwd = root.join("uploads/incoming");
    planted.push(plant(&cwd, &library));
    planted.push(plant(&cwd.join(".cache/onnxruntime"), &library));
    // 2. A python3 on PATH whose prefix holds an onnxruntime package, and a virtualenv.
    let prefix = root.join("venv");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    std::os::unix::fs::symlink("/bin/sh", prefix.join("bin/python3")).unwrap();
    planted.push(plant(&prefix.join("lib/python3.11/site-packages/onnxruntime/capi"), &library));
    let home = root.join("home");
    planted.push(plant(&home.join(".local/lib/python3.11/site-packages/onnxruntime/capi"), &library));

    let path = format!("{}:/usr/bin:/bin", prefix.join("bin").display());
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "planted_libraries_are_not_loaded", "--nocapture", "--test-threads=1"])
        .env(CHILD, &cwd)
        .env_remove("ORT_DYLIB_PATH")
        .env("PATH", &path)
        .env("VIRTUAL_ENV", &prefix)
        .env("CONDA_PREFIX", &prefix)
        .env("HOME", &home)
        .env("ORT_DISABLE_TELEMETRY", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    std::fs::remove_dir_all(&root).unwrap();
    assert!(out.status.success(), "child failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("{stdout}");
    let find = stdout.lines().find(|l| l.starts_with("FIND ")).expect("child printed FIND");
    let load = stdout.lines().find(|l| l.starts_with("LOAD ")).expect("child printed LOAD");
    let root_text = root.display().to_string();
    assert!(!find.contains(&root_text) && !load.contains(&root_text), "a planted library was used: {find} / {load}");
    // Nor the checkout's own .cache/ (the test binary lives in its target/): that discovery
    // belongs to the CLI and the Makefile.
    let checkout_cache = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join(".cache");
    assert!(!load.contains(&checkout_cache.display().to_string()), "the checkout's cache was searched: {load}");
    // What happened instead: only the system loader (the test binary has no library beside it),
    // and this machine may or may not have one installed system-wide.
    if find.starts_with("FIND Err") {
        assert!(find.contains("runtime_not_found") || find.contains("RuntimeNotFound"), "{find}");
        assert!(load.contains("RuntimeNotFound"), "{load}");
        for p in &planted {
            assert!(!find.contains(&p.parent().unwrap().display().to_string()), "{find}");
        }
    } else {
        assert!(find.contains("\"system\""), "{find}");
    }
}
