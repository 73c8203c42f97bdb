"""Signed results (issue 14): ``Engine(signing=...)``, ``nonce=``, ``result.attestation``,
``ozinstant.verify``, and verification by an independent library (``cryptography`` alone, no
ozinstant code) of real results."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import multiprocessing
import pickle
import re
import sys
from pathlib import Path
from typing import Any, Callable, Tuple

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

import ozinstant
from conftest import LIVE, SPOOF, sample

KEY_ID = "py-test-2026"
NONCE = "n-8f2c-4b1d-a9e7"


def _pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _secret_fragments(key: Ed25519PrivateKey) -> list[str]:
    """Texts that would betray the private key: its PEM body lines, the seed in hex and base64."""
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    body = [line for line in _pem(key).splitlines() if line and not line.startswith("-----")]
    return body + [seed.hex(), base64.b64encode(seed).decode(), base64.urlsafe_b64encode(seed).decode().rstrip("=")]


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signer(private_key: Ed25519PrivateKey) -> ozinstant.Engine:
    """An engine signing with a key given from memory (the PEM text)."""
    return ozinstant.Engine(threads=2, signing={"key_id": KEY_ID, "key_pem": _pem(private_key)})


# -- an independent verifier: the `cryptography` package and the standard library only ---------


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _strip_jws(value: Any) -> Any:
    """The value an attestation signs: every ``jws`` member of every ``attestation`` object removed."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "attestation" and isinstance(v, dict):
                out[k] = {ak: _strip_jws(av) for ak, av in v.items() if ak != "jws"}
            else:
                out[k] = _strip_jws(v)
        return out
    if isinstance(value, list):
        return [_strip_jws(v) for v in value]
    return value


def _check_one(obj: dict, public: Ed25519PublicKey, key_id: str) -> dict:
    """Checks one object's ``attestation.jws``; returns the header."""
    jws = obj["attestation"]["jws"]
    parts = jws.split(".")
    assert len(parts) == 3, "compact JWS has three parts"
    header_b64, payload_b64, sig_b64 = parts
    header = json.loads(_b64url(header_b64))
    assert header == {"alg": "EdDSA", "kid": key_id, "typ": "ozinstant-result+json"}
    public.verify(_b64url(sig_b64), f"{header_b64}.{payload_b64}".encode("ascii"))  # raises InvalidSignature
    payload = json.loads(_b64url(payload_b64))
    assert payload == _strip_jws(obj), "the signed payload is the result without its attestation.jws members"
    return header


def independent_verify(text: str, public: Ed25519PublicKey, key_id: str = KEY_ID) -> int:
    """Verifies a published result's JSON text and its nested media results; returns how many
    attestations were checked. Raises AssertionError or InvalidSignature when it does not verify."""
    result = json.loads(text)
    _check_one(result, public, key_id)
    checked = 1
    for media in result.get("media", []):
        _check_one(media, public, key_id)
        checked += 1
    return checked


def independently_verifies(text: str, public: Ed25519PublicKey) -> bool:
    try:
        independent_verify(text, public)
    except (AssertionError, InvalidSignature, ValueError, KeyError):
        return False
    return True


# -- one-character changes of signed fields -------------------------------------------------------


def _bump_digit(text: str, match: "re.Match[str]", group: int = 1) -> str:
    """``text`` with the last digit (or hex digit) of ``match.group(group)`` changed."""
    end = match.end(group)
    for i in range(end - 1, match.start(group) - 1, -1):
        c = text[i]
        if c.isdigit():
            return text[:i] + str((int(c) + 1) % 10) + text[i + 1 :]
        if c in "abcdef":
            return text[:i] + ("a" if c == "f" else chr(ord(c) + 1)) + text[i + 1 :]
    raise AssertionError(f"no digit in {match.group(group)!r}")


