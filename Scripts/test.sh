#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole test suite (`swift test`).
# Tests that need the real datasets (../shared/datasets beside the repository) skip when it is absent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SSMTL_SKIP_RELEASE_BUILD=${SSMTL_SKIP_RELEASE_BUILD:-1} "$root/Scripts/setup.sh"
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
# The real COCO yolov3-tiny weights for the exactness tests (they skip, saying why, when the fetch cannot run).
"$root/Scripts/fetch_models.sh" || echo "test: no real YOLO weights; RealYoloTests will skip" >&2
swift build --build-tests
swift test --skip-build "$@"
