#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole test suite (`swift test`) with a one-node
# Slurm cluster running for the Slurm tests (slurm-wlm and munge installed if missing) and chromium for the report's
# screenshot test (installed if missing), then every fuzz target briefly.
# Tests that need the real datasets (../shared/datasets beside the repository) skip when it is absent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SSMTL_SKIP_RELEASE_BUILD=${SSMTL_SKIP_RELEASE_BUILD:-1} "$root/Scripts/setup.sh"
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
# The real COCO yolov3-tiny weights for the exactness tests (they skip, saying why, when the fetch cannot run).
"$root/Scripts/fetch_models.sh" || echo "test: no real YOLO weights; RealYoloTests will skip" >&2
# The real-Slurm tests (SlurmShardTests) run on a one-node cluster started here and stopped on exit; when Slurm
# cannot be installed or started they skip, saying why.
start_slurm() {
  local missing=() p sudo=""
  for p in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "test: installing ${missing[*]} for the Slurm tests" >&2
    [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
  fi
  slurm_dir=$(mktemp -d "${TMPDIR:-/tmp}/ssmtl-slurm-XXXXXX")
  trap 'bash "$root/Scripts/slurm/local_cluster.sh" stop "$slurm_dir"; rm -rf "$slurm_dir"' EXIT
  SSMTL_SLURM_CONF=$(bash "$root/Scripts/slurm/local_cluster.sh" start "$slurm_dir") || return 1
  export SSMTL_SLURM_CONF
}
start_slurm || echo "test: no Slurm cluster (see above); SlurmShardTests will skip" >&2
# The report's browser test (ReportCommandTests.testABrowserDrawsThePage) screenshots a page with Debian's chromium;
# it skips, saying why, when chromium cannot be installed.
install_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  local sudo=""
  echo "test: installing chromium for the report screenshot test" >&2
  [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}
install_chromium || echo "test: no chromium; the report's browser test will skip" >&2

swift build --build-tests
swift test --skip-build "$@"
# Every parser under libFuzzer for about 20 s on its committed corpus (docs/reliability.md); a crash, leak, hang or
# runaway allocation fails the run and leaves the input in .build-fuzz/findings/. Building the fuzz modules takes
# about 3 minutes on 2 cores. SSMTL_SKIP_FUZZ=1 leaves it out (e.g. when running a filtered subset of the tests).
if [ "${SSMTL_SKIP_FUZZ:-0}" != 1 ]; then "$root/Scripts/fuzz.sh" all "${SSMTL_FUZZ_SECONDS:-20}"; fi
