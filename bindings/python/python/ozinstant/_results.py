"""Result objects: read-only views over the core's JSON.

Each object keeps the dictionary parsed from the engine's JSON; attributes read from it and
``to_dict()`` returns a copy of it, so ``result.to_dict() == json.loads(result.to_json())`` and
both equal what the CLI and the C API produce for the same input.

Every attribute is a :class:`_Field`, a read-only property declared in one line: the JSON key of
the attribute's own name, a converter (``float``, a nested result class, ...) and the docstring.
"""

from __future__ import annotations

import copy
import json
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Final,
    Generic,
    List,
    Literal,
    NamedTuple,
    Optional,
    Tuple,
    TypeVar,
    overload,
)

__all__ = [
    "Attestation",
    "BestShot",
    "Biometry",
    "BiometryMedia",
    "Box",
    "ErrorInfo",
    "Face",
    "FrameResult",
    "ImageInfo",
    "Liveness",
    "MediaResult",
    "ModelScore",
    "OpinionScore",
    "PairSimilarity",
    "Quality",
    "QualityCheck",
    "RequestResult",
    "SequenceReport",
    "Timings",
    "VideoColour",
    "VideoReport",
]

Resolution = Literal["SUCCESS", "DECLINED", "FAILED", "OPERATOR_REQUIRED"]
"""``SUCCESS`` = live, ``DECLINED`` = attack, ``FAILED`` = no verdict (see ``reason``),
``OPERATOR_REQUIRED`` = manual review (the score is inside the configured ``review_band``; never
without one)."""

SecurityLevel = Literal["low", "medium", "high"]
"""A named threshold (``docs/ACCURACY.md``): ``low`` declines the least, ``high`` the most."""

Opinion = Literal["minifasnet", "suri"]
"""A group of liveness models giving one opinion: ``minifasnet`` (MiniFASNetV2 + MiniFASNetV1SE)
or ``suri`` (Suri MiniFASNetV2-SE)."""

Fusion = Literal["mean", "max"]
"""How the opinions' attack probabilities are combined into ``confidence_spoofing``."""

FailReason = Literal["NO_FACE", "MULTIPLE_FACES", "LOW_QUALITY", "INPUT_ERROR"]

SequenceKind = Literal["video", "shot_set", "frames"]
"""``video`` (MP4, MOV, WebM), ``shot_set`` (ZIP of images) or ``frames`` (:class:`ozinstant.Frames`)."""


_T = TypeVar("_T")
_REQUIRED: Any = object()  # no default: the key must be present


class _Field(property, Generic[_T]):
    """A read-only attribute of a :class:`_Record`: ``convert(record._data[name])`` where ``name``
    is the attribute's own name, or ``convert(record._data.get(name, default))`` when a
    ``default`` is given (for keys the engine leaves out). Without a default a missing key raises
    ``KeyError``.

    Fields are declared ``Final`` so that type checkers reject assignments, as for a property.
    A converter that returns ``Any`` (:func:`_as_is`, ``list``) needs the field's type spelled
    out, ``Final[_Field[...]]``, so that no ``Any`` reaches the public attributes."""

    def __init__(self, convert: Callable[[Any], _T], doc: Optional[str] = None, *, default: Any = _REQUIRED) -> None:
        self.key = ""  # set by __set_name__
        if default is _REQUIRED:

            def read(record: _Record) -> _T:
                return convert(record._data[self.key])

        else:

            def read(record: _Record) -> _T:
                return convert(record._data.get(self.key, default))

        super().__init__(read, doc=doc)
        self.__doc__ = doc  # a subclass instance would otherwise show _Field's own docstring

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name
        if self.fget is not None:  # named like the method of a plain @property
            self.fget.__name__ = name
            self.fget.__qualname__ = f"{owner.__qualname__}.{name}"

    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Optional[type] = None, /) -> _Field[_T]: ...
        @overload
        def __get__(self, instance: object, owner: Optional[type] = None, /) -> _T: ...
        def __get__(self, instance: object, owner: Optional[type] = None, /) -> Any: ...


def _as_is(value: Any) -> Any:
    """The JSON value itself (a ``Literal`` string, or an optional number or string)."""
    return value


def _optional(convert: Callable[[Any], _T]) -> Callable[[Any], Optional[_T]]:
    """``convert`` for a value that may be ``null``."""

    def optional(value: Any) -> Optional[_T]:
        return None if value is None else convert(value)

    return optional


