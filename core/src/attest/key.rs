//! Ed25519 keys for attestations: the host's signing key (with its `key_id`) and the public key a
//! verifier holds.
//!
//! Accepted encodings, the ones `openssl` writes:
//!
//! | key | accepted as |
//! | --- | --- |
//! | signing | PKCS#8 PEM (`openssl genpkey -algorithm ed25519`), PKCS#8 DER (`-outform DER`), raw 32-byte seed |
//! | verifying | SPKI PEM (`openssl pkey -in KEY -pubout`), SPKI DER, raw 32-byte public key |
//!
//! The secret lives only inside [`ed25519_dalek::SigningKey`], which zeroizes it on drop (its
//! `zeroize` feature); buffers this module reads a key into are [`Zeroizing`] too. `Debug` never
//! prints the secret. A bad key is [`Error::Config`] (a wrong length, another algorithm such as
//! RSA or P-256, an encrypted or malformed PEM) and an unreadable file is [`Error::Io`].

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::spki::SubjectPublicKeyInfoRef;
use ed25519_dalek::pkcs8::spki::der::pem::{self, LineEnding};
use ed25519_dalek::pkcs8::{DecodePublicKey, EncodePublicKey, ObjectIdentifier, PrivateKeyInfo};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Longest accepted `key_id`, in bytes.
pub const MAX_KEY_ID_BYTES: usize = 256;

/// Length of an Ed25519 seed (the private key of RFC 8032) and of a public key, in bytes.
const KEY_BYTES: usize = 32;

/// Ed25519's algorithm identifier (RFC 8410).
const ED25519_OID: &str = "1.3.101.112";

/// An Ed25519 signing key with the `key_id` written into every attestation it signs.
///
/// The secret is zeroized when the key is dropped and never printed: `Debug` shows the key id and
/// the public key only. Cloning copies the secret (each copy is zeroized on its own drop).
#[derive(Clone)]
pub struct SigningKey {
    inner: ed25519_dalek::SigningKey,
    key_id: String,
}

impl SigningKey {
    /// From the raw 32-byte seed (the "private key" of RFC 8032 section 5.1.5).
    pub fn from_seed(seed: &[u8], key_id: &str) -> Result<Self> {
        let key_id = check_key_id(key_id)?;
        let seed: &[u8; KEY_BYTES] = seed.try_into().map_err(|_| {
            signing_error(format!("a raw Ed25519 seed is {KEY_BYTES} bytes, this one is {} bytes", seed.len()))
        })?;
        Ok(SigningKey { inner: ed25519_dalek::SigningKey::from_bytes(seed), key_id })
    }

