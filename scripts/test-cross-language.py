#!/usr/bin/env python3
"""One golden test across the four front doors.

The same samples go through Rust (the CLI), C (libozinstant.so), Python (the installed wheel)
and Node (the addon). Each door must give the same resolution and reason, the same face box,
and scores (confidence_spoofing, p_real, per-model scores, face score) equal within 1e-6.
Expects the artefacts that `make test-rust test-python test-c test-node` build.
"""
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = [
    "minivision_live_image_T1.jpg",
    "minivision_spoof_replay_image_F2.jpg",
    "hyperfas_spoof_replay_fake_screen.png",
    "skimage_live_astronaut.png",
    "group_three_faces.jpg",
]
PATHS = [str(ROOT / "samples" / s) for s in SAMPLES]
CACHE = ROOT / ".cache" / "xlang"


def run(cmd, **kw):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, **kw)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def rust():
    return run([str(ROOT / "target/release/ozinstant"), "analyze", "--format", "jsonl", "--request-id", "xlang", *PATHS])


def c():
    CACHE.mkdir(parents=True, exist_ok=True)
    exe = CACHE / "print_json"
    lib = ROOT / "target" / "release"
    subprocess.run(
        ["gcc", "-std=c11", "-Wall", "-Werror", "-I", str(ROOT / "include"), str(ROOT / "scripts/xlang/print_json.c"),
         "-L", str(lib), f"-Wl,-rpath,{lib}", "-lozinstant", "-o", str(exe)],
        check=True,
    )
    return run([str(exe), *PATHS])


def python():
    venv_py = ROOT / ".cache" / "venv-test" / "bin" / "python"
    code = (
        "import sys, ozinstant\n"
        "e = ozinstant.Engine()\n"
        "for p in sys.argv[1:]:\n"
        "    print(e.analyze(p, request_id='xlang').to_json())\n"
    )
    return run([str(venv_py), "-c", code, *PATHS])


def node():
    code = (
        "const { Engine } = require(process.argv[1]);"
        "const e = new Engine();"
        "(async () => { for (const p of process.argv.slice(2)) {"
        "  console.log(JSON.stringify(await e.analyze(p, { requestId: 'xlang' }))); } })()"
        ".catch((err) => { console.error(err); process.exit(1); });"
    )
    return run(["node", "-e", code, str(ROOT / "bindings" / "node"), *PATHS])


def key_facts(r):
    """The fields every door must agree on (timings and sources legitimately differ)."""
    face = r["faces"][0] if r["faces"] else None
    return {
        "resolution": r["resolution"],
        "reason": r["reason"],
        "box": face["box"] if face else None,
        "face_count": len(r["faces"]),
        "scores": [
            r["confidence_spoofing"],
            r["liveness"]["p_real"] if r["liveness"] else None,
            *([m["p_real"] for m in r["liveness"]["models"]] if r["liveness"] else []),
            face["score"] if face else None,
        ],
        "quality_failed": r["quality"]["failed"] if r["quality"] else None,
        "request_id": r["request_id"],
    }


def same(a, b):
    if a.keys() != b.keys():
        return False
    for k in a:
        if k == "scores":
            if len(a[k]) != len(b[k]):
                return False
            for x, y in zip(a[k], b[k]):
                if (x is None) != (y is None) or (x is not None and abs(x - y) > 1e-6):
                    return False
        elif a[k] != b[k]:
            return False
    return True


def main() -> int:
    env_ok = True
    doors = {"rust": rust, "c": c, "python": python, "node": node}
    results = {}
    for name, fn in doors.items():
        try:
            results[name] = fn()
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            print(f"cross-language: {name} door failed: {e}\n{getattr(e, 'stderr', '')}", file=sys.stderr)
            env_ok = False
    if not env_ok:
        print("0 passed, 1 failed")
        return 1
    failed = 0
    for i, sample in enumerate(SAMPLES):
        ref = key_facts(results["rust"][i])
        for name in ("c", "python", "node"):
            got = key_facts(results[name][i])
            if not same(ref, got):
                failed += 1
                print(f"cross-language: {sample}: {name} differs from rust:\n  rust: {ref}\n  {name}: {got}", file=sys.stderr)
        print(f"{sample}: {ref['resolution']} {ref['reason'] or ''} box={ref['box']} scores={ref['scores'][:2]}")
    checks = len(SAMPLES) * 3
    print(f"{checks - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
