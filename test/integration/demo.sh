#!/bin/bash
# scripts/demo, as the README tells operators to run it, still shows what it promises.
source "$(dirname "$0")/../lib.sh" "$@"
require postfix swaks rbldnsd drill
[ "$(id -u)" -eq 0 ] || skip "the demo starts a Postfix instance, which needs root"
[ "$BIN" = "$(cd "$TESTROOT/.." && pwd)/build/bin" ] || skip "the demo runs build/bin; this tree is $BIN"
out=$(bash "$TESTROOT/../scripts/demo" 2>&1) || true
check "a listed home client is refused with the smarthost text" "$out" \
  "^<\*\* +550 5\.7\.1 Your IP address 203\.0\.113\.7 appears to be dynamically assigned \(listed in pbl\.test\)\. Please smarthost"
check "a generic name is refused for its name" "$out" '^<\*\* +550 5\.7\.1 Your IP address 192\.0\.2\.71 .*your address appears in your host name dsl-192-0-2-71'
check "a mail server's message is queued" "$out" '^<- +250 2\.0\.0 Ok: queued as'
check "the log lines are shown" "$out" '^id=[2-9a-z]{10} client=192\.0\.2\.25 name=mail\.example\.net .*action=accept'
check "dynmilter-ctl why explains the first refusal by its reference" "$out" '^reference [2-9a-z]{10} at .*: reject'
check "dynmilter-check explains the same refusal" "$out" '^verdict: +reject'
check "the auto-reply reached the refused sender's mailbox, from the bypass address" "$out" '^From: unblock@example\.org$'
check "... quoting the reference of the refusal" "$out" 'The refusal you quoted has our reference [2-9a-z]{10}:'
check "dynmilter-replay judged the demo's own log" "$out" '^would: +reject [1-9]'
elapsed=$SECONDS
check "the demo finishes in under a minute (took ${elapsed} s)" "$([ "$elapsed" -lt 60 ] && echo fast || echo slow)" '^fast$'
finish
