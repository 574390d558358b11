#!/bin/bash
# Real Sendmail 8.17 (run from Debian's unpacked .debs, see scripts/setup-sendmail) ->
# real dynmilter -> real rbldnsd. Sendmail has no XCLIENT, so clients differ by their loopback
# source address (swaks --local-interface); 127.0.0.2 is listed in the test zone (the RFC 5782
# test point). Sendmail looks client names up through the system resolver and passes its verdict
# in ${client_resolve}: 127.0.0.1 is "localhost" both ways (OK), 127.0.0.2-5 have no name (FAIL).
# The milter exempts only 127.0.0.5.
source "$(dirname "$0")/../lib.sh" "$@"
SM_ROOT=${SENDMAIL_ROOT:-/opt/dynmilter-test/sendmail}
require swaks rbldnsd drill m4 unshare
[ "$(id -u)" -eq 0 ] || skip "Sendmail needs root to start"
[ -x "$SM_ROOT/usr/libexec/sendmail/sendmail" ] || skip "no Sendmail unpacked in $SM_ROOT (run scripts/setup-sendmail)"

RBL_PORT=15321 SMTP_PORT=12625 MILTER=18921
start_rbldnsd $RBL_PORT
start_dynmilter pbl $MILTER --dns-server 127.0.0.1:$RBL_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' \
  --exempt-network 127.0.0.5/32 --dns-timeout 2s

# Sendmail resolves client addresses; keep it off the network: hosts file only, no DNS.
SM=$WORK/sendmail
mkdir -p "$SM/mqueue" "$SM/clientmqueue"
chmod 700 "$SM/mqueue"
: >"$SM/local-host-names"
printf 'hosts files\naliases files\n' >"$SM/service.switch"
cat >"$SM/test.mc" <<MC
divert(-1)
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.test.example')dnl
define(\`QUEUE_DIR', \`$SM/mqueue')dnl
define(\`MSP_QUEUE_DIR', \`$SM/clientmqueue')dnl
define(\`confPID_FILE', \`$SM/sendmail.pid')dnl
define(\`STATUS_FILE', \`$SM/sendmail.st')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confCW_FILE', \`$SM/local-host-names')dnl
define(\`confSERVICE_SWITCH_FILE', \`$SM/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confLOG_LEVEL', \`14')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`promiscuous_relay')dnl
DAEMON_OPTIONS(\`Port=$SMTP_PORT, Addr=127.0.0.1, Name=MTA')dnl
INPUT_MAIL_FILTER(\`dyn', \`S=inet:$MILTER@127.0.0.1, F=T, T=C:10s;S:10s;R:10s;E:30s')dnl
MAILER(\`smtp')dnl
MC
CF=$SM_ROOT/usr/share/sendmail/cf
m4 -D_CF_DIR_="$CF/" "$CF/m4/cf.m4" "$SM/test.mc" >"$SM/test.cf"

# Its own UTS namespace with a dotted host name: else Sendmail waits 60 s at start.
unshare -u sh -c "hostname mx.test.example; exec $SM_ROOT/usr/libexec/sendmail/sendmail -C $SM/test.cf -bD -O LogLevel=14" \
  >"$WORK/sendmail.log" 2>&1 &
PIDS+=($!)
wait_tcp $SMTP_PORT 100 || { cat "$WORK/sendmail.log"; exit 1; }

smtp() {  # SOURCE_ADDR RCPT
  swaks --server 127.0.0.1:$SMTP_PORT --local-interface "$1" --from sender@client.example --to "$2" \
    --quit-after RCPT --timeout 20 2>&1 || true
}

say "a listed client gets the smarthost text at RCPT"
out=$(smtp 127.0.0.2 user@example.org)
# Sendmail puts the recipient before the milter's text ("<user@example.org>... ").
check "listed client: 550 5.7.1 with the smarthost text, verbatim" "$out" \
  '<\*\* +550 5\.7\.1 (<user@example\.org>\.\.\. )?Your IP address 127\.0\.0\.2 appears to be dynamically assigned \(listed in pbl\.test\)\. Please smarthost your mail through your ISP.s mail server\.'

say "an unlisted client whose name maps back passes"
out=$(smtp 127.0.0.1 user@example.org)
check "unlisted client: RCPT 250" "$out" '<- +250 2\.1\.5 <user@example\.org>\.\.\. Recipient ok'

say "a client exempt by configuration passes, name or not"
out=$(smtp 127.0.0.5 user@example.org)
check "exempt client: RCPT 250" "$out" '<- +250 2\.1\.5'

say "a client without reverse DNS (Sendmail says FAIL) is refused, and told why"
out=$(smtp 127.0.0.4 user@example.org)
check "no PTR: 550 5.7.1 no reverse DNS name" "$out" \
  '<\*\* +550 5\.7\.1 (<user@example\.org>\.\.\. )?Your IP address 127\.0\.0\.4 appears to be dynamically assigned \(no reverse DNS name\)'

check "dynmilter logged the verdict" "$(cat "$WORK/pbl.log")" 'client=127\.0\.0\.2 .*list=pbl\.test:listed\(127\.0\.0\.11\) rdns=no-ptr signal=no-ptr\(\+3\) score=6 action=reject'
check "dynmilter logged Sendmail's OK result for localhost" "$(cat "$WORK/pbl.log")" 'client=127\.0\.0\.1 name=localhost list=pbl\.test:not-listed rdns=ok score=0 action=accept'
check "dynmilter logged Sendmail's no-PTR result" "$(cat "$WORK/pbl.log")" 'client=127\.0\.0\.4 .*rdns=no-ptr signal=no-ptr\(\+3\) score=3 action=reject'
check_alive pbl
finish