    /// From a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as `openssl genpkey -algorithm ed25519`
    /// writes it). Leading and trailing whitespace is ignored; encrypted PKCS#8 is refused.
    pub fn from_pkcs8_pem(pem: &str, key_id: &str) -> Result<Self> {
        let (label, der) = decode_pem(pem).map_err(|e| signing_error(pem_detail(pem, e)))?;
        match label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der, key_id),
            "ENCRYPTED PRIVATE KEY" => Err(signing_error(
                "encrypted PKCS#8 keys are not supported: decrypt it first (`openssl pkey -in KEY -out PLAIN.pem`)",
            )),
            other => Err(signing_error(wrong_label(other, "PRIVATE KEY"))),
        }
    }

    /// From PKCS#8 DER (`openssl genpkey -algorithm ed25519 -outform DER`).
    pub fn from_pkcs8_der(der: &[u8], key_id: &str) -> Result<Self> {
        let key_id = check_key_id(key_id)?;
        let info = PrivateKeyInfo::try_from(der)
            .map_err(|e| signing_error(format!("not a PKCS#8 private key ({e}) in {} bytes of DER", der.len())))?;
        check_algorithm(info.algorithm.oid).map_err(signing_error)?;
        let inner = ed25519_dalek::SigningKey::try_from(info)
            .map_err(|e| signing_error(format!("malformed Ed25519 PKCS#8 key: {e}")))?;
        Ok(SigningKey { inner, key_id })
    }

    /// From key bytes in any accepted encoding: a PKCS#8 PEM, PKCS#8 DER, or exactly 32 bytes
    /// taken as the raw seed.
    pub fn parse(bytes: &[u8], key_id: &str) -> Result<Self> {
        match sniff(bytes) {
            Encoding::Raw => Self::from_seed(bytes, key_id),
            Encoding::Pem(text) => Self::from_pkcs8_pem(text, key_id),
            Encoding::Der => Self::from_pkcs8_der(bytes, key_id),
            Encoding::Unknown => Err(signing_error(format!(
                "expected a PKCS#8 PEM (`openssl genpkey -algorithm ed25519`), PKCS#8 DER or a raw \
                 {KEY_BYTES}-byte seed; got {} bytes that are none of these",
                bytes.len()
            ))),
        }
    }

    /// From a file holding the key in any encoding [`SigningKey::parse`] accepts.
    pub fn from_file(path: impl AsRef<Path>, key_id: &str) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_key_file(path)?;
        Self::parse(&bytes, key_id).map_err(|e| with_path(e, path))
    }

    /// The same key under another key id (checked as at load time).
    pub fn with_key_id(mut self, key_id: &str) -> Result<Self> {
        self.key_id = check_key_id(key_id)?;
        Ok(self)
    }

    /// The key id given at load time; it is the JWS header's `kid` and `attestation.key_id`.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The matching public key, carrying this key's `key_id`.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey { inner: self.inner.verifying_key(), key_id: Some(self.key_id.clone()) }
    }

    /// Ed25519 signature (RFC 8032, pure) of `message`.
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.inner.sign(message).to_bytes()
    }
}

/// Two signing keys are equal when their public keys and key ids are (the secrets are not
/// compared: the public key is a function of the secret).
impl PartialEq for SigningKey {
    fn eq(&self, other: &Self) -> bool {
        self.key_id == other.key_id && self.inner.verifying_key() == other.inner.verifying_key()
    }
}

impl Eq for SigningKey {}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .field("public_key", &URL_SAFE_NO_PAD.encode(self.inner.verifying_key().as_bytes()))
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// An Ed25519 public key, with the `key_id` it must appear under when one is set.
///
/// Two keys are equal when both their bytes and their key ids are.
///
/// A key loaded from PEM, DER or raw bytes has no key id and accepts any `kid`; set one with
/// [`VerifyingKey::with_key_id`] to also require that the JWS header names it.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    inner: ed25519_dalek::VerifyingKey,
    key_id: Option<String>,
}

