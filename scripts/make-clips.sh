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
#    Test data only (core/tests/data/unsupported/), kept out of samples/ so `make demo` exits 0.
unsupported=core/tests/data/unsupported
mkdir -p "$unsupported"
"${FF[@]}" $(still "$LIVE") -vf "$ZOOM,format=yuv420p" -frames:v 10 \
  -c:v libvpx -b:v 200k "${BITEXACT[@]}" "$unsupported/unsupported_vp8.webm"
"${FF[@]}" $(still "$LIVE") -vf "$ZOOM,format=yuv420p" -frames:v 10 \
  -c:v mpeg4 -q:v 8 "${BITEXACT[@]}" "$unsupported/unsupported_mpeg4.mp4"

# 8. H.264 B-frame whose references all precede it (H.264 8.2.4.2.3, the RefPicList1 swap:
# when the initial RefPicList1 has more than one entry and equals RefPicList0, its first two
# entries are switched, before the lists are cut to num_ref_idx_lX_active). Apple's encoder
# ends recordings with such B-frames; x264 never writes one (its last frame in display order is
# always a P), so the clip is x264's, with one slice header field rewritten:
# - x264 with fixed B placement: decode order ... P24 P28 B25 B26 B27 P29, 3 reference frames,
#   one active List1 entry in B slices. One x264 thread: x264's output depends on its thread
#   count (so on the machine's cores) otherwise.
# - set_poc_lsb gives B27 (decode-order picture 28) POC 57, after P28 (56) and before P29 (58):
#   its DPB then holds P28, P24, P20, all in the past, so both initial lists are
#   [P28, P24, P20] and List1 becomes [P24] after the swap. (x264 meant [P28]: frame 28 looks
#   wrong, but it is what the standard says, and what ffmpeg decodes.)
# - setts swaps the container timestamps of P28 (packet 25) and B27 (packet 28) (512 = one
#   frame in the MP4 muxer's 1/12800 time base), so the
#   presentation order stays the POC order: B27 is presentation frame 28.
"${FF[@]}" $(still "$LIVE") -vf "$ZOOM,format=yuv420p" -frames:v 30 \
  -c:v libx264 -preset medium -profile:v high -bf 3 -refs 3 -crf 30 -g 30 \
  -threads 1 -x264-params b-adapt=0:b-pyramid=none "${BITEXACT[@]}" "$tmp/h264_b.mp4"
python3 - "$tmp/h264_b.mp4" "$tmp/h264_b_poc.mp4" 28 57 <<'PY'
import sys
# set_poc_lsb SRC DST PICTURE POC: sets pic_order_cnt_lsb (POC type 0) of every slice of
# PICTURE (0-based, decode order) of the only (H.264) track of MP4 SRC to POC mod MaxPicOrderCntLsb,
# in place (a fixed-width field: the file layout does not change), and writes DST.
src, dst, target, new_lsb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = bytearray(open(src, 'rb').read())

def unescape(b):
    out, zeros = bytearray(), 0
    for x in b:
        if zeros >= 2 and x == 3:
            zeros = 0
            continue
        out.append(x)
        zeros = zeros + 1 if x == 0 else 0
    return out

def escape(b):
    out, zeros = bytearray(), 0
    for x in b:
        if zeros >= 2 and x <= 3:
            out.append(3)
            zeros = 0
        out.append(x)
        zeros = zeros + 1 if x == 0 else 0
    return out

class Bits:
    def __init__(self, b): self.b, self.p = b, 0
    def u(self, n):
        v = 0
        for _ in range(n):
            v = (v << 1) | ((self.b[self.p >> 3] >> (7 - (self.p & 7))) & 1)
            self.p += 1
        return v
    def ue(self):
        z = 0
        while self.u(1) == 0: z += 1
        return (1 << z) - 1 + self.u(z)

def box(name, start=0):
    i = data.find(name, start)
    assert i > 4, name
    return i - 4, int.from_bytes(data[i - 4:i], 'big')

# SPS from avcC: log2_max_frame_num, poc type, log2_max_poc_lsb, frame_mbs_only.
a, _ = box(b'avcC')
nal_len = (data[a + 12] & 3) + 1
assert data[a + 13] & 31 == 1
sps_len = int.from_bytes(data[a + 14:a + 16], 'big')
s = Bits(unescape(data[a + 16:a + 16 + sps_len])[1:])
profile = s.u(8); s.u(16); s.ue()
if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
    cf = s.ue()
    if cf == 3: s.u(1)
    s.ue(); s.ue(); s.u(1)
    assert s.u(1) == 0, 'scaling matrices not handled'
lfn = s.ue() + 4
assert s.ue() == 0, 'poc type 0 only'
lpoc = s.ue() + 4
s.ue(); s.u(1); s.ue(); s.ue()
assert s.u(1) == 1, 'progressive only'
new_lsb %= 1 << lpoc

# Walk the length-prefixed NAL units of mdat (one video track, samples in decode order).
m, size = box(b'mdat')
p, end, pic, patched = m + 8, m + size, -1, 0
while p < end:
    n = int.from_bytes(data[p:p + nal_len], 'big')
    q = p + nal_len
    t = data[q] & 31
    if t in (1, 5):
        rb = unescape(data[q + 1:q + n])
        b = Bits(rb)
        if b.ue() == 0:
            pic += 1
        if pic == target:
            b.ue(); b.ue(); b.u(lfn)
            if t == 5: b.ue()
            pos = b.p
            for i in range(lpoc):
                bit = (new_lsb >> (lpoc - 1 - i)) & 1
                k = pos + i
                rb[k >> 3] = (rb[k >> 3] & ~(1 << (7 - (k & 7)))) | (bit << (7 - (k & 7)))
            out = data[q:q + 1] + escape(rb)
            assert len(out) == n, 'emulation prevention changed the NAL size'
            data[q:q + n] = out
            patched += 1
    p = q + n
assert patched, 'no slice patched'
open(dst, 'wb').write(data)
print(f'set_poc_lsb: patched {patched} slice(s) of picture {target} (decode order): pic_order_cnt_lsb = {new_lsb}')
PY
"${FF[@]}" -i "$tmp/h264_b_poc.mp4" -map 0:v -c copy \
  -bsf:v "setts=pts=if(eq(N\\,25)\\,PTS-512\\,if(eq(N\\,28)\\,PTS+512\\,PTS))" "${BITEXACT[@]}" \
  "$out/h264_bframe_past_refs.mp4"

# Reference hashes: SHA-256 of every decoded frame, planar YUV at the decoder's native format
# (yuv420p: Y, U, V tightly packed; yuv420p10le: 16-bit little-endian samples), in
# presentation order, before any rotation (-noautorotate) and with no frame dropped or
# duplicated (-fps_mode passthrough).
for f in h264_high_bframes.mp4 h264_aac_rot90.mov h264_fragmented.mp4 hevc_main_rot90.mov \
         hevc_main10.mp4 vp9.webm h264_bframe_past_refs.mp4; do
  ffmpeg -hide_banner -loglevel error -noautorotate -i "$out/$f" -map 0:v:0 -fps_mode passthrough \
    -f framehash -hash sha256 - > "$out/${f%.*}.framehash"
done

ls -l "$out"
