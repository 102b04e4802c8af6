#!/usr/bin/env bash
# Writes the vehicle photograph the `ridden` kind of `ssmtl plant --objects DIR` puts on walkers (docs/experiments.md,
# criterion step 9; first written for step 8's `object` kind): a class the Ped2 and Avenue training videos do not
# show, cut out of its background.
#
#   Scripts/fetch_plant_objects.sh DIR
#
# DIR/motorcycle.png and DIR/motorcycle.mask.png: the left view of the Middlebury 2014 "Motorcycle" stereo pair as
# scikit-image 0.26.0's wheel ships it (skimage/data/motorcycle_left.png, with its disparity motorcycle_disp.npz),
# fetched from PyPI with `pip download --no-deps` (nothing is installed), both files checked against their sha256.
# The mask: OpenCV's GrabCut (8 iterations) inside the motorcycle's rectangle (88, 70, 610 x 375), minus the pixels
# whose disparity is below 38 (the shelves behind it, at 21), opened by 5 x 5, the largest component kept, closed by
# 7 x 7. Needs python3 with NumPy and OpenCV < 5 (installed into a temporary folder with pip when missing).
# Idempotent: a DIR that already holds both files is kept. On failure: one line on stderr, exit 1, DIR untouched.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dest=$1
fail() { echo "fetch_plant_objects: $*" >&2; exit 1; }
if [ -f "$dest/motorcycle.png" ] && [ -f "$dest/motorcycle.mask.png" ]; then
  echo "fetch_plant_objects: $dest/motorcycle.png and motorcycle.mask.png are already there"
  exit 0
fi
photo_sha=db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179
disparity_sha=2e49c8cebff3fa20359a0cc6880c82e1c03bbb106da81a177218281bc2f113d7
work=$(mktemp -d "${TMPDIR:-/tmp}/ssmtl-objects.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 -m pip --version >/dev/null 2>&1 || fail "needs python3 with pip"
echo "fetch_plant_objects: downloading scikit-image==0.26.0 (its wheel, about 14 MB) from PyPI" >&2
python3 -m pip download -q --no-deps --only-binary=:all: scikit-image==0.26.0 -d "$work/wheel" >/dev/null 2>&1 \
  || fail "cannot download scikit-image==0.26.0 from PyPI"
python3 - "$work" <<'PY' || fail "cannot read the wheel's motorcycle files"
import glob, sys, zipfile
work = sys.argv[1]
with zipfile.ZipFile(glob.glob(work + "/wheel/*.whl")[0]) as z:
    for name in ("motorcycle_left.png", "motorcycle_disp.npz"):
        open(f"{work}/{name}", "wb").write(z.read("skimage/data/" + name))
PY
[ "$(sha256sum "$work/motorcycle_left.png" | cut -d' ' -f1)" = "$photo_sha" ] || fail "motorcycle_left.png: sha256 differs"
[ "$(sha256sum "$work/motorcycle_disp.npz" | cut -d' ' -f1)" = "$disparity_sha" ] || fail "motorcycle_disp.npz: sha256 differs"
if ! python3 -c 'import cv2, numpy; assert int(cv2.__version__.split(".")[0]) < 5' 2>/dev/null; then
  echo "fetch_plant_objects: installing opencv-python-headless<5 into a temporary folder" >&2
  python3 -m pip install -q --target "$work/py" 'opencv-python-headless<5' >/dev/null 2>&1 || fail "cannot install opencv-python-headless<5"
  export PYTHONPATH="$work/py${PYTHONPATH:+:$PYTHONPATH}"
fi
mkdir -p "$work/out"
python3 - "$work" <<'PY' || fail "the cut-out failed"
import sys
import cv2, numpy as np
work = sys.argv[1]
photo = cv2.imread(work + "/motorcycle_left.png")
disparity = np.load(work + "/motorcycle_disp.npz")["arr_0"]
labels = np.zeros(photo.shape[:2], np.uint8)
cv2.setRNGSeed(1)
cv2.grabCut(photo, labels, (88, 70, 610, 375), np.zeros((1, 65)), np.zeros((1, 65)), 8, cv2.GC_INIT_WITH_RECT)
mask = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
mask &= ~(np.where(np.isfinite(disparity), disparity, 1e9) < 38)
mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
count, components, stats, _ = cv2.connectedComponentsWithStats(mask)
largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
mask = cv2.morphologyEx((components == largest).astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
cv2.imwrite(work + "/out/motorcycle.png", photo)
cv2.imwrite(work + "/out/motorcycle.mask.png", mask * 255)
print(f"fetch_plant_objects: mask of {int(mask.sum())} pixels ({100 * mask.mean():.1f} % of the photograph)", file=sys.stderr)
PY
mkdir -p "$dest" || fail "cannot create $dest"
mv "$work/out/motorcycle.mask.png" "$dest/motorcycle.mask.png.tmp" && mv "$work/out/motorcycle.png" "$dest/motorcycle.png.tmp"
mv "$dest/motorcycle.png.tmp" "$dest/motorcycle.png" && mv "$dest/motorcycle.mask.png.tmp" "$dest/motorcycle.mask.png"
echo "fetch_plant_objects: wrote $dest/motorcycle.png and $dest/motorcycle.mask.png"
