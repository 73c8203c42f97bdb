"""Hostile input through the Python door: each case raises the exact error code (or gives a
FAILED verdict), never crashes the interpreter. Files are generated here: empty, random bytes,
a photo truncated at many offsets, decompression-bomb headers (JPEG SOF, PNG IHDR, GIF, BMP,
WebP), raw pixel arrays whose geometry lies, media over the byte limit and a request over the
media limit. Peak resident memory while refusing the bombs is checked through /proc."""

from __future__ import annotations

import asyncio
import random
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

import ozinstant
from conftest import sample

MAX_BYTES = 4 * 1024 * 1024
LIMITS = {"max_bytes_per_media": MAX_BYTES, "max_pixels": 2_000_000, "max_dimension": 4096}
# Peak resident growth allowed while a bomb is refused: the header costs nothing.
BOMB_RSS_KIB = 32 * 1024


@pytest.fixture(scope="module")
def hostile_engine() -> ozinstant.Engine:
    return ozinstant.Engine(threads=1, limits=LIMITS)


def code_of(engine: ozinstant.Engine, value: object) -> str:
    with pytest.raises(ozinstant.OzInstantError) as info:
        engine.analyze(value)  # type: ignore[arg-type]
    err = info.value
    assert "panicked" not in str(err)
    return err.code


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 65536)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_claiming(w: int, h: int) -> bytes:
    data = bytearray(sample("minivision_live_image_T1.jpg").read_bytes())
    at = next(i for i in range(2, len(data) - 1) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC2))
    data[at + 5 : at + 9] = struct.pack(">HH", h, w)
    return bytes(data)


def gif_claiming(w: int, h: int) -> bytes:
    screen = struct.pack("<HH", w, h) + bytes([0x80, 0, 0, 0, 0, 0, 255, 255, 255])
    image = b"\x2c" + struct.pack("<HHHH", 0, 0, w, h) + b"\x00"
    return b"GIF89a" + screen + image + bytes([2, 4, 0x84, 0x8F, 0xA9, 0xCB, 0, 0x3B])


def bmp_claiming(w: int, h: int) -> bytes:
    header = b"BM" + struct.pack("<IHHI", 54 + 64, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, 0, 0, 0, 0, 0)
    return header + info + b"\x7f" * 64


def webp_vp8x_claiming(w: int, h: int) -> bytes:
    vp8x = b"\0\0\0\0" + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    body += b"VP8L" + struct.pack("<I", 6) + bytes([0x2F, 0, 0, 0, 0, 0])
    return b"RIFF" + struct.pack("<I", len(body)) + body


def status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return -1


def reset_hwm() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def test_empty_and_random_bytes(hostile_engine: ozinstant.Engine) -> None:
    assert code_of(hostile_engine, b"") == "invalid_input"
    rng = random.Random(0x0BAD5EED)
    for _ in range(50):
        data = b"\0\0" + rng.randbytes(rng.randrange(1, 8192))  # no image signature starts with 0 0
        assert code_of(hostile_engine, data) == "unsupported_format"