def _list_of(convert: Callable[[Any], _T]) -> Callable[[Any], List[_T]]:
    """``convert`` applied to each item of a JSON array."""

    def list_of(values: Any) -> List[_T]:
        return [convert(v) for v in values]

    return list_of


class _Record:
    """Immutable view over one JSON object."""

    __slots__ = ("_data",)
    _data: dict[str, Any]

    _repr_fields: ClassVar[Tuple[str, ...]] = ()
    """The attributes ``repr()`` shows; none: the whole JSON object."""

    def __init__(self, data: dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the JSON object this result was built from."""
        return copy.deepcopy(self._data)

    def to_json(self) -> str:
        """This object as compact JSON."""
        return json.dumps(self._data, separators=(",", ":"), ensure_ascii=False)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._data == other._data)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self._data,))

    def __repr__(self) -> str:
        if not self._repr_fields:
            return f"{type(self).__name__}({self._data!r})"
        return self._repr(**{name: getattr(self, name) for name in self._repr_fields})

    def _repr(self, **shown: object) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


_E = TypeVar("_E", bound="_EngineRecord")


class _EngineRecord(_Record):
    """A result the engine returns whole (one media, one request): it also keeps the engine's
    JSON text, which ``to_json()`` returns as is."""

    __slots__ = ("_json",)
    _json: Optional[str]

    def __init__(self, data: dict[str, Any], json_text: Optional[str] = None) -> None:
        super().__init__(data)
        object.__setattr__(self, "_json", json_text)

    @classmethod
    def _from_json(cls: type[_E], text: str) -> _E:
        return cls(json.loads(text), text)

    def to_json(self) -> str:
        """The engine's JSON (byte for byte when this result came straight from the engine)."""
        return self._json if self._json is not None else super().to_json()

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self._data, self._json))


class Box(NamedTuple):
    """A face box in upright image pixels."""

    x: float
    y: float
    width: float
    height: float


def _box(b: Any) -> Box:
    return Box(b["x"], b["y"], b["width"], b["height"])


def _points(lm: Any) -> List[Tuple[float, float]]:
    return [(p[0], p[1]) for p in lm]


def _crop(c: Any) -> Tuple[int, int, int, int]:
    return (c[0], c[1], c[2], c[3])


def _pair(b: Any) -> Tuple[float, float]:
    return (float(b[0]), float(b[1]))


class Face(_Record):
    """One detected face."""

    __slots__ = ()

    box: Final = _Field(_box, "``(x, y, width, height)`` in original upright pixels.")
    score: Final = _Field(float, "Detector confidence, 0..1.")
    landmarks: Final = _Field(
        _optional(_points), "Five ``(x, y)`` points (left eye, right eye, nose, mouth left, mouth right) or None."
    )
    detector: Final = _Field(str, "``retinaface`` or ``mtcnn``.")
    analysed: Final = _Field(bool, "True for the face the verdict is about.")


class QualityCheck(_Record):
    """One quality check with its measured value and threshold."""

    __slots__ = ()

    name: Final = _Field(
        str,
        "``face_size``, ``face_inside``, ``sharpness``, ``brightness_low``, ``brightness_high``, ``yaw``, ``roll``.",
    )
    value: Final = _Field(float)
    threshold: Final = _Field(float)
    bound: Final[_Field[Literal["min", "max"]]] = _Field(
        _as_is, "``min``: value must be >= threshold; ``max``: value must be <= threshold."
    )
    passed: Final = _Field(bool)


class Quality(_Record):
    """Quality checks of the analysed face."""

    __slots__ = ()

    enforced: Final = _Field(bool, "Whether failing checks fail the media (False when the quality gate is off).")
    passed: Final = _Field(bool)
    failed: Final[_Field[List[str]]] = _Field(list, "Names of the failing checks.")
    checks: Final = _Field(_list_of(QualityCheck))


class ModelScore(_Record):
    """One liveness model's output."""

    __slots__ = ()
    _repr_fields = ("model", "opinion", "p_real")

    model: Final = _Field(str, "``minifasnet_v2``, ``minifasnet_v1se`` or ``suri_minifasv2se``.")
    opinion: Final[_Field[Opinion]] = _Field(_as_is, "The opinion the model belongs to: ``minifasnet`` or ``suri``.")
    crop_scale: Final = _Field(float, "Crop side relative to the face box side.")
    crop: Final = _Field(
        _crop,
        """``(x0, y0, x1, y1)``, inclusive, original pixels. MiniFASNet crops lie inside the
        image; Suri's square may reach past it (negative, or beyond the size), where the model
        saw reflected pixels.""",
    )
    p_real: Final = _Field(float, "This model's probability that the face is real, 0..1.")


