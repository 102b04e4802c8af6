#!/usr/bin/env bash
# Regenerates Tests/VideoIOTests/Fixtures: a video and BMP files written by the project's own writers,
# a file in a pixel format swscale cannot read, and the golden per-frame MD5s of the ffmpeg command line
# (`-f framemd5`) for those files and for real Ped2 data when ../shared/datasets is present.
# Usage: Scripts/make_video_fixtures.sh [DATASETS_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fixtures="$root/Tests/VideoIOTests/Fixtures"
datasets=${1:-$root/../shared/datasets}
mkdir -p "$fixtures"
cd "$root"

SSMTL_WRITE_FIXTURES="$fixtures" swift test --filter FixtureWriter >/dev/null
# bgr4 (4-bit packed) is a format the decoder delivers but swscale cannot convert from.
ffmpeg -v error -y -f lavfi -i testsrc=size=16x16:rate=5 -t 0.4 -pix_fmt bgr4 -c:v rawvideo "$fixtures/unsupported_bgr4.nut"

golden="$fixtures/golden_md5.txt"
: > "$golden.tmp"
# key, input options, pixel format
md5s() { # key pix_fmt ffmpeg-input-args...
  local key=$1 fmt=$2; shift 2
  ffmpeg -v error "$@" -pix_fmt "$fmt" -f framemd5 - | grep -v '^#' | awk -F', *' -v k="$key" '{print k, NR-1, $6}' >> "$golden.tmp"
}
md5s clip_rgb24 rgb24 -i "$fixtures/clip.mp4"
md5s clip_gray gray -i "$fixtures/clip.mp4"
md5s mask_bmp_gray gray -i "$fixtures/mask.bmp"
md5s picture_bmp_rgb24 rgb24 -i "$fixtures/picture.bmp"
if [ -d "$datasets/ped2" ]; then
  md5s ped2_test01_rgb24 rgb24 -i "$datasets/ped2/testing/frames/01/%03d.jpg"
  md5s ped2_test01_gray gray -i "$datasets/ped2/testing/frames/01/%03d.jpg"
  md5s ped2_test001_gt_gray gray -start_number 1 -i "$datasets/ped2/gt/Test001_gt/%03d.png"
else
  echo "note: $datasets/ped2 absent: Ped2 golden values not regenerated" >&2
  grep '^ped2_' "$golden" >> "$golden.tmp" 2>/dev/null || true
fi
mv "$golden.tmp" "$golden"
echo "wrote $(wc -l < "$golden") golden checksums to $golden"
