#!/bin/bash
# Debian packaging: dpkg-buildpackage builds a .deb from packaging/debian (copied to debian/ in a
# copy of the source tree), dpkg installs it, and the daemon runs from the installed paths with
# the installed configuration, as the user the package creates. The package is purged at the end.
source "$(dirname "$0")/../lib.sh" "$@"
require dpkg-buildpackage dh git rbldnsd drill
[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
if dpkg-query -W -f='${Status}' dynmilter 2>/dev/null | grep -q "install ok installed"; then
  skip "a dynmilter package is already installed here; not replacing it"
fi
SRC=$(cd "$TESTROOT/.." && pwd)
# Debian keeps system users after a purge; the test removes the one the package made.
if ! getent passwd dynmilter >/dev/null; then ON_EXIT+=("userdel dynmilter >/dev/null 2>&1; groupdel dynmilter >/dev/null 2>&1"); fi

say "dpkg-buildpackage builds the .deb"
PKG=$WORK/src/dynmilter-0.1.0
mkdir -p "$PKG"
(cd "$SRC" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$PKG")
cp -r "$SRC/packaging/debian" "$PKG/debian"
rc=0
(cd "$PKG" && dpkg-buildpackage -b -us -uc -j2) >"$WORK/build.log" 2>&1 || rc=$?
check "dpkg-buildpackage succeeds" "exit=$rc" '^exit=0$'
DEB=$(ls "$WORK"/src/dynmilter_0.1.0_*.deb 2>/dev/null | head -1)
check "a .deb is made" "${DEB:-none}" 'dynmilter_0\.1\.0_[a-z0-9]+\.deb$'
[ -n "$DEB" ] || finish
if command -v lintian >/dev/null; then
  out=$(lintian --fail-on error,warning "$DEB" 2>&1; echo "exit=$?")
  check "lintian: no error or warning on the .deb (its findings: $(printf '%s\n' "$out" | grep -c '^[EWIP]:') tags)" \
    "$(printf '%s\n' "$out" | grep -E '^[EW]:|^exit=' | tr '\n' ' ')" '^exit=0 $'
else
  echo "lintian is not installed: the .deb is not linted (scripts/install-deps --test installs it)"
fi

say "it installs, with the files an operator expects"
ON_EXIT+=("dpkg --purge dynmilter >/dev/null 2>&1")
rc=0
dpkg -i "$DEB" >"$WORK/install.log" 2>&1 || rc=$?
check "dpkg -i succeeds" "exit=$rc" '^exit=0$'
contents=$(dpkg -L dynmilter)
for f in /usr/sbin/dynmilter /usr/sbin/dynmilter-ctl /usr/share/man/man8/dynmilter-ctl.8.gz /usr/bin/dynmilter-check /usr/bin/dynmilter-replay /usr/bin/dynmilter-autoreply /etc/dynmilter.conf /lib/systemd/system/dynmilter.service \
  /usr/sbin/dynmilter-web /usr/share/man/man8/dynmilter-web.8.gz /lib/systemd/system/dynmilter-web.service \
  /usr/share/dynmilter/rules/providers.rules /usr/share/man/man8/dynmilter.8.gz /usr/share/man/man5/dynmilter.conf.5.gz \
  /usr/share/man/man5/dynmilter-rules.5.gz /usr/share/man/man1/dynmilter-check.1.gz /usr/share/man/man1/dynmilter-replay.1.gz /usr/share/man/man8/dynmilter-autoreply.8.gz \
  /usr/share/doc/dynmilter/examples/dynmilter.conf /usr/share/doc/dynmilter/blocked-senders.md; do
  check "installed: $f" "$contents" "^$f\$"
done
check "/etc/dynmilter.conf is a conffile" "$(dpkg-query -W -f='${Conffiles}' dynmilter)" '/etc/dynmilter\.conf [0-9a-f]{32}'
check "the package made the system user dynmilter" "$(getent passwd dynmilter)" '^dynmilter:x:[0-9]+:[0-9]+:.*:/nonexistent:/usr/sbin/nologin$'
check "/var/lib/dynmilter is made for the auto-reply's state, owned by dynmilter" "$(stat -c '%U:%G %a' /var/lib/dynmilter 2>&1)" '^dynmilter:dynmilter 750$'
check "the installed configuration is a dry run (the README's rollout)" "$(grep -E '^action' /etc/dynmilter.conf)" '^action = log$'
check "... and says how to enforce" "$(cat /etc/dynmilter.conf)" 'action = reject'
check "a bypass address is there to set, with the reason" "$(cat /etc/dynmilter.conf)" '^#bypass-recipient = help@your-domain\.example$'
if command -v systemd-analyze >/dev/null; then
  for unit in dynmilter dynmilter-web; do
    out=$(systemd-analyze verify /lib/systemd/system/$unit.service 2>&1 | grep -v -e 'Failed to connect' -e 'No such file or directory' -e '^$' || true)
    check "systemd-analyze verify finds nothing wrong in $unit.service" "${out:-clean}" '^clean$'
  done
fi

say "the installed daemon runs from the installed paths, as user dynmilter"
RBL_PORT=15361 MILTER=18961
start_rbldnsd $RBL_PORT
rc=0
/usr/sbin/dynmilter -c /etc/dynmilter.conf --socket "inet:$MILTER@127.0.0.1" --dns-server 127.0.0.1:$RBL_PORT \
  --dnsbl 'pbl.test=127.0.0.[10..11]*3' >"$WORK/daemon.log" 2>&1 || rc=$?
check "it starts in the background with the installed configuration" "exit=$rc $(cat "$WORK/daemon.log")" '^exit=0 $'
pid=$(pgrep -f -- "--socket inet:$MILTER@127.0.0.1" | head -1)
[ -n "$pid" ] && ON_EXIT+=("kill $pid; for _ in \$(seq 100); do running $pid || break; sleep 0.1; done")
check "it runs as dynmilter" "$(ps -o euser= -p "${pid:-1}")" '^dynmilter$'
check "dynmilter-ctl asks it over the installed control socket" "$(/usr/sbin/dynmilter-ctl lists 2>&1)" '^pbl\.test +weight +3 '
check "the control socket is root's and the dynmilter group's" "$(stat -c '%U:%G %a' /run/dynmilter/control.sock 2>&1)" '^root:dynmilter 660$'
check "the public socket is there for dynmilter-web, anyone's to ask" "$(stat -c '%a' /run/dynmilter/public.sock 2>&1)" '^666$'
WEB=18962
setpriv --reuid nobody --regid nogroup --clear-groups /usr/sbin/dynmilter-web -c /etc/dynmilter.conf \
  --listen 127.0.0.1:$WEB --dns-server 127.0.0.1:$RBL_PORT >"$WORK/web.log" 2>&1 &
web=$!
ON_EXIT+=("kill $web 2>/dev/null")
wait_tcp $WEB
reply=$(exec 3<>"/dev/tcp/127.0.0.1/$WEB" && printf 'GET /why/2222222222 HTTP/1.0\r\n\r\n' >&3 && cat <&3 | tr -d '\r' | tr '\n' ' ') || true
check "the installed dynmilter-web, unprivileged, with the installed configuration: an unknown reference is a 404 page" \
  "$reply" '^HTTP/1\.[01] 404 .*Not found'
wait_tcp $MILTER
kill -USR1 "$pid" 2>/dev/null
sleep 0.5
check "it survives a reload (SIGUSR1, what systemctl reload sends)" "$(kill -0 "$pid" 2>&1 && echo alive)" '^alive$'
out=$(/usr/bin/dynmilter-check -c /etc/dynmilter.conf --dns-server 127.0.0.1:$RBL_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' \
  203.0.113.7 2>&1; echo "exit=$?")
check "the installed dynmilter-check reads the installed configuration: a listed client is logged, not refused" \
  "$out" 'verdict: +accept \(dry run: would reject'
check "... exit 0: a fresh install refuses nobody" "$out" 'exit=0$'
out=$(/usr/bin/dynmilter-check -c /etc/dynmilter.conf --dns-server 127.0.0.1:$RBL_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' \
  --action reject 203.0.113.7 2>&1; echo "exit=$?")
check "with action = reject the same client is refused" "$out" 'verdict: +reject'
finish
