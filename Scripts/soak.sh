#!/usr/bin/env bash
# Soak: run counter-app for a given number of checkpoints and print, at intervals, what the
# process holds: resident memory, open files, threads, CPU seconds, and the checkpoint files in the
# storage. After warm-up every column but the counts should stay flat: nothing the app keeps may
# grow with the number of checkpoints.
#
# Usage:
#   Scripts/soak.sh [CHECKPOINTS] [SECONDS_BETWEEN_SAMPLES]     (defaults: 1000000, 10)
#       one checkpoint per iteration, --keep-last 5, as fast as the storage takes them;
#   Scripts/soak.sh --idle SECONDS
#       an app that sleeps 10 ms per iteration and checkpoints once a second (--policy-only
#       --checkpoint-interval 1), for SECONDS: prints the share of one core it used.
# The release build is used (swift build -c release); set BIN to use another folder of built products.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
  swift build -c release --product counter-app >/dev/null
  swift build -c release --product lightning-checkpoint >/dev/null
  BIN=$(swift build -c release --show-bin-path)
fi
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
ticks=$(getconf CLK_TCK)

cpu_seconds() {  # utime + stime of the process, in seconds
  awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$1/stat"
}

if [ "${1:-}" = "--idle" ]; then
  seconds=${2:-60}
  # The share of a core the process uses, run once checkpointing once a second and once never
  # (the app's own loop alone); the difference is what checkpointing costs.
  measure() {
    "$BIN/counter-app" --storage "$work/storage-$1" --iterations 100000000 --policy-only --sleep 0.01 \
      --checkpoint-interval "$2" --keep-last 5 >/dev/null 2>"$work/err.txt" &
    pid=$!
    sleep 3  # warm-up
    local start_cpu end_cpu start end
    start_cpu=$(cpu_seconds "$pid"); start=$(date +%s.%N)
    sleep "$seconds"
    end_cpu=$(cpu_seconds "$pid"); end=$(date +%s.%N)
    kill -TERM "$pid"; wait "$pid"
    python3 -c "print(100 * ($end_cpu - $start_cpu) / ($end - $start))"
  }
  with=$(measure with 1)
  without=$(measure without 1000000000)
  python3 - "$with" "$without" "$seconds" <<'PY'
import sys
with_, without, seconds = map(float, sys.argv[1:])
print(f"an app sleeping 10 ms per iteration, {seconds:.0f} s each: {with_:.2f} % of a core checkpointing once a second, "
      f"{without:.2f} % never checkpointing: checkpointing costs {with_ - without:.2f} % of a core")
PY
  exit 0
fi

checkpoints=${1:-1000000}
every=${2:-10}
"$BIN/counter-app" --storage "$work/storage" --iterations "$checkpoints" --keep-last 5 >"$work/out.txt" 2>"$work/err.txt" &
pid=$!
printf '%8s %12s %10s %6s %8s %9s %6s\n' seconds checkpoints rss_kb fds threads cpu_s files
started=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
  sleep "$every"
  [ -r "/proc/$pid/status" ] || break
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || break
  threads=$(awk '/^Threads/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || break
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
  cpu=$(cpu_seconds "$pid" 2>/dev/null) || break
  files=$(ls "$work/storage/checkpoints" 2>/dev/null | wc -l)
  saved=$("$BIN/lightning-checkpoint" get latest root.w.counter --storage "$work/storage" 2>/dev/null || echo 0)
  printf '%8s %12s %10s %6s %8s %9s %6s\n' "$(( $(date +%s) - started ))" "$saved" "$rss" "$fds" "$threads" "$cpu" "$files"
done
wait "$pid"
echo "finished: $(cat "$work/out.txt") after $(( $(date +%s) - started )) s"
