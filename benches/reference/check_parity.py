#!/usr/bin/env python3
"""The Python reference must give the engine's verdicts: on every photo in samples/, the same
resolution and reason, the same analysed face box, and p_real within 0.02. Timings are never
checked. Also checks that `cv2.imdecode` applies EXIF orientation (the reference relies on it).

Usage (with the bench venv's python, from the repository root; `make test-reference`):
    check_parity.py [--cli target/release/ozinstant] [--samples samples]
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
        results[os.path.abspath(r["source"])] = {
            "resolution": r["resolution"],
            "reason": r.get("reason"),
            "box": [int(face["box"][k]) for k in ("x", "y", "width", "height")] if face else None,
            "p_real": (r.get("liveness") or {}).get("p_real"),
            "landmarks": face.get("landmarks") if face else None,
        }
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="target/release/ozinstant")
    ap.add_argument("--samples", default="samples")
    args = ap.parse_args()

    failures = []
    if not exif_orientation_applied():
        failures.append("cv2.imdecode does not apply EXIF orientation")

    engine = engine_results(args.cli, args.samples)
    ref = reference.Reference(threads=1)
    print(f"{'sample':42} {'engine':24} {'reference':24} {'box':5} {'p_real (eng/ref)':19} lm px")
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
        lm_diff = "-"
        if e["landmarks"] and r.get("landmarks"):
            d = max(abs(a - b) for pe, pr in zip(e["landmarks"], r["landmarks"]) for a, b in zip(pe, pr))
            lm_diff = f"{d:.2f}"
        pr = "-" if e["p_real"] is None else f"{e['p_real']:.6f}/{r['p_real']:.6f}"
        print(
            f"{name:42} {e['resolution'] + '/' + str(e['reason']):24} {r['resolution'] + '/' + str(r['reason']):24} "
            f"{'same' if e['box'] == r['box'] else 'DIFF':5} {pr:19} {lm_diff}"
        )
        failures += [f"{name}: {p}" for p in problems]
    if len(engine) == 0:
        failures.append("the engine analysed no sample")
    if failures:
        print("\nreference parity FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(f"\nreference parity OK: {len(engine)} samples, same verdicts and boxes, p_real within {P_REAL_TOLERANCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
