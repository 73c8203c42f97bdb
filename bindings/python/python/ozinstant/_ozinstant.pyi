# Stubs of the native module. Use the public API in `ozinstant` (`ozinstant.Engine`), which wraps it.
import asyncio
from typing import Any, Callable, List, Optional, Sequence, Tuple

__version__: str
ERROR_CODES: List[Tuple[int, str]]

# Registered with atexit at import: stops engine threads from delivering async results to
# Python (they are dropped) and waits up to `timeout` s for deliveries in progress.
def _close_deliveries(timeout: float = 5.0) -> bool: ...
# Registered with os.register_at_fork(after_in_child=...).
def _after_fork_in_child() -> None: ...

# Verifies a signed result's JSON with a public key (SPKI PEM/DER or raw 32 bytes), GIL
# released: (payload JSON, key_id, issued_at, nonce, nested_verified). Bad key: ConfigError;
# does not verify: InvalidInputError ("attestation ...").
def _verify(
    result_json: str, public_key: bytes, key_id: Optional[str] = None
) -> Tuple[str, str, str, Optional[str], int]: ...

# An `item` is one media: `bytes`, `str` (a path), a uint8 array H×W×3/H×W×4 with packed
# pixels, read through the buffer protocol (a numpy array; an object that only has
# `__array_interface__` raises InvalidInputError), or a `list` of such arrays (raw frames
# forming one media: what `ozinstant.Frames` becomes). Encoded bytes and paths may be images, videos (MP4/MOV/WebM) or ZIP shot sets.
# `options_json` is an `AnalyzeOptions` object (threshold, security_level, review_band,
# quality_gate, face_policy, request_id, video_frames, nonce, and for requests analyses, biometry_* ,
# quality_tags, return_embeddings).
class NativeEngine:
    # `signing_key`: the signing key's bytes (PKCS#8 PEM or DER, raw 32-byte seed) given from
    # memory; `config_json` then has a `signing` section without key_file/key_pem.
    def __init__(self, config_json: str, signing_key: Optional[bytes] = None) -> None: ...
    def public_key_pem(self) -> Optional[str]: ...
    def key_id(self) -> Optional[str]: ...
    def config_json(self) -> str: ...
    def runtime_json(self) -> str: ...
    def models_json(self) -> str: ...
    def stats_json(self) -> str: ...
    def ready(self) -> bool: ...
    def warm_up(self) -> None: ...
    def analyze(self, item: Any, options_json: str, color_order: str) -> str: ...
    def analyze_batch(self, items: Sequence[Any], options_json: str, color_order: str) -> List[str]: ...
    def analyze_request(
        self, items: Sequence[Any], options_json: str, color_order: str, tags: Optional[Sequence[Optional[str]]] = None
    ) -> str: ...
    def submit(
        self,
        items: Sequence[Any],
        options_json: str,
        color_order: str,
        single: bool,
        event_loop: asyncio.AbstractEventLoop,
        future: "asyncio.Future[Any]",
        settle: Callable[["asyncio.Future[Any]", Optional[str], Optional[BaseException]], None],
        tags: Optional[Sequence[Optional[str]]] = None,
    ) -> None: ...
