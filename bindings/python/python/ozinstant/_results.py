"""Result objects: read-only views over the core's JSON.

Each object keeps the dictionary parsed from the engine's JSON; attributes read from it and
``to_dict()`` returns a copy of it, so ``result.to_dict() == json.loads(result.to_json())`` and
both equal what the CLI and the C API produce for the same input.
"""

from __future__ import annotations

import copy
import json
from typing import Any, List, Literal, NamedTuple, Optional, Tuple

__all__ = [
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
    "PairSimilarity",
    "Quality",
    "QualityCheck",
    "RequestResult",
    "SequenceReport",
    "Timings",
    "VideoReport",
]

Resolution = Literal["SUCCESS", "DECLINED", "FAILED"]
"""``SUCCESS`` = live, ``DECLINED`` = attack, ``FAILED`` = no verdict (see ``reason``)."""

FailReason = Literal["NO_FACE", "MULTIPLE_FACES", "LOW_QUALITY", "INPUT_ERROR"]

SequenceKind = Literal["video", "shot_set", "frames"]
"""``video`` (MP4, MOV, WebM), ``shot_set`` (ZIP of images) or ``frames`` (:class:`ozinstant.Frames`)."""


class _Record:
    """Immutable view over one JSON object."""

    __slots__ = ("_data",)
    _data: dict[str, Any]

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
        return f"{type(self).__name__}({self._data!r})"


class Box(NamedTuple):
    """A face box in upright image pixels."""

    x: float
    y: float
    width: float
    height: float


class Face(_Record):
    """One detected face."""

    __slots__ = ()

    @property
    def box(self) -> Box:
        """``(x, y, width, height)`` in original upright pixels."""
        b = self._data["box"]
        return Box(b["x"], b["y"], b["width"], b["height"])

    @property
    def score(self) -> float:
        """Detector confidence, 0..1."""
        return float(self._data["score"])

    @property
    def landmarks(self) -> Optional[List[Tuple[float, float]]]:
        """Five ``(x, y)`` points (left eye, right eye, nose, mouth left, mouth right) or None."""
        lm = self._data["landmarks"]
        return None if lm is None else [(p[0], p[1]) for p in lm]

    @property
    def detector(self) -> str:
        """``retinaface`` or ``mtcnn``."""
        return str(self._data["detector"])

    @property
    def analysed(self) -> bool:
        """True for the face the verdict is about."""
        return bool(self._data["analysed"])


class QualityCheck(_Record):
    """One quality check with its measured value and threshold."""

    __slots__ = ()

    @property
    def name(self) -> str:
        """``face_size``, ``face_inside``, ``sharpness``, ``brightness_low``, ``brightness_high``, ``yaw``, ``roll``."""
        return str(self._data["name"])

    @property
    def value(self) -> float:
        return float(self._data["value"])

    @property
    def threshold(self) -> float:
        return float(self._data["threshold"])

    @property
    def bound(self) -> Literal["min", "max"]:
        """``min``: value must be >= threshold; ``max``: value must be <= threshold."""
        return self._data["bound"]  # type: ignore[no-any-return]

    @property
    def passed(self) -> bool:
        return bool(self._data["passed"])


class Quality(_Record):
    """Quality checks of the analysed face."""

    __slots__ = ()

    @property
    def enforced(self) -> bool:
        """Whether failing checks fail the media (False when the quality gate is off)."""
        return bool(self._data["enforced"])

    @property
    def passed(self) -> bool:
        return bool(self._data["passed"])

    @property
    def failed(self) -> List[str]:
        """Names of the failing checks."""
        return list(self._data["failed"])

    @property
    def checks(self) -> List[QualityCheck]:
        return [QualityCheck(c) for c in self._data["checks"]]


class ModelScore(_Record):
    """One liveness model's output."""

    __slots__ = ()

    @property
    def model(self) -> str:
        return str(self._data["model"])

    @property
    def crop_scale(self) -> float:
        return float(self._data["crop_scale"])

    @property
    def crop(self) -> Tuple[int, int, int, int]:
        """``(x0, y0, x1, y1)``, inclusive, original pixels."""
        c = self._data["crop"]
        return (c[0], c[1], c[2], c[3])

    @property
    def p_real(self) -> float:
        return float(self._data["p_real"])


