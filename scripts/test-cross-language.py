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
# A biometry request: obama and obama2 (same person) and biden tagged as an ID photo (liveness
# skipped, face still compared): every door must report the same pairs, similarities (1e-6),
# least similar pair and verdicts.
BIO_SAMPLES = ["facerec_live_obama.jpg", "facerec_live_obama2.jpg", "facerec_live_biden.jpg"]
BIO_PATHS = [str(ROOT / "samples" / s) for s in BIO_SAMPLES]
BIO_TAGS = ["photo_selfie", "photo_selfie", "photo_id_front"]
CACHE = ROOT / ".cache" / "xlang"


def run(cmd, **kw):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, **kw)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def rust():
    return run([str(ROOT / "target/release/ozinstant"), "analyze", "--format", "jsonl", "--request-id", "xlang", *PATHS])


def rust_bio():
    # --format json: the document carries the media results and the biometry section.
    out = subprocess.run(
        [str(ROOT / "target/release/ozinstant"), "analyze", "--request", "--format", "json", "--request-id",
         "xlang-bio", "--analyses", "quality,biometry", "--tags", ",".join(BIO_TAGS), *BIO_PATHS],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    doc = json.loads(out.stdout)
    return {"request_id": doc["request_id"], "resolution": doc["resolution"], "media": doc["results"],
            "biometry": doc["biometry"]}


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


def c_bio():
    opts = json.dumps({"request_id": "xlang-bio", "analyses": ["quality", "biometry"], "media_tags": BIO_TAGS})
    return run([str(CACHE / "print_json"), "--request", opts, *BIO_PATHS])[0]


def python():
    venv_py = ROOT / ".cache" / "venv-test" / "bin" / "python"
    code = (
        "import sys, ozinstant\n"
        "e = ozinstant.Engine()\n"
        "for p in sys.argv[1:]:\n"
        "    print(e.analyze(p, request_id='xlang').to_json())\n"
    )
    return run([str(venv_py), "-c", code, *PATHS])


def python_bio():
    venv_py = ROOT / ".cache" / "venv-test" / "bin" / "python"
    code = (
        "import sys, json, ozinstant\n"
        "tags = json.loads(sys.argv[1])\n"
        "r = ozinstant.Engine().analyze_request(sys.argv[2:], request_id='xlang-bio',\n"
        "    analyses=['quality', 'biometry'], tags=tags)\n"
        "print(r.to_json())\n"
    )
    return run([str(venv_py), "-c", code, json.dumps(BIO_TAGS), *BIO_PATHS])[0]


def node():
    code = (
        "const { Engine } = require(process.argv[1]);"
        "const e = new Engine();"
        "(async () => { for (const p of process.argv.slice(2)) {"
        "  console.log(JSON.stringify(await e.analyze(p, { requestId: 'xlang' }))); } })()"
        ".catch((err) => { console.error(err); process.exit(1); });"
    )
    return run(["node", "-e", code, str(ROOT / "bindings" / "node"), *PATHS])


def node_bio():
    code = (
        "const { Engine } = require(process.argv[1]);"
        "const tags = JSON.parse(process.argv[2]);"
        "const inputs = process.argv.slice(3).map((media, i) => ({ media, tag: tags[i] }));"
        "new Engine().analyzeRequest(inputs, { requestId: 'xlang-bio', analyses: ['quality', 'biometry'] })"
        ".then((r) => console.log(JSON.stringify(r)))"
        ".catch((err) => { console.error(err); process.exit(1); });"
    )
    return run(["node", "-e", code, str(ROOT / "bindings" / "node"), json.dumps(BIO_TAGS), *BIO_PATHS])[0]


def bio_facts(r):
    """What every door must agree on for the biometry request."""
    b = r["biometry"]
    return {
        "request_id": r["request_id"],
        "resolution": r["resolution"],
        "media": [(m["analysis"], m.get("tag"), m["resolution"], m["reason"]) for m in r["media"]],
        "biometry": (b["resolution"], b["reason"], b["threshold"], [m["status"] for m in b["media"]]),
        "least_similar": (b["least_similar"]["a"], b["least_similar"]["b"]) if b["least_similar"] else None,
        "pairs": [(p["a"], p["b"]) for p in b["pairs"]],
        "scores": [p["similarity"] for p in b["pairs"]] + [p["cosine"] for p in b["pairs"]]
        + ([b["min_similarity"]] if b["min_similarity"] is not None else []),
    }


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
    bio_doors = {"rust": rust_bio, "c": c_bio, "python": python_bio, "node": node_bio}
    results = {}
    bio = {}
    for name, fn in doors.items():
        try:
            results[name] = fn()
            bio[name] = bio_doors[name]()
        except (subprocess.CalledProcessError, FileNotFoundError, KeyError) as e:
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
    ref = bio_facts(bio["rust"])
    for name in ("c", "python", "node"):
        got = bio_facts(bio[name])
        if not same(ref, got):
            failed += 1
            print(f"cross-language: biometry request: {name} differs from rust:\n  rust: {ref}\n  {name}: {got}",
                  file=sys.stderr)
    print(f"biometry request {BIO_SAMPLES}: {ref['resolution']} {ref['biometry'][0]} "
          f"least_similar={ref['least_similar']} similarities={ref['scores'][:3]}")
    checks = len(SAMPLES) * 3 + 3
    print(f"{checks - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
