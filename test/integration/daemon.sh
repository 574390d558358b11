#!/bin/bash
# Starting the real daemon: privilege drop, unix socket owner and mode, going to the background
# with the start's outcome in the exit status, metrics, and every start error the issue names
# (socket path taken or not writable, unknown user, metrics port in use): a clear message, a
# non-zero exit, and nothing left half-started.
source "$(dirname "$0")/../lib.sh" "$@"
require setpriv
[ -x "$BIN/fake_dns" ] || skip "fake_dns is not built (configure with -DBUILD_TESTING=ON)"
[ "$(id -u)" -eq 0 ] || skip "privilege drop and socket ownership need root"
getent passwd nobody >/dev/null || skip "no user nobody"
NOGROUP=$(id -gn nobody)

run() {  # ARGS...: runs dynmilter (to completion, or until it reports its start), prints output and exit=N
  local rc=0 out
  out=$(timeout 20 "$BIN/dynmilter" "$@" 2>&1) || rc=$?
  printf '%s exit=%s\n' "$out" "$rc"
}
pid_on_socket() { pgrep -f -- "--socket unix:$1" | head -1; }

say "in the background as root with --user: the command returns 0 once started; socket owner and mode"
SOCK=$WORK/run/dyn.sock METRICS=19461
mkdir -p "$WORK/run"
out=$(run --socket "unix:$SOCK" --user nobody --socket-owner "nobody:$NOGROUP" --socket-mode 0640 \
  --dns-server 127.0.0.1:9 --dns-timeout 300ms --metrics 127.0.0.1:$METRICS)
check "background start: exit 0, nothing printed" "$out" '^ ?exit=0$'
check "the socket exists with the owner and mode asked for" "$(stat -c '%U:%G %a %F' "$SOCK" 2>&1)" "^nobody:$NOGROUP 640 socket$"
pid=$(pid_on_socket "$SOCK")
check "the daemon runs as nobody (real, effective and saved uid)" "$(ps -o ruser=,euser=,suser= -p "$pid" 2>&1)" '^nobody +nobody +nobody$'
check "the metrics endpoint answers" "$(scrape $METRICS)" '^dynmilter_connections_total 0$'
check "... with the DNS cache gauges" "$(scrape $METRICS)" '^dynmilter_dns_cache_entries [0-9]+$'

say "start errors: clear message, non-zero exit, nothing half-started"
out=$(run --socket "unix:$SOCK" --dns-server 127.0.0.1:9)
check "a socket another daemon listens on: exit 1, says so" "$out" "another process listens on socket $SOCK.*exit=1"
kill "$pid"
# libmilter's listener looks at its stop flag once every 5 s (MI_CHK_TIME): allow twice that.
for _ in $(seq 100); do running "$pid" || break; sleep 0.1; done
check "SIGTERM stops the background daemon" "$(running "$pid" && echo alive || echo gone)" '^gone$'

printf 'not a socket\n' >"$WORK/run/file"
out=$(run --foreground --socket "unix:$WORK/run/file")
check "a path that is a regular file: exit 1, says so" "$out" "socket path $WORK/run/file exists and is not a socket.*exit=1"
check "... and the file is untouched" "$(cat "$WORK/run/file")" '^not a socket$'

out=$(run --foreground --socket "unix:$WORK/run/x.sock" --user no-such-user-dynmilter)
check "an unknown user: exit 2, says so" "$out" "user 'no-such-user-dynmilter' does not exist.*exit=2"
check "... and no socket was made" "$(ls "$WORK/run/x.sock" 2>&1)" 'No such file'

mkdir -p "$WORK/locked" && chmod 755 "$WORK/locked"
rc=0
out=$(cd / && setpriv --reuid nobody --regid "$NOGROUP" --clear-groups "$BIN/dynmilter" --foreground \
  --socket "unix:$WORK/locked/dyn.sock" 2>&1) || rc=$?
out="$out exit=$rc"
check "a directory the daemon cannot write: exit 1, says so" "$out" "cannot create socket $WORK/locked/dyn.sock: directory $WORK/locked: Permission denied.*exit=1"

# A port some other program listens on: fake_dns listens on TCP as well as UDP.
"$BIN/fake_dns" "$WORK/busy.port" nxdomain &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/busy.port" ] && break; sleep 0.1; done
BUSY=$(cat "$WORK/busy.port")
wait_tcp "$BUSY"
out=$(run --socket "unix:$WORK/run/m.sock" --metrics "127.0.0.1:$BUSY" --dns-server 127.0.0.1:9)
check "a metrics port in use (background start): exit 1, says so" "$out" "cannot serve metrics on 127\.0\.0\.1:$BUSY.*exit=1"
check "... and no socket was left behind" "$(ls "$WORK/run/m.sock" 2>&1)" 'No such file'
out=$(run --socket "unix:$WORK/run/m.sock" --metrics 127.0.0.1 --dns-server 127.0.0.1:9)
check "metrics without a port: exit 2" "$out" "metrics '127\.0\.0\.1' is not ADDRESS:PORT.*exit=2"

say "running as root without --user is allowed, with a loud warning"
"$BIN/dynmilter" --foreground --socket "unix:$WORK/run/root.sock" --dns-server 127.0.0.1:9 >"$WORK/root.log" 2>&1 &
rootpid=$!
PIDS+=($rootpid)
for _ in $(seq 50); do [ -S "$WORK/run/root.sock" ] && break; sleep 0.1; done
sleep 0.2
check "the warning" "$(cat "$WORK/root.log")" 'warning: running as root: set --user'
check "default socket mode 0660" "$(stat -c '%a' "$WORK/run/root.sock" 2>&1)" '^660$'

say "with DNS dead, the daemon serves from its first second (the first probe goes on beside it)"
"$BIN/fake_dns" "$WORK/dead.port" drop &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/dead.port" ] && break; sleep 0.1; done
start=$(date +%s%N)
"$BIN/dynmilter" --foreground --socket "unix:$WORK/run/dead.sock" --dns-server "127.0.0.1:$(cat "$WORK/dead.port")" \
  --dns-timeout 5s --dnsbl pbl.test >"$WORK/dead.log" 2>&1 &
deadpid=$!
PIDS+=($deadpid)
for _ in $(seq 100); do grep -q 'starting:' "$WORK/dead.log" && break; sleep 0.05; done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "serving within 2 s although a probe waits 5 s for dead DNS (took ${ms} ms)" "$([ "$ms" -lt 2000 ] && echo fast || echo "slow: $ms ms")" '^fast$'
check "... and it says the probe goes on" "$(cat "$WORK/dead.log")" 'serving while the first probe'
finish
