"""Interpreter exit and import-time environment, each checked in fresh subprocesses.

* Exit after asyncio use: engine threads deliver ``analyze_async`` results to the event loop.
  They used to attach to the interpreter while it was finalising, which aborted the process
  (``Fatal Python error: PyGILState_Release ... finalizing``, SIGABRT) in about half the runs
  of the script below. Now an ``atexit`` hook closes delivery first.
* ``ORT_DISABLE_TELEMETRY``: ``import ozinstant`` sets it to ``1`` only when it is unset.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import sample

# The smallest sample (640x480) and the fast liveness profile: a run takes about 0.7 s.
IMAGE = sample("minivision_spoof_print_image_F1.jpg")

EXIT_SCRIPT = r"""
import asyncio, sys
import ozinstant

data = open(sys.argv[1], "rb").read()
calls = int(sys.argv[2])

async def main():
    engine = ozinstant.Engine(threads=2, max_in_flight=2, liveness={"models": ["minifasnet"]})
    if calls == 1:
        result = await engine.analyze_async(data)
        assert result.resolution, result
        return
    # Two calls are accepted, the others fail at once with BusyError; the script returns as
    # soon as the accepted ones are delivered, while the engine threads are still in the
    # delivery path.
    results = await asyncio.gather(*(engine.analyze_async(data) for _ in range(calls)), return_exceptions=True)
    done = [r for r in results if not isinstance(r, BaseException)]
    busy = [r for r in results if isinstance(r, ozinstant.BusyError)]
    assert done and len(done) + len(busy) == calls, results

asyncio.run(main())
"""

GATHER_RUNS = 50
SINGLE_RUNS = 5


def run_exit_script(calls: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT, str(IMAGE), str(calls)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_exit_after_async_use_never_aborts() -> None:
    started = time.monotonic()
    jobs = [60] * GATHER_RUNS + [1] * SINGLE_RUNS
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(run_exit_script, jobs))
    failures = [
        (calls, f"{calls} call(s): exit {r.returncode}\n{r.stderr[-800:]}")
        for calls, r in zip(jobs, runs)
        if r.returncode != 0 or "Fatal Python error" in r.stderr
    ]
    elapsed = time.monotonic() - started
    gather = sum(1 for calls, _ in failures if calls != 1)
    assert not failures, (
        f"{gather} of {GATHER_RUNS} gather runs and {len(failures) - gather} of {SINGLE_RUNS} single-call runs "
        f"failed ({elapsed:.1f} s):\n" + "\n".join(text for _, text in failures[:3])
    )


def test_exit_with_the_loop_already_closed() -> None:
    # The loop is closed while an accepted call is still running: the engine thread's
    # call_soon_threadsafe raises RuntimeError, which must stay quiet, at exit or before it.
    script = r"""
import asyncio, sys, time
import ozinstant

engine = ozinstant.Engine(threads=1, max_in_flight=1, liveness={"models": ["minifasnet"]})
data = open(sys.argv[1], "rb").read()
loop = asyncio.new_event_loop()

async def start():
    return asyncio.ensure_future(engine.analyze_async(data))

task = loop.run_until_complete(start())
loop.close()  # the task never finishes: its loop is gone
if sys.argv[2] == "wait":
    deadline = time.monotonic() + 30
    while engine.stats()["requests_completed"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
print("ok")
"""
    for mode in ("wait", "exit"):
        r = subprocess.run(
            [sys.executable, "-c", script, str(IMAGE), mode], capture_output=True, text=True, timeout=120
        )
        assert r.returncode == 0 and "Fatal Python error" not in r.stderr, (mode, r.returncode, r.stderr[-800:])
        assert r.stdout.strip() == "ok"


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("0", "0"), ("1", "1"), ("", "")])
def test_telemetry_variable_is_only_a_default(given: str | None, expected: str) -> None:
    env = dict(os.environ)
    env.pop("ORT_DISABLE_TELEMETRY", None)
    if given is not None:
        env["ORT_DISABLE_TELEMETRY"] = given
    script = "import os, ozinstant; print(repr(os.environ.get('ORT_DISABLE_TELEMETRY')))"
    r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == repr(expected)
