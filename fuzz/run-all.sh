#!/usr/bin/env bash
# Builds and runs every fuzz target for SECONDS each (default 180) and
# writes one result line per target to fuzz/results.txt.
#
#   fuzz/run-all.sh [SECONDS] [TARGET...]
#
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 enables them on the
# stable toolchain this project builds with.
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-180}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O >/dev/null 2>&1 || { echo "fuzz build failed"; exit 1; }
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # Seed with the test fixtures of the same file name.
  # Differential targets name their files in a `// seeds:` line.
  names=$(grep -o 'extract_as("[^"]*"' "fuzz_targets/$t.rs" | sed 's/.*"\(.*\)"/\1/'
    sed -n 's|^// seeds: ||p' "fuzz_targets/$t.rs")
  set -f  # the names are patterns for find, not for the shell
  for name in $names; do
    find ../crates/shieldwall-inventory/tests/fixtures -type f -name "$(basename "$name")" \
      -exec sh -c 'cp "$1" "$2/$(echo "$1" | md5sum | cut -c1-16)"' _ {} "corpus/$t" \; 2>/dev/null
  done
  set +f
  log="artifacts/$t.log"; mkdir -p artifacts
  if cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 >"$log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1)
    echo "$t: ok, ${runs:-?} in ${seconds}s" | tee -a results.txt
  else
    echo "$t: FAILED (see fuzz/$log)" | tee -a results.txt
  fi
done