class Liveness(_Record):
    """Liveness details."""

    __slots__ = ()

    @property
    def p_real(self) -> float:
        """Fused probability that the face is real, 0..1."""
        return float(self._data["p_real"])

    @property
    def models(self) -> List[ModelScore]:
        return [ModelScore(m) for m in self._data["models"]]


class ImageInfo(_Record):
    """What was decoded (never pixels)."""

    __slots__ = ()

    @property
    def format(self) -> str:
        """``jpeg``, ``png``, ``webp``, ``bmp``, ``gif``, or ``raw_rgb8``/``raw_bgr8``/``raw_rgba8``/``raw_bgra8``;
        for a multi-frame media ``mp4``/``matroska`` (videos), ``zip`` (shot sets) or ``raw_frames``."""
        return str(self._data["format"])

    @property
    def width(self) -> int:
        """Upright width, pixels (of the best shot for a multi-frame media)."""
        return int(self._data["width"])

    @property
    def height(self) -> int:
        """Upright height, pixels (of the best shot for a multi-frame media)."""
        return int(self._data["height"])

    @property
    def orientation(self) -> int:
        """EXIF orientation found, 1..8."""
        return int(self._data["orientation"])

    @property
    def encoded_bytes(self) -> int:
        return int(self._data["encoded_bytes"])

    @property
    def decode_scale(self) -> int:
        """1 at full size; 2, 4 or 8 when a large JPEG was analysed at that reduction."""
        return int(self._data.get("decode_scale", 1))


class Timings(_Record):
    """Time per stage, milliseconds."""

    __slots__ = ()

    @property
    def decode_ms(self) -> float:
        return float(self._data["decode_ms"])

    @property
    def detect_ms(self) -> float:
        return float(self._data["detect_ms"])

    @property
    def landmarks_ms(self) -> float:
        return float(self._data["landmarks_ms"])

    @property
    def quality_ms(self) -> float:
        return float(self._data["quality_ms"])

    @property
    def liveness_ms(self) -> float:
        return float(self._data["liveness_ms"])

    @property
    def total_ms(self) -> float:
        return float(self._data["total_ms"])


class ErrorInfo(_Record):
    """Why a media could not be analysed (in results of ``analyze_request``/``analyze_batch``)."""

    __slots__ = ()

    @property
    def code(self) -> str:
        """Stable snake_case code, as ``OzInstantError.code``."""
        return str(self._data["code"])

    @property
    def number(self) -> int:
        """Stable numeric code, as ``OzInstantError.number``."""
        return int(self._data["number"])

    @property
    def message(self) -> str:
        return str(self._data["message"])


def _opt(cls: type, value: Any) -> Any:
    return None if value is None else cls(value)


class VideoReport(_Record):
    """Facts about a video, from its headers."""

    __slots__ = ()

    @property
    def container(self) -> str:
        """``mp4`` (MP4, MOV, fragmented MP4) or ``matroska`` (WebM)."""
        return str(self._data["container"])

    @property
    def codec(self) -> str:
        """``h264``, ``hevc`` or ``vp9``."""
        return str(self._data["codec"])

    @property
    def width(self) -> int:
        """Displayed width (after rotation), pixels."""
        return int(self._data["width"])

    @property
    def height(self) -> int:
        """Displayed height (after rotation), pixels."""
        return int(self._data["height"])

    @property
    def rotation(self) -> int:
        """Clockwise display rotation applied to the frames, degrees."""
        return int(self._data["rotation"])

    @property
    def duration_ms(self) -> int:
        return int(self._data["duration_ms"])

    @property
    def frame_count(self) -> int:
        """Frames in the clip."""
        return int(self._data["frame_count"])

    @property
    def fps(self) -> float:
        """Mean frame rate."""
        return float(self._data["fps"])


