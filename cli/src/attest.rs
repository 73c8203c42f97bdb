//! Signed output: the key of `--signing-key` (or of the configuration's `signing`), the results
//! the CLI makes itself (a file the engine could not take), the `--format json` document, and
//! `ozinstant verify`.
//!
//! The engine signs every result it returns. The CLI also signs what only it builds: the
//! `FAILED/INPUT_ERROR` result of a file the engine refused (with the file's SHA-256 when it
//! could be read within the size limit) and the `--format json` document as a whole (its
//! summary, the folder resolution and biometry of `--request`), so that every JSON value it
//! prints with a key is signed.

use std::io::Read;
use std::path::Path;
use std::time::SystemTime;

use ozinstant::MediaResult;
use ozinstant::attest::{self, AttestationFields, SigningKey, VerifyingKey};
use ozinstant::models::ModelVersion;
use serde_json::Value;

/// Exit code of `verify` when every signature holds.
pub const EXIT_VALID: u8 = 0;
/// Exit code of `verify` when a signature, a field or the nonce does not hold.
pub const EXIT_INVALID: u8 = 1;

/// What the CLI signs with.
#[derive(Debug, Clone)]
pub struct Signer {
    /// The key (its key id included).
    pub key: SigningKey,
    /// The caller's challenge (`--nonce`).
    pub nonce: Option<String>,
    /// Whether media results carry `media_sha256`.
    pub input_hashes: bool,
    /// Largest file hashed for a result the CLI makes (the engine's `max_bytes_per_media`).
    pub max_bytes: u64,
}

impl Signer {
    fn fields(&self, media_sha256: Option<String>, models: &[ModelVersion]) -> AttestationFields {
        AttestationFields {
            issued_at: attest::rfc3339_utc(SystemTime::now()),
            nonce: self.nonce.clone(),
            media_sha256,
            engine_version: ozinstant::VERSION.to_owned(),
            models: models.to_vec(),
        }
    }

    /// Signs a result the CLI made for a file the engine refused. Its hash is the file's, when
    /// the file can be read and is within the size limit.
    pub fn sign_failed(&self, result: &mut MediaResult, path: &Path, models: &[ModelVersion]) {
        let hash = if self.input_hashes { hash_file(path, self.max_bytes) } else { None };
        result.attestation = None;
        match attest::attestation_of(&*result, &self.key, &self.fields(hash, models)) {
            Ok(a) => result.attestation = Some(a),
            Err(e) => eprintln!("ozinstant: warning: cannot sign the result of {}: {e}", path.display()),
        }
    }

    /// The attestation of the `--format json` document (nested results keep their own).
    pub fn sign_document<T: serde::Serialize>(
        &self,
        document: &T,
        models: &[ModelVersion],
    ) -> std::io::Result<ozinstant::Attestation> {
        attest::attestation_of(document, &self.key, &self.fields(None, models)).map_err(std::io::Error::other)
    }
}

/// The signing key of `--signing-key FILE [--key-id ID]`; without `--key-id`, its RFC 7638
/// thumbprint names it.
pub fn key_from_file(path: &Path, key_id: Option<&str>) -> Result<SigningKey, String> {
    // A provisional id, replaced below: the thumbprint needs the key.
    let key = SigningKey::from_file(path, "provisional").map_err(|e| e.to_string())?;
    let id = match key_id {
        Some(id) => id.to_owned(),
        None => key.verifying_key().thumbprint(),
    };
    key.with_key_id(&id).map_err(|e| format!("--key-id: {e}"))
}

fn hash_file(path: &Path, max_bytes: u64) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    if file.metadata().ok()?.len() > max_bytes {
        return None;
    }
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    file.take(max_bytes + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= max_bytes).then(|| attest::sha256_hex(&bytes))
}

/// What `verify` checks beyond the signatures.
pub struct Expect<'a> {
    /// `--key-id`: every attestation's key id.
    pub key_id: Option<&'a str>,
    /// `--nonce`: every attestation's nonce.
    pub nonce: Option<&'a str>,
}

/// `ozinstant verify`: every JSON value of `text` (one `--format json` document, or the lines
/// of `--format jsonl`) must carry an attestation that verifies under `key`, with every nested
/// one; `expect` adds the key id and nonce. Returns the report printed on success, or why it
/// does not verify.
pub fn verify_text(text: &str, key: &VerifyingKey, expect: &Expect<'_>) -> Result<Value, String> {
    let key = match expect.key_id {
        Some(id) => key.clone().with_key_id(id).map_err(|e| format!("--key-id: {e}"))?,
        None => key.clone(),
    };
    let mut values = Vec::new();
    for value in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        values.push(value.map_err(|e| format!("the results are not JSON: {e}"))?);
    }
    if values.is_empty() {
        return Err("there is no result to verify".into());
    }
    let mut reports = Vec::new();
    let mut signatures = 0;
    for (i, value) in values.iter().enumerate() {
        let at = if values.len() == 1 { String::new() } else { format!("value {}: ", i + 1) };
        let verified = attest::verify_result(value, &key).map_err(|e| format!("{at}{e}"))?;
        if let Some(nonce) = expect.nonce {
            let mut attestations = Vec::new();
            collect_attestations(&verified.payload, &mut attestations);
            if let Some(other) = attestations.iter().find(|a| a.get("nonce").and_then(Value::as_str) != Some(nonce)) {
                return Err(format!("{at}an attestation has nonce {}, expected {nonce:?}", other["nonce"]));
            }
        }
        signatures += 1 + verified.nested_verified;
        reports.push(serde_json::json!({
            "key_id": verified.key_id,
            "issued_at": verified.issued_at,
            "nonce": verified.nonce,
            "signatures": 1 + verified.nested_verified,
        }));
    }
    Ok(serde_json::json!({ "valid": true, "values": reports.len(), "signatures": signatures, "results": reports }))
}

fn collect_attestations<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(members) => {
            for (name, child) in members {
                if name == attest::ATTESTATION {
                    out.push(child);
                } else {
                    collect_attestations(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_attestations(v, out)),
        _ => {}
    }
}
