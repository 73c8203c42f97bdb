//! Signed results on real analyses: an engine with a signing key attests every media and request
//! result, binds the caller's nonce and each media's bytes, and any change to a signed field of
//! the published JSON fails verification. (The JWS and JCS layers have their own vectors in
//! `core/src/attest/tests.rs`; the doors verify with independent libraries.)

mod common;

use std::sync::OnceLock;

use common::{engine, sample, sha256_hex};
use ozinstant::attest::{self, SigningKey, VerifyingKey};
use ozinstant::{
    AnalysisKind, AnalyzeOptions, Engine, EngineConfig, Error, Media, MediaTag, PixelFormat, Request, Resolution,
    SigningConfig,
};
use serde_json::Value;

/// RFC 8032 section 7.1, test 1: the seed, and its public key.
const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const KEY_ID: &str = "liveness-test-2026";

fn seed() -> Vec<u8> {
    (0..SEED.len()).step_by(2).map(|i| u8::from_str_radix(&SEED[i..i + 2], 16).unwrap()).collect()
}

fn signing_key() -> SigningKey {
    SigningKey::from_seed(&seed(), KEY_ID).unwrap()
}

fn signing_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let config = EngineConfig { max_in_flight: 64, ..EngineConfig::default() }.with_signing_key(signing_key());
        Engine::new(config).expect("engine")
    })
}

fn public_key() -> VerifyingKey {
    signing_key().verifying_key()
}

fn with_nonce(nonce: &str) -> AnalyzeOptions {
    AnalyzeOptions { nonce: Some(nonce.to_owned()), ..AnalyzeOptions::default() }
}