class FrameResult(_Record):
    """One sampled frame of a video, shot set or :class:`ozinstant.Frames`, judged like a photo."""

    __slots__ = ()

    @property
    def index(self) -> int:
        """The frame's index in the media: presentation order in a video, name order among a
        shot set's images, list position for raw frames."""
        return int(self._data["index"])

    @property
    def timestamp_ms(self) -> Optional[int]:
        """Presentation time, milliseconds (videos only)."""
        return self._data.get("timestamp_ms")

    @property
    def name(self) -> Optional[str]:
        """Entry name (shot sets only)."""
        return self._data.get("name")

    @property
    def resolution(self) -> Resolution:
        """The frame's own outcome."""
        return self._data["resolution"]  # type: ignore[no-any-return]

    @property
    def reason(self) -> Optional[FailReason]:
        """Why the frame failed; None unless ``FAILED``."""
        return self._data["reason"]  # type: ignore[no-any-return]

    @property
    def confidence_spoofing(self) -> Optional[float]:
        """The frame's score; None when liveness did not run on it."""
        return self._data["confidence_spoofing"]  # type: ignore[no-any-return]

    @property
    def face_score(self) -> Optional[float]:
        """Detector confidence of the analysed face; None without a face."""
        return self._data["face_score"]  # type: ignore[no-any-return]

    @property
    def quality_score(self) -> Optional[float]:
        """Best-shot score, 0..1; None without a face."""
        return self._data["quality_score"]  # type: ignore[no-any-return]

    @property
    def quality_failed(self) -> List[str]:
        """Names of the failed quality checks."""
        return list(self._data["quality_failed"])

    @property
    def error(self) -> Optional[ErrorInfo]:
        """Why the frame could not be read (a shot set entry that is not a valid image)."""
        return _opt(ErrorInfo, self._data.get("error"))  # type: ignore[no-any-return]

    @property
    def total_ms(self) -> float:
        return float(self._data["total_ms"])

    def __repr__(self) -> str:
        return (
            f"FrameResult(index={self.index}, resolution={self.resolution!r}, reason={self.reason!r}, "
            f"confidence_spoofing={self.confidence_spoofing!r})"
        )


class BestShot(_Record):
    """The frame chosen for the media's faces, quality and liveness details, and for biometry."""

    __slots__ = ()

    @property
    def frame(self) -> int:
        """Position of the frame in ``sequence.frames``."""
        return int(self._data["frame"])

    @property
    def index(self) -> int:
        """The frame's index in the media (as :attr:`FrameResult.index`)."""
        return int(self._data["index"])

    @property
    def timestamp_ms(self) -> Optional[int]:
        """Presentation time, milliseconds (videos only)."""
        return self._data.get("timestamp_ms")

    @property
    def name(self) -> Optional[str]:
        """Entry name (shot sets only)."""
        return self._data.get("name")

    @property
    def quality_score(self) -> float:
        """Its best-shot score, 0..1: face score × sharpness term × cos(yaw) × cos(roll)."""
        return float(self._data["quality_score"])


class SequenceReport(_Record):
    """How a video, shot set or :class:`ozinstant.Frames` media was judged from its frames
    (``MediaResult.sequence``)."""

    __slots__ = ()

    @property
    def kind(self) -> SequenceKind:
        """``video``, ``shot_set`` or ``frames``."""
        return self._data["kind"]  # type: ignore[no-any-return]

    @property
    def video(self) -> Optional[VideoReport]:
        """Video facts; None unless ``kind == "video"``."""
        return _opt(VideoReport, self._data["video"])  # type: ignore[no-any-return]

    @property
    def total_frames(self) -> int:
        """Frames in the media (video frames, image entries of a shot set, raw frames)."""
        return int(self._data["total_frames"])

    @property
    def skipped_entries(self) -> int:
        """Entries of a shot set that are not images (directories, ``__MACOSX/``, other files)."""
        return int(self._data.get("skipped_entries", 0))

    @property
    def sampled(self) -> int:
        """Frames analysed, spread evenly over the media (first and last included)."""
        return int(self._data["sampled"])

    @property
    def usable(self) -> int:
        """Sampled frames with one good face and a liveness score."""
        return int(self._data["usable"])

    @property
    def min_usable(self) -> int:
        """Usable frames needed for a verdict (``video.min_usable_frames``, capped at ``sampled``)."""
        return int(self._data["min_usable"])

    @property
    def aggregation(self) -> str:
        """``median_confidence_spoofing``: the media's score is the median over the usable frames."""
        return str(self._data["aggregation"])

    @property
    def best_shot(self) -> Optional[BestShot]:
        """The usable frame with the highest quality score; None without enough usable frames."""
        return _opt(BestShot, self._data["best_shot"])  # type: ignore[no-any-return]

    @property
    def frames(self) -> List[FrameResult]:
        """Every sampled frame, in order."""
        return [FrameResult(f) for f in self._data["frames"]]

    def __repr__(self) -> str:
        return (
            f"SequenceReport(kind={self.kind!r}, total_frames={self.total_frames}, sampled={self.sampled}, "
            f"usable={self.usable}, min_usable={self.min_usable})"
        )


