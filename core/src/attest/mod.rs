//! Signed results ("attestations"): a result that carries proof it came, unaltered, from an
//! engine holding the host's Ed25519 key.
//!
//! # The format
//!
//! A signed result (a request result, or one media result) has an `attestation` member:
//!
//! ```json
//! "attestation": {
//!   "alg": "EdDSA",
//!   "key_id": "liveness-2026-01",
//!   "issued_at": "2026-12-02T04:50:22Z",
//!   "nonce": "c9f1…",                      // when the caller gave one
//!   "media_sha256": "3b0f…",               // when the result is about one media's bytes
//!   "engine_version": "0.1.0",
//!   "models": [{"id": "minifasnet_v2", "sha256": "…", "source": "embedded"}],
//!   "jws": "eyJhbGciOiJFZERTQSIsImtpZCI6…"
//! }
//! ```
//!
//! `jws` is a JWS in Compact Serialization (RFC 7515) with `alg: EdDSA` (RFC 8037), protected
//! header exactly `{"alg":"EdDSA","kid":<key_id>,"typ":"ozinstant-result+json"}` and an embedded
//! payload: the RFC 8785 (JCS) canonical JSON of the **signed value**, which is
//!
//! > the result with every `attestation.jws` member anywhere inside it removed
//! > ([`strip_signatures`]).
//!
//! So the signature covers every member of the result, the attestation's own fields included
//! (key id, time, nonce, media hash, engine and model versions), and the nested results with
//! their attestations minus their `jws`.
//!
//! # Nesting
//!
//! A request result holds media results, each signed on its own (so one media result can be
//! handed on and verified alone). The caller signs inside out: first every media result with
//! [`sign_result`] (its `media_sha256` set), then puts them into the request result and signs
//! that. Since the request's signed value strips every nested `jws`, the order of the nested
//! signatures does not matter to the outer one, and re-signing a media result afterwards does not
//! break the request's signature; changing any other member of it does.
//!
//! # Verifying
//!
//! [`verify_result`] checks the top-level `attestation.jws` (signature, header, key id), then that
//! its payload equals [`strip_signatures`] of the result **as JSON values**: objects as maps,
//! numbers by value, so a verifier whose JSON library writes `0.9731` as `9.731e-1` or `1` as
//! `1.0` still verifies, while a change of any signed field (one digit of a score, one character
//! of a nonce or request id, an added or removed member) fails and names the JSON Pointer where
//! it differs. It then verifies every nested attestation the same way, over its own object, and
//! counts them ([`Verified::nested_verified`]). A host then checks what only it knows: that
//! `nonce` is the one it issued, `issued_at` is recent, `media_sha256` is its media's hash.
//!
//! Read the verified data from [`Verified::payload`], the value the signature covers.
//!
//! # Pitfalls for the signer
//!
//! - Sign the [`serde_json::Value`] that is published, and write the published text from that
//!   same value (`serde_json::to_string(&value)`). A struct serialised directly can differ from
//!   its `Value`: an `f32` field is written `0.1` by the struct but `0.10000000149011612` by the
//!   `Value` (which widens it to `f64`), and the two do not compare equal.
//! - Integers beyond ±2^53 cannot be signed ([`sign`] refuses them): JCS numbers are doubles.
//!
//! # Errors
//!
//! A bad key or key id is [`Error::Config`]; a key file that cannot be read, [`Error::Io`]; a
//! JWS or result that does not verify, or a result that cannot be signed, [`Error::InvalidInput`]
//! with a message starting `attestation`.
//!
//! # Example
//!
//! ```
//! use ozinstant::attest::{self, AttestationFields, SigningKey, VerifyingKey};
//! use serde_json::json;
//!
//! let key = SigningKey::from_seed(&[7; 32], "demo-2026")?;
//! let fields = AttestationFields {
//!     issued_at: "2026-12-02T04:50:22Z".into(),
//!     nonce: Some("n-8f2c".into()),
//!     media_sha256: None,
//!     engine_version: ozinstant::VERSION.into(),
//!     models: Vec::new(),
//! };
//! // Inside out: the media result first, then the request result holding it.
//! let mut media = json!({"request_id": "r1", "media_index": 0, "confidence_spoofing": 0.006302});
//! let media_fields = AttestationFields { media_sha256: Some("ab".repeat(32)), ..fields.clone() };
//! attest::sign_result(&mut media, &key, &media_fields)?;
//! let mut request = json!({"request_id": "r1", "resolution": "SUCCESS", "media": [media]});
//! attest::sign_result(&mut request, &key, &fields)?;
//! let published = serde_json::to_string(&request).unwrap();
//!
//! // The verifier holds the public key (`openssl pkey -pubout` PEM) and its key id.
//! let public = VerifyingKey::from_spki_pem(&key.verifying_key().to_spki_pem())?.with_key_id("demo-2026")?;
//! let received: serde_json::Value = serde_json::from_str(&published).unwrap();
//! let verified = attest::verify_result(&received, &public)?;
//! assert_eq!((verified.nonce.as_deref(), verified.nested_verified), (Some("n-8f2c"), 1));
//! # Ok::<(), ozinstant::Error>(())
//! ```

