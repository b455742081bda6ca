#!/usr/bin/env bash
# Stop loop: send churn-app SIGTERM (or SIGINT) at random moments while it runs with
# --policy-only --checkpoint-every N (so that, but for the final checkpoint, most of what it did
# since its last save would be lost), resume it with --checkpoint latest (binary or JSON
# checkpoints, mixed), and check after every stop that
#   - it exited 0 within its stop timeout, and printed the state it stopped with,
#   - no temporary file is left in the storage, and every checkpoint verifies,
#   - latest holds exactly that state (its iteration and its digest),
# and at the end that the resumed run prints the digest of an uninterrupted run.
#
# Usage: Scripts/stop-test.sh [STOPS] [ITERATIONS] [CHECKPOINT_EVERY]   (defaults: 40, 3000, 250)
# Uses the debug build (swift build); set BIN to use another folder of built products.
set -euo pipefail
stops=${1:-40}
iterations=${2:-3000}
every=${3:-250}
timeout_s=10
cd "$(dirname "$0")/.."
source Scripts/built-products.sh churn-app lightning-checkpoint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

expected=$("$BIN/churn-app" --iterations "$iterations" --storage reference --policy-only 2>/dev/null)
echo "uninterrupted: $expected"

newest_iteration() {
  "$BIN/lightning-checkpoint" canon latest --storage "$1" 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["vars"]["iteration"])'
}

RANDOM=7
stopped=0
for ((round = 1; round <= stops; round++)); do
  formats=(binary binary json both)
  format=${formats[$((RANDOM % 4))]}
  signals=(TERM TERM INT)
  signal=${signals[$((RANDOM % 3))]}
  resume=()
  [ -n "$(ls stop/checkpoints 2>/dev/null)" ] && resume=(--checkpoint latest)
  "$BIN/churn-app" --iterations "$iterations" --storage stop --policy-only --checkpoint-every "$every" \
    --checkpoint-format "$format" --stop-timeout "$timeout_s" "${resume[@]}" >out.txt 2>err.txt &
  pid=$!
  sleep "0.$((2 + RANDOM % 8))$((RANDOM % 10))"
  sent=$(date +%s.%N)
  kill -"$signal" "$pid" 2>/dev/null || true
  status=0
  wait "$pid" || status=$?
  took=$(python3 -c "import time; print(f'{time.time() - $sent:.2f}')")
  line=$(cat out.txt)
  # A signal that lands after the app's run has returned (the program is printing its digest) is
  # the program's again, and ends it as it would any program: the run finished, its state durable.
  signum=$(kill -l "$signal")
  if [ "$status" -eq $((128 + signum)) ] && [ "$(newest_iteration stop)" = "$iterations" ]; then
    echo "round $round: the run finished before SIG$signal, which then ended the program"
    break
  fi
  if [ "$status" -ne 0 ]; then
    echo "FAIL round $round: SIG$signal ended the app with exit $status after ${took}s:"; cat err.txt; exit 1
  fi
  if python3 -c "import sys; sys.exit(0 if $took < $timeout_s else 1)"; then :; else
    echo "FAIL round $round: the stop took ${took}s, over the ${timeout_s}s timeout"; exit 1
  fi
  at=$(sed -n 's/^iteration=\([0-9]*\) .*/\1/p' <<<"$line")
  if [ "$at" = "$iterations" ]; then
    echo "round $round: the run finished before SIG$signal"
    break
  fi
  stopped=$((stopped + 1))
  if ls -A stop/checkpoints | grep -q '^\.'; then
    echo "FAIL round $round: a temporary file was left:"; ls -A stop/checkpoints | grep '^\.'; exit 1
  fi
  if ! "$BIN/lightning-checkpoint" verify --all --storage stop >/dev/null 2>verify.txt; then
    echo "FAIL round $round: a checkpoint does not verify after SIG$signal:"; cat verify.txt; exit 1
  fi
  saved=$(newest_iteration stop)
  if [ "$saved" != "$at" ]; then
    echo "FAIL round $round: the app stopped at iteration $at, but latest holds iteration $saved"; exit 1
  fi
  # The digest of latest: a run resumed from it that stops at once prints it (in a copy of the storage).
  rm -rf copy && cp -r stop copy
  again=$("$BIN/churn-app" --iterations "$at" --storage copy --checkpoint latest 2>/dev/null)
  if [ "$again" != "$line" ]; then
    echo "FAIL round $round: the app printed '$line' at SIG$signal, latest holds '$again'"; exit 1
  fi
done

final=$("$BIN/churn-app" --iterations "$iterations" --storage stop --policy-only --checkpoint-every "$every" --checkpoint latest 2>err.txt) || { cat err.txt; exit 1; }
echo "resumed after $stopped stops: $final"
"$BIN/lightning-checkpoint" verify --all --storage stop >/dev/null
if [ "$final" != "$expected" ]; then echo "FAIL: the digest differs from the uninterrupted run"; exit 1; fi
echo "stop test passed: $stopped graceful stops, each exited 0 in time with its state in latest; $(ls stop/checkpoints | wc -l) checkpoint files, every one verified"
