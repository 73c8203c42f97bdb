"""Configuration, introspection, request ids, requests/batches, errors and pickling."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import ozinstant
from conftest import GROUP, JUNK, LIVE, REPO, SPOOF, sample


def test_import_sets_telemetry_off_and_does_not_import_onnxruntime() -> None:
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
    assert "onnxruntime" not in sys.modules
    assert ozinstant.__version__
    assert (2, "unsupported_format") in ozinstant.ERROR_CODES


def test_runtime_comes_from_the_onnxruntime_wheel(engine: ozinstant.Engine) -> None:
    rt = engine.runtime
    assert set(rt) == {"library_path", "found_by"}
    if os.environ.get("ORT_DYLIB_PATH"):
        pytest.skip("ORT_DYLIB_PATH is set: the runtime comes from there")
    assert rt["found_by"] == "config"
    assert Path(rt["library_path"]).name.startswith("libonnxruntime.so")
    assert Path(rt["library_path"]).parent == Path(ozinstant.find_onnxruntime_library() or "").parent
    assert "onnxruntime" not in sys.modules  # located, never imported


def test_ready_warm_up_models_and_config(engine: ozinstant.Engine) -> None:
    assert engine.ready() is True
    engine.warm_up()
    models = engine.models
    # Loaded at start: the detector, the three liveness models and MTCNN (MobileFaceNet, for
    # biometry, loads on first use).
    assert [m["id"] for m in models][:4] == ["retinaface", "minifasnet_v2", "minifasnet_v1se", "suri_minifasv2se"]
    assert {m["id"] for m in models} >= {"mtcnn_pnet", "mtcnn_rnet", "mtcnn_onet"}
    assert all(len(m["sha256"]) == 64 and m["source"] == "embedded" for m in models)
    cfg = engine.config
    # No threshold and no level configured: calls use 0.5 (tests/test_verdicts.py).
    assert cfg["threads"] == 2 and cfg["threshold"] is None
    assert cfg["security_level"] is None and cfg["review_band"] is None
    assert cfg["liveness"] == {"models": ["minifasnet", "suri"], "fusion": "mean"}
    assert cfg["limits"]["max_media_per_request"] == 10
    assert "Engine" in repr(engine)


def test_nested_config_is_passed_to_the_core() -> None:
    e = ozinstant.Engine(threads=1, threshold=0.7, limits={"max_media_per_request": 2})
    assert e.config["threshold"] == 0.7
    assert e.config["limits"]["max_media_per_request"] == 2
    assert e.config["limits"]["max_bytes_per_media"] == 10 * 1024 * 1024  # defaults kept
    assert e.analyze(sample(LIVE[0])).threshold == 0.7
    with pytest.raises(ozinstant.InvalidInputError) as info:
        e.analyze_request([sample(LIVE[0])] * 3)
    assert info.value.code == "too_many_media"


@pytest.mark.parametrize(
    "config",
    [{"treshold": 0.5}, {"limits": {"max_media": 3}}, {"threshold": 1.5}, {"threads": "two"}, {"intra_op_threads": 0}],
    ids=["unknown-key", "unknown-nested-key", "out-of-range", "wrong-type", "zero-intra-op"],
)
def test_bad_config_raises_config_error(config: dict) -> None:
    with pytest.raises(ozinstant.ConfigError) as info:
        ozinstant.Engine(**config)
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, ozinstant.OzInstantError)
    assert err.code == "invalid_config" and err.number == 11


def test_missing_runtime_raises_runtime_not_found(tmp_path: Path) -> None:
    # A fresh interpreter: a process loads ONNX Runtime once and keeps it.
    code = (
        "import ozinstant\n"
        "try:\n"
        "    ozinstant.Engine(ort_library_path='/nonexistent/libonnxruntime.so')\n"
        "except ozinstant.RuntimeNotFoundError as e:\n"
        "    print(e.code, e.number)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.stdout.strip() == "runtime_not_found 8", out.stderr


def test_exception_hierarchy() -> None:
    base = ozinstant.OzInstantError
    for cls in (
        ozinstant.InvalidInputError,
        ozinstant.BusyError,
        ozinstant.RuntimeNotFoundError,
        ozinstant.ModelError,
        ozinstant.ConfigError,
        ozinstant.IoError,
        ozinstant.EngineError,
    ):
        assert issubclass(cls, base)
    assert issubclass(ozinstant.InvalidInputError, ValueError)
    assert issubclass(ozinstant.ConfigError, ValueError)
    assert issubclass(ozinstant.IoError, OSError)
    assert issubclass(ozinstant.EngineError, RuntimeError)
    assert not issubclass(ozinstant.BusyError, ValueError)
    assert issubclass(ozinstant.ForkedError, ozinstant.EngineError)
    assert (ozinstant.ForkedError.code, ozinstant.ForkedError.number) == ("forked", 16)
    assert (16, "forked") in ozinstant.ERROR_CODES


def test_exceptions_pickle_with_their_codes(engine: ozinstant.Engine, tmp_path: Path) -> None:
    for bad in (JUNK, tmp_path / "missing.png"):
        with pytest.raises(ozinstant.OzInstantError) as info:
            engine.analyze(bad)
        again = pickle.loads(pickle.dumps(info.value))
        assert type(again) is type(info.value)
        assert (again.code, again.number, str(again)) == (info.value.code, info.value.number, str(info.value))


def test_request_ids(engine: ozinstant.Engine) -> None:
    given = engine.analyze(sample(LIVE[0]), request_id="req-42")
    assert given.request_id == "req-42"
    generated = engine.analyze(sample(LIVE[0]))
    assert uuid.UUID(generated.request_id).version == 4
    assert str(uuid.UUID(generated.request_id)) == generated.request_id
    req = engine.analyze_request([sample(LIVE[0]), sample(LIVE[1])], request_id="folder-7")
    assert req.request_id == "folder-7"
    assert [m.request_id for m in req.media] == ["folder-7", "folder-7"]
    batch = engine.analyze_batch([sample(LIVE[0]), sample(LIVE[1])])
    ids = [r.request_id for r in batch]
    assert len(set(ids)) == 2 and all(uuid.UUID(i).version == 4 for i in ids)


def test_analyze_request_with_junk_media(engine: ozinstant.Engine) -> None:
    req = engine.analyze_request([sample(LIVE[0]), JUNK, sample(SPOOF[0]).read_bytes()])
    assert isinstance(req, ozinstant.RequestResult)
    assert [m.media_index for m in req.media] == [0, 1, 2]
    live, junk, spoof = req.media
    assert live.resolution == "SUCCESS" and live.source == str(sample(LIVE[0]))
    assert junk.resolution == "FAILED" and junk.reason == "INPUT_ERROR"
    assert junk.error is not None and junk.error.code == "unsupported_format" and junk.error.number == 2
    assert spoof.resolution == "DECLINED"
    assert req.resolution == "DECLINED"
    assert req.models == engine.models
    assert req.engine_version == ozinstant.__version__
    assert req.schema_version == "1.5"


def test_analyze_batch_matches_single_calls(engine: ozinstant.Engine) -> None:
    names = LIVE + SPOOF + [GROUP]
    batch = engine.analyze_batch([sample(n) for n in names] + [JUNK])
    assert len(batch) == len(names) + 1
    for name, r in zip(names, batch):
        single = engine.analyze(sample(name))
        assert (r.resolution, r.reason, r.confidence_spoofing) == (
            single.resolution,
            single.reason,
            single.confidence_spoofing,
        ), name
        assert r.source == str(sample(name))
    assert batch[-1].reason == "INPUT_ERROR" and batch[-1].error.code == "unsupported_format"


def test_stats_count_requests_and_outcomes() -> None:
    e = ozinstant.Engine(threads=1)
    assert e.stats()["requests_accepted"] == 0
    e.analyze(sample(LIVE[0]))
    e.analyze(sample(SPOOF[0]))
    e.analyze(sample(GROUP))
    with pytest.raises(ozinstant.InvalidInputError):
        e.analyze(JUNK)
    e.analyze_request([sample(LIVE[1]), JUNK])
    s = e.stats()
    assert s["requests_accepted"] == 5
    assert s["requests_completed"] == 5
    assert s["in_flight"] == 0
    m = s["media"]
    assert m["total"] == 6
    assert (m["success"], m["declined"], m["operator_required"], m["failed"]) == (2, 1, 0, 3)
    assert (m["multiple_faces"], m["input_error"]) == (1, 2)
    assert s["latency"]["count"] == 6


# -- pickling and worker processes ------------------------------------------------------------


def test_engine_pickles_by_config() -> None:
    e = ozinstant.Engine(threads=1, threshold=0.6, limits={"max_media_per_request": 4})
    clone = pickle.loads(pickle.dumps(e))
    assert isinstance(clone, ozinstant.Engine) and clone is not e
    assert clone.config == e.config
    assert clone.analyze(sample(LIVE[0])).threshold == 0.6


def _analyze_in_worker(args: tuple) -> tuple:
    engine, path = args
    r = engine.analyze(path)
    return os.getpid(), r


def test_spawn_pool_receives_the_engine_as_an_argument(engine: ozinstant.Engine) -> None:
    paths = [str(sample(n)) for n in LIVE[:2] + SPOOF[:2]]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        out = pool.map(_analyze_in_worker, [(engine, p) for p in paths], chunksize=1)
    assert all(pid != os.getpid() for pid, _ in out)
    for p, (_, r) in zip(paths, out):
        assert isinstance(r, ozinstant.MediaResult)
        assert r.confidence_spoofing == engine.analyze(p).confidence_spoofing


_FORKED_ENGINE = None


def _analyze_with_inherited_engine(path: str) -> float:
    assert _FORKED_ENGINE is not None
    r = _FORKED_ENGINE.analyze(path)
    assert r.confidence_spoofing is not None
    return r.confidence_spoofing


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_engine_inherited_through_fork_rebuilds_itself() -> None:
    global _FORKED_ENGINE
    _FORKED_ENGINE = ozinstant.Engine(threads=2)
    paths = [str(sample(n)) for n in LIVE[:2]]
    expected = [_FORKED_ENGINE.analyze_batch(paths)[i].confidence_spoofing for i in range(2)]  # pool threads used
    with multiprocessing.get_context("fork").Pool(2) as pool:
        got = pool.map_async(_analyze_with_inherited_engine, paths).get(timeout=120)
    assert got == expected


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork")
def test_native_engine_in_a_forked_child_raises_forked_error() -> None:
    """The core refuses work in a child created by fork() (ForkedError, 16) instead of hanging;
    the public Engine rebuilds itself there instead (test above)."""
    engine = ozinstant.Engine(threads=2)
    paths = [str(sample(n)) for n in LIVE[:2]]
    expected = [r.confidence_spoofing for r in engine.analyze_batch(paths)]  # pool threads used
    native = engine._native
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, leave with os._exit
        status = 1
        try:
            os.close(read_end)
            outcome = []
            for call in (
                lambda: native.analyze(paths[0], "", "rgb"),
                lambda: native.analyze_request(paths, "", "rgb"),
                lambda: native.analyze_batch(paths, "", "rgb"),
                native.warm_up,
            ):
                try:
                    call()
                    outcome.append("no error")
                except ozinstant.ForkedError as e:
                    outcome.append(f"{e.code} {e.number}")
                except BaseException as e:  # noqa: BLE001 - reported to the parent
                    outcome.append(repr(e))
            outcome.append(f"ready={native.ready()}")
            outcome.append(f"wrapper={engine.analyze(paths[0]).confidence_spoofing == expected[0]}")
            del native  # dropping the inherited native engine must not hang
            os.write(write_end, json.dumps(outcome).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    deadline = time.monotonic() + 120
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child did not finish within 120 s")
        time.sleep(0.02)
    with os.fdopen(read_end, "rb") as f:
        outcome = json.loads(f.read() or b"null")
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, outcome
    assert outcome == ["forked 16"] * 4 + ["ready=False", "wrapper=True"]
    # The parent's engine is untouched.
    assert engine.ready()
    assert [r.confidence_spoofing for r in engine.analyze_batch(paths)] == expected


# -- the README example -----------------------------------------------------------------------

EXAMPLE = REPO / "examples" / "python" / "analyze.py"


def test_example_script(tmp_path: Path) -> None:
    live, spoof = sample(LIVE[0]), sample(SPOOF[0])
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), str(live), str(spoof)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{live}: SUCCESS, score 0.")
    assert lines[1].startswith(f"{spoof}: DECLINED, score 0.")
    bad = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path / "missing.jpg"), str(live)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert "io_error" in bad.stderr
    assert "SUCCESS" in bad.stdout
