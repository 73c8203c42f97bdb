"""The decision settings (security levels, review bands and OPERATOR_REQUIRED) and the liveness
models (the default set of two opinions, the fast profile, the fusion rule)."""

from __future__ import annotations

import asyncio
import pickle
from statistics import mean
from typing import Any, Dict

import pytest

import ozinstant
from conftest import GROUP, LIVE, SPOOF, sample

SCORED = LIVE + SPOOF  # every sample with one face: each gets a score
LEVELS = ("low", "medium", "high")
EVERY_SCORE = (0.0, 1.0)


@pytest.fixture(scope="module")
def scores(engine: ozinstant.Engine) -> Dict[str, float]:
    """Each scored sample's confidence_spoofing on the default engine."""
    out = {}
    for name in SCORED:
        r = engine.analyze(sample(name))
        assert r.confidence_spoofing is not None, name
        out[name] = r.confidence_spoofing
    return out


# -- review band: OPERATOR_REQUIRED -------------------------------------------------------------


def test_review_band_per_call_gives_operator_required(engine: ozinstant.Engine, scores: Dict[str, float]) -> None:
    for name in (LIVE[0], SPOOF[0]):
        r = engine.analyze(sample(name), review_band=EVERY_SCORE)
        assert r.resolution == "OPERATOR_REQUIRED", r
        assert r.reason is None
        assert r.confidence_spoofing == scores[name]  # the band changes the verdict, not the score
        assert r.review_band == (0.0, 1.0)
        assert r.to_dict()["review_band"] == [0.0, 1.0]
        assert r.threshold == 0.5 and r.security_level is None
        assert r.liveness is not None and r.faces[0].analysed
    plain = engine.analyze(sample(LIVE[0]))
    assert plain.resolution == "SUCCESS"
    assert plain.review_band is None and "review_band" not in plain.to_dict()
    assert plain.security_level is None and "security_level" not in plain.to_dict()


def test_review_band_is_inclusive_and_only_its_scores_need_review(
    engine: ozinstant.Engine, scores: Dict[str, float]
) -> None:
    live, spoof = LIVE[0], SPOOF[0]
    for name, plain in ((live, "SUCCESS"), (spoof, "DECLINED")):
        s = scores[name]
        assert engine.analyze(sample(name), review_band=(s, s)).resolution == "OPERATOR_REQUIRED", name
        if s > 1e-3:
            assert engine.analyze(sample(name), review_band=(0.0, s - 1e-3)).resolution == plain, name
        if s < 1 - 1e-3:
            assert engine.analyze(sample(name), review_band=(s + 1e-3, 1.0)).resolution == plain, name
    # A list, a tuple or numpy numbers all work.
    np = pytest.importorskip("numpy")
    r = engine.analyze(sample(live), review_band=[np.float32(0.0), np.float64(1.0)])
    assert r.resolution == "OPERATOR_REQUIRED" and r.review_band == (0.0, 1.0)


def test_review_band_in_every_call_kind(engine: ozinstant.Engine) -> None:
    names = [LIVE[0], SPOOF[0]]
    batch = engine.analyze_batch([sample(n) for n in names], review_band=EVERY_SCORE)
    assert [r.resolution for r in batch] == ["OPERATOR_REQUIRED"] * 2
    req = engine.analyze_request([sample(LIVE[0]), sample(LIVE[1])], review_band=EVERY_SCORE)
    assert req.resolution == "OPERATOR_REQUIRED"
    assert [m.resolution for m in req.media] == ["OPERATOR_REQUIRED"] * 2
    assert all(m.review_band == (0.0, 1.0) for m in req.media)

    async def both() -> tuple:
        one = await engine.analyze_async(sample(SPOOF[0]), review_band=EVERY_SCORE, security_level="high")
        folder = await engine.analyze_request_async([sample(LIVE[0])], review_band=EVERY_SCORE)
        return one, folder

    one, folder = asyncio.run(both())
    assert one.resolution == "OPERATOR_REQUIRED" and one.security_level == "high"
    assert folder.resolution == "OPERATOR_REQUIRED"