class OpinionScore(_Record):
    """One liveness opinion: the mean ``p_real`` of its models."""

    __slots__ = ()
    _repr_fields = ("opinion", "p_real", "models")

    opinion: Final[_Field[Opinion]] = _Field(_as_is, "``minifasnet`` or ``suri``.")
    p_real: Final = _Field(float, "The opinion's probability that the face is real, 0..1.")
    models: Final[_Field[List[str]]] = _Field(list, "Ids of its models (as :attr:`ModelScore.model`).")


class Liveness(_Record):
    """Liveness details: every model's and every opinion's own score, and how they were fused."""

    __slots__ = ()

    p_real: Final = _Field(
        float, "Fused probability that the face is real, 0..1 (``1 - confidence_spoofing`` for a photo)."
    )
    fusion: Final[_Field[Fusion]] = _Field(
        _as_is, "How the opinions were fused: ``mean`` or ``max`` of their attack probabilities."
    )
    opinions: Final = _Field(
        _list_of(OpinionScore), "One score per opinion that ran (``minifasnet``, ``suri``), in that order."
    )
    models: Final = _Field(_list_of(ModelScore), "One score per model, in load order.")


class ImageInfo(_Record):
    """What was decoded (never pixels)."""

    __slots__ = ()

    format: Final = _Field(
        str,
        """``jpeg``, ``png``, ``webp``, ``bmp``, ``gif``, or ``raw_rgb8``/``raw_bgr8``/``raw_rgba8``/``raw_bgra8``;
        for a multi-frame media ``mp4``/``matroska`` (videos), ``zip`` (shot sets) or ``raw_frames``.""",
    )
    width: Final = _Field(int, "Upright width, pixels (of the best shot for a multi-frame media).")
    height: Final = _Field(int, "Upright height, pixels (of the best shot for a multi-frame media).")
    orientation: Final = _Field(int, "EXIF orientation found, 1..8.")
    encoded_bytes: Final = _Field(int)
    decode_scale: Final = _Field(
        int, "1 at full size; 2, 4 or 8 when a large JPEG was analysed at that reduction.", default=1
    )


class Timings(_Record):
    """Time per stage, milliseconds."""

    __slots__ = ()

    decode_ms: Final = _Field(float)
    detect_ms: Final = _Field(float)
    landmarks_ms: Final = _Field(float)
    quality_ms: Final = _Field(float)
    liveness_ms: Final = _Field(float)
    total_ms: Final = _Field(float)


class ErrorInfo(_Record):
    """Why a media could not be analysed (in results of ``analyze_request``/``analyze_batch``)."""

    __slots__ = ()

    code: Final = _Field(str, "Stable snake_case code, as ``OzInstantError.code``.")
    number: Final = _Field(int, "Stable numeric code, as ``OzInstantError.number``.")
    message: Final = _Field(str)


class VideoColour(_Record):
    """Colour description of a video, as its frames were converted to RGB: from the bitstream
    (H.264/HEVC VUI, VP9 frame header), else the container (MP4 ``colr``, Matroska ``Colour``),
    else the untagged default (BT.601, limited range, as ffmpeg assumes)."""

    __slots__ = ()

    matrix: Final = _Field(
        str, "``bt601``, ``bt709``, ``bt2020nc``, ``bt2020c``, ``smpte240m``, ``fcc`` or ``gbr``."
    )
    range: Final = _Field(str, "``limited`` or ``full``.")
    transfer: Final = _Field(
        str, "``bt709``, ``smpte170m``, ``srgb``, ``bt2020-10``, ``hlg``, ``pq``, ... or ``unspecified``."
    )
    primaries: Final = _Field(str, "``bt709``, ``bt470bg``, ``smpte170m``, ``bt2020``, ... or ``unspecified``.")
    source: Final = _Field(str, "``bitstream``, ``container`` or ``default``.")
    tone_mapped: Final = _Field(bool, "True when HLG or PQ was tone-mapped to SDR BT.709 before analysis.")