def _change_string(name: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        m = re.search(rf'"{name}":"([^"]+)"', text)
        assert m is not None, f"{name} not in the result"
        c = text[m.start(1)]
        return text[: m.start(1)] + ("Y" if c != "Y" else "Z") + text[m.start(1) + 1 :]

    return change


def _change_score(text: str) -> str:
    m = re.search(r'"confidence_spoofing":(-?[0-9.eE+-]+)', text)
    assert m is not None, "no score in the result"
    return _bump_digit(text, m)


def _change_sha(text: str) -> str:
    m = re.search(r'"media_sha256":"([0-9a-f]{64})"', text)
    assert m is not None, "no media_sha256 in the result"
    return _bump_digit(text, m)


TAMPERS = {
    "score_digit": _change_score,
    "nonce": _change_string("nonce"),
    "request_id": _change_string("request_id"),
    "media_sha256": _change_sha,
}


# -- signing and verifying real results -----------------------------------------------------------


def test_engine_exposes_its_public_key_and_key_id(signer: ozinstant.Engine, private_key: Ed25519PrivateKey) -> None:
    assert signer.key_id == KEY_ID
    assert signer.public_key_pem is not None
    assert signer.public_key_pem.strip() == _public_pem(private_key).strip()
    assert signer.config["signing"]["key_id"] == KEY_ID
    assert signer.config["signing"]["input_hashes"] is True


def test_signed_analyze_verifies_with_both_verifiers(
    signer: ozinstant.Engine, private_key: Ed25519PrivateKey, live_path: Path
) -> None:
    data = live_path.read_bytes()
    r = signer.analyze(data, nonce=NONCE, request_id="req-analyze-1")
    a = r.attestation
    assert isinstance(a, ozinstant.Attestation)
    assert (a.alg, a.key_id, a.nonce, a.engine_version) == ("EdDSA", KEY_ID, NONCE, ozinstant.__version__)
    assert a.models == signer.models
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a.issued_at)
    assert a.jws.count(".") == 2
    assert r.to_dict()["attestation"]["jws"] == a.jws

    v = ozinstant.verify(r, signer.public_key_pem, key_id=KEY_ID)
    assert isinstance(v, ozinstant.Verified)
    assert (v.key_id, v.issued_at, v.nonce, v.nested_verified) == (KEY_ID, a.issued_at, NONCE, 0)
    assert v.payload["request_id"] == "req-analyze-1"
    assert v.payload["confidence_spoofing"] == r.confidence_spoofing
    assert "jws" not in v.payload["attestation"]
    assert v.payload == _strip_jws(json.loads(r.to_json()))

    assert independent_verify(r.to_json(), private_key.public_key()) == 1


def test_signed_analyze_request_verifies_with_both_verifiers(
    signer: ozinstant.Engine, private_key: Ed25519PrivateKey
) -> None:
    paths = [sample(LIVE[0]), sample(SPOOF[0])]
    rr = signer.analyze_request([p.read_bytes() for p in paths], nonce=NONCE, request_id="req-folder-7")
    assert rr.attestation is not None and rr.attestation.nonce == NONCE
    assert rr.attestation.media_sha256 is None  # a request is not about one media's bytes
    assert [m.attestation.nonce for m in rr.media if m.attestation] == [NONCE, NONCE]

    v = ozinstant.verify(rr, signer.public_key_pem)
    assert (v.key_id, v.nonce, v.nested_verified) == (KEY_ID, NONCE, 2)
    assert v.payload["request_id"] == "req-folder-7"
    assert independent_verify(rr.to_json(), private_key.public_key()) == 3

    # Each media result is signed on its own: it verifies alone, even rebuilt from the parsed dict.
    for m in rr.media:
        assert ozinstant.verify(m, signer.public_key_pem).nested_verified == 0
        assert independent_verify(m.to_json(), private_key.public_key()) == 1


def test_verify_accepts_text_bytes_dict_and_raw_key(signer: ozinstant.Engine, private_key: Ed25519PrivateKey) -> None:
    r = signer.analyze(sample(LIVE[1]), nonce=NONCE)
    text = r.to_json()
    pem = signer.public_key_pem
    assert pem is not None
    for given in (r, text, text.encode(), json.loads(text)):
        for key in (pem, pem.encode(), _raw_public(private_key)):
            assert ozinstant.verify(given, key).nonce == NONCE


def test_verify_rejects_wrong_key_key_id_and_unsigned(
    signer: ozinstant.Engine, engine: ozinstant.Engine, live_path: Path
) -> None:
    r = signer.analyze(live_path)
    other = _public_pem(Ed25519PrivateKey.generate())
    with pytest.raises(ozinstant.VerificationError) as info:
        ozinstant.verify(r, other)
    assert "attestation" in str(info.value)
    assert isinstance(info.value, ozinstant.InvalidInputError) and info.value.code == "invalid_input"
    with pytest.raises(ozinstant.VerificationError):
        ozinstant.verify(r, signer.public_key_pem or "", key_id="some-other-key")
    with pytest.raises(ozinstant.VerificationError):
        ozinstant.verify(engine.analyze(live_path), signer.public_key_pem or "")  # unsigned
    with pytest.raises(ozinstant.VerificationError):
        ozinstant.verify("{not json", signer.public_key_pem or "")
    with pytest.raises(ozinstant.ConfigError):
        ozinstant.verify(r, b"not a public key")
    with pytest.raises(ozinstant.ConfigError):
        ozinstant.verify(r, signer.public_key_pem or "", key_id="")
    with pytest.raises(TypeError):
        ozinstant.verify(42, signer.public_key_pem or "")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ozinstant.verify(r, 42)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_one_character_change_fails_both_verifiers(
    field: str, signer: ozinstant.Engine, private_key: Ed25519PrivateKey, live_path: Path
) -> None:
    public = private_key.public_key()
    media = signer.analyze(live_path.read_bytes(), nonce=NONCE, request_id="req-tamper-1")
    request = signer.analyze_request(
        [live_path.read_bytes(), sample(SPOOF[1])], nonce=NONCE, request_id="req-tamper-2"
    )
    for result in (media, request):
        text = result.to_json()
        assert independently_verifies(text, public)
        ozinstant.verify(text, signer.public_key_pem or "")
        changed = TAMPERS[field](text)
        assert changed != text and len(changed) == len(text)
        json.loads(changed)  # still JSON
        assert not independently_verifies(changed, public), f"{field}: the independent verifier accepted it"
        with pytest.raises(ozinstant.VerificationError):
            ozinstant.verify(changed, signer.public_key_pem or "")