def test_request_resolution_order(engine: ozinstant.Engine, scores: Dict[str, float]) -> None:
    """DECLINED > FAILED > OPERATOR_REQUIRED > SUCCESS."""
    live, spoof = LIVE[0], SPOOF[0]
    s = scores[live]
    assert s < scores[spoof]
    band = (s, s)  # holds the live sample's score, not the attack's
    req = engine.analyze_request([sample(live), sample(LIVE[1])], review_band=band)
    assert [m.resolution for m in req.media][0] == "OPERATOR_REQUIRED"
    assert req.resolution == "OPERATOR_REQUIRED"
    req = engine.analyze_request([sample(live), sample(GROUP)], review_band=band)
    assert [m.resolution for m in req.media] == ["OPERATOR_REQUIRED", "FAILED"]
    assert req.resolution == "FAILED"
    req = engine.analyze_request([sample(live), sample(spoof), sample(GROUP)], review_band=band)
    assert [m.resolution for m in req.media] == ["OPERATOR_REQUIRED", "DECLINED", "FAILED"]
    assert req.resolution == "DECLINED"


def test_review_band_in_the_engine_config() -> None:
    e = ozinstant.Engine(threads=1, review_band=(0, 1))
    assert e.config["review_band"] == [0.0, 1.0]
    r = e.analyze(sample(LIVE[0]))
    assert r.resolution == "OPERATOR_REQUIRED" and r.review_band == (0.0, 1.0)
    # A call's band replaces the engine's.
    spoof = e.analyze(sample(SPOOF[0]), review_band=(0.0, 0.0))
    assert spoof.review_band == (0.0, 0.0)
    assert spoof.confidence_spoofing is not None
    if spoof.confidence_spoofing > 0.0:
        assert spoof.resolution == "DECLINED"
    # The band judges scores: face failures stay FAILED.
    group = e.analyze(sample(GROUP))
    assert (group.resolution, group.reason) == ("FAILED", "MULTIPLE_FACES")
    assert group.review_band == (0.0, 1.0)  # reported with every result
    req = e.analyze_request([sample(LIVE[1])])
    assert req.resolution == "OPERATOR_REQUIRED"
    m = e.stats()["media"]
    expected_reviews = 2 + (1 if spoof.resolution == "OPERATOR_REQUIRED" else 0)
    assert m["operator_required"] == expected_reviews
    assert m["total"] == 4 and m["failed"] == 1
    assert m["success"] + m["declined"] + m["operator_required"] + m["failed"] == m["total"]
    # The band survives pickling (engines pickle by configuration).
    clone = pickle.loads(pickle.dumps(e))
    assert clone.config == e.config
    assert clone.analyze(sample(LIVE[0])).resolution == "OPERATOR_REQUIRED"


def test_stats_count_operator_required_apart() -> None:
    e = ozinstant.Engine(threads=1)
    e.analyze(sample(LIVE[0]))
    e.analyze(sample(LIVE[0]), review_band=EVERY_SCORE)
    m = e.stats()["media"]
    assert (m["total"], m["success"], m["operator_required"], m["declined"], m["failed"]) == (2, 1, 1, 0, 0)


# -- security levels ----------------------------------------------------------------------------


def test_security_levels_are_ordered_and_reported(engine: ozinstant.Engine, scores: Dict[str, float]) -> None:
    thresholds: Dict[str, float] = {}
    declined: Dict[str, set] = {}
    for level in LEVELS:
        results = [engine.analyze(sample(n), security_level=level) for n in SCORED]
        thresholds[level] = results[0].threshold
        declined[level] = set()
        for name, r in zip(SCORED, results):
            assert r.security_level == level and r.to_dict()["security_level"] == level, name
            assert r.threshold == thresholds[level], name
            assert r.confidence_spoofing == scores[name], name  # a level moves the threshold only
            assert r.resolution == ("DECLINED" if r.confidence_spoofing >= r.threshold else "SUCCESS"), name
            if r.resolution == "DECLINED":
                declined[level].add(name)
    # A higher level has a lower threshold and declines at least what a lower one declines.
    assert 0.0 < thresholds["high"] < thresholds["medium"] < thresholds["low"] < 1.0, thresholds
    assert declined["low"] <= declined["medium"] <= declined["high"], declined


def test_explicit_threshold_beats_a_level(engine: ozinstant.Engine, scores: Dict[str, float]) -> None:
    name = SPOOF[0]
    lenient = min(1.0, scores[name] + 0.01)
    r = engine.analyze(sample(name), security_level="high", threshold=lenient)
    assert r.threshold == lenient and r.security_level is None
    assert r.resolution == "SUCCESS"
    req = engine.analyze_request([sample(name)], security_level="high", threshold=lenient)
    assert req.media[0].threshold == lenient and req.resolution == "SUCCESS"