class VideoReport(_Record):
    """Facts about a video, from its headers."""

    __slots__ = ()

    container: Final = _Field(str, "``mp4`` (MP4, MOV, fragmented MP4) or ``matroska`` (WebM).")
    codec: Final = _Field(str, "``h264``, ``hevc`` or ``vp9``.")
    width: Final = _Field(int, "Displayed width (after rotation), pixels.")
    height: Final = _Field(int, "Displayed height (after rotation), pixels.")
    rotation: Final = _Field(int, "Clockwise display rotation applied to the frames, degrees.")
    duration_ms: Final = _Field(int)
    frame_count: Final = _Field(int, "Frames in the clip.")
    fps: Final = _Field(float, "Mean frame rate.")
    colour: Final[_Field[Optional[VideoColour]]] = _Field(
        _optional(VideoColour),
        "Colour description the frames were converted with (None in results before schema 1.4).",
        default=None,
    )


class FrameResult(_Record):
    """One sampled frame of a video, shot set or :class:`ozinstant.Frames`, judged like a photo."""

    __slots__ = ()
    _repr_fields = ("index", "resolution", "reason", "confidence_spoofing")

    index: Final = _Field(
        int,
        """The frame's index in the media: presentation order in a video, name order among a
        shot set's images, list position for raw frames.""",
    )
    timestamp_ms: Final[_Field[Optional[int]]] = _Field(
        _as_is, "Presentation time, milliseconds (videos only).", default=None
    )
    name: Final[_Field[Optional[str]]] = _Field(_as_is, "Entry name (shot sets only).", default=None)
    resolution: Final[_Field[Resolution]] = _Field(
        _as_is, "The frame's own outcome (judged like a photo, review band included)."
    )
    reason: Final[_Field[Optional[FailReason]]] = _Field(_as_is, "Why the frame failed; None unless ``FAILED``.")
    confidence_spoofing: Final[_Field[Optional[float]]] = _Field(
        _as_is, "The frame's score; None when liveness did not run on it."
    )
    face_score: Final[_Field[Optional[float]]] = _Field(
        _as_is, "Detector confidence of the analysed face; None without a face."
    )
    quality_score: Final[_Field[Optional[float]]] = _Field(_as_is, "Best-shot score, 0..1; None without a face.")
    quality_failed: Final[_Field[List[str]]] = _Field(list, "Names of the failed quality checks.")
    error: Final = _Field(
        _optional(ErrorInfo),
        "Why the frame could not be read (a shot set entry that is not a valid image).",
        default=None,
    )
    total_ms: Final = _Field(float)


class BestShot(_Record):
    """The frame chosen for the media's faces, quality and liveness details, and for biometry."""

    __slots__ = ()

    frame: Final = _Field(int, "Position of the frame in ``sequence.frames``.")
    index: Final = _Field(int, "The frame's index in the media (as :attr:`FrameResult.index`).")
    timestamp_ms: Final[_Field[Optional[int]]] = _Field(
        _as_is, "Presentation time, milliseconds (videos only).", default=None
    )
    name: Final[_Field[Optional[str]]] = _Field(_as_is, "Entry name (shot sets only).", default=None)
    quality_score: Final = _Field(
        float, "Its best-shot score, 0..1: face score × sharpness term × cos(yaw) × cos(roll)."
    )


class SequenceReport(_Record):
    """How a video, shot set or :class:`ozinstant.Frames` media was judged from its frames
    (``MediaResult.sequence``)."""

    __slots__ = ()
    _repr_fields = ("kind", "total_frames", "sampled", "usable", "min_usable")

    kind: Final[_Field[SequenceKind]] = _Field(_as_is, "``video``, ``shot_set`` or ``frames``.")
    video: Final = _Field(_optional(VideoReport), 'Video facts; None unless ``kind == "video"``.')
    total_frames: Final = _Field(int, "Frames in the media (video frames, image entries of a shot set, raw frames).")
    skipped_entries: Final = _Field(
        int, "Entries of a shot set that are not images (directories, ``__MACOSX/``, other files).", default=0
    )
    sampled: Final = _Field(int, "Frames analysed, spread evenly over the media (first and last included).")
    usable: Final = _Field(int, "Sampled frames with one good face and a liveness score.")
    min_usable: Final = _Field(
        int, "Usable frames needed for a verdict (``video.min_usable_frames``, capped at ``sampled``)."
    )
    aggregation: Final = _Field(
        str, "``median_confidence_spoofing``: the media's score is the median over the usable frames."
    )
    best_shot: Final = _Field(
        _optional(BestShot), "The usable frame with the highest quality score; None without enough usable frames."
    )
    frames: Final = _Field(_list_of(FrameResult), "Every sampled frame, in order.")


