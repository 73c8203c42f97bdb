#!/usr/bin/env bash
# Makes the small test clips in samples/video/ from the still photos in samples/, and the
# reference frame hashes the Rust tests compare against (samples/video/*.framehash).
#
# Dev machines only: CI never runs this, the clips and hashes are committed.
# Needs ffmpeg built with libx264, libx265, libvpx and the native aac/mpeg4 encoders
# (Debian 12: `apt-get install ffmpeg`, which gave ffmpeg 5.1.x).
#
# Every clip is a slow zoom (and, for some, a pan) over one photo, so the face stays
# detectable in every frame and consecutive frames differ (real motion for the inter
# predictors). The outputs are deterministic for a given ffmpeg/x264/x265/libvpx build.
set -euo pipefail
cd "$(dirname "$0")/.."
out=samples/video
mkdir -p "$out"

LIVE=samples/minivision_live_image_T1.jpg          # Apache-2.0, see samples/SOURCES.tsv
SPOOF=samples/minivision_spoof_print_image_F1.jpg  # Apache-2.0, see samples/SOURCES.tsv

FF=(ffmpeg -hide_banner -loglevel error -y)
# Container metadata without the muxer's version string, so a rerun is byte-stable.
BITEXACT=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact)

# 30 frames at 25 fps (1.2 s), 480x360, slow zoom towards the centre.
ZOOM="zoompan=z='1+0.004*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=480x360:fps=25"
# Same, with a slow pan to the right.
PAN="zoompan=z='1.1+0.002*on':x='(iw-iw/zoom)*on/60':y='ih/2-(ih/zoom/2)':d=1:s=480x360:fps=25"
# Portrait phone: the sensor frame is stored rotated 90 degrees counter-clockwise and the
# track header says "rotate 90 clockwise for display". transpose=2 is 90 degrees CCW.
ROT="transpose=2"

still() { echo -loop 1 -framerate 25 -i "$1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# ffmpeg 5.1 drops `-metadata:s:v rotate=` when it re-encodes, but honours it on a stream copy:
# rotate90 IN OUT remuxes IN with the tkhd matrix set to "rotate 90 degrees clockwise" (a=0,
# b=1, c=-1, d=0, as iPhones write portrait video). ffmpeg 5.1 takes the tag counter-clockwise,
# hence 270.
rotate90() {
  "${FF[@]}" -i "$1" -map 0 -c copy -metadata:s:v:0 rotate=270 "${BITEXACT[@]}" "$2"
}

# 1. H.264 High profile, 3 B-frames, CABAC, 8x8 transform, MP4.
"${FF[@]}" $(still "$LIVE") -vf "$ZOOM,format=yuv420p" -frames:v 30 \
  -c:v libx264 -preset medium -profile:v high -bf 3 -crf 30 -g 30 "${BITEXACT[@]}" \
  "$out/h264_high_bframes.mp4"

# 2. H.264 (High) in MOV with an AAC audio track and 90-degree rotation in the tkhd matrix.
"${FF[@]}" $(still "$SPOOF") -f lavfi -i "sine=frequency=440:sample_rate=22050:duration=1.2" \
  -vf "$PAN,$ROT,format=yuv420p" -frames:v 30 -map 0:v -map 1:a \
  -c:v libx264 -preset medium -profile:v high -bf 2 -crf 30 -g 15 \
  -c:a aac -b:a 32k "${BITEXACT[@]}" "$tmp/h264_aac.mov"
rotate90 "$tmp/h264_aac.mov" "$out/h264_aac_rot90.mov"

# 3. Fragmented MP4 (empty moov + one moof/mdat per GOP of 10), H.264 Main.
"${FF[@]}" $(still "$LIVE") -vf "$PAN,format=yuv420p" -frames:v 30 \
  -c:v libx264 -preset fast -profile:v main -bf 2 -crf 30 -g 10 -keyint_min 10 \
  -movflags +frag_keyframe+empty_moov+default_base_moof "${BITEXACT[@]}" \
  "$out/h264_fragmented.mp4"

# 4. HEVC Main, tagged hvc1 (as iPhones write it), MOV, rotated 90 degrees.
"${FF[@]}" $(still "$LIVE") -vf "$ZOOM,$ROT,format=yuv420p" -frames:v 30 \
  -c:v libx265 -preset fast -crf 32 -tag:v hvc1 -x265-params log-level=error:keyint=30:bframes=3 \
  "${BITEXACT[@]}" "$tmp/hevc_main.mov"
rotate90 "$tmp/hevc_main.mov" "$out/hevc_main_rot90.mov"

# 5. HEVC Main10, hvc1, MP4.
"${FF[@]}" $(still "$SPOOF") -vf "$ZOOM,format=yuv420p10le" -frames:v 30 \
  -c:v libx265 -preset fast -crf 32 -tag:v hvc1 -x265-params log-level=error:keyint=30:bframes=3 \
  "${BITEXACT[@]}" "$out/hevc_main10.mp4"

# 6. VP9 profile 0 in WebM (alt-ref on, so the stream has hidden frames in superframes).
"${FF[@]}" $(still "$SPOOF") -vf "$PAN,format=yuv420p" -frames:v 30 \
  -c:v libvpx-vp9 -b:v 0 -crf 40 -deadline good -cpu-used 4 -auto-alt-ref 1 -lag-in-frames 16 \
  -g 30 "${BITEXACT[@]}" "$out/vp9.webm"

# 7. Unsupported codecs, for the UNSUPPORTED_CODEC path: VP8 in WebM, MPEG-4 Part 2 in MP4.
"${FF[@]}" $(still "$LIVE") -vf "$ZOOM,format=yuv420p" -frames:v 10 \
  -c:v libvpx -b:v 200k "${BITEXACT[@]}" "$out/unsupported_vp8.webm"
"${FF[@]}" $(still "$LIVE") -vf "$ZOOM,format=yuv420p" -frames:v 10 \
  -c:v mpeg4 -q:v 8 "${BITEXACT[@]}" "$out/unsupported_mpeg4.mp4"

# Reference hashes: SHA-256 of every decoded frame, planar YUV at the decoder's native format
# (yuv420p: Y, U, V tightly packed; yuv420p10le: 16-bit little-endian samples), in
# presentation order, before any rotation (-noautorotate) and with no frame dropped or
# duplicated (-fps_mode passthrough).
for f in h264_high_bframes.mp4 h264_aac_rot90.mov h264_fragmented.mp4 hevc_main_rot90.mov \
         hevc_main10.mp4 vp9.webm; do
  ffmpeg -hide_banner -loglevel error -noautorotate -i "$out/$f" -map 0:v:0 -fps_mode passthrough \
    -f framehash -hash sha256 - > "$out/${f%.*}.framehash"
done

ls -l "$out"
