#!/usr/bin/env bash
# Fuzzes the parsers: Scripts/fuzz.sh [TARGET|all] [SECONDS]   (default: all, 20 s each)
#
# Builds the library modules with libFuzzer coverage and AddressSanitizer into .build-fuzz/ (apart from the normal
# build), links one driver per target (Fuzz/<target>.swift, dashes as underscores), and runs each target in turn,
# one process on one core, for SECONDS on a scratch copy of its committed corpus (Fuzz/corpus/<target>/, so runs
# never grow the repository), with Fuzz/dict/<target>.dict when there is one. Prints the executions, seconds and
# result of each, and exits 1 when any target crashed, leaked, ran out of memory or hung; the input that did it is
# kept in .build-fuzz/findings/<target>/ (outside git) and can be replayed with `.build-fuzz/release/fuzz-<target> FILE`.
#
# Environment: FUZZ_RUNS=N stops each target after N executions instead (SECONDS still caps the time);
# FUZZ_SKIP_BUILD=1 uses the binaries already built; FUZZ_BUILD_ONLY=1 builds and links without running.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi

all_targets=(darknet-cfg darknet-weights checkpoint mat npy ped2-m track-file score-csv regions-file image-header)
target=${1:-all}
seconds=${2:-20}
if [ "$target" = all ]; then targets=("${all_targets[@]}")
elif [[ " ${all_targets[*]} " == *" $target "* ]]; then targets=("$target")
else echo "fuzz: unknown target '$target' (one of: all ${all_targets[*]})" >&2; exit 64; fi
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: SECONDS must be a positive integer, got '$seconds'" >&2; exit 64; }

build=.build-fuzz
bin=$build/release
modules=(AtomicFile CSignalCleanup CConvKernels VideoIO Randomness NeuralNet Evaluation Detection SSMTL)

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  start=$(date +%s)
  # Coverage and AddressSanitizer through -Xswiftc (SwiftPM's own --sanitize fuzzer left library modules without
  # coverage after incremental rebuilds: blind fuzzing, caught by the counter check below); -enable-testing: the
  # drivers reach the internal bytes-based entry points with @testable import.
  swift build -c release --build-path "$build" -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing \
    --target SSMTL 2>&1 | grep -E "error|Compiling|Build" || true
  [ -f "$bin/Modules/SSMTL.swiftmodule" ] || { echo "fuzz: building the fuzz modules failed" >&2; exit 1; }
  objects=()
  for m in "${modules[@]}"; do objects+=("$bin/$m.build"/*.o); done
  for t in "${targets[@]}"; do
    driver="Fuzz/${t//-/_}.swift"
    rm -f "$bin/fuzz-$t"
    # (ld.gold warns about every ASan helper symbol; those lines are dropped.)
    swiftc -O -sanitize=fuzzer,address -parse-as-library -I "$bin/Modules" \
      -I Sources/CFFmpeg -I Sources/CBLAS -I Sources/CZlib \
      -Xcc -fmodule-map-file="$bin/CSignalCleanup.build/module.modulemap" -Xcc -I -Xcc Sources/CSignalCleanup/include \
      -Xcc -fmodule-map-file="$bin/CConvKernels.build/module.modulemap" -Xcc -I -Xcc Sources/CConvKernels/include \
      "$driver" "${objects[@]}" -lavformat -lavcodec -lswscale -lavutil -lopenblas -lz \
      -o "$bin/fuzz-$t" 2>&1 | grep -v "Cannot export local symbol" || true
    [ -x "$bin/fuzz-$t" ] && [ "$bin/fuzz-$t" -nt "$driver" ] || { echo "fuzz: linking $driver failed" >&2; exit 1; }
    # The parsers' code must carry coverage counters (tens of thousands; the driver alone has a few dozen).
    counters=$("$bin/fuzz-$t" -runs=0 2>&1 | sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' | head -1)
    [ "${counters:-0}" -gt 1000 ] || { echo "fuzz: fuzz-$t has ${counters:-no} coverage counters: the modules were built without coverage" >&2; exit 1; }
  done
  echo "fuzz: built in $(( $(date +%s) - start )) s"
fi
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

failed=0
printf '%-16s %12s %8s %8s  %s\n' target executions seconds exec/s result
for t in "${targets[@]}"; do
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/ssmtl-fuzz-$t-XXXXXX")
  findings="$build/findings/$t"
  mkdir -p "$findings" "$scratch/corpus"
  cp Fuzz/corpus/"$t"/* "$scratch/corpus/"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$findings/")
  [ -f "Fuzz/dict/$t.dict" ] && args+=(-dict="Fuzz/dict/$t.dict")
  [ -n "${FUZZ_RUNS:-}" ] && args+=(-runs="$FUZZ_RUNS")
  log="$build/findings/$t.log"
  start=$(date +%s.%N)
  status=0
  "$bin/fuzz-$t" "${args[@]}" "$scratch/corpus" >"$log" 2>&1 || status=$?
  elapsed=$(echo "$(date +%s.%N) - $start" | bc)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  runs=${runs:-0}
  result=ok
  if [ "$status" -ne 0 ]; then
    failed=1
    if grep -q "ERROR: LeakSanitizer" "$log"; then result="LEAK"
    elif grep -q "ALARM: working on the last Unit\|ERROR: libFuzzer: timeout" "$log"; then result="HANG"
    elif grep -q "out-of-memory\|malloc(.*) exceeds limit" "$log"; then result="OUT OF MEMORY"
    else result="CRASH"; fi
    result="$result (exit $status): $(grep -o "$findings/[a-z-]*-[0-9a-f]*" "$log" | tail -1 || true), log $log"
  fi
  printf '%-16s %12s %8.0f %8.0f  %s\n' "$t" "$runs" "$elapsed" "$(echo "$runs / $elapsed" | bc -l)" "$result"
  rm -rf "$scratch"
done
exit $failed
