#!/bin/bash
# dynmilter-autoreply through real Sendmail, set up as packaging/sendmail-autoreply.snippet says
# (its .mc lines, its mailertable and aliases entries are read from the snippet itself; only the
# paths and the user differ): mail to the bypass address is kept in a mailbox and a copy goes to
# the autoreply mailer, whose reply the test's --sendmail command catches. Sendmail has no
# XCLIENT: the listed client is 127.0.0.2 (swaks --local-interface), and the reply must name it
# from the Received field that Sendmail wrote. A second message within the interval, a bounce
# and list mail get no reply.
source "$(dirname "$0")/../lib.sh" "$@"
# shellcheck source=sendmail-instance.sh
source "$TESTROOT/integration/sendmail-instance.sh"
require swaks rbldnsd m4 unshare
[ "$(id -u)" -eq 0 ] || skip "Sendmail needs root to start"
[ -x "$SM_ROOT/usr/libexec/sendmail/sendmail" ] || skip "no Sendmail unpacked in $SM_ROOT (run scripts/setup-sendmail)"
SNIPPET=$TESTROOT/../packaging/sendmail-autoreply.snippet

RBL_PORT=15361 SMTP_PORT=12665 MILTER=18961
start_rbldnsd $RBL_PORT
# One configuration for the milter and the auto-reply, as the snippet has it (-c).
printf '%s\n' "dns-server = 127.0.0.1:$RBL_PORT" 'dnsbl = pbl.test=127.0.0.[10..11]*3' 'dns-timeout = 1s' \
  'exempt-network = 127.0.0.1/32' 'bypass-recipient = help@example.org' >"$WORK/dynmilter.conf"
start_dynmilter pbl $MILTER -c "$WORK/dynmilter.conf"

SM=$WORK/sendmail AR=$WORK/autoreply
mkdir -p "$SM" "$AR/replies"
# The reply is caught, not sent: one file per reply.
cat >"$AR/catch-reply" <<SH
#!/bin/sh
cat >"\$(mktemp "$AR/replies/reply.XXXXXX")"
SH
chmod 755 "$AR/catch-reply"
chown -R nobody:nogroup "$AR"

# The snippet's .mc lines, with this test's paths and user.
# (TrustStickyBit: the test's files are under /tmp, which Sendmail otherwise finds unsafe.)
SENDMAIL_MC_EXTRA="define(\`ALIAS_FILE', \`$SM/aliases')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
LOCAL_DOMAIN(\`example.org')dnl
$(grep -v '^dnl' "$SNIPPET" | sed -e "s|FEATURE(\`mailertable')|FEATURE(\`mailertable', \`hash $SM/mailertable')|" \
  -e "s|P=/usr/bin/dynmilter-autoreply|P=$BIN/dynmilter-autoreply|" -e 's|U=dynmilter:dynmilter|U=nobody:nogroup|' \
  -e "s|-c /etc/dynmilter.conf|-c $WORK/dynmilter.conf|" -e "s|/var/lib/dynmilter/autoreply.db|$AR/state.db|" \
  -e "s|--received-by mx.example.org|--received-by mx.test.example --sendmail $AR/catch-reply|")"
check "the snippet's mailer definition was found" "$SENDMAIL_MC_EXTRA" '^Mautoreply, P=.*/dynmilter-autoreply'
# Its mailertable and aliases entries; the mailbox is a file here (no local mailer in the test).
sed -n 's/^dnl  *\(autoreply\.invalid .*\)/\1/p' "$SNIPPET" >"$SM/mailertable"
sed -n "s|^dnl  *help: helpbox, \(.*\)|help: $SM/helpbox, \1|p" "$SNIPPET" >"$SM/aliases"
check "the snippet's mailertable line" "$(cat "$SM/mailertable")" '^autoreply\.invalid +autoreply:localhost$'
check "the snippet's aliases line" "$(cat "$SM/aliases")" '^help: /.*/helpbox, help@autoreply\.invalid$'
: >"$SM/helpbox"
chmod 600 "$SM/helpbox"
chown daemon "$SM/helpbox"  # Sendmail writes to a file of an alias as its DefaultUser

sendmail_instance "$SM" $SMTP_PORT $MILTER
"$SM_ROOT/usr/sbin/makemap" -C "$SM/test.cf" hash "$SM/mailertable" <"$SM/mailertable" 2>"$WORK/makemap.log"
sendmail_run "$SM" -bi >"$WORK/newaliases.log" 2>&1 || { cat "$WORK/newaliases.log"; exit 1; }

mail_to_help() {  # FROM [SWAKS ARGS...]: a message from the listed client to the bypass address, delivered
  local from=$1 out id
  shift
  out=$(swaks --server 127.0.0.1:$SMTP_PORT --local-interface 127.0.0.2 --from "$from" --to help@example.org \
    --header "Subject: let me in" --timeout 20 "$@" 2>&1 || true)
  id=$(printf '%s\n' "$out" | sed -n 's/.*<- *250 2\.0\.0 \([0-9A-Za-z]*\) Message accepted.*/\1/p' | head -1)
  [ -n "$id" ] || { printf '%s\n' "$out"; return 0; }
  sendmail_run "$SM" -qI"$id" >>"$WORK/queue-runs.log" 2>&1 || true
  # The queue run hands delivery to a child: done when the queue file is gone (at most 20 s).
  for _ in $(seq 200); do [ -e "$SM/mqueue/qf$id" ] || break; sleep 0.1; done
  printf '%s\n' "$out"
}
replies() { find "$AR/replies" -type f | wc -l; }

say "mail to the bypass address from a listed client is kept, and answered once"
out=$(mail_to_help sender@client.example)
check "the listed client reaches the bypass address" "$out" '<- +250 2\.0\.0 .* Message accepted for delivery'
check "exactly one reply" "$(replies)" '^1$'
reply=$(cat "$AR"/replies/* 2>/dev/null || true)
check "the reply goes to the envelope sender (\$g)" "$reply" '^To: sender@client\.example$'
check "the reply is from the bypass address" "$reply" '^From: help@example\.org$'
check "RFC 3834: Auto-Submitted: auto-replied" "$reply" '^Auto-Submitted: auto-replied$'
check "it names the address from Sendmail's Received field" "$reply" 'Your server connected from 127\.0\.0\.2\.'
check "it carries the readiness report, with the listing" "$reply" 'not-listed +listed in pbl\.test'
check "the mailbox kept the message" "$(cat "$SM/helpbox" || true)" '^Subject: let me in'
check "Sendmail delivered to the autoreply mailer" "$(cat "$WORK/maillog")" 'to=help@autoreply\.invalid, .*mailer=autoreply, .*stat=Sent'

say "a second message within the interval gets no reply"
mail_to_help sender@client.example >/dev/null
check "still one reply" "$(replies)" '^1$'
check "the mailbox kept both" "$(grep -c '^Subject: let me in' "$SM/helpbox")" '^2$'

say "a bounce (null sender) or list mail gets no reply"
mail_to_help '<>' >/dev/null
mail_to_help list@client.example --header "List-Id: <news.client.example>" >/dev/null
check "no more replies" "$(replies)" '^1$'
check "every copy went to the mailer without error" \
  "$(grep -c 'to=help@autoreply\.invalid, .*mailer=autoreply, .*stat=Sent' "$WORK/maillog")" '^4$'

check_alive pbl
finish
