//! JWS Compact Serialization (RFC 7515 section 7.1) with `alg: EdDSA` (RFC 8037), embedded
//! payload, as attestations use it.
//!
//! `BASE64URL(header) . BASE64URL(payload) . BASE64URL(signature)`, where
//! - header = JCS of `{"alg":"EdDSA","kid":<key_id>,"typ":"ozinstant-result+json"}`, exactly these
//!   three members;
//! - payload = JCS (RFC 8785) of the signed JSON value;
//! - signature = Ed25519 (RFC 8032, pure) over the ASCII of `BASE64URL(header) . BASE64URL(payload)`;
//! - base64url without padding (RFC 7515 section 2), canonical: no `=`, no stray trailing bits.
//!
//! [`verify_jws`] refuses anything else: another segment count, characters outside the base64url
//! alphabet (whitespace and a trailing newline included), an `alg` other than `EdDSA` (`none`,
//! `HS256`, ...), another `typ`, extra header members (`crit`, `b64`, `jwk`, ...), a `kid` that is
//! not the verifying key's, a signature that is not 64 bytes or does not verify, and a header or
//! payload that is not byte for byte its own JCS form (which rules out duplicate member names).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::canon::{canonical_json, first_difference};
use super::key::{SigningKey, VerifyingKey};
use crate::error::{Error, Result};

/// The JWS `alg` of attestations (RFC 8037 section 3.1).
pub const ALG: &str = "EdDSA";

/// The JWS `typ` of attestations.
pub const TYP: &str = "ozinstant-result+json";

/// The compact JWS of `value`: its JCS form as the embedded payload, signed by `key` under its
/// `key_id`.
///
/// Refuses (with [`Error::InvalidInput`]) a value that JCS cannot carry exactly, i.e. whose
/// canonical form reads back as another value: integers beyond ±2^53 (JCS numbers are doubles);
/// send such numbers as strings.
pub fn sign(value: &Value, key: &SigningKey) -> Result<String> {
    let payload = canonical_json(value)?;
    let back: Value = serde_json::from_str(&payload)
        .map_err(|e| Error::Internal(format!("canonical JSON does not parse back: {e}")))?;
    if let Some(at) = first_difference(value, &back) {
        return Err(Error::InvalidInput(format!(
            "attestation: the value at '{at}' cannot be signed exactly: its RFC 8785 form reads back as \
             another value (integers beyond 2^53 lose digits as JSON doubles; send them as strings)"
        )));
    }
    Ok(sign_compact(header_json(key.key_id())?.as_bytes(), payload.as_bytes(), key))
}

/// Checks a compact JWS made by [`sign`] against `key` and returns the signed value.
///
/// When `key` carries a key id ([`VerifyingKey::with_key_id`], or a key from
/// [`SigningKey::verifying_key`]), the header's `kid` must equal it. Every failure is
/// [`Error::InvalidInput`] with a message starting `attestation:`.
pub fn verify_jws(jws: &str, key: &VerifyingKey) -> Result<Value> {
    verify_compact(jws, key).map(|(_, payload)| payload)
}

/// [`verify_jws`], also returning the header's `kid`.
pub(crate) fn verify_compact(jws: &str, key: &VerifyingKey) -> Result<(String, Value)> {
    if let Some((at, c)) =
        jws.char_indices().find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(invalid(format!(
            "character {c:?} at offset {at} is not base64url (compact JWS has no whitespace)"
        )));
    }
    let segments: Vec<&str> = jws.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = segments[..] else {
        return Err(invalid(format!(
            "a compact JWS has 3 dot-separated segments (header.payload.signature), this one has {}",
            segments.len()
        )));
    };
    let header = decode_json("header", header_b64)?;
    let kid = check_header(&header, key)?;
    let signature: [u8; 64] = decode("signature", signature_b64)?
        .try_into()
        .map_err(|s: Vec<u8>| invalid(format!("an Ed25519 signature is 64 bytes, this one is {} bytes", s.len())))?;
    let signing_input = &jws[..header_b64.len() + 1 + payload_b64.len()];
    if !key.verify_bytes(signing_input.as_bytes(), &signature) {
        return Err(invalid(format!("the signature does not verify with the public key for kid '{kid}'")));
    }
    let payload = decode_json("payload", payload_b64)?;
    Ok((kid, payload))
}

