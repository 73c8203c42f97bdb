#!/usr/bin/env python3
"""One golden test across the four front doors.

The same samples go through Rust (the CLI), C (libozinstant.so), Python (the installed wheel)
and Node (the addon). Each door must give the same resolution and reason, the same face box,
and scores (confidence_spoofing, p_real, per-opinion and per-model scores, face score) equal
within 1e-6, with the same liveness models, opinions, crops and fusion rule.
A video and a shot set are among the samples: for them every door must also give the same
`sequence` section (kind, video facts, frame counts, aggregation, best shot, and every sampled
frame's index, time or entry name, outcome and scores), timings excepted.
Three requests go through every door too: a biometry request over photos, a mixed request
(photo, video, shot set) with biometry and a per-call `video_frames`, and a review request
(security level `high`, review band [0, 1]: every scored media is OPERATOR_REQUIRED).
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
    # A video (H.264 High with B-frames, made from minivision_live_image_T1.jpg) and a shot set
    # (ZIP of four frames of the same photo), each one media with a `sequence` section.
    "video/h264_high_bframes.mp4",
    "shotsets/live_minivision.zip",
]
PATHS = [str(ROOT / "samples" / s) for s in SAMPLES]
# Requests: every door must report the same media, pairs, similarities (1e-6), least similar
# pair and verdicts.
REQUESTS = [
    # obama and obama2 (same person) and biden tagged as an ID photo (liveness skipped, face
    # still compared).
    {
        "name": "biometry request",
        "request_id": "xlang-bio",
        "samples": ["facerec_live_obama.jpg", "facerec_live_obama2.jpg", "facerec_live_biden.jpg"],
        "tags": ["photo_selfie", "photo_selfie", "photo_id_front"],
        "video_frames": None,
    },
    # A photo, a clip and a shot set of the same person: biometry compares the photo with each
    # media's best shot; video_frames=6 samples six frames of the clip (and all four shots).
    {
        "name": "mixed request",
        "request_id": "xlang-mix",
        "samples": ["minivision_live_image_T1.jpg", "video/h264_high_bframes.mp4", "shotsets/live_minivision.zip"],
        "tags": ["photo_selfie", "video_selfie", "shotset_selfie"],
        "video_frames": 6,
    },
    # Decision settings (the CLI takes them as engine settings, the other doors per call): both
    # photos are OPERATOR_REQUIRED, biometry matches them, so the folder needs review too.
    {
        "name": "review request",
        "request_id": "xlang-review",
        "samples": ["facerec_live_obama.jpg", "facerec_live_obama2.jpg"],
        "tags": ["photo_selfie", "photo_selfie"],
        "video_frames": None,
        "security_level": "high",
        "review_band": [0.0, 1.0],
    },
]
CACHE = ROOT / ".cache" / "xlang"
VENV_PY = ROOT / ".cache" / "venv-test" / "bin" / "python"


def req_paths(req):
    return [str(ROOT / "samples" / s) for s in req["samples"]]


# The C library loads ONNX Runtime from ORT_DYLIB_PATH, beside itself or the system loader (never
# the working directory): point it at the checkout's copy unless the caller chose one.
C_ENV = dict(os.environ)
C_ENV.setdefault("ORT_DYLIB_PATH", str(ROOT / ".cache" / "onnxruntime" / "libonnxruntime.so.1.31.1"))


def run(cmd, **kw):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, **kw)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def rust():
    return run([str(ROOT / "target/release/ozinstant"), "analyze", "--format", "jsonl", "--request-id", "xlang", *PATHS])


def rust_request(req):
    # --format json: the document carries the media results and the biometry section.
    frames = ["--frames", str(req["video_frames"])] if req["video_frames"] else []
    if req.get("security_level"):
        frames += ["--security-level", req["security_level"]]
    if req.get("review_band"):
        frames += ["--review-band", ",".join(str(x) for x in req["review_band"])]
    out = subprocess.run(
        [str(ROOT / "target/release/ozinstant"), "analyze", "--request", "--format", "json", "--request-id",
         req["request_id"], "--analyses", "quality,biometry", "--tags", ",".join(req["tags"]), *frames,
         *req_paths(req)],
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
    return run([str(exe), *PATHS], env=C_ENV)


def c_request(req):
    opts = {"request_id": req["request_id"], "analyses": ["quality", "biometry"], "media_tags": req["tags"]}
    if req["video_frames"]:
        opts["video_frames"] = req["video_frames"]
    for key in ("security_level", "review_band"):
        if req.get(key):
            opts[key] = req[key]
    return run([str(CACHE / "print_json"), "--request", json.dumps(opts), *req_paths(req)], env=C_ENV)[0]


def python():
    code = (
        "import sys, ozinstant\n"
        "e = ozinstant.Engine()\n"
        "for p in sys.argv[1:]:\n"
        "    print(e.analyze(p, request_id='xlang').to_json())\n"
    )
    return run([str(VENV_PY), "-c", code, *PATHS])


def python_request(req):
    code = (
        "import sys, json, ozinstant\n"
        "req = json.loads(sys.argv[1])\n"
        "kw = {'video_frames': req['video_frames']} if req['video_frames'] else {}\n"
        "kw.update({k: req[k] for k in ('security_level', 'review_band') if req.get(k)})\n"
        "r = ozinstant.Engine().analyze_request(sys.argv[2:], request_id=req['request_id'],\n"
        "    analyses=['quality', 'biometry'], tags=req['tags'], **kw)\n"
        "print(r.to_json())\n"
    )
    return run([str(VENV_PY), "-c", code, json.dumps(req), *req_paths(req)])[0]


def node():
    code = (
        "const { Engine } = require(process.argv[1]);"
        "const e = new Engine();"
        "(async () => { for (const p of process.argv.slice(2)) {"
        "  console.log(JSON.stringify(await e.analyze(p, { requestId: 'xlang' }))); } })()"
        ".catch((err) => { console.error(err); process.exit(1); });"
    )
    return run(["node", "-e", code, str(ROOT / "bindings" / "node"), *PATHS])


def node_request(req):
    code = (
        "const { Engine } = require(process.argv[1]);"
        "const req = JSON.parse(process.argv[2]);"
        "const inputs = process.argv.slice(3).map((media, i) => ({ media, tag: req.tags[i] }));"
        "const opts = { requestId: req.request_id, analyses: ['quality', 'biometry'] };"
        "if (req.video_frames) opts.videoFrames = req.video_frames;"
        "if (req.security_level) opts.securityLevel = req.security_level;"
        "if (req.review_band) opts.reviewBand = req.review_band;"
        "new Engine().analyzeRequest(inputs, opts)"
        ".then((r) => console.log(JSON.stringify(r)))"
        ".catch((err) => { console.error(err); process.exit(1); });"
    )
    return run(["node", "-e", code, str(ROOT / "bindings" / "node"), json.dumps(req), *req_paths(req)])[0]


def sequence_facts(s):
    """A video's or shot set's `sequence` section without timings: exact facts and scores."""
    if s is None:
        return None, []
    best = s["best_shot"]
    exact = {
        "kind": s["kind"],
        "video": s["video"],
        "counts": (s["total_frames"], s["skipped_entries"], s["sampled"], s["usable"], s["min_usable"]),
        "aggregation": s["aggregation"],
        "best_shot": (best["frame"], best["index"], best.get("timestamp_ms"), best.get("name")) if best else None,
        "frames": [
            (f["index"], f.get("timestamp_ms"), f.get("name"), f["resolution"], f["reason"], f["quality_failed"],
             (f.get("error") or {}).get("code"))
            for f in s["frames"]
        ],
    }
    scores = [best["quality_score"]] if best else []
    for f in s["frames"]:
        scores += [f["confidence_spoofing"], f["face_score"], f["quality_score"]]
    return exact, scores


def liveness_facts(lv):
    """The liveness section without its scores: fusion rule, opinions and models with crops."""
    if lv is None:
        return None
    return {
        "fusion": lv["fusion"],
        "opinions": [(o["opinion"], o["models"]) for o in lv["opinions"]],
        "models": [(m["model"], m["opinion"], m["crop_scale"], m["crop"]) for m in lv["models"]],
    }


def key_facts(r):
    """The fields every door must agree on (timings and sources legitimately differ)."""
    face = r["faces"][0] if r["faces"] else None
    sequence, sequence_scores = sequence_facts(r.get("sequence"))
    lv = r["liveness"]
    return {
        "resolution": r["resolution"],
        "reason": r["reason"],
        "decision": (r["threshold"], r.get("security_level"), r.get("review_band")),
        "liveness": liveness_facts(lv),
        "error": (r.get("error") or {}).get("code"),
        "box": face["box"] if face else None,
        "face_count": len(r["faces"]),
        "sequence": sequence,
        "scores": [
            r["confidence_spoofing"],
            lv["p_real"] if lv else None,
            *([o["p_real"] for o in lv["opinions"]] if lv else []),
            *([m["p_real"] for m in lv["models"]] if lv else []),
            face["score"] if face else None,
            *sequence_scores,
        ],
        "quality_failed": r["quality"]["failed"] if r["quality"] else None,
        "request_id": r["request_id"],
    }


def request_facts(r):
    """What every door must agree on for a request: each media's key facts, then biometry."""
    b = r["biometry"]
    media = [key_facts(m) for m in r["media"]]
    return {
        "request_id": r["request_id"],
        "resolution": r["resolution"],
        "media": [(m["analysis"], m.get("tag"), m["resolution"], m["reason"]) for m in r["media"]],
        "media_facts": [{k: v for k, v in f.items() if k != "scores"} for f in media],
        "biometry": (b["resolution"], b["reason"], b["threshold"], [m["status"] for m in b["media"]]),
        "least_similar": (b["least_similar"]["a"], b["least_similar"]["b"]) if b["least_similar"] else None,
        "pairs": [(p["a"], p["b"]) for p in b["pairs"]],
        "scores": [p["similarity"] for p in b["pairs"]] + [p["cosine"] for p in b["pairs"]]
        + ([b["min_similarity"]] if b["min_similarity"] is not None else [])
        + [x for f in media for x in f["scores"]],
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
    missing = [p for p in PATHS + [p for req in REQUESTS for p in req_paths(req)] if not pathlib.Path(p).is_file()]
    if missing:
        print(f"cross-language: missing samples: {missing}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    env_ok = True
    doors = {"rust": rust, "c": c, "python": python, "node": node}
    request_doors = {"rust": rust_request, "c": c_request, "python": python_request, "node": node_request}
    results = {}
    requests = {}
    for name, fn in doors.items():
        try:
            results[name] = fn()
            requests[name] = [request_doors[name](req) for req in REQUESTS]
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
        seq = ref["sequence"]
        frames = f" {seq['kind']} usable/sampled={seq['counts'][3]}/{seq['counts'][2]} best={seq['best_shot']}" if seq else ""
        print(f"{sample}: {ref['resolution']} {ref['reason'] or ''} box={ref['box']} scores={ref['scores'][:2]}{frames}")
    for j, req in enumerate(REQUESTS):
        ref = request_facts(requests["rust"][j])
        for name in ("c", "python", "node"):
            got = request_facts(requests[name][j])
            if not same(ref, got):
                failed += 1
                print(f"cross-language: {req['name']}: {name} differs from rust:\n  rust: {ref}\n  {name}: {got}",
                      file=sys.stderr)
        print(f"{req['name']} {req['samples']}: {ref['resolution']} {ref['biometry'][0]} "
              f"least_similar={ref['least_similar']} similarities={ref['scores'][:len(ref['pairs'])]}")
    checks = (len(SAMPLES) + len(REQUESTS)) * 3
    print(f"{checks - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
