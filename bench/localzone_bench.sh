#!/bin/bash
# Local zones beside rbldnsd serving the same file: bench/localzone_bench.cpp writes an ip4tset
# of N addresses, rbldnsd loads it, then the benchmark measures both in the same run.
# Usage: bash bench/localzone_bench.sh BUILD_BIN_DIR [N] [clumped]
set -euo pipefail
BIN=$(cd "${1:?usage: $0 BUILD_BIN_DIR [N] [clumped]}" && pwd)
N=${2:-10000000}
MODE=${3:-uniform}
command -v rbldnsd >/dev/null || { echo "rbldnsd is not installed: the in-process figures only"; exec "$BIN/localzone_bench" "$N" "$MODE"; }
DIR=$(mktemp -d /tmp/localzone-bench.XXXXXX)
chmod 755 "$DIR"
trap 'kill $RBL 2>/dev/null || true; rm -rf "$DIR"' EXIT
export LOCALZONE_FILE=$DIR/data
WRITE_ONLY=1 "$BIN/localzone_bench" "$N" "$MODE"
chmod 644 "$DIR/data"
PORT=15399
start=$(date +%s.%N)
rbldnsd -n -f -u nobody -b 127.0.0.1/$PORT -w "$DIR" bench.zone:ip4tset:data >"$DIR/rbldnsd.log" 2>&1 &
RBL=$!
for _ in $(seq 600); do grep -q "started" "$DIR/rbldnsd.log" && break; sleep 0.1; done
echo "rbldnsd: started with the file after $(echo "$(date +%s.%N) - $start" | bc) s: $(grep -o 'cnt=[0-9]*' "$DIR/rbldnsd.log")"
RBLDNSD_PORT=$PORT RBLDNSD_PID=$RBL "$BIN/localzone_bench" "$N" "$MODE" | tail -n +2
