#!/usr/bin/env python3
"""Makes the colour regression data of core/tests/video_colour.rs: two small clips derived from
LivePortrait's d13.mp4 (MIT) and per-frame colour statistics of ffmpeg's own YUV -> RGB
conversion, for the committed clips and, when present, the big shared clips.

Dev machines only: CI has no ffmpeg, the outputs are committed. Needs ffmpeg 5.1 with libx264,
libx265 and libzimg (`zscale`); Debian 12's `apt-get install ffmpeg` has them. Pure Python
standard library otherwise.

Outputs:
  core/tests/data/clips/colour_lp_d13_bt709_small.mp4     144x256, 6 frames, H.264, BT.709 limited
  core/tests/data/clips/colour_lp_d13_fullrange_small.mp4 144x256, 6 frames, H.264, BT.601 full
  core/tests/data/clips/colour_lp_d13_container709_small.mp4  same, untagged stream, BT.709 in `colr`
  core/tests/data/clips/colour_lp_d13_hlg10_rot.mov       copy of derived_lp_d13_hlg10_rot.mov
  core/tests/data/colour/<clip stem>.txt                  statistics, format below

Reference conversion (exact commands are printed with --verbose and recorded in each .txt):
  SDR: ffmpeg -i CLIP -vf "select=...,scale=in_color_matrix=M:in_range=R:
       flags=neighbor+accurate_rnd+full_chroma_int" -fps_mode passthrough -f rawvideo
       -pix_fmt rgb24 -
    M and R are the clip's tags as ffprobe reads them (bt601/tv when untagged, which is also
    what ffmpeg 5.1 assumes). `neighbor+accurate_rnd+full_chroma_int` is swscale's exact
    path with nearest-neighbour chroma; its default (fast) path is about one level darker.
  HLG: ffmpeg -i CLIP -vf "select=...,zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,
       tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=rgb24" ...
  ffmpeg's autorotation is on, so the statistics are of the displayed (rotated) frames.

Statistics file: '#' comment lines, then per sampled frame (the frames ozinstant samples with
`frames: 4`: round(k * (n - 1) / 3), n = ffprobe's frame count):
  frame INDEX WIDTH HEIGHT
  mean R G B                 (mean over the frame, 0..255)
  grid C v0 ... v63          (C = r, g, b: means of an 8x8 grid of cells, row-major; cell
                              (i, j) covers x in [i*W/8, (i+1)*W/8), y in [j*H/8, (j+1)*H/8))
"""

import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "clips")
CLIPS = os.path.join(ROOT, "core", "tests", "data", "clips")
OUT = os.path.join(ROOT, "core", "tests", "data", "colour")
FF = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact"]
SAMPLED = 4
GRID = 8


def run(cmd, **kw):
    if "--verbose" in sys.argv:
        print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, **kw)


def make_clips():
    os.makedirs(CLIPS, exist_ok=True)
    d13 = os.path.join(SHARED, "lp_d13.mp4")
    full = os.path.join(SHARED, "derived_lp_d13_fullrange601.mp4")
    # 6 frames, scaled YUV -> YUV (no colour conversion), tagged in the bitstream (x264 VUI) and
    # the container (colr) alike.
    run(FF + ["-i", d13, "-vf", "scale=144:256:flags=bicubic,format=yuv420p", "-frames:v", "6",
              "-c:v", "libx264", "-preset", "medium", "-crf", "20", "-g", "6", "-bf", "0",
              "-color_range", "tv", "-colorspace", "bt709", "-color_primaries", "bt709",
              "-color_trc", "bt709"] + BITEXACT
        + [os.path.join(CLIPS, "colour_lp_d13_bt709_small.mp4")])
    run(FF + ["-i", full, "-vf", "scale=144:256:flags=bicubic,format=yuvj420p", "-frames:v", "6",
              "-c:v", "libx264", "-preset", "medium", "-crf", "20", "-g", "6", "-bf", "0",
              "-color_range", "pc", "-colorspace", "bt470bg", "-color_primaries", "bt470bg",
              "-color_trc", "smpte170m"] + BITEXACT
        + [os.path.join(CLIPS, "colour_lp_d13_fullrange_small.mp4")])
    # Container-only tags: an untagged stream (x264 writes no video_signal_type), remuxed with
    # an MP4 `colr` nclx box saying BT.709 limited.
    untagged = os.path.join(CLIPS, "untagged.tmp.mp4")
    run(FF + ["-i", d13, "-vf", "setparams=colorspace=unknown:color_primaries=unknown:"
              "color_trc=unknown:range=unknown,scale=144:256:flags=bicubic,format=yuv420p",
              "-frames:v", "6", "-c:v", "libx264", "-preset", "medium", "-crf", "20", "-g", "6",
              "-bf", "0"] + BITEXACT + [untagged])
    run(FF + ["-i", untagged, "-c", "copy", "-color_primaries", "bt709", "-color_trc", "bt709",
              "-colorspace", "bt709", "-color_range", "tv", "-movflags", "+write_colr",
              "-fflags", "+bitexact", os.path.join(CLIPS, "colour_lp_d13_container709_small.mp4")])
    os.remove(untagged)
    shutil.copyfile(os.path.join(SHARED, "derived_lp_d13_hlg10_rot.mov"),
                    os.path.join(CLIPS, "colour_lp_d13_hlg10_rot.mov"))


