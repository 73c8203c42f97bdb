//! Shot sets: a ZIP archive of selfie frames (Oz Forensics' term), read in memory and safely.
//!
//! A client that cannot send a video may send the frames it captured as one archive. [`read`]
//! takes the whole archive as bytes, finds its image entries (by extension: `jpg`, `jpeg`,
//! `png`, `webp`, `bmp`, `gif`, any case), sorts them by name, and extracts only the `frames`
//! picked by [`crate::frame::sample_indices`] (first and last included). Nothing is written to
//! disk; entry names are only names.
//!
//! Order of checks, each one before the next step does any work:
//!
//! 1. the archive's byte length against `max_archive_bytes` ([`Error::MediaTooLarge`]): the
//!    zip crate parses the whole central directory up front, so its cost is bounded here;
//! 2. the central directory is parsed ([`Error::Decode`] if it is corrupt or truncated);
//! 3. the number of entries (all of them, not only images) against `max_entries`, and no two
//!    entries with one name (other readers would pick the other one);
//! 4. every entry name (no NUL byte), then every image entry, all of them and before any is
//!    extracted: not encrypted, stored or deflate only, declared size against
//!    `max_entry_bytes`, declared uncompressed / compressed ratio against
//!    `max_compression_ratio` (this refuses zip bombs without inflating a byte), and the sum of
//!    declared sizes against `max_total_bytes`;
//! 5. at least one image entry;
//! 6. only the sampled entries are inflated, each through a reader capped at one byte past its
//!    declared size: headers are never trusted, so an entry that holds more than it declares is
//!    refused ([`Error::ArchiveRejected`]), one that holds less or fails its CRC is corrupt
//!    ([`Error::Decode`]).
//!
//! Every call into the zip and deflate crates runs under `catch_unwind`: a panic there becomes
//! [`Error::Decode`]. Extracted bytes live in [`Zeroizing`] buffers allocated once at their
//! final size, and are never logged.

use std::io::{Cursor, Read};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;
use zip::{CompressionMethod, ZipArchive};

use crate::error::{Error, Result};
use crate::frame::sample_indices;

/// File extensions (lower case) of the entries taken as frames.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "bmp", "gif"];

/// Limits for shot sets. All are checked from the central directory, before anything is
/// extracted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ShotSetLimits {
    /// Most entries in the central directory, counting every entry (directories and skipped
    /// files too), not only images.
    pub max_entries: usize,
    /// Largest declared uncompressed size of one image entry, in bytes.
    pub max_entry_bytes: u64,
    /// Largest sum of the declared uncompressed sizes of all image entries, in bytes.
    pub max_total_bytes: u64,
    /// Largest declared uncompressed / compressed size ratio of one image entry. JPEG, PNG and
    /// WebP barely compress further; a large ratio marks a zip bomb.
    pub max_compression_ratio: u64,
}

impl Default for ShotSetLimits {
    fn default() -> Self {
        Self {
            max_entries: 64,
            max_entry_bytes: 10 * 1024 * 1024,
            max_total_bytes: 64 * 1024 * 1024,
            max_compression_ratio: 100,
        }
    }
}

impl ShotSetLimits {
    /// Checks that every limit is positive ([`Error::Config`] otherwise).
    pub fn validate(&self) -> Result<()> {
        let zero = [
            ("max_entries", self.max_entries == 0),
            ("max_entry_bytes", self.max_entry_bytes == 0),
            ("max_total_bytes", self.max_total_bytes == 0),
            ("max_compression_ratio", self.max_compression_ratio == 0),
        ];
        match zero.iter().find(|(_, is_zero)| *is_zero) {
            Some((name, _)) => Err(Error::Config(format!("shot set limits: {name} must be at least 1"))),
            None => Ok(()),
        }
    }
}