class Attestation(_Record):
    """The signature of a result (``MediaResult.attestation``, ``RequestResult.attestation``),
    present when the engine has a signing key (``Engine(signing={...})``).

    ``jws`` is a compact JWS (``EdDSA``, header ``{"alg":"EdDSA","kid":key_id,
    "typ":"ozinstant-result+json"}``) whose payload is the RFC 8785 canonical JSON of the result
    with every ``attestation.jws`` member (at any depth) removed: it covers every other member,
    these fields included. Check it with :func:`ozinstant.verify` (or any JWS library), then
    check what only the host knows: the ``nonce`` it issued, a recent ``issued_at``, its
    media's ``media_sha256``."""

    __slots__ = ()
    _repr_fields = ("key_id", "issued_at", "nonce", "media_sha256")

    alg: Final = _Field(str, "Signature algorithm: always ``EdDSA`` (Ed25519).")
    key_id: Final = _Field(str, "The signing key's name (the JWS header's ``kid``).")
    issued_at: Final = _Field(str, "When the result was signed, RFC 3339 UTC (``2026-12-02T04:50:22Z``).")
    nonce: Final[_Field[Optional[str]]] = _Field(
        _as_is, "The caller's challenge (the ``nonce=`` of the call); None when none was given.", default=None
    )
    media_sha256: Final[_Field[Optional[str]]] = _Field(
        _as_is,
        """SHA-256 (lower-case hex) of the media's bytes as received (the encoded bytes or file,
        the pixel buffer, or raw frames one after another); media results only, None when
        ``signing.input_hashes`` is off or the file could not be read.""",
        default=None,
    )
    engine_version: Final = _Field(str, "The ozinstant version that produced the result.")
    models: Final[_Field[List[dict[str, Any]]]] = _Field(
        copy.deepcopy, 'Models the result was computed with: ``{"id", "sha256", "source"}`` each.'
    )
    jws: Final = _Field(str, "The JWS Compact Serialization (``header.payload.signature``, base64url).")


class MediaResult(_EngineRecord):
    """The result for one media."""

    __slots__ = ()
    _repr_fields = ("resolution", "reason", "confidence_spoofing", "request_id", "media_index")

    request_id: Final = _Field(str)
    media_index: Final = _Field(int, "Position of the media in its request, from 0.")
    source: Final[_Field[Optional[str]]] = _Field(
        _as_is, "The path as given, or None for bytes and arrays.", default=None
    )
    tag: Final[_Field[Optional[str]]] = _Field(
        _as_is,
        """The media tag the caller gave (``photo_selfie``, ``photo_id_front``, ``video_selfie``,
        ``shotset_selfie``, ...), or None.""",
        default=None,
    )
    analysis: Final = _Field(
        str,
        """``liveness``, or ``detection`` when liveness was not run on this media (a document
        photo, or a request that only asked for biometry).""",
    )
    resolution: Final[_Field[Resolution]] = _Field(
        _as_is,
        """``SUCCESS`` (live), ``DECLINED`` (attack), ``FAILED`` (see ``reason``) or
        ``OPERATOR_REQUIRED`` (the score is inside :attr:`review_band`).""",
    )
    reason: Final[_Field[Optional[FailReason]]] = _Field(
        _as_is, "``NO_FACE``, ``MULTIPLE_FACES``, ``LOW_QUALITY``, ``INPUT_ERROR``; None unless FAILED."
    )
    confidence_spoofing: Final[_Field[Optional[float]]] = _Field(
        _as_is,
        """``1 - p_real``, 0..1 (higher = more likely an attack); None when not computed. For a
        video, shot set or frames: the median over the usable frames.""",
    )
    threshold: Final = _Field(float, "The threshold used: a score at or above it is an attack.")
    security_level: Final[_Field[Optional[SecurityLevel]]] = _Field(
        _as_is,
        """The security level the threshold came from (``low``, ``medium``, ``high``); None when
        the threshold was given as a number or defaulted.""",
        default=None,
    )
    review_band: Final = _Field(
        _optional(_pair),
        """``(low, high)``: the review band the verdict used (a score inside it, inclusive, is
        ``OPERATOR_REQUIRED``); None when off.""",
        default=None,
    )
    faces: Final = _Field(
        _list_of(Face), "Detected faces, the analysed one first (the best shot's for a multi-frame media)."
    )
    quality: Final = _Field(_optional(Quality))
    liveness: Final = _Field(_optional(Liveness))
    image: Final = _Field(_optional(ImageInfo))
    timings: Final = _Field(Timings)
    error: Final = _Field(
        _optional(ErrorInfo), 'Set when the media could not be analysed (``reason == "INPUT_ERROR"``).', default=None
    )
    sequence: Final = _Field(
        _optional(SequenceReport),
        """For a video, shot set or :class:`ozinstant.Frames`: the sampled frames, each one's
        outcome, the aggregation and the best shot (whose faces, quality and liveness the media
        reports). None for a photo, and for a media that could not be opened at all.""",
        default=None,
    )
    attestation: Final = _Field(
        _optional(Attestation),
        """The signature of this result, when the engine signs (``Engine(signing={...})``); else
        None. A media result is signed on its own, so it can be verified alone.""",
        default=None,
    )


