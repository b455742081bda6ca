#!/usr/bin/env bash
# Kill loop for parallel works: train-app — four works training on threads of their own while the
# flow watches them, a checkpoint every half second — is sent SIGKILL or SIGTERM at random moments
# and resumed with --checkpoint latest (binary, JSON or both, mixed) until a run finishes. After
# every interruption
#   - a SIGTERM exited 0 (the works stopped at a publication, the final checkpoint saved them),
#   - every checkpoint verifies, and the training saved in latest never goes back;
# at the end the resumed run prints the digest of an uninterrupted run.
#
# Usage: Scripts/train-kill-test.sh [INTERRUPTS] [EPOCHS] [STEPS]   (defaults: 12, 40, 2000000)
# Uses the debug build (swift build); set BIN to use another folder of built products.
set -euo pipefail
interrupts=${1:-12}
epochs=${2:-40}
steps=${3:-2000000}
cd "$(dirname "$0")/.."
source Scripts/built-products.sh train-app lightning-checkpoint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
args=(--epochs "$epochs" --steps "$steps" --checkpoint-interval 0.5)
all_done="$epochs,$epochs,$epochs,$epochs"  # what train-app prints once every work finished

expected=$("$BIN/train-app" "${args[@]}" --storage reference 2>/dev/null | sed -n 's/.*digest=//p')
echo "uninterrupted: digest=$expected"

# The epochs the newest checkpoint holds, summed over the works.
saved_epochs() {
  "$BIN/lightning-checkpoint" canon latest --storage run 2>/dev/null | python3 -c '
import json, sys
works = json.load(sys.stdin)["structures"]["trainers"]["works"]
print(sum(work["vars"]["epoch"] for work in works.values()))'
}

RANDOM=11
before=0
kills=0
terms=0
for ((round = 1; round <= interrupts; round++)); do
  formats=(binary binary json both)
  format=${formats[$((RANDOM % 4))]}
  signals=(KILL TERM)
  signal=${signals[$((RANDOM % ${#signals[@]}))]}
  resume=()
  [ -n "$(ls run/checkpoints 2>/dev/null)" ] && resume=(--checkpoint latest)
  "$BIN/train-app" "${args[@]}" --storage run --checkpoint-format "$format" "${resume[@]}" >out.txt 2>err.txt &
  pid=$!
  sleep "$((RANDOM % 3)).$((RANDOM % 10))$((RANDOM % 10))"
  sent=yes
  kill -"$signal" "$pid" 2>/dev/null || sent=no
  status=0
  wait "$pid" 2>/dev/null || status=$?
  if grep -q "^epochs=$all_done " out.txt; then
    echo "round $round: the run finished before SIG$signal"
    break
  fi
  if [ "$sent" = no ]; then echo "FAIL round $round: SIG$signal could not be sent, and the run did not finish:"; cat err.txt; exit 1; fi
  if [ "$signal" = TERM ]; then
    terms=$((terms + 1))
    if [ "$status" -ne 0 ]; then echo "FAIL round $round: SIGTERM ended the app with exit $status:"; cat err.txt; exit 1; fi
  else
    kills=$((kills + 1))
  fi
  [ -d run/checkpoints ] || continue
  if ! "$BIN/lightning-checkpoint" verify --all --storage run >/dev/null 2>verify.txt; then
    echo "FAIL round $round: a checkpoint does not verify after SIG$signal:"; cat verify.txt; exit 1
  fi
  now=$(saved_epochs)
  if [ "$now" -lt "$before" ]; then echo "FAIL round $round: latest went back from $before to $now epochs"; exit 1; fi
  echo "round $round: SIG$signal ($format), latest holds $now epochs"
  before=$now
done

final=$("$BIN/train-app" "${args[@]}" --storage run --checkpoint latest 2>err.txt | sed -n 's/.*digest=//p') || { cat err.txt; exit 1; }
"$BIN/lightning-checkpoint" verify --all --storage run >/dev/null
if [ "$final" != "$expected" ]; then echo "FAIL: digest=$final after $kills kills and $terms stops, not the uninterrupted run's $expected"; exit 1; fi
echo "train kill test passed: $kills SIGKILLs and $terms SIGTERMs, resumed to digest=$final, the uninterrupted run's; $(ls run/checkpoints | wc -l) checkpoint files, every one verified"