/// The canonical protected header for `key_id`.
fn header_json(key_id: &str) -> Result<String> {
    canonical_json(&serde_json::json!({"alg": ALG, "kid": key_id, "typ": TYP}))
}

/// `header.payload.signature` for the given header and payload bytes.
fn sign_compact(header: &[u8], payload: &[u8], key: &SigningKey) -> String {
    let mut jws = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let signature = key.sign_bytes(jws.as_bytes());
    jws.push('.');
    jws.push_str(&URL_SAFE_NO_PAD.encode(signature));
    jws
}

/// Checks the protected header and returns its `kid`.
fn check_header(header: &Value, key: &VerifyingKey) -> Result<String> {
    let Some(members) = header.as_object() else {
        return Err(invalid("the JWS header is not a JSON object"));
    };
    let alg = members.get("alg").and_then(Value::as_str);
    match alg {
        Some(ALG) => {}
        Some("none") => return Err(invalid("alg 'none' (an unsigned JWS) is refused; attestations are EdDSA")),
        Some(other) => return Err(invalid(format!("alg '{other}' is refused; attestations are {ALG}"))),
        None => return Err(invalid("the JWS header has no string 'alg'")),
    }
    if let Some(extra) = members.keys().find(|k| !matches!(k.as_str(), "alg" | "kid" | "typ")) {
        return Err(invalid(format!("unexpected JWS header member '{extra}' (only alg, kid and typ are allowed)")));
    }
    match members.get("typ").and_then(Value::as_str) {
        Some(TYP) => {}
        other => return Err(invalid(format!("typ is {other:?}, expected '{TYP}'"))),
    }
    let kid =
        members.get("kid").and_then(Value::as_str).ok_or_else(|| invalid("the JWS header has no string 'kid'"))?;
    if let Some(expected) = key.key_id()
        && kid != expected
    {
        return Err(invalid(format!("kid '{kid}' is not the verifying key's key id '{expected}'")));
    }
    Ok(kid.to_owned())
}

fn decode(what: &str, segment: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment).map_err(|e| invalid(format!("the {what} is not canonical base64url: {e}")))
}

/// Decodes a segment holding JSON that must be in its own canonical form.
fn decode_json(what: &str, segment: &str) -> Result<Value> {
    let bytes = decode(what, segment)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid(format!("the {what} is not UTF-8")))?;
    let value: Value = serde_json::from_str(text).map_err(|e| invalid(format!("the {what} is not JSON: {e}")))?;
    if canonical_json(&value)? != text {
        return Err(invalid(format!(
            "the {what} is not in RFC 8785 canonical form (whitespace, member order, number form or a duplicate member)"
        )));
    }
    Ok(value)
}

