"""Shared fixtures. Samples come from the repository's samples/ folder (or $OZINSTANT_SAMPLES)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ozinstant

REPO = Path(__file__).resolve().parents[3]
SAMPLES = Path(os.environ.get("OZINSTANT_SAMPLES", REPO / "samples"))

LIVE = [
    "minivision_live_image_T1.jpg",
    "skimage_live_astronaut.png",
    "facerec_live_biden.jpg",
    "facerec_live_obama.jpg",
    "facerec_live_obama2.jpg",
]
SPOOF = [
    "minivision_spoof_print_image_F1.jpg",
    "minivision_spoof_replay_image_F2.jpg",
    "hyperfas_spoof_replay_fake_screen.png",
]
GROUP = "group_three_faces.jpg"
# Not an image in any supported format.
JUNK = b"this is not an image, just some bytes" * 4


def sample(name: str) -> Path:
    return SAMPLES / name


@pytest.fixture(scope="session")
def engine() -> ozinstant.Engine:
    return ozinstant.Engine(threads=2)


@pytest.fixture(scope="session")
def live_path() -> Path:
    return sample("skimage_live_astronaut.png")