class PairSimilarity(_Record):
    """One compared pair of media."""

    __slots__ = ()

    a: Final = _Field(int, "``media_index`` of the first media.")
    b: Final = _Field(int, "``media_index`` of the second media.")
    similarity: Final = _Field(float, "``(1 + cosine) / 2``, 0..1.")
    cosine: Final = _Field(float, "Cosine of the two L2-normalised embeddings, -1..1.")


class BiometryMedia(_Record):
    """How one media took part in biometry."""

    __slots__ = ()

    media_index: Final = _Field(int)
    status: Final = _Field(
        str,
        """``compared``, ``no_face``, ``multiple_faces``, ``input_error``, ``no_usable_frame`` (a
        video, shot set or frames media without a best shot) or ``excluded``.""",
    )
    liveness_passed: Final = _Field(
        _optional(bool),
        """Whether this media passed liveness: True when its liveness ``resolution`` is ``SUCCESS``,
        False when it is ``DECLINED``, ``OPERATOR_REQUIRED`` or ``FAILED``, None when liveness did
        not run on it (document tags, ``analyses=["biometry"]`` alone). Biometry compares faces
        whatever their liveness: its ``SUCCESS`` means "same person", not "same live person";
        require True here for every compared media (or the request's ``resolution``) for the
        latter.""",
        default=None,
    )
    embedding: Final[_Field[Optional[List[float]]]] = _Field(
        _optional(list),
        """The 192-d L2-normalised embedding (a biometric template); only with
        ``return_embeddings=True``.""",
        default=None,
    )


class Biometry(_Record):
    """The ``biometry`` analysis: every pair of faces compared, the least similar pair decides."""

    __slots__ = ()

    analysis: Final = _Field(str)
    resolution: Final[_Field[Resolution]] = _Field(
        _as_is, "``SUCCESS`` (least similar pair >= threshold), ``DECLINED`` or ``FAILED``."
    )
    reason: Final[_Field[Optional[str]]] = _Field(_as_is, "``NOT_ENOUGH_FACES`` when ``FAILED``, else None.")
    threshold: Final = _Field(float)
    min_similarity: Final[_Field[Optional[float]]] = _Field(_as_is)
    least_similar: Final = _Field(_optional(PairSimilarity))
    pairs: Final = _Field(_list_of(PairSimilarity))
    media: Final = _Field(_list_of(BiometryMedia))
    model: Final = _Field(str)
    embed_ms: Final = _Field(float)

    def __repr__(self) -> str:
        return self._repr(
            resolution=self.resolution,
            min_similarity=self.min_similarity,
            threshold=self.threshold,
            pairs=len(self._data["pairs"]),
        )


class RequestResult(_EngineRecord):
    """The result of one request (a "folder" of media)."""

    __slots__ = ()
    _repr_fields = ("resolution", "request_id", "media")

    schema_version: Final = _Field(str)
    request_id: Final = _Field(str, "Caller-given or generated (UUID v4) request id.")
    resolution: Final[_Field[Resolution]] = _Field(
        _as_is,
        """``DECLINED`` if any media was declined, else ``FAILED`` if any failed, else
        ``OPERATOR_REQUIRED`` if any needs review, else ``SUCCESS``.""",
    )
    media: Final = _Field(_list_of(MediaResult), "One result per media, in request order.")
    biometry: Final = _Field(
        _optional(Biometry), "The face comparison, when the request asked for ``biometry``; else None.", default=None
    )
    models: Final[_Field[List[dict[str, Any]]]] = _Field(
        copy.deepcopy, 'Models used: ``{"id", "sha256", "source"}`` each.'
    )
    engine_version: Final = _Field(str)
    total_ms: Final = _Field(float)
    attestation: Final = _Field(
        _optional(Attestation),
        """The signature of this result (its media's attestations included, minus their
        ``jws``), when the engine signs (``Engine(signing={...})``); else None.""",
        default=None,
    )
