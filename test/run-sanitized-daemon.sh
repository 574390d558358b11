#!/bin/bash
# Runs a test script against the dynmilter of a sanitizer tree (build-asan: ASan+UBSan,
# build-tsan: TSan) and fails when the sanitizer reported anything, even if every check passed.
# Usage: run-sanitized-daemon.sh TREE SCRIPT
set -u
tree=$1 script=$2
[ -x "$tree/bin/dynmilter" ] || { echo "SKIP: $tree/bin/dynmilter is not built (scripts/test-all builds it)"; exit 77; }
reports=$(mktemp -d /tmp/dynmilter-san.XXXXXX)
chmod 777 "$reports"  # a daemon that drops to nobody still writes its report
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=0:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1"
export TSAN_OPTIONS="log_path=$reports/tsan:report_signal_unsafe=0:suppressions=$(cd "$(dirname "$0")" && pwd)/tsan.supp"
bash "$script" "$tree/bin"
rc=$?
if compgen -G "$reports/*" >/dev/null; then
  echo "FAILED: the sanitizer reported:"
  head -n 60 "$reports"/*
  rc=1
fi
[ -n "${KEEP_REPORTS:-}" ] && echo "reports kept in $reports" || rm -rf "$reports"
exit $rc