def probe(path):
    out = run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
               "-show_entries", "stream=width,height,nb_read_frames,color_range,color_space,"
               "color_transfer:stream_side_data=rotation", "-of", "json", path],
              capture_output=True).stdout
    return json.loads(out)["streams"][0]


def sample_indices(total, n):
    if n >= total:
        return list(range(total))
    return sorted({(2 * k * (total - 1) + (n - 1)) // (2 * (n - 1)) for k in range(n)})


def stats(rgb, w, h):
    row = w * 3
    mean = [sum(rgb[c::3]) / (w * h) for c in range(3)]
    grid = [[0.0] * (GRID * GRID) for _ in range(3)]
    for j in range(GRID):
        y0, y1 = j * h // GRID, (j + 1) * h // GRID
        for i in range(GRID):
            x0, x1 = i * w // GRID, (i + 1) * w // GRID
            n = (x1 - x0) * (y1 - y0)
            for c in range(3):
                s = 0
                for y in range(y0, y1):
                    s += sum(rgb[y * row + x0 * 3 + c: y * row + x1 * 3: 3])
                grid[c][j * GRID + i] = s / n
    return mean, grid


def rel(arg):
    """A command argument as recorded: paths relative to the repository root, quoted filters."""
    if arg.startswith(SHARED):
        return "../shared/clips" + arg[len(SHARED):]
    if arg.startswith(ROOT + os.sep):
        return arg[len(ROOT) + 1:]
    return f'"{arg}"' if any(ch in arg for ch in " ',") else arg


def reference(path, out_name):
    info = probe(path)
    total = int(info["nb_read_frames"])
    rot = 0
    for sd in info.get("side_data_list", []):
        rot = int(sd.get("rotation", 0))
    w, h = int(info["width"]), int(info["height"])
    if rot % 180:
        w, h = h, w
    idx = sample_indices(total, SAMPLED)
    select = "select='" + "+".join(f"eq(n\\,{i})" for i in idx) + "'"
    trc = info.get("color_transfer", "unknown")
    if trc == "arib-std-b67":
        conv = ("zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0,"
                "zscale=t=bt709:m=bt709:r=tv,format=rgb24")
    else:
        matrix = {"bt709": "bt709", "bt2020nc": "bt2020"}.get(info.get("color_space"), "bt601")
        rng = "pc" if info.get("color_range") == "pc" else "tv"
        conv = (f"scale=in_color_matrix={matrix}:in_range={rng}:"
                "flags=neighbor+accurate_rnd+full_chroma_int")
    cmd = FF + ["-i", path, "-vf", f"{select},{conv}", "-fps_mode", "passthrough",
                "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = run(cmd, capture_output=True).stdout
    size = w * h * 3
    assert len(raw) == size * len(idx), (path, len(raw), size, idx)
    lines = [f"# {out_name}: {os.path.basename(path)}, {total} frames, {w}x{h} displayed",
             "# made by scripts/make-colour-refs.py with ffmpeg 5.1:",
             "# " + " ".join(rel(c) for c in cmd)]
    for k, i in enumerate(idx):
        mean, grid = stats(raw[k * size:(k + 1) * size], w, h)
        lines.append(f"frame {i} {w} {h}")
        lines.append("mean " + " ".join(f"{v:.3f}" for v in mean))
        for c, name in enumerate("rgb"):
            lines.append(f"grid {name} " + " ".join(f"{v:.2f}" for v in grid[c]))
    with open(os.path.join(OUT, out_name + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--no-clips" not in sys.argv:
        make_clips()
    # Committed clips (the test never skips these).
    for name in ["colour_lp_d13_bt709_small.mp4", "colour_lp_d13_fullrange_small.mp4",
                 "colour_lp_d13_container709_small.mp4", "colour_lp_d13_hlg10_rot.mov"]:
        reference(os.path.join(CLIPS, name), name.rsplit(".", 1)[0])
    # Untagged: committed sample clips (8-bit H.264, 10-bit HEVC, VP9).
    for name in ["h264_high_bframes.mp4", "hevc_main10.mp4", "vp9.webm"]:
        reference(os.path.join(ROOT, "samples", "video", name), name.rsplit(".", 1)[0])
    # Big shared clips (read from ../shared/clips when present).
    # The other shared SDR clips: BT.709 tagged or untagged, edit lists, a rotated fragmented file.
    for name in ["lp_d13.mp4", "derived_lp_d13_fullrange601.mp4", "lp_d3.mp4", "lp_s13.mp4", "vrt_1.mp4",
                 "vrt_2.mp4", "mb_edts.mp4", "mb_edit-list-discard.mp4", "mb_rotate-buck-bunny.mp4"]:
        reference(os.path.join(SHARED, name), name.rsplit(".", 1)[0])


if __name__ == "__main__":
    main()