fn invalid(detail: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("attestation: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attest::key::tests::{RFC8032_TEST1_SECRET, hex};
    use serde_json::json;

    fn key(id: &str) -> SigningKey {
        SigningKey::from_seed(&hex(RFC8032_TEST1_SECRET), id).unwrap()
    }

    fn other_key(id: &str) -> SigningKey {
        SigningKey::from_seed(&[42; 32], id).unwrap()
    }

    fn message(e: Error) -> String {
        assert_eq!(e.name(), "invalid_input", "{e}");
        e.to_string()
    }

    fn b64(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    /// A JWS over `header` and `payload` text, signed with `key` (to forge malformed ones).
    fn forged(header: &str, payload: &str, key: &SigningKey) -> String {
        sign_compact(header.as_bytes(), payload.as_bytes(), key)
    }

    #[test]
    fn rfc8037_a4_signature() {
        // RFC 8037 appendix A.4: header {"alg":"EdDSA"}, payload "Example of Ed25519 signing",
        // the A.1 key (RFC 8032 TEST 1). Same signing input, same signature.
        let jws = forged(r#"{"alg":"EdDSA"}"#, "Example of Ed25519 signing", &key("k"));
        assert_eq!(
            jws,
            "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.\
             hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
        // It is a valid JWS, but not an attestation: no typ, no kid.
        let e = message(verify_jws(&jws, &key("k").verifying_key()).unwrap_err());
        assert!(e.contains("unexpected JWS header") || e.contains("typ is None"), "{e}");
    }

    #[test]
    fn header_is_exactly_the_canonical_three_members() {
        let jws = sign(&json!({"a": 1}), &key("key-2026")).unwrap();
        let header = URL_SAFE_NO_PAD.decode(jws.split('.').next().unwrap()).unwrap();
        assert_eq!(
            std::str::from_utf8(&header).unwrap(),
            r#"{"alg":"EdDSA","kid":"key-2026","typ":"ozinstant-result+json"}"#
        );
        let payload = URL_SAFE_NO_PAD.decode(jws.split('.').nth(1).unwrap()).unwrap();
        assert_eq!(payload, br#"{"a":1}"#);
    }

    #[test]
    fn round_trip_and_key_checks() {
        let value = json!({"score": 0.006302, "name": "Zoë 😀", "n": null, "list": [1, [2.5, "x"]]});
        let signer = key("k1");
        let jws = sign(&value, &signer).unwrap();
        assert_eq!(verify_jws(&jws, &signer.verifying_key()).unwrap(), value);
        // A key without a key id accepts any kid.
        let anonymous = VerifyingKey::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
        assert_eq!(verify_compact(&jws, &anonymous).unwrap(), ("k1".to_owned(), value.clone()));
        // Another key id, or another key.
        let e = message(verify_jws(&jws, &anonymous.clone().with_key_id("k2").unwrap()).unwrap_err());
        assert!(e.contains("kid 'k1' is not the verifying key's key id 'k2'"), "{e}");
        let e = message(verify_jws(&jws, &other_key("k1").verifying_key()).unwrap_err());
        assert!(e.contains("does not verify"), "{e}");
        // Re-signed with another key under the same kid: the genuine key refuses it.
        let resigned = sign(&value, &other_key("k1")).unwrap();
        let e = message(verify_jws(&resigned, &signer.verifying_key()).unwrap_err());
        assert!(e.contains("does not verify"), "{e}");
    }

    #[test]
    fn foreign_algs_and_headers_are_refused() {
        let signer = key("k");
        let public = signer.verifying_key();
        let payload = r#"{"a":1}"#;
        let cases = [
            (r#"{"alg":"none","kid":"k","typ":"ozinstant-result+json"}"#, "alg 'none'"),
            (r#"{"alg":"HS256","kid":"k","typ":"ozinstant-result+json"}"#, "alg 'HS256' is refused"),
            (r#"{"alg":"ES256","kid":"k","typ":"ozinstant-result+json"}"#, "alg 'ES256' is refused"),
            (r#"{"kid":"k","typ":"ozinstant-result+json"}"#, "no string 'alg'"),
            (r#"{"alg":"EdDSA","kid":"k","typ":"JWT"}"#, "typ is Some(\"JWT\")"),
            (r#"{"alg":"EdDSA","kid":"k"}"#, "typ is None"),
            (r#"{"alg":"EdDSA","typ":"ozinstant-result+json"}"#, "no string 'kid'"),
            (r#"{"alg":"EdDSA","kid":7,"typ":"ozinstant-result+json"}"#, "no string 'kid'"),
            (r#"{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":"k","typ":"ozinstant-result+json"}"#, "member 'b64'"),
            (r#"{"alg":"EdDSA","jwk":{},"kid":"k","typ":"ozinstant-result+json"}"#, "member 'jwk'"),
            (r#"["EdDSA"]"#, "not a JSON object"),
            (r#"{"alg":"EdDSA", "kid":"k","typ":"ozinstant-result+json"}"#, "header is not in RFC 8785 canonical form"),
            (r#"{"kid":"k","alg":"EdDSA","typ":"ozinstant-result+json"}"#, "header is not in RFC 8785 canonical form"),
            (r#"{"alg":"none","alg":"EdDSA","kid":"k","typ":"ozinstant-result+json"}"#, "header is not in RFC 8785"),
        ];
        for (header, expected) in cases {
            let e = message(verify_jws(&forged(header, payload, &signer), &public).unwrap_err());
            assert!(e.contains(expected), "{header}: {e:?} lacks {expected:?}");
        }
        // `alg: none` with an empty signature, the classic downgrade.
        let unsigned =
            format!("{}.{}.", b64(r#"{"alg":"none","kid":"k","typ":"ozinstant-result+json"}"#), b64(payload));
        assert!(message(verify_jws(&unsigned, &public).unwrap_err()).contains("alg 'none'"));
    }

    #[test]
    fn malformed_compact_forms_are_refused() {
        let signer = key("k");
        let public = signer.verifying_key();
        let jws = sign(&json!({"a": 1}), &signer).unwrap();
        let parts: Vec<&str> = jws.split('.').collect();
        let cases = [
            (format!("{jws}\n"), "'\\n' at offset"),
            (format!(" {jws}"), "' ' at offset 0"),
            (format!("{jws}="), "'=' at offset"),
            (format!("+{}", &jws[1..]), "'+' at offset 0 is not base64url"),
            (format!("{}/{}", &jws[..5], &jws[6..]), "'/' at offset 5 is not base64url"),
            (format!("{jws}.{}", parts[2]), "this one has 4"),
            (format!("{}.{}", parts[0], parts[1]), "this one has 2"),
            (String::new(), "this one has 1"),
            (format!("{}..{}", parts[0], parts[2]), "does not verify"),
            (format!("{}.{}.{}", parts[0], parts[1], &parts[2][..parts[2].len() - 2]), "64 bytes, this one is 63"),
            (format!("{}.{}.{}A", parts[0], parts[1], parts[2]), "64 bytes, this one is 65"),
            (format!("{}.{}.{}AAA", parts[0], parts[1], parts[2]), "signature is not canonical base64url"),
            (format!("{}.{}.{}", parts[0], parts[1], "A".repeat(86)), "does not verify"),
            (format!("{}x.{}.{}", parts[0], parts[1], parts[2]), "header is not"),
        ];
        for (input, expected) in cases {
            let e = message(verify_jws(&input, &public).unwrap_err());
            assert!(e.contains(expected), "{input:?}: {e:?} lacks {expected:?}");
        }
        // 64 bytes take 86 symbols whose last 4 bits are unused and zero. A symbol differing only
        // there decodes to the same bytes in a lenient decoder; this one refuses it, so each
        // signature has exactly one encoding.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = parts[2].as_bytes()[85];
        let index = ALPHABET.iter().position(|c| *c == last).unwrap();
        assert_eq!(index & 0xf, 0);
        let sibling = ALPHABET[index | 1] as char;
        let tweaked = format!("{}.{}.{}{sibling}", parts[0], parts[1], &parts[2][..85]);
        let e = message(verify_jws(&tweaked, &public).unwrap_err());
        assert!(e.contains("signature is not canonical base64url"), "{e}");
    }

    #[test]
    fn payloads_must_be_canonical() {
        let signer = key("k");
        let header = header_json("k").unwrap();
        for (payload, expected) in [
            (r#"{"b":1,"a":2}"#, "payload is not in RFC 8785"),
            (r#"{"a":1,"a":2}"#, "payload is not in RFC 8785"),
            (r#"{"a": 1}"#, "payload is not in RFC 8785"),
            (r#"{"a":1.0}"#, "payload is not in RFC 8785"),
            (r#"{"a":1}  "#, "payload is not in RFC 8785"),
            ("not json", "payload is not JSON"),
        ] {
            let e = message(verify_jws(&forged(&header, payload, &signer), &signer.verifying_key()).unwrap_err());
            assert!(e.contains(expected), "{payload}: {e}");
        }
        let not_utf8 = sign_compact(header.as_bytes(), &[0xff, 0xfe], &signer);
        assert!(message(verify_jws(&not_utf8, &signer.verifying_key()).unwrap_err()).contains("payload is not UTF-8"));
    }

    #[test]
    fn values_jcs_cannot_carry_are_refused() {
        let e = message(sign(&json!({"ok": 1, "big": [9007199254740993u64]}), &key("k")).unwrap_err());
        assert!(e.contains("'/big/0' cannot be signed exactly"), "{e}");
        assert!(sign(&json!({"edge": 9007199254740992u64, "neg": -9007199254740992i64}), &key("k")).is_ok());
    }
}
