#!/usr/bin/env python3
"""The reference's Suri MiniFASNetV2-SE against its golden values
(`../shared/models/testvectors/suri/golden.tsv` relative to the repository root; the shared
models folder's MODELS.md, section "Suri MiniFASNetV2-SE 128", describes them).

For every row: the image decoded at full size (EXIF applied), the reference's RetinaFace box
must equal the golden box exactly, and Suri's p_real and the MiniFASNet pair's p_real must be
within 0.02 of the golden values (the largest differences are reported; they should be
~1e-6). Rows with an empty box are images on which the detector finds no face (no detection
above 0.1); the reference must find none either.

The golden box is the original MiniFASNet pipeline's: the best detection of the first
RetinaFace pass (~192^2 input), whatever its score, with no quality gate and no face count
(multi-face images are scored on their best face). The engine's rule differs when that best
score is under `detection.min_score` (0.6): it then takes the best face of the counting pass
(`Reference.faces`). Rows where the two rules give different boxes are listed as notes, not
failures.

Set `samples` is read from samples/, set `devset` in place from ../shared/devset (relative to
the repository root); a set whose folder is absent is skipped with a message, and so is the
whole check when golden.tsv itself is absent.

Usage (with the bench venv's python, from the repository root; `make test-reference`):
    check_suri_golden.py [--golden PATH] [--samples DIR] [--devset DIR] [--verbose]
Exit status: 0 when every checked row matches (or nothing could be checked), 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOLERANCE = 0.02
DEFAULT_GOLDEN = os.path.join(ROOT, "..", "shared", "models", "testvectors", "suri", "golden.tsv")


def parse_box(text: str) -> list[int] | None:
    return [int(v) for v in text.split(",")] if text.strip() else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", default=DEFAULT_GOLDEN)
    ap.add_argument("--samples", default=os.path.join(ROOT, "samples"))
    ap.add_argument("--devset", default=os.path.join(ROOT, "..", "shared", "devset"))
    ap.add_argument("--verbose", "-v", action="store_true", help="print every row, not only mismatches")
    args = ap.parse_args()

    if not os.path.isfile(args.golden):
        print(f"Suri golden check skipped: {args.golden} not found")
        return 0
    with open(args.golden, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    folders = {"samples": args.samples, "devset": args.devset}

    ref = reference.Reference(threads=1, models="default")
    failures: list[str] = []
    notes: list[str] = []
    stats: dict[str, dict] = {}
    skipped: set[str] = set()
    for row in rows:
        name = row["set"]
        folder = folders.get(name)
        if folder is None:
            failures.append(f"{row['file']}: unknown set {name!r}")
            continue
        if not os.path.isdir(folder):
            if name not in skipped:
                print(f"set {name}: {folder} absent, skipped")
                skipped.add(name)
            continue
        st = stats.setdefault(
            name, {"rows": 0, "faces": 0, "box": 0, "suri": 0.0, "pair": 0.0, "suri_at": "", "pair_at": ""}
        )
        st["rows"] += 1
        path = os.path.join(folder, row["file"])
        label = f"{name}/{row['file']}"
        img = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR) if os.path.isfile(path) else None
        if img is None:
            failures.append(f"{label}: cannot read {path}")
            continue
        H, W = img.shape[:2]
        if row["width"] and (W, H) != (int(row["width"]), int(row["height"])):
            failures.append(f"{label}: decoded {W}x{H}, golden {row['width']}x{row['height']}")
        golden_box = parse_box(row["box_xywh"])
        first = ref.detect(img, *reference.liveness_input_size(W, H))
        box = reference.box_xywh(first[0][0]) if first else None
        primary, _ = ref.faces(img)
        engine_box = None if primary is None else reference.box_xywh(primary[0])
        if engine_box != box:
            score = f"{first[0][1]:.3f}" if first else "-"
            notes.append(
                f"{label}: first-pass best {box} (score {score}); the engine's rule takes "
                f"{engine_box}{'' if primary is None else f' (score {primary[1]:.3f})'}"
            )
        if golden_box is None or box is None:
            if golden_box != box:
                failures.append(f"{label}: box {box}, golden {golden_box}")
            elif args.verbose:
                print(f"{label:70} no face (as golden)")
            continue
        st["box"] = max(st["box"], max(abs(a - b) for a, b in zip(box, golden_box)))
        if box != golden_box:
            failures.append(f"{label}: box {box}, golden {golden_box}")
            continue
        st["faces"] += 1
        live = ref.liveness(img, box)
        p = {o["opinion"]: o["p_real"] for o in live["opinions"]}
        for key, opinion, column in (("suri", "suri", "p_real_suri"), ("pair", "minifasnet", "p_real_minifas_pair")):
            d = abs(p[opinion] - float(row[column]))
            if d > st[key]:
                st[key], st[f"{key}_at"] = d, row["file"]
            if d > TOLERANCE:
                failures.append(f"{label}: p_real {opinion} {p[opinion]:.6f}, golden {row[column]}")
        if args.verbose:
            print(
                f"{label:70} box {','.join(map(str, box)):20} suri {p['suri']:.6f}/{row['p_real_suri']} "
                f"pair {p['minifasnet']:.6f}/{row['p_real_minifas_pair']}"
            )

    for name, st in stats.items():
        print(
            f"set {name}: {st['rows']} rows, {st['faces']} faces scored; max |box diff| {st['box']} px; "
            f"max |p_real diff| suri {st['suri']:.2e} ({st['suri_at'] or '-'}), "
            f"MiniFASNet pair {st['pair']:.2e} ({st['pair_at'] or '-'})"
        )
    if notes:
        print("\nnotes (golden box vs the engine's box rule):\n  " + "\n  ".join(notes))
    if failures:
        print("\nSuri golden check FAILED:\n  " + "\n  ".join(failures))
        return 1
    if not stats:
        print("Suri golden check skipped: no set's images found")
        return 0
    print(f"\nSuri golden check OK: boxes equal, p_real within {TOLERANCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
