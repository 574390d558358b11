#!/bin/bash
# The control socket and dynmilter-ctl against the real daemon (dropped to nobody): why a client
# was refused, by reference and by address, as text and JSON; the lists' health; stats; flushing
# the DNS cache; a reload; errors for unknown and malformed commands, 1,000 of them random or
# oversized without disturbing sessions; and the socket refuses a user outside the daemon's group.
source "$(dirname "$0")/../lib.sh" "$@"
require rbldnsd drill setpriv
[ "$(id -u)" -eq 0 ] || skip "the socket's owner and group are set as root"
getent passwd nobody >/dev/null && getent passwd daemon >/dev/null || skip "no users nobody and daemon"
[ -x "$BIN/raw_milter" ] || skip "raw_milter is not built (configure with -DBUILD_TESTING=ON)"
RBL_PORT=15371
start_rbldnsd $RBL_PORT
mkdir -p "$WORK/run" && chmod 755 "$WORK" "$WORK/run"
SOCK=$WORK/run/ctl.sock
"$BIN/dynmilter" --foreground --socket "unix:$WORK/run/milter.sock" --user nobody --control-socket "$SOCK" \
  --dns-server 127.0.0.1:$RBL_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' --dns-timeout 1s --history 100 \
  >"$WORK/dyn.log" 2>&1 &
D=$!
PIDS+=($D)
for _ in $(seq 50); do [ -S "$SOCK" ] && [ -S "$WORK/run/milter.sock" ] && break; sleep 0.1; done
CTL=("$BIN/dynmilter-ctl" -s "$SOCK")
ctl() { { "${CTL[@]}" "$@" 2>&1; echo "exit=$?"; } | tr "\n" " "; }

say "the socket: root and the daemon's group, 0660, never TCP"
check "owner root, group of nobody, mode 660" "$(stat -c '%U:%G %a' "$SOCK")" "^root:$(id -gn nobody) 660$"

say "a listed client, then why: by address and by its reference"
"$BIN/raw_milter" "unix:$WORK/run/milter.sock" normal >/dev/null  # CONNECT from 203.0.113.7, listed in pbl.test
sleep 0.3
out=$(ctl why 203.0.113.7)
check "why ADDRESS: its verdict, with the listing that decided" "$out" 'listed in pbl\.test \(\+3, primary, decisive\)'
check "... and the reply it got" "$out" 'reply: 550 5\.7\.1 Your IP address 203\.0\.113\.7'
ref=$(printf '%s\n' "$out" | sed -n 's/^reference \([23456789a-z]\{10\}\) at .*/\1/p' | head -1)
check "the reference is the one in the daemon's log" "$(cat "$WORK/dyn.log")" "id=$ref client=203\\.0\\.113\\.7 "
check "why REF: the same verdict" "$(ctl why "$ref")" "reference $ref at .*: reject"
check "why --json: one document" "$(ctl --json why "$ref")" "^\\[\\{\"reference\":\"$ref\",\"time\":\"[0-9T:-]+Z\",\"verdict\":\\{\"client\":\"203\\.0\\.113\\.7\""
check "why for a reference nobody has: an error, exit 1" "$(ctl why 2222222222)" '^error: no recent verdict for 2222222222.*exit=1 $'

say "lists, stats, flush, reload"
check "lists: pbl.test and its health" "$(ctl lists)" '^pbl\.test +weight +3 +healthy'
check "lists --json" "$(ctl --json lists)" '^\{"lists":\[\{"list":"pbl\.test","weight":3,"health":"healthy"'
check "stats: the verdict kept" "$(ctl stats)" 'verdicts kept: +1 of 100'
check "flush ADDRESS: the client's cached answers forgotten" "$(ctl flush 203.0.113.7)" '^forgot [1-9][0-9]* cached answers? about 203\.0\.113\.7'
check "flush: the whole cache" "$(ctl flush)" '^flushed the DNS cache'
check "reload: asked" "$(ctl reload)" '^reload requested'
for _ in $(seq 50); do grep -q "configuration reloaded" "$WORK/dyn.log" && break; sleep 0.1; done
check "... and done (the log says so)" "$(cat "$WORK/dyn.log")" 'configuration reloaded'

say "bad commands: a clear error each, and nothing disturbed"
check "an unknown command" "$(ctl bogus)" "^error: unknown command 'bogus' \\(try: help\\) exit=1 $"
check "why without an argument" "$(ctl why)" '^error: why takes one reference or address'
check "flush of something that is no address" "$(ctl flush example.org)" "^error: 'example\\.org' is not an address"
check "a command longer than 512 bytes" "$(ctl "$(head -c 600 /dev/zero | tr '\0' x)")" '^error: command longer than 512 bytes'
errors=0
for i in $(seq 1000); do
  junk=$(head -c $((RANDOM % 700 + 1)) /dev/urandom | tr -dc 'a-zA-Z0-9 ./:-' | head -c 600)
  [ -n "$junk" ] || junk=x
  rc=0
  "${CTL[@]}" "$junk" >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 1 ] && errors=$((errors + 1))
done
check "1,000 random or oversized commands: each an error" "$errors" '^(9[5-9][0-9]|1000)$'
check "the daemon is alive" "$(kill -0 $D 2>&1 && echo alive)" '^alive$'
out=$("$BIN/raw_milter" "unix:$WORK/run/milter.sock" normal 2>&1)
check "... and still answers sessions (the listed client refused: y, a reply code)" "$out" '^normal: O,c,c,c,y'

say "a client that connects and sends nothing is dropped"
# perl-base's IO::Socket::UNIX: connect, send nothing, and time how long until the daemon hangs up.
perl -MIO::Socket::UNIX -MTime::HiRes=time -e '$s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!";
  $t = time; $n = sysread($s, $b, 100); printf "dropped after %.1f s, read %d bytes\n", time - $t, $n' "$SOCK" \
  >"$WORK/idle.out" 2>&1 &
idle=$!
sleep 0.5
wait $idle || true
check "the idle one: dropped after 5 s, sent nothing" "$(cat "$WORK/idle.out")" '^dropped after (4\.[5-9]|5\.[0-9]|6\.[0-9]) s, read 0 bytes$'
check "... and the socket serves the next client" "$(ctl stats)" 'verdicts kept'

say "only root and the daemon's group"
out=$(setpriv --reuid nobody --regid "$(id -g nobody)" --clear-groups "${CTL[@]}" stats 2>&1; echo "exit=$?")
check "a member of the daemon's group may ask" "$out" 'verdicts kept'
out=$({ setpriv --reuid daemon --regid daemon --clear-groups "${CTL[@]}" stats 2>&1; echo "exit=$?"; } | tr '\n' ' ')
check "another user is refused, exit 2" "$out" 'Permission denied.*exit=2'
finish