class MediaResult(_Record):
    """The result for one media."""

    __slots__ = ("_json",)
    _json: Optional[str]

    def __init__(self, data: dict[str, Any], json_text: Optional[str] = None) -> None:
        super().__init__(data)
        object.__setattr__(self, "_json", json_text)

    @classmethod
    def _from_json(cls, text: str) -> "MediaResult":
        return cls(json.loads(text), text)

    def to_json(self) -> str:
        """The engine's JSON (byte for byte when this result came straight from the engine)."""
        return self._json if self._json is not None else super().to_json()

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self._data, self._json))

    @property
    def request_id(self) -> str:
        return str(self._data["request_id"])

    @property
    def media_index(self) -> int:
        """Position of the media in its request, from 0."""
        return int(self._data["media_index"])

    @property
    def source(self) -> Optional[str]:
        """The path as given, or None for bytes and arrays."""
        return self._data.get("source")

    @property
    def tag(self) -> Optional[str]:
        """The media tag the caller gave (``photo_selfie``, ``photo_id_front``, ``video_selfie``,
        ``shotset_selfie``, ...), or None."""
        return self._data.get("tag")

    @property
    def analysis(self) -> str:
        """``liveness``, or ``detection`` when liveness was not run on this media (a document
        photo, or a request that only asked for biometry)."""
        return str(self._data["analysis"])

    @property
    def resolution(self) -> Resolution:
        """``SUCCESS`` (live), ``DECLINED`` (attack) or ``FAILED`` (see ``reason``)."""
        return self._data["resolution"]  # type: ignore[no-any-return]

    @property
    def reason(self) -> Optional[FailReason]:
        """``NO_FACE``, ``MULTIPLE_FACES``, ``LOW_QUALITY``, ``INPUT_ERROR``; None unless FAILED."""
        return self._data["reason"]  # type: ignore[no-any-return]

    @property
    def confidence_spoofing(self) -> Optional[float]:
        """``1 - p_real``, 0..1 (higher = more likely an attack); None when not computed. For a
        video, shot set or frames: the median over the usable frames."""
        return self._data["confidence_spoofing"]  # type: ignore[no-any-return]

    @property
    def threshold(self) -> float:
        """The threshold used: a score at or above it is an attack."""
        return float(self._data["threshold"])

    @property
    def faces(self) -> List[Face]:
        """Detected faces, the analysed one first (the best shot's for a multi-frame media)."""
        return [Face(f) for f in self._data["faces"]]

    @property
    def quality(self) -> Optional[Quality]:
        return _opt(Quality, self._data["quality"])  # type: ignore[no-any-return]

    @property
    def liveness(self) -> Optional[Liveness]:
        return _opt(Liveness, self._data["liveness"])  # type: ignore[no-any-return]

    @property
    def image(self) -> Optional[ImageInfo]:
        return _opt(ImageInfo, self._data["image"])  # type: ignore[no-any-return]

    @property
    def timings(self) -> Timings:
        return Timings(self._data["timings"])

    @property
    def error(self) -> Optional[ErrorInfo]:
        """Set when the media could not be analysed (``reason == "INPUT_ERROR"``)."""
        return _opt(ErrorInfo, self._data.get("error"))  # type: ignore[no-any-return]

    @property
    def sequence(self) -> Optional[SequenceReport]:
        """For a video, shot set or :class:`ozinstant.Frames`: the sampled frames, each one's
        outcome, the aggregation and the best shot (whose faces, quality and liveness the media
        reports). None for a photo, and for a media that could not be opened at all."""
        return _opt(SequenceReport, self._data.get("sequence"))  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return (
            f"MediaResult(resolution={self.resolution!r}, reason={self.reason!r}, "
            f"confidence_spoofing={self.confidence_spoofing!r}, request_id={self.request_id!r}, "
            f"media_index={self.media_index})"
        )


class PairSimilarity(_Record):
    """One compared pair of media."""

    __slots__ = ()

    @property
    def a(self) -> int:
        """``media_index`` of the first media."""
        return int(self._data["a"])

    @property
    def b(self) -> int:
        """``media_index`` of the second media."""
        return int(self._data["b"])

    @property
    def similarity(self) -> float:
        """``(1 + cosine) / 2``, 0..1."""
        return float(self._data["similarity"])

    @property
    def cosine(self) -> float:
        """Cosine of the two L2-normalised embeddings, -1..1."""
        return float(self._data["cosine"])