def test_media_sha256_is_the_hash_of_the_bytes_given(signer: ozinstant.Engine, live_path: Path) -> None:
    data = live_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    by_bytes = signer.analyze(data)
    by_path = signer.analyze(live_path)
    by_str = signer.analyze(str(live_path))
    assert [r.attestation.media_sha256 for r in (by_bytes, by_path, by_str) if r.attestation] == [digest] * 3
    other = sample(SPOOF[0]).read_bytes()
    rr = signer.analyze_request([data, sample(SPOOF[0])])
    assert [m.attestation.media_sha256 for m in rr.media if m.attestation] == [
        digest,
        hashlib.sha256(other).hexdigest(),
    ]
    batch = signer.analyze_batch([data, other], nonce=NONCE)
    assert [(m.attestation.media_sha256, m.attestation.nonce) for m in batch if m.attestation] == [
        (digest, NONCE),
        (hashlib.sha256(other).hexdigest(), NONCE),
    ]
    for m in batch:
        ozinstant.verify(m, signer.public_key_pem or "")


def test_input_hashes_off_leaves_media_sha256_out(tmp_path: Path, private_key: Ed25519PrivateKey) -> None:
    key_file = tmp_path / "signing.pem"
    key_file.write_text(_pem(private_key))
    e = ozinstant.Engine(threads=1, signing={"key_id": KEY_ID, "key_file": key_file, "input_hashes": False})
    assert e.config["signing"]["input_hashes"] is False
    r = e.analyze(sample(LIVE[0]), nonce=NONCE)
    assert r.attestation is not None and r.attestation.media_sha256 is None
    assert "media_sha256" not in r.to_dict()["attestation"]
    assert independent_verify(r.to_json(), private_key.public_key()) == 1
    assert ozinstant.verify(r, _public_pem(private_key)).nonce == NONCE


def test_async_entry_points_take_a_nonce(signer: ozinstant.Engine, private_key: Ed25519PrivateKey) -> None:
    async def main() -> Tuple[ozinstant.MediaResult, ozinstant.RequestResult]:
        one = await signer.analyze_async(sample(LIVE[2]), nonce="async-1")
        many = await signer.analyze_request_async([sample(LIVE[3]), sample(SPOOF[2])], nonce="async-2")
        return one, many

    one, many = asyncio.run(main())
    assert ozinstant.verify(one, signer.public_key_pem or "").nonce == "async-1"
    v = ozinstant.verify(many, signer.public_key_pem or "")
    assert (v.nonce, v.nested_verified) == ("async-2", 2)
    assert independent_verify(many.to_json(), private_key.public_key()) == 3


def test_raw_seed_and_pem_bytes_keys(private_key: Ed25519PrivateKey) -> None:
    seed = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    e = ozinstant.Engine(threads=1, signing={"key_id": "seed-key", "key": seed})
    assert e.public_key_pem is not None and e.public_key_pem.strip() == _public_pem(private_key).strip()
    r = e.analyze(sample(LIVE[0]))
    assert ozinstant.verify(r, _raw_public(private_key), key_id="seed-key").key_id == "seed-key"
    e2 = ozinstant.Engine(threads=1, signing={"key_id": "pem-bytes", "key_pem": _pem(private_key).encode()})
    assert e2.key_id == "pem-bytes" and e2.public_key_pem == e.public_key_pem


