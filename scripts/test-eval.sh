#!/usr/bin/env bash
# `make test-eval`: the metric unit tests (scripts/test_eval_metrics.py), then `make eval
# SET=samples` into a temporary folder, and checks on what it wrote:
#   * the printed tables ([1] to [5]) each have one row per system of the JSON, [3] its t_HD
#     columns, [5] a row per security level for the engine,
#   * the Harrell-Davis thresholds lie within the scored live images' scores, ordered by level,
#   * the JSON's counts are samples/MANIFEST.tsv's (files, live, spoof, each attack type) and
#     every file has the manifest's label,
#   * every rate and interval is within 0..1 (lower end <= upper end), every threshold too,
#   * a FAILED image (group_three_faces.jpg: MULTIPLE_FACES) is rejected by every system and
#     counted among the live rejections, and the engine row's BPCER is the share of live
#     images that are not SUCCESS,
#   * det.png is a valid PNG (signature, IHDR, IEND, decodes) of nonzero size.
# Expects `make build eval-venv` (the Makefile target does both). The CLI is $EVAL_CLI (default
# target/release/ozinstant; `make -o build test-eval EVAL_CLI=/path` scores another binary
# without building): the inner `make eval` runs with `-o build`, the outer target built already.
set -euo pipefail

cd "$(dirname "$0")/.."
py=.cache/venv-eval/bin/python

"$py" -m unittest discover -s scripts -p 'test_eval_metrics.py'

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
${MAKE:-make} --no-print-directory -o build eval SET=samples EVAL_OUT="$out" EVAL_ARGS="${EVAL_ARGS:-}" \
  EVAL_CLI="${EVAL_CLI:-target/release/ozinstant}" | tee "$out/stdout.txt"

"$py" - "$out" <<'EOF'
import collections, csv, json, math, struct, sys, zlib
from pathlib import Path

out = Path(sys.argv[1])
stdout = (out / "stdout.txt").read_text()
fig = json.loads((out / "eval.json").read_text())
checks = 0

def check(cond, what):
    global checks
    if not cond:
        sys.exit(f"test-eval: FAILED: {what}")
    checks += 1

# counts = the manifest's
with open("samples/MANIFEST.tsv", newline="") as f:
    rows = list(csv.DictReader(f, delimiter="\t"))
labels = collections.Counter(r["label"] for r in rows)
species = collections.Counter(r["attack_type"] for r in rows if r["label"] == "spoof")
check(len(fig["files"]) == len(rows), f"{len(fig['files'])} files in the JSON, {len(rows)} in the manifest")
check(fig["counts"]["live"] == labels["live"], "live count")
check(fig["counts"]["spoof"] == labels["spoof"], "spoof count")
check(fig["counts"]["species"] == dict(species), f"attack types {fig['counts']['species']} vs {dict(species)}")
by_file = {r["file"]: r for r in rows}
for f in fig["files"]:
    check(by_file[f["file"]]["label"] == f["label"], f"{f['file']}: label")
    check(by_file[f["file"]]["attack_type"] == f["attack_type"], f"{f['file']}: attack type")
check(f"{labels['live']} bona fide (live), {labels['spoof']} attack presentations" in stdout, "counts in the printed header")

# the tables: every system has a row in each
systems = list(fig["systems"])
check(len(systems) >= 4, f"systems {systems}")
check("engine" in systems and "fusion mean" in systems and "fusion max" in systems, "engine and fusion rows")
sections = stdout.split("\n[")
for tag in ("1]", "2]", "3]", "4]", "5]"):
    sec = [s for s in sections if s.startswith(tag)]
    check(len(sec) == 1, f"table [{tag} printed")
    lines = sec[0].splitlines()
    for name in systems:
        check(any(line.startswith(name + " ") for line in lines), f"table [{tag} has a row for {name}")
check("NOTE: the sets are small" in stdout, "the small-set note")
sec3 = [s for s in sections if s.startswith("3]")][0]
for lvl in ("low", "medium", "high"):
    check(f"{lvl} t_HD" in sec3, f"table [3] has the {lvl} t_HD column")
sec5 = [s for s in sections if s.startswith("5]")][0]
check(list(fig["levels"]) == ["low", "medium", "high"], f"levels {fig['levels']}")
for lvl in fig["levels"]:
    check(any(line.startswith(f"engine {lvl} ") for line in sec5.splitlines()), f"table [5] has the engine {lvl} row")

# the Harrell-Davis thresholds: within the scored live scores, low >= medium >= high
for name, s in fig["systems"].items():
    live_scores = [f["scores"][name] for f in fig["files"] if f["label"] == "live" and f["scores"][name] is not None]
    hd = [s["figures"][f"threshold_{lvl}_hd"]["value"] for lvl in ("low", "medium", "high")]
    check(all(min(live_scores) - 1e-9 <= v <= max(live_scores) + 1e-9 for v in hd), f"{name} t_HD {hd} within the live scores")
    check(hd[0] >= hd[1] >= hd[2], f"{name} t_HD ordered {hd}")
    check(s["figures"]["threshold_medium_hd"].get("ci95") is not None, f"{name} t_HD has an interval")

# every figure within 0..1
def unit(v):
    return v is None or (isinstance(v, (int, float)) and 0.0 <= v <= 1.0)
for name, s in fig["systems"].items():
    for key, v in s["figures"].items():
        check(unit(v["value"]), f"{name} {key} = {v['value']}")
        if v.get("ci95") is not None:
            lo, hi = v["ci95"]
            check(unit(lo) and unit(hi) and lo <= hi, f"{name} {key} interval {v['ci95']}")
    for key in ("bpcer", "apcer_max", "eer", "bpcer_at_apcer_5", "bpcer_at_apcer_10"):
        check(s["figures"][key]["value"] is not None, f"{name} {key} defined")
        check(s["figures"][key].get("ci95") is not None, f"{name} {key} has an interval")

# rejections
failed = [f for f in fig["files"] if f["resolution"] == "FAILED"]
check(any(f["file"] == "group_three_faces.jpg" and f["reason"] == "MULTIPLE_FACES" for f in failed),
      "group_three_faces.jpg is FAILED with MULTIPLE_FACES")
for f in failed:
    check(all(v is None for v in f["scores"].values()), f"{f['file']}: rejected by every system")
for label in ("live", "spoof"):
    n = sum(1 for f in failed if f["label"] == label)
    check(sum(fig["rejections"][label].values()) == n, f"{label} rejections counted")
live = [f for f in fig["files"] if f["label"] == "live"]
bpcer = sum(1 for f in live if f["resolution"] != "SUCCESS") / len(live)
check(math.isclose(fig["systems"]["engine"]["figures"]["bpcer"]["value"], bpcer), "engine BPCER = live not SUCCESS")

# the PNG
png = Path(fig["det_png"])
data = png.read_bytes()
check(png.parent == out and len(data) > 0, f"{png} written into the output folder")
check(data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature")
length, ctype = struct.unpack(">I4s", data[8:16])
width, height = struct.unpack(">II", data[16:24])
check(ctype == b"IHDR" and length == 13 and width >= 400 and height >= 400, f"IHDR {ctype} {width}x{height}")
check(zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0], "IHDR CRC")
check(data[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82", "IEND")
import matplotlib.image
img = matplotlib.image.imread(png)
check(img.shape[0] == height and img.shape[1] == width, "the PNG decodes")
check(f"DET plot: {png}" in stdout, "the plot's path printed")
print(f"test-eval: {checks} passed, 0 failed")
EOF
