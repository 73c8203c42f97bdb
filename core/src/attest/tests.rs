//! Tests of signed results: round trips on a realistic nested result, tampering, foreign keys
//! and algorithms, and interoperability with the `openssl` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::key::tests::{RFC8032_TEST1_SECRET, hex};
use super::*;

fn key() -> SigningKey {
    SigningKey::from_seed(&hex(RFC8032_TEST1_SECRET), "liveness-2026-01").unwrap()
}

fn other_key() -> SigningKey {
    SigningKey::from_seed(&[42; 32], "liveness-2026-01").unwrap()
}

fn fields() -> AttestationFields {
    AttestationFields {
        issued_at: "2026-12-02T04:50:22Z".into(),
        nonce: Some("n0nce-7c1e9a".into()),
        media_sha256: None,
        engine_version: crate::VERSION.into(),
        models: vec![
            ModelVersion { id: "minifasnet_v2".into(), sha256: "a".repeat(64), source: "embedded".into() },
            ModelVersion { id: "suri".into(), sha256: "b".repeat(64), source: "file".into() },
        ],
    }
}

/// A media result shaped like the engine's (scores, nulls, arrays of arrays, unicode).
fn media(index: usize, score: f64) -> Value {
    json!({
        "request_id": "req-2026-Ünïcødé-🙂",
        "media_index": index,
        "source": format!("selfie_{index}.jpg"),
        "analysis": "liveness",
        "resolution": "SUCCESS",
        "reason": null,
        "confidence_spoofing": score,
        "threshold": 0.5,
        "faces": [{"box": [120.5, 88, 240, 301.25], "score": 0.9731, "landmarks": [[150.1, 160.2], [210.9, 161.0]]}],
        "quality": {"passed": true, "brightness": 0.4375, "blur": 123.456, "checks": []},
        "liveness": {"models": [{"id": "minifasnet_v2", "p_real": 0.993698}, {"id": "suri", "p_real": 1.0}]},
        "image": {"width": 1080, "height": 1920, "format": "jpeg"},
        "timings": {"decode_ms": 4.2, "detect_ms": 11.0, "total_ms": 1e-7},
        "note": "quote \" backslash \\ tab \t € 𝄞",
    })
}

/// A request result with two media results, each signed first.
fn signed_request() -> Value {
    let key = key();
    let mut media_results = Vec::new();
    for (index, score) in [(0, 0.006302), (1, 0.0413)] {
        let mut m = media(index, score);
        let f = AttestationFields { media_sha256: Some(format!("{index:0>64}")), ..fields() };
        sign_result(&mut m, &key, &f).unwrap();
        media_results.push(m);
    }
    let mut request = json!({
        "schema_version": "1.3",
        "request_id": "req-2026-Ünïcødé-🙂",
        "resolution": "SUCCESS",
        "media": media_results,
        "models": [{"id": "minifasnet_v2", "sha256": "a".repeat(64), "source": "embedded"}],
        "engine_version": crate::VERSION,
        "total_ms": 38.5,
        "biometry": null,
        "counters": [0, -3, 4294967296u64, 9007199254740992u64],
    });
    sign_result(&mut request, &key, &fields()).unwrap();
    request
}

fn error_message(result: Result<Verified>) -> String {
    let e = result.expect_err("verification should fail");
    assert_eq!(e.name(), "invalid_input", "{e}");
    e.to_string()
}

/// JSON Pointers of every leaf (scalar, empty array or object) of `value`.
fn leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            m.iter().for_each(|(k, v)| leaves(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out))
        }
        Value::Array(a) if !a.is_empty() => a.iter().enumerate().for_each(|(i, v)| leaves(v, format!("{at}/{i}"), out)),
        _ => out.push(at),
    }
}

/// The smallest change of a leaf: the next double, the next integer, one character, the other
/// boolean.
fn nudge(leaf: &mut Value) {
    *leaf = match leaf.take() {
        Value::Number(n) if n.is_f64() => json!(f64::from_bits(n.as_f64().unwrap().to_bits() + 1)),
        Value::Number(n) if n.is_u64() => json!(n.as_u64().unwrap() + 1),
        Value::Number(n) => json!(n.as_i64().unwrap() + 1),
        Value::String(s) => {
            let mut chars: Vec<char> = s.chars().collect();
            match chars.last_mut() {
                Some(c) => *c = if *c == 'x' { 'y' } else { 'x' },
                None => chars.push('x'),
            }
            Value::String(chars.into_iter().collect())
        }
        Value::Bool(b) => Value::Bool(!b),
        Value::Null => json!(0),
        Value::Array(_) => json!([null]),
        Value::Object(_) => json!({"x": 1}),
    };
}