def test_bad_signing_configs_raise_config_error(private_key: Ed25519PrivateKey, tmp_path: Path) -> None:
    pem = _pem(private_key)
    key_file = tmp_path / "k.pem"
    key_file.write_text(pem)
    bad = [
        {"key_id": KEY_ID},  # no key
        {"key_id": KEY_ID, "key_pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
        {"key_id": KEY_ID, "key": b"short"},
        {"key_id": "", "key_pem": pem},
        {"key_id": KEY_ID, "key_pem": pem, "key_file": str(key_file)},
        {"key_id": KEY_ID, "key_pem": pem, "key": pem.encode()},
        {"key_id": KEY_ID, "key_pem": pem, "unknown": 1},
    ]
    secrets = _secret_fragments(private_key)
    for signing in bad:
        with pytest.raises(ozinstant.ConfigError) as info:
            ozinstant.Engine(threads=1, signing=signing)
        assert not any(s in str(info.value) for s in secrets), f"the key shows in {info.value}"
    with pytest.raises(TypeError):
        ozinstant.Engine(threads=1, signing={"key_id": KEY_ID, "key_pem": 12})


# -- no key ---------------------------------------------------------------------------------------


def test_without_a_key_no_attestation_and_nonce_is_refused(engine: ozinstant.Engine, live_path: Path) -> None:
    assert engine.public_key_pem is None and engine.key_id is None
    assert engine.config.get("signing") is None
    r = engine.analyze(live_path)
    assert r.attestation is None
    rr = engine.analyze_request([live_path])
    assert rr.attestation is None and rr.media[0].attestation is None
    for call in (
        lambda: engine.analyze(live_path, nonce=NONCE),
        lambda: engine.analyze_batch([live_path], nonce=NONCE),
        lambda: engine.analyze_request([live_path], nonce=NONCE),
        lambda: asyncio.run(engine.analyze_async(live_path, nonce=NONCE)),
        lambda: asyncio.run(engine.analyze_request_async([live_path], nonce=NONCE)),
    ):
        with pytest.raises(ozinstant.InvalidInputError) as info:
            call()
        assert "nonce" in str(info.value)


def test_the_key_never_shows(
    private_key: Ed25519PrivateKey, live_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    secrets = _secret_fragments(private_key)
    with caplog.at_level(logging.DEBUG):
        e = ozinstant.Engine(threads=1, signing={"key_id": KEY_ID, "key_pem": _pem(private_key)})
        r = e.analyze(live_path, nonce=NONCE)
        e.analyze_request([live_path, b"junk bytes, not an image"])
    shown = [
        json.dumps(e.config),
        repr(e),
        str(e.stats()),
        r.to_json(),
        repr(r),
        repr(r.attestation),
        caplog.text,
        *capfd.readouterr(),
    ]
    assert "key_pem" not in e.config["signing"] and "key" not in e.config["signing"]
    for text in shown:
        assert not any(s in text for s in secrets), f"the key shows in {text[:200]!r}"


# -- pickling and fork ----------------------------------------------------------------------------


def test_engine_with_an_inline_key_refuses_to_pickle(signer: ozinstant.Engine) -> None:
    with pytest.raises(pickle.PicklingError) as info:
        pickle.dumps(signer)
    assert "key_file" in str(info.value)


def test_engine_with_a_key_file_pickles(tmp_path: Path, private_key: Ed25519PrivateKey) -> None:
    key_file = tmp_path / "signing.pem"
    key_file.write_text(_pem(private_key))
    e = ozinstant.Engine(threads=1, signing={"key_id": KEY_ID, "key_file": key_file})
    clone = pickle.loads(pickle.dumps(e))
    assert clone.config == e.config and clone.public_key_pem == e.public_key_pem
    r = clone.analyze(sample(LIVE[0]), nonce=NONCE)
    assert independent_verify(r.to_json(), private_key.public_key()) == 1


_FORKED_SIGNER = None


def _signed_in_child(path: str) -> str:
    assert _FORKED_SIGNER is not None
    return _FORKED_SIGNER.analyze(path, nonce="from-child").to_json()


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_engine_with_an_inline_key_rebuilds_after_fork(private_key: Ed25519PrivateKey) -> None:
    global _FORKED_SIGNER
    _FORKED_SIGNER = ozinstant.Engine(threads=1, signing={"key_id": KEY_ID, "key_pem": _pem(private_key)})
    _FORKED_SIGNER.analyze(sample(LIVE[0]))  # the parent's pool has run
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            texts = pool.map_async(_signed_in_child, [str(sample(LIVE[0]))]).get(timeout=120)
    finally:
        _FORKED_SIGNER = None
    assert independent_verify(texts[0], private_key.public_key()) == 1
    assert ozinstant.verify(texts[0], _public_pem(private_key)).nonce == "from-child"


def test_attestation_record_pickles_and_compares(signer: ozinstant.Engine) -> None:
    r = signer.analyze(sample(LIVE[0]), nonce=NONCE)
    again = pickle.loads(pickle.dumps(r))
    assert again == r and again.attestation == r.attestation
    v = ozinstant.verify(again, signer.public_key_pem or "")
    assert pickle.loads(pickle.dumps(v)) == v
    with pytest.raises(AttributeError):
        v.nonce = "x"  # type: ignore[misc]
