//! Signed results through the C door: the engine's public key and the verifier. Signing itself
//! is configured in the engine's JSON (`signing`) and a call's options (`nonce`); see
//! `docs/SECURITY.md`, "Signed results".

use std::ffi::c_char;

use ozinstant::attest::verify_result_with_key_bytes;

use crate::boundary::{bytes, optional_str, output, owned_c_string, required, status_call};
use crate::engine::ozi_engine;
use crate::error::{ozi_error, ozi_status};

/// The public key the engine signs results with, as SPKI PEM (`-----BEGIN PUBLIC KEY-----`, as
/// `openssl pkey -pubout` writes it): hand it to whoever verifies results later.
///
/// - `pem_out`: receives the PEM, or NULL when the engine has no signing key (the status is
///   still `OZI_STATUS_OK`); free it with `ozi_string_free`.
///
/// # Safety
/// `engine` is NULL or a live engine; `pem_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_engine_public_key_pem(
    engine: *const ozi_engine,
    pem_out: *mut *mut c_char,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        status_call(error_out, || {
            let pem_out = output(pem_out, "pem_out")?;
            let engine = &required(engine, "engine")?.engine;
            match engine.verifying_key() {
                Some(key) => pem_out.set(owned_c_string(key.to_spki_pem())?),
                None => pem_out.set(std::ptr::null_mut()),
            }
            Ok(())
        })
    }
}

/// Verifies a signed result (the JSON text of a media or request result, as a `json_out` of
/// this library, `ozinstant analyze --format json` or another door printed it) against a public
/// key: the top-level `attestation` and every nested one (the media results of a request). No
/// engine is needed: an auditor's program can verify without ONNX Runtime or models.
///
/// - `result_json`: the signed result, NUL-terminated UTF-8.
/// - `public_key`, `public_key_len`: the Ed25519 public key as SPKI PEM
///   (`ozi_engine_public_key_pem`), SPKI DER, or the raw 32 bytes.
/// - `key_id`: NULL to accept the key id the result names, else the id the result must name.
/// - `verified_json_out`: NULL, or receives what was verified, as JSON: `payload` (the signed
///   result without its `jws` members: read verified data from here), `key_id`, `issued_at`,
///   `nonce` (null when the result has none; comparing it with the challenge you issued is your
///   check) and `nested_verified` (how many nested attestations were verified besides the
///   top-level one). Free it with `ozi_string_free`.
///
/// Returns `OZI_STATUS_OK` only when every signature verifies. A result that does not verify
/// (changed, unsigned, signed by another key, naming another key id, not JSON) is
/// `OZI_STATUS_INVALID_INPUT`, whose message names the first problem and, for a changed field,
/// its JSON Pointer; a key that cannot be read, or a `key_id` that cannot be one, is
/// `OZI_STATUS_INVALID_CONFIG`. On any error `*verified_json_out` is NULL.
///
/// # Safety
/// `result_json` and `key_id` are NULL or NUL-terminated; `public_key` is NULL or readable for
/// `public_key_len` bytes; `verified_json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ozi_verify_result(
    result_json: *const c_char,
    public_key: *const u8,
    public_key_len: usize,
    key_id: *const c_char,
    verified_json_out: *mut *mut c_char,
    error_out: *mut *mut ozi_error,
) -> ozi_status {
    // SAFETY: pointer contracts are the caller's, as documented above.
    unsafe {
        status_call(error_out, || {
            // Optional: NULL when the caller only wants the status.
            let verified_out =
                if verified_json_out.is_null() { None } else { Some(output(verified_json_out, "verified_json_out")?) };
            let result_json =
                optional_str(result_json, "result_json")?.ok_or_else(|| ozi_error::null_argument("result_json"))?;
            let key = bytes(public_key, public_key_len, "public_key")?;
            let verified = verify_result_with_key_bytes(result_json, key, optional_str(key_id, "key_id")?)?;
            if let Some(out) = verified_out {
                out.set(owned_c_string(verified.to_json().to_string())?);
            }
            Ok(())
        })
    }
}
