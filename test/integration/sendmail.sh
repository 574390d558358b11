#!/bin/bash
# Real Sendmail 8.17 (run from Debian's unpacked .debs, see scripts/setup-sendmail) ->
# real dynmilter -> real rbldnsd. Sendmail has no XCLIENT, so clients differ by their loopback
# source address (swaks --local-interface); 127.0.0.2 is listed in the test zone (the RFC 5782
# test point). Sendmail looks client names up through the system resolver and passes its verdict
# in ${client_resolve}: 127.0.0.1 is "localhost" both ways (OK), 127.0.0.2-5 have no name (FAIL).
# The milter exempts only 127.0.0.5. dynmilter is restarted on the same port with other actions.
# SMTP AUTH (for the authenticated-sender exemption) uses Cyrus SASL with a test sasldb; Sendmail
# reads its SASL settings only from /etc/sasl2/Sendmail.conf, which the test writes and removes
# (and leaves alone, skipping AUTH, if one is already there).
source "$(dirname "$0")/../lib.sh" "$@"
# shellcheck source=sendmail-instance.sh
source "$TESTROOT/integration/sendmail-instance.sh"
require swaks rbldnsd drill m4 unshare saslpasswd2 unbound
[ "$(id -u)" -eq 0 ] || skip "Sendmail needs root to start"
[ -x "$SM_ROOT/usr/libexec/sendmail/sendmail" ] || skip "no Sendmail unpacked in $SM_ROOT (run scripts/setup-sendmail)"

