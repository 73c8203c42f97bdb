"""ozinstant: stateless, in-process face liveness (passive anti-spoofing).

>>> import ozinstant
>>> engine = ozinstant.Engine()
>>> result = engine.analyze("selfie.jpg")
>>> result.resolution, result.confidence_spoofing
('SUCCESS', 0.0123)
>>> engine.analyze("selfie.mp4", video_frames=4).sequence.sampled  # videos, ZIP shot sets, Frames
4

Nothing is stored, written or sent: the engine keeps no data between calls.

Signed results: ``Engine(signing={"key_id": ..., "key_file": ...})`` adds a verifiable
``attestation`` to every result; ``ozinstant.verify(result, engine.public_key_pem)`` checks it.
"""

import os as _os

# ONNX Runtime >= 1.29 writes a device id and a telemetry cache under ~/.cache/Microsoft unless
# this is set before it initialises: default it (before anything can load the runtime), but
# leave a value the user set, ORT_DISABLE_TELEMETRY=0 included, alone.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from ._errors import (  # noqa: E402
    BusyError,
    ConfigError,
    EngineError,
    ForkedError,
    InvalidInputError,
    IoError,
    ModelError,
    OzInstantError,
    RuntimeNotFoundError,
    VerificationError,
)
from ._ozinstant import ERROR_CODES, __version__  # noqa: E402
from ._results import (  # noqa: E402
    Attestation,
    BestShot,
    Biometry,
    BiometryMedia,
    Box,
    ErrorInfo,
    Face,
    FrameResult,
    ImageInfo,
    Liveness,
    MediaResult,
    ModelScore,
    OpinionScore,
    PairSimilarity,
    Quality,
    QualityCheck,
    RequestResult,
    SequenceReport,
    Timings,
    VideoColour,
    VideoReport,
)
from ._engine import Engine, Frames, MediaInput  # noqa: E402
from ._runtime import find_onnxruntime_library  # noqa: E402
from ._verify import Verified, verify  # noqa: E402

__all__ = [
    "__version__",
    "ERROR_CODES",
    "Engine",
    "Frames",
    "MediaInput",
    "find_onnxruntime_library",
    # signed results
    "verify",
    "Verified",
    "Attestation",
    # results
    "MediaResult",
    "RequestResult",
    "Face",
    "Box",
    "Quality",
    "QualityCheck",
    "Liveness",
    "ModelScore",
    "OpinionScore",
    "Biometry",
    "BiometryMedia",
    "PairSimilarity",
    "ImageInfo",
    "Timings",
    "ErrorInfo",
    "SequenceReport",
    "VideoColour",
    "VideoReport",
    "FrameResult",
    "BestShot",
    # errors
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