impl VerifyingKey {
    /// From the raw 32-byte public key (RFC 8032 encoding). Refuses points that are not on the
    /// curve and the small-order ("weak") keys, under which a signature proves nothing.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let raw: &[u8; KEY_BYTES] = bytes.try_into().map_err(|_| {
            public_error(format!("a raw Ed25519 public key is {KEY_BYTES} bytes, this one is {} bytes", bytes.len()))
        })?;
        let inner = ed25519_dalek::VerifyingKey::from_bytes(raw)
            .map_err(|_| public_error("the 32 bytes are not an Ed25519 public key (not a point on the curve)"))?;
        Self::checked(inner)
    }

    /// From an SPKI PEM (`-----BEGIN PUBLIC KEY-----`, as `openssl pkey -in KEY -pubout` writes
    /// it). Leading and trailing whitespace is ignored.
    pub fn from_spki_pem(pem: &str) -> Result<Self> {
        let (label, der) = decode_pem(pem).map_err(|e| public_error(pem_detail(pem, e)))?;
        match label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&der),
            "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => Err(public_error(
                "this is a private key; a verifier needs the public key (`openssl pkey -in KEY -pubout`)",
            )),
            "CERTIFICATE" => Err(public_error(
                "certificates are not accepted; extract the public key (`openssl x509 -in CERT -pubkey -noout`)",
            )),
            other => Err(public_error(wrong_label(other, "PUBLIC KEY"))),
        }
    }

    /// From SPKI DER (`openssl pkey -in KEY -pubout -outform DER`).
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let info = SubjectPublicKeyInfoRef::try_from(der).map_err(|e| {
            public_error(format!("not a SubjectPublicKeyInfo public key ({e}) in {} bytes of DER", der.len()))
        })?;
        check_algorithm(info.algorithm.oid).map_err(public_error)?;
        let inner = ed25519_dalek::VerifyingKey::from_public_key_der(der)
            .map_err(|e| public_error(format!("malformed Ed25519 public key: {e}")))?;
        Self::checked(inner)
    }

    /// From key bytes in any accepted encoding: SPKI PEM, SPKI DER, or exactly 32 bytes taken as
    /// the raw public key.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        match sniff(bytes) {
            Encoding::Raw => Self::from_bytes(bytes),
            Encoding::Pem(text) => Self::from_spki_pem(text),
            Encoding::Der => Self::from_spki_der(bytes),
            Encoding::Unknown => Err(public_error(format!(
                "expected an SPKI PEM (`openssl pkey -pubout`), SPKI DER or a raw {KEY_BYTES}-byte public key; \
                 got {} bytes that are none of these",
                bytes.len()
            ))),
        }
    }

    /// From a file holding the key in any encoding [`VerifyingKey::parse`] accepts.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_key_file(path)?;
        Self::parse(&bytes).map_err(|e| with_path(e, path))
    }

    /// This key, requiring that attestations name it `key_id` (their JWS `kid`).
    pub fn with_key_id(self, key_id: &str) -> Result<Self> {
        Ok(VerifyingKey { key_id: Some(check_key_id(key_id)?), ..self })
    }

    /// The key id this key requires, if any.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The raw 32-byte public key.
    pub fn to_bytes(&self) -> [u8; KEY_BYTES] {
        self.inner.to_bytes()
    }

    /// The SPKI PEM (`-----BEGIN PUBLIC KEY-----`, LF line endings), as `openssl pkey -pubout`
    /// writes it.
    pub fn to_spki_pem(&self) -> String {
        // Encoding 32 bytes into a fixed ASN.1 structure cannot fail.
        self.inner.to_public_key_pem(LineEnding::LF).unwrap_or_default()
    }

    /// The RFC 7638 JWK thumbprint of the key (base64url SHA-256 of
    /// `{"crv":"Ed25519","kty":"OKP","x":...}`, RFC 8037 section 2): a stable, public name for
    /// the key that a host may use as its `key_id`.
    pub fn thumbprint(&self) -> String {
        let x = URL_SAFE_NO_PAD.encode(self.inner.as_bytes());
        let jwk = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        URL_SAFE_NO_PAD.encode(Sha256::digest(jwk.as_bytes()))
    }

    /// Checks an Ed25519 signature of `message` (RFC 8032, with `verify_strict`: non-canonical
    /// signatures and small-order components are refused).
    pub(crate) fn verify_bytes(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        self.inner.verify_strict(message, &signature).is_ok()
    }

    fn checked(inner: ed25519_dalek::VerifyingKey) -> Result<Self> {
        if inner.is_weak() {
            return Err(public_error("the key is a small-order (weak) point, under which any signature verifies"));
        }
        Ok(VerifyingKey { inner, key_id: None })
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("key_id", &self.key_id)
            .field("public_key", &URL_SAFE_NO_PAD.encode(self.inner.as_bytes()))
            .finish()
    }
}

/// How key bytes look at first sight.
enum Encoding<'a> {
    /// Exactly 32 bytes: a raw seed or public key.
    Raw,
    /// UTF-8 text with a PEM boundary.
    Pem(&'a str),
    /// Starts like a DER SEQUENCE.
    Der,
    Unknown,
}