def test_security_level_in_the_engine_config(engine: ozinstant.Engine) -> None:
    high = engine.analyze(sample(LIVE[0]), security_level="high").threshold
    low = engine.analyze(sample(LIVE[0]), security_level="low").threshold
    e = ozinstant.Engine(threads=1, security_level="high")
    assert e.config["security_level"] == "high" and e.config["threshold"] is None
    r = e.analyze(sample(LIVE[0]))
    assert (r.security_level, r.threshold) == ("high", high)
    # A call's threshold and a call's level both beat the engine's level.
    r = e.analyze(sample(LIVE[0]), threshold=0.9)
    assert (r.security_level, r.threshold) == (None, 0.9)
    r = e.analyze(sample(LIVE[0]), security_level="low")
    assert (r.security_level, r.threshold) == ("low", low)
    # An explicit engine threshold beats the engine's level, and loses to a call's level.
    both = ozinstant.Engine(threads=1, security_level="high", threshold=0.55)
    r = both.analyze(sample(LIVE[0]))
    assert (r.security_level, r.threshold) == (None, 0.55)
    r = both.analyze(sample(LIVE[0]), security_level="low")
    assert (r.security_level, r.threshold) == ("low", low)


# -- bad values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        {"security_level": "extreme"},
        {"security_level": "HIGH"},
        {"review_band": (0.7, 0.2)},
        {"review_band": (-0.1, 0.5)},
        {"review_band": (0.2, 1.5)},
        {"review_band": [0.5]},
        {"liveness": {"models": []}},
        {"liveness": {"models": ["suri", "suri"]}},
        {"liveness": {"models": ["deepfake"]}},
        {"liveness": {"fusion": "median"}},
        {"liveness": {"model": ["suri"]}},
    ],
    ids=[
        "unknown-level",
        "level-case",
        "reversed-band",
        "negative-band",
        "band-over-one",
        "one-bound",
        "no-models",
        "twice",
        "unknown-opinion",
        "unknown-fusion",
        "unknown-liveness-key",
    ],
)
def test_bad_decision_config_raises_config_error(config: Dict[str, Any]) -> None:
    with pytest.raises(ozinstant.ConfigError) as info:
        ozinstant.Engine(**config)
    err = info.value
    assert isinstance(err, ValueError) and err.code == "invalid_config" and err.number == 11
    assert str(err)


def test_bad_config_messages_name_the_problem() -> None:
    with pytest.raises(ozinstant.ConfigError, match="extreme"):
        ozinstant.Engine(security_level="extreme")
    with pytest.raises(ozinstant.ConfigError, match="review_band"):
        ozinstant.Engine(review_band=(0.7, 0.2))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"security_level": "extreme"},
        {"review_band": (0.7, 0.2)},
        {"review_band": (0.2, 1.01)},
        {"review_band": (0.5,)},
        {"review_band": (0.1, 0.2, 0.3)},
    ],
    ids=["unknown-level", "reversed-band", "band-over-one", "one-bound", "three-bounds"],
)
def test_bad_decision_options_raise_invalid_input(engine: ozinstant.Engine, kwargs: Dict[str, Any]) -> None:
    path = sample(LIVE[0])
    calls = [
        lambda: engine.analyze(path, **kwargs),
        lambda: engine.analyze_batch([path], **kwargs),
        lambda: engine.analyze_request([path], **kwargs),
        lambda: asyncio.run(engine.analyze_async(path, **kwargs)),
        lambda: asyncio.run(engine.analyze_request_async([path], **kwargs)),
    ]
    for call in calls:
        with pytest.raises(ozinstant.InvalidInputError) as info:
            call()
        assert isinstance(info.value, ValueError)
        assert info.value.code == "invalid_input" and info.value.number == 1


def test_bad_option_messages_name_the_problem(engine: ozinstant.Engine) -> None:
    with pytest.raises(ozinstant.InvalidInputError, match="extreme"):
        engine.analyze(sample(LIVE[0]), security_level="extreme")  # type: ignore[arg-type]
    with pytest.raises(ozinstant.InvalidInputError, match="review_band"):
        engine.analyze(sample(LIVE[0]), review_band=(0.7, 0.2))


def test_review_band_must_be_a_pair(engine: ozinstant.Engine) -> None:
    for bad in ("0.4,0.6", 0.5):
        with pytest.raises(TypeError, match="review_band"):
            engine.analyze(sample(LIVE[0]), review_band=bad)  # type: ignore[arg-type]


# -- liveness models ----------------------------------------------------------------------------