mod canon;
mod jws;
mod key;

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

pub use canon::canonical_json;
pub use jws::{ALG, TYP, sign, verify_jws};
pub use key::{MAX_KEY_ID_BYTES, SigningKey, VerifyingKey};

use crate::error::{Error, Result};
use crate::models::ModelVersion;

/// Name of the member that holds a result's attestation.
pub const ATTESTATION: &str = "attestation";

/// Longest accepted nonce, in bytes.
pub const MAX_NONCE_BYTES: usize = 1024;

/// The attestation fields [`sign_result`] writes besides `alg`, `key_id` and `jws`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttestationFields {
    /// When the result was produced, RFC 3339 in UTC (`2026-12-02T04:50:22Z`, see
    /// [`rfc3339_utc`]). Must not be empty.
    pub issued_at: String,
    /// The caller's challenge for this request, 1 to [`MAX_NONCE_BYTES`] bytes; `None` leaves
    /// the member out.
    pub nonce: Option<String>,
    /// SHA-256 of the media's bytes as received, 64 lower-case hex digits; for a media result.
    /// `None` leaves the member out.
    pub media_sha256: Option<String>,
    /// The engine's version ([`crate::VERSION`]).
    pub engine_version: String,
    /// The models the result was computed with.
    pub models: Vec<ModelVersion>,
}

/// What [`verify_result`] established.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The signed value: the result without its `attestation.jws` members, as read back from its
    /// canonical JSON (so an integral double such as `1.0` is now the integer `1`; compare
    /// numbers with `as_f64`). Read verified data from here.
    pub payload: Value,
    /// The key id the result was signed under (header `kid` = `attestation.key_id`).
    pub key_id: String,
    /// `attestation.issued_at`, as signed.
    pub issued_at: String,
    /// `attestation.nonce`, as signed; `None` when the result has none.
    pub nonce: Option<String>,
    /// How many nested attestations (media results) were verified besides the top-level one.
    pub nested_verified: usize,
}

/// Signs `result` in place: writes `result.attestation` (`alg`, `key_id`, then `fields`), signs
/// [`strip_signatures`] of the result and stores the JWS as `attestation.jws`.
///
/// `result` must be a JSON object; an `attestation` it already has is replaced. Nested results
/// must be signed before (see the module documentation). On error `result` is left unchanged.
pub fn sign_result(result: &mut Value, key: &SigningKey, fields: &AttestationFields) -> Result<()> {
    if !result.is_object() {
        return Err(Error::InvalidInput("attestation: only a JSON object (a result) can be signed".into()));
    }
    let mut attestation = attestation_members(key, fields)?;
    let mut signed = strip_signatures(result);
    if let Value::Object(members) = &mut signed {
        members.insert(ATTESTATION.to_owned(), Value::Object(attestation.clone()));
    }
    let jws = sign(&signed, key)?;
    attestation.insert("jws".to_owned(), Value::String(jws));
    if let Value::Object(members) = result {
        members.insert(ATTESTATION.to_owned(), Value::Object(attestation));
    }
    Ok(())
}

