#!/usr/bin/env python3
"""The Python reference must give the engine's verdicts: on every photo in samples/, the same
resolution and reason, the same analysed face box, and p_real within 0.02; and, per liveness
model the engine reports (`liveness.models[*].model`: minifasnet_v2, minifasnet_v1se,
suri_minifasv2se) and per opinion (`liveness.opinions`, when reported), p_real within 0.02 too.
Timings are never checked. Also checks that `cv2.imdecode` applies EXIF orientation (the
reference relies on it).

The reference runs the engine's liveness set: the opinions of the models the engine reports
(an engine without opinions reports only the two MiniFASNet models: the `minifasnet` opinion)
and its `liveness.fusion` (`mean` when absent). `--models` / `--fusion` force them instead.

Usage (with the bench venv's python, from the repository root; `make test-reference`):
    check_parity.py [--cli target/release/ozinstant] [--samples samples] [--models M] [--fusion F]
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

P_REAL_TOLERANCE = 0.02
# The reference analyses photos only; the CLI's folder walk also picks up videos and shot sets
# (samples/video/, samples/shotsets/), which are left out here.
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"}


def exif_orientation_applied() -> bool:
    """A 80x40 JPEG tagged with orientation 6 (rotate 90° clockwise) must decode as 40x80."""
    img = np.zeros((40, 80, 3), np.uint8)
    img[:, :20] = 255
    jpeg = cv2.imencode(".jpg", img)[1].tobytes()
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd
    tagged = jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]
    out = cv2.imdecode(np.frombuffer(tagged, np.uint8), cv2.IMREAD_COLOR)
    # Rotated clockwise: the white left band is now the top band.
    return out is not None and out.shape[:2] == (80, 40) and out[:10].mean() > 200 and out[-10:].mean() < 50


def engine_results(cli: str, samples: str) -> dict[str, dict]:
    env = dict(os.environ, ORT_DISABLE_TELEMETRY="1")
    out = subprocess.run(
        [cli, "analyze", "--format", "jsonl", "--no-progress", samples],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode not in (0, 1):
        sys.exit(f"engine CLI failed ({out.returncode}): {out.stderr.strip()}")
    results = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        if os.path.splitext(r["source"])[1].lower() not in IMAGE_EXTENSIONS:
            continue
        face = next((f for f in r.get("faces", []) if f.get("analysed")), None)
        live = r.get("liveness") or {}
        results[os.path.abspath(r["source"])] = {
            "resolution": r["resolution"],
            "reason": r.get("reason"),
            "box": [int(face["box"][k]) for k in ("x", "y", "width", "height")] if face else None,
            "p_real": live.get("p_real"),
            "landmarks": face.get("landmarks") if face else None,
            "fusion": live.get("fusion"),
            "models": {m["model"]: m for m in live.get("models", [])},
            "opinions": {o["opinion"]: o["p_real"] for o in live.get("opinions", [])},
        }
    return results


# The opinion of each model id, for engines that do not report it.
MODEL_OPINION = {"minifasnet_v2": "minifasnet", "minifasnet_v1se": "minifasnet", "suri_minifasv2se": "suri"}


def engine_liveness_set(engine: dict[str, dict]) -> tuple[tuple[str, ...], str]:
    """The opinions and fusion rule the engine ran, from what it reported."""
    opinions: set[str] = set()
    fusions: set[str] = set()
    for e in engine.values():
        for name, m in e["models"].items():
            opinions.add(m.get("opinion") or MODEL_OPINION.get(name, name))
        opinions.update(e["opinions"])
        if e["fusion"]:
            fusions.add(e["fusion"])
    if len(fusions) > 1:
        sys.exit(f"the engine reports several fusion rules: {sorted(fusions)}")
    unknown = opinions - set(reference.OPINIONS)
    if unknown:
        sys.exit(f"the engine reports liveness opinions the reference does not know: {sorted(unknown)}")
    return tuple(o for o in reference.OPINIONS if o in opinions), fusions.pop() if fusions else "mean"


def liveness_problems(e: dict, r: dict) -> tuple[list[str], float]:
    """Per-model and per-opinion p_real differences (engine vs reference), and the largest one."""
    problems: list[str] = []
    worst = 0.0
    ref_live = r.get("liveness") or {}
    ref_models = {m["model"]: m["p_real"] for m in ref_live.get("models", [])}
    ref_opinions = {o["opinion"]: o["p_real"] for o in ref_live.get("opinions", [])}
    if e["fusion"] and ref_live and e["fusion"] != ref_live.get("fusion"):
        problems.append(f"fusion {e['fusion']} vs {ref_live.get('fusion')}")
    pairs = [(f"model {k}", m["p_real"], ref_models.get(k)) for k, m in e["models"].items()]
    pairs += [(f"opinion {k}", v, ref_opinions.get(k)) for k, v in e["opinions"].items()]
    if e["models"] or e["p_real"] is not None:
        missing = sorted(set(ref_models) - set(e["models"]))
        if missing:
            problems.append(f"the engine reports no {', '.join(missing)}")
    for what, pe, pr in pairs:
        if pr is None:
            problems.append(f"{what}: the reference has none")
            continue
        d = abs(pe - pr)
        worst = max(worst, d)
        if d > P_REAL_TOLERANCE:
            problems.append(f"{what} p_real {pe:.6f} vs {pr:.6f}")
    return problems, worst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="target/release/ozinstant")
    ap.add_argument("--samples", default="samples")
    ap.add_argument(
        "--models", type=reference.parse_models, help="the reference's liveness opinions (default: the engine's)"
    )
    ap.add_argument("--fusion", choices=reference.FUSIONS, help="the reference's fusion rule (default: the engine's)")
    args = ap.parse_args()

    failures = []
    if not exif_orientation_applied():
        failures.append("cv2.imdecode does not apply EXIF orientation")

    engine = engine_results(args.cli, args.samples)
    models, fusion = engine_liveness_set(engine)
    models = args.models or models or reference.PROFILES["default"]
    fusion = args.fusion or fusion
    ref = reference.Reference(threads=1, models=models, fusion=fusion)
    print(f"liveness: opinions {','.join(ref.models)}, fusion {ref.fusion}")
    print(f"{'sample':42} {'engine':24} {'reference':24} {'box':5} {'p_real (eng/ref)':19} {'models':8} lm px")
    worst_model = 0.0
    for path in sorted(engine):
        with open(path, "rb") as f:
            r = ref.analyze_bytes(f.read())
        e = engine[path]
        name = os.path.basename(path)
        problems = []
        if (e["resolution"], e["reason"]) != (r["resolution"], r["reason"]):
            problems.append(f"verdict {e['resolution']}/{e['reason']} vs {r['resolution']}/{r['reason']}")
        if e["box"] != r["box"]:
            problems.append(f"box {e['box']} vs {r['box']}")
        if (e["p_real"] is None) != (r["p_real"] is None) or (
            e["p_real"] is not None and abs(e["p_real"] - r["p_real"]) > P_REAL_TOLERANCE
        ):
            problems.append(f"p_real {e['p_real']} vs {r['p_real']}")
        live_problems, worst = liveness_problems(e, r)
        problems += live_problems
        worst_model = max(worst_model, worst)
        models_diff = f"{worst:.1e}" if e["models"] or e["opinions"] else "-"
        lm_diff = "-"
        if e["landmarks"] and r.get("landmarks"):
            d = max(abs(a - b) for pe, pr in zip(e["landmarks"], r["landmarks"]) for a, b in zip(pe, pr))
            lm_diff = f"{d:.2f}"
        pr = "-" if e["p_real"] is None else f"{e['p_real']:.6f}/{r['p_real']:.6f}"
        print(
            f"{name:42} {e['resolution'] + '/' + str(e['reason']):24} {r['resolution'] + '/' + str(r['reason']):24} "
            f"{'same' if e['box'] == r['box'] else 'DIFF':5} {pr:19} {models_diff:8} {lm_diff}"
        )
        failures += [f"{name}: {p}" for p in problems]
    if len(engine) == 0:
        failures.append("the engine analysed no sample")
    if failures:
        print("\nreference parity FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(
        f"\nreference parity OK: {len(engine)} samples, same verdicts and boxes, p_real within {P_REAL_TOLERANCE} "
        f"(fused, and per model and opinion: largest difference {worst_model:.1e})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
