"""The :class:`Engine`: keyword-argument configuration, input preparation and asyncio glue over
the native engine. All analysis runs in the Rust core with the GIL released."""

from __future__ import annotations

import asyncio
import json
import math
import operator
import os
import pickle
import threading
from typing import Any, Callable, Iterable, List, Literal, Optional, Sequence, Tuple, TypeVar, Union

import numpy as np

from ._errors import ConfigError, InvalidInputError
from ._ozinstant import NativeEngine
from ._results import MediaResult, RequestResult
from ._runtime import find_onnxruntime_library

__all__ = ["Engine", "Frames", "MediaInput"]

ColorOrder = Literal["rgb", "bgr", "rgba", "bgra"]
FacePolicy = Literal["single", "largest"]
SecurityLevel = Literal["low", "medium", "high"]
"""Named operating points: thresholds on ``confidence_spoofing`` set from measured bona fide
rejection rates (``docs/ACCURACY.md``); ``high`` declines the most."""
ReviewBand = Tuple[float, float]
"""``(low, high)``, inclusive, on ``confidence_spoofing``: a score inside it is
``OPERATOR_REQUIRED`` (manual review) instead of ``SUCCESS`` or ``DECLINED``."""
Analysis = Literal["quality", "biometry"]
"""Analyses a request can run: ``quality`` (liveness) and ``biometry`` (face comparison)."""
MediaTag = Literal["photo_selfie", "photo_id", "photo_id_front", "photo_id_back", "video_selfie", "shotset_selfie"]
"""Oz media tags. Liveness never runs on document photos (``photo_id*``)."""

# Native engines inherited through fork() are never dropped in the child: their worker threads
# do not exist there, and tearing them down could wait on locks held by threads that vanished.
# (The core also guards this: it refuses work in a forked child with `forked` and leaks its
# threads' parts when dropped there; keeping the reference costs nothing.)
_FORK_ORPHANS: List[NativeEngine] = []

_R = TypeVar("_R")


