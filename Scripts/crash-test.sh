#!/usr/bin/env bash
# Kill loop: SIGKILL churn-app at random moments while it saves, resume it with --checkpoint latest
# (binary or JSON checkpoints, mixed) until it finishes, and check after every kill that
#   - every checkpoint in the storage verifies (lightning-checkpoint verify --all),
#   - the newest checkpoint never goes backwards (its iteration counter),
# and at the end that the resumed run prints the digest of an uninterrupted run.
#
# Usage: Scripts/crash-test.sh [KILLS] [ITERATIONS]    (defaults: 100 kills, 400 iterations)
# Uses the debug build (swift build); set BIN to use another folder of built products.
set -euo pipefail
kills=${1:-100}
iterations=${2:-400}
cd "$(dirname "$0")/.."
source Scripts/built-products.sh churn-app lightning-checkpoint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

expected=$("$BIN/churn-app" --iterations "$iterations" --storage reference 2>/dev/null)
echo "uninterrupted: $expected"

newest_iteration() {
  "$BIN/lightning-checkpoint" canon latest --storage crash 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["vars"]["iteration"])'
}

RANDOM=42
last=0
killed=0
for ((round = 1; round <= kills; round++)); do
  formats=(binary binary json both)
  format=${formats[$((RANDOM % 4))]}
  resume=()
  [ -n "$(ls crash/checkpoints 2>/dev/null)" ] && resume=(--checkpoint latest)
  "$BIN/churn-app" --iterations "$iterations" --storage crash --checkpoint-format "$format" "${resume[@]}" >out.txt 2>err.txt &
  pid=$!
  sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  if grep -q '^iteration=' out.txt; then
    echo "round $round: the run finished before the kill"
    break
  fi
  if ! "$BIN/lightning-checkpoint" verify --all --storage crash >/dev/null 2>verify.txt; then
    echo "FAIL round $round: a checkpoint does not verify after SIGKILL:"; cat verify.txt; exit 1
  fi
  if [ -n "$(ls crash/checkpoints 2>/dev/null)" ]; then
    now=$(newest_iteration)
    if [ "$now" -lt "$last" ]; then echo "FAIL round $round: latest went back from iteration $last to $now"; exit 1; fi
    last=$now
  fi
done

final=$("$BIN/churn-app" --iterations "$iterations" --storage crash --checkpoint latest 2>err.txt) || { cat err.txt; exit 1; }
echo "resumed after $killed kills: $final"
"$BIN/lightning-checkpoint" verify --all --storage crash >/dev/null
if [ "$final" != "$expected" ]; then echo "FAIL: the digest differs from the uninterrupted run"; exit 1; fi
echo "crash test passed: $killed kills, $(ls crash/checkpoints | wc -l) checkpoint files, every one verified"