#[test]
fn nested_request_round_trip() {
    let request = signed_request();
    let public = key().verifying_key();
    let verified = verify_result(&request, &public).unwrap();
    assert_eq!(verified.key_id, "liveness-2026-01");
    assert_eq!(verified.issued_at, "2026-12-02T04:50:22Z");
    assert_eq!(verified.nonce.as_deref(), Some("n0nce-7c1e9a"));
    assert_eq!(verified.nested_verified, 2);
    // The payload is the stripped result, read back from its JCS text (so 161.0 is now 161).
    assert_eq!(canon::first_difference(&verified.payload, &strip_signatures(&request)), None);
    assert_ne!(verified.payload, strip_signatures(&request));
    // Through JSON text, and with a public key that has no key id.
    let text = serde_json::to_string(&request).unwrap();
    let anonymous = VerifyingKey::from_spki_pem(&public.to_spki_pem()).unwrap();
    assert_eq!(verify_result(&serde_json::from_str(&text).unwrap(), &anonymous).unwrap(), verified);
    // Each media result verifies alone too.
    for m in request["media"].as_array().unwrap() {
        let alone = verify_result(m, &public).unwrap();
        assert_eq!(alone.nested_verified, 0);
        assert_eq!(alone.payload["attestation"]["media_sha256"].as_str().unwrap().len(), 64);
    }
}

