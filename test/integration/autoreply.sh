#!/bin/bash
# dynmilter-autoreply through real Postfix, set up exactly as packaging/postfix-autoreply.snippet
# says (its master.cf service, virtual alias and transport lines are read from the snippet, only
# paths and the user changed): mail to the bypass address is delivered to its mailbox and a copy
# goes to the pipe(8) service, whose reply Postfix delivers to the sender's mailbox (a virtual
# mailbox on the same instance). The reply comes from the bypass address and quotes the incident
# reference of the refusal the sender got (the one in the daemon's log). One message gets exactly
# one reply; a second within the interval none; a bounce (null sender) or list mail none. The
# reply names the address the client connected from (XCLIENT), carries the readiness report and
# RFC 3834's fields.
source "$(dirname "$0")/../lib.sh" "$@"
require postfix postconf swaks rbldnsd drill
[ "$(id -u)" -eq 0 ] || skip "a throwaway Postfix instance needs root"

RBL_PORT=15351 SMTP_PORT=12555 MILTER=18951
start_rbldnsd $RBL_PORT
printf '%s\n' "dns-server = 127.0.0.1:$RBL_PORT" 'dnsbl = pbl.test=127.0.0.[10..11]*3' 'dns-timeout = 1s' \
  'bypass-recipient = help@example.org' >"$WORK/dynmilter.conf"
chmod 644 "$WORK/dynmilter.conf"
start_dynmilter pbl $MILTER -c "$WORK/dynmilter.conf"

PF=$WORK/postfix
mkdir -p "$WORK/autoreply" "$PF/mail"
# The reply goes back into the same Postfix over SMTP, as sendmail would send it: the envelope
# sender from -f, the recipient from the arguments (never from the reply's header). Postfix's own
# sendmail refuses a non-default -C for an unprivileged user unless the system's main.cf allows
# it, and this machine's may not exist. It records its arguments, and fails while the file
# "fail" exists (a sendmail that cannot take the reply).
cat >"$WORK/autoreply/sendmail" <<SH
#!/bin/bash
printf '%s\\n' "\$*" >>"$WORK/autoreply/argv"
[ -e "$WORK/autoreply/fail" ] && exit 75
from=x
while [ \$# -gt 1 ]; do
  case "\$1" in -f) from=\$2; shift 2 ;; *) shift ;; esac
done
msg=\$(mktemp)
cat >"\$msg"
swaks --server 127.0.0.1:$SMTP_PORT --from "\$from" --to "\$1" --data "\$msg" --timeout 20 >/dev/null 2>&1
rc=\$?
rm -f "\$msg"
exit \$rc
SH
chmod 755 "$WORK/autoreply/sendmail"
chown nobody:nogroup "$WORK/autoreply" "$PF/mail"
# The snippet's own lines: the pipe service (its commented master.cf lines, joined), the virtual
# alias and the transport; then this test's paths, user and sendmail.
SNIPPET=$TESTROOT/../packaging/postfix-autoreply.snippet
service=$(sed -n '/^# autoreply unix/,/^#$/p' "$SNIPPET" | sed -e 's/^#//' | tr -s ' \n' ' ' | sed -e 's/^ *//')
service=$(printf '%s' "$service" | sed -e "s|/usr/bin/dynmilter-autoreply|$BIN/dynmilter-autoreply|" \
  -e 's|user=dynmilter|user=nobody|' -e "s|-c /etc/dynmilter.conf|-c $WORK/dynmilter.conf|" \
  -e "s|/var/lib/dynmilter/|$WORK/autoreply/|" \
  -e "s|--received-by mx.example.org|--received-by mx.test.example {--sendmail=$WORK/autoreply/sendmail -oi -f <>}|")
check "the snippet's pipe service was found" "$service" '^autoreply unix .* pipe flags=Rq user=nobody argv=.*--recipient \$\{original_recipient\}'
sed -n 's/^#  *\(help@example\.org  *help@example\.org, help-autoreply@autoreply\.invalid\)$/\1/p' "$SNIPPET" >"$PF/virtual"
sed -n 's/^#  *\(autoreply\.invalid  *autoreply:\)$/\1/p' "$SNIPPET" >"$PF/transport"
check "the snippet's virtual alias line" "$(cat "$PF/virtual")" '^help@example\.org +help@example\.org, help-autoreply@autoreply\.invalid$'
check "the snippet's transport line" "$(cat "$PF/transport")" '^autoreply\.invalid +autoreply:$'
POSTFIX_MAIN_EXTRA="mydestination =
virtual_mailbox_domains = client.example example.org
virtual_mailbox_base = $PF/mail
virtual_mailbox_maps = inline:{ sender@client.example=sender/, list@client.example=list/, other@client.example=other/, late@client.example=late/, victim@client.example=victim/, other2@client.example=other2/, help@example.org=help/, staff@example.org=staff/ }
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_alias_maps = texthash:$PF/virtual
transport_maps = texthash:$PF/transport"
# shellcheck source=postfix-instance.sh
source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$PF" \
  "$SMTP_PORT inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER" \
  "virtual unix - n n - - virtual" \
  "$service"

mail_to_help() {  # FROM [SWAKS ARGS...]: a whole message from the listed client to the bypass address
  local from=$1
  shift
  swaks --server "127.0.0.1:$SMTP_PORT" --xclient "ADDR=203.0.113.7 NAME=dsl-203-0-113-7.pool.example" \
    --from "$from" --to help@example.org --header "Subject: let me in" --timeout 20 "$@" 2>&1 || true
}
replies() { find "$PF/mail/$1/new" -type f 2>/dev/null | wc -l; }
wait_for() {  # MAILBOX COUNT: until it holds COUNT replies (at most 20 s)
  for _ in $(seq 200); do [ "$(replies "$1")" -ge "$2" ] && return 0; sleep 0.1; done
  return 1
}
settle() {  # until Postfix has nothing in its queue (the pipe ran and what it sent was delivered)
  for _ in $(seq 200); do
    [ -z "$(find "$PF/spool/active" "$PF/spool/incoming" "$PF/spool/maildrop" -type f 2>/dev/null)" ] && return 0
    sleep 0.1
  done
}