def test_a_photo_truncated_at_many_offsets(hostile_engine: ozinstant.Engine) -> None:
    data = sample("minivision_live_image_T1.jpg").read_bytes()
    for i in range(1, 61):
        cut = len(data) * i // 61
        assert code_of(hostile_engine, data[:cut]) == "decode_failed", cut
    png = sample("skimage_live_astronaut.png").read_bytes()
    for cut in (9, 40, len(png) // 3, len(png) // 2, len(png) - 100):
        assert code_of(hostile_engine, png[:cut]) == "decode_failed", cut


@pytest.mark.parametrize(
    ("name", "data", "dims"),
    [
        ("jpeg-65500", jpeg_claiming(65500, 65500), (65500, 65500)),
        ("png-100000", png_claiming(100_000, 100_000), (100_000, 100_000)),
        ("png-area", png_claiming(4096, 4096), (4096, 4096)),
        ("gif-65535", gif_claiming(65535, 65535), (65535, 65535)),
        ("bmp-60000", bmp_claiming(60000, 60000), (60000, 60000)),
        ("webp-60000", webp_vp8x_claiming(60000, 60000), (60000, 60000)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bomb_headers_are_refused_before_allocation(
    hostile_engine: ozinstant.Engine, name: str, data: bytes, dims: tuple[int, int]
) -> None:
    hwm = reset_hwm()
    before = status_kib("VmRSS:")
    with pytest.raises(ozinstant.InvalidInputError) as info:
        hostile_engine.analyze(data)
    assert info.value.code == "image_too_large", (name, str(info.value))
    assert f"{dims[0]}x{dims[1]}" in str(info.value), str(info.value)
    if hwm and before > 0:
        grew = status_kib("VmHWM:") - before
        assert grew <= BOMB_RSS_KIB, f"{name}: resident set grew by {grew} KiB"


def test_zero_sized_images(hostile_engine: ozinstant.Engine) -> None:
    assert code_of(hostile_engine, png_claiming(0, 40)) == "decode_failed"
    assert code_of(hostile_engine, gif_claiming(40, 0)) == "decode_failed"
    assert code_of(hostile_engine, np.zeros((0, 40, 3), np.uint8)) == "invalid_input"
    r = hostile_engine.analyze(np.full((1, 1, 3), 90, np.uint8))
    assert (r.resolution, r.reason) == ("FAILED", "NO_FACE")


def test_pixel_arrays_that_lie(hostile_engine: ozinstant.Engine) -> None:
    native = hostile_engine._engine()
    base = np.full((48, 64, 3), 100, np.uint8)
    # Overlapping rows (row stride shorter than a row) and negative strides: the native side
    # refuses them (the Python layer would copy them to a packed array first).
    overlapping = np.lib.stride_tricks.as_strided(base, shape=(48, 64, 3), strides=(10, 3, 1))
    flipped = base[::-1]
    for arr in (overlapping, flipped, base[:, ::-1], base.transpose(1, 0, 2)):
        with pytest.raises(ozinstant.InvalidInputError) as info:
            native.analyze(arr, "{}", "rgb")
        assert info.value.code == "invalid_input"
    # Through the public door they are copied, then analysed.
    assert hostile_engine.analyze(overlapping).reason == "NO_FACE"
    # Shapes and dtypes that cannot be pixels.
    for bad in (np.zeros((48, 64), np.uint8), np.zeros((48, 64, 2), np.uint8), np.zeros((48, 64, 3), np.uint16)):
        assert code_of(hostile_engine, bad) == "invalid_input"
    # A tiny buffer viewed as a huge frame (strides 0: no memory behind it is read): the limits
    # refuse it before a single pixel is touched.
    huge = np.lib.stride_tricks.as_strided(np.zeros(4, np.uint8), shape=(100_000, 100_000, 4), strides=(0, 0, 1))
    with pytest.raises(ozinstant.InvalidInputError) as info:
        native.analyze(huge, "{}", "rgba")
    assert info.value.code == "invalid_input"  # strides (0, 0, 1) are not packed rows


class LyingArray:
    """Claims a big uint8 image in ``__array_interface__`` whose data pointer is made up."""

    def __init__(self, address: int, shape: tuple[int, ...] = (4000, 4000, 3)) -> None:
        self.__array_interface__ = {"version": 3, "shape": shape, "typestr": "|u1", "data": (address, True)}


class SmallBufferArray:
    """Claims a 1000×1000×3 image over a 3-byte ``bytes`` (numpy itself would accept it)."""

    __array_interface__ = {"version": 3, "shape": (1000, 1000, 3), "typestr": "|u1", "data": b"abc"}


class StructOnly:
    __array_struct__ = object()


# Address 8, a kernel-space address and one past a real object: reading any would crash.
BOGUS_ADDRESSES = [8, 0xFFFF_8000_0000_0000, id(object()) + 64]


@pytest.mark.parametrize("address", BOGUS_ADDRESSES, ids=["8", "kernel", "heap"])
def test_array_interface_pointers_are_never_trusted(hostile_engine: ozinstant.Engine, address: int) -> None:
    liar = LyingArray(address)
    native = hostile_engine._engine()
    calls = [
        lambda: hostile_engine.analyze(liar),  # type: ignore[arg-type]
        lambda: hostile_engine.analyze_batch([liar]),  # type: ignore[list-item]
        lambda: hostile_engine.analyze_request([liar]),  # type: ignore[list-item]
        lambda: ozinstant.Frames([liar]),
        lambda: native.analyze(liar, "{}", "rgb"),  # the native module directly: no buffer, no read
        lambda: native.analyze([liar], "{}", "rgb"),  # as a raw frame
        lambda: native.analyze_request([liar], "{}", "rgb"),
    ]
    for call in calls:
        with pytest.raises(ozinstant.InvalidInputError) as info:
            call()
        assert info.value.code == "invalid_input"
        assert "pointer" in str(info.value) or "buffer protocol" in str(info.value)

    async def submit() -> None:
        await hostile_engine.analyze_async(liar)  # type: ignore[arg-type]

    with pytest.raises(ozinstant.InvalidInputError):
        asyncio.run(submit())


def test_array_likes_without_a_trustworthy_buffer(hostile_engine: ozinstant.Engine) -> None:
    for obj in (SmallBufferArray(), StructOnly()):
        with pytest.raises(ozinstant.InvalidInputError) as info:
            hostile_engine.analyze(obj)  # type: ignore[arg-type]
        assert info.value.code == "invalid_input"
        with pytest.raises(ozinstant.InvalidInputError):
            hostile_engine._engine().analyze(obj, "{}", "rgb")

    class NotAnArray:
        def __array__(self, *args: object, **kwargs: object) -> object:
            return [[1, 2, 3]]

    with pytest.raises(TypeError):
        hostile_engine.analyze(NotAnArray())  # type: ignore[arg-type]

    # An honest __array_interface__ over a buffer (what PIL images give) still works, and so does
    # an object exporting the buffer protocol.
    class Honest:
        def __init__(self, a: np.ndarray) -> None:
            self.__array_interface__ = {"version": 3, "shape": a.shape, "typestr": a.dtype.str, "data": a.tobytes()}

    pixels = np.full((48, 64, 3), 90, np.uint8)
    for obj in (Honest(pixels), Honest(pixels[:1, :1])):
        assert hostile_engine.analyze(obj).reason == "NO_FACE"  # type: ignore[arg-type]
    for bad in (np.zeros((4, 4), np.uint8), np.zeros((4, 4, 3), np.float32)):
        with pytest.raises(ozinstant.InvalidInputError):
            hostile_engine.analyze(Honest(bad))  # type: ignore[arg-type]


def test_strided_views_read_through_the_buffer_protocol(hostile_engine: ozinstant.Engine) -> None:
    pytest.importorskip("PIL")
    from PIL import Image, ImageOps

    with Image.open(sample("minivision_live_image_T1.jpg")) as im:
        rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    native = hostile_engine._engine()

    def score(x: object, engine: object = native) -> float:
        if engine is native:
            return ozinstant.MediaResult._from_json(native.analyze(x, "{}", "rgb")).confidence_spoofing
        return hostile_engine.analyze(x).confidence_spoofing  # type: ignore[arg-type]

    ref = score(np.ascontiguousarray(rgb))
    assert ref is not None
    # Padded rows (a crop of a larger image): read in place, through the buffer's row stride.
    padded = np.zeros((rgb.shape[0] + 4, rgb.shape[1] + 8, 3), np.uint8)
    padded[2:-2, 4:-4] = rgb
    view = padded[2:-2, 4:-4]
    assert not view.flags.c_contiguous
    assert score(view) == ref
    # A memoryview of the array exports the same buffer (the public door treats memoryviews as
    # encoded bytes; the native module reads any buffer).
    assert score(memoryview(view)) == ref
    # Every other column (pixel stride 6): the native module refuses it, the public door copies it.
    half = rgb[:, ::2]
    with pytest.raises(ozinstant.InvalidInputError) as info:
        native.analyze(half, "{}", "rgb")
    assert info.value.code == "invalid_input" and "strides" in str(info.value)
    assert score(half, hostile_engine) == score(np.ascontiguousarray(half))
    # Raw frames (a list) take the same path, frame by frame.
    frames = ozinstant.MediaResult._from_json(native.analyze([view, rgb], "{}", "rgb"))
    assert frames.sequence is not None and frames.sequence.sampled == 2
    with pytest.raises(ozinstant.InvalidInputError) as info:
        native.analyze([rgb, half], "{}", "rgb")
    assert "frame 1: " in str(info.value)
    with pytest.raises(TypeError):
        native.analyze([rgb, 5], "{}", "rgb")


def test_over_the_byte_limit_and_the_media_limit(hostile_engine: ozinstant.Engine, tmp_path: Path) -> None:
    assert code_of(hostile_engine, b"\xff\xd8\xff" + b"\0" * MAX_BYTES) == "media_too_large"
    big = tmp_path / "big.jpg"
    with big.open("wb") as f:
        f.truncate(1 << 30)  # sparse: 1 GiB that is never read
    assert code_of(hostile_engine, big) == "media_too_large"
    bomb = png_claiming(100_000, 100_000)
    with pytest.raises(ozinstant.InvalidInputError) as info:
        hostile_engine.analyze_request([bomb] * 11)
    assert info.value.code == "too_many_media"
    r = hostile_engine.analyze_request([bomb] * 9 + [b""])
    assert len(r.media) == 10
    codes = [m.error.code if m.error else None for m in r.media]
    assert codes == ["image_too_large"] * 9 + ["invalid_input"]
    assert all(m.reason == "INPUT_ERROR" for m in r.media)