fn sniff(bytes: &[u8]) -> Encoding<'_> {
    if bytes.len() == KEY_BYTES {
        return Encoding::Raw;
    }
    if let Ok(text) = std::str::from_utf8(bytes)
        && text.trim_start().starts_with("-----BEGIN ")
    {
        return Encoding::Pem(text);
    }
    if bytes.first() == Some(&0x30) { Encoding::Der } else { Encoding::Unknown }
}

/// Checks a host-given key id: 1 to [`MAX_KEY_ID_BYTES`] bytes, no control characters.
fn check_key_id(key_id: &str) -> Result<String> {
    if key_id.is_empty() || key_id.len() > MAX_KEY_ID_BYTES {
        return Err(Error::Config(format!(
            "attestation key_id must be 1 to {MAX_KEY_ID_BYTES} bytes, got {}",
            key_id.len()
        )));
    }
    if key_id.chars().any(char::is_control) {
        return Err(Error::Config("attestation key_id must not contain control characters".into()));
    }
    Ok(key_id.to_owned())
}

/// `Ok` for Ed25519; otherwise names the algorithm the key is for.
fn check_algorithm(oid: ObjectIdentifier) -> std::result::Result<(), String> {
    let oid = oid.to_string();
    if oid == ED25519_OID {
        return Ok(());
    }
    let name = match oid.as_str() {
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.113549.1.1.10" => "RSA-PSS",
        "1.2.840.10045.2.1" => "EC (ECDSA, e.g. P-256)",
        "1.3.101.113" => "Ed448",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        "1.2.840.10040.4.1" => "DSA",
        _ => "not Ed25519",
    };
    Err(format!("the key is {name} (algorithm {oid}); attestations need an Ed25519 key ({ED25519_OID})"))
}

fn wrong_label(label: &str, expected: &str) -> String {
    format!(
        "the PEM block is '{label}', expected '{expected}' (PKCS#8 / SPKI, as `openssl genpkey` and `openssl pkey` write)"
    )
}

/// The label and the bytes of one PEM block (RFC 7468), the bytes in memory zeroized on drop.
/// Leading and trailing whitespace is ignored.
fn decode_pem(text: &str) -> std::result::Result<(String, Zeroizing<Vec<u8>>), pem::Error> {
    let (label, bytes) = pem::decode_vec(text.trim().as_bytes())?;
    Ok((label.to_owned(), Zeroizing::new(bytes)))
}

fn pem_detail(pem: &str, e: pem::Error) -> String {
    if pem.contains("-----BEGIN") {
        format!("malformed PEM ({e})")
    } else {
        format!("malformed PEM ({e}): no '-----BEGIN' line")
    }
}

fn signing_error(detail: impl fmt::Display) -> Error {
    Error::Config(format!("attestation signing key: {detail}"))
}

fn public_error(detail: impl fmt::Display) -> Error {
    Error::Config(format!("attestation public key: {detail}"))
}

/// Reads a key file into memory that is zeroized when dropped.
fn read_key_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    std::fs::read(path).map(Zeroizing::new).map_err(|e| Error::Io { path: path.to_owned(), message: e.to_string() })
}