say "a listed client is refused, with a reference; it writes to the bypass address quoting the bounce"
refused=$(swaks --server "127.0.0.1:$SMTP_PORT" --xclient "ADDR=203.0.113.7 NAME=dsl-203-0-113-7.pool.example" \
  --from sender@client.example --to staff@example.org --timeout 20 2>&1 || true)
check "the listed client is refused at RCPT with the smarthost text" "$refused" '<\*\* +550.5\.7\.1 Your IP address 203\.0\.113\.7 '
ref=$(printf '%s\n' "$refused" | sed -n 's/.*quote reference \([23456789a-z]\{10\}\)\..*/\1/p' | head -1)
check "the refusal names a reference" "${ref:-none}" '^[23456789a-z]{10}$'
check "the same reference is in the daemon's log" "$(cat "$WORK/pbl.log")" "id=$ref client=203\.0\.113\.7 "
out=$(mail_to_help sender@client.example --body "Hello, your server refused my mail:
> 550 5.7.1 Your IP address 203.0.113.7 appears to be dynamically assigned ... quote reference $ref.")
check "the listed client reaches the bypass address" "$out" '<- +250 2\.0\.0 Ok: queued'
wait_for sender 1 || true
settle
check "exactly one reply in the sender's mailbox" "$(replies sender)" '^1$'
reply=$(cat "$PF"/mail/sender/new/* 2>/dev/null)
check "the reply is from the bypass address (\${original_recipient}, not the alias copy's address)" "$reply" '^From: help@example\.org$'
check "the reply quotes the reference of the refusal the sender got, the one in the log" "$reply" "our reference $ref:"
check "the bypass mailbox got the message itself" "$(find "$PF/mail/help/new" -type f | wc -l)" '^1$'
check "RFC 3834: Auto-Submitted: auto-replied" "$reply" '^Auto-Submitted: auto-replied$'
check "it answers the message (In-Reply-To)" "$reply" '^In-Reply-To: <'
check "it names the address the client connected from" "$reply" 'Your server connected from 203\.0\.113\.7\.'
check "it carries the readiness report, with the listing" "$reply" 'not-listed +listed in pbl\.test \("ISP-maintained dynamic range"\)'
check "it tells how to smarthost" "$reply" 'relayhost = \[smtp\.your-isp\.example\]:587'
check "Postfix logged the pipe's note" "$(cat "$WORK/postfix.log")" 'replied to <sender@client\.example> about 203\.0\.113\.7'
check "sendmail got a null reverse path and the envelope sender as its argument (no -t)" \
  "$(head -1 "$WORK/autoreply/argv")" '^-oi -f <> sender@client\.example$'
check "the reply arrived with a null reverse path" "$reply" '^Return-Path: <>$'

say "a second message within the interval gets no reply"
mail_to_help sender@client.example >/dev/null
settle
sleep 1
check "still one reply" "$(replies sender)" '^1$'
check "the pipe said why" "$(cat "$WORK/postfix.log")" 'no reply to <sender@client\.example>: already answered within 1d'

say "the same sender with a +tag, or another spelling, is the same sender"
mail_to_help 'Sender+news@CLIENT.example' >/dev/null
settle
sleep 1
check "no second reply" "$(replies sender)" '^1$'
check "the pipe said why" "$(cat "$WORK/postfix.log")" 'no reply to <Sender\+news@CLIENT\.example>: already answered within 1d'

say "a header that names someone else changes nothing: the reply goes to the envelope sender only"
mail_to_help late@client.example --header "To: victim@client.example" --header "Reply-To: victim@client.example" \
  --header "From: victim@client.example" >/dev/null
wait_for late 1 || true
settle
check "no mail to the address in the header" "$(replies victim)" '^0$'
check "the envelope sender got its reply" "$(replies late)" '^1$'

say "a reply that cannot be sent does not use up the sender's turn"
touch "$WORK/autoreply/fail"
mail_to_help other2@client.example >/dev/null
settle
sleep 1
check "the pipe said it could not be sent" "$(cat "$WORK/postfix.log")" 'autoreply/sendmail failed \(status 75\)'
rm -f "$WORK/autoreply/fail"
mail_to_help other2@client.example >/dev/null
settle
sleep 1
check "the next message from the sender is answered" "$(cat "$WORK/postfix.log")" 'replied to <other2@client\.example>'

say "a bounce (null sender) or list mail gets no reply"
mail_to_help '<>' >/dev/null
mail_to_help list@client.example --header "List-Id: <news.client.example>" >/dev/null
mail_to_help other@client.example --header "Auto-Submitted: auto-generated" >/dev/null
settle
sleep 1
check "no reply to list mail" "$(replies list)" '^0$'
check "no reply to automatic mail" "$(replies other)" '^0$'
log=$(cat "$WORK/postfix.log")
check "the null sender was not answered" "$log" 'no reply to <MAILER-DAEMON>: the null sender'
check "list mail was not answered" "$log" 'no reply to <list@client\.example>: list mail \(List-Id\)'
check "the messages themselves were delivered (pipe exit 0)" "$(grep -c 'relay=autoreply, .*status=sent' <<<"$log")" '^9$'

check_alive pbl
finish
