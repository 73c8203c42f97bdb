#!/usr/bin/env bash
# Makes the small container-defect clips in core/tests/data/clips/ (see the README there) and
# their ffmpeg reference frame hashes (*.framehash), for core/tests/video_container.rs.
#
# Dev machines only: CI never runs this, the clips and hashes are committed.
# Needs ffmpeg built with libx264 (Debian 12: `apt-get install ffmpeg`, which gave ffmpeg 5.1.x).
# Clips are 64x64 `testsrc2` patterns (no face needed: these tests are about the container).
set -euo pipefail
cd "$(dirname "$0")/.."
out=core/tests/data/clips
mkdir -p "$out"

FF=(ffmpeg -hide_banner -loglevel error -y)
BITEXACT=(-fflags +bitexact -flags:v +bitexact)
SRC=(-f lavfi -i "testsrc2=size=64x64:rate=25:duration=1.2")
# B-frames, so that composition offsets exist (x264: 2 B-frames, no pyramid, GOP 12).
X264=(-c:v libx264 -preset veryfast -pix_fmt yuv420p -bf 2 -b-pyramid none -g 12 -x264-params "keyint_min=12:scenecut=0")

# 1. Fragmented MP4 whose trun boxes are version 1 with negative composition offsets
#    (the signed field re_mp4 0.5.1 read as unsigned).
"${FF[@]}" "${SRC[@]}" "${X264[@]}" -movflags frag_keyframe+empty_moov+negative_cts_offsets \
  "${BITEXACT[@]}" "$out/frag_negative_cts.mp4"

# 2. An edit list that starts with an empty edit (media_time -1) of 0.2 s: the first frame is
#    presented at 200 ms. The MP4 muxer writes the empty edit for a stream that starts late.
"${FF[@]}" "${SRC[@]}" "${X264[@]}" -output_ts_offset 0.2 "${BITEXACT[@]}" "$out/edit_empty_start.mp4"

# 3. Colour tags in the sample entry's colr box: nclx in MP4 (full-range BT.470BG), nclc in
#    MOV (BT.2020 / HLG, as iPhone HDR), and the Matroska Colour element (BT.709, limited).
"${FF[@]}" "${SRC[@]}" "${X264[@]}" -frames:v 5 -color_range pc -color_primaries bt470bg -color_trc smpte170m \
  -colorspace bt470bg "${BITEXACT[@]}" "$out/colr_nclx_fullrange601.mp4"
"${FF[@]}" "${SRC[@]}" "${X264[@]}" -frames:v 5 -color_primaries bt2020 -color_trc arib-std-b67 \
  -colorspace bt2020nc -movflags +write_colr "${BITEXACT[@]}" "$out/colr_nclc_hlg.mov"
"${FF[@]}" "${SRC[@]}" "${X264[@]}" -frames:v 5 -color_range tv -color_primaries bt709 -color_trc bt709 \
  -colorspace bt709 "${BITEXACT[@]}" "$out/colour_bt709.mkv"

# Reference frame hashes (what ffmpeg presents, in presentation order).
for f in frag_negative_cts.mp4 edit_empty_start.mp4; do
  "${FF[@]}" -i "$out/$f" -map 0:v:0 -f framehash -hash sha256 "$out/${f%.*}.framehash"
done
# mb_edit-list-discard.mp4 is a copied third-party clip (see README.md); its hashes too.
"${FF[@]}" -i "$out/mb_edit-list-discard.mp4" -map 0:v:0 -f framehash -hash sha256 "$out/mb_edit-list-discard.framehash"
