#!/usr/bin/env bash
# Makes ffmpeg's reference frame hashes for the real third-party clips in ../shared/clips
# (see its README.md for sources, licences and known defects), into
# core/tests/data/framehash/<clip>.framehash. core/tests/video_shared.rs compares the engine's
# decode of every frame against them when the clips folder is present.
#
# Dev machines only: CI never runs this; the hashes are committed (the clips are not).
# Made with Debian 12's ffmpeg 5.1.9-0+deb12u1 (`ffmpeg -version`), whose H.264/HEVC decoders
# are the reference.
#
# Per clip, the command is:
#   ffmpeg -noautorotate -i CLIP -map 0:v:0 -fps_mode passthrough -f framehash -hash sha256 -
# i.e. the SHA-256 of every decoded frame's planar YUV at the stream's native pixel format
# (yuv420p / yuvj420p: Y, U, V tightly packed; yuv420p10le: 16-bit little-endian samples), in
# presentation order, before rotation, with no frame dropped or duplicated. ffmpeg applies
# MP4 edit lists (mb_edit-list-discard.mp4, mb_edts.mp4): the hashes are of presented frames.
#
# te_chrome57.webm is VP8, which the engine refuses by design (unsupported_codec): no hashes.
set -euo pipefail
cd "$(dirname "$0")/.."
clips=${1:-../shared/clips}
out=core/tests/data/framehash
mkdir -p "$out"

for path in "$clips"/*.mp4 "$clips"/*.mov "$clips"/*.webm; do
  [ -e "$path" ] || continue
  f=$(basename "$path")
  [ "$f" = te_chrome57.webm ] && continue
  ffmpeg -hide_banner -loglevel error -noautorotate -i "$path" -map 0:v:0 -fps_mode passthrough \
    -f framehash -hash sha256 - > "$out/$f.framehash"
  echo "$f: $(grep -vc '^#' "$out/$f.framehash") frames"
done
