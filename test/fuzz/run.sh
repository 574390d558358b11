#!/bin/bash
# run.sh TREE TARGET SEEDS: runs a fuzzer briefly (a regression check, not a campaign) from the
# seed inputs in test/fuzz/SEEDS, for FUZZ_SECONDS (default 30). Skips (77) when the clang fuzz
# tree was not built by scripts/test-all. The mutations follow a fixed seed (FUZZ_SEED, default 1),
# so that a landing check fails for a regression, not for the luck of the draw: finding new bugs
# is the long runs' work (docs/benchmarks.md), and what they find becomes a seed here.
set -uo pipefail
tree=$1 target=${2:-fuzz_dns_reply} seeds=${3:-seeds}
here=$(cd "$(dirname "$0")" && pwd)
bin=$tree/bin/$target
[ -x "$bin" ] || { echo "SKIP: $bin is not built (scripts/test-all builds it with clang)"; exit 77; }
tree=$(cd "$tree" && pwd)
bin=$tree/bin/$target
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$here/$seeds"/* "$corpus"/
export ASAN_OPTIONS=detect_leaks=1
mkdir -p "$tree/fuzz-artifacts"
cd "$corpus" || exit 1
"$bin" -seed="${FUZZ_SEED:-1}" -error_exitcode=1 -artifact_prefix="$tree/fuzz-artifacts/" -max_total_time="${FUZZ_SECONDS:-30}" -max_len=4096 -timeout=5 -print_final_stats=1 "$corpus" 2>&1 | tail -n 15
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && echo "fuzzer ran clean" || echo "fuzzer found a problem (rc=$rc); the input is in $tree/fuzz-artifacts/"
exit "$rc"