class BiometryMedia(_Record):
    """How one media took part in biometry."""

    __slots__ = ()

    @property
    def media_index(self) -> int:
        return int(self._data["media_index"])

    @property
    def status(self) -> str:
        """``compared``, ``no_face``, ``multiple_faces``, ``input_error``, ``no_usable_frame`` (a
        video, shot set or frames media without a best shot) or ``excluded``."""
        return str(self._data["status"])

    @property
    def embedding(self) -> Optional[List[float]]:
        """The 192-d L2-normalised embedding (a biometric template); only with
        ``return_embeddings=True``."""
        e = self._data.get("embedding")
        return None if e is None else list(e)


class Biometry(_Record):
    """The ``biometry`` analysis: every pair of faces compared, the least similar pair decides."""

    __slots__ = ()

    @property
    def analysis(self) -> str:
        return str(self._data["analysis"])

    @property
    def resolution(self) -> Resolution:
        """``SUCCESS`` (least similar pair >= threshold), ``DECLINED`` or ``FAILED``."""
        return self._data["resolution"]  # type: ignore[no-any-return]

    @property
    def reason(self) -> Optional[str]:
        """``NOT_ENOUGH_FACES`` when ``FAILED``, else None."""
        return self._data["reason"]  # type: ignore[no-any-return]

    @property
    def threshold(self) -> float:
        return float(self._data["threshold"])

    @property
    def min_similarity(self) -> Optional[float]:
        return self._data["min_similarity"]  # type: ignore[no-any-return]

    @property
    def least_similar(self) -> Optional[PairSimilarity]:
        return _opt(PairSimilarity, self._data["least_similar"])  # type: ignore[no-any-return]

    @property
    def pairs(self) -> List[PairSimilarity]:
        return [PairSimilarity(p) for p in self._data["pairs"]]

    @property
    def media(self) -> List[BiometryMedia]:
        return [BiometryMedia(m) for m in self._data["media"]]

    @property
    def model(self) -> str:
        return str(self._data["model"])

    @property
    def embed_ms(self) -> float:
        return float(self._data["embed_ms"])

    def __repr__(self) -> str:
        return (
            f"Biometry(resolution={self.resolution!r}, min_similarity={self.min_similarity!r}, "
            f"threshold={self.threshold!r}, pairs={len(self._data['pairs'])})"
        )


class RequestResult(_Record):
    """The result of one request (a "folder" of media)."""

    __slots__ = ("_json",)
    _json: Optional[str]

    def __init__(self, data: dict[str, Any], json_text: Optional[str] = None) -> None:
        super().__init__(data)
        object.__setattr__(self, "_json", json_text)

    @classmethod
    def _from_json(cls, text: str) -> "RequestResult":
        return cls(json.loads(text), text)

    def to_json(self) -> str:
        """The engine's JSON (byte for byte when this result came straight from the engine)."""
        return self._json if self._json is not None else super().to_json()

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self._data, self._json))

    @property
    def schema_version(self) -> str:
        return str(self._data["schema_version"])

    @property
    def request_id(self) -> str:
        """Caller-given or generated (UUID v4) request id."""
        return str(self._data["request_id"])

    @property
    def resolution(self) -> Resolution:
        """``DECLINED`` if any media was declined, else ``FAILED`` if any failed, else ``SUCCESS``."""
        return self._data["resolution"]  # type: ignore[no-any-return]

    @property
    def media(self) -> List[MediaResult]:
        """One result per media, in request order."""
        return [MediaResult(m) for m in self._data["media"]]

    @property
    def biometry(self) -> Optional[Biometry]:
        """The face comparison, when the request asked for ``biometry``; else None."""
        return _opt(Biometry, self._data.get("biometry"))  # type: ignore[no-any-return]

    @property
    def models(self) -> List[dict[str, Any]]:
        """Models used: ``{"id", "sha256", "source"}`` each."""
        return copy.deepcopy(self._data["models"])

    @property
    def engine_version(self) -> str:
        return str(self._data["engine_version"])

    @property
    def total_ms(self) -> float:
        return float(self._data["total_ms"])

    def __repr__(self) -> str:
        return (
            f"RequestResult(resolution={self.resolution!r}, request_id={self.request_id!r}, "
            f"media={self.media!r})"
        )