/// Names the file in a key error.
fn with_path(e: Error, path: &Path) -> Error {
    match e {
        Error::Config(message) => Error::Config(format!("{message} (file {})", path.display())),
        other => other,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// RFC 8032 section 7.1, TEST 1.
    pub(crate) const RFC8032_TEST1_SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const RFC8032_TEST1_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const RFC8032_TEST1_SIGNATURE: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    /// RFC 8032 section 7.1, TEST 2 (message 0x72).
    const RFC8032_TEST2_SECRET: &str = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
    const RFC8032_TEST2_PUBLIC: &str = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    const RFC8032_TEST2_SIGNATURE: &str = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

    /// The RFC 8032 TEST 1 key as PKCS#8 (RFC 8410 section 10.3 layout), as `openssl pkey` writes it.
    const TEST1_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n";

    /// Keys of other algorithms, throwaway ones written by `openssl genpkey` for these tests only:
    /// P-256, X25519, Ed448 and (512-bit, the smallest openssl makes) RSA, all PKCS#8; and the
    /// P-256 key's SPKI public key.
    const P256_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgMshm+yhz+5FU9o0+
fBLBWjDuVNRUImB5wub6SqLsH9ehRANCAARrjC9yvihrdRB/dPIm2l2LYuEltxnQ
GqLV2D2Jg4bnElSGURMdZLPin5sEVqLVHTVg6h5aXS2fW+V6PGygvnZ5
-----END PRIVATE KEY-----
";
    const P256_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEa4wvcr4oa3UQf3TyJtpdi2LhJbcZ
0Bqi1dg9iYOG5xJUhlETHWSz4p+bBFai1R01YOoeWl0tn1vlejxsoL52eQ==
-----END PUBLIC KEY-----
";
    const X25519_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIFgJEpNv/8WjENs/Ny2Fe4VZ2iTmQY0mBodIyaOzKsVC\n-----END PRIVATE KEY-----\n";
    const ED448_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MEcCAQAwBQYDK2VxBDsEOcWuq6mjAk7DVEyEyccKlpeBuLfYkdRz9BhbfdoPwrUH
jlrsJNAv800fYCCxpDwqusbGqyzs96AWfg==
-----END PRIVATE KEY-----
";
    const RSA_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAmU+2O2+bLL9WfM4w
9d/Y29WXVbh2yokKy0IUNyOcRSnKeUNkS7oyolulYkLOPlVH+I8Ma3fB9vw7R6NO
JtK+TwIDAQABAkBfqx5MeJick8mkmAZ1Z/orNF37X+DBAkN6EwIKZm5duX8OZyOC
DYX2KmH3nmbT5GcxsajN8iEks/C4o1+eivQBAiEAysHixvJ1WkM65NfZZoiHeYGu
t7NFV4nRQIWhtE4ll9cCIQDBkeFNxFRrYNQU3CMa4DMyFPfNT3cHVDJ1EgFy+ULe
SQIhAJ1diBYi/kP1JBOTF8+Fraf3p9Q51lrPw1HRpaScdn73AiBF4Q8QDv9W4FbP
zQTTT/rLaqxmrvhOagPpJX3mbrvIGQIgR+wIp2gyBT3hBaPdbLUrYjDS4h2Csyg0
Dc2JfmtjXcs=
-----END PRIVATE KEY-----
";

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn to_hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn config_message(e: Error) -> String {
        assert_eq!(e.name(), "invalid_config", "{e}");
        e.to_string()
    }

    #[test]
    fn rfc8032_vectors_through_from_seed() {
        for (secret, public, message, signature) in [
            (RFC8032_TEST1_SECRET, RFC8032_TEST1_PUBLIC, &b""[..], RFC8032_TEST1_SIGNATURE),
            (RFC8032_TEST2_SECRET, RFC8032_TEST2_PUBLIC, &b"\x72"[..], RFC8032_TEST2_SIGNATURE),
        ] {
            let key = SigningKey::from_seed(&hex(secret), "rfc8032").unwrap();
            assert_eq!(to_hex(&key.verifying_key().to_bytes()), public);
            assert_eq!(to_hex(&key.sign_bytes(message)), signature);
            let public = VerifyingKey::from_bytes(&hex(public)).unwrap();
            assert!(public.verify_bytes(message, &hex(signature).try_into().unwrap()));
            assert!(!public.verify_bytes(b"other", &hex(signature).try_into().unwrap()));
        }
    }

    #[test]
    fn pkcs8_pem_der_and_raw_give_the_same_key() {
        let from_seed = SigningKey::from_seed(&hex(RFC8032_TEST1_SECRET), "k").unwrap();
        let from_pem = SigningKey::from_pkcs8_pem(TEST1_PKCS8_PEM, "k").unwrap();
        assert_eq!(from_pem.verifying_key(), from_seed.verifying_key());
        assert_eq!(from_pem.sign_bytes(b"m"), from_seed.sign_bytes(b"m"));
        let der = [&hex("302e020100300506032b657004220420")[..], &hex(RFC8032_TEST1_SECRET)].concat();
        let from_der = SigningKey::from_pkcs8_der(&der, "k").unwrap();
        assert_eq!(from_der.verifying_key(), from_seed.verifying_key());
        // parse() recognises all three, and CRLF / surrounding whitespace in PEM.
        let crlf = format!("\r\n  {}  \r\n", TEST1_PKCS8_PEM.replace('\n', "\r\n"));
        for bytes in [hex(RFC8032_TEST1_SECRET), der.clone(), TEST1_PKCS8_PEM.as_bytes().to_vec(), crlf.into_bytes()] {
            assert_eq!(SigningKey::parse(&bytes, "k").unwrap().verifying_key(), from_seed.verifying_key());
        }
    }

    #[test]
    fn public_key_encodings_round_trip() {
        let key = SigningKey::from_seed(&hex(RFC8032_TEST1_SECRET), "k").unwrap().verifying_key();
        let pem = key.to_spki_pem();
        // What `openssl pkey -pubout` prints for the RFC 8032 TEST 1 key.
        assert_eq!(
            pem,
            "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n"
        );
        let from_pem = VerifyingKey::from_spki_pem(&pem).unwrap();
        assert_eq!(from_pem.key_id(), None);
        assert_eq!(from_pem.to_bytes(), key.to_bytes());
        assert_eq!(VerifyingKey::from_bytes(&key.to_bytes()).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(VerifyingKey::parse(pem.as_bytes()).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(VerifyingKey::parse(&key.to_bytes()).unwrap().to_bytes(), key.to_bytes());
        let der = [&hex("302a300506032b6570032100")[..], &key.to_bytes()].concat();
        assert_eq!(VerifyingKey::parse(&der).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(key.key_id(), Some("k"));
        assert_eq!(from_pem.clone().with_key_id("k").unwrap(), key);
    }

    #[test]
    fn rfc8037_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of the A.1 key (the RFC 8032 TEST 1 key).
        let key = SigningKey::from_seed(&hex(RFC8032_TEST1_SECRET), "k").unwrap().verifying_key();
        assert_eq!(key.thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = SigningKey::from_seed(&hex(RFC8032_TEST1_SECRET), "prod-2026").unwrap();
        let shown = format!("{key:?} {key:#?}");
        assert!(shown.contains("prod-2026") && shown.contains("<redacted>"), "{shown}");
        let secret_forms = [
            RFC8032_TEST1_SECRET.to_owned(),
            URL_SAFE_NO_PAD.encode(hex(RFC8032_TEST1_SECRET)),
            format!("{:?}", hex(RFC8032_TEST1_SECRET)),
            "157, 97, 177".to_owned(),
            "nWGxne".to_owned(),
        ];
        for form in secret_forms {
            assert!(!shown.contains(&form), "{shown} shows {form}");
        }
        let public = format!("{:?}", key.verifying_key());
        assert!(public.contains("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"), "{public}");
    }

    #[test]
    fn bad_signing_keys_are_typed_and_explained() {
        let cases: &[(&[u8], &str)] = &[
            (&[7; 31], "none of these"),
            (&[7; 33], "none of these"),
            (b"", "none of these"),
            (b"hello, I am not a key at all, not even close", "none of these"),
            (P256_PKCS8_PEM.as_bytes(), "the key is EC (ECDSA, e.g. P-256) (algorithm 1.2.840.10045.2.1)"),
            (X25519_PKCS8_PEM.as_bytes(), "the key is X25519"),
            (ED448_PKCS8_PEM.as_bytes(), "the key is Ed448 (algorithm 1.3.101.113)"),
            (RSA_PKCS8_PEM.as_bytes(), "the key is RSA (algorithm 1.2.840.113549.1.1.1)"),
            (b"-----BEGIN PRIVATE KEY-----\nbm90IGRlcg==\n-----END PRIVATE KEY-----\n", "not a PKCS#8 private key"),
            (b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n", "malformed PEM"),
            (b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n", "the PEM block is 'PUBLIC KEY'"),
            (b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted PKCS#8"),
            (&[0x30, 0x03, 0x02, 0x01], "not a PKCS#8 private key"),
        ];
        for (bytes, expected) in cases {
            let message = config_message(SigningKey::parse(bytes, "k").unwrap_err());
            assert!(message.starts_with("invalid configuration: attestation signing key: "), "{message}");
            assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        }
        let message = config_message(SigningKey::from_seed(&[1; 16], "k").unwrap_err());
        assert!(message.contains("a raw Ed25519 seed is 32 bytes, this one is 16 bytes"), "{message}");
        let message = config_message(SigningKey::from_pkcs8_pem("just text", "k").unwrap_err());
        assert!(message.contains("no '-----BEGIN' line"), "{message}");
    }

    #[test]
    fn bad_public_keys_are_typed_and_explained() {
        let small_order = {
            let mut b = [0u8; 32];
            b[0] = 1; // the identity point, order 1
            b
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![7; 31], "none of these"),
            (small_order.to_vec(), "small-order (weak)"),
            (TEST1_PKCS8_PEM.as_bytes().to_vec(), "this is a private key"),
            (P256_SPKI_PEM.as_bytes().to_vec(), "the key is EC (ECDSA, e.g. P-256)"),
            (
                b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n".to_vec(),
                "certificates are not accepted",
            ),
            (b"-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n".to_vec(), "not a SubjectPublicKeyInfo"),
        ];
        for (bytes, expected) in cases {
            let message = config_message(VerifyingKey::parse(&bytes).unwrap_err());
            assert!(message.starts_with("invalid configuration: attestation public key: "), "{message}");
            assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        }
        // An X25519 public key (same 32-byte size, another OID) in SPKI DER.
        let x25519_der = [&hex("302a300506032b656e032100")[..], &[9; 32]].concat();
        let message = config_message(VerifyingKey::from_spki_der(&x25519_der).unwrap_err());
        assert!(message.contains("the key is X25519 (algorithm 1.3.101.110)"), "{message}");
        // y = 2 is not the encoding of a curve point.
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        let message = config_message(VerifyingKey::from_bytes(&off_curve).unwrap_err());
        assert!(message.contains("not a point on the curve"), "{message}");
    }

    #[test]
    fn key_ids_are_checked() {
        let seed = hex(RFC8032_TEST1_SECRET);
        for bad in ["", "a\nb", &"x".repeat(MAX_KEY_ID_BYTES + 1)] {
            let message = config_message(SigningKey::from_seed(&seed, bad).unwrap_err());
            assert!(message.contains("attestation key_id"), "{message}");
        }
        assert_eq!(SigningKey::from_seed(&seed, "clé-2026/ü").unwrap().key_id(), "clé-2026/ü");
        assert!(VerifyingKey::from_bytes(&hex(RFC8032_TEST1_PUBLIC)).unwrap().with_key_id("").is_err());
    }

    #[test]
    fn files_name_themselves_in_errors() {
        let dir = std::env::temp_dir().join(format!("ozi-attest-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let raw = dir.join("seed.bin");
        std::fs::write(&raw, hex(RFC8032_TEST1_SECRET)).unwrap();
        assert_eq!(
            SigningKey::from_file(&raw, "k").unwrap().verifying_key().to_bytes().to_vec(),
            hex(RFC8032_TEST1_PUBLIC)
        );
        let bad = dir.join("seed.txt");
        std::fs::write(&bad, format!("{RFC8032_TEST1_SECRET}\n")).unwrap();
        let message = config_message(SigningKey::from_file(&bad, "k").unwrap_err());
        assert!(message.contains("seed.txt"), "{message}");
        let missing = SigningKey::from_file(dir.join("absent.pem"), "k").unwrap_err();
        assert_eq!(missing.name(), "io_error");
        assert!(VerifyingKey::from_file(dir.join("absent.pem")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
