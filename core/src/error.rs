//! The one error type of ozinstant.
//!
//! Every variant has a stable numeric [`Error::code`] and a stable snake_case [`Error::name`].
//! Front doors map on those, never on the message text. Numbers are never reused: a retired
//! variant keeps its number as a comment below.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in ozinstant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed input that is not an image problem: empty media, raw pixels whose stride or
    /// length lies, a bad request id, an unknown option value.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The bytes are not one of the supported image formats (JPEG, PNG, WebP, BMP, GIF).
    #[error("unsupported image format: {0}")]
    UnsupportedFormat(String),

    /// The bytes claim a supported format but cannot be decoded (truncated, corrupt markers, ...).
    #[error("image could not be decoded: {0}")]
    Decode(String),

    /// The encoded media is larger than `limits.max_bytes_per_media`.
    #[error("media is {size} bytes, over the limit of {limit} bytes")]
    MediaTooLarge {
        /// Size of the offending media in bytes.
        size: u64,
        /// The configured limit in bytes.
        limit: u64,
    },

    /// The image header announces more pixels (or a longer side) than the limits allow.
    /// Raised from the header, before any pixel buffer is allocated.
    #[error("image is {width}x{height} pixels, over the limit ({reason})")]
    ImageTooLarge {
        /// Width from the header, in pixels.
        width: u32,
        /// Height from the header, in pixels.
        height: u32,
        /// Which limit was exceeded.
        reason: String,
    },

    /// A request carries more media than `limits.max_media_per_request`, or none at all.
    #[error("request has {count} media; allowed: 1 to {limit}")]
    TooManyMedia {
        /// Number of media in the request.
        count: usize,
        /// The configured limit.
        limit: usize,
    },

    /// The engine already holds `max_in_flight` requests. Nothing was accepted; retry later.
    #[error("engine is busy: {in_flight} requests in flight (max {limit})")]
    Busy {
        /// Requests in flight when this one was refused.
        in_flight: usize,
        /// The configured `max_in_flight`.
        limit: usize,
    },

    /// No ONNX Runtime shared library could be found. The message lists where it looked.
    #[error("ONNX Runtime library not found. {0}")]
    RuntimeNotFound(String),

    /// ONNX Runtime failed to load, create a session or run a model.
    #[error("ONNX Runtime error: {0}")]
    Runtime(String),

    /// A model file is missing, has the wrong checksum, or has unexpected inputs/outputs.
    #[error("model error: {0}")]
    Model(String),

    /// The engine configuration is invalid (unknown key, out-of-range value, bad JSON).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A file given by path could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },

    /// A bug: a panic or a broken invariant inside the engine. Please report it.
    #[error("internal error: {0}")]
    Internal(String),

    /// The engine shut down before the request could run.
    #[error("engine is shutting down")]
    ShuttingDown,

    /// A video whose codec (or a coding tool of it) this build cannot decode. The message
    /// names the codec and the ones that are supported.
    #[error("unsupported video codec: {0}")]
    UnsupportedCodec(String),

    /// A video longer than the limits allow (duration or frame count), found from its headers
    /// before any frame is decoded.
    #[error("video too long: {reason}")]
    VideoTooLong {
        /// Which limit was exceeded, with the values.
        reason: String,
    },

    /// The engine was created in another process and inherited through `fork()`. Its worker
    /// threads (the rayon pool, ONNX Runtime's) do not exist in this process, so it refuses
    /// work instead of waiting forever. Build a new engine after forking (or use `exec`).
    #[error(
        "engine was created in process {created_pid} and inherited through fork() by process {pid}; \
         its worker threads do not exist here: create a new engine in this process"
    )]
    Forked {
        /// Process id the engine was created in.
        created_pid: u32,
        /// Process id of the caller.
        pid: u32,
    },

    /// A shot set (ZIP archive of frames) refused before anything was extracted: too many
    /// entries, an entry or the total over the size limits, a compression ratio that marks a
    /// zip bomb, an entry that lies about its size, or no image entry at all.
    #[error("shot set archive rejected: {reason}")]
    ArchiveRejected {
        /// Which limit or rule was broken, with the values.
        reason: String,
    },
}

/// Category of an error, used by front doors to pick a host exception type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// Caller's input is wrong (maps to ValueError-like exceptions).
    InvalidInput,
    /// Engine is full; retry.
    Busy,
    /// The ONNX Runtime library is missing.
    RuntimeNotFound,
    /// Model loading or checksum problem.
    Model,
    /// Configuration problem.
    Config,
    /// File system problem with a caller-given path.
    Io,
    /// Inference or internal fault.
    Runtime,
}

impl Error {
    /// Stable numeric code. Never renumbered; retired codes are never reused.
    pub fn code(&self) -> u32 {
        match self {
            Error::InvalidInput(_) => 1,
            Error::UnsupportedFormat(_) => 2,
            Error::Decode(_) => 3,
            Error::MediaTooLarge { .. } => 4,
            Error::ImageTooLarge { .. } => 5,
            Error::TooManyMedia { .. } => 6,
            Error::Busy { .. } => 7,
            Error::RuntimeNotFound(_) => 8,
            Error::Runtime(_) => 9,
            Error::Model(_) => 10,
            Error::Config(_) => 11,
            Error::Io { .. } => 12,
            Error::Internal(_) => 13,
            Error::ShuttingDown => 14,
            Error::UnsupportedCodec(_) => 15,
            Error::Forked { .. } => 16,
            Error::VideoTooLong { .. } => 17,
            Error::ArchiveRejected { .. } => 18,
        }
    }