def _json_default(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fsdecode(os.fspath(value))
    if isinstance(value, np.generic):  # e.g. a np.float32 threshold or review band bound
        return value.item()
    if isinstance(value, (tuple, np.ndarray)):
        return list(value)
    raise TypeError(f"configuration value of type {type(value).__name__} is not JSON-serialisable")


def _packed_rows(a: np.ndarray) -> bool:
    """True when the native side can read ``a`` in place: pixels packed, rows possibly padded."""
    s = a.strides
    return s[2] == 1 and s[1] == a.shape[2] and s[0] >= a.shape[1] * a.shape[2]


def _is_array_like(x: Any) -> bool:
    return hasattr(x, "__array_interface__") or hasattr(x, "__array_struct__") or hasattr(x, "__array__")


def _array_from(x: Any, what: str = "") -> np.ndarray:
    """A numpy array from an array-like object that is not one (a PIL image, say), without
    trusting a pointer the object hands out. ``np.asarray`` cannot be used: it builds an array
    over whatever address ``__array_interface__['data']`` names (and over a ``data`` buffer
    smaller than the shape claims), so a crafted object would make the engine read arbitrary
    memory. In order:

    * an object exporting the buffer protocol is read through it (its exporter describes the
      memory);
    * ``__array__()`` must return a real ``numpy.ndarray``;
    * ``__array_interface__`` is accepted only when its ``data`` is a buffer-protocol object
      (PIL images give ``bytes``) that covers the C-contiguous shape: the array is built with
      ``np.frombuffer``, which checks the size. A raw ``(pointer, readonly)`` pair (or
      ``__array_struct__`` alone) raises :class:`InvalidInputError`.
    """
    try:
        view = memoryview(x)
    except TypeError:
        pass
    else:
        return np.asarray(view)
    if hasattr(x, "__array__"):
        a = x.__array__()
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{what}{type(x).__name__}.__array__() returned {type(a).__name__}, not a numpy array")
        return a
    interface = getattr(x, "__array_interface__", None)
    if interface is None:
        raise InvalidInputError(
            f"{what}{type(x).__name__} offers only __array_struct__ (a raw data pointer), which is not "
            "trusted; pass a numpy array"
        )
    return _from_array_interface(x, interface, what)


def _from_array_interface(x: Any, interface: Any, what: str) -> np.ndarray:
    name = type(x).__name__
    if not isinstance(interface, dict):
        raise InvalidInputError(f"{what}{name}.__array_interface__ is not a dict")
    data = interface.get("data")
    if data is None or isinstance(data, (int, tuple, list)):
        raise InvalidInputError(
            f"{what}{name}.__array_interface__ gives a raw data pointer, which is not trusted: pass a numpy "
            "array, an object supporting the buffer protocol, or an __array_interface__ whose 'data' is a "
            "buffer (bytes)"
        )
    try:
        buf = memoryview(data).cast("B")
    except (TypeError, ValueError) as e:
        raise InvalidInputError(
            f"{what}{name}.__array_interface__['data'] is not a contiguous buffer ({type(data).__name__})"
        ) from e
    try:
        dtype = np.dtype(interface["typestr"])
        shape = tuple(operator.index(n) for n in interface["shape"])
        offset = operator.index(interface.get("offset", 0))
        strides = interface.get("strides")
        strides = None if strides is None else tuple(operator.index(n) for n in strides)
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidInputError(f"{what}{name}.__array_interface__ is malformed: {e}") from e
    if interface.get("mask") is not None:
        raise InvalidInputError(f"{what}{name}.__array_interface__ has a mask, which is not supported")
    if any(n < 0 for n in shape) or offset < 0:
        raise InvalidInputError(f"{what}{name}.__array_interface__ has a negative shape or offset")
    count = math.prod(shape)
    contiguous = tuple(dtype.itemsize * math.prod(shape[k + 1 :]) for k in range(len(shape)))
    if strides is not None and count > 0 and strides != contiguous:
        raise InvalidInputError(
            f"{what}{name}.__array_interface__ has strides {strides}; only C-contiguous data is accepted"
        )
    need = offset + count * dtype.itemsize
    if need > buf.nbytes:
        raise InvalidInputError(
            f"{what}{name}.__array_interface__ claims shape {shape} of {dtype} ({need} bytes with the offset) "
            f"over a {buf.nbytes}-byte buffer"
        )
    return np.frombuffer(buf, dtype=dtype, count=count, offset=offset).reshape(shape)


def _frame_array(x: Any, i: int) -> np.ndarray:
    """Checks one frame of a :class:`Frames` and returns it with packed pixels (copied only
    when they are not)."""
    if not isinstance(x, np.ndarray):
        if isinstance(x, (bytes, bytearray, memoryview, str, os.PathLike)) or not _is_array_like(x):
            raise TypeError(
                f"frame {i}: expected a uint8 numpy array (H×W×3 or H×W×4), got {type(x).__name__}; "
                "encoded images belong in a ZIP shot set (bytes or a path)"
            )
        x = _array_from(x, f"frame {i}: ")  # e.g. a PIL image
    if x.dtype != np.uint8:
        raise InvalidInputError(f"frame {i}: pixel arrays must be uint8, got dtype {x.dtype}")
    if x.ndim != 3 or x.shape[2] not in (3, 4):
        raise InvalidInputError(f"frame {i}: pixel arrays must be H×W×3 or H×W×4, got shape {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise InvalidInputError(f"frame {i}: pixel array is empty ({x.shape[0]}x{x.shape[1]})")
    return x if _packed_rows(x) else np.ascontiguousarray(x)


class Frames:
    """Raw frames forming **one** media, like the frames of a selfie video held in memory.

    ``Frames([f0, f1, ...])`` takes uint8 arrays H×W×3 or H×W×4 (sizes may differ between
    frames); ``Frames(a)`` takes one N×H×W×C array. The pixel layout is the call's
    ``color_order`` (``"bgr"`` for OpenCV frames), as for a single array. The engine samples
    ``video_frames`` frames evenly (first and last included), analyses each like a photo, and
    judges the media by the median ``confidence_spoofing`` of the usable frames;
    ``result.sequence`` (kind ``"frames"``) reports every sampled frame and the best shot.

    The wrapper is what makes a list one media: a plain list given to
    :meth:`Engine.analyze_request` is several media. It keeps references to the arrays (no
    copy; arrays with unpacked pixels, e.g. a channel-reversed view, are copied here); the
    engine copies the frames for the analysis, with the GIL released.

    Raises :class:`InvalidInputError` for no frames, a frame that is not uint8 or not
    H×W×3/H×W×4 (or an array that is not N×H×W×C), and :class:`TypeError` for an item that is
    not an array.
    """

    __slots__ = ("_arrays",)
    _arrays: Tuple[np.ndarray, ...]

    def __init__(self, frames: Union[np.ndarray, "Frames", Iterable[Any]]) -> None:
        if isinstance(frames, Frames):
            arrays = frames._arrays
        elif isinstance(frames, np.ndarray):
            if frames.ndim != 4:
                raise InvalidInputError(
                    f"a frames array must be N×H×W×C (a list of H×W×C arrays also works), got shape {frames.shape}"
                )
            arrays = tuple(_frame_array(frames[i], i) for i in range(frames.shape[0]))
        elif isinstance(frames, (bytes, bytearray, memoryview, str, os.PathLike)):
            raise TypeError(
                f"Frames takes numpy arrays, not {type(frames).__name__}; pass videos and ZIP shot sets "
                "(bytes or a path) to the engine directly"
            )
        else:
            arrays = tuple(_frame_array(x, i) for i, x in enumerate(frames))
        if not arrays:
            raise InvalidInputError("a frames media needs at least one frame")
        self._arrays = arrays

    @property
    def arrays(self) -> Tuple[np.ndarray, ...]:
        """The frames, as the engine reads them."""
        return self._arrays

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        first = self._arrays[0].shape
        return f"Frames({len(self._arrays)} frames, first {first[0]}x{first[1]}x{first[2]})"


MediaInput = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", np.ndarray, Frames]
"""One media: encoded bytes or a file path (an image: JPEG, PNG, WebP, BMP, GIF; a video: MP4,
MOV, WebM with H.264, HEVC or VP9; a shot set: a ZIP archive of images; the kind is sniffed from
the content), a uint8 array H×W×3 (RGB/BGR) or H×W×4 (RGBA/BGRA), or :class:`Frames`."""


def _prepare(x: Any) -> Any:
    """Turns one caller input into what the native module accepts: ``bytes``, ``str`` (a path),
    a numpy array whose pixels are packed (read in place, not copied), or a ``list`` of such
    arrays (one :class:`Frames` media)."""
    if isinstance(x, bytes):
        return x
    if isinstance(x, (bytearray, memoryview)):
        return bytes(x)  # mutable buffers are copied: they could change while the GIL is released
    if isinstance(x, str):
        return x
    if isinstance(x, os.PathLike):
        return os.fsdecode(os.fspath(x))
    if isinstance(x, Frames):
        return list(x._arrays)  # a fresh list: the caller cannot change it during the call
    if isinstance(x, np.ndarray):
        if x.ndim == 4:
            raise InvalidInputError(
                f"a {x.shape} array is several frames: wrap it in ozinstant.Frames(a) to analyse it as "
                "one media, or pass list(a) to analyze_batch/analyze_request for one media per frame"
            )
        if x.ndim == 3 and x.dtype == np.uint8 and not _packed_rows(x):
            return np.ascontiguousarray(x)
        return x
    if _is_array_like(x):
        return _prepare(_array_from(x))  # e.g. a PIL image
    hint = "; wrap a list of frames in ozinstant.Frames([...])" if isinstance(x, (list, tuple)) else ""
    raise TypeError(
        "expected bytes, a path, a uint8 numpy array (H×W×3 or H×W×4) or ozinstant.Frames, "
        f"got {type(x).__name__}{hint}"
    )


def _review_band(band: Any) -> Optional[List[Any]]:
    """A ``(low, high)`` pair as a JSON array (the core checks its length and values)."""
    if band is None:
        return None
    if isinstance(band, (str, bytes, bytearray, dict)) or not hasattr(band, "__iter__"):
        raise TypeError(f"review_band must be a (low, high) pair of numbers, got {type(band).__name__}")
    return list(band)


def _options(
    threshold: Optional[float],
    quality_gate: Optional[bool],
    face_policy: Optional[str],
    request_id: Optional[str],
    security_level: Optional[str] = None,
    review_band: Optional[ReviewBand] = None,
    **request: Any,
) -> str:
    # ``request``: the other options (video_frames, and the request-only analyses,
    # biometry_threshold, biometry_tags, quality_tags, return_embeddings); None values are left out.
    opts: dict[str, Any] = {k: v for k, v in request.items() if v is not None}
    if threshold is not None:
        opts["threshold"] = threshold
    if security_level is not None:
        opts["security_level"] = security_level
    band = _review_band(review_band)
    if band is not None:
        opts["review_band"] = band
    if quality_gate is not None:
        opts["quality_gate"] = quality_gate
    if face_policy is not None:
        opts["face_policy"] = face_policy
    if request_id is not None:
        opts["request_id"] = request_id
    return json.dumps(opts, default=_json_default)


def _request_options(
    analyses: Optional[Sequence[str]],
    biometry_threshold: Optional[float],
    biometry_tags: Optional[Sequence[str]],
    quality_tags: Optional[Sequence[str]],
    return_embeddings: Optional[bool],
) -> dict[str, Any]:
    return {
        "analyses": None if analyses is None else list(analyses),
        "biometry_threshold": biometry_threshold,
        "biometry_tags": None if biometry_tags is None else list(biometry_tags),
        "quality_tags": None if quality_tags is None else list(quality_tags),
        "return_embeddings": return_embeddings,
    }


def _settler(
    parse: Callable[[str], _R],
) -> Callable[["asyncio.Future[_R]", Optional[str], Optional[BaseException]], None]:
    """The ``settle`` callback of :meth:`NativeEngine.submit`: called on the event loop with the
    engine's JSON (parsed into the future's result) or its exception."""

    def settle(fut: "asyncio.Future[_R]", value: Optional[str], exc: Optional[BaseException]) -> None:
        if fut.done():  # cancelled while the engine was working
            return
        if exc is not None:
            fut.set_exception(exc)
        else:
            assert value is not None
            fut.set_result(parse(value))

    return settle


_settle_media = _settler(MediaResult._from_json)
_settle_request = _settler(RequestResult._from_json)


def _inline_key(signing: Any) -> Tuple[Any, Optional[bytes]]:
    """Splits a key given from memory off the ``signing`` section: ``key_pem`` (PEM text, ``str``
    or bytes) or ``key`` (bytes: PKCS#8 PEM or DER, or the raw 32-byte Ed25519 seed). Returns
    the section without it (the key id, ``input_hashes``, a ``key_file``) and the key's bytes,
    which go to the native engine directly, never through the configuration JSON."""
    if not isinstance(signing, dict):
        return signing, None
    rest = dict(signing)
    pem = rest.pop("key_pem", None)
    raw = rest.pop("key", None)
    if pem is not None and raw is not None:
        raise ConfigError("signing: set only one of key_file, key_pem and key")
    given = pem if pem is not None else raw
    if given is None:
        return rest, None
    if isinstance(given, str):
        return rest, given.encode("utf-8")
    if isinstance(given, (bytes, bytearray, memoryview)):
        return rest, bytes(given)
    which = "key_pem" if pem is not None else "key"
    raise TypeError(f"signing.{which} must be str or bytes, got {type(given).__name__}")


def _rebuild(config_json: str) -> "Engine":
    """Unpickling: a new engine from a configuration."""
    return Engine(**json.loads(config_json))


class Engine:
    """The liveness engine. Build it once and share it between threads: it is thread-safe, holds
    no state between calls, and releases the GIL while it works.

    Keyword arguments mirror the core's ``EngineConfig`` (nested sections as dicts), e.g.
    ``Engine(threads=4, threshold=0.6, limits={"max_media_per_request": 3})`` or
    ``Engine(video={"frames": 12, "min_usable_frames": 4, "max_duration_ms": 10000,
    "shot_set": {"max_entries": 50}})``. Unknown keys and out-of-range values raise
    :class:`ConfigError`.

    The verdict: ``threshold`` (0..1, default 0.5) or ``security_level`` (``"low"``,
    ``"medium"``, ``"high"``: a named threshold; an explicit ``threshold`` wins), and
    ``review_band=(low, high)``: scores inside it (inclusive) are ``OPERATOR_REQUIRED`` (manual
    review; off by default). Per-call ``threshold`` / ``security_level`` / ``review_band``
    override the engine's (a call's threshold, then its level, then the engine's threshold,
    then its level). The liveness models: ``liveness={"models": ["minifasnet", "suri"],
    "fusion": "mean"}`` is the default; ``{"models": ["minifasnet"]}`` is the fast profile
    (MiniFASNet alone); ``"fusion": "max"`` takes the most suspicious opinion. Custom model
    files go in ``models`` (``{"suri_minifasv2se": path, ...}``).

    ONNX Runtime is taken from ``ort_library_path`` when given, else ``ORT_DYLIB_PATH``, else the
    installed ``onnxruntime`` wheel (found without importing it), else the core's own search.

    Signed results: ``signing={"key_id": "liveness-2026-01", "key_file": "/run/secrets/ed25519.pem"}``
    signs every result with that Ed25519 key (``result.attestation``; verify with
    :func:`ozinstant.verify` and :attr:`public_key_pem`). The key may instead come from memory:
    ``"key_pem": pem`` (PKCS#8 PEM, ``str`` or bytes) or ``"key": data`` (bytes: PKCS#8 PEM or
    DER, or the raw 32-byte seed). ``"input_hashes": False`` leaves ``media_sha256`` out. The
    key is never shown: :attr:`config` keeps only the key id and the file name.

    Engines pickle by configuration, so they can be passed to ``multiprocessing``, Ray or Spark
    workers, which build their own. An engine whose signing key came from memory does not
    pickle (raises :class:`pickle.PicklingError`: the key is not part of the configuration);
    give such workers the key as ``key_file``. An engine used in a child created by ``fork()``
    rebuilds itself there on first use (the parent's worker threads do not survive a fork),
    its key included.
    """

    def __init__(self, **config: Any) -> None:
        given = dict(config)
        if given.get("ort_library_path") is None:
            given.pop("ort_library_path", None)
        key: Optional[bytes] = None
        if "signing" in given:
            given["signing"], key = _inline_key(given["signing"])
        resolved = dict(given)
        if "ort_library_path" not in resolved and not os.environ.get("ORT_DYLIB_PATH"):
            lib = find_onnxruntime_library()
            if lib is not None:
                resolved["ort_library_path"] = lib
        self._native = NativeEngine(json.dumps(resolved, default=_json_default), key)
        # Kept only to rebuild the engine in a child created by fork(); never pickled or shown.
        self._signing_key = key
        self._given_ort_path: Optional[str] = (
            _json_default(given["ort_library_path"])
            if isinstance(given.get("ort_library_path"), os.PathLike)
            else given.get("ort_library_path")
        )
        self._pid = os.getpid()
        self._lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------

    def _engine(self) -> NativeEngine:
        if self._pid != os.getpid():
            self._rebuild_after_fork()
        return self._native

    def _rebuild_after_fork(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            _FORK_ORPHANS.append(self._native)
            cfg = json.loads(self._portable_config_json())
            if self._signing_key is not None:
                cfg["signing"] = {**cfg["signing"], "key": self._signing_key}
            fresh = Engine(**cfg)
            self._native = fresh._native
            self._pid = os.getpid()

    def _portable_config_json(self) -> str:
        """The configuration, with an automatically found ONNX Runtime path left out so that
        another machine finds its own."""
        cfg = json.loads(self._native.config_json())
        cfg["ort_library_path"] = self._given_ort_path
        return json.dumps(cfg)

    def __reduce__(self) -> tuple[Any, ...]:
        if self._signing_key is not None:
            raise pickle.PicklingError(
                "an ozinstant.Engine whose signing key was given from memory (signing key_pem or key) cannot "
                "be pickled: engines pickle by configuration, and the key is never part of it. Give the key as "
                'a file the workers can read, signing={"key_id": ..., "key_file": path}, or build the engine '
                "in each worker"
            )
        return (_rebuild, (self._portable_config_json(),))

    def __repr__(self) -> str:
        rt = self.runtime
        return f"<ozinstant.Engine threads={self.config['threads']} runtime={rt['library_path']!r}>"

    # -- analysis ---------------------------------------------------------------------------

    def analyze(
        self,
        x: MediaInput,
        *,
        threshold: Optional[float] = None,
        security_level: Optional[SecurityLevel] = None,
        review_band: Optional[ReviewBand] = None,
        quality_gate: Optional[bool] = None,
        face_policy: Optional[FacePolicy] = None,
        request_id: Optional[str] = None,
        color_order: ColorOrder = "rgb",
        video_frames: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> MediaResult:
        """Analyses one media on the calling thread (GIL released).

        ``x`` is encoded bytes or a path (``str`` or ``Path``) of an image (JPEG, PNG, WebP,
        BMP, GIF), a video (MP4, MOV, WebM; H.264, HEVC, VP9) or a shot set (a ZIP archive of
        images), the kind sniffed from the content; a uint8 array H×W×3 / H×W×4 in
        ``color_order`` (``"bgr"`` for OpenCV frames); or :class:`Frames` (raw frames, one
        media). Arrays with packed pixels are read in place, without a copy; others are copied
        first.

        A video, shot set or :class:`Frames` is sampled (``video_frames`` frames, default the
        engine's ``video.frames``, 8; 1..64), each frame analysed like a photo, and judged by
        the median ``confidence_spoofing`` of its usable frames; ``result.sequence`` has the
        details and the media's faces/quality/liveness are the best shot's.

        ``threshold``, ``security_level`` and ``review_band`` override the engine's decision
        settings for this call (see :class:`Engine`): the result reports the ``threshold`` it
        used, the ``security_level`` it came from and the ``review_band``.

        Returns a :class:`MediaResult`; ``FAILED`` results (no face, several faces, low quality)
        are results, not errors, and so is ``OPERATOR_REQUIRED`` (a score inside the review
        band). Raises :class:`InvalidInputError` for undecodable, unsupported
        (``unsupported_codec``) or oversized input (``video_too_long``, ``archive_rejected``),
        :class:`IoError` for an unreadable path, :class:`BusyError` when the engine is full;
        an unknown ``security_level`` or a bad ``review_band`` (not two scores within 0..1 with
        ``low <= high``) raises :class:`InvalidInputError` before any work.

        ``nonce``: the caller's challenge (1 to 1024 bytes) bound into the result's signed
        ``attestation``; needs an engine with a signing key (else :class:`InvalidInputError`).
        Every entry point takes it.
        """
        opts = _options(
            threshold,
            quality_gate,
            face_policy,
            request_id,
            security_level,
            review_band,
            video_frames=video_frames,
            nonce=nonce,
        )
        return MediaResult._from_json(self._engine().analyze(_prepare(x), opts, color_order))

    def analyze_batch(
        self,
        items: Iterable[MediaInput],
        *,
        threshold: Optional[float] = None,
        security_level: Optional[SecurityLevel] = None,
        review_band: Optional[ReviewBand] = None,
        quality_gate: Optional[bool] = None,
        face_policy: Optional[FacePolicy] = None,
        color_order: ColorOrder = "rgb",
        video_frames: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> List[MediaResult]:
        """Analyses each item as its own request, in parallel on the engine's pool (one
        ``max_in_flight`` slot for the whole batch). Returns one :class:`MediaResult` per item,
        in order; an item that cannot be read or decoded gives a ``FAILED``/``INPUT_ERROR``
        result with ``.error`` set instead of raising. Inputs are copied once."""
        opts = _options(
            threshold,
            quality_gate,
            face_policy,
            None,
            security_level,
            review_band,
            video_frames=video_frames,
            nonce=nonce,
        )
        prepared = [_prepare(x) for x in items]
        return [MediaResult._from_json(j) for j in self._engine().analyze_batch(prepared, opts, color_order)]

    def analyze_request(
        self,
        items: Sequence[MediaInput],
        *,
        request_id: Optional[str] = None,
        threshold: Optional[float] = None,
        security_level: Optional[SecurityLevel] = None,
        review_band: Optional[ReviewBand] = None,
        quality_gate: Optional[bool] = None,
        face_policy: Optional[FacePolicy] = None,
        color_order: ColorOrder = "rgb",
        tags: Optional[Sequence[Optional[MediaTag]]] = None,
        analyses: Optional[Sequence[Analysis]] = None,
        biometry_threshold: Optional[float] = None,
        biometry_tags: Optional[Sequence[MediaTag]] = None,
        quality_tags: Optional[Sequence[MediaTag]] = None,
        return_embeddings: Optional[bool] = None,
        video_frames: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> RequestResult:
        """Analyses the items as one request (a "folder", at most
        ``limits.max_media_per_request``), in parallel, under one request id. Media that cannot
        be decoded are ``FAILED``/``INPUT_ERROR`` entries; the call raises only for
        request-level problems (busy, too many media, bad options).

        ``analyses=["quality", "biometry"]`` also compares the faces across the items (every
        pair; ``result.biometry``). ``tags`` gives one media tag (or None) per item
        (``photo_selfie``, ``photo_id_front``, ...; liveness skips document photos);
        ``biometry_tags`` / ``quality_tags`` restrict each analysis to those tags;
        ``return_embeddings=True`` returns the face embeddings (biometric templates). A video,
        shot set or :class:`Frames` is one media; biometry compares its best shot.
        ``video_frames`` as in :meth:`analyze`."""
        opts = _options(
            threshold,
            quality_gate,
            face_policy,
            request_id,
            security_level,
            review_band,
            video_frames=video_frames,
            nonce=nonce,
            **_request_options(analyses, biometry_threshold, biometry_tags, quality_tags, return_embeddings),
        )
        prepared = [_prepare(x) for x in items]
        tag_list = None if tags is None else list(tags)
        return RequestResult._from_json(self._engine().analyze_request(prepared, opts, color_order, tag_list))

    async def analyze_async(
        self,
        x: MediaInput,
        *,
        threshold: Optional[float] = None,
        security_level: Optional[SecurityLevel] = None,
        review_band: Optional[ReviewBand] = None,
        quality_gate: Optional[bool] = None,
        face_policy: Optional[FacePolicy] = None,
        request_id: Optional[str] = None,
        color_order: ColorOrder = "rgb",
        video_frames: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> MediaResult:
        """:meth:`analyze` on the engine's pool; the event loop is never blocked. Same result
        and errors as :meth:`analyze`. The input is copied. Cancelling the awaiting task
        discards the result (the analysis itself runs to completion)."""
        opts = _options(
            threshold,
            quality_gate,
            face_policy,
            request_id,
            security_level,
            review_band,
            video_frames=video_frames,
            nonce=nonce,
        )
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[MediaResult] = loop.create_future()
        self._engine().submit([_prepare(x)], opts, color_order, True, loop, fut, _settle_media)
        return await fut

    async def analyze_request_async(
        self,
        items: Sequence[MediaInput],
        *,
        request_id: Optional[str] = None,
        threshold: Optional[float] = None,
        security_level: Optional[SecurityLevel] = None,
        review_band: Optional[ReviewBand] = None,
        quality_gate: Optional[bool] = None,
        face_policy: Optional[FacePolicy] = None,
        color_order: ColorOrder = "rgb",
        tags: Optional[Sequence[Optional[MediaTag]]] = None,
        analyses: Optional[Sequence[Analysis]] = None,
        biometry_threshold: Optional[float] = None,
        biometry_tags: Optional[Sequence[MediaTag]] = None,
        quality_tags: Optional[Sequence[MediaTag]] = None,
        return_embeddings: Optional[bool] = None,
        video_frames: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> RequestResult:
        """:meth:`analyze_request` on the engine's pool, without blocking the event loop."""
        opts = _options(
            threshold,
            quality_gate,
            face_policy,
            request_id,
            security_level,
            review_band,
            video_frames=video_frames,
            nonce=nonce,
            **_request_options(analyses, biometry_threshold, biometry_tags, quality_tags, return_embeddings),
        )
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[RequestResult] = loop.create_future()
        prepared = [_prepare(x) for x in items]
        tag_list = None if tags is None else list(tags)
        self._engine().submit(prepared, opts, color_order, False, loop, fut, _settle_request, tag_list)
        return await fut

    # -- introspection ----------------------------------------------------------------------

    def ready(self) -> bool:
        """True once the models are loaded and the engine accepts work."""
        return bool(self._engine().ready())

    def warm_up(self) -> None:
        """Runs every model once on every worker so that the first real calls are not slower."""
        self._engine().warm_up()

    def stats(self) -> dict[str, Any]:
        """Counters (requests accepted/completed/failed, busy rejections, media outcomes:
        ``media`` = ``{"total", "success", "declined", "operator_required", "failed",
        "no_face", "multiple_faces", "low_quality", "input_error"}``) and the latency
        histogram, as a dict."""
        return json.loads(self._engine().stats_json())  # type: ignore[no-any-return]

    @property
    def models(self) -> List[dict[str, Any]]:
        """The loaded models: ``{"id", "sha256", "source"}`` each."""
        return json.loads(self._engine().models_json())  # type: ignore[no-any-return]

    @property
    def runtime(self) -> dict[str, Any]:
        """Where ONNX Runtime was loaded from: ``{"library_path", "found_by"}``."""
        return json.loads(self._engine().runtime_json())  # type: ignore[no-any-return]

    @property
    def public_key_pem(self) -> Optional[str]:
        """The public key results are signed with, as an SPKI PEM (``-----BEGIN PUBLIC
        KEY-----``, as ``openssl pkey -pubout`` writes it), for :func:`ozinstant.verify` or any
        Ed25519 verifier; None when the engine has no signing key."""
        return self._engine().public_key_pem()

    @property
    def key_id(self) -> Optional[str]:
        """The signing key's id (``attestation.key_id``); None when the engine does not sign."""
        return self._engine().key_id()

    @property
    def config(self) -> dict[str, Any]:
        """The full configuration the engine runs with (defaults filled in)."""
        return json.loads(self._engine().config_json())  # type: ignore[no-any-return]
