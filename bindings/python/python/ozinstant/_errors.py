"""Exceptions raised by ozinstant.

Every exception is an :class:`OzInstantError` carrying the core's stable error ``code`` (a
snake_case name such as ``"unsupported_format"``) and ``number`` (the numeric code the C API
uses). The class is chosen by the core's error *category* (and, for ``forked``, by its code),
never by parsing messages.
"""

from __future__ import annotations

__all__ = [
    "OzInstantError",
    "InvalidInputError",
    "BusyError",
    "RuntimeNotFoundError",
    "ModelError",
    "ConfigError",
    "IoError",
    "EngineError",
    "ForkedError",
    "VerificationError",
]


class OzInstantError(Exception):
    """Base class of every ozinstant error.

    Attributes:
        code: stable snake_case error name (``"decode_failed"``, ``"busy"``, ...).
        number: stable numeric code (the same numbers as the C API).
    """

    code: str = "internal_error"
    number: int = 13


class InvalidInputError(OzInstantError, ValueError):
    """The input is wrong: unsupported or corrupt image or video, over a limit, bad option,
    pixel array or frames.

    Codes: ``invalid_input`` (1), ``unsupported_format`` (2), ``decode_failed`` (3),
    ``media_too_large`` (4), ``image_too_large`` (5), ``too_many_media`` (6),
    ``unsupported_codec`` (15, a video codec this build cannot decode, e.g. VP8, MPEG-4 Part 2),
    ``video_too_long`` (17, over ``video.max_duration_ms`` or ``video.max_frames``) and
    ``archive_rejected`` (18, a ZIP shot set refused before extraction: too many entries, over
    a size limit, a zip-bomb compression ratio, or no image). Check ``.code``; there is no
    subclass per code.
    """

    code = "invalid_input"
    number = 1


class VerificationError(InvalidInputError):
    """A signed result did not verify (:func:`ozinstant.verify`): no or a malformed
    ``attestation``, a JWS that is not ``EdDSA`` over this key (wrong key or ``key_id``, bad
    signature), or a payload that differs from the result (a signed field was changed; the
    message names the JSON Pointer where). Code ``invalid_input`` (1), the message names the
    ``attestation`` problem. A bad public key raises :class:`ConfigError` instead.
    """


class BusyError(OzInstantError):
    """The engine already holds ``max_in_flight`` requests; nothing was accepted. Retry later."""

    code = "busy"
    number = 7


class RuntimeNotFoundError(OzInstantError):
    """No ONNX Runtime shared library was found (install ``onnxruntime==1.31.1``)."""

    code = "runtime_not_found"
    number = 8


class ModelError(OzInstantError):
    """A model file is missing, unreadable or has unexpected inputs/outputs."""

    code = "model_error"
    number = 10


class ConfigError(OzInstantError, ValueError):
    """The engine configuration is invalid (unknown key, out-of-range value)."""

    code = "invalid_config"
    number = 11


class IoError(OzInstantError, OSError):
    """A file given by path could not be read (missing, unreadable, a directory).

    A subclass of :class:`OSError`; ``errno`` is not set (the core reports the operating
    system's message only). Catch ``OSError`` or ``IoError``, not ``FileNotFoundError``.
    """

    code = "io_error"
    number = 12


class EngineError(OzInstantError, RuntimeError):
    """An engine fault: ONNX Runtime failed, an internal error, or the engine is shutting down.

    Codes: ``runtime_error``, ``internal_error``, ``shutting_down``, ``forked``.
    """

    code = "runtime_error"
    number = 9


class ForkedError(EngineError):
    """The native engine was created in another process and inherited through ``fork()``.

    Its worker threads do not exist in this process, so it refuses work. :class:`Engine`
    rebuilds its native engine after a fork before using it, so this is only seen when a
    native engine is used directly in a forked child.
    """

    code = "forked"
    number = 16


_CATEGORY_CLASSES: dict[str, type[OzInstantError]] = {
    "invalid_input": InvalidInputError,
    "busy": BusyError,
    "runtime_not_found": RuntimeNotFoundError,
    "model": ModelError,
    "config": ConfigError,
    "io": IoError,
    "runtime": EngineError,
}


# Codes with a class of their own (a subclass of their category's class).
_CODE_CLASSES: dict[str, type[OzInstantError]] = {
    "forked": ForkedError,
}


def _from_native(category: str, number: int, code: str, message: str) -> OzInstantError:
    """Builds the exception for a core error (called by the native module)."""
    cls = _CODE_CLASSES.get(code) or _CATEGORY_CLASSES.get(category, OzInstantError)
    exc = cls(message)
    exc.code = code
    exc.number = number
    return exc
