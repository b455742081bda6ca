#!/usr/bin/env bash
# Saves and loads to S3 against `aws s3 cp` of the very same snapshot bytes, to the same local S3
# server (moto), in one run: `lightning-checkpoint bench --storage s3://...` (release build), then
# `aws s3 cp` up and down, alternating, RUNS times each; medians.
# Usage: Scripts/s3-speed.sh [TARGET_MB] [RUNS]    (defaults: 100 MB of JSON state, about a 36 MB snapshot; 5 runs)
set -euo pipefail
target=${1:-100}
runs=${2:-5}
cd "$(dirname "$0")/.."
swift build -c release --product lightning-checkpoint >/dev/null
tool=$(swift build -c release --show-bin-path)/lightning-checkpoint
source Scripts/s3-server.sh
start_s3_server speed
work=$(mktemp -d)
trap 'kill -9 "$S3_SERVER_PID" 2>/dev/null || true; rm -rf "$work" "$S3_SERVER_LOG"' EXIT

# The same bytes as bench's snapshot: the same deterministic state, encoded with number 0.
"$tool" bench --target-mb "$target" --runs 1 --write-state "$work/state.json" --storage "$work/local" >/dev/null
"$tool" convert "$work/state.json" "$work/snapshot.lsnap"
bytes=$(stat -c %s "$work/snapshot.lsnap")

ours=$("$tool" bench --target-mb "$target" --runs "$runs" --json --storage s3://speed/bench)
up=(); down=()
for ((i = 0; i < runs; i++)); do
  start=$(date +%s.%N); "${AWS_CLI[@]}" s3 cp --only-show-errors "$work/snapshot.lsnap" "s3://speed/aws/snapshot-$i.lsnap"; end=$(date +%s.%N)
  up+=("$(echo "$end - $start" | bc)")
  start=$(date +%s.%N); "${AWS_CLI[@]}" s3 cp --only-show-errors "s3://speed/aws/snapshot-$i.lsnap" "$work/down.lsnap"; end=$(date +%s.%N)
  down+=("$(echo "$end - $start" | bc)")
done
cmp -s "$work/down.lsnap" "$work/snapshot.lsnap"
start=$(date +%s.%N); "${AWS_CLI[@]}" --version >/dev/null; end=$(date +%s.%N)
startup=$(echo "$end - $start" | bc)
# The middle value, or the mean of the two in the middle of an even count, as bench's medians.
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
python3 - "$ours" "$(median "${up[@]}")" "$(median "${down[@]}")" "$startup" "$bytes" <<'PY'
import json, sys
ours = json.loads(sys.argv[1]); aws_up, aws_down, startup, size = map(float, sys.argv[2:6])
print(f"snapshot: {int(size):,} bytes (binary_bytes of bench: {ours['binary_bytes']:,})")
print(f"up:   ours {ours['upload_s']:.3f} s (storage create)   aws s3 cp {aws_up:.3f} s (of which {startup:.2f} s is starting the CLI)")
print(f"down: ours {ours['download_s']:.3f} s (storage read)     aws s3 cp {aws_down:.3f} s")
print(f"ours end to end: binary save {ours['binary_save_s']:.3f} s (encode + compress + upload), load {ours['binary_load_s']:.3f} s (download + verify + decode)")
PY