/// True when the bytes start like a ZIP archive: a local file header (`PK\x03\x04`), or the
/// end-of-central-directory record that is all an empty archive holds (`PK\x05\x06`).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// One extracted frame. Its content is never printed by `Debug`.
pub struct ShotEntry {
    /// Position among the archive's image entries sorted by name (0-based).
    pub index: usize,
    /// The entry's name as stored in the archive (lossy UTF-8), path included.
    pub name: String,
    /// The entry's bytes (an encoded image, not yet decoded), wiped on drop.
    pub bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for ShotEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShotEntry")
            .field("index", &self.index)
            .field("name", &self.name)
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The result of [`read`].
#[derive(Debug)]
pub struct ShotSet {
    /// Image entries in the archive.
    pub total: usize,
    /// Entries ignored: directories, symbolic links, `__MACOSX/` resource forks, dotfiles and
    /// files whose extension is not an image one.
    pub skipped: usize,
    /// The sampled entries, in name order.
    pub entries: Vec<ShotEntry>,
}

/// Reads a shot set: checks the archive against the limits (see the module docs for the order)
/// and extracts `frames` image entries sampled evenly over the name-sorted list (all of them
/// when there are fewer; none when `frames` is 0).
///
/// `max_archive_bytes` caps the archive itself ([`Error::MediaTooLarge`]), checked before the
/// archive is opened. Errors: [`Error::ArchiveRejected`] when a limit or rule is broken,
/// [`Error::Decode`] when the archive or an entry's deflate stream is corrupt or truncated.
pub fn read(bytes: &[u8], max_archive_bytes: u64, limits: &ShotSetLimits, frames: usize) -> Result<ShotSet> {
    let size = bytes.len() as u64;
    if size > max_archive_bytes {
        return Err(Error::MediaTooLarge { size, limit: max_archive_bytes });
    }
    contained(|| read_inner(bytes, limits, frames))
}

/// Runs the zip and deflate code with panics contained, as the video decoders do.
fn contained<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("no message");
        Err(Error::Decode(format!("zip: the archive reader panicked: {msg}")))
    })
}

fn rejected(reason: String) -> Error {
    Error::ArchiveRejected { reason }
}

fn zip_error(e: impl std::fmt::Display) -> Error {
    Error::Decode(format!("zip: {e}"))
}

/// What an entry name is taken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameKind {
    Image,
    Skipped,
}

/// Classifies an entry by its name alone: directories, anything under `__MACOSX/`, dotfiles
/// (including AppleDouble `._x.jpg`) and non-image extensions are skipped. Both `/` and `\` count
/// as separators (archivers on Windows write either).
fn classify(name: &str) -> NameKind {
    if name.ends_with('/') || name.ends_with('\\') {
        return NameKind::Skipped;
    }
    let mut components = name.split(['/', '\\']);
    if components.any(|c| c == "__MACOSX") {
        return NameKind::Skipped;
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if base.starts_with('.') {
        return NameKind::Skipped;
    }
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && IMAGE_EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)) => {
            NameKind::Image
        }
        _ => NameKind::Skipped,
    }
}

/// True when `uncompressed / compressed > max_ratio`, in integers; an empty compressed stream
/// that claims content is always over.
fn ratio_exceeds(uncompressed: u64, compressed: u64, max_ratio: u64) -> bool {
    if compressed == 0 {
        return uncompressed > 0;
    }
    // uncompressed / compressed > max_ratio  <=>  uncompressed > max_ratio * compressed (exact
    // for integers when the right side does not overflow; when it does, it exceeds any u64).
    match max_ratio.checked_mul(compressed) {
        Some(bound) => uncompressed > bound,
        None => false,
    }
}

/// Names a compression method for messages: its number and, when known, its name. (Matching
/// `Unsupported` is the only way to get the number back; the variant is deprecated for building
/// values, in favour of the named constants.)
#[allow(deprecated)]
fn method_label(method: CompressionMethod) -> String {
    match method {
        CompressionMethod::Unsupported(n) => match CompressionMethod::name_from_u16(n) {
            "Unknown" => format!("{n}"),
            name => format!("{n} ({})", name.to_ascii_lowercase()),
        },
        other => other.to_string().to_ascii_lowercase(),
    }
}

/// The checked facts of one image entry, from the central directory.
struct ImageEntry {
    /// Index in the zip crate's entry list.
    zip_index: usize,
    name: String,
    raw_name: Vec<u8>,
    method: Method,
    size: u64,
    crc32: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Stored,
    Deflated,
}

