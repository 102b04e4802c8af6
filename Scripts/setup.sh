#!/usr/bin/env bash
# Installs the system libraries ssmtl needs when they are missing (Debian/Ubuntu, apt-get) and builds the
# release binary at .build/release/ssmtl. Safe to run again: it installs nothing that is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
command -v swift >/dev/null 2>&1 || { echo "setup: the Swift toolchain (6.0 or newer) is not on PATH" >&2; exit 1; }

packages=(pkg-config libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libopenblas-dev zlib1g-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${SSMTL_SKIP_RELEASE_BUILD:-0}" != 1 ]; then
  swift build -c release --product ssmtl
  test -x .build/release/ssmtl || { echo "setup: the release build failed" >&2; exit 1; }
  echo "setup: built $(pwd)/.build/release/ssmtl" >&2
fi
