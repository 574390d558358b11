#!/bin/bash
# Whole Postfix sessions with a message (EHLO, XCLIENT, MAIL, RCPT, DATA, QUIT), one after
# another, through: no milter; a null milter that answers DATA; the same null milter asking for
# no DATA (SMFIP_NODATA: the 40 ms delayed-ACK stall); and dynmilter (inet socket, a list served
# by rbldnsd, the client's answers cached after the first session). Prints ms per session for
# each, in the same run.
#   bash bench/postfix_session.sh BUILD_BIN_DIR [SESSIONS]
# Needs Postfix, rbldnsd, drill and root (a throwaway Postfix instance). Results: docs/benchmarks.md.
source "$(dirname "$0")/../test/lib.sh" "$1"
require postfix rbldnsd drill
[ "$(id -u)" -eq 0 ] || skip "a throwaway Postfix instance needs root"
for b in smtp_sessions null_milter; do [ -x "$BIN/$b" ] || skip "$b is not built (configure with -DBUILD_TESTING=ON)"; done
N=${2:-300}
RBL_PORT=15371 NONE=12571 NULL=12572 NODATA=12573 DYN=12574
start_rbldnsd $RBL_PORT
"$BIN/null_milter" inet:18971@127.0.0.1 & PIDS+=($!)
"$BIN/null_milter" --nodata inet:18972@127.0.0.1 & PIDS+=($!)
start_dynmilter dyn 18973 --dns-server 127.0.0.1:$RBL_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3'
wait_tcp 18971 && wait_tcp 18972
source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$WORK/postfix" "$NONE inet n - n - - smtpd" \
  "$NULL inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:18971" \
  "$NODATA inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:18972" \
  "$DYN inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:18973"
for p in $NONE $NULL $NODATA $DYN; do "$BIN/smtp_sessions" $p 5 192.0.2.1 >/dev/null; done  # warm up
status=0
for what in "no milter:$NONE" "null milter, answers DATA (peer):$NULL" "null milter, SMFIP_NODATA:$NODATA" "dynmilter:$DYN"; do
  printf '%-40s ' "${what%%:*}"
  "$BIN/smtp_sessions" "${what##*:}" "$N" 192.0.2.1 || status=1
done
[ $status -eq 0 ] || FAILED=$((FAILED + 1))
finish