def test_default_liveness_runs_two_opinions_of_three_models(engine: ozinstant.Engine) -> None:
    r = engine.analyze(sample(LIVE[0]))
    lv = r.liveness
    assert lv is not None and lv.fusion == "mean"
    assert [m.model for m in lv.models] == ["minifasnet_v2", "minifasnet_v1se", "suri_minifasv2se"]
    assert [m.opinion for m in lv.models] == ["minifasnet", "minifasnet", "suri"]
    assert all(isinstance(m, ozinstant.ModelScore) and 0.0 <= m.p_real <= 1.0 for m in lv.models)
    assert all(isinstance(c, int) for m in lv.models for c in m.crop)
    assert [o.opinion for o in lv.opinions] == ["minifasnet", "suri"]
    assert all(isinstance(o, ozinstant.OpinionScore) for o in lv.opinions)
    assert lv.opinions[0].models == ["minifasnet_v2", "minifasnet_v1se"]
    assert lv.opinions[1].models == ["suri_minifasv2se"]
    # Each opinion is the mean of its models; "mean" fusion averages the opinions.
    assert lv.opinions[0].p_real == pytest.approx(mean(m.p_real for m in lv.models[:2]), abs=2e-6)
    assert lv.opinions[1].p_real == pytest.approx(lv.models[2].p_real, abs=2e-6)
    assert lv.p_real == pytest.approx(mean(o.p_real for o in lv.opinions), abs=2e-6)
    assert r.confidence_spoofing == pytest.approx(1 - lv.p_real, abs=2e-6)
    ids = [m["id"] for m in ozinstant.Engine(threads=1).models]
    assert "suri_minifasv2se" in ids and len(ids) == 7, ids


def test_fast_profile_runs_minifasnet_alone(engine: ozinstant.Engine) -> None:
    fast = ozinstant.Engine(threads=1, liveness={"models": ["minifasnet"]})
    assert fast.config["liveness"] == {"models": ["minifasnet"], "fusion": "mean"}
    ids = [m["id"] for m in fast.models]
    assert "suri_minifasv2se" not in ids and {"minifasnet_v2", "minifasnet_v1se"} <= set(ids) and len(ids) == 6
    for name in (LIVE[0], SPOOF[0]):
        r = fast.analyze(sample(name))
        lv = r.liveness
        assert lv is not None
        assert [m.model for m in lv.models] == ["minifasnet_v2", "minifasnet_v1se"]
        assert [(o.opinion, o.models) for o in lv.opinions] == [("minifasnet", ["minifasnet_v2", "minifasnet_v1se"])]
        assert lv.p_real == pytest.approx(lv.opinions[0].p_real, abs=2e-6)
        # The MiniFASNet models score the same face the same way in both engines.
        full = engine.analyze(sample(name)).liveness
        assert full is not None
        assert [m.to_dict() for m in lv.models] == [m.to_dict() for m in full.models[:2]]
        assert lv.opinions[0] == full.opinions[0]
    assert fast.analyze(sample(LIVE[0])).resolution == "SUCCESS"
    assert fast.analyze(sample(SPOOF[0])).resolution == "DECLINED"


def test_suri_alone_and_max_fusion(engine: ozinstant.Engine) -> None:
    suri = ozinstant.Engine(threads=1, liveness={"models": ["suri"]})
    assert [m["id"] for m in suri.models if m["id"].startswith(("minifasnet", "suri"))] == ["suri_minifasv2se"]
    lv = suri.analyze(sample(LIVE[0])).liveness
    assert lv is not None
    assert [m.model for m in lv.models] == ["suri_minifasv2se"]
    assert [o.opinion for o in lv.opinions] == ["suri"]

    strict = ozinstant.Engine(threads=1, liveness={"fusion": "max"})
    assert strict.config["liveness"] == {"models": ["minifasnet", "suri"], "fusion": "max"}
    for name in (LIVE[0], SPOOF[0]):
        r = strict.analyze(sample(name))
        mean_r = engine.analyze(sample(name))
        assert r.liveness is not None and mean_r.liveness is not None
        assert r.liveness.fusion == "max" and mean_r.liveness.fusion == "mean"
        # max of the opinions' p_attack: the least confident opinion decides.
        assert r.confidence_spoofing == pytest.approx(max(1 - o.p_real for o in r.liveness.opinions), abs=2e-6)
        assert r.liveness.opinions == mean_r.liveness.opinions
        assert r.confidence_spoofing is not None and mean_r.confidence_spoofing is not None
        assert r.confidence_spoofing >= mean_r.confidence_spoofing - 1e-6
