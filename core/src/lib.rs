//! # ozinstant
//!
//! Stateless, in-process face liveness (passive anti-spoofing). Hand it a selfie — encoded
//! bytes, a file path or raw pixels — and get back a verdict (`SUCCESS` = live, `DECLINED` =
//! attack, `FAILED` with a reason), the spoofing score, the face and the quality checks. No data
//! is kept, no file is written and no socket is opened.
//!
//! ```no_run
//! use ozinstant::{Engine, EngineConfig, Media};
//! let engine = Engine::new(EngineConfig::default())?;
//! let result = engine.analyze(Media::path("selfie.jpg"))?;
//! println!("{} {:?}", result.resolution.as_str(), result.confidence_spoofing);
//! # Ok::<(), ozinstant::Error>(())
//! ```
//!
//! The pipeline, one module per stage: [`decode`] → [`detect`] → [`quality`] → [`liveness`]
//! (several models, fused) → [`decision`] → [`report`]; [`pipeline`] runs them for one media. [`engine`] adds threads, backpressure, async submission,
//! retention and metrics on top. [`biometry`] compares the faces of a request's media (aligned
//! MobileFaceNet embeddings, every pair, least similar pair decides) when a request asks for it.
//! [`attest`] signs results and verifies signed ones (Ed25519 JWS over RFC 8785 canonical JSON).
#![warn(missing_docs)]

pub mod attest;
pub mod biometry;
pub mod config;
pub mod decision;
pub mod decode;
pub mod detect;
pub mod engine;
pub mod error;
pub mod frame;
pub mod liveness;
pub mod models;
pub mod pipeline;
pub mod quality;
pub mod report;
pub mod request;
pub mod resize;
pub mod runtime;
pub mod sequence;
pub mod shotset;
pub mod stats;
#[cfg(test)]
mod testutil;
#[cfg(feature = "video")]
pub mod video;

/// Version of the ozinstant engine (all front doors share it).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use config::{EngineConfig, FacePolicy, Limits, LivenessConfig, Retention, SigningConfig, VideoConfig};
pub use decision::{DEFAULT_THRESHOLD, SecurityLevel};
pub use decode::{ImageInfo, PixelFormat};
pub use engine::{Engine, MetadataEvent, Observer, Reservation};
pub use error::{Error, ErrorCategory, Result};
pub use liveness::{Fusion, Opinion};
pub use report::{Attestation, BiometryReport, FailReason, MediaResult, RequestResult, Resolution};
pub use request::{AnalysisKind, AnalyzeOptions, Media, MediaRef, MediaSource, MediaTag, RawFrame, Request};
pub use stats::Stats;