#[test]
fn attestation_members_are_as_documented() {
    let request = signed_request();
    let attestation = request["attestation"].as_object().unwrap();
    let names: Vec<&str> = attestation.keys().map(String::as_str).collect();
    assert_eq!(names, ["alg", "engine_version", "issued_at", "jws", "key_id", "models", "nonce"]);
    assert_eq!(attestation["alg"], "EdDSA");
    assert_eq!(attestation["models"][1]["id"], "suri");
    let media_names: Vec<&str> =
        request["media"][0]["attestation"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(media_names, ["alg", "engine_version", "issued_at", "jws", "key_id", "media_sha256", "models", "nonce"]);
    // The JWS payload is the canonical JSON of the stripped result.
    let jws = attestation["jws"].as_str().unwrap();
    let payload = URL_SAFE_NO_PAD.decode(jws.split('.').nth(1).unwrap()).unwrap();
    assert_eq!(String::from_utf8(payload).unwrap(), canonical_json(&strip_signatures(&request)).unwrap());
    // Without nonce and hash the members are left out.
    let mut bare = json!({"x": 1});
    sign_result(&mut bare, &key(), &AttestationFields { nonce: None, ..fields() }).unwrap();
    assert!(bare["attestation"].get("nonce").is_none() && bare["attestation"].get("media_sha256").is_none());
    assert_eq!(verify_result(&bare, &key().verifying_key()).unwrap().nonce, None);
}

#[test]
fn strip_signatures_removes_every_jws_and_nothing_else() {
    let request = signed_request();
    let stripped = strip_signatures(&request);
    let text = serde_json::to_string(&stripped).unwrap();
    assert!(!text.contains("\"jws\""), "{text}");
    assert_eq!(stripped["media"][1]["attestation"]["media_sha256"], request["media"][1]["attestation"]["media_sha256"]);
    let mut put_back = stripped.clone();
    put_back["attestation"]["jws"] = request["attestation"]["jws"].clone();
    put_back["media"][0]["attestation"]["jws"] = request["media"][0]["attestation"]["jws"].clone();
    put_back["media"][1]["attestation"]["jws"] = request["media"][1]["attestation"]["jws"].clone();
    assert_eq!(put_back, request);
    // A `jws` member outside an attestation is data, and stays.
    let other = json!({"jws": "x", "a": {"jws": 1}, "attestation": "not an object"});
    assert_eq!(strip_signatures(&other), other);
}

#[test]
fn every_signed_field_is_covered() {
    let request = signed_request();
    let public = key().verifying_key();
    let mut paths = Vec::new();
    leaves(&strip_signatures(&request), String::new(), &mut paths);
    assert!(paths.len() > 80, "{}", paths.len());
    for path in &paths {
        let mut tampered = request.clone();
        nudge(tampered.pointer_mut(path).unwrap());
        let message = error_message(verify_result(&tampered, &public));
        assert!(message.contains(&format!("'{path}' differs from what was signed")), "{path}: {message}");
    }
}

#[test]
fn named_tamperings_fail() {
    let request = signed_request();
    let public = key().verifying_key();
    let edits: [(&str, Value); 7] = [
        ("/media/0/confidence_spoofing", json!(0.006303)),
        ("/request_id", json!("req-2026-Ünïcødé-🙃")),
        ("/attestation/nonce", json!("n0nce-7c1e9b")),
        ("/media/1/attestation/nonce", json!("n0nce-7c1e9b")),
        ("/media/1/faces/0/landmarks/1/0", json!(210.8)),
        ("/media/0/resolution", json!("DECLINED")),
        ("/attestation/issued_at", json!("2026-12-02T04:50:23Z")),
    ];
    for (path, value) in edits {
        let mut tampered = request.clone();
        *tampered.pointer_mut(path).unwrap() = value;
        let message = error_message(verify_result(&tampered, &public));
        assert!(message.contains(&format!("'{path}' differs")), "{path}: {message}");
    }
    // Added and removed members.
    let mut added = request.clone();
    added["media"][0]["extra"] = json!(true);
    assert!(error_message(verify_result(&added, &public)).contains("'/media/0/extra' differs"));
    let mut removed = request.clone();
    removed["media"][1].as_object_mut().unwrap().remove("reason");
    assert!(error_message(verify_result(&removed, &public)).contains("'/media/1/reason' differs"));
    let mut dropped = request.clone();
    dropped["media"].as_array_mut().unwrap().pop();
    assert!(error_message(verify_result(&dropped, &public)).contains("'/media' differs"));
}

#[test]
fn tampered_jws_segments_fail() {
    let request = signed_request();
    let public = key().verifying_key();
    let jws = request["attestation"]["jws"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = jws.split('.').collect();
    // A payload edited consistently with the result: the signature no longer matches.
    let mut edited = request.clone();
    edited["total_ms"] = json!(38.6);
    let payload = canonical_json(&strip_signatures(&edited)).unwrap();
    edited["attestation"]["jws"] = json!(format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload), parts[2]));
    assert!(error_message(verify_result(&edited, &public)).contains("does not verify"));
    // The header's kid changed.
    let header = r#"{"alg":"EdDSA","kid":"someone-else","typ":"ozinstant-result+json"}"#;
    let mut rekid = request.clone();
    rekid["attestation"]["jws"] = json!(format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(header), parts[1], parts[2]));
    let message = error_message(verify_result(&rekid, &public));
    assert!(message.contains("kid 'someone-else' is not the verifying key's key id"), "{message}");
    let anonymous = VerifyingKey::from_bytes(&public.to_bytes()).unwrap();
    assert!(error_message(verify_result(&rekid, &anonymous)).contains("does not verify"));
    // One character of the signature flipped.
    let mut flipped = request.clone();
    let mut signature = parts[2].to_owned().into_bytes();
    signature[10] = if signature[10] == b'A' { b'B' } else { b'A' };
    let signature = String::from_utf8(signature).unwrap();
    flipped["attestation"]["jws"] = json!(format!("{}.{}.{signature}", parts[0], parts[1]));
    assert!(error_message(verify_result(&flipped, &public)).contains("does not verify"));
}

#[test]
fn foreign_keys_and_algorithms_fail() {
    let request = signed_request();
    let public = key().verifying_key();
    // Re-signed whole with another key under the same key id.
    let mut resigned = strip_signatures(&request);
    for m in resigned["media"].as_array_mut().unwrap() {
        let f = AttestationFields {
            media_sha256: m["attestation"]["media_sha256"].as_str().map(str::to_owned),
            ..fields()
        };
        sign_result(m, &other_key(), &f).unwrap();
    }
    sign_result(&mut resigned, &other_key(), &fields()).unwrap();
    assert!(verify_result(&resigned, &other_key().verifying_key()).is_ok());
    assert!(error_message(verify_result(&resigned, &public)).contains("does not verify"));
    // alg none / HS256 in place of the top-level JWS.
    for alg in ["none", "HS256"] {
        let header = format!(r#"{{"alg":"{alg}","kid":"liveness-2026-01","typ":"ozinstant-result+json"}}"#);
        let payload = canonical_json(&strip_signatures(&request)).unwrap();
        let mut forged = request.clone();
        forged["attestation"]["jws"] =
            json!(format!("{}.{}.", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload)));
        let message = error_message(verify_result(&forged, &public));
        assert!(message.contains(&format!("alg '{alg}'")), "{message}");
    }
}

