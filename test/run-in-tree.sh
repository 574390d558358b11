#!/bin/bash
# run-in-tree.sh TREE BINARY: runs a test binary of an extra build tree (sanitizers), or skips
# (exit 77) saying why when scripts/test-all has not built that tree.
set -uo pipefail
tree=$1 binary=$2
if [ ! -x "$tree/bin/$binary" ]; then
  echo "SKIP: $tree/bin/$binary is not built (scripts/test-all builds the sanitizer trees)"
  exit 77
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
exec "$tree/bin/$binary"
