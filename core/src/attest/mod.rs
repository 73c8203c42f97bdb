//! Signed results ("attestations"), issue 14. This first part: RFC 8785 canonical JSON.

mod canon;

pub use canon::canonical_json;
