#!/usr/bin/env bash
# A screenshot of a report page (`ssmtl report`) as a real browser draws it:
#   Scripts/report_screenshot.sh REPORT.html OUT.png [WIDTH,HEIGHT]
# Installs Debian's chromium with apt-get when it is missing (as root, or with sudo -n), then runs it headless.
# The window is 1280x2000 pixels unless given; the picture shows the top of the page at that size.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH,HEIGHT]" >&2
  exit 64
fi
report=$1 out=$2 size=${3:-1280,2000}
[ -f "$report" ] || { echo "report_screenshot: $report: no such file" >&2; exit 1; }
case $out in *.png) ;; *) echo "report_screenshot: $out: the screenshot's name must end in .png" >&2; exit 64 ;; esac

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "report_screenshot: installing chromium (apt-get)" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null \
    || { echo "report_screenshot: cannot install chromium (needs root or passwordless sudo, and apt's sources)" >&2; exit 1; }
  browser=$(command -v chromium)
fi

# Absolute paths: the browser takes a file:// URL, and writes the screenshot relative to its own working folder.
abs() { (cd "$(dirname "$1")" && printf '%s/%s' "$(pwd)" "$(basename "$1")"); }
report=$(abs "$report")
mkdir -p "$(dirname "$out")"
out=$(abs "$out")
rm -f "$out"
# A scratch profile: no first-run state or lock of the user's profile, removed afterwards.
profile=$(mktemp -d "${TMPDIR:-/tmp}/ssmtl-chromium-XXXXXX")
trap 'rm -rf "$profile"' EXIT
# --no-sandbox: the sandbox cannot start as root or in most containers; the page is our own, with no script.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$profile" \
  --screenshot="$out" --window-size="$size" "file://$report" >"$profile/log" 2>&1 \
  || { echo "report_screenshot: chromium failed:" >&2; tail -n 5 "$profile/log" >&2; exit 1; }
[ -s "$out" ] || { echo "report_screenshot: chromium wrote no screenshot:" >&2; tail -n 5 "$profile/log" >&2; exit 1; }
echo "$out"
