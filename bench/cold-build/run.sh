#!/usr/bin/env bash
# Cold-build benchmark of the README's first command (`cargo run --release -p void-ls -- demo`
# builds `cargo build --release -p void-ls`): for each git revision given (default: HEAD), a
# clean export of that revision (`git archive`, no .git, no target/) is built from scratch with
# crates already downloaded, and the run records
#   - wall time and CPU time (user + sys of cargo and every child) from /usr/bin/time,
#   - the load average before and after (the machines are shared: wall time moves with it),
#   - cargo's --timings report,
#   - each rustc run's CPU time (rustc-cpu.sh as RUSTC_WRAPPER),
# then estimate.py turns the per-unit CPU times and cargo's unit graph (nightly cargo's
# --unit-graph) into the wall time the same build would take on an idle 2-core machine.
# Revisions run back to back, in the order given, so they share one sitting.
#
#   bash bench/cold-build/run.sh BEFORE_REV AFTER_REV     # results in artifacts/cold-build/
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/cold-build
OUT=$ROOT/artifacts/cold-build
mkdir -p "$OUT"
revs=("$@")
((${#revs[@]})) || revs=(HEAD)
for rev in "${revs[@]}"; do
  sha=$(git -C "$ROOT" rev-parse --short=12 "$rev")
  work=$(mktemp -d)
  git -C "$ROOT" archive "$sha" | tar -x -C "$work"
  (cd "$work" && cargo fetch --locked >/dev/null)
  echo "== $rev ($sha) start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.txt"
  rm -f "$OUT/cpu-$sha.log"
  (cd "$work" && VOID_CPU_LOG=$OUT/cpu-$sha.log RUSTC_WRAPPER=$HERE/rustc-cpu.sh \
    /usr/bin/time -o "$OUT/time-$sha.txt" -f "wall %e s user %U s sys %S s" \
    cargo build --release --locked -p void-ls --timings --quiet)
  cp "$(ls -t "$work"/target/cargo-timings/cargo-timing-2*.html | head -1)" "$OUT/timings-$sha.html"
  echo "== $rev ($sha) end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg): $(cat "$OUT/time-$sha.txt")" | tee -a "$OUT/runs.txt"
  if cargo +nightly --version >/dev/null 2>&1; then
    (cd "$work" && cargo +nightly build --release --locked -p void-ls --unit-graph -Z unstable-options) >"$OUT/units-$sha.json"
    python3 "$HERE/estimate.py" "$OUT/units-$sha.json" "$OUT/cpu-$sha.log" "$OUT/timings-$sha.html" 2 | tee -a "$OUT/runs.txt"
  fi
  rm -rf "$work"
done
