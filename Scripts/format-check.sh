#!/usr/bin/env bash
# Keeps docs/FORMAT.md honest: Scripts/lsnap-reader.py, a reader written from that document alone,
# must restore exactly what `lightning-checkpoint convert` restores from every snapshot the engine
# writes here: churn-app's chains of full snapshots and deltas, the JSON fixtures, and a
# compressed multi-block state of each mix; and the two must accept and refuse the same files at
# every edge the document draws (Scripts/lsnap-edges.py).
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
  "$bin/lightning-checkpoint" convert "$fixture" fixture.lsnap
  same fixture.lsnap
done
# The edges FORMAT.md draws, built byte by byte: both readers accept what is just inside, and
# both refuse what is just outside.
refused() {  # refused PROGRAM…: exits 1 with one line on standard error (a refusal, not a crash)
  local status=0
  "$@" >/dev/null 2>err.txt || status=$?
  [ "$status" -eq 1 ] && [ "$(wc -l <err.txt)" -eq 1 ]
}
python3 "$top/Scripts/lsnap-edges.py" edges >edges.txt
[ "$(wc -l <edges.txt)" -ge 28 ] || { echo "format-check: lsnap-edges.py wrote too few files" >&2; exit 1; }
while read -r verdict file; do
  if [ "$verdict" = accept ]; then same "$file"; continue; fi
  refused python3 "$top/Scripts/lsnap-reader.py" "$file" || { echo "format-check: the FORMAT.md reader does not refuse $file" >&2; exit 1; }
  refused "$bin/lightning-checkpoint" convert "$file" - || { echo "format-check: the engine does not refuse $file in one line" >&2; exit 1; }
  checked=$((checked + 1))
done <edges.txt
# A snapshot written in format version 1, which readers of version 2 still read.
same "$top/Tests/LightningCodecsTests/Fixtures/version1_floats.lsnap"
for mix in float text mixed; do
  "$bin/lightning-checkpoint" bench --mix "$mix" --target-mb 3 --components 300 --runs 1 --write-state "$mix.json" --storage bench >/dev/null
  "$bin/lightning-checkpoint" convert "$mix.json" "$mix.lsnap"
  same "$mix.lsnap"
done
echo "format-check: the FORMAT.md reader restores or refuses all $checked snapshots exactly as the engine does"