#[test]
fn nested_attestations_are_verified_on_their_own() {
    let request = signed_request();
    let public = key().verifying_key();
    // A media result re-signed by another key: the request still verifies (nested jws are not
    // part of its signed value), the media result does not.
    let mut swapped_key = request.clone();
    let media = &mut swapped_key["media"][1];
    let f = AttestationFields { media_sha256: Some(format!("{:0>64}", 1)), ..fields() };
    sign_result(media, &other_key(), &f).unwrap();
    let message = error_message(verify_result(&swapped_key, &public));
    assert!(message.contains("the result at '/media/1': the signature does not verify"), "{message}");
    // The two media attestations exchanged.
    let mut exchanged = request.clone();
    let (a, b) = (request["media"][0]["attestation"]["jws"].clone(), request["media"][1]["attestation"]["jws"].clone());
    exchanged["media"][0]["attestation"]["jws"] = b;
    exchanged["media"][1]["attestation"]["jws"] = a;
    let message = error_message(verify_result(&exchanged, &public));
    assert!(message.contains("the result at '/media/0': '/media/0/attestation/media_sha256' differs"), "{message}");
    // A nested jws removed.
    let mut unsigned = request.clone();
    unsigned["media"][1]["attestation"].as_object_mut().unwrap().remove("jws");
    let message = error_message(verify_result(&unsigned, &public));
    assert!(message.contains("the result at '/media/1': its attestation has no string 'jws'"), "{message}");
    // No attestation at all.
    let message = error_message(verify_result(&json!({"request_id": "r"}), &public));
    assert!(message.contains("the result: it has no 'attestation' object"), "{message}");
}

#[test]
fn other_serialisations_of_the_same_values_verify() {
    let request = signed_request();
    let public = key().verifying_key();
    let text = serde_json::to_string_pretty(&request).unwrap();
    let rewritten = text
        .replace("0.9731", "9.731e-1")
        .replace("\"threshold\": 0.5", "\"threshold\": 5E-1")
        .replace("\"media_index\": 1", "\"media_index\": 1.0")
        .replace("\"width\": 1080", "\"width\": 1.08e3")
        .replace("1e-7", "0.0000001")
        .replace('€', "\\u20ac");
    assert_ne!(rewritten, text);
    let reparsed: Value = serde_json::from_str(&rewritten).unwrap();
    assert_ne!(reparsed, request, "the rewrite changed number representations");
    let verified = verify_result(&reparsed, &public).unwrap();
    assert_eq!(verified.nested_verified, 2);
}

#[test]
fn signing_refuses_what_it_cannot_attest() {
    let key = key();
    let mut not_object = json!([1, 2]);
    assert!(sign_result(&mut not_object, &key, &fields()).unwrap_err().to_string().contains("only a JSON object"));
    let bad_fields = [
        AttestationFields { issued_at: String::new(), ..fields() },
        AttestationFields { engine_version: String::new(), ..fields() },
        AttestationFields { nonce: Some(String::new()), ..fields() },
        AttestationFields { nonce: Some("n".repeat(MAX_NONCE_BYTES + 1)), ..fields() },
        AttestationFields { media_sha256: Some("AB".repeat(32)), ..fields() },
        AttestationFields { media_sha256: Some("ab".into()), ..fields() },
    ];
    for f in bad_fields {
        let mut result = json!({"x": 1});
        let e = sign_result(&mut result, &key, &f).unwrap_err();
        assert_eq!(e.name(), "invalid_input", "{e}");
        assert_eq!(result, json!({"x": 1}), "left unchanged");
    }
    let mut big = json!({"id": 9007199254740993u64});
    let e = sign_result(&mut big, &key, &fields()).unwrap_err();
    assert!(e.to_string().contains("'/id' cannot be signed exactly"), "{e}");
    assert_eq!(big, json!({"id": 9007199254740993u64}));
    // Re-signing replaces the attestation.
    let mut request = signed_request();
    sign_result(&mut request, &key, &AttestationFields { nonce: Some("second".into()), ..fields() }).unwrap();
    assert_eq!(verify_result(&request, &key.verifying_key()).unwrap().nonce.as_deref(), Some("second"));
}

