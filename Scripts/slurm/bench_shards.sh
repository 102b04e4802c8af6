#!/usr/bin/env bash
# Times one `ssmtl score` process against a Slurm job array of SHARDS tasks (Scripts/slurm/score.sbatch, one CPU
# each) over the same videos and model on this machine, in one run, and checks that both wrote the same bytes.
# Usage: Scripts/slurm/bench_shards.sh VIDEOS MODEL WORK_DIR
#   e.g. Scripts/slurm/bench_shards.sh ../shared/datasets/ped2/testing/frames ped2/model.safetensors bench-shards
# Environment: SHARDS (3), CPUS_PER_TASK (1), THREADS of the single process (0 = all cores), SLURM_CONF (a running
# cluster; without it a one-node cluster is started in WORK_DIR/cluster with local_cluster.sh and stopped at the end).
# WORK_DIR/single and WORK_DIR/sharded are emptied first: both runs score every video. The array's files must equal,
# byte for byte, those of a single process with the tasks' thread count (run too when THREADS differs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
videos=${1:?usage: bench_shards.sh VIDEOS MODEL WORK_DIR}
model=${2:?usage: bench_shards.sh VIDEOS MODEL WORK_DIR}
work=${3:?usage: bench_shards.sh VIDEOS MODEL WORK_DIR}
shards=${SHARDS:-3}; cpus=${CPUS_PER_TASK:-1}; threads=${THREADS:-0}
mkdir -p "$work"
work=$(cd "$work" && pwd); videos=$(cd "$videos" && pwd); model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")

"$root/Scripts/setup.sh" >/dev/null
ssmtl="$root/.build/release/ssmtl"
if [ -z "${SLURM_CONF:-}" ]; then
  trap 'bash "$root/Scripts/slurm/local_cluster.sh" stop "$work/cluster"' EXIT
  SLURM_CONF=$(bash "$root/Scripts/slurm/local_cluster.sh" start "$work/cluster")
  export SLURM_CONF
fi

rm -rf "$work/single" "$work/sharded" "$work/logs"
mkdir -p "$work/logs"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "OpenBLAS kernel: $("$ssmtl" bench nn --iterations 1 --batch 2 | sed -n 's/.*blas_core=//p' | head -n 1)"
echo "videos: $(ls "$videos" | wc -l) in $videos; model: $model"

start=$(date +%s.%N)
"$ssmtl" score "$videos" --model "$model" --out "$work/single" --threads "$threads" --quiet
single=$(echo "$(date +%s.%N) - $start" | bc)
echo "single process (--threads $threads): ${single} s"

start=$(date +%s.%N)
job=$(SSMTL="$ssmtl" sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task="$cpus" --chdir="$work/logs" \
  --output="$work/logs/%A_%a.out" "$root/Scripts/slurm/score.sbatch" --model "$model" --out "$work/sharded" "$videos")
job=${job%%;*}
while [ -n "$(squeue -h -j "$job" -o %i)" ]; do sleep 1; done
array=$(echo "$(date +%s.%N) - $start" | bc)
echo "job array $job, $shards tasks of $cpus CPU(s): ${array} s (submission to the last task's end)"
scontrol show job -o "$job" | sed -n 's/.*ArrayTaskId=\([0-9]*\).*JobState=\([A-Z]*\).*ExitCode=\([0-9:]*\).*RunTime=\([0-9:-]*\).*/  task \1: \2, exit \3, run time \4/p'
grep -h "scores .* of the" "$work"/logs/"${job}"_*.out | sed 's/^/  /'

# The network's rounding depends on how many threads split a batch, so the files are compared byte for byte with a
# process of the tasks' thread count (timed too); one of another count differs in the last digits of some scores.
reference="$work/single"
if [ "$threads" != "$cpus" ]; then
  reference="$work/single-threads-$cpus"
  rm -rf "$reference"
  start=$(date +%s.%N)
  "$ssmtl" score "$videos" --model "$model" --out "$reference" --threads "$cpus" --quiet
  echo "single process (--threads $cpus, the tasks' count): $(echo "$(date +%s.%N) - $start" | bc) s"
  echo "outputs of the array against the single process with --threads $threads: $(diff -rq "$work/single" "$work/sharded" | wc -l) of $(ls "$work/single" | wc -l) files differ"
fi
if diff -r "$reference" "$work/sharded" >/dev/null; then
  echo "outputs of the array against the single process with --threads $cpus: identical ($(ls "$reference" | wc -l) files, diff -r)"
else
  echo "outputs of the array against the single process with --threads $cpus: DIFFERENT (diff -r $reference $work/sharded)"
  exit 1
fi
