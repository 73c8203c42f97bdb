"""Verification of signed results: :func:`verify` and :class:`Verified`."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Union

from ._errors import InvalidInputError, VerificationError
from ._ozinstant import _verify
from ._results import _EngineRecord, _Record

__all__ = ["Verified", "verify"]

SignedResult = Union[_EngineRecord, str, bytes, bytearray, memoryview, Dict[str, Any]]
"""A signed result: a :class:`MediaResult` or :class:`RequestResult`, its JSON text (``str`` or
UTF-8 bytes), or the parsed JSON object (``dict``)."""

PublicKey = Union[str, bytes, bytearray, memoryview]
"""An Ed25519 public key: SPKI PEM (``str`` or bytes, ``Engine.public_key_pem``), SPKI DER, or
the raw 32 bytes."""


class Verified:
    """What :func:`verify` established about a signed result.

    Read the verified data from :attr:`payload`, the value the signature covers; then check
    what only the host knows: that :attr:`nonce` is the challenge it issued, :attr:`issued_at`
    is recent, and ``payload["attestation"]["media_sha256"]`` is its media's hash."""

    __slots__ = ("payload", "key_id", "issued_at", "nonce", "nested_verified")

    payload: Dict[str, Any]
    """The signed value: the result without its ``attestation.jws`` members, as read back from
    its canonical JSON (an integral number such as ``1.0`` reads as the integer ``1``)."""
    key_id: str
    """The key id the result was signed under (the JWS ``kid`` = ``attestation.key_id``)."""
    issued_at: str
    """``attestation.issued_at``, as signed (RFC 3339 UTC)."""
    nonce: Optional[str]
    """``attestation.nonce``, as signed; None when the result has none."""
    nested_verified: int
    """How many nested attestations (the media results of a request) were verified besides
    the top-level one."""

    def __init__(
        self, payload: Dict[str, Any], key_id: str, issued_at: str, nonce: Optional[str], nested_verified: int
    ) -> None:
        for name, value in (
            ("payload", payload),
            ("key_id", key_id),
            ("issued_at", issued_at),
            ("nonce", nonce),
            ("nested_verified", nested_verified),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Verified is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Verified is read-only")

    def __eq__(self, other: object) -> bool:
        if type(other) is not Verified:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in Verified.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Verified, tuple(getattr(self, n) for n in Verified.__slots__))

    def __repr__(self) -> str:
        return (
            f"Verified(key_id={self.key_id!r}, issued_at={self.issued_at!r}, nonce={self.nonce!r}, "
            f"nested_verified={self.nested_verified})"
        )


def _result_text(result: Any) -> str:
    if isinstance(result, _EngineRecord):
        return result.to_json()  # the engine's own text when the result came from it
    if isinstance(result, _Record):
        raise TypeError(f"{type(result).__name__} is not a signed result: pass a MediaResult or a RequestResult")
    if isinstance(result, str):
        return result
    if isinstance(result, (bytes, bytearray, memoryview)):
        try:
            return bytes(result).decode("utf-8")
        except UnicodeDecodeError as e:
            raise VerificationError(f"attestation: the result is not UTF-8 JSON ({e})") from None
    if isinstance(result, dict):
        try:
            return json.dumps(result, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise VerificationError(f"attestation: the result is not a JSON object ({e})") from None
    raise TypeError(
        f"verify() takes a MediaResult, a RequestResult, its JSON (str or bytes) or a dict, got {type(result).__name__}"
    )


def verify(result: SignedResult, public_key: PublicKey, *, key_id: Optional[str] = None) -> Verified:
    """Verifies a signed result (``Engine(signing=...)``) against the signer's public key.

    ``result``: a :class:`MediaResult` or :class:`RequestResult` (its original JSON text is
    checked), the JSON text (``str`` or UTF-8 bytes), or the parsed ``dict``. ``public_key``:
    an SPKI PEM (``Engine.public_key_pem``, ``openssl pkey -pubout``), SPKI DER or the raw 32
    bytes. ``key_id``: when given, the result must have been signed under that key id.

    Checks the top-level ``attestation.jws`` (``EdDSA`` signature, header, key id), that its
    payload equals the result with every ``attestation.jws`` removed (as JSON values), and every
    nested attestation (each media result of a request) the same way. The work runs in the
    Rust core with the GIL released.

    Returns :class:`Verified`. Raises :class:`VerificationError` (an
    :class:`InvalidInputError`) when the result does not verify, :class:`ConfigError` for a
    public key or ``key_id`` that cannot be used, :class:`TypeError` for arguments of the wrong
    type.
    """
    text = _result_text(result)
    if isinstance(public_key, str):
        key = public_key.encode("utf-8")
    elif isinstance(public_key, (bytes, bytearray, memoryview)):
        key = bytes(public_key)
    else:
        raise TypeError(
            f"public_key must be an SPKI PEM (str or bytes) or the raw 32 bytes, got {type(public_key).__name__}"
        )
    if key_id is not None and not isinstance(key_id, str):
        raise TypeError(f"key_id must be a str, got {type(key_id).__name__}")
    try:
        payload, signer, issued_at, nonce, nested = _verify(text, key, key_id)
    except InvalidInputError as e:
        err = VerificationError(str(e))
        err.code, err.number = e.code, e.number
        raise err from None
    return Verified(json.loads(payload), signer, issued_at, nonce, nested)