#[test]
fn attestation_key_id_must_match_the_header() {
    let key = key();
    let mut result = json!({"x": 1, "attestation": {"alg": "EdDSA", "key_id": "someone-else", "issued_at": "t"}});
    let jws = sign(&strip_signatures(&result), &key).unwrap();
    result["attestation"]["jws"] = json!(jws);
    let message = error_message(verify_result(&result, &key.verifying_key()));
    assert!(message.contains("attestation.key_id \"someone-else\" is not the JWS kid 'liveness-2026-01'"), "{message}");
}

#[test]
fn engine_report_types_sign_through_their_value() {
    use crate::report::{BiometryMedia, MediaResult};
    let key = key();
    // A real media result, through serde_json::Value and back through text.
    let failed = MediaResult::from_error("r-1", 0, Some("a.jpg".into()), 0.5, &Error::Decode("truncated".into()));
    let mut value = serde_json::to_value(&failed).unwrap();
    sign_result(&mut value, &key, &fields()).unwrap();
    let text = serde_json::to_string(&value).unwrap();
    assert!(verify_result(&serde_json::from_str(&text).unwrap(), &key.verifying_key()).is_ok());
    // The pitfall the module documents: f32 fields. The struct writes 0.1, its Value holds the
    // widened double; sign the Value and publish the Value's text.
    let with_f32 = BiometryMedia {
        media_index: 0,
        status: "compared".into(),
        liveness_passed: Some(true),
        embedding: Some(vec![0.1, -0.25, 0.3333]),
    };
    let mut value = serde_json::to_value(&with_f32).unwrap();
    sign_result(&mut value, &key, &fields()).unwrap();
    let from_value: Value = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
    assert!(verify_result(&from_value, &key.verifying_key()).is_ok());
    let mut from_struct: Value = serde_json::from_str(&serde_json::to_string(&with_f32).unwrap()).unwrap();
    from_struct["attestation"] = value["attestation"].clone();
    let message = error_message(verify_result(&from_struct, &key.verifying_key()));
    assert!(message.contains("'/embedding/0' differs"), "{message}");
}

#[test]
fn rfc3339_dates() {
    use std::time::Duration;
    let at = |s: u64| rfc3339_utc(UNIX_EPOCH + Duration::from_secs(s));
    assert_eq!(at(0), "1970-01-01T00:00:00Z");
    assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(at(1_709_164_799), "2024-02-28T23:59:59Z");
    assert_eq!(at(1_709_251_200), "2024-03-01T00:00:00Z");
    assert_eq!(at(1_798_761_599), "2026-12-31T23:59:59Z");
    assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
    assert_eq!(at(253_402_300_799), "9999-12-31T23:59:59Z");
    assert_eq!(rfc3339_utc(UNIX_EPOCH - Duration::from_secs(5)), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339_utc(SystemTime::now()).len(), 20);
}

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ozi-attest-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `openssl` with `args`; `None` when there is no openssl binary.
fn openssl(args: &[&str]) -> Option<std::process::Output> {
    Command::new("openssl").args(args).output().ok()
}

