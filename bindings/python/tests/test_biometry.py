"""Biometry through the Python door: same person matches, different people do not, the least
similar pair of a folder is reported, tags and embeddings."""

import asyncio

import pytest

import ozinstant
from conftest import sample

OBAMA, OBAMA2, BIDEN = (
    str(sample("facerec_live_obama.jpg")),
    str(sample("facerec_live_obama2.jpg")),
    str(sample("facerec_live_biden.jpg")),
)
BOTH = ["quality", "biometry"]


def test_same_person_matches(engine: ozinstant.Engine) -> None:
    r = engine.analyze_request([OBAMA, OBAMA2], analyses=BOTH)
    b = r.biometry
    assert isinstance(b, ozinstant.Biometry)
    assert b.resolution == "SUCCESS"
    assert b.min_similarity is not None and b.min_similarity >= b.threshold
    assert r.resolution == "SUCCESS"
    assert all(m.embedding is None for m in b.media)


def test_different_people_do_not_match(engine: ozinstant.Engine) -> None:
    r = engine.analyze_request([OBAMA, BIDEN], analyses=BOTH)
    assert r.biometry is not None and r.biometry.resolution == "DECLINED"
    assert r.resolution == "DECLINED"


def test_folder_reports_least_similar_pair(engine: ozinstant.Engine) -> None:
    b = engine.analyze_request([OBAMA, OBAMA2, BIDEN], analyses=BOTH).biometry
    assert b is not None
    assert [(p.a, p.b) for p in b.pairs] == [(0, 1), (0, 2), (1, 2)]
    least = b.least_similar
    assert isinstance(least, ozinstant.PairSimilarity)
    assert least.similarity == min(p.similarity for p in b.pairs) == b.min_similarity
    assert least.b == 2


def test_tags_threshold_and_embeddings(engine: ozinstant.Engine) -> None:
    r = engine.analyze_request(
        [OBAMA, OBAMA2],
        analyses=BOTH,
        tags=["photo_selfie", "photo_id_front"],
        biometry_threshold=0.99,
        return_embeddings=True,
    )
    assert r.media[1].tag == "photo_id_front" and r.media[1].analysis == "detection"
    assert r.media[1].confidence_spoofing is None
    b = r.biometry
    assert b is not None and b.threshold == 0.99 and b.resolution == "DECLINED"
    emb = b.media[0].embedding
    assert emb is not None and len(emb) == 192
    # Liveness passed on the selfie and did not run on the document photo.
    assert [m.liveness_passed for m in b.media] == [True, None]
    with pytest.raises(ozinstant.InvalidInputError):
        engine.analyze_request([OBAMA, OBAMA2], tags=["passport", None])
    with pytest.raises(ozinstant.InvalidInputError):
        engine.analyze_request([OBAMA, OBAMA2], tags=["photo_selfie"])
    with pytest.raises(ozinstant.InvalidInputError):
        engine.analyze_request([OBAMA, OBAMA2], analyses=BOTH, biometry_threshold=2.0)
    # No biometry unless asked.
    assert engine.analyze_request([OBAMA, OBAMA2]).biometry is None


def test_async_request_with_biometry(engine: ozinstant.Engine) -> None:
    r = asyncio.run(engine.analyze_request_async([OBAMA, BIDEN], analyses=BOTH, tags=[None, "photo_selfie"]))
    assert r.biometry is not None and r.biometry.resolution == "DECLINED"
    assert r.media[1].tag == "photo_selfie"