/// Every leaf of `value` (JSON Pointer, value), except `attestation.jws` members.
fn signed_leaves(value: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(members) => {
            for (name, child) in members {
                if name == "jws" && at.ends_with("/attestation") {
                    continue;
                }
                signed_leaves(child, format!("{at}/{name}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                signed_leaves(child, format!("{at}/{i}"), out);
            }
        }
        leaf => out.push((at, leaf.clone())),
    }
}

/// A different value of the same kind: one digit, one character or the other boolean.
fn changed(leaf: &Value) -> Value {
    match leaf {
        Value::String(s) if s.is_empty() => Value::String("x".into()),
        Value::String(s) => {
            let mut chars: Vec<char> = s.chars().collect();
            let last = chars.len() - 1;
            chars[last] = if chars[last] == '0' { '1' } else { '0' };
            Value::String(chars.into_iter().collect())
        }
        Value::Number(n) if n.is_u64() => Value::from(n.as_u64().unwrap() + 1),
        Value::Number(n) if n.is_i64() => Value::from(n.as_i64().unwrap() + 1),
        Value::Number(n) => Value::from(n.as_f64().unwrap() + 1e-6),
        Value::Bool(b) => Value::Bool(!b),
        Value::Null => Value::from(0),
        other => other.clone(),
    }
}

#[test]
fn a_media_result_is_signed_over_its_published_json_with_the_nonce_and_the_input_hash() {
    let bytes = std::fs::read(sample("minivision_live_image_T1.jpg")).unwrap();
    let result =
        signing_engine().analyze_with(Media::bytes(bytes.clone()), &with_nonce("session-4f2a-challenge")).unwrap();
    assert_eq!(result.resolution, Resolution::Success);
    let a = result.attestation.as_ref().expect("a signed result");
    assert_eq!((a.alg.as_str(), a.key_id.as_str()), ("EdDSA", KEY_ID));
    assert_eq!(a.nonce.as_deref(), Some("session-4f2a-challenge"));
    assert_eq!(a.media_sha256.as_deref(), Some(sha256_hex(&bytes).as_str()));
    assert_eq!(a.engine_version, ozinstant::VERSION);
    assert_eq!(a.models, signing_engine().models());
    assert_eq!(a.issued_at.len(), "2026-12-02T04:50:22Z".len(), "{}", a.issued_at);

    let published = result.to_json();
    let verified = attest::verify_result_json(&published, &public_key()).unwrap();
    assert_eq!(verified.key_id, KEY_ID);
    assert_eq!(verified.nonce.as_deref(), Some("session-4f2a-challenge"));
    assert_eq!(verified.payload["confidence_spoofing"].as_f64(), result.confidence_spoofing);
    assert_eq!(verified.nested_verified, 0);
    // The published key (what `verifying_key` hands out) verifies it as well.
    let handed_out = signing_engine().verifying_key().unwrap();
    let pem = handed_out.to_spki_pem();
    let from_pem = VerifyingKey::from_spki_pem(&pem).unwrap().with_key_id(KEY_ID).unwrap();
    attest::verify_result_json(&published, &from_pem).unwrap();
}

#[test]
fn changing_any_signed_field_of_a_real_result_fails_verification() {
    let request = Request::new(vec![
        Media::path(sample("minivision_live_image_T1.jpg")),
        Media::path(sample("hyperfas_spoof_replay_fake_screen.png")),
    ])
    .with_options(with_nonce("n-91c3"));
    let result = signing_engine().analyze_request(request).unwrap();
    let value: Value = serde_json::from_str(&result.to_json()).unwrap();
    let key = public_key();
    assert_eq!(attest::verify_result(&value, &key).unwrap().nested_verified, 2);

    let mut leaves = Vec::new();
    signed_leaves(&value, String::new(), &mut leaves);
    assert!(leaves.len() > 60, "only {} leaves", leaves.len());
    for (pointer, leaf) in &leaves {
        let mut tampered = value.clone();
        *tampered.pointer_mut(pointer).unwrap() = changed(leaf);
        let err = attest::verify_result(&tampered, &key).expect_err(pointer);
        assert!(matches!(&err, Error::InvalidInput(m) if m.starts_with("attestation")), "{pointer}: {err}");
    }
    // One character of the signature itself.
    let mut tampered = value.clone();
    let jws = tampered["attestation"]["jws"].as_str().unwrap().to_owned();
    let flipped = if jws.ends_with('A') { "B" } else { "A" };
    tampered["attestation"]["jws"] = Value::String(format!("{}{flipped}", &jws[..jws.len() - 1]));
    assert!(attest::verify_result(&tampered, &key).is_err());
    // An added member is a change too.
    let mut tampered = value.clone();
    tampered["media"][0]["note"] = Value::String("added".into());
    assert!(attest::verify_result(&tampered, &key).is_err());
    // Another key does not verify it.
    let other = SigningKey::from_seed(&[1; 32], KEY_ID).unwrap().verifying_key();
    assert!(attest::verify_result(&value, &other).is_err());
}

#[test]
fn each_media_result_of_a_request_verifies_alone_and_hashes_what_was_received() {
    let path = sample("facerec_live_obama.jpg");
    let file = std::fs::read(&path).unwrap();
    let (w, h) = (64u32, 48u32);
    let pixels: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
    let request = Request::new(vec![
        Media::path(&path),
        Media::bytes(b"not an image".to_vec()),
        Media::pixels(pixels.clone(), PixelFormat::Rgb8, w, h, 0),
    ]);
    let result = signing_engine().analyze_request(request).unwrap();
    assert!(result.attestation.as_ref().unwrap().nonce.is_none());
    assert!(result.attestation.as_ref().unwrap().media_sha256.is_none(), "the request has no single input");
    let hashes: Vec<Option<String>> =
        result.media.iter().map(|m| m.attestation.as_ref().unwrap().media_sha256.clone()).collect();
    assert_eq!(hashes, vec![Some(sha256_hex(&file)), Some(sha256_hex(b"not an image")), Some(sha256_hex(&pixels))]);
    assert_eq!(result.media[1].resolution, Resolution::Failed, "a failed media is signed too");
    for media in &result.media {
        let verified = attest::verify_result_json(&media.to_json(), &public_key()).unwrap();
        assert_eq!(verified.payload["media_index"].as_u64(), Some(media.media_index as u64));
    }
    // A media result moved into another request's place does not verify there.
    let mut value: Value = serde_json::from_str(&result.to_json()).unwrap();
    value["media"].as_array_mut().unwrap().swap(0, 2);
    assert!(attest::verify_result(&value, &public_key()).is_err());
}

#[test]
fn biometry_requests_sign_the_embedder_among_the_models() {
    let request = Request::new(vec![
        Media::path(sample("facerec_live_obama.jpg")).with_tag(MediaTag::PhotoSelfie),
        Media::path(sample("facerec_live_obama2.jpg")).with_tag(MediaTag::PhotoIdFront),
    ])
    .with_options(AnalyzeOptions {
        analyses: Some(vec![AnalysisKind::Quality, AnalysisKind::Biometry]),
        ..AnalyzeOptions::default()
    });
    let result = signing_engine().analyze_request(request).unwrap();
    let attestation = result.attestation.as_ref().unwrap();
    assert_eq!(attestation.models, result.models);
    assert!(attestation.models.iter().any(|m| m.id.contains("face")), "{:?}", attestation.models);
    assert!(result.biometry.is_some());
    attest::verify_result_json(&result.to_json(), &public_key()).unwrap();
}

#[test]
fn without_a_key_results_are_unsigned_and_a_nonce_is_refused() {
    let bytes = std::fs::read(sample("minivision_live_image_T1.jpg")).unwrap();
    let plain = engine().analyze(Media::bytes(bytes.clone())).unwrap();
    assert!(plain.attestation.is_none());
    assert!(!plain.to_json().contains("attestation"));
    assert!(engine().verifying_key().is_none());
    let err = engine().analyze_with(Media::bytes(bytes.clone()), &with_nonce("n")).unwrap_err();
    assert!(matches!(&err, Error::InvalidInput(m) if m.contains("no signing key")), "{err}");
    let err = engine().analyze_request(Request::new(vec![Media::bytes(bytes)]).with_options(with_nonce("n")));
    assert!(matches!(err, Err(Error::InvalidInput(_))));
    // The scores are those of the unsigned engine: signing changes nothing else.
    let signed =
        signing_engine().analyze(Media::bytes(std::fs::read(sample("minivision_live_image_T1.jpg")).unwrap())).unwrap();
    assert_eq!(signed.confidence_spoofing, plain.confidence_spoofing);
}

#[test]
fn nonces_are_bounded() {
    let bytes = std::fs::read(sample("minivision_live_image_T1.jpg")).unwrap();
    for bad in [String::new(), "n".repeat(attest::MAX_NONCE_BYTES + 1)] {
        let err = signing_engine().analyze_with(Media::bytes(bytes.clone()), &with_nonce(&bad)).unwrap_err();
        assert!(matches!(&err, Error::InvalidInput(m) if m.contains("nonce")), "{err}");
    }
    let longest = "n".repeat(attest::MAX_NONCE_BYTES);
    let result = signing_engine().analyze_with(Media::bytes(bytes), &with_nonce(&longest)).unwrap();
    assert_eq!(attest::verify_result_json(&result.to_json(), &public_key()).unwrap().nonce, Some(longest));
}

#[test]
fn the_key_comes_from_configuration_json_and_never_goes_back_out() {
    let dir = std::env::temp_dir().join(format!("ozinstant-attest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed_file = dir.join("seed.bin");
    std::fs::write(&seed_file, seed()).unwrap();
    let config = EngineConfig::from_json(&format!(
        r#"{{"signing": {{"key_file": {}, "key_id": "{KEY_ID}", "input_hashes": false}}}}"#,
        serde_json::to_string(&seed_file).unwrap()
    ))
    .unwrap();
    let engine = Engine::new(config).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(engine.verifying_key().unwrap(), public_key());
    let result = engine.analyze(Media::path(sample("minivision_live_image_T1.jpg"))).unwrap();
    assert!(result.attestation.as_ref().unwrap().media_sha256.is_none(), "input_hashes is off");
    attest::verify_result_json(&result.to_json(), &public_key()).unwrap();

    // A PEM given inline is read, then neither serialised nor printed.
    let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n";
    let config = EngineConfig::from_json(&format!(
        r#"{{"signing": {{"key_pem": {}, "key_id": "{KEY_ID}"}}}}"#,
        serde_json::to_string(pem).unwrap()
    ))
    .unwrap();
    let secret = "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v";
    assert!(!config.to_json().contains(secret), "{}", config.to_json());
    assert!(!format!("{config:?}").contains(secret));
    assert_eq!(config.signing.as_ref().unwrap().load_key().unwrap(), signing_key());
    let engine = Engine::new(config).unwrap();
    assert!(!engine.config().to_json().contains(secret));
    assert!(engine.config().signing.as_ref().unwrap().key_pem.is_none(), "the engine keeps no copy in its config");
    assert_eq!(engine.verifying_key().unwrap(), public_key());
}

#[test]
fn bad_signing_configuration_is_a_config_error() {
    let cases = [
        (r#"{"signing": {"key_id": "k"}}"#, "needs a key"),
        (r#"{"signing": {"key_id": "k", "key_pem": "x", "key_file": "/k"}}"#, "only one"),
        (r#"{"signing": {"key_id": "k", "key_pem": "not a pem"}}"#, ""),
        (r#"{"signing": {"key_id": "k", "key_secret": "x"}}"#, "key_secret"),
    ];
    for (json, needle) in cases {
        let err = EngineConfig::from_json(json).and_then(Engine::new).unwrap_err();
        assert!(matches!(&err, Error::Config(m) if m.contains(needle)), "{json}: {err}");
    }
    let missing = SigningConfig {
        key_id: "k".into(),
        key_file: Some("/nonexistent/ozinstant.pem".into()),
        ..SigningConfig::default()
    };
    let err = Engine::new(EngineConfig { signing: Some(missing), ..EngineConfig::default() }).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ozinstant.pem"), "{err}");
    let err = SigningKey::from_seed(&seed(), "").unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}