/// The attestation of a typed result (a [`MediaResult`](crate::MediaResult),
/// [`RequestResult`](crate::RequestResult) or a door's own document), to be stored in its
/// `attestation` member: [`sign_result`] over the JSON text `result` serialises to, read back as
/// a value, so that a verifier parsing the published text sees exactly the numbers that were
/// signed (see "Pitfalls for the signer"). `result` must serialise to an object whose
/// `attestation` member is absent or `null` and is then written as this attestation.
pub fn attestation_of<T: serde::Serialize>(
    result: &T,
    key: &SigningKey,
    fields: &AttestationFields,
) -> Result<crate::report::Attestation> {
    let unsignable = |e: String| Error::Internal(format!("cannot sign the result: {e}"));
    let text = serde_json::to_string(result).map_err(|e| unsignable(e.to_string()))?;
    let mut value: Value = serde_json::from_str(&text).map_err(|e| unsignable(e.to_string()))?;
    if let Value::Object(members) = &mut value
        && members.get(ATTESTATION).is_some_and(Value::is_null)
    {
        members.remove(ATTESTATION);
    }
    sign_result(&mut value, key, fields).map_err(|e| unsignable(e.to_string()))?;
    let attestation = value.get_mut(ATTESTATION).map(Value::take).unwrap_or_default();
    serde_json::from_value(attestation).map_err(|e| unsignable(e.to_string()))
}

/// SHA-256 of `bytes`, lower-case hex: the form of `attestation.media_sha256`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    crate::models::hex(&Sha256::digest(bytes))
}

/// A copy of `value` with every `jws` member of every `attestation` object removed, at any depth:
/// the value an attestation signs.
pub fn strip_signatures(value: &Value) -> Value {
    let mut stripped = value.clone();
    strip_in_place(&mut stripped);
    stripped
}

/// Verifies a signed result against `key`: the top-level attestation and every nested one (see
/// the module documentation). Fails with [`Error::InvalidInput`] naming the first problem and,
/// for a changed field, its JSON Pointer.
pub fn verify_result(result: &Value, key: &VerifyingKey) -> Result<Verified> {
    let (key_id, payload) = verify_one(result, "", key)?;
    let attestation = &payload[ATTESTATION];
    let issued_at = attestation["issued_at"].as_str().unwrap_or_default().to_owned();
    let nonce = attestation.get("nonce").and_then(Value::as_str).map(str::to_owned);
    let mut nested_verified = 0;
    verify_nested(result, &mut String::new(), key, &mut nested_verified)?;
    Ok(Verified { payload, key_id, issued_at, nonce, nested_verified })
}

/// [`verify_result`] of a result's JSON text, as a door or the CLI printed it (`to_json`,
/// `--format json`).
pub fn verify_result_json(json: &str, key: &VerifyingKey) -> Result<Verified> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| Error::InvalidInput(format!("attestation: the result is not JSON: {e}")))?;
    verify_result(&value, key)
}

/// [`verify_result_json`] against a public key given as bytes ([`VerifyingKey::parse`]: SPKI
/// PEM, SPKI DER or the raw 32 bytes) and, when `key_id` is set, required to name that key id:
/// what the C and Node doors' verify calls do. A key or key id that cannot be used is
/// [`Error::Config`].
pub fn verify_result_with_key_bytes(json: &str, public_key: &[u8], key_id: Option<&str>) -> Result<Verified> {
    let mut key = VerifyingKey::parse(public_key)?;
    if let Some(id) = key_id {
        key = key.with_key_id(id)?;
    }
    verify_result_json(json, &key)
}

impl Verified {
    /// The doors' report of a verification: `{payload, key_id, issued_at, nonce,
    /// nested_verified}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "payload": self.payload,
            "key_id": self.key_id,
            "issued_at": self.issued_at,
            "nonce": self.nonce,
            "nested_verified": self.nested_verified,
        })
    }
}