fn read_inner(bytes: &[u8], limits: &ShotSetLimits, frames: usize) -> Result<ShotSet> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;

    let count = archive.len();
    if count > limits.max_entries {
        return Err(rejected(format!("{count} entries, over the limit of {}", limits.max_entries)));
    }
    if archive.has_duplicate_names() {
        return Err(rejected("two entries have the same name".to_owned()));
    }

    // Every entry, from the central directory only: nothing is read from the entries' data yet.
    let mut images = Vec::new();
    let mut skipped = 0usize;
    let mut total_bytes = 0u64;
    for zip_index in 0..count {
        let entry = archive.by_index_data(zip_index).map_err(zip_error)?;
        let raw_name = entry.name_raw();
        let name = String::from_utf8_lossy(raw_name).into_owned();
        if raw_name.contains(&0) {
            return Err(rejected(format!("entry name {name:?} contains a NUL byte")));
        }
        if entry.is_dir() || entry.is_symlink() || classify(&name) == NameKind::Skipped {
            skipped += 1;
            continue;
        }
        if entry.encrypted() {
            return Err(rejected(format!("entry {name:?} is encrypted; encrypted entries are not supported")));
        }
        let method = match entry.compression() {
            CompressionMethod::Stored => Method::Stored,
            CompressionMethod::Deflated => Method::Deflated,
            other => {
                return Err(rejected(format!(
                    "entry {name:?} uses compression method {}; only stored (0) and deflate (8) are supported",
                    method_label(other)
                )));
            }
        };
        let (size, compressed) = (entry.size(), entry.compressed_size());
        if size > limits.max_entry_bytes {
            return Err(rejected(format!(
                "entry {name:?} declares {size} bytes, over the per-entry limit of {} bytes",
                limits.max_entry_bytes
            )));
        }
        if ratio_exceeds(size, compressed, limits.max_compression_ratio) {
            return Err(rejected(format!(
                "entry {name:?} declares {size} bytes from {compressed} compressed bytes: compression ratio over \
                 the limit of {} (zip bomb)",
                limits.max_compression_ratio
            )));
        }
        total_bytes = total_bytes.saturating_add(size);
        images.push(ImageEntry { zip_index, name, raw_name: raw_name.to_vec(), method, size, crc32: entry.crc32() });
    }
    if total_bytes > limits.max_total_bytes {
        return Err(rejected(format!(
            "image entries declare {total_bytes} bytes in total, over the limit of {} bytes",
            limits.max_total_bytes
        )));
    }
    if images.is_empty() {
        return Err(rejected(format!(
            "no image entry (by extension: {}) among {count} entries",
            IMAGE_EXTENSIONS.join(", ")
        )));
    }

    images.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.raw_name.cmp(&b.raw_name)));
    let total = images.len();
    let mut entries = Vec::new();
    for index in sample_indices(total, frames) {
        let image = &images[index];
        let content = extract(&mut archive, bytes, image, limits)?;
        entries.push(ShotEntry { index, name: image.name.clone(), bytes: content });
    }
    Ok(ShotSet { total, skipped, entries })
}

/// Inflates one checked entry into a buffer allocated once, capped one byte past the declared
/// size (and past `max_entry_bytes`).
fn extract(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    bytes: &[u8],
    image: &ImageEntry,
    limits: &ShotSetLimits,
) -> Result<Zeroizing<Vec<u8>>> {
    // Locates the data through the entry's local header, without decompressing anything.
    let (data_start, compressed) = {
        let file = archive.by_index_raw(image.zip_index).map_err(zip_error)?;
        let start = file.data_start().ok_or_else(|| zip_error(format!("no data offset for entry {:?}", image.name)))?;
        (start, file.compressed_size())
    };
    let data = usize::try_from(data_start)
        .ok()
        .zip(usize::try_from(compressed).ok())
        .and_then(|(start, len)| bytes.get(start..start.checked_add(len)?))
        .ok_or_else(|| zip_error(format!("entry {:?} runs past the end of the archive", image.name)))?;

    let declared = image.size;
    let cap = declared.min(limits.max_entry_bytes);
    let len = usize::try_from(cap).map_err(|_| rejected(format!("entry {:?} is too large", image.name)))?;
    let mut out = Zeroizing::new(vec![0u8; len + 1]);
    let got = match image.method {
        Method::Stored => fill(&mut &data[..], &mut out),
        Method::Deflated => fill(&mut flate2::bufread::DeflateDecoder::new(data), &mut out),
    }
    .map_err(|e| zip_error(format!("entry {:?}: {e}", image.name)))?;

    if got as u64 > cap {
        return Err(rejected(format!(
            "entry {:?} holds more than its declared {declared} bytes (the header lies)",
            image.name
        )));
    }
    if (got as u64) < declared {
        return Err(zip_error(format!("entry {:?} is truncated: {got} of its declared {declared} bytes", image.name)));
    }
    out.truncate(got);
    let mut crc = flate2::Crc::new();
    crc.update(&out);
    if crc.sum() != image.crc32 {
        return Err(zip_error(format!("entry {:?} fails its CRC-32 check", image.name)));
    }
    Ok(out)
}

