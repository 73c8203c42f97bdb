//! ONNX Runtime for a developer checkout: the `.cache/onnxruntime/` that `make ort` fills.
//!
//! The library itself never searches the file system beyond an explicit path, `ORT_DYLIB_PATH`,
//! its own directory and the system loader (`ozinstant::runtime::find_library`). The CLI adds
//! one convenience on top, and only for a binary that cargo built inside a checkout: when the
//! executable lives under `<checkout>/target/`, `<checkout>/.cache/onnxruntime/` is used. The
//! working directory plays no part, so running the CLI in a folder someone else can write to
//! cannot make it load their library.

use std::path::{Path, PathBuf};

/// What `found_by` says for a library found here.
pub const FOUND_BY: &str = "checkout";

/// The ONNX Runtime of the checkout that built `exe`, if `exe` is under a `target/` directory
/// next to a `Cargo.toml` and that checkout has fetched one.
pub fn library_for(exe: &Path) -> Option<PathBuf> {
    let target = exe.ancestors().skip(1).find(|a| a.file_name().is_some_and(|n| n == "target"))?;
    let checkout = target.parent()?;
    if !checkout.join("Cargo.toml").is_file() {
        return None;
    }
    ozinstant::runtime::lib_in_dir(&checkout.join(".cache").join("onnxruntime"))
}

/// The library for this process: nothing when the user chose one (`--ort-library`, a config
/// file, `ORT_DYLIB_PATH`), else the checkout's.
pub fn library() -> Option<PathBuf> {
    if std::env::var_os("ORT_DYLIB_PATH").is_some_and(|v| !v.is_empty()) {
        return None;
    }
    library_for(&std::fs::canonicalize(std::env::current_exe().ok()?).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_cargo_target_dir_of_a_checkout_counts() {
        let root = std::env::temp_dir().join(format!("ozi-checkout-{}", std::process::id()));
        let cache = root.join(".cache/onnxruntime");
        std::fs::create_dir_all(&cache).unwrap();
        std::fs::create_dir_all(root.join("target/release")).unwrap();
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::write(cache.join("libonnxruntime.so.1.31.1"), b"x").unwrap();
        let exe = root.join("target/release/ozinstant");
        // No Cargo.toml: not a checkout.
        assert_eq!(library_for(&exe), None);
        std::fs::write(root.join("Cargo.toml"), b"[workspace]\n").unwrap();
        assert_eq!(library_for(&exe), Some(cache.join("libonnxruntime.so.1.31.1")));
        // Outside target/: installed binaries are not checkouts.
        assert_eq!(library_for(&root.join("bin/ozinstant")), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