    /// Stable snake_case name, used as `error.code` in JSON and as Node's `err.code`.
    pub fn name(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "invalid_input",
            Error::UnsupportedFormat(_) => "unsupported_format",
            Error::Decode(_) => "decode_failed",
            Error::MediaTooLarge { .. } => "media_too_large",
            Error::ImageTooLarge { .. } => "image_too_large",
            Error::TooManyMedia { .. } => "too_many_media",
            Error::Busy { .. } => "busy",
            Error::RuntimeNotFound(_) => "runtime_not_found",
            Error::Runtime(_) => "runtime_error",
            Error::Model(_) => "model_error",
            Error::Config(_) => "invalid_config",
            Error::Io { .. } => "io_error",
            Error::Internal(_) => "internal_error",
            Error::ShuttingDown => "shutting_down",
            Error::UnsupportedCodec(_) => "unsupported_codec",
            Error::Forked { .. } => "forked",
            Error::VideoTooLong { .. } => "video_too_long",
            Error::ArchiveRejected { .. } => "archive_rejected",
        }
    }

    /// Category for mapping onto host-language exception classes.
    pub fn category(&self) -> ErrorCategory {
        match self {
            Error::InvalidInput(_)
            | Error::UnsupportedFormat(_)
            | Error::Decode(_)
            | Error::MediaTooLarge { .. }
            | Error::ImageTooLarge { .. }
            | Error::TooManyMedia { .. }
            | Error::UnsupportedCodec(_)
            | Error::VideoTooLong { .. }
            | Error::ArchiveRejected { .. } => ErrorCategory::InvalidInput,
            Error::Busy { .. } => ErrorCategory::Busy,
            Error::RuntimeNotFound(_) => ErrorCategory::RuntimeNotFound,
            Error::Model(_) => ErrorCategory::Model,
            Error::Config(_) => ErrorCategory::Config,
            Error::Io { .. } => ErrorCategory::Io,
            Error::Runtime(_) | Error::Internal(_) | Error::ShuttingDown | Error::Forked { .. } => {
                ErrorCategory::Runtime
            }
        }
    }

    /// All `(code, name)` pairs, for front doors that publish the table.
    pub const CODES: &'static [(u32, &'static str)] = &[
        (1, "invalid_input"),
        (2, "unsupported_format"),
        (3, "decode_failed"),
        (4, "media_too_large"),
        (5, "image_too_large"),
        (6, "too_many_media"),
        (7, "busy"),
        (8, "runtime_not_found"),
        (9, "runtime_error"),
        (10, "model_error"),
        (11, "invalid_config"),
        (12, "io_error"),
        (13, "internal_error"),
        (14, "shutting_down"),
        (15, "unsupported_codec"),
        (16, "forked"),
        (17, "video_too_long"),
        (18, "archive_rejected"),
    ];
}

impl From<ort::Error> for Error {
    fn from(e: ort::Error) -> Self {
        Error::Runtime(e.to_string())
    }
}

impl From<ort::Error<ort::session::builder::SessionBuilder>> for Error {
    fn from(e: ort::Error<ort::session::builder::SessionBuilder>) -> Self {
        Error::Runtime(ort::Error::<()>::from(e).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_table_matches_variants() {
        let samples = [
            Error::InvalidInput(String::new()),
            Error::UnsupportedFormat(String::new()),
            Error::Decode(String::new()),
            Error::MediaTooLarge { size: 0, limit: 0 },
            Error::ImageTooLarge { width: 0, height: 0, reason: String::new() },
            Error::TooManyMedia { count: 0, limit: 0 },
            Error::Busy { in_flight: 0, limit: 0 },
            Error::RuntimeNotFound(String::new()),
            Error::Runtime(String::new()),
            Error::Model(String::new()),
            Error::Config(String::new()),
            Error::Io { path: PathBuf::new(), message: String::new() },
            Error::Internal(String::new()),
            Error::ShuttingDown,
            Error::UnsupportedCodec(String::new()),
            Error::Forked { created_pid: 1, pid: 2 },
            Error::VideoTooLong { reason: String::new() },
            Error::ArchiveRejected { reason: String::new() },
        ];
        assert_eq!(samples.len(), Error::CODES.len());
        for (e, (code, name)) in samples.iter().zip(Error::CODES) {
            assert_eq!(e.code(), *code);
            assert_eq!(e.name(), *name);
        }
        let mut numbers: Vec<u32> = Error::CODES.iter().map(|(n, _)| *n).collect();
        numbers.dedup();
        assert_eq!(numbers.len(), Error::CODES.len(), "numbers are unique and ascending");
        assert!(numbers.windows(2).all(|w| w[0] < w[1]));
    }
}
