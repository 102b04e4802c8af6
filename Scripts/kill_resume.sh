#!/usr/bin/env bash
# Kills `ssmtl train` and `ssmtl score` with SIGKILL at random moments (seeded: the same seed, the same moments) and
# runs them again each time, then checks that what they finish with is byte for byte what an uninterrupted run
# writes, and that no kill ever leaves a partial output file.
#
#   Scripts/kill_resume.sh [BIN]        # BIN defaults to .build/release/ssmtl
#
# Environment: SSMTL_KILL_SEED (1), SSMTL_KILL_COUNT (20 kills of each command), SSMTL_KILL_WORK (a scratch folder,
# kept; default a new folder in $TMPDIR, removed at the end unless SSMTL_KILL_KEEP=1).
#
# Training: a small synthetic scene, tiny network, 1 thread (deterministic), trained once without interruption. Then
# runs of the same command are killed after a random delay in [0, T) (T = the uninterrupted run's time) and started
# again with --resume (without it when no checkpoint exists yet). A run that finishes before its moment is compared
# with the uninterrupted model (cmp) and the next run starts from scratch, until COUNT kills have landed.
# Scoring: --overlay --object-heads --npy on a batch of test videos; after each kill every output file present must
# equal the uninterrupted run's (cmp), temporaries left by the kill are counted; the run is started again (it skips
# the finished videos) and each finished chain must equal the uninterrupted outputs with no temporary left.
# Prints a table per command and exits 1 when any check fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/.build/release/ssmtl}
[ -x "$bin" ] || { echo "kill_resume: no executable $bin (swift build -c release --product ssmtl)" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
seed=${SSMTL_KILL_SEED:-1}
count=${SSMTL_KILL_COUNT:-20}
work=${SSMTL_KILL_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/ssmtl-kill-XXXXXX")}
mkdir -p "$work"
[ -n "${SSMTL_KILL_WORK:-}" ] || [ "${SSMTL_KILL_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
cd "$work"
RANDOM=$seed
failures=0

# A uniform number in [0, 1) from bash's seeded generator (30 bits).
uniform() { echo "scale=6; ($RANDOM * 32768 + $RANDOM) / 1073741824" | bc; }
# A random moment in [0, $1) seconds, two decimals.
moment() { printf '%.2f' "$(echo "$(uniform) * $1" | bc -l)"; }
now() { date +%s.%N; }
seconds_since() { printf '%.2f' "$(echo "$(now) - $1" | bc -l)"; }

# Runs the command in the background, SIGKILLs it after $1 seconds (never when $1 is empty), and sets `status` to its
# exit status (137: killed).
run_killed_after() {
  local delay=$1 pid
  shift
  "$@" &
  pid=$!
  status=0
  if [ -n "$delay" ]; then sleep "$delay"; kill -KILL "$pid" 2>/dev/null || true; fi
  { wait "$pid"; } 2>/dev/null || status=$?
}

# The metadata value `key` of a safetensors file ("-" when absent).
meta() { head -c 65536 "$1" 2>/dev/null | grep -ao "\"$2\":\"[^\"]*\"" | head -1 | cut -d'"' -f4 || true; }

echo "kill_resume: seed $seed, $count kills of each command, work folder $work" >&2
rm -rf data
"$bin" synth --out data --train-videos 2 --test-videos 3 --frames 90 --width 128 --height 128 --seed "$seed" --quiet

# ---------------------------------------------------------------- training
tiny=(--crop-size 16 --encoder 4,M,8,M --head-channels 4 --decoder-channels 4 --batch 8 --shuffle-buffer 16 --threads 1)
epochs=4 student_epochs=2
train_args=(train data/training/videos --epochs $epochs --student-epochs $student_epochs --objects-per-epoch 200 --seed "$seed" "${tiny[@]}")
rm -rf ref && mkdir -p ref
start=$(now)
"$bin" "${train_args[@]}" --out ref/m.safetensors 2>ref/train.log
train_time=$(seconds_since "$start")
echo "kill_resume: uninterrupted training $train_time s" >&2

# What a run was doing when killed, from the last progress line it printed ($1) and the epochs its checkpoint had
# done when it started ($2 main, $3 student).
train_stage() {
  local last
  last=$(grep -v '^train: warning' "$1" | tail -1 || true)
  case "$last" in
    "") echo "start-up";;
    "train: removed "*|"train: resuming"*|"train: "*" videos, validation"*) echo "detection pass";;
    "train: "*" training objects"*)
      if [ "$2" -lt "$epochs" ]; then echo "main epoch $(($2 + 1))"
      elif [ "$3" -lt "$student_epochs" ]; then echo "student epoch $(($3 + 1))"
      else echo "statistics (epochs done before)"; fi;;
    "epoch $epochs:"*) echo "student epoch 1";;
    "epoch "*) echo "main epoch $(( $(echo "$last" | sed 's/^epoch \([0-9]*\).*/\1/') + 1 ))";;
    "student epoch $student_epochs:"*) echo "statistics pass";;
    "student epoch "*) echo "student epoch $(( $(echo "$last" | sed 's/^student epoch \([0-9]*\).*/\1/') + 1 ))";;
    "train: appearance bank"*) echo "statistics done, before sigma";;
    "train: choosing the scoring sigma"*) echo "sigma calibration";;
    "train: scoring sigma"*|"train: no validation video"*) echo "after sigma";;
    "train: scoring the normal validation frames"*) echo "normal frames' scores";;
    "train: event threshold"*) echo "final save";;
    *) echo "after: ${last:0:40}";;
  esac
}