fn run_openssl(args: &[&str]) -> std::process::Output {
    let out = openssl(args).unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn openssl_keys_interoperate() {
    if !openssl(&["version"]).is_some_and(|o| o.status.success()) {
        eprintln!("skipping openssl_keys_interoperate: no `openssl` binary on PATH");
        return;
    }
    let dir = TempDir::new("openssl");
    let (private_pem, public_pem) = (dir.0.join("key.pem"), dir.0.join("key.pub.pem"));
    let (private_der, public_der) = (dir.0.join("key.der"), dir.0.join("key.pub.der"));
    run_openssl(&["genpkey", "-algorithm", "ed25519", "-out", path(&private_pem)]);
    run_openssl(&["pkey", "-in", path(&private_pem), "-pubout", "-out", path(&public_pem)]);
    run_openssl(&["pkey", "-in", path(&private_pem), "-outform", "DER", "-out", path(&private_der)]);
    run_openssl(&["pkey", "-in", path(&private_pem), "-pubout", "-outform", "DER", "-out", path(&public_der)]);

    let signing = SigningKey::from_file(&private_pem, "openssl-key").unwrap();
    let public = VerifyingKey::from_file(&public_pem).unwrap();
    assert_eq!(public, VerifyingKey::from_file(&public_der).unwrap());
    assert_eq!(SigningKey::from_file(&private_der, "openssl-key").unwrap().verifying_key(), signing.verifying_key());
    assert_eq!(public.to_bytes(), signing.verifying_key().to_bytes());
    // Our PEM of the public key is byte for byte openssl's.
    assert_eq!(public.to_spki_pem(), std::fs::read_to_string(&public_pem).unwrap());

    let mut media = media(0, 0.006302);
    sign_result(&mut media, &signing, &fields()).unwrap();
    let verified = verify_result(&media, &public.clone().with_key_id("openssl-key").unwrap()).unwrap();
    assert_eq!(verified.key_id, "openssl-key");

    let jws = media["attestation"]["jws"].as_str().unwrap().to_owned();
    let (signing_input, signature_b64) = jws.rsplit_once('.').unwrap();
    let help = openssl(&["pkeyutl", "-help"]).unwrap();
    let help = format!("{}{}", String::from_utf8_lossy(&help.stdout), String::from_utf8_lossy(&help.stderr));
    if !help.contains("-rawin") {
        eprintln!("skipping the openssl pkeyutl checks: this openssl has no `pkeyutl -rawin` (OpenSSL 3.0+)");
        return;
    }
    // openssl verifies our signature over the JWS signing input.
    let (input_file, signature_file) = (dir.0.join("input"), dir.0.join("signature"));
    std::fs::write(&input_file, signing_input).unwrap();
    std::fs::write(&signature_file, URL_SAFE_NO_PAD.decode(signature_b64).unwrap()).unwrap();
    let verify_args = [
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        path(&public_pem),
        "-rawin",
        "-in",
        path(&input_file),
        "-sigfile",
        path(&signature_file),
    ];
    let out = run_openssl(&verify_args);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully"));
    // And a signature made by openssl over the same input verifies here (Ed25519 is
    // deterministic, so it is the same signature).
    let out = run_openssl(&["pkeyutl", "-sign", "-inkey", path(&private_pem), "-rawin", "-in", path(&input_file)]);
    assert_eq!(URL_SAFE_NO_PAD.encode(&out.stdout), signature_b64);
    let by_openssl = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(&out.stdout));
    assert_eq!(canon::first_difference(&verify_jws(&by_openssl, &public).unwrap(), &strip_signatures(&media)), None);
    // A tampered input is refused by openssl as well.
    std::fs::write(&input_file, format!("{signing_input}x")).unwrap();
    let out = openssl(&verify_args).unwrap();
    assert!(!out.status.success());
}

#[test]
fn openssl_foreign_keys_are_refused() {
    if !openssl(&["version"]).is_some_and(|o| o.status.success()) {
        eprintln!("skipping openssl_foreign_keys_are_refused: no `openssl` binary on PATH");
        return;
    }
    let dir = TempDir::new("openssl-foreign");
    let cases: [(&str, &[&str], &str); 3] = [
        ("rsa.pem", &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"], "the key is RSA"),
        ("p256.pem", &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "the key is EC"),
        ("ed448.pem", &["genpkey", "-algorithm", "ed448"], "the key is Ed448"),
    ];
    for (name, args, expected) in cases {
        let file = dir.0.join(name);
        let mut args = args.to_vec();
        args.extend(["-out", path(&file)]);
        run_openssl(&args);
        let e = SigningKey::from_file(&file, "k").unwrap_err();
        assert_eq!(e.name(), "invalid_config");
        assert!(e.to_string().contains(expected), "{name}: {e}");
        let public = dir.0.join(format!("{name}.pub"));
        run_openssl(&["pkey", "-in", path(&file), "-pubout", "-out", path(&public)]);
        let e = VerifyingKey::from_file(&public).unwrap_err();
        assert!(e.to_string().contains(expected), "{name}: {e}");
    }
}
