//! Turning the `PATH...` arguments into the ordered list of files to analyse.
//!
//! * A file named explicitly is always analysed, whatever its extension (the core sniffs the
//!   format from content).
//! * A folder is walked recursively in a deterministic order (entries sorted by file name at
//!   every level), keeping files whose extension is one of [`MEDIA_EXTENSIONS`]
//!   (case-insensitive): photos, videos and shot sets (ZIP archives of frames). Hidden entries
//!   (names starting with `.`) below the folder are skipped.
//! * A path that does not exist, or a folder without any such file, is a usage error.

use std::fmt;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Photo extensions (lower case, without the dot) picked up when walking folders.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "bmp", "gif"];
/// Video extensions picked up when walking folders (MP4, MOV and WebM/Matroska containers).
pub const VIDEO_EXTENSIONS: &[&str] = &["mp4", "mov", "m4v", "webm", "mkv"];
/// Shot set (ZIP archive of frames) extensions picked up when walking folders.
pub const SHOT_SET_EXTENSIONS: &[&str] = &["zip"];
/// Every extension picked up when walking folders: photos, videos, shot sets. Whatever the
/// extension, the core tells the kind from the content.
pub const MEDIA_EXTENSIONS: &[&[&str]] = &[IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, SHOT_SET_EXTENSIONS];

/// One file to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The path to open.
    pub path: PathBuf,
    /// The path as given or walked, reported as `source`.
    pub source: String,
}

/// The files to analyse, in input order, plus problems met while walking folders.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Files, in input order (arguments in the order given, folder contents sorted).
    pub files: Vec<Input>,
    /// Folder entries that could not be read while walking (e.g. permission denied). They are
    /// reported on stderr and make the run exit with code 1.
    pub walk_errors: Vec<String>,
}

/// Why the `PATH...` arguments cannot be used (a usage error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// The path does not exist (or cannot be inspected).
    NotFound(PathBuf, String),
    /// A folder holds no file with a photo, video or shot set extension.
    NoMedia(PathBuf),
    /// The path is neither a file nor a folder (socket, device, ...).
    NotAFileOrFolder(PathBuf),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::NotFound(p, why) => write!(f, "{}: {why}", p.display()),
            InputError::NoMedia(p) => write!(
                f,
                "{}: the folder contains no photo, video or shot set files (looked for {})",
                p.display(),
                MEDIA_EXTENSIONS.concat().join(", ")
            ),
            InputError::NotAFileOrFolder(p) => write!(f, "{}: not a regular file or a folder", p.display()),
        }
    }
}

impl std::error::Error for InputError {}

/// True when `path` has one of the [`MEDIA_EXTENSIONS`], ignoring case.
pub fn has_media_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MEDIA_EXTENSIONS.iter().flat_map(|l| l.iter()).any(|x| x.eq_ignore_ascii_case(e)))
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_str().is_some_and(|n| n.starts_with('.'))
}

/// Expands the `PATH...` arguments into the files to analyse. Every path is checked before
/// anything is returned, so a usage error is reported before any analysis starts.
pub fn collect(paths: &[PathBuf]) -> Result<Inputs, InputError> {
    let mut inputs = Inputs::default();
    for given in paths {
        // `metadata` follows symlinks: a link to a file counts as a file.
        let meta = std::fs::metadata(given).map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::NotFound {
                "no such file or folder".to_owned()
            } else {
                e.to_string()
            };
            InputError::NotFound(given.clone(), why)
        })?;
        if meta.is_file() {
            inputs.files.push(Input { path: given.clone(), source: given.display().to_string() });
        } else if meta.is_dir() {
            let before = inputs.files.len();
            walk(given, &mut inputs);
            if inputs.files.len() == before {
                return Err(InputError::NoMedia(given.clone()));
            }
        } else {
            return Err(InputError::NotAFileOrFolder(given.clone()));
        }
    }
    Ok(inputs)
}

fn walk(root: &Path, inputs: &mut Inputs) {
    let walker = WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| !is_hidden(e));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && has_media_extension(e.path()) => {
                inputs.files.push(Input { path: e.path().to_path_buf(), source: e.path().display().to_string() });
            }
            Ok(_) => {}
            Err(e) => inputs.walk_errors.push(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let d = std::env::temp_dir().join(format!("ozinstant-cli-inputs-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn extensions_are_case_insensitive() {
        assert!(has_media_extension(Path::new("a/b.JPG")));
        assert!(has_media_extension(Path::new("b.WebP")));
        for video in ["c.mp4", "c.MOV", "c.m4v", "c.webm", "c.MKV", "shots.Zip"] {
            assert!(has_media_extension(Path::new(video)), "{video}");
        }
        assert!(!has_media_extension(Path::new("b.tsv")));
        assert!(!has_media_extension(Path::new("b.avi")));
        assert!(!has_media_extension(Path::new("jpg")));
        assert!(!has_media_extension(Path::new("mp4")));
    }

    #[test]
    fn walks_sorted_recursively_and_keeps_explicit_files() {
        let d = temp_dir("walk");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(d.join(".hidden")).unwrap();
        for f in ["b.png", "a.JPEG", "notes.txt", "sub/c.gif", "sub/d.mp4", "sub/e.zip", ".hidden/x.jpg", ".y.jpg"] {
            std::fs::write(d.join(f), b"x").unwrap();
        }
        let inputs = collect(&[d.clone(), d.join("notes.txt")]).unwrap();
        let names: Vec<PathBuf> = inputs.files.iter().map(|i| i.path.strip_prefix(&d).unwrap().to_path_buf()).collect();
        assert_eq!(
            names,
            vec![
                PathBuf::from("a.JPEG"),
                PathBuf::from("b.png"),
                PathBuf::from("sub/c.gif"),
                PathBuf::from("sub/d.mp4"),
                PathBuf::from("sub/e.zip"),
                PathBuf::from("notes.txt")
            ]
        );
        assert_eq!(inputs.files[0].source, d.join("a.JPEG").display().to_string());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn missing_path_and_empty_folder_are_errors() {
        let d = temp_dir("empty");
        assert!(matches!(collect(std::slice::from_ref(&d)), Err(InputError::NoMedia(_))));
        assert!(matches!(collect(&[d.join("nope.jpg")]), Err(InputError::NotFound(..))));
        std::fs::remove_dir_all(&d).unwrap();
    }
}
