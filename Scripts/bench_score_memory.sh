#!/usr/bin/env bash
# Peak memory of `ssmtl score` must not grow with the video's length (frames stream through a sliding window).
# Renders two synthetic videos with the ffmpeg CLI, 1 and 20 minutes long (360x240, 25 fps, a grey scene that a
# white box crosses for 3 s of every 30 s, so the motion detector and the network both work), scores each with
# MODEL and prints both peak RSS figures and their ratio.
# Usage: Scripts/bench_score_memory.sh MODEL.safetensors [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:?usage: Scripts/bench_score_memory.sh MODEL.safetensors [WORK_DIR]}
work=${2:-${TMPDIR:-/tmp}/ssmtl-score-memory}
ssmtl="$root/.build/release/ssmtl"
[ -x "$ssmtl" ] || (cd "$root" && swift build -c release --product ssmtl >/dev/null)
mkdir -p "$work"
declare -A rss secs
for minutes in 1 20; do
  video="$work/scene-${minutes}min.mp4"
  if [ ! -s "$video" ]; then
    ffmpeg -v error -y -f lavfi -i "color=c=0x606060:s=360x240:r=25:d=$((minutes * 60))" \
      -vf "drawbox=x='mod(t*60\,300)':y=100:w=30:h=50:color=white:t=fill:enable='lt(mod(t\,30)\,3)'" \
      -c:v libx264 -preset veryfast -pix_fmt yuv420p "$video"
  fi
  /usr/bin/time -f "%e %M" -o "$work/time-$minutes" "$ssmtl" score "$video" --model "$model" \
    --out "$work/scores-$minutes" --force --quiet
  read -r secs[$minutes] rss[$minutes] < "$work/time-$minutes"
  printf '%2d min video: %6.1f s, peak RSS %d MB\n' "$minutes" "${secs[$minutes]}" $((rss[$minutes] / 1024))
done
echo "peak RSS 20 min / 1 min = $(echo "scale=3; ${rss[20]} / ${rss[1]}" | bc)"
