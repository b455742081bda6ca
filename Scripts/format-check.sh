#!/usr/bin/env bash
# Keeps docs/FORMAT.md honest: Scripts/lsnap-reader.py, a reader written from that document alone,
# must restore exactly what `lightning-checkpoint convert` restores from every snapshot the engine
# writes here: churn-app's chains of full snapshots and deltas, the JSON fixtures, and a
# compressed multi-block state of each mix.
#   Scripts/format-check.sh [BUILD_DIR]     (default .build/debug)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/.build/debug}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

checked=0
same() {  # same FILE.lsnap: the reader and the tool agree on its state
  local ours theirs
  ours=$(python3 "$top/Scripts/lsnap-reader.py" "$1" | md5sum)
  theirs=$("$bin/lightning-checkpoint" convert "$1" - | md5sum)
  if [ "$ours" != "$theirs" ]; then echo "format-check: the FORMAT.md reader disagrees on $1" >&2; exit 1; fi
  checked=$((checked + 1))
}

"$bin/churn-app" --iterations 40 --storage churn >/dev/null
for file in churn/checkpoints/*.lsnap; do same "$file"; done
for fixture in "$top"/Tests/LightningCodecsTests/Fixtures/*.json; do
  "$bin/lightning-checkpoint" convert "$fixture" fixture.lsnap --format binary
  same fixture.lsnap
done
# A snapshot written in format version 1, which readers of version 2 still read.
same "$top/Tests/LightningCodecsTests/Fixtures/version1_floats.lsnap"
for mix in float text mixed; do
  "$bin/lightning-checkpoint" bench --mix "$mix" --target-mb 3 --components 300 --runs 1 --write-state "$mix.json" --storage bench >/dev/null
  "$bin/lightning-checkpoint" convert "$mix.json" "$mix.lsnap" --format binary
  same "$mix.lsnap"
done
echo "format-check: the FORMAT.md reader restores all $checked snapshots exactly as the engine does"