/// `time` as RFC 3339 in UTC with whole seconds (`2026-12-02T04:50:22Z`); times before 1970 are
/// written as 1970-01-01T00:00:00Z.
pub fn rfc3339_utc(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date
    // Algorithms", days_from_civil inverse), proleptic Gregorian.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// The attestation members before `jws`, with the fields checked.
fn attestation_members(key: &SigningKey, fields: &AttestationFields) -> Result<Map<String, Value>> {
    let bad = |detail: String| Err(Error::InvalidInput(format!("attestation: {detail}")));
    if fields.issued_at.is_empty() {
        return bad("issued_at is empty".into());
    }
    if fields.engine_version.is_empty() {
        return bad("engine_version is empty".into());
    }
    if let Some(nonce) = &fields.nonce
        && (nonce.is_empty() || nonce.len() > MAX_NONCE_BYTES)
    {
        return bad(format!("nonce must be 1 to {MAX_NONCE_BYTES} bytes, got {}", nonce.len()));
    }
    if let Some(hash) = &fields.media_sha256
        && !(hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
    {
        return bad(format!("media_sha256 must be 64 lower-case hex digits, got {hash:?}"));
    }
    let models = serde_json::to_value(&fields.models)
        .map_err(|e| Error::Internal(format!("model versions do not serialise: {e}")))?;
    let mut members = Map::new();
    members.insert("alg".into(), ALG.into());
    members.insert("key_id".into(), key.key_id().into());
    members.insert("issued_at".into(), fields.issued_at.clone().into());
    if let Some(nonce) = &fields.nonce {
        members.insert("nonce".into(), nonce.clone().into());
    }
    if let Some(hash) = &fields.media_sha256 {
        members.insert("media_sha256".into(), hash.clone().into());
    }
    members.insert("engine_version".into(), fields.engine_version.clone().into());
    members.insert("models".into(), models);
    Ok(members)
}

fn strip_in_place(value: &mut Value) {
    match value {
        Value::Object(members) => {
            if let Some(Value::Object(attestation)) = members.get_mut(ATTESTATION) {
                attestation.remove("jws");
            }
            members.values_mut().for_each(strip_in_place);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_in_place),
        _ => {}
    }
}

/// Verifies the attestation of the object at JSON Pointer `at`; returns its kid and payload.
fn verify_one(object: &Value, at: &str, key: &VerifyingKey) -> Result<(String, Value)> {
    let place = if at.is_empty() { "the result".to_owned() } else { format!("the result at '{at}'") };
    let fail = |detail: String| Error::InvalidInput(format!("attestation: {place}: {detail}"));
    let Some(attestation) = object.get(ATTESTATION).and_then(Value::as_object) else {
        return Err(fail("it has no 'attestation' object".into()));
    };
    let Some(jws) = attestation.get("jws").and_then(Value::as_str) else {
        return Err(fail("its attestation has no string 'jws'".into()));
    };
    let (kid, payload) = jws::verify_compact(jws, key).map_err(|e| match e {
        Error::InvalidInput(m) => fail(m.trim_start_matches("attestation: ").to_owned()),
        other => other,
    })?;
    if let Some(pointer) = canon::first_difference(&payload, &strip_signatures(object)) {
        return Err(fail(format!("'{at}{pointer}' differs from what was signed")));
    }
    let signed = &payload[ATTESTATION];
    if signed["alg"] != ALG {
        return Err(fail(format!("attestation.alg is {}, expected '{ALG}'", signed["alg"])));
    }
    if signed["key_id"] != kid.as_str() {
        return Err(fail(format!("attestation.key_id {} is not the JWS kid '{kid}'", signed["key_id"])));
    }
    if !signed["issued_at"].is_string() {
        return Err(fail("attestation.issued_at is not a string".into()));
    }
    if !(signed["nonce"].is_null() || signed["nonce"].is_string()) {
        return Err(fail("attestation.nonce is not a string".into()));
    }
    Ok((kid, payload))
}

/// Verifies every attestation strictly inside `value` (at JSON Pointer `at`), counting them.
fn verify_nested(value: &Value, at: &mut String, key: &VerifyingKey, count: &mut usize) -> Result<()> {
    let base = at.len();
    match value {
        Value::Object(members) => {
            for (name, child) in members {
                if name == ATTESTATION {
                    continue;
                }
                at.push('/');
                at.push_str(&name.replace('~', "~0").replace('/', "~1"));
                if child.get(ATTESTATION).is_some() {
                    verify_one(child, at, key)?;
                    *count += 1;
                }
                verify_nested(child, at, key, count)?;
                at.truncate(base);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push_str(&format!("/{i}"));
                if child.get(ATTESTATION).is_some() {
                    verify_one(child, at, key)?;
                    *count += 1;
                }
                verify_nested(child, at, key, count)?;
                at.truncate(base);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
