#!/usr/bin/env bash
# Decoding speed of ssmtl's FFmpeg reader against the ffmpeg command line on the same file.
# Usage: Scripts/bench_decode.sh [VIDEO]   (default: a 60 s 640x360 H.264 test clip made here with ffmpeg)
# Prints frames/s of `ffmpeg -f null` (decode only), of `ffmpeg -pix_fmt rgb24 -f null` (decode + RGB
# conversion, the same work as ours), and of `ssmtl info --decode` (decode + RGB24), and the ratios.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v ffmpeg >/dev/null || { echo "bench_decode: needs the ffmpeg command line (apt-get install ffmpeg)" >&2; exit 1; }
"$root/Scripts/setup.sh" >/dev/null
video=${1:-}
if [ -z "$video" ]; then
  video=$(mktemp -d)/bench_640x360.mp4
  ffmpeg -v error -f lavfi -i "testsrc2=size=640x360:rate=25" -t 60 -c:v libx264 -preset veryfast -pix_fmt yuv420p "$video"
fi
frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$video")
best() { sort -n | head -1; }
t_null=$(for i in 1 2 3; do /usr/bin/env bash -c "TIMEFORMAT=%R; time ffmpeg -v error -i '$video' -f null - " 2>&1 | tail -1; done | best)
t_rgb=$(for i in 1 2 3; do /usr/bin/env bash -c "TIMEFORMAT=%R; time ffmpeg -v error -i '$video' -pix_fmt rgb24 -f null - " 2>&1 | tail -1; done | best)
t_ours=$(for i in 1 2 3; do /usr/bin/env bash -c "TIMEFORMAT=%R; time '$root/.build/release/ssmtl' info --decode --quiet '$video' >/dev/null" 2>&1 | tail -1; done | best)
awk -v n="$frames" -v a="$t_null" -v b="$t_rgb" -v c="$t_ours" -v v="$video" 'BEGIN {
  printf "video=%s frames=%d (best of 3 wall-clock runs)\n", v, n
  printf "ffmpeg -f null:               %7.1f frames/s\n", n / a
  printf "ffmpeg -pix_fmt rgb24 -f null: %7.1f frames/s\n", n / b
  printf "ssmtl info --decode (rgb24):  %7.1f frames/s\n", n / c
  printf "ratio_vs_null=%.2f ratio_vs_rgb24=%.2f\n", a / c, b / c
}'
