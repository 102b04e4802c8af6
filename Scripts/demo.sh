#!/usr/bin/env bash
# The README's first command. The full demo (synthesise -> train -> score -> evaluate) arrives with the
# `synth`, `train`, `score` and `eval` commands; until then it sets up, builds, and shows what works today.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/Scripts/setup.sh"
ssmtl="$root/.build/release/ssmtl"
echo
echo "Commands built so far:"
"$ssmtl" --help | sed -n '/SUBCOMMANDS/,$p'
for cmd in synth train score eval; do
  if ! "$ssmtl" help "$cmd" >/dev/null 2>&1; then echo "not built yet: ssmtl $cmd (the demo runs it once it lands)"; fi
done
datasets="$root/../shared/datasets"
if [ -d "$datasets/ped2/testing/frames" ]; then
  echo
  echo "ssmtl info on the Ped2 test split:"
  "$ssmtl" info --quiet "$datasets/ped2/testing/frames"
fi