rm -rf kill && mkdir -p kill
table_train="kill | chain | run | delay s | stage when killed | on disk after the kill | chain resumed equal"
chain=1; kills=0; runs=0
declare -a pending=()   # table rows of the current chain, waiting for its result

# A chain ended with RESULT (yes/NO): its pending rows go to the table named TABLE, or EMPTY_ROW when no kill landed
# in it; then the next chain starts in an empty folder DIR unless the kills are all done (status 1 = stop).
end_chain() {
  local -n table=$1
  local result=$2 empty_row=$3 dir=$4 row
  for row in "${pending[@]}"; do table+=$'\n'"$row | $result"; done
  [ ${#pending[@]} -eq 0 ] && table+=$'\n'"$empty_row | $result"
  pending=()
  [ "$kills" -ge "$count" ] && return 1
  chain=$((chain + 1))
  rm -rf "$dir" && mkdir -p "$dir"
}
while :; do
  runs=$((runs + 1))
  resume=()
  [ -f kill/m.last.safetensors ] && resume=(--resume)
  done_main=$(meta kill/m.last.safetensors epoch); done_student=$(meta kill/m.last.safetensors student_epoch)
  if [ "$kills" -lt "$count" ]; then
    delay=$(moment "$train_time")
  else
    delay=""
  fi
  run_killed_after "$delay" "$bin" "${train_args[@]}" --out kill/m.safetensors "${resume[@]}" 2>kill/run.log
  if [ "$status" -eq 137 ]; then
    kills=$((kills + 1))
    stage=$(train_stage kill/run.log "${done_main:-0}" "${done_student:-0}")
    if [ -f kill/m.last.safetensors ]; then
      disk="model: best epoch $(meta kill/m.safetensors best_epoch), student $(meta kill/m.safetensors student_epoch)"
      disk+="; last: epoch $(meta kill/m.last.safetensors epoch), student $(meta kill/m.last.safetensors student_epoch)"
    else
      disk="no checkpoint yet"
    fi
    disk+=", $(find kill -name '.*tmp-*' | wc -l) temporaries"
    pending+=("$kills | $chain | ${resume[*]:-fresh} | $delay | $stage | $disk")
    continue
  fi
  if [ "$status" -ne 0 ]; then
    echo "kill_resume: training run failed with status $status:" >&2; cat kill/run.log >&2; exit 1
  fi
  # The chain finished: compare with the uninterrupted model, then start the next one.
  if cmp -s kill/m.safetensors ref/m.safetensors && [ -z "$(find kill -name '.*tmp-*')" ]; then result=yes; else result=NO; failures=$((failures + 1)); fi
  end_chain table_train "$result" "- | $chain | ${resume[*]:-fresh} | ${delay:-none} | finished before its moment | complete" kill || break
done

# ---------------------------------------------------------------- scoring
# The command scoring into folder $1 (scores and overlays beside each other).
score_args() { score_args=(score data/testing/videos --model ref/m.safetensors --out "$1/scores" --overlay "$1/overlays" --object-heads --npy --threads 1); }
rm -rf sref sref2 && mkdir -p sref sref2
start=$(now)
score_args sref; "$bin" "${score_args[@]}" 2>score-ref.log
score_time=$(seconds_since "$start")
score_args sref2; "$bin" "${score_args[@]}" 2>/dev/null
if diff -r sref/overlays sref2/overlays >/dev/null; then overlays_deterministic=yes; else overlays_deterministic=no; fi
diff -r sref/scores sref2/scores >/dev/null || { echo "kill_resume: two uninterrupted scoring runs differ" >&2; exit 1; }
echo "kill_resume: uninterrupted scoring $score_time s; overlays byte-identical across runs: $overlays_deterministic" >&2

# Every output present equals the uninterrupted run's (overlays: byte for byte when runs are deterministic, else
# they must decode to the reference's frame count). Prints "N files, all whole" or what is wrong.
check_present() {
  local bad=0 n=0 f rel
  while IFS= read -r f; do
    rel=${f#skill/}
    n=$((n + 1))
    if [[ "$rel" == overlays/* && "$overlays_deterministic" == no ]]; then
      "$bin" info --decode "$f" >/dev/null 2>&1 || { bad=$((bad + 1)); echo "broken overlay $rel" >&2; }
    elif ! cmp -s "$f" "sref/$rel"; then
      bad=$((bad + 1)); echo "partial or different: $rel" >&2
    fi
  done < <(find skill -type f ! -name '.*' | sort)
  [ "$bad" -eq 0 ] && echo "$n files, all whole" || echo "$n files, $bad NOT WHOLE"
  return "$bad"
}

table_score="kill | chain | delay s | videos done before | being written when killed | on disk after the kill | chain resumed equal"
rm -rf skill && mkdir -p skill
chain=1; kills=0; pending=()
while :; do
  if [ "$kills" -lt "$count" ]; then delay=$(moment "$score_time"); else delay=""; fi
  before=$( (find skill/scores -name '*.csv' ! -name '*.events.csv' ! -name '*.objects.csv' 2>/dev/null || true) | wc -l)
  score_args skill; run_killed_after "$delay" "$bin" "${score_args[@]}" 2>score-run.log
  if [ "$status" -eq 137 ]; then
    kills=$((kills + 1))
    if present=$(check_present); then :; else failures=$((failures + 1)); fi
    temporaries=$(find skill -name '.*tmp-*' | wc -l)
    writing=$(find skill -name '.*tmp-*' -printf '%f\n' | sed 's/^\.//; s/\.tmp-[^.]*//' | sort | paste -sd ' ')
    pending+=("$kills | $chain | $delay | $before | ${writing:-(no file open)} | $present, $temporaries temporaries")
    continue
  fi
  [ "$status" -eq 0 ] || { echo "kill_resume: scoring run failed with status $status:" >&2; cat score-run.log >&2; exit 1; }
  if diff -r skill/scores sref/scores >/dev/null && { [ "$overlays_deterministic" = no ] || diff -r skill/overlays sref/overlays >/dev/null; } \
     && [ -z "$(find skill -name '.*tmp-*')" ]; then result=yes; else result=NO; failures=$((failures + 1)); diff -r skill sref >&2 || true; fi
  end_chain table_score "$result" "- | $chain | ${delay:-none} | $before | finished before its moment | complete" skill || break
done

echo "ssmtl train: uninterrupted $train_time s, $count kills (SIGKILL) in $runs runs"
echo "$table_train" | column -t -s '|' -o '|'
echo
echo "ssmtl score --overlay --object-heads --npy: uninterrupted $score_time s, $count kills; overlays deterministic: $overlays_deterministic"
echo "$table_score" | column -t -s '|' -o '|'
echo
if [ "$failures" -eq 0 ]; then echo "kill_resume: all resumed runs equal the uninterrupted ones; no partial file after any kill"; else echo "kill_resume: $failures FAILURES"; exit 1; fi