RBL_PORT=15321 SMTP_PORT=12625 MILTER=18921
start_rbldnsd $RBL_PORT
DNS_PORT=15326
start_dns_world $DNS_PORT $RBL_PORT  # PTRs as the tests need them; lists from rbldnsd
COMMON=(--dns-server 127.0.0.1:$DNS_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' --exempt-network 127.0.0.5/32 --dns-timeout 2s)
start_dynmilter pbl $MILTER "${COMMON[@]}" --bypass-recipient help@example.org

# SASL: user alice, password secret, in a sasldb under a root-only directory (Sendmail checks).
SASL_CONF=/etc/sasl2/Sendmail.conf SASL_DIR=/var/lib/dynmilter-test-sasl
AUTH=no
if [ ! -e "$SASL_CONF" ]; then
  mkdir -p /etc/sasl2 "$SASL_DIR"
  chmod 700 "$SASL_DIR"
  printf 'secret' | saslpasswd2 -p -c -f "$SASL_DIR/sasldb2" -u mx.test.example alice
  chmod 600 "$SASL_DIR/sasldb2"
  printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s\nmech_list: PLAIN LOGIN\n' "$SASL_DIR/sasldb2" >"$SASL_CONF"
  ON_EXIT+=("rm -rf '$SASL_CONF' '$SASL_DIR'")
  AUTH=yes
fi

# Sendmail resolves client addresses through its hosts file only (no DNS); its syslog lines go
# to $WORK/maillog (a replay input below).
SM=$WORK/sendmail
sendmail_instance "$SM" $SMTP_PORT $MILTER

smtp() {  # SOURCE_ADDR RCPT[,RCPT...] [SWAKS ARGS...]
  local from=$1 to=$2
  shift 2
  swaks --server 127.0.0.1:$SMTP_PORT --local-interface "$from" --from sender@client.example --to "$to" \
    --quit-after RCPT --timeout 20 "$@" 2>&1 || true
}
reply_to() {  # RCPT TRANSCRIPT: the server's reply line that follows "RCPT TO:<RCPT>"
  printf '%s\n' "$2" | awk -v r="RCPT TO:<$1>" 'found { print; exit } index($0, r) { found = 1 }'
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
say "exemptions: postmaster@ and a bypass address pass while another recipient in the session is refused"
out=$(smtp 127.0.0.2 postmaster@example.org,help@example.org,user@example.org)
check "postmaster@ from a listed client: 250" "$(reply_to postmaster@example.org "$out")" '<- +250'
check "bypass address from a listed client: 250" "$(reply_to help@example.org "$out")" '<- +250'
check "ordinary recipient in the same session: 550 5.7.1" "$(reply_to user@example.org "$out")" '<\*\* +550 5\.7\.1'

if [ "$AUTH" = yes ]; then
  say "an authenticated sender on a listed address passes (SMTP AUTH gives the milter {auth_authen})"
  out=$(smtp 127.0.0.2 user@example.org --auth PLAIN --auth-user alice --auth-password secret)
  check "AUTH PLAIN accepted" "$out" '<- +235'
  check "authenticated listed client: RCPT 250" "$(reply_to user@example.org "$out")" '<- +250'
else
  echo "SKIP (AUTH): $SASL_CONF already exists; not replacing another configuration of the system"
fi
check_alive pbl
stop_dynmilter pbl

say "Sendmail's own log of these sessions, replayed with the same settings, gives the same verdicts"
cp "$WORK/maillog" "$WORK/maillog.pbl"
json=$("$BIN/dynmilter-replay" "${COMMON[@]}" --dns --json "$WORK/maillog.pbl")
check "replay: Sendmail's lines read" "$json" '"skipped":\{"other":0,"malformed":0,'
check "replay: the clients the milter refused then, the same now" "$json" \
  '"clients":4,"refused":2,.*"log":\{"refused_then":2,"deferred_then":0,"now_refused":0,"now_accepted":0\}'
check "replay: the missing PTR decided alone; with the list, neither alone" "$json" '\{"source":"no-ptr","hits":2,"decisive":1,.*\{"source":"pbl\.test","hits":1,"decisive":0,'
if [ "$AUTH" = yes ]; then
  check "replay: the client that logged in is reported as legitimate" "$json" \
    '"legitimate":\[\{"address":"127\.0\.0\.2","name":"unknown","action":"reject","evidence":\["authenticated as alice"\]\}\]'
fi

say "action tempfail, with a two-line reply text"
start_dynmilter tempfail $MILTER "${COMMON[@]}" --action tempfail \
  --reply-text 'Your IP address {ip} appears to be dynamically assigned ({reason}).\nReference {id}'
out=$(smtp 127.0.0.2 user@example.org)
check "tempfail: first line 450-4.7.1" "$out" '<\*\* +450-4\.7\.1 (<user@example\.org>\.\.\. )?Your IP address 127\.0\.0\.2 appears to be dynamically assigned \(listed in pbl\.test\)\.'
check "tempfail: last line 450 4.7.1 with the reference" "$out" '<\*\* +450 4\.7\.1 Reference [2-9a-z]{10}'
check_alive tempfail
stop_dynmilter tempfail

say "action tag: the message is accepted and carries the header"
start_dynmilter tag $MILTER "${COMMON[@]}" --action tag
out=$(swaks --server 127.0.0.1:$SMTP_PORT --local-interface 127.0.0.2 --from sender@client.example \
  --to user@example.org --timeout 20 2>&1 || true)
check "tag: message queued" "$out" '<- +250 2\.0\.0 .* Message accepted for delivery'
queue_id=$(printf '%s\n' "$out" | sed -n 's/.*<- *250 2\.0\.0 \([0-9A-Za-z]*\) Message accepted.*/\1/p' | head -1)
check "tag: the queued message has the header" "$(cat "$SM/mqueue/qf$queue_id" 2>&1)" \
  '^H\?\?X-Dynmilter: dynamic; score=6; threshold=3; client=127\.0\.0\.2; listed=pbl\.test; signals=no-ptr\(\+3\)'
check_alive tag
stop_dynmilter tag

say "action log: nobody is refused; the would-be verdict is logged"
start_dynmilter log $MILTER "${COMMON[@]}" --action log
out=$(smtp 127.0.0.2 user@example.org)
check "log: listed client RCPT 250" "$out" '<- +250 2\.1\.5'
check "log: would-be verdict logged" "$(cat "$WORK/log.log")" 'client=127\.0\.0\.2 .*score=6 action=log note="dry run: would reject \(listed in pbl\.test\)"'

say "per-list action: a listing that may only defer defers, even with the no-PTR signal added"
stop_dynmilter log
start_dynmilter perlist $MILTER "${COMMON[@]}" --action-for pbl.test=tempfail --rdns-weight no-ptr=2
out=$(smtp 127.0.0.2 user@example.org)
check "listed (3, tempfail-limited) + no PTR (2): 450 4.7.1" "$out" '<\*\* +450 4\.7\.1'
check_alive perlist

say "per-domain policy: one transaction, recipients in two domains, each answered by its own"
stop_dynmilter perlist
printf '%s\n' '# optout.example takes its mail whatever the verdict' 'optout.example off' >"$WORK/domains"
start_dynmilter domains $MILTER "${COMMON[@]}" --domain-policy "$WORK/domains"
out=$(smtp 127.0.0.2 user@optout.example,user@example.org)
check "the domain that opted out: 250" "$(reply_to user@optout.example "$out")" '<- +250'
check "the enforcing domain in the same transaction: 550 5.7.1" "$(reply_to user@example.org "$out")" '<\*\* +550 5\.7\.1'
check_alive domains
finish
