"""Input kinds (bytes, paths, numpy arrays) and input errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ozinstant
from ozinstant._engine import _prepare
from conftest import JUNK, LIVE, SPOOF, sample

PIL = pytest.importorskip("PIL")
from PIL import Image, ImageOps  # noqa: E402


def upright_rgb(path: Path) -> np.ndarray:
    """The upright RGB pixels of an image file, decoded by Pillow (EXIF orientation applied)."""
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


# JPEG decoders may round differently; the engine reports scores to 6 decimals.
TOL = 1e-4


@pytest.mark.parametrize("name", [LIVE[0], LIVE[1], SPOOF[0], SPOOF[2]])
def test_bytes_path_and_arrays_give_equal_scores(engine: ozinstant.Engine, name: str) -> None:
    path = sample(name)
    data = path.read_bytes()
    rgb = upright_rgb(path)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    by_path = engine.analyze(path)
    results = {
        "str path": engine.analyze(str(path)),
        "bytes": engine.analyze(data),
        "bytearray": engine.analyze(bytearray(data)),
        "memoryview": engine.analyze(memoryview(data)),
        "rgb array": engine.analyze(rgb),
        "bgr array": engine.analyze(bgr, color_order="bgr"),
        "rgba array": engine.analyze(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])),
        "bgra array": engine.analyze(np.dstack([bgr, np.zeros(rgb.shape[:2], np.uint8)]), color_order="bgr"),
        "PIL image": engine.analyze(Image.fromarray(rgb)),
    }
    assert by_path.confidence_spoofing is not None
    for kind, r in results.items():
        assert r.resolution == by_path.resolution, kind
        assert r.confidence_spoofing == pytest.approx(by_path.confidence_spoofing, abs=TOL), kind
        assert r.faces[0].box == by_path.faces[0].box, kind
    assert results["bytes"].source is None and by_path.source == str(path)
    assert results["rgb array"].image.format == "raw_rgb8"
    assert results["bgr array"].image.format == "raw_bgr8"
    assert results["bgra array"].image.format == "raw_bgra8"


def test_arrays_are_read_in_place(engine: ozinstant.Engine, live_path: Path) -> None:
    rgb = upright_rgb(live_path).copy()
    before = rgb.copy()
    # The Python layer hands C-contiguous arrays and row-strided views to the native side as is
    # (no copy); the native side borrows their buffer while the GIL is released.
    assert _prepare(rgb) is rgb
    padded = np.zeros((rgb.shape[0] + 6, rgb.shape[1] + 10, 3), np.uint8)
    padded[3:-3, 5:-5] = rgb
    view = padded[3:-3, 5:-5]
    assert not view.flags.c_contiguous and _prepare(view) is view
    r = engine.analyze(rgb)
    assert r.image.encoded_bytes == rgb.nbytes
    assert engine.analyze(view).confidence_spoofing == r.confidence_spoofing
    assert np.array_equal(rgb, before)  # nothing was written


def test_non_contiguous_arrays_equal_their_contiguous_copy(engine: ozinstant.Engine, live_path: Path) -> None:
    rgb = upright_rgb(live_path)
    ref = engine.analyze(np.ascontiguousarray(rgb))
    bgr_view = rgb[:, :, ::-1]  # negative channel stride: copied by the Python layer
    assert not bgr_view.flags.c_contiguous
    assert engine.analyze(bgr_view, color_order="bgr").confidence_spoofing == ref.confidence_spoofing
    fortran = np.asfortranarray(rgb)
    assert engine.analyze(fortran).confidence_spoofing == ref.confidence_spoofing
    crop = rgb[::2, ::2]  # every other pixel: a different image, compare with its own copy
    assert engine.analyze(crop).to_dict()["faces"] == engine.analyze(np.ascontiguousarray(crop)).to_dict()["faces"]


def test_bad_bytes_raise_invalid_input(engine: ozinstant.Engine) -> None:
    with pytest.raises(ozinstant.InvalidInputError) as info:
        engine.analyze(JUNK)
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, ozinstant.OzInstantError)
    assert err.code == "unsupported_format"
    assert err.number == 2
    assert "unsupported" in str(err)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (b"", "invalid_input"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "decode_failed"),
        (np.zeros((10, 10), np.uint8), "invalid_input"),
        (np.zeros((10, 10, 3), np.float32), "invalid_input"),
        (np.zeros((10, 10, 2), np.uint8), "invalid_input"),
        (np.zeros((0, 10, 3), np.uint8), "invalid_input"),
    ],
    ids=["empty", "truncated-jpeg", "2d-array", "float-array", "2-channels", "empty-array"],
)
def test_invalid_inputs(engine: ozinstant.Engine, value: object, code: str) -> None:
    with pytest.raises(ozinstant.InvalidInputError) as info:
        engine.analyze(value)  # type: ignore[arg-type]
    assert info.value.code == code


def test_bad_options_raise_invalid_input(engine: ozinstant.Engine, live_path: Path) -> None:
    with pytest.raises(ozinstant.InvalidInputError):
        engine.analyze(live_path, threshold=1.5)
    with pytest.raises(ozinstant.InvalidInputError):
        engine.analyze(live_path, request_id="has spaces")
    with pytest.raises(ozinstant.InvalidInputError):
        engine.analyze(live_path, face_policy="all")  # type: ignore[arg-type]
    rgb = upright_rgb(live_path)
    with pytest.raises(ozinstant.InvalidInputError):
        engine.analyze(rgb, color_order="yuv")  # type: ignore[arg-type]
    with pytest.raises(ozinstant.InvalidInputError):
        engine.analyze(rgb, color_order="rgba")  # 3 channels


def test_unsupported_type_raises_type_error(engine: ozinstant.Engine) -> None:
    with pytest.raises(TypeError):
        engine.analyze(12345)  # type: ignore[arg-type]


def test_missing_file_raises_io_error(engine: ozinstant.Engine, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jpg"
    with pytest.raises(ozinstant.IoError) as info:
        engine.analyze(missing)
    err = info.value
    assert isinstance(err, OSError) and isinstance(err, ozinstant.OzInstantError)
    assert err.code == "io_error" and err.number == 12
    assert str(missing) in str(err)
    with pytest.raises(ozinstant.IoError):
        engine.analyze(tmp_path)  # a directory
