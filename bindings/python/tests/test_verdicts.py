"""Verdicts on the repository samples, and the shape of results."""

from __future__ import annotations

import json
import pickle

import pytest

import ozinstant
from conftest import GROUP, LIVE, SPOOF, sample


@pytest.mark.parametrize("name", LIVE)
def test_live_samples_succeed(engine: ozinstant.Engine, name: str) -> None:
    r = engine.analyze(sample(name))
    assert r.resolution == "SUCCESS", r
    assert r.reason is None
    assert r.confidence_spoofing is not None and r.confidence_spoofing < r.threshold


@pytest.mark.parametrize("name", SPOOF)
def test_spoof_samples_are_declined(engine: ozinstant.Engine, name: str) -> None:
    r = engine.analyze(sample(name))
    assert r.resolution == "DECLINED", r
    assert r.confidence_spoofing is not None and r.confidence_spoofing >= r.threshold


def test_group_photo_fails_with_multiple_faces(engine: ozinstant.Engine) -> None:
    r = engine.analyze(sample(GROUP))
    assert r.resolution == "FAILED"
    assert r.reason == "MULTIPLE_FACES"
    assert r.confidence_spoofing is None
    assert len(r.faces) >= 2


def test_face_policy_largest_analyses_the_group_photo(engine: ozinstant.Engine) -> None:
    r = engine.analyze(sample(GROUP), face_policy="largest")
    assert r.reason != "MULTIPLE_FACES"
    assert r.confidence_spoofing is not None


def test_threshold_option_moves_the_verdict(engine: ozinstant.Engine) -> None:
    name = "minivision_spoof_replay_image_F2.jpg"
    declined = engine.analyze(sample(name))
    assert declined.resolution == "DECLINED"
    assert declined.confidence_spoofing is not None
    lenient = engine.analyze(sample(name), threshold=min(1.0, declined.confidence_spoofing + 0.05))
    assert lenient.resolution == "SUCCESS"
    assert lenient.confidence_spoofing == declined.confidence_spoofing


def test_result_attributes(engine: ozinstant.Engine, live_path) -> None:
    r = engine.analyze(live_path)
    assert isinstance(r, ozinstant.MediaResult)
    assert r.source == str(live_path)
    assert r.media_index == 0
    assert r.analysis == "liveness"
    assert r.threshold == 0.5
    assert r.error is None
    face = r.faces[0]
    assert isinstance(face, ozinstant.Face)
    assert face.analysed and face.detector in ("retinaface", "mtcnn")
    x, y, w, h = face.box
    assert face.box.width == w > 0 and face.box.height == h > 0 and x >= 0 and y >= 0
    assert 0.0 <= face.score <= 1.0
    assert face.landmarks is not None and len(face.landmarks) == 5
    assert r.quality is not None and r.quality.passed and r.quality.enforced
    assert {c.name for c in r.quality.checks} >= {"face_size", "sharpness"}
    # The default liveness set: the MiniFASNet pair and Suri, two opinions fused by their mean.
    assert r.liveness is not None and r.liveness.fusion == "mean"
    assert [(m.model, m.opinion) for m in r.liveness.models] == [
        ("minifasnet_v2", "minifasnet"),
        ("minifasnet_v1se", "minifasnet"),
        ("suri_minifasv2se", "suri"),
    ]
    assert [o.opinion for o in r.liveness.opinions] == ["minifasnet", "suri"]
    assert r.liveness.p_real == pytest.approx(1 - r.confidence_spoofing, abs=1e-5)
    assert r.security_level is None and r.review_band is None
    assert r.image is not None
    assert (r.image.format, r.image.width, r.image.height) == ("png", 512, 512)
    assert r.timings.total_ms > 0


def test_to_dict_equals_the_engine_json(engine: ozinstant.Engine) -> None:
    for name in (LIVE[0], SPOOF[0], GROUP):
        r = engine.analyze(sample(name))
        assert r.to_dict() == json.loads(r.to_json())
        assert r.faces[0].to_dict() == json.loads(r.to_json())["faces"][0]
    req = engine.analyze_request([sample(LIVE[0]), sample(GROUP)])
    assert req.to_dict() == json.loads(req.to_json())
    assert [m.to_dict() for m in req.media] == json.loads(req.to_json())["media"]


def test_results_are_read_only_and_picklable(engine: ozinstant.Engine, live_path) -> None:
    r = engine.analyze(live_path)
    with pytest.raises(AttributeError):
        r.resolution = "DECLINED"  # type: ignore[misc]
    d = r.to_dict()
    d["resolution"] = "DECLINED"
    assert r.resolution == "SUCCESS"  # to_dict returns a copy
    again = pickle.loads(pickle.dumps(r))
    assert again == r and again.to_json() == r.to_json()
