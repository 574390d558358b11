#!/bin/bash
# dynmilter-replay on a big Postfix log: lines per second, time and peak RSS, for the plain file
# and its gzip-compressed copy; beside it, the peer: one awk pass that only collects the distinct
# clients of the "connect from" lines (the least any reader of the file must do), over the same
# file in the same run. The log is generated: SESSIONS sessions of 5 to 8 lines (connect,
# client=, a milter refusal or a delivery with its cleanup and qmgr lines, disconnect, and a line
# of another program), from
# CLIENTS distinct addresses with generic, server-like and missing names.
#   bash bench/replay_bench.sh BUILD_BIN_DIR [SESSIONS] [CLIENTS]
# Results: docs/benchmarks.md.
set -euo pipefail
BIN=$(cd "${1:?usage: $0 BUILD_BIN_DIR [SESSIONS] [CLIENTS]}" && pwd)
SESSIONS=${2:-1000000} CLIENTS=${3:-200000}
WORK=$(mktemp -d /tmp/dynmilter-replay-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
LOG=$WORK/mail.log

awk -v n="$SESSIONS" -v k="$CLIENTS" 'BEGIN {
  srand(7)
  for (i = 0; i < n; i++) {
    c = int(rand() * k); a = 24 + int(c / 65536); b = int(c / 256) % 256; d = c % 256
    ip = a "." b "." d ".7"
    kind = c % 3
    name = kind == 0 ? "dsl-" a "-" b "-" d "-7.pool.isp" (c % 50) ".example" : kind == 1 ? "mail" c ".example.net" : "unknown"
    t = sprintf("Dec  1 %02d:%02d:%02d mx", int(i / 3600000) % 24, int(i / 60000) % 60, int(i / 1000) % 60)
    pid = 1000 + i % 300; q = sprintf("%X%05X", 4096 + i % 61440, i)
    printf "%s postfix/smtpd[%d]: connect from %s[%s]\n", t, pid, name, ip
    printf "%s postfix/smtpd[%d]: %s: client=%s[%s]\n", t, pid, q, name, ip
    if (kind == 1) {
      printf "%s postfix/cleanup[%d]: %s: message-id=<%d@example.net>\n", t, pid + 2, q, i
      printf "%s postfix/qmgr[99]: %s: from=<s@example.net>, size=900, nrcpt=1 (queue active)\n", t, q
      printf "%s postfix/local[%d]: %s: to=<u@example.org>, relay=local, delay=0.1, dsn=2.0.0, status=sent (delivered)\n", t, pid + 1, q
      printf "%s postfix/qmgr[99]: %s: removed\n", t, q
    }
    else printf "%s postfix/smtpd[%d]: %s: milter-reject: RCPT from %s[%s]: 550 5.7.1 Your IP address %s appears to be dynamically assigned; from=<s@x> to=<u@example.org> proto=ESMTP helo=<h>\n", t, pid, q, name, ip, ip
    printf "%s postfix/smtpd[%d]: disconnect from %s[%s] ehlo=1 mail=1 rcpt=%d/1 quit=1 commands=4\n", t, pid, name, ip, kind == 1
    printf "%s dovecot[77]: imap-login: Login: user=<u%d>, method=PLAIN\n", t, i % 1000
  }
}' >"$LOG"
gzip -1 -k "$LOG"
lines=$(wc -l <"$LOG")
printf 'log: %s lines, %s MB (%s MB gzip), %s distinct clients at most\n' "$lines" \
  "$(($(stat -c %s "$LOG") / 1000000))" "$(($(stat -c %s "$LOG.gz") / 1000000))" "$CLIENTS"

run() {  # LABEL COMMAND...: wall time, lines/s and peak RSS
  local label=$1
  shift
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >"$WORK/out" 2>/dev/null
  read -r secs kb <"$WORK/time"
  printf '%-44s %7.2f s  %9.0f lines/s  peak RSS %6.1f MB\n' "$label" "$secs" \
    "$(awk -v l="$lines" -v s="$secs" 'BEGIN { print (s > 0 ? l / s : 0) }')" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
}
run "dynmilter-replay (names only)" "$BIN/dynmilter-replay" --json "$LOG"
echo "   $(grep -o '"clients":[0-9]*,"refused":[0-9]*' "$WORK/out")"
run "dynmilter-replay (names only), .gz" "$BIN/dynmilter-replay" --json "$LOG.gz"
run "peer: awk, distinct clients of connect lines" awk '/ connect from / { c[$NF] = 1 } END { print length(c) }' "$LOG"
echo "   $(cat "$WORK/out") distinct clients"