/// Reads until `buf` is full or the reader ends; returns how many bytes were read. Never grows
/// `buf`, so no copy of the content is left behind in a freed allocation.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_takes_images_by_extension_in_any_case() {
        for name in ["a.jpg", "b.JPEG", "dir/c.Png", "d.webp", "e.BMP", "f.gif", "x\\y\\g.jpg", "../../h.jpg"] {
            assert_eq!(classify(name), NameKind::Image, "{name}");
        }
    }

    #[test]
    fn classify_skips_directories_resource_forks_dotfiles_and_other_files() {
        for name in [
            "frames/",
            "frames\\",
            "__MACOSX/._a.jpg",
            "__MACOSX/frames/a.jpg",
            "x/__MACOSX/a.jpg",
            ".DS_Store",
            "._a.jpg",
            "frames/.hidden.png",
            "notes.txt",
            "a.jpg.txt",
            "jpg",
            ".jpg",
            "a.tiff",
            "a.",
            "",
        ] {
            assert_eq!(classify(name), NameKind::Skipped, "{name:?}");
        }
    }

    #[test]
    fn ratio_is_checked_in_integers() {
        assert!(!ratio_exceeds(100, 1, 100));
        assert!(ratio_exceeds(101, 1, 100));
        assert!(!ratio_exceeds(0, 0, 100));
        assert!(ratio_exceeds(1, 0, 100));
        assert!(!ratio_exceeds(u64::MAX, u64::MAX / 2, 100));
        assert!(!ratio_exceeds(u64::MAX, 2, u64::MAX));
        assert!(ratio_exceeds(20_000_000, 19_500, 100));
    }

    #[test]
    fn method_labels_name_the_number() {
        assert_eq!(method_label(CompressionMethod::LZMA), "14 (lzma)");
        assert_eq!(method_label(CompressionMethod::BZIP2), "12 (bzip2)");
        assert_eq!(method_label(CompressionMethod::IBM_TERSE), "18");
        assert_eq!(method_label(CompressionMethod::DEFLATE64), "9 (deflate64)");
    }

    #[test]
    fn is_zip_recognises_both_signatures() {
        assert!(is_zip(b"PK\x03\x04rest"));
        assert!(is_zip(b"PK\x05\x06\0\0"));
        assert!(!is_zip(b"PK\x01\x02"));
        assert!(!is_zip(b"\xff\xd8\xff"));
        assert!(!is_zip(b"PK"));
        assert!(!is_zip(b""));
    }

    #[test]
    fn limits_default_validate_and_round_trip() {
        let limits = ShotSetLimits::default();
        limits.validate().unwrap();
        assert_eq!(limits.max_entries, 64);
        assert_eq!(limits.max_entry_bytes, 10 << 20);
        assert_eq!(limits.max_total_bytes, 64 << 20);
        assert_eq!(limits.max_compression_ratio, 100);
        let json = serde_json::to_string(&limits).unwrap();
        assert_eq!(serde_json::from_str::<ShotSetLimits>(&json).unwrap(), limits);
        let partial: ShotSetLimits = serde_json::from_str(r#"{"max_entries": 8}"#).unwrap();
        assert_eq!(partial, ShotSetLimits { max_entries: 8, ..ShotSetLimits::default() });
        assert!(serde_json::from_str::<ShotSetLimits>(r#"{"max_entrys": 8}"#).is_err());
        for broken in [
            ShotSetLimits { max_entries: 0, ..limits.clone() },
            ShotSetLimits { max_entry_bytes: 0, ..limits.clone() },
            ShotSetLimits { max_total_bytes: 0, ..limits.clone() },
            ShotSetLimits { max_compression_ratio: 0, ..limits.clone() },
        ] {
            let err = broken.validate().unwrap_err();
            assert_eq!(err.name(), "invalid_config", "{err}");
        }
    }

    #[test]
    fn fill_stops_at_the_buffer_end() {
        let mut buf = [0u8; 4];
        assert_eq!(fill(&mut &b"abcdef"[..], &mut buf).unwrap(), 4);
        assert_eq!(&buf, b"abcd");
        let mut buf = [0u8; 8];
        assert_eq!(fill(&mut &b"abc"[..], &mut buf).unwrap(), 3);
    }

    #[test]
    fn shot_entry_debug_hides_the_content() {
        let entry = ShotEntry { index: 2, name: "f.jpg".into(), bytes: Zeroizing::new(b"SECRETBYTES".to_vec()) };
        let text = format!("{entry:?}");
        assert!(text.contains("f.jpg") && text.contains("11"), "{text}");
        assert!(!text.contains("SECRET") && !text.contains("83, 69"), "{text}");
    }
}
