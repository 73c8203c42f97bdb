#!/usr/bin/env python3
"""Builds the sample shot sets (ZIP archives of selfie frames) in samples/shotsets/.

    python3 scripts/make-shotsets.py            # write samples/shotsets/*.zip
    python3 scripts/make-shotsets.py --check    # fail if the committed files differ

Each archive holds four frames derived from one MiniVision sample photo (Apache-2.0, see
samples/SOURCES.tsv): the original JPEG as is, and three variants cropped by 4 % at different
offsets (a small shift of the face, as between the frames of a short capture), scaled back to
the original size and re-encoded as JPEG by ffmpeg (Pillow is not needed).

Deterministic: ffmpeg runs single-threaded with +bitexact (no version string in the JPEG), and the
archive is written by the standard library's zipfile with sorted names, fixed timestamps
(1980-01-01 00:00:00), fixed permissions and deflate level 9. Running it twice gives identical
bytes on one machine; another ffmpeg or zlib build may encode differently (the tests only check
that each archive holds four JPEG frames).
"""

import argparse
import hashlib
import io
import pathlib
import shutil
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
OUT = SAMPLES / "shotsets"

# archive name -> source photo in samples/
SETS = {
    "live_minivision.zip": "minivision_live_image_T1.jpg",
    "spoof_print_minivision.zip": "minivision_spoof_print_image_F1.jpg",
}

# Both sources are stored 640x480 with an EXIF orientation that turns them upright to 480x640;
# ffmpeg applies it, so the variants are written upright, without EXIF, and display like the
# original. Each variant keeps 96 % of each side (460x614, even for 4:2:0) from (x, y), then is
# scaled back to the upright size.
UPRIGHT_W, UPRIGHT_H = 480, 640
CROP_W, CROP_H = 460, 614
OFFSETS = [(10, 13), (4, 26), (20, 0)]
QUALITY = "3"  # ffmpeg -q:v (2 best .. 31 worst); keeps each archive under ~200 KB
DATE = (1980, 1, 1, 0, 0, 0)


def variant(src: pathlib.Path, x: int, y: int) -> bytes:
    cmd = [
        "ffmpeg", "-v", "error", "-nostdin", "-threads", "1",
        "-i", str(src),
        "-vf", f"crop={CROP_W}:{CROP_H}:{x}:{y},scale={UPRIGHT_W}:{UPRIGHT_H}:flags=bicubic",
        "-frames:v", "1", "-c:v", "mjpeg", "-q:v", QUALITY, "-pix_fmt", "yuvj420p",
        "-threads", "1", "-fflags", "+bitexact", "-flags", "+bitexact", "-map_metadata", "-1",
        "-f", "image2pipe", "-",
    ]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
    if not out.startswith(b"\xff\xd8\xff"):
        raise SystemExit(f"ffmpeg did not write a JPEG for {src.name} at ({x}, {y})")
    return out


def build(src: pathlib.Path) -> bytes:
    frames = {"frame_01.jpg": src.read_bytes()}
    for i, (x, y) in enumerate(OFFSETS, start=2):
        frames[f"frame_{i:02d}.jpg"] = variant(src, x, y)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(frames):
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever machine runs this
            info.external_attr = 0o100644 << 16
            zf.writestr(info, frames[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buf.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        print("make-shotsets: ffmpeg is needed (e.g. 'apt-get install ffmpeg')", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    status = 0
    for name, source in SETS.items():
        data = build(SAMPLES / source)
        path = OUT / name
        digest = hashlib.sha256(data).hexdigest()
        if args.check:
            same = path.exists() and path.read_bytes() == data
            print(f"{name}: {'same' if same else 'DIFFERS'}")
            status |= 0 if same else 1
        else:
            path.write_bytes(data)
            print(f"{name}  {len(data)} bytes  sha256 {digest}")
    return status


if __name__ == "__main__":
    sys.exit(main())
