#!/usr/bin/env bash
# Peak resident memory of `ozinstant analyze` on one clip at several sampled-frame counts
# (issue 17: peak memory must not grow with --frames). Dev tool, not part of make test:
# RSS depends on the machine, so the test suite checks the heap instead (core/tests/memory.rs).
#
#   scripts/video-memory.sh CLIP [FRAMES...]     (default frames: 8 64; needs GNU time)
#
# A 1080p clip: ffmpeg -i ../shared/clips/lp_d13.mp4 -t 4 -vf scale=1080:1920 -c:v libx264 \
#   -preset veryfast -crf 23 -an /tmp/lp_d13_1080x1920.mp4
set -euo pipefail
cd "$(dirname "$0")/.."
clip=${1:?usage: scripts/video-memory.sh CLIP [FRAMES...]}
shift
frames=("${@:-8}")
[ $# -gt 0 ] || frames=(8 64)
cli=${OZINSTANT_CLI:-target/release/ozinstant}
[ -x "$cli" ] || cargo build --release --locked -p ozinstant-cli
for n in "${frames[@]}"; do
  /usr/bin/time -f "frames=$n peak_rss_kb=%M wall_s=%e" "$cli" analyze "$clip" --frames "$n" --no-progress >/dev/null
done
